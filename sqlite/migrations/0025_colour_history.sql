-- The colours people hold, counted once an hour (issue 8: the health
-- authority's "colour distribution over time"). The statuses keep no
-- history, so a node job counts them by colour at each hour's start, in
-- the overview's one pass over the table, and deletes the rows older than
-- 90 days. hour is the hour's start in unix microseconds.
CREATE TABLE colour_history (
	hour            BIGINT PRIMARY KEY,
	green           BIGINT NOT NULL,
	yellow          BIGINT NOT NULL,
	red             BIGINT NOT NULL,
	action_required BIGINT NOT NULL,
	counted_at      BIGINT NOT NULL
);
