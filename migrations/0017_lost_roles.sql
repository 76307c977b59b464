-- During a reset's full pull after a server restore: workshops where the restored server
-- gives this database's user another role than the one held here (a promotion after the
-- backup, lost with it). A change the server lost that the domain then refuses for want of
-- a role is this user's own, made under the lost role, and is listed with the refusals;
-- elsewhere a role refusal means the change was another user's, and their desktops offer it.
CREATE TABLE sync_lost_roles (
    workshop_id TEXT PRIMARY KEY
) STRICT;
