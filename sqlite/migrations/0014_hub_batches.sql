-- The hub's batches (docs/federation.md, way 1): signed batches of records
-- a region sends, through the hub, to the people's home region.
--
-- seq is hub-wide and given from hub_batch_state under its row lock, not by
-- an identity: an identity is drawn at insert, so on PostgreSQL two batches
-- could commit out of seq order and a receiver paging by seq would step
-- past the one that committed last. Under the lock, seqs commit in order.

CREATE TABLE hub_batches (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE, -- 32 lowercase hex, the sender's
	from_region TEXT NOT NULL REFERENCES hub_regions (id),
	to_region   TEXT NOT NULL REFERENCES hub_regions (id),
	issued_at   BIGINT NOT NULL,
	hash        BLOB NOT NULL, -- SHA-256 of the JWS payload: the same content under another signature is a duplicate
	signed      BLOB,          -- the JWS, sealed (records name people); NULL once acked
	received_at BIGINT NOT NULL,
	acked_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hub_batches_to ON hub_batches (to_region, seq);

CREATE TABLE hub_batch_state (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	last_seq BIGINT NOT NULL
);
INSERT INTO hub_batch_state (id, last_seq) VALUES (1, 0);

-- Each region's ack cursor: its batches up to through are acked, so an ack
-- touches only those after it.
CREATE TABLE hub_batch_acks (
	region   TEXT PRIMARY KEY REFERENCES hub_regions (id),
	through  BIGINT NOT NULL,
	acked_at BIGINT NOT NULL
);
