-- Row versions for sessions and series too (docs/sync.md, "Lost versions"): the version of
-- each this database last had from the server, named by a moved, cancelled or ended one
-- offered again after a restore.
ALTER TABLE sessions ADD COLUMN server_version TEXT;
ALTER TABLE series ADD COLUMN server_version TEXT;
