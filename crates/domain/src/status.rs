//! Status enums of steps and workshops, stored as the snake_case text shown here.

use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored text of this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored text; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// A workshop step's status (steps.md, "Step status and progress rules").
    StepStatus {
        /// Not begun; no timestamps.
        NotStarted => "not_started",
        /// Being worked on; `started_at` is set.
        InProgress => "in_progress",
        /// Confirmed; `completed_at` is set.
        Complete => "complete",
        /// An earlier step was revised, so this output may be stale; no timestamps, output kept.
        NeedsRegeneration => "needs_regeneration",
    }
}

text_enum! {
    /// A workshop's status. New workshops are `active`, as in the original app.
    WorkshopStatus {
        Draft => "draft",
        Active => "active",
        Paused => "paused",
        /// All ten steps complete; reached only through the completion gate.
        Completed => "completed",
    }
}

text_enum! {
    /// A live session's status (`reference/series.md`): scheduled until its host opens the
    /// lobby, then live, then ended; or cancelled, and kept.
    SessionStatus {
        Scheduled => "scheduled",
        Lobby => "lobby",
        Live => "live",
        Ended => "ended",
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// Who may see a workshop: only its owner, or its members too (the original's values).
    Visibility {
        Private => "private",
        Shared => "shared",
    }
}

text_enum! {
    /// What a user may do with a workshop: its owner everything, an editor the steps and
    /// their outputs, a viewer read (and keep their own notes).
    Role {
        Owner => "owner",
        Editor => "editor",
        Viewer => "viewer",
    }
}

impl Role {
    /// The caller's role on a workshop, the one rule every side uses: its owner is
    /// [`Role::Owner`]; anyone else has the role of their membership row, or none (no access:
    /// a share that is gone gives nothing, not a viewer's rights).
    pub fn of(owner_id: &str, actor: &str, membership: Option<Role>) -> Option<Role> {
        if owner_id == actor {
            Some(Role::Owner)
        } else {
            membership
        }
    }

    /// Whether this role includes `needed`: owner ⊇ editor ⊇ viewer.
    pub fn allows(self, needed: Role) -> bool {
        let rank = |r: Role| match r {
            Role::Viewer => 0,
            Role::Editor => 1,
            Role::Owner => 2,
        };
        rank(self) >= rank(needed)
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn the_owner_is_owner_whatever_a_membership_row_says_and_others_have_their_rows_role() {
        assert_eq!(Role::of("u1", "u1", None), Some(Role::Owner));
        assert_eq!(Role::of("u1", "u1", Some(Role::Viewer)), Some(Role::Owner));
        assert_eq!(Role::of("u1", "u2", Some(Role::Editor)), Some(Role::Editor));
        assert_eq!(Role::of("u1", "u2", None), None);
    }
}
