-- An import now finds the people its rows name from the person keys it
-- collected in memory, not by its recorded_at: the indexes only cost every
-- insert a fourth B-tree.
DROP INDEX tests_recorded_at;
DROP INDEX vaccinations_recorded_at;
DROP INDEX cases_recorded_at;
DROP INDEX contacts_recorded_at;
DROP INDEX quarantines_recorded_at;
DROP INDEX travel_recorded_at;

-- It looks the keys up in profiles in key order; with the person id in the
-- index that reads the index alone, not a profile row per key.
CREATE INDEX profiles_person_key_id ON profiles (person_key, person_id);
