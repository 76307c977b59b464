-- Row versions (docs/sync.md, "Lost versions"; issue 26, cases 1 and 4). Every write of a
-- workshop, step, note or membership gives the row a new random `version`, and
-- `sync_versions` keeps every version the server's history holds (16 bytes a write, kept
-- for good, like `sync_mutations`; the change log's trim does not touch it). A desktop keeps
-- the version it last had from the server for each row; after a restore it offers a row
-- again with that version, and the server tells from `sync_versions` whether its history
-- still holds it (then the offer is stale: nothing was lost) or not (the restore took it).
ALTER TABLE workshops ADD COLUMN version UUID NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE workshop_steps ADD COLUMN version UUID NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE notes ADD COLUMN version UUID NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE workshop_members ADD COLUMN version UUID NOT NULL DEFAULT gen_random_uuid();

CREATE TABLE sync_versions (
    version UUID PRIMARY KEY
);
INSERT INTO sync_versions (version)
    SELECT version FROM workshops UNION ALL SELECT version FROM workshop_steps
    UNION ALL SELECT version FROM notes UNION ALL SELECT version FROM workshop_members;

-- A new version on every write, before the row is stored (so `RETURNING version` sees it),
-- recorded in the same transaction.
CREATE FUNCTION sync_new_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := gen_random_uuid();
    INSERT INTO sync_versions (version) VALUES (NEW.version);
    RETURN NEW;
END
$$;
CREATE TRIGGER workshops_version BEFORE INSERT OR UPDATE ON workshops
    FOR EACH ROW EXECUTE FUNCTION sync_new_version();
CREATE TRIGGER workshop_steps_version BEFORE INSERT OR UPDATE ON workshop_steps
    FOR EACH ROW EXECUTE FUNCTION sync_new_version();
CREATE TRIGGER notes_version BEFORE INSERT OR UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION sync_new_version();
CREATE TRIGGER workshop_members_version BEFORE INSERT OR UPDATE ON workshop_members
    FOR EACH ROW EXECUTE FUNCTION sync_new_version();

-- The newest revision of each row that a desktop offered again as lost (its version not in
-- `sync_versions`): an older lost version offered after it is stale, superseded in the
-- history the restore took (two desktops that held different versions of the row).
CREATE TABLE sync_lost_versions (
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    rev        BIGINT NOT NULL,
    PRIMARY KEY (entity, entity_id)
);
