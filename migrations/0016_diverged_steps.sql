-- A lost step noted because the restored server wrote the row again at the revision this
-- database had (two histories, one revision): its output is offered against no base, so the
-- server's merge makes a conflict of each field the two writes set differently instead of
-- taking this database's value over the other write silently (docs/sync.md, issue 26 case 4).
ALTER TABLE sync_lost_steps ADD COLUMN diverged INTEGER NOT NULL DEFAULT 0;
