-- Why a refused mutation was refused, kept with its fingerprint: a push sent again after its
-- answer was lost is told "refused, because ..." again, not "already processed", so the
-- desktop lists the refusal instead of dropping the change silently (docs/sync.md).
ALTER TABLE sync_mutations ADD COLUMN error TEXT, ADD COLUMN field TEXT;
