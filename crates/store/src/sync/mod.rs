//! Sync's local side (docs/sync.md), together: the account this database is bound to
//! (`account`), the outbox of mutations to push (`outbox`), what the server said of them
//! (`rejections`, `conflicts`), pulled pages and their rebase (`pull`), a first sync's streamed snapshot (`snapshot`), what a restored
//! server lost offered again (`recovery`; its open conflicts, `lost_conflicts`; a member's
//! changes on a copy the reset drops, `lost_copies`; a workshop's
//! progress, `lost_progress`; its sessions and series,
//! `lost_schedule`), and the mass-delete guard (`mass_delete`). The
//! network lives in `wp-sync`; the store stays the only writer of the database file.
//!
//! This file only declares the modules; its code is in them, so that no module of the store
//! imports its own parent (`tests/modules.rs` checks the store's imports have no cycle).

pub(crate) mod account;
pub(crate) mod conflicts;
pub(crate) mod lost_conflicts;
pub(crate) mod lost_copies;
pub(crate) mod lost_progress;
pub(crate) mod lost_schedule;
pub(crate) mod mass_delete;
pub(crate) mod outbox;
pub(crate) mod pull;
pub(crate) mod recovery;
pub(crate) mod rejections;
pub(crate) mod snapshot;
