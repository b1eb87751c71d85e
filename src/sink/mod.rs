//! Where rows go. This version writes into a target database: pre-data
//! schema, one COPY per table in its own transaction, then sequences,
//! post-data (indexes, constraints, triggers) and materialized views.

pub mod database;

pub use database::{DatabaseSink, TableWriter};
