-- Who changed what a conflict is about (issue 33, "a conflict names who changed it and
-- when"): each row a conflict can be about (a workshop's title, a step's output, a note)
-- keeps who last changed that value, from which sync client, and when; a client names
-- its device when it pushes. A conflict copies the live value's author, device name and
-- time when it is made, so it still names them after the row changes again.
ALTER TABLE sync_clients ADD COLUMN device TEXT CHECK (char_length(device) BETWEEN 1 AND 100);

ALTER TABLE workshops ADD COLUMN changed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN changed_client TEXT, ADD COLUMN changed_at TIMESTAMPTZ;
ALTER TABLE workshop_steps ADD COLUMN changed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN changed_client TEXT, ADD COLUMN changed_at TIMESTAMPTZ;
ALTER TABLE notes ADD COLUMN changed_client TEXT, ADD COLUMN changed_at TIMESTAMPTZ;

ALTER TABLE conflicts ADD COLUMN theirs_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN theirs_device TEXT, ADD COLUMN theirs_at TIMESTAMPTZ;
