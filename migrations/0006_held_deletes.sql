-- The mass-delete guard (docs/sync.md): deletions of workshops a pull brought (trashing or
-- removing them) are held here, with the deletions of their rows, while the pull runs; at
-- its end they apply, or, when they are many, wait for the user's word.
CREATE TABLE sync_held (
    seq          INTEGER PRIMARY KEY,
    workshop_id  TEXT NOT NULL,
    -- The pulled change, as the protocol carries it (wp_domain::protocol::PulledChange).
    change       TEXT NOT NULL CHECK (json_valid(change))
) STRICT;
CREATE INDEX sync_held_by_workshop ON sync_held (workshop_id);
