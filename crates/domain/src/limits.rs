//! Limits on user text, each with where it comes from.

use crate::DomainError;

/// Longest workshop title, in characters after trimming: steps.md ("1 to 100 characters").
pub const TITLE_MAX_CHARS: usize = 100;
/// Title given to a workshop created without one: steps.md.
pub const DEFAULT_TITLE: &str = "New Workshop";
/// Longest note, in characters (Unicode scalar values): 50,000, the notes cap of the
/// original server API ("Notes cannot exceed 50,000 characters").
pub const NOTE_MAX_CHARS: usize = 50_000;

/// A session's or series' title, in characters after trimming: 3 to 200, the live-workshops
/// API's bounds (`reference/server-api.md`).
pub const SESSION_TITLE_CHARS: std::ops::RangeInclusive<usize> = 3..=200;
/// A session's or series' description: at most 5,000 characters (`reference/server-api.md`).
pub const SESSION_DESCRIPTION_MAX_CHARS: usize = 5_000;
/// A session's length: 15 to 480 minutes (`reference/server-api.md`).
pub const SESSION_DURATION_MINUTES: std::ops::RangeInclusive<u32> = 15..=480;
/// A session's capacity when it has one: 2 to 500 people (`reference/server-api.md`).
pub const SESSION_CAPACITY: std::ops::RangeInclusive<u32> = 2..=500;
/// A stored RRULE, without its `RRULE:` prefix: at most 500 characters (`reference/series.md`).
pub const RRULE_MAX_CHARS: usize = 500;

/// Trims a session's or series' title and checks it: 3 to 200 characters. Errors name
/// `title` and the bounds.
pub fn session_title(raw: &str) -> Result<String, DomainError> {
    let title = raw.trim();
    let len = title.chars().count();
    if !SESSION_TITLE_CHARS.contains(&len) {
        return Err(DomainError::argument(
            "title",
            format!(
                "title must be {} to {} characters (got {len})",
                SESSION_TITLE_CHARS.start(),
                SESSION_TITLE_CHARS.end()
            ),
        ));
    }
    Ok(title.to_string())
}

/// Checks a session's or series' description, length and capacity; errors name the field
/// and the limit.
pub fn check_session_fields(
    description: &str,
    duration_minutes: u32,
    max_capacity: Option<u32>,
) -> Result<(), DomainError> {
    let len = description.chars().count();
    if len > SESSION_DESCRIPTION_MAX_CHARS {
        return Err(DomainError::argument(
            "description",
            format!("description must be at most 5,000 characters (got {len})"),
        ));
    }
    if !SESSION_DURATION_MINUTES.contains(&duration_minutes) {
        return Err(DomainError::argument(
            "durationMinutes",
            format!("a session lasts 15 to 480 minutes (got {duration_minutes})"),
        ));
    }
    if let Some(cap) = max_capacity {
        if !SESSION_CAPACITY.contains(&cap) {
            return Err(DomainError::argument(
                "maxCapacity",
                format!("capacity must be 2 to 500 people, or none (got {cap})"),
            ));
        }
    }
    Ok(())
}

/// Trims a workshop title and checks its length.
///
/// `None` gives [`DEFAULT_TITLE`]. Errors with [`DomainError::InvalidTitle`] when the
/// trimmed title is empty or longer than [`TITLE_MAX_CHARS`] characters.
pub fn normalize_title(input: Option<&str>) -> Result<String, DomainError> {
    let Some(raw) = input else {
        return Ok(DEFAULT_TITLE.to_string());
    };
    let title = raw.trim();
    let len = title.chars().count();
    if len == 0 || len > TITLE_MAX_CHARS {
        return Err(DomainError::InvalidTitle {
            len,
            max: TITLE_MAX_CHARS,
        });
    }
    Ok(title.to_string())
}

/// Checks a note's length: errors with [`DomainError::NoteTooLong`] past [`NOTE_MAX_CHARS`].
pub fn check_note(content: &str) -> Result<(), DomainError> {
    let len = content.chars().count();
    if len > NOTE_MAX_CHARS {
        return Err(DomainError::NoteTooLong {
            len,
            max: NOTE_MAX_CHARS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(normalize_title(Some("  PawPal \n")).unwrap(), "PawPal");
        assert_eq!(normalize_title(None).unwrap(), "New Workshop");
        assert_eq!(
            normalize_title(Some(&"é".repeat(100)))
                .unwrap()
                .chars()
                .count(),
            100
        );
        assert_eq!(
            normalize_title(Some(&"a".repeat(101))),
            Err(DomainError::InvalidTitle { len: 101, max: 100 })
        );
        assert_eq!(
            normalize_title(Some("   ")),
            Err(DomainError::InvalidTitle { len: 0, max: 100 })
        );
    }

    #[test]
    fn notes_are_counted_in_characters_not_bytes() {
        assert!(check_note(&"é".repeat(50_000)).is_ok());
        let err = check_note(&"a".repeat(50_001)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "note is 50001 characters; notes are limited to 50000 characters"
        );
    }
}

/// Finding people by name (`GET /api/users?q=`): at least 3 characters after trimming, at
/// most 100 (a user's name is 1 to 100 characters), and at most 20 people answered: the
/// live-workshops API's invitation search (issue 28, "Finding users to invite").
pub const PEOPLE_QUERY_CHARS: std::ops::RangeInclusive<usize> = 3..=100;
/// At most this many people answer one search by name.
pub const PEOPLE_RESULTS_MAX: usize = 20;
/// Searches by name one user may make per minute before the server answers 429: enough
/// for typing with a debounce. It slows listing a server's users, it does not prevent it:
/// any signed-in user may find any other by name, as sharing needs (a team's server).
pub const PEOPLE_SEARCHES_PER_MINUTE: u32 = 30;

/// Trims a search by name and checks its length (`PEOPLE_QUERY_CHARS`). Errors name `q`.
pub fn people_query(raw: &str) -> Result<String, DomainError> {
    let q = raw.trim();
    let len = q.chars().count();
    if len < *PEOPLE_QUERY_CHARS.start() {
        return Err(DomainError::argument(
            "q",
            format!(
                "type at least {} characters of a name",
                PEOPLE_QUERY_CHARS.start()
            ),
        ));
    }
    if len > *PEOPLE_QUERY_CHARS.end() {
        return Err(DomainError::argument(
            "q",
            format!(
                "a name is at most {} characters (got {len})",
                PEOPLE_QUERY_CHARS.end()
            ),
        ));
    }
    Ok(q.to_string())
}
