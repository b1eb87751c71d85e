//! The `doppel` binary: parse arguments, run the command, map errors to exit codes.

use clap::Parser;
use doppel::cli::Cli;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    doppel::report::init_logging(cli.log_format, cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(doppel::commands::dispatch(cli)) {
        Ok(code) => std::process::ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(e.exit_code() as u8)
        }
    }
}
