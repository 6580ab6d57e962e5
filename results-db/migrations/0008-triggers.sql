-- The service's triggers (issue 8): who asked for each flight and why, and
-- what the schedules last did. A table of its own rather than columns of
-- flights (which 0010 rebuilds, keeping only the columns it knows) or
-- runvars (which are per job, checked against the steps that read them; a
-- flight's origin is a fact of the flight, not a parameter of its jobs).
-- No foreign key: a table rebuild of flights (0010) checks every foreign
-- key of the database, and an origin outliving its flight harms nothing.
CREATE TABLE flight_origin (
	flight       INTEGER PRIMARY KEY,	-- flights(flight)
	requester    TEXT,	-- Unix user, API token name, "poll", "github:USER", "schedule"
	triggered_by TEXT,	-- push, nightly, one-off
	trigger_key  TEXT	-- TREE/BRANCH of the config, for push and nightly
);
CREATE INDEX flight_origin_trigger ON flight_origin(triggered_by, trigger_key, flight DESC);

-- One row per schedule or poll ("nightly TREE/BRANCH", "poll TREE/BRANCH"):
-- the slot or poll last handled, and what came of it.
CREATE TABLE trigger_state (
	name      TEXT PRIMARY KEY,
	last_fire INTEGER NOT NULL,	-- seconds since the epoch
	flight    INTEGER,		-- the flight it created, NULL when none
	note      TEXT NOT NULL,	-- what came of it (a poll: the head it saw)
	recorded  INTEGER NOT NULL
);
