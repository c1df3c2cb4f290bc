//! `awladna`: the one binary. It serves the web application and runs the operator's
//! commands (migrate, demo data, configuration check).

mod admin;
mod audit_sealer;
mod backup;
mod bench;
mod bench_stats;
mod cli;
mod database;
mod demo;
mod keys;
mod logging;
mod maintenance;
mod private_files;
mod retention;
mod serve;
mod stats;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // The benchmark prints a table: one log line per timed request would bury it.
    let quiet = matches!(cli.command, cli::Command::Bench(_)).then_some("warn,sqlx=warn");
    logging::init(cli.log_format, cli.log_level.as_deref().or(quiet));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear sentence (with its causes), never a panic trace.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
