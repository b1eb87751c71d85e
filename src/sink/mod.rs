//! Where rows go. This version writes into a target database: pre-data
//! schema, one COPY per table in its own transaction, then sequences,
//! post-data (indexes, constraints, triggers, foreign keys validated
//! beside ANALYZE) and materialized views; the
//! grants of the rules' `access:` section once the copy is complete; the
//! lease a run holds on its target (one run at a time, and the target
//! given back as it was found when a run fails); and `--swap`, which
//! builds the copy in a database of its own and swaps it in at the end.

pub mod access;
pub mod database;
mod inventory;
pub mod lease;
pub mod post_data;
pub mod swap;

pub use access::AccessApplied;
pub use database::{DatabaseSink, TableWriter};
pub use lease::TargetLease;
pub use post_data::{PendingKeys, PostDataError, Weights};
pub use swap::{Readers, Swap, SwapOptions, SwapOutcome};
