-- pvci results database, schema version 1.
-- Later changes are numbered files in migrations/, applied in order by
-- pvci when it opens the instance and recorded in schema_updates.
-- Times are seconds since the epoch (UTC).

CREATE TABLE schema_updates (
	version   INTEGER PRIMARY KEY,
	name      TEXT NOT NULL,
	applied   INTEGER NOT NULL
);

CREATE TABLE flights (
	flight    INTEGER PRIMARY KEY AUTOINCREMENT,
	branch    TEXT NOT NULL,
	blessing  TEXT NOT NULL CHECK (blessing IN ('real','adhoc','play','bisect')),
	intended  TEXT NOT NULL CHECK (intended IN ('real','adhoc','play','bisect')),
	recipe    TEXT NOT NULL,
	created   INTEGER NOT NULL,
	started   INTEGER,
	finished  INTEGER
);

CREATE TABLE jobs (
	flight    INTEGER NOT NULL REFERENCES flights(flight),
	job       TEXT NOT NULL,
	status    TEXT NOT NULL CHECK (status IN
	          ('queued','preparing','running','pass','fail','broken','blocked','aborted')),
	ordinal   INTEGER NOT NULL,	-- order in the recipe
	owner_pid INTEGER,		-- process running it, while it runs
	owner_start INTEGER,		-- that process's start time, against pid reuse
	needs_cleanup INTEGER NOT NULL DEFAULT 0, -- its owner died before its always-steps ran
	host      TEXT,
	note      TEXT,
	started   INTEGER,
	finished  INTEGER,
	PRIMARY KEY (flight, job)
);

CREATE TABLE job_deps (
	flight    INTEGER NOT NULL,
	job       TEXT NOT NULL,
	needs     TEXT NOT NULL,
	PRIMARY KEY (flight, job, needs),
	FOREIGN KEY (flight, job) REFERENCES jobs(flight, job)
);

CREATE TABLE steps (
	flight    INTEGER NOT NULL,
	job       TEXT NOT NULL,
	stepno    INTEGER NOT NULL,
	step      TEXT NOT NULL,	-- the step function (table in steps.c)
	testid    TEXT NOT NULL,	-- the recipe's name for it, unique in the job
	always    INTEGER NOT NULL DEFAULT 0,
	timeout   INTEGER NOT NULL,
	status    TEXT NOT NULL CHECK (status IN
	          ('queued','running','pass','fail','broken','skipped')),
	note      TEXT,
	started   INTEGER,
	finished  INTEGER,
	PRIMARY KEY (flight, job, stepno),
	FOREIGN KEY (flight, job) REFERENCES jobs(flight, job)
);

CREATE TABLE runvars (
	flight    INTEGER NOT NULL,
	job       TEXT NOT NULL,
	name      TEXT NOT NULL,
	value     TEXT NOT NULL,
	synth     INTEGER NOT NULL DEFAULT 0,	-- 1: set while running
	PRIMARY KEY (flight, job, name),
	FOREIGN KEY (flight, job) REFERENCES jobs(flight, job)
);

CREATE TABLE artifacts (
	id        INTEGER PRIMARY KEY,
	flight    INTEGER NOT NULL,
	job       TEXT NOT NULL,
	path      TEXT NOT NULL,	-- relative to the instance
	kind      TEXT NOT NULL,
	size      INTEGER NOT NULL,
	sha256    TEXT NOT NULL,
	recorded  INTEGER NOT NULL,
	UNIQUE (flight, job, path),
	FOREIGN KEY (flight, job) REFERENCES jobs(flight, job)
);

CREATE TABLE measurements (
	id        INTEGER PRIMARY KEY,
	flight    INTEGER NOT NULL,
	job       TEXT NOT NULL,
	stepno    INTEGER NOT NULL,
	metric    TEXT NOT NULL,
	value     REAL NOT NULL,
	unit      TEXT NOT NULL,
	recorded  INTEGER NOT NULL,
	FOREIGN KEY (flight, job, stepno) REFERENCES steps(flight, job, stepno)
);

CREATE TABLE hosts (
	name      TEXT PRIMARY KEY,
	toolstack TEXT NOT NULL,
	uri       TEXT NOT NULL,
	domain_type TEXT NOT NULL,
	enabled   INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE images (
	name      TEXT PRIMARY KEY,
	path      TEXT NOT NULL,
	format    TEXT NOT NULL,
	size      INTEGER NOT NULL,
	sha256    TEXT NOT NULL,
	kind      TEXT NOT NULL,	-- domain template: linux-testguest, windows, ...
	registered INTEGER NOT NULL
);

-- History queries of the reports: the latest result of a job (and of a
-- step of it) on a branch, newest flight first.
CREATE INDEX flights_branch ON flights(branch, blessing, flight DESC);
CREATE INDEX jobs_history ON jobs(job, status, flight DESC);
CREATE INDEX steps_history ON steps(job, testid, status, flight DESC);
CREATE INDEX jobs_running ON jobs(status) WHERE status IN ('running','preparing');
