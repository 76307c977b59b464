-- The local store of WorkshopPilot Desktop, after reference/steps.md and the original data model.
-- Timestamps are RFC 3339 UTC text with milliseconds. `rev` is the row's local revision,
-- bumped by every change, so that sync can push exactly what changed (see `outbox`).

CREATE TABLE local_profile (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    user_id     TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE workshops (
    id             TEXT PRIMARY KEY,
    owner_id       TEXT NOT NULL,
    title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    original_idea  TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'paused', 'completed')),
    visibility     TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'shared')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT,
    rev            INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX workshops_by_owner ON workshops (owner_id, deleted_at);

CREATE TABLE workshop_members (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    rev          INTEGER NOT NULL DEFAULT 1,
    UNIQUE (workshop_id, user_id)
) STRICT;

CREATE TABLE step_definitions (
    id             TEXT PRIMARY KEY,
    position       INTEGER NOT NULL UNIQUE CHECK (position BETWEEN 1 AND 10),
    name           TEXT NOT NULL,
    description    TEXT NOT NULL,
    confirm_label  TEXT
) STRICT;

CREATE TABLE workshop_steps (
    id            TEXT PRIMARY KEY,
    workshop_id   TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    step_id       TEXT NOT NULL REFERENCES step_definitions (id),
    status        TEXT NOT NULL DEFAULT 'not_started'
                  CHECK (status IN ('not_started', 'in_progress', 'complete', 'needs_regeneration')),
    output        TEXT CHECK (output IS NULL OR json_valid(output)),
    summary       TEXT,
    started_at    TEXT,
    completed_at  TEXT,
    updated_at    TEXT NOT NULL,
    rev           INTEGER NOT NULL DEFAULT 1,
    UNIQUE (workshop_id, step_id)
) STRICT;

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    rev          INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX sessions_by_workshop ON sessions (workshop_id);

-- 50,000 characters: the notes cap of the original server API, also checked in Rust.
CREATE TABLE notes (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    step_id      TEXT REFERENCES step_definitions (id),
    content      TEXT NOT NULL CHECK (length(content) <= 50000),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    rev          INTEGER NOT NULL DEFAULT 1
) STRICT;
-- One note per workshop (step_id NULL) and one per workshop step.
CREATE UNIQUE INDEX notes_by_scope ON notes (workshop_id, coalesce(step_id, ''));

CREATE TABLE build_packs (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('pack', 'prd', 'validation-plan', 'workshop-summary')),
    format       TEXT NOT NULL CHECK (format IN ('markdown', 'html', 'json')),
    title        TEXT NOT NULL,
    content      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    rev          INTEGER NOT NULL DEFAULT 1,
    UNIQUE (workshop_id, kind, format)
) STRICT;

-- Every user change appends here in the same transaction; sync pushes rows in `seq` order.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation    TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    rev         INTEGER NOT NULL,
    payload     TEXT NOT NULL CHECK (json_valid(payload)),
    created_at  TEXT NOT NULL
) STRICT;
