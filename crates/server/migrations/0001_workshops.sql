-- The server's schema: the desktop store's model (migrations/ at the repository root) on
-- PostgreSQL, plus users and API tokens. Ids are the clients' ids (ws_..., wst_...).

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Personal access tokens: only a SHA-256 hash is kept; the token is shown once.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    BYTEA NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ
);

CREATE TABLE workshops (
    id             TEXT PRIMARY KEY,
    owner_id       TEXT NOT NULL REFERENCES users (id),
    title          TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    original_idea  TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'paused', 'completed')),
    visibility     TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'shared')),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at     TIMESTAMPTZ,
    -- Server-side revision: bumped by every write to the row.
    rev            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX workshops_by_owner ON workshops (owner_id) WHERE deleted_at IS NULL;

CREATE TABLE workshop_members (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (workshop_id, user_id)
);
CREATE INDEX workshop_members_by_user ON workshop_members (user_id);

CREATE TABLE step_definitions (
    id             TEXT PRIMARY KEY,
    position       INTEGER NOT NULL UNIQUE CHECK (position BETWEEN 1 AND 10),
    name           TEXT NOT NULL,
    description    TEXT NOT NULL,
    confirm_label  TEXT
);

CREATE TABLE workshop_steps (
    id            TEXT PRIMARY KEY,
    workshop_id   TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    step_id       TEXT NOT NULL REFERENCES step_definitions (id),
    status        TEXT NOT NULL DEFAULT 'not_started'
                  CHECK (status IN ('not_started', 'in_progress', 'complete', 'needs_regeneration')),
    output        JSONB,
    summary       TEXT,
    started_at    TIMESTAMPTZ,
    completed_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    rev           BIGINT NOT NULL DEFAULT 1,
    UNIQUE (workshop_id, step_id)
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at     TIMESTAMPTZ
);

-- Personal notes: one per (workshop, user, step), step NULL for the workshop's own note.
-- 50,000 characters: the notes cap of the original server API.
CREATE TABLE notes (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    step_id      TEXT REFERENCES step_definitions (id),
    content      TEXT NOT NULL CHECK (char_length(content) <= 50000),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (workshop_id, user_id, step_id)
);

CREATE TABLE build_packs (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('pack', 'prd', 'validation-plan', 'workshop-summary')),
    format       TEXT NOT NULL CHECK (format IN ('markdown', 'html', 'json')),
    title        TEXT NOT NULL,
    content      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (workshop_id, kind, format)
);
