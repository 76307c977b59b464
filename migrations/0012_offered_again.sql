-- Queued mutations that a reset after a server restore offered again (what the restore
-- lost), told from the user's own: a workshop completion the server refuses goes back in the
-- queue behind offered-again step changes to the same workshop, and only behind those
-- (crates/store/src/outbox.rs, `requeue_refused_completion`).
ALTER TABLE outbox ADD COLUMN offered_again INTEGER NOT NULL DEFAULT 0;
