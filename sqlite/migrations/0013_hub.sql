-- The hub (healthcode hub): the regions of the federation, the code-signing
-- keys each published, and the hub's own trust-list key. A node's store
-- leaves these tables empty. Peer tokens at the hub act for one region.

CREATE TABLE hub_regions (
	id             TEXT PRIMARY KEY, -- CN-330100, or CN
	name           TEXT NOT NULL,
	mode           TEXT NOT NULL CHECK (mode IN ('local', 'national')),
	endpoint       TEXT NOT NULL,
	keys_issued_at BIGINT NOT NULL DEFAULT 0, -- of the last key set accepted: the replay guard
	created_at     BIGINT NOT NULL
);

CREATE TABLE hub_region_keys (
	region     TEXT NOT NULL REFERENCES hub_regions (id),
	kid        BLOB NOT NULL,
	alg        TEXT NOT NULL,
	public_key BLOB NOT NULL,
	not_before BIGINT NOT NULL,
	not_after  BIGINT NOT NULL,
	revoked    BOOLEAN NOT NULL,
	added_at   BIGINT NOT NULL,
	PRIMARY KEY (region, kid)
);

-- One row: the hub's Ed25519 key (made on first use) and a counter of
-- changes to the regions and keys, which tells a cached trust list it is
-- stale even when another process made the change.
CREATE TABLE hub_state (
	id             INTEGER PRIMARY KEY CHECK (id = 1),
	generation     BIGINT NOT NULL,
	public_key     BLOB,
	private_key    BLOB, -- sealed Ed25519 seed
	key_created_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO hub_state (id, generation) VALUES (1, 0);

ALTER TABLE staff_tokens ADD COLUMN region TEXT NOT NULL DEFAULT '';
