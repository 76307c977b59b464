-- Live sessions and recurring series (reference/series.md, docs/series.md), synced like the
-- other rows (`rev` local, `server_rev` the server's). The first schema's `sessions` table
-- (a facilitation's start and end) was never written by any version; its rows, if any, are
-- carried over as ended sessions.

CREATE TABLE series (
    id                TEXT PRIMARY KEY,
    workshop_id       TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    -- 3 to 200 characters; 5,000 for the description (checked in wp-domain).
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    -- The simple form (JSON) and the RRULE it builds (at most 500 characters, no prefix).
    rule              TEXT NOT NULL,
    rrule             TEXT NOT NULL CHECK (length(rrule) <= 500),
    start_date        TEXT NOT NULL,
    time_of_day       TEXT NOT NULL,
    timezone          TEXT NOT NULL,
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 480),
    is_active         INTEGER NOT NULL DEFAULT 1,
    is_private        INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    rev               INTEGER NOT NULL DEFAULT 1,
    server_rev        INTEGER
) STRICT;
CREATE INDEX series_by_workshop ON series (workshop_id);

ALTER TABLE sessions RENAME TO sessions_v1;
DROP INDEX IF EXISTS sessions_by_workshop;

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    workshop_id        TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    -- Not a foreign key: a pull may bring an occurrence before its series (pages of the
    -- commit-ordered log); series are never deleted but with their workshop.
    series_id          TEXT,
    -- An occurrence's local date in its series' zone: its key (the id derives from it).
    local_date         TEXT,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    scheduled_at       TEXT NOT NULL,
    duration_minutes   INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 480),
    status             TEXT NOT NULL CHECK (status IN ('scheduled', 'lobby', 'live', 'ended', 'cancelled')),
    is_private         INTEGER NOT NULL DEFAULT 0,
    max_capacity       INTEGER CHECK (max_capacity BETWEEN 2 AND 500),
    attendee_count     INTEGER NOT NULL DEFAULT 0,
    actual_started_at  TEXT,
    actual_ended_at    TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    rev                INTEGER NOT NULL DEFAULT 1,
    server_rev         INTEGER,
    UNIQUE (series_id, local_date)
) STRICT;
CREATE INDEX sessions_by_workshop ON sessions (workshop_id, scheduled_at);
CREATE INDEX sessions_by_time ON sessions (scheduled_at);

INSERT INTO sessions (id, workshop_id, title, scheduled_at, duration_minutes, status,
                      actual_started_at, actual_ended_at, created_at, updated_at)
SELECT s.id, s.workshop_id, substr(w.title || ' · session', 1, 200), s.started_at, 60, 'ended',
       s.started_at, s.ended_at, s.started_at, coalesce(s.ended_at, s.started_at)
FROM sessions_v1 s JOIN workshops w ON w.id = s.workshop_id;
DROP TABLE sessions_v1;
