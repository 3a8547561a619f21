//! `xiaodian bench ledger`: top-ups from concurrent clients through the same use case the API
//! calls (`App::top_up`, group-committed by the ledger engine), with durable commits.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use app::ledger::IdempotencyClaim;
use app::shops::NewShopInput;
use app::{App, Ctx};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use store::Db;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Durable top-ups per second through the ledger engine.
    Ledger {
        /// Database URL; a fresh temporary SQLite database when absent.
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 100_000)]
        transfers: u64,
        #[arg(long, default_value_t = 64)]
        concurrency: u64,
        /// Shops the top-ups are spread over.
        #[arg(long, default_value_t = 1_000)]
        shops: u64,
    },
}

fn progress(total: u64) -> ProgressBar {
    // indicatif draws only on a terminal; piped output stays quiet.
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

pub async fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    let BenchCommand::Ledger { db, transfers, concurrency, shops } = command;
    let temp = tempfile_dir()?;
    let url = db.unwrap_or_else(|| format!("sqlite:{}/bench.db", temp.display()));
    let database = Db::connect(&url).await.with_context(|| format!("cannot open {url}"))?;
    let backend = database.backend().as_str();
    let app = App::with_system_clock(database).await?;
    let admin = Ctx::system("bench");
    let suffix = format!("{}", std::process::id());
    app.create_user(
        &admin,
        &format!("bench-merchant-{suffix}"),
        "merchant",
        Some(&format!("压测商家{suffix}")),
        "bench-password",
    )
    .await?;
    app.create_user(&admin, &format!("bench-service-{suffix}"), "service", None, "bench-password").await?;
    let merchant = app.login(&format!("bench-merchant-{suffix}"), "bench-password", "bench").await?.actor;
    let service = app.login(&format!("bench-service-{suffix}"), "bench-password", "bench").await?.actor;
    let merchant_ctx = Ctx { actor: merchant, request_id: "bench".into() };
    let mut shop_ids = Vec::new();
    for index in 0..shops.max(1) {
        let input = NewShopInput {
            name: format!("压测店{index}"),
            entity_type: "enterprise".into(),
            entity_name: "压测公司".into(),
            category: "other".into(),
        };
        shop_ids.push(app.create_shop(&merchant_ctx, &input).await?.id);
    }
    let shop_ids = Arc::new(shop_ids);
    let bar = progress(transfers);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let per_client = transfers / concurrency.max(1);
    for client in 0..concurrency.max(1) {
        let (app, shop_ids, bar, suffix) = (app.clone(), shop_ids.clone(), bar.clone(), suffix.clone());
        let ctx = Ctx { actor: service.clone(), request_id: format!("bench-{client}") };
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client as usize);
            for n in 0..per_client {
                let shop = shop_ids[((client * per_client + n) % shop_ids.len() as u64) as usize];
                let key = format!("bench-{suffix}-{client}-{n}");
                let body = format!("{{\"amount_fen\":100,\"payment_ref\":\"{key}\"}}");
                let path = format!("/api/v1/shops/{shop}/deposit/top-ups");
                let claim = IdempotencyClaim::parse(
                    format!("user:{}", ctx.actor.user_id),
                    Some(&key),
                    "POST",
                    &path,
                    body.as_bytes(),
                )?;
                let one = Instant::now();
                app.top_up(&ctx, shop, 100, &key, claim).await?;
                latencies.push(one.elapsed());
                bar.inc(1);
            }
            Ok::<_, app::AppError>(latencies)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    latencies.sort_unstable();
    let quantile =
        |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    match app.verify_ledger().await? {
        app::ledger::LedgerReport::Valid { transfers, .. } => {
            eprintln!("ledger verify: ok ({transfers} transfers)")
        }
        app::ledger::LedgerReport::Broken(why) => {
            anyhow::bail!("ledger verify failed after the benchmark: {why}")
        }
    }
    println!(
        "{backend}: {rate:.0} transfers/s, p50 {:.1} ms, p99 {:.1} ms ({} transfers, {} clients, {:.1} s)",
        quantile(0.50).as_secs_f64() * 1000.0,
        quantile(0.99).as_secs_f64() * 1000.0,
        latencies.len(),
        concurrency,
        elapsed.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&temp);
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("xiaodian-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
