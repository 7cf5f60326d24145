-- A roster's insert kept six indexes of org_members current; two of them
-- were keyed by person_key, a hash, so each row went to a page of its own
-- in both. One unique index on (person_key, org_id) does the work of the
-- two: it keeps a person on a roster once, and finds a person's
-- memberships (and a member of an organisation by key) by its prefix.

ALTER TABLE org_members DROP CONSTRAINT org_members_org_id_person_key_key;
DROP INDEX org_members_person_key;
CREATE UNIQUE INDEX org_members_person_key ON org_members (person_key, org_id);
