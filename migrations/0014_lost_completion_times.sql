-- When a lost step was completed here (`completed_at`, as text). A step complete both here
-- and on the restored server, at different times, was completed again here after a revision
-- the restore lost (its own, or an earlier step's cascade to `needs_regeneration`): the
-- revision is offered again before the completion, so the later steps it sent back to
-- `needs_regeneration` go back there on the server too (docs/sync.md, issue 26 case 2).
ALTER TABLE sync_lost_steps ADD COLUMN completed_at TEXT;
