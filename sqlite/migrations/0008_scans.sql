-- Venues, the scan log and who is inside each venue.

-- A venue's public id is derived from its row id, so nodes sharing one
-- database never hand out the same one: V000001, ..., V999999, V1000000.
CREATE TABLE venues (
	seq        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE GENERATED ALWAYS AS ('V' || printf('%06d', seq)) STORED,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	division   TEXT NOT NULL,
	address    TEXT NOT NULL,
	capacity   BIGINT NOT NULL, -- 0: no limit
	policy     TEXT NOT NULL, -- JSON of healthcode.EntryPolicy
	max_stay   BIGINT NOT NULL, -- microseconds
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX venues_division_kind ON venues (division, kind);

-- The scan log: append-only. Ids grow with received_at, which lets the
-- purge walk the oldest rows by id without an index of its own; every
-- other index costs each of the many inserts, so there are only three.
CREATE TABLE scans (
	id          INTEGER PRIMARY KEY,
	venue_id    TEXT NOT NULL,
	device_id   BIGINT NOT NULL,
	seq         BIGINT NOT NULL, -- the device's number of an offline scan; 0 otherwise
	source      TEXT NOT NULL,
	direction   TEXT NOT NULL,
	region      TEXT NOT NULL,
	subject     BLOB NOT NULL,
	person_id   BIGINT NOT NULL, -- 0: none of this region
	colour      BIGINT NOT NULL,
	verdict     TEXT NOT NULL,
	reasons     TEXT NOT NULL, -- deny codes, comma-separated
	at          BIGINT NOT NULL,
	received_at BIGINT NOT NULL,
	clock_skew  BOOLEAN NOT NULL
);
CREATE INDEX scans_venue_at ON scans (venue_id, at);
CREATE INDEX scans_subject_at ON scans (subject, at);
-- An offline upload sent twice stores each scan once.
CREATE UNIQUE INDEX scans_device_seq ON scans (device_id, seq) WHERE seq > 0;

-- Who is inside: the latest passed entry without an exit of each person
-- at each venue. It counts towards occupancy while younger than the
-- venue's max_stay.
CREATE TABLE venue_presence (
	venue_id   TEXT NOT NULL,
	region     TEXT NOT NULL,
	subject    BLOB NOT NULL,
	entered_at BIGINT NOT NULL,
	PRIMARY KEY (venue_id, region, subject)
) WITHOUT ROWID;
CREATE INDEX venue_presence_venue_entered ON venue_presence (venue_id, entered_at);

-- Health staff list purchases by day.
CREATE INDEX drug_purchases_at ON drug_purchases (at);
