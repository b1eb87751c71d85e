//! Integration tests: the real `doppel` binary against a real PostgreSQL.
//!
//! The server is `DOPPEL_TEST_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Every test creates its own
//! databases and drops them when it passes; a failing test keeps them and
//! prints their names.

mod harness;

mod access;
mod bad_rules;
mod binary_copy;
mod check;
mod copy_fidelity;
mod errors;
mod exclude;
mod failures;
mod fk_guards;
mod full_disk;
mod large_values;
mod maskers;
mod masking;
mod parallel;
mod scan;
mod scan_data;
mod schema_objects;
mod scrub;
mod snapshot;
mod standby;
mod subset;
mod swap;
mod tls;
mod token;
mod verify;
