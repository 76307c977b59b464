//! Sync (docs/sync.md): clients push queued mutations, which the server re-runs with the
//! domain's rules ([`push`]), and pull every change they may see since their cursor
//! ([`pull`]; a first sync takes one streamed [`snapshot`]), both through the one write path [`crate::apply`]; [`retention`] trims the
//! change log; [`pokes`] and [`events`] tell a user's clients at once that they should pull.

pub mod events;
mod lost;
pub mod pokes;
pub mod pull;
pub mod push;
pub mod retention;
pub mod snapshot;
