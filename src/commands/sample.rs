//! `doppel sample`: `run` with a developer's defaults. Tenants are required
//! (`--tenant` or `--sample-tenants`), and the copy goes to a database on
//! this machine or to a SQL file, never to a shared server by mistake.

use crate::cli::RunArgs;
use crate::pg::ConnInfo;
use crate::{Error, ExitCode};

/// Run `doppel sample`.
pub async fn sample(args: RunArgs) -> Result<ExitCode, Error> {
    if !args.tenants.selection()?.is_subset() {
        return Err(Error::usage(
            "sample copies some tenants: give --tenant ID (repeatable) or --sample-tenants P%; for a whole copy use doppel run",
        ));
    }
    if let (Some(t), None) = (&args.target, &args.output) {
        let conn = ConnInfo::parse(t).map_err(|e| Error::usage(format!("--target: {e}")))?;
        if !is_local(&conn) {
            return Err(Error::usage(format!(
                "sample writes to a database on this machine or to a file, and {} is not local: use --output FILE, a localhost URL, or doppel run --tenant for a shared server",
                conn.describe()
            )));
        }
    }
    super::run::run(args).await
}

/// A unix socket or a loopback address.
fn is_local(conn: &ConnInfo) -> bool {
    let host = conn.hostaddr.as_deref().unwrap_or(&conn.host);
    host.is_empty()
        || host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_and_sockets_are_local() {
        for (url, local) in [
            ("postgresql://localhost/dev", true),
            ("postgresql://127.0.0.1:5433/dev", true),
            ("postgresql://[::1]/dev", true),
            ("host=/var/run/postgresql dbname=dev", true),
            ("postgresql://db.internal/dev", false),
            ("postgresql://10.0.0.5/dev", false),
        ] {
            let c = ConnInfo::parse(url).expect("parses");
            assert_eq!(is_local(&c), local, "{url}");
        }
    }
}
