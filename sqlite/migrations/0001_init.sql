-- Times are unix microseconds (0 = none); personal fields are sealed BLOBs.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE persons (
	id         INTEGER PRIMARY KEY,
	phone_hash BLOB NOT NULL UNIQUE, -- keyed hash, for sign-in lookups
	phone      BLOB NOT NULL, -- sealed
	subject    BLOB NOT NULL UNIQUE,
	created_at BIGINT NOT NULL
);

CREATE TABLE profiles (
	person_id          BIGINT PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
	person_key         BLOB NOT NULL UNIQUE,
	id_number          BLOB NOT NULL, -- sealed
	name               BLOB NOT NULL, -- sealed
	address            BLOB NOT NULL, -- sealed
	id_type            TEXT NOT NULL,
	sex                TEXT NOT NULL,
	birth_date         TEXT NOT NULL,
	nationality        TEXT NOT NULL,
	phone              BLOB NOT NULL, -- sealed
	household_division TEXT NOT NULL,
	address_division   TEXT NOT NULL,
	conditions         TEXT NOT NULL, -- JSON array
	updated_at         BIGINT NOT NULL
);

CREATE TABLE otps (
	phone_hash   BLOB PRIMARY KEY, -- keyed hash: no phone number is kept here
	code_hash    BLOB,
	expires_at   BIGINT NOT NULL DEFAULT 0,
	attempts     BIGINT NOT NULL DEFAULT 0,
	locked_until BIGINT NOT NULL DEFAULT 0,
	sent_at      BIGINT NOT NULL DEFAULT 0,
	send_count   BIGINT NOT NULL DEFAULT 0,
	window_start BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	token_hash BLOB PRIMARY KEY,
	person_id  BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_person_id ON sessions (person_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE staff_tokens (
	id         INTEGER PRIMARY KEY,
	role       TEXT NOT NULL,
	name       TEXT NOT NULL,
	venue_id   TEXT NOT NULL,
	data_kind  TEXT NOT NULL,
	token_hash BLOB NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE signing_keys (
	id          INTEGER PRIMARY KEY,
	kid         BLOB NOT NULL,
	alg         TEXT NOT NULL,
	public_key  BLOB NOT NULL,
	private_key BLOB, -- sealed PKCS #8; NULL for a public-only key
	not_before  BIGINT NOT NULL,
	not_after   BIGINT NOT NULL,
	revoked     BOOLEAN NOT NULL,
	created_at  BIGINT NOT NULL
);

CREATE TABLE declarations (
	id             INTEGER PRIMARY KEY,
	person_id      BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
	temperature    DOUBLE PRECISION,
	symptoms       TEXT NOT NULL, -- JSON array
	fever_medicine BOOLEAN NOT NULL,
	case_contact   TEXT NOT NULL,
	places         TEXT NOT NULL, -- JSON array of stays
	return_to_work TEXT NOT NULL,
	findings       BOOLEAN NOT NULL, -- counted by the policy: kept in Facts however old
	created_at     BIGINT NOT NULL
);
CREATE INDEX declarations_person_created ON declarations (person_id, created_at);
CREATE INDEX declarations_person_findings ON declarations (person_id) WHERE findings;

CREATE TABLE statuses (
	person_id       BIGINT PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
	colour          BIGINT NOT NULL,
	action_required BOOLEAN NOT NULL,
	reevaluate_at   BIGINT, -- NULL: only when facts change
	status          TEXT NOT NULL, -- JSON of healthcode.Status
	evaluated_at    BIGINT NOT NULL
);
CREATE INDEX statuses_reevaluate_at ON statuses (reevaluate_at) WHERE reevaluate_at IS NOT NULL;
CREATE INDEX statuses_colour ON statuses (colour);

-- Records name people by person_key; external_id ('' when none) makes a
-- re-import idempotent. row_hash is the hash of the row as the provider sent
-- it (a re-sent identical row is a duplicate); recorded_at is when the node
-- stored it.

CREATE TABLE tests (
	id          INTEGER PRIMARY KEY,
	person_key  BLOB NOT NULL,
	sampled_at  BIGINT NOT NULL,
	reported_at BIGINT NOT NULL DEFAULT 0,
	result      BIGINT NOT NULL CHECK (result IN (0, 1)),
	method      TEXT NOT NULL DEFAULT 'pcr' CHECK (method IN ('pcr', 'antigen')),
	pooled      BOOLEAN NOT NULL DEFAULT FALSE,
	lab         TEXT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	row_hash    TEXT NOT NULL DEFAULT '',
	recorded_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tests_person_key ON tests (person_key);
CREATE UNIQUE INDEX tests_external_id ON tests (external_id) WHERE external_id <> '';

CREATE TABLE vaccinations (
	id          INTEGER PRIMARY KEY,
	person_key  BLOB NOT NULL,
	dose        BIGINT NOT NULL,
	product     TEXT NOT NULL,
	at          BIGINT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	row_hash    TEXT NOT NULL DEFAULT '',
	recorded_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX vaccinations_person_key ON vaccinations (person_key);
CREATE UNIQUE INDEX vaccinations_external_id ON vaccinations (external_id) WHERE external_id <> '';

CREATE TABLE cases (
	id           INTEGER PRIMARY KEY,
	person_key   BLOB NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN ('confirmed', 'suspected', 'asymptomatic')),
	diagnosed_at BIGINT NOT NULL,
	status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'recovered', 'dismissed')),
	closed_at    BIGINT NOT NULL,
	external_id  TEXT NOT NULL DEFAULT '',
	row_hash     TEXT NOT NULL DEFAULT '',
	recorded_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX cases_person_key ON cases (person_key);
CREATE UNIQUE INDEX cases_external_id ON cases (external_id) WHERE external_id <> '';

CREATE TABLE contacts (
	id          INTEGER PRIMARY KEY,
	person_key  BLOB NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('close', 'secondary', 'companion')),
	case_id     TEXT NOT NULL DEFAULT '',
	exposed_at  BIGINT NOT NULL,
	cleared_at  BIGINT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	row_hash    TEXT NOT NULL DEFAULT '',
	recorded_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX contacts_person_key ON contacts (person_key);
CREATE UNIQUE INDEX contacts_external_id ON contacts (external_id) WHERE external_id <> '';

CREATE TABLE quarantines (
	id          INTEGER PRIMARY KEY,
	person_key  BLOB NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('centralised', 'home', 'home_monitoring')),
	from_at     BIGINT NOT NULL,
	until_at    BIGINT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	row_hash    TEXT NOT NULL DEFAULT '',
	recorded_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX quarantines_person_key ON quarantines (person_key);
CREATE UNIQUE INDEX quarantines_external_id ON quarantines (external_id) WHERE external_id <> '';

CREATE TABLE travel (
	id          INTEGER PRIMARY KEY,
	person_key  BLOB NOT NULL,
	division    TEXT NOT NULL,
	from_at     BIGINT NOT NULL,
	to_at       BIGINT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	row_hash    TEXT NOT NULL DEFAULT '',
	recorded_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX travel_person_key ON travel (person_key);
CREATE UNIQUE INDEX travel_external_id ON travel (external_id) WHERE external_id <> '';

CREATE TABLE drug_purchases (
	id          INTEGER PRIMARY KEY,
	person_key  BLOB NOT NULL,
	class       TEXT NOT NULL,
	at          BIGINT NOT NULL,
	venue_id    TEXT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	row_hash    TEXT NOT NULL DEFAULT '',
	recorded_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX drug_purchases_person_key ON drug_purchases (person_key);
CREATE UNIQUE INDEX drug_purchases_external_id ON drug_purchases (external_id) WHERE external_id <> '';

CREATE TABLE remote_statuses (
	id          INTEGER PRIMARY KEY,
	person_key  BLOB NOT NULL,
	region      TEXT NOT NULL,
	colour      BIGINT NOT NULL CHECK (colour IN (0, 1, 2)),
	at          BIGINT NOT NULL,
	until_at    BIGINT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	row_hash    TEXT NOT NULL DEFAULT '',
	recorded_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX remote_statuses_person_key ON remote_statuses (person_key);
CREATE UNIQUE INDEX remote_statuses_external_id ON remote_statuses (external_id) WHERE external_id <> '';

CREATE TABLE risk_areas (
	id       INTEGER PRIMARY KEY,
	division TEXT NOT NULL,
	area     TEXT NOT NULL, -- street or compound
	level    TEXT NOT NULL CHECK (level IN ('high', 'medium', 'low')),
	from_at  BIGINT NOT NULL,
	until_at BIGINT NOT NULL
);
