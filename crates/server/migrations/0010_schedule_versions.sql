-- Row versions for sessions and series too (docs/sync.md, "Lost versions"): a desktop that
-- offers a moved, cancelled or ended one again after a restore names the version it had,
-- and the server judges it by `sync_versions` as it does workshops, steps, notes and members.
ALTER TABLE sessions ADD COLUMN version UUID NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE series ADD COLUMN version UUID NOT NULL DEFAULT gen_random_uuid();
INSERT INTO sync_versions (version)
    SELECT version FROM sessions UNION ALL SELECT version FROM series;
CREATE TRIGGER sessions_version BEFORE INSERT OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sync_new_version();
CREATE TRIGGER series_version BEFORE INSERT OR UPDATE ON series
    FOR EACH ROW EXECUTE FUNCTION sync_new_version();
