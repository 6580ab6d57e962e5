-- Performance history: measurements of a job's metric across flights.
CREATE INDEX measurements_history ON measurements(job, metric, flight DESC);
CREATE INDEX artifacts_kind ON artifacts(flight, job, kind);
