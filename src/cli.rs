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
    /// Compare the rules with the live schema and report every problem (exit 3): a CI gate.
    Check(InspectArgs),
    /// Show what `run` would do, table by table, without copying anything.
    Plan(PlanArgs),
    /// Copy some tenants, masked and referentially complete, into a local
    /// database or a SQL file (`run` with a developer's defaults).
    Sample(RunArgs),
    /// Print the JSON Schema of the rules file (for editors: `$schema=doppel.schema.json`).
    Schema,
    /// Read a sample of every column and draft complete rules: every table
    /// listed, personal columns masked, each with a comment saying why
    /// (with `--diff`: what existing rules keep that is personal, exit 3).
    Scan(ScanArgs),
    /// Print the masked value the copy holds for each value of a column, one
    /// per line, so that a customer can be found in the copy by a real email
    /// or phone number.
    Token(TokenArgs),
    /// Prove a finished copy clean: no value of a masked column is found in
    /// it, and its row counts and constraints match the source (exit 4 on
    /// any finding).
    Verify(VerifyArgs),
}

/// The source database and how doppel treats it.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Source database: a libpq URL or key=value string (PG* variables and .pgpass apply).
    #[arg(long, env = "DOPPEL_SOURCE")]
    pub source: String,
    /// lock_timeout on the source: doppel gives up rather than queue behind DDL (0: no limit).
    #[arg(long, default_value = "10s")]
    pub lock_timeout: String,
    /// statement_timeout on the source: the longest one table's read may take (0: no limit).
    #[arg(long, default_value = "4h")]
    pub statement_timeout: String,
}

impl SourceArgs {
    /// The limits, checked.
    pub fn limits(&self) -> Result<crate::pg::session::SourceLimits, crate::Error> {
        use crate::pg::session::SourceLimits;
        Ok(SourceLimits {
            lock_timeout: SourceLimits::parse_duration(&self.lock_timeout)
                .map_err(|e| crate::Error::usage(format!("--lock-timeout: {e}")))?,
            statement_timeout: SourceLimits::parse_duration(&self.statement_timeout)
                .map_err(|e| crate::Error::usage(format!("--statement-timeout: {e}")))?,
        })
    }
}

/// How `check` and `plan` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`), for annotations.
    Github,
}

/// Options of `doppel check` and `doppel plan`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    /// The source.
    pub source: SourceArgs,
    /// The rules file (YAML).
    #[arg(long)]
    pub rules: PathBuf,
    /// The target database, only to look up the roles of the rules'
    /// `access:` on its cluster (nothing is written there).
    #[arg(long, env = "DOPPEL_TARGET")]
    pub target: Option<String>,
    /// Output format (`plan` prints github as text).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Which tenants a copy holds (SPEC §3, tenant subsets).
#[derive(Debug, Args, Default)]
pub struct TenantArgs {
    /// Copy this tenant (the root table's id); repeat for more.
    #[arg(long = "tenant", value_name = "ID")]
    pub tenant: Vec<String>,
    /// Never copy this tenant (wins over --tenant and --sample-tenants); repeat for more.
    #[arg(long = "exclude-tenant", value_name = "ID")]
    pub exclude_tenant: Vec<String>,
    /// Copy a stable share of all tenants, chosen by hashed id (e.g. 5%).
    #[arg(long, value_name = "PERCENT")]
    pub sample_tenants: Option<String>,
}

impl TenantArgs {
    /// The selection, checked.
    pub fn selection(&self) -> Result<crate::subset::Selection, crate::Error> {
        Ok(crate::subset::Selection {
            tenants: self.tenant.clone(),
            exclude: self.exclude_tenant.clone(),
            sample_percent: self
                .sample_tenants
                .as_deref()
                .map(crate::subset::parse_percent)
                .transpose()
                .map_err(|e| crate::Error::usage(format!("--sample-tenants: {e}")))?,
        })
    }
}

