-- statuses keyed by "BIGINT PRIMARY KEY" kept its rows by a hidden rowid
-- and person_id in an index of its own, so every read and write of a
-- status by person sought two B-trees. "INTEGER PRIMARY KEY" makes the
-- person id the rowid itself.
CREATE TABLE statuses_by_rowid (
	person_id       INTEGER PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
	colour          BIGINT NOT NULL,
	action_required BOOLEAN NOT NULL,
	reevaluate_at   BIGINT, -- NULL: only when facts change
	status          BLOB NOT NULL, -- CBOR of healthcode.Status (rows of before 0010: JSON text)
	evaluated_at    BIGINT NOT NULL
);
INSERT INTO statuses_by_rowid (person_id, colour, action_required, reevaluate_at, status, evaluated_at)
	SELECT person_id, colour, action_required, reevaluate_at, status, evaluated_at FROM statuses ORDER BY person_id;
DROP TABLE statuses;
ALTER TABLE statuses_by_rowid RENAME TO statuses;
CREATE INDEX statuses_reevaluate_at ON statuses (reevaluate_at) WHERE reevaluate_at IS NOT NULL;
