-- Conflicts (docs/sync.md): a change that lost to an earlier one on the same note lines,
-- output field or title, kept for its author (`user_id`) to resolve. Logged for sync like
-- notes: only the author's clients receive it.
CREATE TABLE conflicts (
    id           TEXT PRIMARY KEY,
    workshop_id  TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('note', 'outputField', 'title')),
    entity_id    TEXT NOT NULL,
    step_id      TEXT,
    field        TEXT,
    base         JSONB NOT NULL,
    theirs       JSONB NOT NULL,
    mine         JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at  TIMESTAMPTZ,
    rev          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX conflicts_open_by_user ON conflicts (user_id) WHERE resolved_at IS NULL;

CREATE OR REPLACE FUNCTION sync_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
    kind TEXT := TG_ARGV[0];
    wid TEXT;
    uid TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF kind = 'workshop' THEN
        wid := r.id;
    ELSE
        wid := r.workshop_id;
    END IF;
    IF kind IN ('note', 'member', 'conflict') THEN
        uid := r.user_id;
    END IF;
    PERFORM pg_advisory_xact_lock(7262);
    INSERT INTO sync_log (position, entity, entity_id, workshop_id, user_id, deleted)
    VALUES (nextval('sync_position'), kind, r.id, wid, uid, TG_OP = 'DELETE');
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER conflicts_sync AFTER INSERT OR UPDATE OR DELETE ON conflicts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_log_change('conflict');