/// Options of `doppel plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    /// Source, rules and format.
    pub inspect: InspectArgs,
    #[command(flatten)]
    /// Tenants, to show a subset's predicates and row counts.
    pub tenants: TenantArgs,
    /// The COPY format `run` would be asked for (see `run --copy-format`).
    #[arg(long, value_enum, default_value_t = CopyFormat::Auto)]
    pub copy_format: CopyFormat,
    /// Show the ranges a table larger than SIZE is read in, as `run
    /// --split-above` would (0: never).
    #[arg(long, value_name = "SIZE", default_value = "64MB", value_parser = crate::plan::split::parse_size)]
    pub split_above: u64,
}

/// Options of `doppel token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    /// The source (its catalog gives the column's type; it reads the values
    /// and evaluates `when` conditions).
    pub source: SourceArgs,
    /// The rules file (YAML) the copy was made with; its key is needed.
    #[arg(long)]
    pub rules: PathBuf,
    /// The column, as schema.table.column (double-quote parts with dots or capitals).
    #[arg(long, value_name = "SCHEMA.TABLE.COLUMN")]
    pub column: String,
    /// Values as the source holds them; without any, one per line from
    /// standard input.
    #[arg(value_name = "VALUE", allow_hyphen_values = true)]
    pub values: Vec<String>,
}

/// How strict `verify`'s leak search is (also for `run --verify`).
#[derive(Debug, Args, Clone, Copy)]
pub struct LeakArgs {
    /// Values shorter than this many characters are not looked for (so
    /// that "NL" or "2024" are not leaks).
    #[arg(long, default_value_t = 6, value_name = "CHARS")]
    pub min_length: usize,
    /// A value held by at most this many source rows is rare: found in a
    /// column that may carry source text, in any row, it is a leak (at
    /// most 254).
    #[arg(long, default_value_t = 2, value_name = "ROWS",
          value_parser = clap::value_parser!(u32).range(0..=254))]
    pub rare: u32,
}

/// Options of `doppel verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    /// The source (read in one snapshot).
    pub source: SourceArgs,
    /// The copy to check: a libpq URL or key=value string (only read).
    #[arg(long, env = "DOPPEL_TARGET")]
    pub target: String,
    /// The rules file (YAML) the copy was made with.
    #[arg(long)]
    pub rules: PathBuf,
    /// Write the findings and what was checked to this JSON file (values
    /// are never written).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The JSON report of the run that made the copy: its rows written per
    /// table are the counts to match (needed for a tenant subset; without
    /// it the source's rows, filtered as the rules say, are counted).
    #[arg(long)]
    pub run_report: Option<PathBuf>,
    /// Tables read at once on each side (default: the number of CPU cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    #[command(flatten)]
    /// Leak search.
    pub leaks: LeakArgs,
}

