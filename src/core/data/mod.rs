//! Department data: the versioned local cache (SQLite) of imported tables and service answers, and joins of its
//! tables to layers by village code or name, and the indexed list of candidate firms for recruitment.
//!
//! May use: [`crate::core::io`], [`crate::core::model`].

pub mod cache;
pub mod candidates;
pub mod join;
