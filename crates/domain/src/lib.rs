//! The WorkshopPilot domain, shared by the desktop store and the server.
//!
//! It holds the rules of `reference/steps.md` as plain data and pure functions:
//! the ten [`steps`], the output [`schema`] of each step and its validation,
//! the step and workshop [`progress`] rules, [`limits`] on user text, and [`ids`].
//! Nothing here touches a database, a file or the network.

pub mod error;
pub mod ids;
pub mod limits;
pub mod merge;
pub mod mutation;
pub mod progress;
pub mod protocol;
pub mod records;
pub mod schema;
pub mod series;
pub mod status;
pub mod steps;

pub use error::{DomainError, ErrorCode, FieldError};
pub use mutation::Mutation;
pub use records::{
    Change, ChangedBy, ConflictKind, ConflictRecord, MemberRecord, NoteRecord, Rows, SeriesRecord,
    SessionRecord, StepRecord, WorkshopRecord,
};
pub use status::{Role, SessionStatus, StepStatus, Visibility, WorkshopStatus};
pub use steps::{StepDefinition, STEPS};
