-- Who made the live value of a conflict, and when (issue 33): the server's record of it,
-- pulled with the conflict as JSON `{userId, name, device, at}` (wp_domain::ChangedBy).
-- NULL for conflicts the server made before it recorded authors.
ALTER TABLE conflicts ADD COLUMN theirs_by TEXT CHECK (theirs_by IS NULL OR json_valid(theirs_by));
