-- The outbox becomes a queue of typed mutations (wp_domain::Mutation): one row per user
-- change, numbered by a per-database sequence with no gaps, written in the change's own
-- transaction. Sync pushes the rows in `mutation_id` order and removes a row only once the
-- server has applied or rejected it.
--
-- The rows of the old outbox (entity snapshots from before sync existed) were never sent
-- anywhere and have no typed form; they are dropped. The workshops they describe are all
-- still in their tables.
DROP TABLE outbox;

CREATE TABLE outbox (
    -- Per-client mutation id: 1, 2, 3... with no gaps, from local_profile.next_mutation_id.
    mutation_id  INTEGER PRIMARY KEY,
    -- The mutation's name, e.g. `saveStepOutput`, and its arguments (camelCase JSON).
    name         TEXT NOT NULL,
    args         TEXT NOT NULL CHECK (json_valid(args)),
    workshop_id  TEXT NOT NULL,
    -- The server revision of the row the change was made against; NULL before it synced.
    base_rev     INTEGER,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_by_workshop ON outbox (workshop_id);

ALTER TABLE local_profile ADD COLUMN next_mutation_id INTEGER NOT NULL DEFAULT 1;

-- The server's revision of each synced row, as last pulled; NULL for rows never synced.
ALTER TABLE workshops ADD COLUMN server_rev INTEGER;
ALTER TABLE workshop_steps ADD COLUMN server_rev INTEGER;
ALTER TABLE notes ADD COLUMN server_rev INTEGER;
ALTER TABLE workshop_members ADD COLUMN server_rev INTEGER;
