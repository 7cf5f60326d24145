-- A record's person_key is looked up only while the record is pending
-- (person_id NULL: nobody registered with its key yet), to link it when
-- somebody does. A linked record is read by person_id, which always names
-- the holder of its key (sqlstore/recordperson.go). So the hashed keys,
-- which land all over an index of every record and made it the costliest
-- part of storing one, are indexed for the pending records alone.
DROP INDEX tests_person_key;
CREATE INDEX tests_pending_key ON tests (person_key) WHERE person_id IS NULL;
DROP INDEX vaccinations_person_key;
CREATE INDEX vaccinations_pending_key ON vaccinations (person_key) WHERE person_id IS NULL;
DROP INDEX cases_person_key;
CREATE INDEX cases_pending_key ON cases (person_key) WHERE person_id IS NULL;
DROP INDEX contacts_person_key;
CREATE INDEX contacts_pending_key ON contacts (person_key) WHERE person_id IS NULL;
DROP INDEX quarantines_person_key;
CREATE INDEX quarantines_pending_key ON quarantines (person_key) WHERE person_id IS NULL;
DROP INDEX travel_person_key;
CREATE INDEX travel_pending_key ON travel (person_key) WHERE person_id IS NULL;
DROP INDEX drug_purchases_person_key;
CREATE INDEX drug_purchases_pending_key ON drug_purchases (person_key) WHERE person_id IS NULL;
DROP INDEX remote_statuses_person_key;
CREATE INDEX remote_statuses_pending_key ON remote_statuses (person_key) WHERE person_id IS NULL;
