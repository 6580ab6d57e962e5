-- Retry flights (pvci report, "Flaky or broken?"): a real flight that ends
-- with regressions has its regressed jobs run again on the same revisions
-- in a flight of blessing 'real-retry' whose retry_of names it. The CHECK
-- of blessing cannot be altered in place, so flights is rebuilt (SQLite's
-- documented procedure; pvci runs migrations with foreign keys off and
-- checks them before committing). AUTOINCREMENT's counter is kept.
CREATE TEMP TABLE flights_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'flights';
CREATE TABLE flights_new (
	flight    INTEGER PRIMARY KEY AUTOINCREMENT,
	branch    TEXT NOT NULL,
	blessing  TEXT NOT NULL CHECK (blessing IN ('real','real-retry','adhoc','play','bisect')),
	intended  TEXT NOT NULL CHECK (intended IN ('real','real-retry','adhoc','play','bisect')),
	recipe    TEXT NOT NULL,
	created   INTEGER NOT NULL,
	started   INTEGER,
	finished  INTEGER,
	retry_of  INTEGER REFERENCES flights(flight)	-- the real flight it retries
);
INSERT INTO flights_new (flight, branch, blessing, intended, recipe, created, started, finished)
	SELECT flight, branch, blessing, intended, recipe, created, started, finished FROM flights;
DROP TABLE flights;
ALTER TABLE flights_new RENAME TO flights;
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM flights_seq), 0))
	WHERE name = 'flights';
DROP TABLE flights_seq;
CREATE INDEX flights_branch ON flights(branch, blessing, flight DESC);
CREATE INDEX flights_retry_of ON flights(retry_of) WHERE retry_of IS NOT NULL;
