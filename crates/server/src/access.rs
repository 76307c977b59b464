//! Who may do what to a workshop, as SQL predicates over `workshops w` with the workshop id
//! as `$1` and the caller's user id as `$2`. Every workshop query includes one of them.

/// Read: the owner, or any member. Trashed workshops are invisible.
pub const CAN_READ: &str = "w.id = $1 AND w.deleted_at IS NULL AND (w.owner_id = $2 OR EXISTS \
     (SELECT 1 FROM workshop_members m WHERE m.workshop_id = w.id AND m.user_id = $2))";

/// Work on steps: the owner, or a member whose role is `owner` or `editor`.
pub const CAN_EDIT: &str = "w.id = $1 AND w.deleted_at IS NULL AND (w.owner_id = $2 OR EXISTS \
     (SELECT 1 FROM workshop_members m WHERE m.workshop_id = w.id AND m.user_id = $2 AND m.role IN ('owner', 'editor')))";
