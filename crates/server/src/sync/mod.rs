//! Sync (docs/sync.md): clients push queued mutations, which the server re-runs with the
//! domain's rules ([`push`]), and pull every change they may see since their cursor
//! ([`pull`]). [`rows`] is the one PostgreSQL write path for mutations; [`retention`] trims
//! the change log.

pub mod pull;
pub mod push;
pub mod retention;
pub mod rows;
pub(crate) mod schedule_rows;
