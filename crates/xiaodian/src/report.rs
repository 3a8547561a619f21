//! `xiaodian report`: an account's or a shop's month (or the shop's closure-decision report) as a
//! PDF or PNG file, with the same charts the console draws; rendered here, no external service.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use app::Actor;
use chrono::{Datelike, NaiveDate};

use crate::DbArg;

#[derive(clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// The enterprise account to report on.
    #[arg(long, conflicts_with = "shop", required_unless_present = "shop")]
    pub account: Option<i64>,
    /// The shop to report on.
    #[arg(long)]
    pub shop: Option<i64>,
    /// The month, YYYY-MM (China calendar); the current month when absent.
    #[arg(long)]
    pub month: Option<String>,
    /// With --shop: the closure-decision report (the last 12 months) instead of a month.
    #[arg(long, requires = "shop")]
    pub closure: bool,
    /// The file to write; its extension (.pdf or .png) chooses the format.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// The first and last day of a month "YYYY-MM".
fn month_days(text: &str) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .with_context(|| format!("--month {text:?} is not YYYY-MM"))?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next.and_then(|d| d.pred_opt()).context("a month before the year 262143")?;
    Ok((first, last))
}

pub async fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let format = match args.out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase) {
        Some(ext) if ext == "pdf" || ext == "png" => ext,
        _ => anyhow::bail!("--out must end in .pdf or .png"),
    };
    let app = crate::commands::open(&args.db).await?;
    let actor = Actor::system("report");
    let today = app::clock::china_date(app.clock().now());
    let month = args.month.unwrap_or_else(|| today.format("%Y-%m").to_string());
    let (first, last) = month_days(&month)?;
    let period =
        app.analytics_period(Some(&first.to_string()), Some(&last.min(today).max(first).to_string()))?;
    let document = match (args.account, args.shop) {
        (Some(id), _) => {
            let account = app.enterprise_account(&actor, id).await?;
            let analytics = app.account_analytics(&actor, id, period).await?;
            app::reports::account_document(&analytics, &account.nickname)
        }
        (None, Some(id)) if args.closure => {
            app::reports::closure_document(&app.closure_report(&actor, id).await?)
        }
        (None, Some(id)) => {
            let shop = app.shop(&actor, id).await?;
            app::reports::shop_document(&app.shop_analytics(&actor, id, period).await?, &shop.name)
        }
        (None, None) => anyhow::bail!("say --account ID or --shop ID"),
    };
    let bytes =
        tokio::task::spawn_blocking(move || if format == "pdf" { document.pdf() } else { document.png() })
            .await?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("{} ({} bytes)", args.out.display(), bytes.len());
    Ok(ExitCode::SUCCESS)
}
