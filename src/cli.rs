//! Command-line types (clap derive). No I/O here: `commands/` acts on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Safe, masked copies of multi-tenant PostgreSQL databases.
#[derive(Debug, Parser)]
#[command(name = "doppel", version, about, long_about = None)]
pub struct Cli {
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More detail in logs (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Plain text lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy the source into the target, masked, from one consistent snapshot.
    Run(RunArgs),
    /// Start a throwaway cluster, load the bundled demo database and show a masked copy.
    Demo(DemoArgs),
    /// Print the JSON Schema of the rules file (for editors: `$schema=doppel.schema.json`).
    Schema,
}

/// Options of `doppel run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Source database: a libpq URL or key=value string (PG* variables and .pgpass apply).
    #[arg(long, env = "DOPPEL_SOURCE")]
    pub source: String,
    /// Target database: a libpq URL or key=value string.
    #[arg(long, env = "DOPPEL_TARGET")]
    pub target: String,
    /// The rules file (YAML).
    #[arg(long)]
    pub rules: PathBuf,
    /// Tables copied at once (default: the number of CPU cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Write a JSON run report to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Use a random throwaway key instead of the rules' key: masked values
    /// will differ on every run and cannot be joined with other copies.
    #[arg(long)]
    pub random_key: bool,
    /// Progress display: bars on a terminal, log lines otherwise.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// Bars when standard error is a terminal, log lines otherwise.
    Auto,
    /// Always bars.
    Bars,
    /// Always log lines.
    Log,
    /// Nothing but start and end.
    Quiet,
}

/// Options of `doppel demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the throwaway cluster running after the demo and print how to connect.
    #[arg(long)]
    pub keep: bool,
    /// Tables copied at once (default: the number of CPU cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
}
