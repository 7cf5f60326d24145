-- Every record also names the registered person it belongs to (NULL while
-- nobody registered with its person key): the bulk recompute reads a chunk
-- of people's records by their ids, which sit side by side in this index,
-- instead of seeking each person's hashed key all over the person_key one.
-- Saving a profile keeps the column right (sqlstore/profile.go).
ALTER TABLE tests ADD COLUMN person_id BIGINT;
UPDATE tests SET person_id = (SELECT p.person_id FROM profiles p WHERE p.person_key = tests.person_key);
CREATE INDEX tests_person_id ON tests (person_id);

ALTER TABLE vaccinations ADD COLUMN person_id BIGINT;
UPDATE vaccinations SET person_id = (SELECT p.person_id FROM profiles p WHERE p.person_key = vaccinations.person_key);
CREATE INDEX vaccinations_person_id ON vaccinations (person_id);

ALTER TABLE cases ADD COLUMN person_id BIGINT;
UPDATE cases SET person_id = (SELECT p.person_id FROM profiles p WHERE p.person_key = cases.person_key);
CREATE INDEX cases_person_id ON cases (person_id);

ALTER TABLE contacts ADD COLUMN person_id BIGINT;
UPDATE contacts SET person_id = (SELECT p.person_id FROM profiles p WHERE p.person_key = contacts.person_key);
CREATE INDEX contacts_person_id ON contacts (person_id);

ALTER TABLE quarantines ADD COLUMN person_id BIGINT;
UPDATE quarantines SET person_id = (SELECT p.person_id FROM profiles p WHERE p.person_key = quarantines.person_key);
CREATE INDEX quarantines_person_id ON quarantines (person_id);

ALTER TABLE travel ADD COLUMN person_id BIGINT;
UPDATE travel SET person_id = (SELECT p.person_id FROM profiles p WHERE p.person_key = travel.person_key);
CREATE INDEX travel_person_id ON travel (person_id);

ALTER TABLE drug_purchases ADD COLUMN person_id BIGINT;
UPDATE drug_purchases SET person_id = (SELECT p.person_id FROM profiles p WHERE p.person_key = drug_purchases.person_key);
CREATE INDEX drug_purchases_person_id ON drug_purchases (person_id);

ALTER TABLE remote_statuses ADD COLUMN person_id BIGINT;
UPDATE remote_statuses SET person_id = (SELECT p.person_id FROM profiles p WHERE p.person_key = remote_statuses.person_key);
CREATE INDEX remote_statuses_person_id ON remote_statuses (person_id);

-- When a profile last took a key (this store's clock): an import looks its
-- rows' people up beside its inserts, and at the end puts right the rows
-- of every profile that took or left a key meanwhile.
ALTER TABLE profiles ADD COLUMN linked_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX profiles_linked_at ON profiles (linked_at);
