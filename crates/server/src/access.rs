//! Who may do what to a workshop, as SQL predicates over `workshops w` with the workshop id
//! as `$1` and the caller's user id as `$2`. Every workshop query includes one of them, and
//! each reads the caller's role from the `workshop_roles` view (migration 0006), the domain's
//! `Role::of` in SQL; the changes themselves are checked by the domain (`Mutation::access`).

/// Read: any role (the owner, an editor, a viewer). Trashed workshops are invisible.
pub const CAN_READ: &str = "w.id = $1 AND w.deleted_at IS NULL AND EXISTS \
     (SELECT 1 FROM workshop_roles r WHERE r.workshop_id = w.id AND r.user_id = $2)";

/// Work on steps: the owner or an editor (`Can::EDIT`).
pub const CAN_EDIT: &str = "w.id = $1 AND w.deleted_at IS NULL AND EXISTS \
     (SELECT 1 FROM workshop_roles r WHERE r.workshop_id = w.id AND r.user_id = $2 AND r.role IN ('owner', 'editor'))";

/// The workshops the caller (`$1`) may read, as a predicate over `workshops w`, trashed ones
/// included (a caller adds `w.deleted_at IS NULL` where they are invisible).
pub const READABLE_BY_1: &str =
    "EXISTS (SELECT 1 FROM workshop_roles r WHERE r.workshop_id = w.id AND r.user_id = $1)";
