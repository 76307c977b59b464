//! The store's error type and the small code set the UI branches on.

use std::path::PathBuf;

use wp_domain::DomainError;

/// What went wrong in a store operation. When an operation returns one, nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input broke a domain rule (title, note length, step output, progress).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// No such workshop, step or note.
    #[error("{entity} \"{id}\" not found")]
    NotFound { entity: &'static str, id: String },
    /// The workshop is soft-deleted; it must be restored before it can change.
    #[error("workshop \"{0}\" is in the trash; restore it first")]
    InTrash(String),
    /// An import file that is not in the expected shape or has invalid step outputs.
    /// Each line names the step and the field.
    #[error("cannot import: {}", problems.join("; "))]
    InvalidImport { problems: Vec<String> },
    /// Signing in to an account other than the one this database is bound to.
    #[error("this database belongs to user {bound_user} on {bound_url}; sign in to that account, or use another database (--db or $WORKSHOPPILOT_DATA_DIR) for this one: local notes carry no user and must not cross over")]
    OtherAccount {
        bound_url: String,
        bound_user: String,
    },
    /// The database was written by a newer version of the app.
    #[error("this database has schema version {found}, newer than this app's {supported}; update WorkshopPilot to open it (the file was not changed)")]
    NewerDatabase { found: u32, supported: u32 },
    /// Too little free disk space for what is about to be written: nothing was written.
    #[error("not enough free disk space for the first sync: about {needed_mib} MiB is needed beside the database, {available_mib} MiB is free; free some space and sync again")]
    NoSpace { needed_mib: u64, available_mib: u64 },
    /// A pragma the store relies on could not be set.
    #[error("cannot configure the database: {0}")]
    Pragma(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Building or exporting a build pack failed.
    #[error(transparent)]
    BuildPack(#[from] wp_build_pack::BuildPackError),
    /// A calendar file could not be made from the stored series (its rule or zone).
    #[error(transparent)]
    Calendar(#[from] wp_calendar::CalendarError),
    /// SQLite failed (disk full, locked past the busy timeout, corrupt file...).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON value could not be read back.
    #[error("stored data is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A queued change (the outbox's name and arguments) is not a mutation this version
    /// knows how to read.
    #[error("a queued change cannot be read: {0}")]
    Wire(#[from] wp_domain::mutation::WireError),
}

pub use wp_domain::ErrorCode;

impl StoreError {
    /// Whether this is the domain refusing a change (its rules, the workshop in the trash,
    /// a row that is not there), as opposed to storage failing. A refused change wrote
    /// nothing; a storage failure may have written part of a transaction, which must then
    /// roll back. Rebasing a queued change and offering one again after a restore skip
    /// refusals and pass every other error on.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StoreError::Domain(_) | StoreError::InTrash(_) | StoreError::NotFound { .. }
        )
    }

    /// The code the UI branches on: the domain's own for its errors
    /// ([`DomainError::kind`]), and for the store's.
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::Domain(e) => e.kind(),
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::InTrash(_) | StoreError::OtherAccount { .. } => ErrorCode::Conflict,
            StoreError::InvalidImport { .. } => ErrorCode::InvalidInput,
            StoreError::BuildPack(e) if e.is_input_error() => ErrorCode::InvalidInput,
            StoreError::NewerDatabase { .. }
            | StoreError::Pragma(_)
            | StoreError::NoSpace { .. }
            | StoreError::Io { .. }
            | StoreError::BuildPack(_)
            | StoreError::Calendar(_)
            | StoreError::Sqlite(_)
            | StoreError::Json(_)
            | StoreError::Wire(_) => ErrorCode::Storage,
        }
    }

    /// Each broken field rule of the input, for a form to show beside the field
    /// ([`DomainError::field_errors`]); empty for every other error.
    pub fn field_errors(&self) -> Vec<wp_domain::FieldError> {
        match self {
            StoreError::Domain(e) => e.field_errors(),
            _ => Vec::new(),
        }
    }
}
