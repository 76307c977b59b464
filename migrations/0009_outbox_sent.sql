-- When a queued mutation was first handed to a push (docs/sync.md, "Coalescing"). A save of
-- a note or step output that follows an unsent save of the same one replaces it in place
-- instead of queuing another; once a push has taken an entry, it is never changed again, so
-- what the server may have applied is what the client keeps.
ALTER TABLE outbox ADD COLUMN sent_at TEXT;
