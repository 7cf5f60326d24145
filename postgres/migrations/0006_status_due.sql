-- Due marks set by whoever changes a person's facts (an import, a risk-area
-- change, an appeal decision). A narrow table of its own, so that marking a
-- million people writes a million small rows instead of rewriting a
-- million statuses; the recompute deletes a mark once it has evaluated the
-- status. A status is due when its own re-evaluation time has come or it
-- has a mark.
CREATE TABLE status_due (
	person_id BIGINT PRIMARY KEY,
	due_at    BIGINT NOT NULL
);

-- Nothing queries statuses by colour; the index only cost every write.
DROP INDEX statuses_colour;
