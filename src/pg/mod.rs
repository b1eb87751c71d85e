//! Everything that talks to PostgreSQL outside the data stream: connection
//! settings (libpq URLs, environment, .pgpass, TLS), identifier quoting (the
//! only place that quotes), session settings and exported snapshots, and the
//! pg_dump runner. Nothing here knows about rules or masking.

pub mod cluster;
pub mod conninfo;
pub mod dump;
pub mod ident;
pub mod session;
pub mod tls;

pub use conninfo::ConnInfo;
pub use ident::{quote_ident, quote_literal, QualifiedName};
