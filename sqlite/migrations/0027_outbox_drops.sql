-- A parked batch the hub will never take (409: its id stored with other
-- content) is dropped by an operator (`healthcode outbox drop ID --reason
-- TEXT`, docs/federation.md, "Parked batches"): the batch and its records,
-- personal data, are deleted in one transaction, and this row is what is
-- kept of it. Nothing of the records nor the signed body, nor the hub's
-- message (it may name record ids): the batch, the region it was for, the
-- records deleted, when it was packed, its refusals with the last one's
-- HTTP status and hub code and when, when it was parked, when it was
-- dropped and the operator's reason. Times are unix microseconds.
CREATE TABLE outbox_drops (
	batch_id       TEXT PRIMARY KEY,
	to_region      TEXT NOT NULL,
	records        BIGINT NOT NULL,
	created_at     BIGINT NOT NULL,
	refusals       BIGINT NOT NULL,
	refused_status BIGINT NOT NULL,
	refused_code   TEXT NOT NULL,
	refused_at     BIGINT NOT NULL,
	parked_at      BIGINT NOT NULL,
	dropped_at     BIGINT NOT NULL,
	reason         TEXT NOT NULL
);
