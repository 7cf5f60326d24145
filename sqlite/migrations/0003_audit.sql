-- One pending appeal per person at a time.
CREATE UNIQUE INDEX appeals_one_pending ON appeals (person_id) WHERE state = 'pending';

-- The access audit log: every read of a person's data by staff, a device or
-- a peer. Entries are hash-chained (hash = SHA-256(prev_hash || entry)); ids
-- are given by the appender, one after the other, so a removed entry leaves
-- a gap. No foreign key: the log outlives what it names.
CREATE TABLE audit_log (
	id        INTEGER PRIMARY KEY,
	at        BIGINT NOT NULL,
	token_id  BIGINT NOT NULL,
	actor     TEXT NOT NULL,
	role      TEXT NOT NULL,
	person_id BIGINT NOT NULL,
	what      TEXT NOT NULL,
	purpose   TEXT NOT NULL,
	prev_hash BLOB NOT NULL,
	hash      BLOB NOT NULL
);
CREATE INDEX audit_log_person ON audit_log (person_id, id);

-- The chain head: one row, the last entry appended. Appenders lock it, so
-- the chain has one order across nodes, and a removed last entry shows.
CREATE TABLE audit_head (
	one       BIGINT PRIMARY KEY CHECK (one = 1),
	last_id   BIGINT NOT NULL,
	last_hash BLOB NOT NULL
);
INSERT INTO audit_head (one, last_id, last_hash) VALUES (1, 0, x'');
