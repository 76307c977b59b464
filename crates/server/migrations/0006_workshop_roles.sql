-- Who has which role on a workshop, the one access rule of the server's queries: its owner
-- is 'owner'; anyone else has the role of their membership row. The domain's `Role::of` in
-- SQL (crates/server/tests/authorization.rs compares the two for every combination). A view
-- of two UNION ALL branches, so a query's `workshop_id = ...` or `user_id = ...` reaches each
-- branch and its index (workshops' key and owner index, workshop_members' two).
CREATE VIEW workshop_roles AS
    SELECT w.id AS workshop_id, w.owner_id AS user_id, 'owner'::text AS role
      FROM workshops w
    UNION ALL
    SELECT m.workshop_id, m.user_id, m.role
      FROM workshop_members m JOIN workshops w ON w.id = m.workshop_id
     WHERE m.user_id <> w.owner_id;
