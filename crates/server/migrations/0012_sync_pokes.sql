-- Pokes (issue 27): every logged change notifies channel `wp_sync` with
-- `{entity} {workshop_id} {user_id}` (user_id empty but for notes, conflicts and members).
-- From an AFTER INSERT trigger on the log itself, so every write that is logged notifies:
-- rows, changes offered again, REST, plain SQL. PostgreSQL delivers a notification after
-- its transaction commits, in commit order, and folds equal payloads of one transaction
-- into one. Each server process LISTENs on one connection and pokes the streams of the
-- users who may see the change (crates/server/src/sync/pokes.rs).
CREATE FUNCTION sync_poke() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wp_sync', NEW.entity || ' ' || NEW.workshop_id || ' ' || coalesce(NEW.user_id, ''));
    RETURN NULL;
END
$$;

CREATE TRIGGER sync_log_poke AFTER INSERT ON sync_log
    FOR EACH ROW EXECUTE FUNCTION sync_poke();
