-- A batch the hub refuses (a 4xx answer) is posted again after a backoff
-- and parked after `serve --hub-park-after` refusals (docs/federation.md,
-- "Node side"); a parked batch is not posted again until an operator
-- requeues it (`healthcode outbox requeue ID`). Each batch keeps the
-- refusals since it was packed or requeued, the last one's HTTP status,
-- the hub's error code and message and when (unix microseconds, 0: never
-- refused), when it may be posted again, and when it was parked (0: not
-- parked).
ALTER TABLE outbox_batches ADD COLUMN refusals BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox_batches ADD COLUMN refused_status BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox_batches ADD COLUMN refused_code TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_batches ADD COLUMN refused_message TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_batches ADD COLUMN refused_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox_batches ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox_batches ADD COLUMN parked_at BIGINT NOT NULL DEFAULT 0;
-- The parked batches, counted by region every sender round for the gauge
-- and listed by `healthcode outbox list --parked`.
CREATE INDEX outbox_batches_parked ON outbox_batches (to_region) WHERE parked_at > 0;
