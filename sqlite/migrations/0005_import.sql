-- An import stamps the rows it stores with its own recorded_at, then finds
-- them again set-based (pending rows, people to re-evaluate) by that time.
CREATE INDEX tests_recorded_at ON tests (recorded_at);
CREATE INDEX vaccinations_recorded_at ON vaccinations (recorded_at);
CREATE INDEX cases_recorded_at ON cases (recorded_at);
CREATE INDEX contacts_recorded_at ON contacts (recorded_at);
CREATE INDEX quarantines_recorded_at ON quarantines (recorded_at);
CREATE INDEX travel_recorded_at ON travel (recorded_at);
