-- Regression analysis (pvci report): the revisions a branch has tested (the
-- baseline's), and regressions from the flight they opened in to the one
-- that fixed them.

-- The branch's tested revisions, one row a tree; the push gate records them.
CREATE TABLE tested_revisions (
	branch    TEXT NOT NULL,
	tree      TEXT NOT NULL,
	revision  TEXT NOT NULL,
	recorded  INTEGER NOT NULL,
	PRIMARY KEY (branch, tree)
);

-- One row a regression of a step on a branch: opened by the first real
-- flight where it failed after passing (last_pass), closed by fixed_in.
CREATE TABLE regressions (
	id        INTEGER PRIMARY KEY,
	branch    TEXT NOT NULL,
	job       TEXT NOT NULL,
	testid    TEXT NOT NULL,
	first_fail INTEGER NOT NULL,
	last_pass INTEGER,
	fixed_in  INTEGER,
	opened    INTEGER NOT NULL,	-- the first failing flight's start
	UNIQUE (branch, job, testid, first_fail)
);
-- Every real flight it failed in, the first one included.
CREATE TABLE regression_flights (
	regression INTEGER NOT NULL REFERENCES regressions(id),
	flight    INTEGER NOT NULL,
	PRIMARY KEY (regression, flight)
);
CREATE INDEX regressions_open ON regressions(branch, job, testid) WHERE fixed_in IS NULL;
-- A flight's tree revisions (runvars revision_TREE), and a step's results
-- across flights of a branch.
CREATE INDEX runvars_name ON runvars(name, value, flight);
CREATE INDEX steps_job_history ON steps(job, testid, flight DESC);
