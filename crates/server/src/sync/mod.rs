//! Sync (docs/sync.md): clients push queued mutations, which the server re-runs with the
//! domain's rules ([`push`]), and pull every change they may see since their cursor
//! ([`pull`]), both through the one write path [`crate::apply`]; [`retention`] trims the
//! change log.

mod lost;
pub mod pull;
pub mod push;
pub mod retention;
