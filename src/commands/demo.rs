//! `doppel demo`: a throwaway cluster, the bundled SaaS database, a masked copy.

use crate::cli::DemoArgs;
use crate::{Error, ExitCode};

/// Run `doppel demo`.
pub async fn demo(_args: DemoArgs) -> Result<ExitCode, Error> {
    Err(Error::runtime("demo: being wired"))
}
