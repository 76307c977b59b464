-- Each queued mutation's own id, made when it is queued and kept when the client id is
-- renewed and the queue renumbered: the server applies one uid at most once per user, so a
-- mutation it applied whose answer was lost is not applied again when it is sent under the
-- new client id (docs/sync.md, "Exactly once across renewals"). Rows queued before this
-- migration get one now; none of them was sent with one.
ALTER TABLE outbox ADD COLUMN uid TEXT;
UPDATE outbox SET uid = 'mut_' || lower(hex(randomblob(16)));
-- Whether a push took the row under an earlier client id. A renewal clears `sent_at` (the
-- row counts as never sent under the new id), but what the server may have applied under
-- the old one must still never be rewritten by coalescing a later save into it.
ALTER TABLE outbox ADD COLUMN sent_before INTEGER NOT NULL DEFAULT 0;
