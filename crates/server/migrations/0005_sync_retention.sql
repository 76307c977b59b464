-- Tombstone retention (docs/sync.md, "Retention"): deletions and superseded entries older than
-- the retention are trimmed from sync_log; the highest position trimmed is the horizon. A
-- cursor at or below it cannot be served, and its client rebuilds from a full pull.
CREATE TABLE sync_horizon (
    id          INT PRIMARY KEY CHECK (id = 1),
    position    BIGINT NOT NULL DEFAULT 0,
    trimmed_at  TIMESTAMPTZ
);
INSERT INTO sync_horizon (id) VALUES (1);

-- Finding an entity's later entries when trimming.
CREATE INDEX sync_log_by_entity ON sync_log (entity, entity_id, position);
CREATE INDEX sync_log_by_time ON sync_log (logged_at);
