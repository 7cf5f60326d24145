-- A node's outbox (docs/federation.md, "Node side"): records about people
-- of other regions, queued for their home region, and the signed batches
-- they are packed into. A batch's body is stored before it is first
-- posted, so a retry after a crash posts the very same batch.

CREATE TABLE outbox_batches (
	id         TEXT PRIMARY KEY, -- 32 hex digits, random
	to_region  TEXT NOT NULL,
	signed     BYTEA NOT NULL, -- sealed JWS compact serialization, as posted
	records    BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	sent_at    BIGINT NOT NULL DEFAULT 0 -- 0: not taken by the hub yet
);
CREATE INDEX outbox_batches_unsent ON outbox_batches (created_at) WHERE sent_at = 0;

CREATE TABLE outbox (
	seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	to_region  TEXT NOT NULL,
	kind       TEXT NOT NULL,
	record_id  TEXT NOT NULL, -- this region, a slash and the record id: CN-330100/t-1
	body       BYTEA NOT NULL, -- sealed JSON of the record as it travels
	body_hash  BYTEA NOT NULL, -- keyed hash of to_region and the body: a row queued again unchanged is a duplicate
	created_at BIGINT NOT NULL,
	batch_id   TEXT REFERENCES outbox_batches (id), -- NULL until packed
	sent_at    BIGINT NOT NULL DEFAULT 0,
	UNIQUE (kind, record_id)
);
CREATE INDEX outbox_unpacked ON outbox (to_region, seq) WHERE batch_id IS NULL;
CREATE INDEX outbox_batch ON outbox (batch_id) WHERE batch_id IS NOT NULL;
