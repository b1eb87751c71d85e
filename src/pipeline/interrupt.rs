//! SIGINT and SIGTERM during a copy. The first signal stops the run: the
//! command cancels the queries on both sides, gives the target back and
//! exits with 130 (SIGINT) or 143 (SIGTERM). A second signal, while that
//! clean-up runs, exits at once (after sending the cancel requests).

use tokio::signal::unix::{signal, SignalKind};

/// The signal that stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (a scheduler or `kill`).
    Terminate,
}

impl Signal {
    /// The conventional exit code: 128 + the signal's number.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Listen for SIGINT and SIGTERM from now on; the returned future resolves
/// with the first one, after which a second exits the process at once.
/// When the handlers cannot be installed the future never resolves (the
/// default disposition then stops the process).
pub fn listen() -> impl std::future::Future<Output = Signal> {
    let streams =
        signal(SignalKind::interrupt()).and_then(|i| Ok((i, signal(SignalKind::terminate())?)));
    async move {
        let Ok((mut int, mut term)) = streams else {
            return std::future::pending().await;
        };
        let first = tokio::select! {
            _ = int.recv() => Signal::Interrupt,
            _ = term.recv() => Signal::Terminate,
        };
        tokio::spawn(async move {
            let second = tokio::select! {
                _ = int.recv() => Signal::Interrupt,
                _ = term.recv() => Signal::Terminate,
            };
            eprintln!(
                "error: {} again while cleaning up: exiting now; the target may hold what this run created",
                second.name()
            );
            // Still stop the servers' work for this run; this takes a
            // moment at most.
            crate::pg::cancel::cancel_all(std::time::Duration::from_millis(300)).await;
            std::process::exit(i32::from(second.exit_code()));
        });
        first
    }
}

/// Fault injection for tests of what a killed run leaves behind: with
/// `DOPPEL_PAUSE_BEFORE=<step>` (`pre-data`, `data`, `post-data`,
/// `analyze`, `verify`, `swap`) a run logs `paused before <step>` and waits
/// there until it is signalled or killed, or, with
/// `DOPPEL_RESUME_FILE=<path>`, until that file exists (for tests that
/// change the source in between). Unset, this does nothing.
pub async fn pause_before(step: &str) {
    if std::env::var("DOPPEL_PAUSE_BEFORE").is_ok_and(|v| v == step) {
        tracing::warn!("paused before {step} (DOPPEL_PAUSE_BEFORE)");
        let Some(resume) = std::env::var_os("DOPPEL_RESUME_FILE") else {
            return std::future::pending::<()>().await;
        };
        while !std::path::Path::new(&resume).exists() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        tracing::warn!("resumed before {step}");
    }
}
