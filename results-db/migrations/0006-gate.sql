-- The push gate (pvci gate): who did what to a branch's tested revisions,
-- and why. A branch is blocked while its latest block or unblock event is a
-- block; tested_revisions (0005) holds where the gate stands.
CREATE TABLE gate_events (
	id        INTEGER PRIMARY KEY,
	branch    TEXT NOT NULL,
	at        INTEGER NOT NULL,	-- seconds since the epoch
	who       TEXT NOT NULL,	-- the Unix user
	action    TEXT NOT NULL,	-- advance, hold, force, block, unblock, push-failed
	tree      TEXT,
	revision  TEXT,
	flight    INTEGER,
	reason    TEXT NOT NULL
);
CREATE INDEX gate_events_branch ON gate_events(branch, id);
