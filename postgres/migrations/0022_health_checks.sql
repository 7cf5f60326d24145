-- Health checks (issue 7): schools' morning and noon checks (晨午检) of
-- their students, and the daily check-ins of people in home quarantine or
-- home health monitoring (org_id ''). A check names its person by
-- person_key, so it reaches their status whether they registered or not;
-- the status engine reads a person's checks of the last 14 days.
CREATE TABLE health_checks (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	person_key       BYTEA NOT NULL,
	org_id           TEXT NOT NULL DEFAULT '', -- '': the person's own check-in
	member_id        BIGINT NOT NULL DEFAULT 0, -- org_members.id; 0 for a check-in
	unit             TEXT NOT NULL DEFAULT '',
	session          TEXT NOT NULL CHECK (session IN ('morning', 'noon', 'daily')),
	day              TEXT NOT NULL, -- YYYY-MM-DD in the region's zone
	checked_at       BIGINT NOT NULL,
	temperature      DOUBLE PRECISION, -- °C; NULL when not measured
	symptoms         TEXT NOT NULL DEFAULT '', -- comma-separated
	absent           BOOLEAN NOT NULL DEFAULT FALSE,
	absent_reason    TEXT NOT NULL DEFAULT '',
	entered_by       TEXT NOT NULL DEFAULT '', -- the token's name, or 'self'
	entered_by_token BIGINT NOT NULL DEFAULT 0,
	-- Entering the same check again replaces it.
	UNIQUE (org_id, person_key, session, day)
);
CREATE INDEX health_checks_person ON health_checks (person_key, checked_at);
CREATE INDEX health_checks_day ON health_checks (org_id, day, session);
