-- Row versions (docs/sync.md, "Lost versions"; issue 26, cases 1 and 4): the version of each
-- synced row this database last had from the server (pulled, or given back with a push's
-- answer). After a restore, a value offered again names it, and the server tells from its
-- own history whether the restore took that version or a later write replaced it.
ALTER TABLE workshops ADD COLUMN server_version TEXT;
ALTER TABLE workshop_steps ADD COLUMN server_version TEXT;
ALTER TABLE notes ADD COLUMN server_version TEXT;
ALTER TABLE workshop_members ADD COLUMN server_version TEXT;

-- On a value offered again: the row version it stands for, as the push sends it
-- (`{"entity", "id", "rev", "version"}`); the server applies it only if that version is lost.
ALTER TABLE outbox ADD COLUMN lost TEXT;

-- Lost progress noted during a reset's full pull and offered at its end: the row version
-- this database held when the pull noted it (the same JSON), which the offers carry.
ALTER TABLE sync_lost_steps ADD COLUMN lost TEXT;
ALTER TABLE sync_lost_completions ADD COLUMN lost TEXT;
ALTER TABLE sync_lost_trash ADD COLUMN lost TEXT;
