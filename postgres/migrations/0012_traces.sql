-- Contact traces: the cases a trace was asked for and what it found. The
-- findings are one blob, written when the trace ends and read whole: an
-- outbreak's can name 100,000 people, which as rows would cost an insert
-- each for a report that is only ever read in one piece.
CREATE TABLE traces (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
	cases       BYTEA NOT NULL, -- sealed CBOR of the cases (sqlstore/trace.go)
	result      BYTEA NOT NULL, -- sealed CBOR of the visits, exposures and unresolved count
	created_at  BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0,
	applied_at  BIGINT NOT NULL DEFAULT 0, -- 0: not applied
	token_id    BIGINT NOT NULL DEFAULT 0, -- the staff token that asked for it
	error       TEXT NOT NULL DEFAULT ''
);
