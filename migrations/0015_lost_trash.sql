-- During a reset's full pull after a server restore: workshops this database had put in the
-- trash that the restored server holds out of it, with when they were trashed. The trash is
-- offered again at the pull's end, after the lost step changes and completion: those were
-- made before it (a trashed workshop takes no changes), and offered after it they would be
-- refused in the trash and lost from the server (docs/sync.md, issue 26).
CREATE TABLE sync_lost_trash (
    workshop_id TEXT PRIMARY KEY,
    deleted_at  TEXT NOT NULL
) STRICT;
