-- Communities, employers and schools (issue 7): organisations, their
-- rosters and invitation codes, and org tokens bound to one organisation
-- (and optionally one unit of it).

CREATE TABLE orgs (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE GENERATED ALWAYS AS ('G' || printf('%06d', seq)) STORED,
	kind       TEXT NOT NULL CHECK (kind IN ('community', 'employer', 'school')),
	name       TEXT NOT NULL,
	division   TEXT NOT NULL,
	test_window BIGINT NOT NULL, -- microseconds
	webhook    TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);

-- A member is named by document (person_key, the keyed hash of the number):
-- their status is found through profiles.person_key once they register.
CREATE TABLE org_members (
	id INTEGER PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	unit       TEXT NOT NULL DEFAULT '',
	person_key BLOB NOT NULL,
	id_type    TEXT NOT NULL,
	id_number  BLOB NOT NULL, -- sealed
	name       BLOB NOT NULL, -- sealed
	source     TEXT NOT NULL CHECK (source IN ('roster', 'invitation')),
	created_at BIGINT NOT NULL,
	UNIQUE (org_id, person_key)
);
CREATE INDEX org_members_unit ON org_members (org_id, unit);
CREATE INDEX org_members_person_key ON org_members (person_key);

-- Invitation codes: only their keyed hash is kept.
CREATE TABLE org_invitations (
	code_hash  BLOB PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	unit       TEXT NOT NULL DEFAULT '',
	expires_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);

ALTER TABLE staff_tokens ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_tokens ADD COLUMN org_unit TEXT NOT NULL DEFAULT '';
