//! The one-shot subcommands: migrate, user, calendar, audit and ledger verify.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, bail};
use app::{App, Ctx};
use chrono::NaiveDate;
use clap::Subcommand;
use store::Db;

use crate::DbArg;

pub async fn open(db: &DbArg) -> anyhow::Result<App> {
    let database =
        Db::connect(&db.db).await.with_context(|| format!("cannot open the database {}", db.db))?;
    let clock = std::sync::Arc::new(app::SystemClock);
    Ok(App::new(database, clock.clone(), clock, db.config()?).await?)
}

pub async fn migrate(db: &DbArg) -> anyhow::Result<ExitCode> {
    open(db).await?;
    println!("migrations applied: {}", db.db);
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
        /// admin, reviewer, merchant or service
        #[arg(long)]
        role: String,
        /// The merchant a merchant user belongs to (created when missing).
        #[arg(long)]
        merchant: Option<String>,
        /// Read the password from standard input (the only way: never from the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

pub async fn user(command: UserCommand) -> anyhow::Result<ExitCode> {
    let UserCommand::Add { db, username, role, merchant, password_stdin: _ } = command;
    let mut password = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']);
    let app = open(&db).await?;
    let id = app.create_user(&Ctx::system("cli"), &username, &role, merchant.as_deref(), password).await?;
    println!("user {username} created (id {id}, role {role})");
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// One day as JSON.
    Day {
        date: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// The date N working days after DATE.
    AddWorkdays {
        date: String,
        days: i64,
        #[command(flatten)]
        db: DbArg,
    },
    /// Every day of a year: date, a tab, 1 for a working day or 0.
    Year {
        year: i32,
        #[command(flatten)]
        db: DbArg,
    },
    /// Load a year's State Council notice (format in the README).
    Import {
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

fn parse_date(text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| format!("{text:?} is not a date YYYY-MM-DD"))
}

pub async fn calendar(command: CalendarCommand) -> anyhow::Result<ExitCode> {
    match command {
        CalendarCommand::Day { date, db } => {
            let date = parse_date(&date)?;
            let app = open(&db).await?;
            // As a JSON value, so that the keys print sorted as they always have.
            println!("{}", serde_json::to_value(api::CalendarDayBody::from(&app.calendar_day(date)))?);
        }
        CalendarCommand::AddWorkdays { date, days, db } => {
            let date = parse_date(&date)?;
            let app = open(&db).await?;
            let result = app.add_workdays(date, days)?;
            println!("{}", result.date.format("%Y-%m-%d"));
        }
        CalendarCommand::Year { year, db } => {
            if !(1900..=2200).contains(&year) {
                bail!("year must be between 1900 and 2200");
            }
            let app = open(&db).await?;
            let mut out = String::with_capacity(366 * 13);
            for day in app.calendar().year_days(year) {
                out.push_str(&format!("{}\t{}\n", day.date.format("%Y-%m-%d"), u8::from(day.workday)));
            }
            print!("{out}");
        }
        CalendarCommand::Import { file, db } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let app = open(&db).await?;
            let year = app.import_calendar_notice(&Ctx::system("cli"), &text).await?;
            println!("calendar {year} imported from {}", file.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exit 1 naming the first bad row.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
}

pub async fn audit(command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { db } = command;
    let app = open(&db).await?;
    Ok(if verify_audit(&app).await? { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Recomputes the audit chain and prints its one line; answers whether it is intact.
pub async fn verify_audit(app: &App) -> anyhow::Result<bool> {
    match app.verify_audit().await? {
        app::audit::ChainReport::Intact { rows } => {
            println!("audit chain intact: {rows} rows");
            Ok(true)
        }
        app::audit::ChainReport::Broken(domain::audit::ChainBreak::HashMismatch { seq }) => {
            println!("audit chain broken at row seq={seq}: its hash does not match its contents");
            Ok(false)
        }
        app::audit::ChainReport::Broken(domain::audit::ChainBreak::Gap { seq, expected_seq }) => {
            println!("audit chain broken at row seq={seq}: expected seq={expected_seq} (rows missing)");
            Ok(false)
        }
        app::audit::ChainReport::HeadMismatch { head_seq, last_seq } => {
            println!(
                "audit chain broken after row seq={last_seq}: the head says seq={head_seq} (rows removed)"
            );
            Ok(false)
        }
    }
}

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Check every ledger invariant and the business invariants of money decisions; exit 1 naming
    /// what is wrong, one line each.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
}

pub async fn ledger(command: LedgerCommand) -> anyhow::Result<ExitCode> {
    let LedgerCommand::Verify { db } = command;
    let app = open(&db).await?;
    Ok(if verify_ledger(&app).await? { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Checks every ledger invariant and prints the one line of the outcome; answers whether it holds.
pub async fn verify_ledger(app: &App) -> anyhow::Result<bool> {
    match app.verify_ledger().await? {
        app::ledger::LedgerReport::Valid { transfers, accounts, keys } => {
            println!(
                "ledger ok: {transfers} transfers, {accounts} accounts, {keys} idempotency keys; balanced, chain intact, holds consistent, business invariants hold"
            );
            Ok(true)
        }
        app::ledger::LedgerReport::Broken(why) => {
            println!("ledger broken: {why}");
            Ok(false)
        }
        app::ledger::LedgerReport::Invariants(problems) => {
            for problem in problems {
                println!("invariant broken: {problem}");
            }
            Ok(false)
        }
    }
}

#[derive(Subcommand)]
pub enum PayoutsCommand {
    /// Compare the payment channel's settlement file with the payouts: one CSV line per
    /// difference (unknown payout, amount differs, paid only in the file or only here, paid
    /// twice); exit 0 when everything matches, 1 when anything differs. The file has the header
    /// `payout_id,channel_ref,amount_fen,status,date` (status paid, failed or returned; date
    /// YYYY-MM-DD), then one payout per line.
    Reconcile {
        /// The settlement file (CSV, at most 16 MiB).
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

/// The largest settlement file read.
const SETTLEMENT_FILE_BYTES_MAX: u64 = 16 * 1024 * 1024;

pub async fn payouts(command: PayoutsCommand) -> anyhow::Result<ExitCode> {
    let PayoutsCommand::Reconcile { file, db } = command;
    let mut text = String::new();
    std::fs::File::open(&file)
        .with_context(|| format!("cannot open {}", file.display()))?
        .take(SETTLEMENT_FILE_BYTES_MAX + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("{} is not UTF-8 text", file.display()))?;
    if text.len() as u64 > SETTLEMENT_FILE_BYTES_MAX {
        bail!("{} is larger than 16 MiB", file.display());
    }
    let lines =
        domain::payouts::parse_settlement(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let app = open(&db).await?;
    let mut conn = app.db().read().await?;
    let report = app::payouts::reconcile_lines(&mut conn, &lines).await?;
    drop(conn);
    println!("payouts reconcile: {} lines, {} differences", report.lines, report.differences.len());
    if report.differences.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", domain::payouts::differences_csv(&report.differences));
    Ok(ExitCode::FAILURE)
}
