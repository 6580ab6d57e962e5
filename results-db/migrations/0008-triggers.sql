-- The service's triggers (issue 8): who asked for each flight and why, and
-- what the nightly schedules last fired. Columns rather than runvars:
-- runvars are per job, checked against the steps that read them, and a
-- flight's origin is a fact of the flight, not a parameter of its jobs.
ALTER TABLE flights ADD COLUMN requester TEXT;	-- Unix user, API token name, "poll", "github:USER", ...
ALTER TABLE flights ADD COLUMN triggered_by TEXT;	-- push, nightly, one-off; NULL before 0008
ALTER TABLE flights ADD COLUMN trigger_key TEXT;	-- TREE/BRANCH of the config, for push and nightly
CREATE INDEX flights_trigger ON flights(triggered_by, trigger_key, flight DESC);

-- One row per schedule ("nightly TREE/BRANCH"): the due slot last handled
-- (a flight created, or skipped because its revisions already passed).
CREATE TABLE trigger_state (
	name      TEXT PRIMARY KEY,
	last_fire INTEGER NOT NULL,	-- the slot, seconds since the epoch
	flight    INTEGER,		-- the flight it created, NULL when skipped
	note      TEXT NOT NULL,
	recorded  INTEGER NOT NULL
);
