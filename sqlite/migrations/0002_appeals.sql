-- Appeals against a status (GB/T 38963 error correction). An accepted
-- appeal carries the corrected status that Facts hands to the engine.
CREATE TABLE appeals (
	id               INTEGER PRIMARY KEY,
	person_id        BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
	reason           TEXT NOT NULL,
	state            TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
	colour_at_filing BIGINT NOT NULL CHECK (colour_at_filing IN (0, 1, 2)),
	corrected_colour BIGINT CHECK (corrected_colour IN (0, 1, 2)), -- accepted only
	override_until   BIGINT NOT NULL DEFAULT 0, -- 0: until new records arrive
	decision_reason  TEXT NOT NULL DEFAULT '',
	decided_by       TEXT NOT NULL DEFAULT '', -- staff token name
	decided_by_token BIGINT NOT NULL DEFAULT 0,
	created_at       BIGINT NOT NULL,
	decided_at       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX appeals_person ON appeals (person_id, state, decided_at);
CREATE INDEX appeals_queue ON appeals (state, created_at);
