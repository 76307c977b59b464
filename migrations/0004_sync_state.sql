-- Sync's local state (docs/sync.md). One account per database: the row of `sync_state`
-- binds it to a server and a server user at the first sign-in, and stays when the user
-- signs out (the token is in the OS keyring, never here), so that another account's sign-in
-- can be refused.
CREATE TABLE sync_state (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    server_url        TEXT NOT NULL,
    server_user_id    TEXT NOT NULL,
    -- This database's client id on the server; a new one after a `client_reset`.
    client_id         TEXT NOT NULL,
    -- The pull cursor (opaque, from the server); '' before the first pull or after a reset.
    cursor            TEXT NOT NULL DEFAULT '',
    -- 1 while a full pull after a reset is under way.
    resetting         INTEGER NOT NULL DEFAULT 0,
    -- The last of this client's mutation ids the server reported processed.
    last_mutation_id  INTEGER NOT NULL DEFAULT 0,
    last_synced_at    TEXT,
    bound_at          TEXT NOT NULL
) STRICT;

-- When the server processed (applied) a mutation. Acknowledged rows stay, and are re-applied
-- over pulled rows (rebased), until a complete pull reports a `lastMutationId` at or past them.
ALTER TABLE outbox ADD COLUMN acked_at TEXT;

-- Mutations the server refused, with its reason, for the user to see and act on.
CREATE TABLE sync_rejections (
    id           INTEGER PRIMARY KEY,
    mutation_id  INTEGER NOT NULL,
    name         TEXT NOT NULL,
    args         TEXT NOT NULL CHECK (json_valid(args)),
    workshop_id  TEXT NOT NULL,
    error        TEXT NOT NULL,
    field        TEXT,
    rejected_at  TEXT NOT NULL
) STRICT;

-- Workshops a full pull after a reset has delivered; the rest were lost by the server.
CREATE TABLE sync_seen (
    workshop_id  TEXT PRIMARY KEY
) STRICT;
