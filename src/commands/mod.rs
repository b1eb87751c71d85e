//! One file per subcommand. Each builds options from the command line and
//! calls the stages; none holds logic worth testing on its own.

pub mod check;
pub mod demo;
pub mod inspect;
pub mod plan;
pub mod run;
pub mod sample;
pub mod scan;
pub mod schema;
pub mod token;
pub mod verify;

use crate::cli::{Cli, Command, ProgressMode};
use crate::report::ProgressStyle;
use crate::{Error, ExitCode};

/// Run the command the user asked for.
pub async fn dispatch(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Demo(args) => demo::demo(args).await,
        Command::Check(args) => check::check(args).await,
        Command::Plan(args) => plan::plan(args).await,
        Command::Sample(args) => sample::sample(args).await,
        Command::Schema => schema::schema(),
        Command::Scan(args) => scan::scan(args).await,
        Command::Token(args) => token::token(args).await,
        Command::Verify(args) => verify::verify(args).await,
    }
}

/// The progress style for a mode, looking at whether stderr is a terminal.
pub fn progress_style(mode: ProgressMode) -> ProgressStyle {
    use std::io::IsTerminal;
    match mode {
        ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressStyle::Bars,
        ProgressMode::Auto | ProgressMode::Log => ProgressStyle::Log,
        ProgressMode::Bars => ProgressStyle::Bars,
        ProgressMode::Quiet => ProgressStyle::Quiet,
    }
}

/// Default parallelism: the number of cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}
