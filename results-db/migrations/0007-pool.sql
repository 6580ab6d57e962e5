-- The host pool (issue 8): hosts are leased to jobs through the database.
-- A host row is made from the config when the pool first sees it; enabled
-- (schema 1) and these columns are the pool's state of it.
ALTER TABLE hosts ADD COLUMN disabled_reason TEXT;	-- why it is out of service
ALTER TABLE hosts ADD COLUMN disabled_at INTEGER;
ALTER TABLE hosts ADD COLUMN broken_streak INTEGER NOT NULL DEFAULT 0;	-- jobs ended broken in a row
ALTER TABLE hosts ADD COLUMN broken_jobs TEXT;	-- those jobs, "FLIGHT/JOB ..."

-- A lease: one job holds a guest slot (and memory) of a host. Its owner is
-- the worker process, with the columns of the job owner (0003), so a lease
-- whose owner died is freed when that is noticed; a dead worker's lease is
-- kept until its job's cleanup has destroyed the guest.
CREATE TABLE host_leases (
	flight      INTEGER NOT NULL,
	job         TEXT NOT NULL,
	host        TEXT NOT NULL,
	memory_mib  INTEGER NOT NULL,
	owner_pid   INTEGER NOT NULL,
	owner_start INTEGER NOT NULL,
	owner_host  TEXT NOT NULL,
	owner_boot  TEXT NOT NULL,
	owner_pidns INTEGER NOT NULL,
	since       INTEGER NOT NULL,
	PRIMARY KEY (flight, job)
);
CREATE INDEX host_leases_host ON host_leases(host);

-- What host a job needs (the recipe's needs_host and needs_flags), and its
-- attempts: a job that broke is queued again once (attempt 2) on another
-- host when one fits; the earlier attempt is kept in job_attempts.
ALTER TABLE jobs ADD COLUMN needs_host INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN needs_flags TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN avoid_host TEXT;	-- the host of the attempt that broke
CREATE TABLE job_attempts (
	flight    INTEGER NOT NULL,
	job       TEXT NOT NULL,
	attempt   INTEGER NOT NULL,
	status    TEXT NOT NULL,
	host      TEXT,
	note      TEXT,
	started   INTEGER,
	finished  INTEGER,
	steps     TEXT NOT NULL,	-- JSON: [{stepno, testid, status, note, started, finished}]
	PRIMARY KEY (flight, job, attempt)
);
