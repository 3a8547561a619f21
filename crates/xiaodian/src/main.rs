//! The `xiaodian` binary: command-line parsing, configuration and wiring of the crates.

mod backup;
mod bench;
mod bench_analytics;
mod bench_messages;
mod check;
mod commands;
mod http;
mod logging;
mod report;
mod sentiment;
mod serve;

use clap::{Parser, Subcommand};

/// Default embedded database, relative to the working directory.
pub const DEFAULT_DB: &str = "./xiaodian-data/xiaodian.db";
pub const DEFAULT_DATA_DIR: &str = "./xiaodian-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Parser)]
#[command(name = "xiaodian", version, about = "小店后台 · Xiaodian back office")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log lines as `text` (coloured on a terminal) or `json` (one object a line).
    #[arg(long, global = true, env = "XIAODIAN_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: logging::LogFormat,
}

#[derive(clap::Args, Clone)]
pub struct DbArg {
    /// Database URL: a SQLite path (sqlite:PATH) or postgres://...
    #[arg(long, env = "XIAODIAN_DB", default_value = DEFAULT_DB)]
    pub db: String,
    /// Directory for verification documents and the secret key file `secret.key`.
    #[arg(long, env = "XIAODIAN_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: std::path::PathBuf,
}

impl DbArg {
    /// The app settings for this invocation: defaults, the data directory, and the secret key
    /// from `XIAODIAN_SECRET_KEY` when set (checked here so a bad key stops the start).
    pub fn config(&self) -> anyhow::Result<app::AppConfig> {
        let secret_key_hex = match std::env::var("XIAODIAN_SECRET_KEY") {
            Ok(text) if !text.trim().is_empty() => {
                if app::secrets::SecretKey::from_hex(&text).is_none() {
                    anyhow::bail!("XIAODIAN_SECRET_KEY must be 64 hex characters (32 bytes)");
                }
                Some(text.trim().to_owned())
            }
            _ => None,
        };
        Ok(app::AppConfig { data_dir: self.data_dir.clone(), secret_key_hex, ..app::AppConfig::default() })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the console.
    Serve(Box<serve::ServeArgs>),
    /// Create the database if needed and apply pending migrations.
    Migrate(DbArg),
    /// A consistent copy of the database taken while `serve` runs, with a manifest of the files.
    Backup(backup::BackupArgs),
    /// Restore a backup into a database, then verify the ledger and the audit chain.
    Restore(backup::RestoreArgs),
    /// Manage users.
    #[command(subcommand)]
    User(commands::UserCommand),
    /// The working-day calendar.
    #[command(subcommand)]
    Calendar(commands::CalendarCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(commands::AuditCommand),
    /// The deposit ledger.
    #[command(subcommand)]
    Ledger(commands::LedgerCommand),
    /// Payouts: reconcile the payment channel's settlement file.
    #[command(subcommand)]
    Payouts(commands::PayoutsCommand),
    /// Validate identifiers (USCC, resident ID number) for operators and scripts.
    #[command(subcommand)]
    Check(check::CheckCommand),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// An account's or a shop's month, or a shop's closure-decision report, as a PDF or PNG file.
    Report(report::ReportArgs),
    /// Sentiment of comments: classify, train the model, evaluate it.
    #[command(subcommand)]
    Sentiment(sentiment::SentimentCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    logging::set_format(cli.log_format);
    let command = match cli.command {
        Command::Check(command) => return check::run(command),
        Command::Sentiment(command) => return sentiment::run(command),
        command => command,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match command {
            Command::Serve(args) => serve::run(*args).await,
            Command::Migrate(db) => commands::migrate(&db).await,
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
            Command::User(command) => commands::user(command).await,
            Command::Calendar(command) => commands::calendar(command).await,
            Command::Audit(command) => commands::audit(command).await,
            Command::Ledger(command) => commands::ledger(command).await,
            Command::Payouts(command) => commands::payouts(command).await,
            Command::Bench(command) => bench::run(command).await,
            Command::Report(args) => report::run(args).await,
            Command::Check(_) | Command::Sentiment(_) => Ok(std::process::ExitCode::SUCCESS),
        }
    });
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            exit_code_of(&error)
        }
    }
}

/// Exit code of a database migrated by a newer version (scripts and orchestrators tell it apart).
pub const EXIT_SCHEMA_NEWER: u8 = 3;

/// `EXIT_SCHEMA_NEWER` for a database newer than this binary, 1 for every other failure.
fn exit_code_of(error: &anyhow::Error) -> std::process::ExitCode {
    let newer = error.chain().any(|cause| {
        matches!(cause.downcast_ref::<store::StoreError>(), Some(store::StoreError::SchemaNewer { .. }))
    });
    if newer { std::process::ExitCode::from(EXIT_SCHEMA_NEWER) } else { std::process::ExitCode::FAILURE }
}

/// Logs go to standard error in the format of `--log-format`; `RUST_LOG` overrides the default level.
pub fn init_logging() {
    logging::init();
}
