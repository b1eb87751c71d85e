//! doppel: safe, masked, consistent copies of multi-tenant PostgreSQL databases.
//!
//! Reading `src/` top to bottom is reading the pipeline: `config` (what the
//! user wrote) → `catalog` (what the source holds) → `plan` (what each table
//! job must do) → `pipeline` (COPY out → `copy` codec → `mask` → `sink`),
//! with `pg` holding everything that talks to PostgreSQL and `report`
//! drawing progress, and `subset` deciding which rows a tenant subset keeps. `commands` holds one thin file per subcommand; `verify`
//! proves a finished copy holds no sensitive source value and is whole.

pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod copy;
pub mod error;
pub mod mask;
pub mod pg;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod scan;
pub mod sink;
pub mod subset;
pub mod verify;

pub use error::{Error, ExitCode};
