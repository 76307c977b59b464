-- Sync conflicts (docs/sync.md): server rows, pulled to every client of their author. The
-- live value is always the server's; `mine` is the later author's value, kept until they
-- keep it, take the live one, or save a merge (a resolveConflict mutation).
CREATE TABLE conflicts (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('note', 'outputField', 'title')),
    entity_id    TEXT NOT NULL,
    step_id      TEXT,
    field        TEXT,
    base         TEXT NOT NULL CHECK (json_valid(base)),
    theirs       TEXT NOT NULL CHECK (json_valid(theirs)),
    mine         TEXT NOT NULL CHECK (json_valid(mine)),
    created_at   TEXT NOT NULL,
    resolved_at  TEXT,
    rev          INTEGER NOT NULL DEFAULT 1,
    server_rev   INTEGER
) STRICT;
CREATE INDEX conflicts_open ON conflicts (workshop_id) WHERE resolved_at IS NULL;