/// Options of `doppel scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    /// The source (read only, with the limits of every source command).
    pub source: SourceArgs,
    /// Rows read per table, at most (large tables are read with
    /// TABLESAMPLE SYSTEM, small ones with LIMIT).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub sample_rows: u64,
    /// Stop reading further tables after this long (e.g. 120s, 10min; 0 for
    /// no limit); tables not read are judged by their column names, and
    /// their comments say so.
    #[arg(long, default_value = "120s", value_name = "DURATION")]
    pub time_budget: String,
    /// Write the draft to this file (atomically) instead of standard output.
    #[arg(long, conflicts_with = "diff")]
    pub output: Option<PathBuf>,
    /// Instead of a draft, report what this rules file keeps that the
    /// values say is personal (exit 3 when there is any).
    #[arg(long, value_name = "RULES")]
    pub diff: Option<PathBuf>,
    /// A further national identity number format, as NAME=REGEX (the regex
    /// must match the whole value); repeat for more. NIK, NRIC/FIN, MyKad
    /// and US SSN are known without it.
    #[arg(long = "national-id", value_name = "NAME=REGEX")]
    pub national_id: Vec<String>,
    /// Progress display: bars on a terminal, log lines otherwise.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// Options of `doppel run` and `doppel sample`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    /// The source.
    pub source: SourceArgs,
    #[command(flatten)]
    /// Which tenants (all, when none is given).
    pub tenants: TenantArgs,
    /// Target database: a libpq URL or key=value string.
    #[arg(
        long,
        env = "DOPPEL_TARGET",
        required_unless_present = "output",
        conflicts_with = "output"
    )]
    pub target: Option<String>,
    /// Write one plain SQL file instead (`-` for standard output) that
    /// `psql -v ON_ERROR_STOP=1 -f FILE` loads into an empty database.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// The rules file (YAML).
    #[arg(long)]
    pub rules: PathBuf,
    /// Tables copied at once (default: the number of CPU cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// COPY format between the databases: binary where each table allows
    /// it (auto, binary), or text for every table. `--output` files are
    /// always text.
    #[arg(long, value_enum, default_value_t = CopyFormat::Auto)]
    pub copy_format: CopyFormat,
    /// Threads that mask the rows of tables with costly maskers (scrub,
    /// json, replace, each, placeholder sentences) in batches, output in
    /// the source's order (default: the number of CPU cores; 1: each table
    /// is masked on its own job's thread).
    #[arg(long, value_name = "N")]
    pub mask_threads: Option<usize>,
    /// Read a table (or partition) larger than SIZE in ranges of heap
    /// blocks of about SIZE each, by every job that comes free, loaded
    /// through one COPY (e.g. 64MB, 1GB; 0: never).
    #[arg(long, value_name = "SIZE", default_value = "64MB", value_parser = crate::plan::split::parse_size)]
    pub split_above: u64,
    /// Tuning: bytes of target COPY data gathered before one write to the
    /// target (the default was chosen by measurement, BENCHMARKS.md "Tuning").
    #[arg(long, value_name = "SIZE", default_value = "64kB", value_parser = crate::plan::split::parse_size)]
    pub batch_size: u64,
    /// Tuning: batches queued between a table's reader and its writer.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub queue_depth: usize,
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
    /// When the target already holds tables of the schemas being copied,
    /// set those schemas aside, load afresh, and drop the old ones once the
    /// new copy is complete (a failed run puts them back).
    #[arg(long)]
    pub replace: bool,
    /// Skip ANALYZE of the copy (by default every copied table's planner
    /// statistics are gathered, on --jobs connections, before the run ends).
    #[arg(long)]
    pub no_analyze: bool,
    /// Build the copy in a database of its own beside the live one (the
    /// --target database, which may not exist yet) and swap it in, in one
    /// transaction, once it is complete: readers see the old copy or the
    /// new one, never a mix; a failed or killed run leaves the live copy
    /// untouched.
    #[arg(long, conflicts_with_all = ["replace", "output"])]
    pub swap: bool,
    /// --swap: what to do with sessions connected to the live copy at swap
    /// time: wait for them to disconnect (up to --swap-timeout, then fail
    /// with the live copy unchanged), or end them.
    #[arg(long, value_enum, default_value_t = SwapReaders::Wait, requires = "swap")]
    pub swap_readers: SwapReaders,
    /// --swap-readers wait: seconds to wait for readers to disconnect.
    #[arg(long, default_value_t = 60, requires = "swap")]
    pub swap_timeout: u64,
    /// Run `doppel verify` on the loaded copy before the run completes (and
    /// before --swap makes it visible): a finding fails the run (exit 4)
    /// and the target is given back as for any failure.
    #[arg(long, conflicts_with = "output")]
    pub verify: bool,
    #[command(flatten)]
    /// --verify: leak search.
    pub leaks: LeakArgs,
}

/// What `--swap` does with the live copy's sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SwapReaders {
    /// Wait for them to disconnect, up to --swap-timeout.
    Wait,
    /// End them (pg_terminate_backend); needs pg_signal_backend.
    Terminate,
}

/// `--copy-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CopyFormat {
    /// Binary COPY for every table that allows it, text for the others.
    Auto,
    /// Text COPY for every table.
    Text,
    /// As auto: binary where a table allows it (the plan says why not).
    Binary,
}

impl CopyFormat {
    /// The pipeline's choice.
    pub fn choice(self) -> crate::copy::FormatChoice {
        use crate::copy::FormatChoice;
        match self {
            CopyFormat::Auto => FormatChoice::Auto,
            CopyFormat::Text => FormatChoice::Text,
            CopyFormat::Binary => FormatChoice::Binary,
        }
    }
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
