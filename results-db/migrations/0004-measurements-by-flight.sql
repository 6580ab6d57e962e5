-- A flight's measurements (pvci flight diff, reports): measurements_history
-- leads with the job, so reading one flight's rows scanned the whole table.
CREATE INDEX measurements_flight ON measurements(flight, job, stepno);
