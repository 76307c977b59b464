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
    /// A sync conflict, `cf_`.
    Conflict,
    /// A sync client (one desktop database), `cli_`.
    Client,
    /// A queued mutation's own id (`mut_`), kept across client id renewals: the server
    /// answers a second copy of one mutation as a duplicate whichever client id sent it.
    Mutation,
    /// A recurring series of sessions, `ser_`.
    Series,
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
            IdKind::Conflict => "cf_",
            IdKind::Client => "cli_",
            IdKind::Mutation => "mut_",
            IdKind::Series => "ser_",
        }
    }
}

thread_local! {
    /// This thread's id sequence when a simulation replays a seed; `None`: random ids.
    static SEEDED: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Makes the ids this thread makes reproducible from `seed` (a seeded simulation replaying a
/// run); `None` goes back to random ids. Never used by the app, the CLI or the server.
pub fn seed_this_thread(seed: Option<u64>) {
    SEEDED.with(|s| s.set(seed));
}

/// `size` random bytes: the OS's, or the seeded sequence (splitmix64) when set.
fn random_bytes(size: usize) -> Vec<u8> {
    SEEDED.with(|s| match s.get() {
        None => nanoid::rngs::default(size),
        Some(mut state) => {
            let bytes = (0..size)
                .map(|_| {
                    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    let mut z = state;
                    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                    (z ^ (z >> 31)) as u8
                })
                .collect();
            s.set(Some(state));
            bytes
        }
    })
}

/// A new random id of the given kind, e.g. `ws_V1StGXR8_Z5jdHi6B-myT`.
pub fn new_id(kind: IdKind) -> String {
    format!(
        "{}{}",
        kind.prefix(),
        nanoid::format(random_bytes, &nanoid::alphabet::SAFE, 21)
    )
}

/// Checks an id made by a client: the kind's prefix, then 1 to 64 letters, digits, `_` or
/// `-`. Errors with [`crate::DomainError::InvalidArgument`] naming `field`.
pub fn check(kind: IdKind, field: &str, id: &str) -> Result<(), crate::DomainError> {
    let rest = id.strip_prefix(kind.prefix()).unwrap_or("");
    let valid = (1..=64).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(crate::DomainError::argument(
            field,
            format!(
                "must be \"{}\" followed by 1 to 64 letters, digits, \"_\" or \"-\"",
                kind.prefix()
            ),
        ))
    }
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
