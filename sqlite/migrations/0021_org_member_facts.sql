-- What a manager sees of a member, kept on the member's row: the daily
-- report of an organisation of 100,000 members reads one index of its own
-- rows in order instead of looking up each member's profile, status,
-- declarations and tests. Every writer of a status copies them to the
-- person's memberships (sqlstore/org_facts.go); saving a profile links a
-- member to the person registered with its document (person_id).

ALTER TABLE org_members ADD COLUMN person_id BIGINT; -- NULL while nobody registered with the document
-- 0, 1, 2: the colour of a declared, evaluated person; 3: no status to show.
ALTER TABLE org_members ADD COLUMN colour_class SMALLINT NOT NULL DEFAULT 3;
ALTER TABLE org_members ADD COLUMN action_required BOOLEAN NOT NULL DEFAULT FALSE;
-- The sampling time of the status's latest test when it is negative.
ALTER TABLE org_members ADD COLUMN tested_at BIGINT;
ALTER TABLE org_members ADD COLUMN doses BIGINT NOT NULL DEFAULT 0;

DROP INDEX org_members_unit;
CREATE INDEX org_members_report ON org_members (org_id, unit, colour_class, tested_at);
CREATE INDEX org_members_page ON org_members (org_id, id);
CREATE INDEX org_members_person_id ON org_members (person_id) WHERE person_id IS NOT NULL;

-- The daily report as the morning job stored it, one per organisation and
-- day (YYYY-MM-DD, the node's local day), as JSON.
CREATE TABLE org_reports (
	org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	day        TEXT NOT NULL,
	report     TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (org_id, day)
);
