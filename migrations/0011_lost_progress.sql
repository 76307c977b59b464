-- During a reset's full pull after a server restore, what the restore lost of a workshop's
-- progress, kept until the pull's end. Progress travels as intents checked by the steps'
-- rules (start, complete, revise a step; complete the workshop), so each is offered again
-- only then, in order, against what the server will hold once the earlier ones are applied.

-- Steps whose pulled row is older than this database's: this database's status and output
-- (JSON) as they were, and the row's local `rev` once the pulled row is written over them
-- (a later local change moves it on, and the step is then left as it is).
CREATE TABLE sync_lost_steps (
    workshop_id TEXT NOT NULL,
    step_id     TEXT NOT NULL,
    status      TEXT NOT NULL,
    output      TEXT,
    pulled_rev  INTEGER NOT NULL,
    PRIMARY KEY (workshop_id, step_id)
) STRICT;

-- Workshops completed here whose pulled row is not: completing one needs its ten steps
-- complete, so it is offered after the steps.
CREATE TABLE sync_lost_completions (
    workshop_id TEXT PRIMARY KEY
) STRICT;
