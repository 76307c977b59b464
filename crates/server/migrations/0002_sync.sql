-- Sync (docs/sync.md): a change log whose positions follow commit order, clients and the
-- mutations they pushed, and server revisions on every synced row.

ALTER TABLE notes ADD COLUMN rev BIGINT NOT NULL DEFAULT 1;
ALTER TABLE workshop_members ADD COLUMN rev BIGINT NOT NULL DEFAULT 1;

-- One entry per committed change to a synced row (tombstones included), at a position in
-- commit order. Positions are handed out by a deferred trigger at COMMIT under one
-- transaction-scoped advisory lock, which is released only after the commit is visible:
-- so a transaction that takes position N is visible before any transaction can take N + 1,
-- and a reader that sees N + 1 has seen every position below it. `change_id` names the
-- change at a position, so a cursor can tell a position from rewritten history (a restored
-- backup hands the same positions out again, with other change ids).
CREATE SEQUENCE sync_position;
CREATE TABLE sync_log (
    position     BIGINT PRIMARY KEY,
    change_id    UUID NOT NULL DEFAULT gen_random_uuid(),
    -- workshop, step, note, member
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    workshop_id  TEXT NOT NULL,
    -- For notes: their author (only they receive it); for members: the member.
    user_id      TEXT,
    deleted      BOOLEAN NOT NULL,
    logged_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sync_log_by_workshop ON sync_log (workshop_id, position);

CREATE FUNCTION sync_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
    IF kind IN ('note', 'member') THEN
        uid := r.user_id;
    END IF;
    -- 7262: this table's lock key; taken at commit time (the trigger is deferred), held to
    -- the end of the commit.
    PERFORM pg_advisory_xact_lock(7262);
    INSERT INTO sync_log (position, entity, entity_id, workshop_id, user_id, deleted)
    VALUES (nextval('sync_position'), kind, r.id, wid, uid, TG_OP = 'DELETE');
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER workshops_sync AFTER INSERT OR UPDATE OR DELETE ON workshops
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_log_change('workshop');
CREATE CONSTRAINT TRIGGER workshop_steps_sync AFTER INSERT OR UPDATE OR DELETE ON workshop_steps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_log_change('step');
CREATE CONSTRAINT TRIGGER notes_sync AFTER INSERT OR UPDATE OR DELETE ON notes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_log_change('note');
CREATE CONSTRAINT TRIGGER workshop_members_sync AFTER INSERT OR UPDATE OR DELETE ON workshop_members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_log_change('member');

-- A sync client (one desktop database) belongs to one user. `last_mutation_id` is the last
-- of its mutations the server processed (applied or rejected), updated in the same
-- transaction as the mutation's effect.
CREATE TABLE sync_clients (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_mutation_id   BIGINT NOT NULL DEFAULT 0,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A fingerprint of each processed mutation, so a reused id with other content (a database
-- restored from its own backup, or copied to another machine) is told from a retry.
CREATE TABLE sync_mutations (
    client_id     TEXT NOT NULL REFERENCES sync_clients (id) ON DELETE CASCADE,
    mutation_id   BIGINT NOT NULL,
    hash          BYTEA NOT NULL,
    -- applied, rejected
    outcome       TEXT NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, mutation_id)
);
