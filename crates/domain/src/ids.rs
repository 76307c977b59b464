//! Client-generated ids: a type prefix, as in the original app (`ws_`, `wst_`, ...), then a
//! 21-character nanoid (126 random bits from the URL-safe alphabet).

/// Kinds of entity and their id prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A local user profile, `usr_`.
    User,
    /// A workshop, `ws_`.
    Workshop,
    /// A workshop member, `wm_`.
    Member,
    /// A workshop step row, `wst_`.
    WorkshopStep,
    /// A facilitation session, `ses_`.
    Session,
    /// A note, `note_`.
    Note,
    /// A build pack document, `bp_`.
    BuildPack,
}

impl IdKind {
    /// The prefix, including its trailing underscore.
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::User => "usr_",
            IdKind::Workshop => "ws_",
            IdKind::Member => "wm_",
            IdKind::WorkshopStep => "wst_",
            IdKind::Session => "ses_",
            IdKind::Note => "note_",
            IdKind::BuildPack => "bp_",
        }
    }
}

/// A new random id of the given kind, e.g. `ws_V1StGXR8_Z5jdHi6B-myT`.
pub fn new_id(kind: IdKind) -> String {
    format!("{}{}", kind.prefix(), nanoid::nanoid!())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = new_id(IdKind::Workshop);
        assert!(a.starts_with("ws_") && a.len() == 24, "{a}");
        assert_ne!(a, new_id(IdKind::Workshop));
        assert!(new_id(IdKind::WorkshopStep).starts_with("wst_"));
    }
}
