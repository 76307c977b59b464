//! Column conversions shared by the row readers and writers, and which table holds each
//! entity kind of the sync protocol.

use rusqlite::Row;
use serde_json::Value;
use wp_domain::Change;

/// A text column holding a value its enum does not know, as SQLite's conversion error.
pub(crate) fn bad_text(column: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unexpected value \"{text}\"").into(),
    )
}

/// Column `i` as JSON (`None` for NULL); text that is not JSON is a conversion error.
pub(crate) fn json_column(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Value>> {
    let text: Option<String> = r.get(i)?;
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
        })
}

/// The sync protocol's entity name of a changed row (`workshop`, `step`, ...).
pub(crate) fn entity_of(change: &Change) -> &'static str {
    change.key().0
}

/// Whether the server gives rows of `entity` versions (`server_version`: all but conflicts;
/// docs/sync.md, "Lost versions").
pub(crate) fn versioned(entity: &str) -> bool {
    matches!(
        entity,
        "workshop" | "step" | "note" | "member" | "session" | "series"
    )
}

/// The table holding an entity kind of the sync protocol; `None` for a kind this version
/// does not know.
pub(crate) fn table_of(entity: &str) -> Option<&'static str> {
    match entity {
        "workshop" => Some("workshops"),
        "step" => Some("workshop_steps"),
        "note" => Some("notes"),
        "member" => Some("workshop_members"),
        "conflict" => Some("conflicts"),
        "session" => Some("sessions"),
        "series" => Some("series"),
        _ => None,
    }
}
