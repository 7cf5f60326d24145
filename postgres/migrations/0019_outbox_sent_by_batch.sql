-- A queued record is sent when its batch is (outbox_batches.sent_at): the
-- per-record copy was written for every record of every batch sent and
-- read by nothing.

ALTER TABLE outbox DROP COLUMN sent_at;
