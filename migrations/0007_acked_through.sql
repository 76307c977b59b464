-- The highest of this client's mutation ids the server has reported processed. A server
-- that later reports a lower `lastMutationId` for the same client id went back in time (a
-- restore): the client then rebuilds from a full pull under a new client id.
ALTER TABLE sync_state ADD COLUMN acked_through INTEGER NOT NULL DEFAULT 0;

-- Rows a full pull after a reset has delivered, by entity and id: notes and members the
-- restored server lost are offered again, conflicts it lost are dropped.
CREATE TABLE sync_seen_rows (
    entity  TEXT NOT NULL,
    id      TEXT NOT NULL,
    PRIMARY KEY (entity, id)
) STRICT, WITHOUT ROWID;

-- The newest server change this database may hold the effects of (`seen` of the pulls):
-- sent back with every pull so that a server restored to before it answers `reset`.
ALTER TABLE sync_state ADD COLUMN seen TEXT NOT NULL DEFAULT '';
