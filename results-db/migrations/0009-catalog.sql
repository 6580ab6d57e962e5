-- Verdicts tied to the signed bytes (pvci verify --history): a package's
-- catalog is found by the SHA-256 of its "catalog" artifact, and the test
-- jobs that installed it by their runvar installed_catalog.
CREATE INDEX artifacts_by_sha256 ON artifacts(sha256, kind);
CREATE INDEX runvars_by_value ON runvars(name, value);
