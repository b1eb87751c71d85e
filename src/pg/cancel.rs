//! Cancel requests for every session doppel opened, so that a run stopped
//! by a signal or a failure stops its queries on the servers at once
//! (PostgreSQL's cancel protocol), not only when the server next notices a
//! closed socket: a long index build or a filtered scan that returns nothing
//! would otherwise keep running.
//!
//! The copy's source readers, snapshot session and target writers register
//! here when they connect. A cancel request for a session that has already ended is ignored by
//! the server, so entries are never removed while a command runs.

use std::sync::Mutex;
use std::time::Duration;

use tokio_postgres::{CancelToken, Client};

use super::conninfo::SslMode;
use super::ConnInfo;

struct Session {
    role: String,
    token: CancelToken,
    info: ConnInfo,
}

static SESSIONS: Mutex<Vec<Session>> = Mutex::new(Vec::new());

/// Remember how to cancel `client`'s queries: `info` is what it connected
/// with (the cancel request goes the same way, TLS included); `role` names
/// it in logs.
pub fn register(client: &Client, role: &str, info: &ConnInfo) {
    if let Ok(mut s) = SESSIONS.lock() {
        s.push(Session {
            role: role.to_string(),
            token: client.cancel_token(),
            info: info.clone(),
        });
    }
}

/// Send a cancel request to every registered session, all at once, waiting
/// at most `budget` for the servers to take them. Returns how many were sent.
pub async fn cancel_all(budget: Duration) -> usize {
    let sessions: Vec<Session> = match SESSIONS.lock() {
        Ok(mut s) => std::mem::take(&mut *s),
        Err(_) => return 0,
    };
    let sent = sessions.len();
    let mut set = tokio::task::JoinSet::new();
    for s in sessions {
        set.spawn(async move {
            let plain = s.info.sslmode == SslMode::Disable || s.info.host.starts_with('/');
            let result = match (plain, super::tls::connector(&s.info)) {
                (false, Ok(tls)) => s.token.cancel_query(tls).await,
                _ => s.token.cancel_query(tokio_postgres::NoTls).await,
            };
            if let Err(e) = result {
                tracing::debug!("cancel request for doppel {}: {e}", s.role);
            }
        });
    }
    let _ = tokio::time::timeout(budget, async { while set.join_next().await.is_some() {} }).await;
    set.abort_all();
    sent
}
