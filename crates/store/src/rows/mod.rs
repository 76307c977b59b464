//! The leaf of the store: how its rows are read and written. Column lists, row readers (one
//! SELECT per record kind) and the one row write. It depends on nothing else in the store,
//! and everything else reads and writes rows through it.

pub(crate) mod codec;
pub(crate) mod read;
pub(crate) mod schedule;
pub(crate) mod write;
