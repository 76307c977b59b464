-- A processed mutation's own id (`mut_…`), made by the client when it queued it and kept
-- when it renews its client id: one uid is applied at most once per user, whichever client
-- id sends it (docs/sync.md, "Exactly once across renewals"). NULL from clients that send
-- none; those are deduplicated per client id alone.
ALTER TABLE sync_mutations ADD COLUMN uid TEXT;
CREATE INDEX sync_mutations_by_uid ON sync_mutations (uid) WHERE uid IS NOT NULL;
