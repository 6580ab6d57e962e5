-- What follows a finished flight (its retry, the push gate, the email) is
-- done once: whoever claims the flight here does it (flight run, or the
-- daemon for the flights its workers ran). Flights that finished before
-- this schema update count as done.
CREATE TABLE flight_verdicts (
	flight    INTEGER PRIMARY KEY,	-- flights(flight)
	claimed   INTEGER NOT NULL,	-- seconds since the epoch
	by_pid    INTEGER NOT NULL
);
INSERT INTO flight_verdicts (flight, claimed, by_pid)
	SELECT flight, coalesce(finished, 0), 0 FROM flights WHERE finished IS NOT NULL;
