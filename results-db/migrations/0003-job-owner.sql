-- A job's owner is a process on a host: its host name, boot id and PID
-- namespace join the pid and start time, so recovery never judges a live
-- owner dead by a pid that means another process here (another host,
-- another boot, another PID namespace).
ALTER TABLE jobs ADD COLUMN owner_host TEXT;
ALTER TABLE jobs ADD COLUMN owner_boot TEXT;
ALTER TABLE jobs ADD COLUMN owner_pidns INTEGER;
