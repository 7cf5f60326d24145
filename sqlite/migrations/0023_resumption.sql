-- Resumption of work (issue 7): employers' applications and the share of
-- ready staff, set by the health authority, that approves one.

-- One application per employer; once approved it stays so. members and
-- ready are the counts of the last evaluation.
CREATE TABLE resumption_applications (
	id             INTEGER PRIMARY KEY,
	org_id         TEXT NOT NULL UNIQUE REFERENCES orgs (id) ON DELETE CASCADE,
	state          TEXT NOT NULL CHECK (state IN ('pending', 'approved')),
	applied_at     BIGINT NOT NULL,
	applied_by     TEXT NOT NULL,
	members        BIGINT NOT NULL DEFAULT 0,
	ready          BIGINT NOT NULL DEFAULT 0,
	evaluated_at   BIGINT NOT NULL DEFAULT 0,
	approved_at    BIGINT NOT NULL DEFAULT 0,
	approved_share DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX resumption_applications_state ON resumption_applications (state);

-- The threshold: one row once set; the default before.
CREATE TABLE resumption_threshold (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	share      DOUBLE PRECISION NOT NULL CHECK (share > 0 AND share <= 1),
	updated_at BIGINT NOT NULL,
	updated_by TEXT NOT NULL
);

-- Returnees are found from a community's members: their declared stays by
-- person, newest end first.
CREATE INDEX declared_stays_person ON declared_stays (person_id, to_at);
