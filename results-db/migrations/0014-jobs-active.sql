-- The pool's scheduler reads, each tick, the jobs not yet over (queued,
-- preparing, running, or waiting for their cleanup): through this partial
-- index rather than every job of the history.
CREATE INDEX jobs_pool_active ON jobs(flight)
	WHERE status IN ('queued', 'preparing', 'running') OR needs_cleanup = 1;
