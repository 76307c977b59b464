-- During a reset's full pull after a server restore: workshops completed here whose pulled
-- row is not (the restore lost their `completeWorkshop`). Completing a workshop needs its ten
-- steps complete, and the steps' own lost statuses are queued as their rows arrive, after
-- the workshop's; so the completion is offered again at the end of the pull, after them,
-- and the row leaves this table then.
CREATE TABLE sync_lost_completions (
    workshop_id TEXT PRIMARY KEY
) STRICT;
