-- Live sessions and recurring series (reference/series.md, docs/series.md): the same rows as
-- the desktop store's, synced through sync_log. The first schema's `sessions` table (a
-- facilitation's start and end) was never written by any route and is replaced.

DROP TABLE sessions;

CREATE TABLE series (
    id                TEXT PRIMARY KEY,
    workshop_id       TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    title             TEXT NOT NULL CHECK (char_length(title) BETWEEN 3 AND 200),
    description       TEXT NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    -- The simple form, and the RRULE it builds (at most 500 characters, no `RRULE:`).
    rule              JSONB NOT NULL,
    rrule             TEXT NOT NULL CHECK (char_length(rrule) <= 500),
    start_date        DATE NOT NULL,
    time_of_day       TIME NOT NULL,
    timezone          TEXT NOT NULL,
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 480),
    is_active         BOOLEAN NOT NULL DEFAULT true,
    is_private        BOOLEAN NOT NULL DEFAULT false,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    rev               BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX series_by_workshop ON series (workshop_id);
CREATE INDEX series_active ON series (id) WHERE is_active;

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    workshop_id        TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    series_id          TEXT REFERENCES series (id) ON DELETE CASCADE,
    -- An occurrence's local date in its series' zone: its key. The app (offline) and the
    -- rolling job (here) make the same row, with the same id; this constraint makes two
    -- job runs at once make it once.
    local_date         DATE,
    title              TEXT NOT NULL CHECK (char_length(title) BETWEEN 3 AND 200),
    description        TEXT NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    scheduled_at       TIMESTAMPTZ NOT NULL,
    duration_minutes   INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 480),
    status             TEXT NOT NULL CHECK (status IN ('scheduled', 'lobby', 'live', 'ended', 'cancelled')),
    is_private         BOOLEAN NOT NULL DEFAULT false,
    max_capacity       INTEGER CHECK (max_capacity BETWEEN 2 AND 500),
    attendee_count     INTEGER NOT NULL DEFAULT 0,
    actual_started_at  TIMESTAMPTZ,
    actual_ended_at    TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    rev                BIGINT NOT NULL DEFAULT 1,
    UNIQUE (series_id, local_date)
);
CREATE INDEX sessions_by_workshop ON sessions (workshop_id, scheduled_at);

CREATE CONSTRAINT TRIGGER series_sync AFTER INSERT OR UPDATE OR DELETE ON series
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_log_change('series');
CREATE CONSTRAINT TRIGGER sessions_sync AFTER INSERT OR UPDATE OR DELETE ON sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_log_change('session');
