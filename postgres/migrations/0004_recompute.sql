-- Background jobs (recompute after an import, a risk area change, the
-- scheduler) whose progress GET /api/v1/jobs/{id} shows.
CREATE TABLE jobs (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind        TEXT NOT NULL,
	reason      TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
	total       BIGINT NOT NULL DEFAULT 0,
	done        BIGINT NOT NULL DEFAULT 0,
	changed     BIGINT NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	token_id    BIGINT NOT NULL DEFAULT 0, -- the staff token that started it, 0 for the node itself
	created_at  BIGINT NOT NULL,
	started_at  BIGINT NOT NULL DEFAULT 0,
	finished_at BIGINT NOT NULL DEFAULT 0
);

-- The stays of declarations, one row each, so that a risk area change finds
-- the people it touches by division without reading declaration JSON.
CREATE TABLE declared_stays (
	person_id      BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
	declaration_id BIGINT NOT NULL REFERENCES declarations (id) ON DELETE CASCADE,
	division       TEXT NOT NULL,
	from_at        BIGINT NOT NULL,
	to_at          BIGINT NOT NULL -- 0: still there
);
CREATE INDEX declared_stays_division ON declared_stays (division);
CREATE INDEX declared_stays_declaration ON declared_stays (declaration_id);

INSERT INTO declared_stays (person_id, declaration_id, division, from_at, to_at)
SELECT d.person_id, d.id, p->>'division',
	(extract(epoch FROM (p->>'from')::timestamptz) * 1000000)::bigint,
	CASE WHEN p->>'to' LIKE '0001-01-01%' THEN 0
		ELSE (extract(epoch FROM (p->>'to')::timestamptz) * 1000000)::bigint END
FROM declarations d, jsonb_array_elements(d.places::jsonb) p;

CREATE INDEX travel_division ON travel (division);
