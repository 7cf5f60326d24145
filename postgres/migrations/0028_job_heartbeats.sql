-- A process touches the rows of its queued and running jobs and traces
-- every 20 s (unix microseconds; 0: a row written before this migration,
-- whose created_at stands for it). A row whose heartbeat is older than a
-- few missed beats was left by a process that died without a clean
-- shutdown, and serve's sweep fails it; a live process's rows, on a
-- PostgreSQL database several nodes share, stay fresh and are left alone
-- (README, "Records, recompute, appeals, audit").
ALTER TABLE jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE traces ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;
-- The sweep reads only the open rows, a handful among every job ever run.
CREATE INDEX jobs_open ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX traces_open ON traces (id) WHERE state IN ('queued', 'running');
