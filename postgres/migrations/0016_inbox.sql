-- A node's inbox of batches from the hub (docs/federation.md, "Node side"):
-- how far it has read the hub's sequence, and every batch it applied, so
-- that a batch fetched again is skipped however often it comes.

-- One row: the last hub seq the node has dealt with (applied or skipped).
CREATE TABLE hub_inbox_cursor (
	id         BIGINT PRIMARY KEY CHECK (id = 1),
	seq        BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
INSERT INTO hub_inbox_cursor (id, seq, updated_at) VALUES (1, 0, 0);

CREATE TABLE hub_inbox_batches (
	id          TEXT PRIMARY KEY, -- the batch's own id, 32 hex digits
	from_region TEXT NOT NULL,
	seq         BIGINT NOT NULL, -- the hub's
	applied_at  BIGINT NOT NULL,
	summary     TEXT NOT NULL -- JSON of healthcode.InboxSummary
);
