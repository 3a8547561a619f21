//! Benchmarks that print figures. `xiaodian bench ledger`: top-ups from concurrent clients through
//! the same use case the API calls (`App::top_up`, group-committed by the ledger engine), with
//! durable commits. `xiaodian bench closure`: the closure checks of one shop with a million orders.
//! `xiaodian bench comments`: NDJSON comment batches ingested through `App::ingest_comments`.
//! `xiaodian bench analytics` lives in `bench_analytics.rs`, `xiaodian bench messages` in
//! `bench_messages.rs`.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use app::ledger::IdempotencyClaim;
use app::shops::NewShopInput;
use app::{Actor, App, Ctx};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use store::Db;
use store::operations::{
    self as rows, ActivityRow, BulkAfterSales, BulkConversation, BulkMessage, BulkOrder,
};

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
        /// Also measure the engine's storage limit in the same run, before and after the ledger
        /// (plain SQL transfers through the same pool; see `store::raw_limit`), and print the ratio.
        #[arg(long)]
        raw: bool,
        /// Transfers of each raw measurement.
        #[arg(long, default_value_t = 20_000)]
        raw_transfers: u64,
    },
    /// Latency of the closure checks of one shop with many orders, conversations and after-sales
    /// cases (`App::closure_checks`, what `GET /api/v1/shops/{id}/closure/checks` runs).
    Closure {
        /// Database URL; a fresh temporary SQLite database when absent.
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 1_000_000)]
        orders: u64,
        #[arg(long, default_value_t = 100_000)]
        conversations: u64,
        #[arg(long, default_value_t = 50_000)]
        after_sales: u64,
        /// How many times the checks run.
        #[arg(long, default_value_t = 10_000)]
        iterations: u64,
    },
    /// Comments ingested per second: NDJSON batches through `App::ingest_comments` (what
    /// `POST /api/v1/comments:batch` runs), one transaction per batch.
    Comments {
        /// Database URL; a fresh temporary SQLite database when absent.
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        /// Lines per batch (at most 20,000).
        #[arg(long, default_value_t = 10_000)]
        batch: u64,
        /// Videos of the account the comments are spread over.
        #[arg(long, default_value_t = 20)]
        videos: u64,
        /// Batches in flight at once, as a platform pushing over several connections sends them
        /// (1 to 8; on SQLite the transactions still take turns at the database).
        #[arg(long, default_value_t = 2)]
        senders: u64,
    },
    /// Private messages ingested per second (NDJSON batches through `App::ingest_messages`, what
    /// `POST /api/v1/messages:batch` runs) with the welcome, away and keyword auto-replies on.
    Messages {
        /// Database URL; a fresh temporary SQLite database when absent.
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        /// Lines per batch (at most 20,000).
        #[arg(long, default_value_t = 10_000)]
        batch: u64,
        /// Platform users writing to the account.
        #[arg(long, default_value_t = 100_000)]
        users: u64,
        /// How the messages are spread over the users and the day.
        #[arg(long, value_enum, default_value_t = crate::bench_messages::Pattern::Sessions)]
        pattern: crate::bench_messages::Pattern,
        /// Batches in flight at once, as a platform pushing over several connections sends them
        /// (1 to 8; the transactions still take turns at the database).
        #[arg(long, default_value_t = 2)]
        senders: u64,
    },
    /// Engagement events ingested per second (NDJSON batches through `App::ingest_events`, what
    /// `POST /api/v1/events:batch` runs), then the account dashboard's latency over them.
    Analytics {
        /// Database URL; a fresh temporary SQLite database when absent.
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 10_000_000)]
        count: u64,
        /// Lines per batch (at most 100,000).
        #[arg(long, default_value_t = 20_000)]
        batch: u64,
        /// Published videos of the account the events are spread over.
        #[arg(long, default_value_t = 300)]
        videos: u64,
        /// How many times the dashboard is read.
        #[arg(long, default_value_t = 200)]
        iterations: u64,
    },
}

pub(crate) fn progress(total: u64) -> ProgressBar {
    // indicatif draws only on a terminal; piped output stays quiet.
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

pub async fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Ledger { db, transfers, concurrency, shops, raw, raw_transfers } => {
            let raw = raw.then_some(raw_transfers);
            ledger(db, transfers, concurrency, shops, raw).await
        }
        BenchCommand::Closure { db, orders, conversations, after_sales, iterations } => {
            let sizes = Sizes { orders, conversations, after_sales };
            closure(db, sizes, iterations).await
        }
        BenchCommand::Comments { db, count, batch, videos, senders } => {
            comments(db, count, batch, videos, senders).await
        }
        BenchCommand::Messages { db, count, batch, users, pattern, senders } => {
            let sizes = crate::bench_messages::Sizes { count, batch, users, pattern, senders };
            crate::bench_messages::run(db, sizes).await
        }
        BenchCommand::Analytics { db, count, batch, videos, iterations } => {
            let sizes = crate::bench_analytics::Sizes { count, batch, videos, iterations };
            crate::bench_analytics::run(db, sizes).await
        }
    }
}

/// The app on the given database, or on a fresh SQLite file in `temp`.
pub(crate) async fn open(db: Option<String>, temp: &std::path::Path) -> anyhow::Result<App> {
    let url = db.unwrap_or_else(|| format!("sqlite:{}/bench.db", temp.display()));
    let database = Db::connect(&url).await.with_context(|| format!("cannot open {url}"))?;
    Ok(App::with_system_clock(database).await?)
}

/// A merchant and a service user, named after this process so that runs can share a database.
pub(crate) async fn bench_users(app: &App, suffix: &str) -> anyhow::Result<(Actor, Actor)> {
    let admin = Ctx::system("bench");
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
    Ok((merchant, service))
}

async fn ledger(
    db: Option<String>,
    transfers: u64,
    concurrency: u64,
    shops: u64,
    raw: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let temp = tempfile_dir()?;
    let app = open(db.clone(), &temp).await?;
    let backend = app.db().backend().as_str();
    // PostgreSQL's raw clients each hold a connection, as pgbench's do; SQLite's loop goes through
    // the app's own pool.
    let raw_db = match (raw, app.db().backend(), &db) {
        (Some(_), store::Backend::Postgres, Some(url)) => {
            Some(Db::open_unmigrated(url, concurrency.clamp(2, 90) as u32).await?)
        }
        _ => None,
    };
    let raw_db = raw_db.as_ref().unwrap_or(app.db());
    let raw_before = match raw {
        Some(count) => {
            // The first writes grow the database and WAL files: not part of the limit.
            raw_limit(raw_db, count / 4, concurrency, shops as i64, "warm-up").await?;
            Some(raw_limit(raw_db, count, concurrency, shops as i64, "before").await?)
        }
        None => None,
    };
    let suffix = format!("{}", std::process::id());
    let (merchant, service) = bench_users(&app, &suffix).await?;
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
    let quantile = |q: f64| quantile_of(&latencies, q);
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    match app.verify_ledger().await? {
        app::ledger::LedgerReport::Valid { transfers, .. } => {
            eprintln!("ledger verify: ok ({transfers} transfers)")
        }
        broken => anyhow::bail!("ledger verify failed after the benchmark: {}", broken.problems().join("; ")),
    }
    println!(
        "{backend}: {rate:.0} transfers/s, p50 {:.1} ms, p99 {:.1} ms ({} transfers, {} clients, {:.1} s)",
        quantile(0.50).as_secs_f64() * 1000.0,
        quantile(0.99).as_secs_f64() * 1000.0,
        latencies.len(),
        concurrency,
        elapsed.as_secs_f64()
    );
    if let (Some(count), Some(before)) = (raw, raw_before) {
        let after = raw_limit(raw_db, count, concurrency, shops as i64, "after").await?;
        let limit = (before + after) / 2.0;
        let (what, target) = match app.db().backend() {
            store::Backend::Sqlite => ("the plain durable loop", 0.5),
            store::Backend::Postgres => ("one plain transfer per transaction", 4.0),
        };
        println!(
            "{backend}: ledger / raw = {:.2} ({rate:.0} against {limit:.0}/s, the mean of {before:.0} and {after:.0}: \
             {what}; target >= {target}: {})",
            rate / limit,
            if rate / limit >= target { "pass" } else { "missed" }
        );
    }
    let _ = std::fs::remove_dir_all(&temp);
    Ok(ExitCode::SUCCESS)
}

/// Transfers per commit of the SQLite raw loop.
const RAW_SQLITE_PER_COMMIT: u64 = 64;

/// The storage limit of the engine, in transfers per second, measured through the app's own pool:
/// on SQLite one loop committing `RAW_SQLITE_PER_COMMIT` plain transfers per durable commit (what
/// a single writer can do without any ledger rules); on PostgreSQL `concurrency` clients each
/// committing one plain transfer per transaction between random accounts.
async fn raw_limit(
    db: &Db,
    transfers: u64,
    concurrency: u64,
    accounts: i64,
    tag: &str,
) -> anyhow::Result<f64> {
    let accounts = accounts.max(2);
    {
        let mut tx = db.begin().await?;
        store::raw_limit::setup(&mut tx, db.backend(), accounts).await?;
        tx.commit().await?;
    }
    let started = Instant::now();
    match db.backend() {
        store::Backend::Sqlite => {
            let mut rng = Rng(7);
            let mut done = 0;
            while done < transfers {
                let mut tx = db.begin().await?;
                for _ in 0..RAW_SQLITE_PER_COMMIT.min(transfers - done) {
                    let (debit, credit) = two_accounts(&mut rng, accounts);
                    store::raw_limit::transfer(&mut tx, &format!("raw-{tag}-{done}"), debit, credit, 100)
                        .await?;
                    done += 1;
                }
                tx.commit().await?;
            }
        }
        store::Backend::Postgres => {
            let mut tasks = Vec::new();
            let per_client = transfers / concurrency.max(1);
            for client in 0..concurrency.max(1) {
                let (db, tag) = (db.clone(), tag.to_owned());
                tasks.push(tokio::spawn(async move {
                    let mut rng = Rng(client + 1);
                    for n in 0..per_client {
                        let (debit, credit) = two_accounts(&mut rng, accounts);
                        let mut tx = db.begin().await?;
                        store::raw_limit::transfer(
                            &mut tx,
                            &format!("raw-{tag}-{client}-{n}"),
                            debit,
                            credit,
                            100,
                        )
                        .await?;
                        tx.commit().await?;
                    }
                    Ok::<_, store::StoreError>(())
                }));
            }
            for task in tasks {
                task.await??;
            }
        }
    }
    let elapsed = started.elapsed();
    let mut conn = db.read().await?;
    let (count, sum) = store::raw_limit::summary(&mut conn).await?;
    drop(conn);
    anyhow::ensure!(sum == 0, "the raw transfers changed the sum of balances to {sum}");
    let mut tx = db.begin().await?;
    store::raw_limit::teardown(&mut tx).await?;
    tx.commit().await?;
    let rate = count as f64 / elapsed.as_secs_f64();
    println!(
        "{}: raw limit ({tag}): {rate:.0} transfers/s ({count} transfers, {:.1} s)",
        db.backend().as_str(),
        elapsed.as_secs_f64()
    );
    Ok(rate)
}

/// Two different accounts of `1..=accounts`.
fn two_accounts(rng: &mut Rng, accounts: i64) -> (i64, i64) {
    let debit = 1 + rng.below(accounts);
    let credit = 1 + (debit + rng.below(accounts - 1)) % accounts;
    (debit, credit)
}

/// Sends NDJSON batches `(label, lines, body)` through `send` with at most `senders` in flight, as a
/// platform pushing over several connections does; `done` sees each answer with the time it took.
/// Answers the wall time of the whole run.
pub(crate) async fn send_in_flight<K, O, F, Fut>(
    senders: usize,
    batches: Vec<(K, u64, Vec<u8>)>,
    send: F,
    mut done: impl FnMut(K, u64, Duration, O) -> anyhow::Result<()>,
) -> anyhow::Result<Duration>
where
    K: Send + 'static,
    O: Send + 'static,
    F: Fn(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = app::AppResult<O>> + Send + 'static,
{
    let mut in_flight = tokio::task::JoinSet::new();
    let mut batches = batches.into_iter();
    let started = Instant::now();
    loop {
        while in_flight.len() < senders.max(1) {
            let Some((label, lines, body)) = batches.next() else { break };
            let answer = send(body);
            in_flight.spawn(async move {
                let one = Instant::now();
                let outcome = answer.await;
                (label, lines, one.elapsed(), outcome)
            });
        }
        let Some(joined) = in_flight.join_next().await else { break };
        let (label, lines, elapsed, outcome) = joined?;
        done(label, lines, elapsed, outcome?)?;
    }
    Ok(started.elapsed())
}

pub(crate) fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("xiaodian-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

// ----- bench closure -----

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// The shop's orders spread over its last two years.
const HISTORY_DAYS: i64 = 730;
/// Orders generated and written per transaction (and per step of the progress bar).
const LOAD_BATCH_ROWS: u64 = 10_000;
/// The figure the issue sets for the checks.
const TARGET_P99_MS: f64 = 5.0;

/// How much data the benchmark's shop has.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    orders: u64,
    conversations: u64,
    after_sales: u64,
}

/// A small deterministic generator (SplitMix64): the same sizes always give the same shop.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: i64) -> i64 {
        (self.next() % n.max(1) as u64) as i64
    }
}

/// What the bulk load added to each counter, to compare with the recount.
#[derive(Debug, Default)]
struct Tally {
    orders_unshipped: i64,
    orders_in_transit: i64,
    after_sales_open: i64,
    conversations_unanswered: i64,
    paid_orders: i64,
    gmv_fen: i64,
    last_order_closed_at_ms: Option<i64>,
    messages: u64,
    /// Paid orders and their amount by China month, for `shop_monthly_sales`.
    months: BTreeMap<String, (i64, i64)>,
}

fn china_day(at_ms: i64) -> chrono::NaiveDate {
    app::clock::china_date(chrono::DateTime::from_timestamp_millis(at_ms).unwrap_or_default())
}

/// Order `index` of `count`, created evenly over the history: recent orders are still paid or
/// shipped, older ones completed (95%) or cancelled (5%).
fn order_row(rng: &mut Rng, index: u64, count: u64, now_ms: i64, products: &[i64]) -> BulkOrder {
    let span_ms = HISTORY_DAYS * DAY_MS - HOUR_MS;
    let created = now_ms - HISTORY_DAYS * DAY_MS
        + (i128::from(span_ms) * i128::from(index) / i128::from(count.max(1))) as i64;
    let age_days = (now_ms - created) / DAY_MS;
    let roll = rng.below(1000);
    let status = match age_days {
        0..3 if roll < 300 => "paid",
        0..3 if roll < 600 => "shipped",
        3..15 if roll < 10 => "paid",
        3..15 if roll < 100 => "shipped",
        _ if roll < 950 => "completed",
        _ => "cancelled",
    };
    let shipped = (status == "shipped" || status == "completed")
        .then(|| (created + 4 * HOUR_MS + rng.below(44 * HOUR_MS)).min(now_ms));
    let closed = match (status, shipped) {
        ("completed", Some(shipped)) => Some((shipped + 2 * DAY_MS + rng.below(5 * DAY_MS)).min(now_ms)),
        ("cancelled", _) => Some((created + HOUR_MS + rng.below(23 * HOUR_MS)).min(now_ms)),
        _ => None,
    };
    let settle_at = closed.filter(|_| status == "completed").map(|closed| closed + 7 * DAY_MS);
    BulkOrder {
        product_id: products[rng.below(products.len() as i64) as usize],
        buyer_id: format!("buyer-{}", rng.below(400_000)),
        amount_fen: 990 + rng.below(49_000),
        status,
        created_at_ms: created,
        shipped_at_ms: shipped,
        closed_at_ms: closed,
        settle_on: settle_at.map(|at| china_day(at).to_string()),
        settled_at_ms: settle_at.filter(|at| *at <= now_ms),
    }
}

/// Conversation `index`: one to four messages, buyer and merchant in turn; about 5% end with the
/// buyer, unanswered.
fn conversation_row(rng: &mut Rng, index: u64, now_ms: i64) -> BulkConversation {
    let messages = if rng.below(100) < 5 { 1 + 2 * rng.below(2) } else { 2 + 2 * rng.below(2) };
    let mut at_ms = now_ms - HOUR_MS - rng.below(365 * DAY_MS);
    let texts = ["请问什么时候发货？", "您好，今天下午发出。", "收到了，谢谢！", "不客气，欢迎再来。"];
    let messages = (0..messages as usize)
        .map(|n| {
            at_ms = (at_ms + 60_000 + rng.below(HOUR_MS)).min(now_ms);
            let sender = if n % 2 == 0 { "buyer" } else { "merchant" };
            BulkMessage { sender, text: texts[n].to_owned(), at_ms }
        })
        .collect();
    BulkConversation { buyer_id: format!("buyer-{index}"), messages }
}

/// An after-sales case on a shipped or completed order; about 3% still open (and every case too
/// recent to be resolved yet).
fn after_sales_row(rng: &mut Rng, order_id: i64, shipped_at_ms: i64, now_ms: i64) -> BulkAfterSales {
    let kinds = [("refund", "商品与描述不符"), ("return", "尺码不合适"), ("exchange", "收到的商品有破损")];
    let (kind, reason) = kinds[rng.below(3) as usize];
    let created = (shipped_at_ms + DAY_MS + rng.below(4 * DAY_MS)).min(now_ms);
    let resolved = created + HOUR_MS + rng.below(3 * DAY_MS);
    let resolved = (rng.below(100) >= 3 && resolved <= now_ms).then_some(resolved);
    BulkAfterSales {
        order_id,
        kind,
        reason: reason.to_owned(),
        status: if resolved.is_some() { "resolved" } else { "open" },
        resolution: resolved.map(|_| "已与买家协商处理完毕".to_owned()),
        created_at_ms: created,
        resolved_at_ms: resolved,
    }
}

/// Writes the bulk rows of one shop in transactions of `LOAD_BATCH_ROWS` rows; answers what they
/// add to the counters.
async fn bulk_load(
    app: &App,
    merchant_id: i64,
    shop_id: i64,
    products: &[i64],
    sizes: Sizes,
    bar: &ProgressBar,
) -> anyhow::Result<Tally> {
    let now_ms = app.clock().now_ms();
    let mut rng = Rng(0x5EED_C105_u64);
    let mut tally = Tally::default();
    // Shipped or completed orders, with their shipping time: the ones a buyer can open a case on.
    let mut shipped_orders: Vec<(i64, i64)> = Vec::new();
    let mut start = 0;
    while start < sizes.orders {
        let end = (start + LOAD_BATCH_ROWS).min(sizes.orders);
        let batch: Vec<BulkOrder> =
            (start..end).map(|index| order_row(&mut rng, index, sizes.orders, now_ms, products)).collect();
        let mut tx = app.db().begin().await?;
        let ids = rows::bulk_insert_orders(&mut tx, merchant_id, shop_id, &batch).await?;
        tx.commit().await?;
        for (id, order) in ids.into_iter().zip(&batch) {
            match order.status {
                "paid" => tally.orders_unshipped += 1,
                "shipped" => tally.orders_in_transit += 1,
                _ => {}
            }
            if order.status != "cancelled" {
                tally.paid_orders += 1;
                tally.gmv_fen += order.amount_fen;
                let month = china_day(order.created_at_ms).format("%Y-%m").to_string();
                let entry = tally.months.entry(month).or_default();
                entry.0 += 1;
                entry.1 += order.amount_fen;
            }
            tally.last_order_closed_at_ms = tally.last_order_closed_at_ms.max(order.closed_at_ms);
            if let Some(shipped) = order.shipped_at_ms {
                shipped_orders.push((id, shipped));
            }
        }
        bar.inc(end - start);
        start = end;
    }
    let mut start = 0;
    while start < sizes.conversations {
        let end = (start + LOAD_BATCH_ROWS).min(sizes.conversations);
        let batch: Vec<BulkConversation> =
            (start..end).map(|index| conversation_row(&mut rng, index, now_ms)).collect();
        let mut tx = app.db().begin().await?;
        rows::bulk_insert_conversations(&mut tx, merchant_id, shop_id, &batch).await?;
        tx.commit().await?;
        for conversation in &batch {
            tally.messages += conversation.messages.len() as u64;
            if conversation.messages.last().is_some_and(|m| m.sender == "buyer") {
                tally.conversations_unanswered += 1;
            }
        }
        bar.inc(end - start);
        start = end;
    }
    anyhow::ensure!(
        sizes.after_sales <= shipped_orders.len() as u64,
        "{} after-sales cases need as many shipped or completed orders; there are {}",
        sizes.after_sales,
        shipped_orders.len()
    );
    let mut start = 0;
    while start < sizes.after_sales {
        let end = (start + LOAD_BATCH_ROWS).min(sizes.after_sales);
        let batch: Vec<BulkAfterSales> = (start..end)
            .map(|index| {
                // Spread evenly over the shipped orders, one case per order.
                let pick = (index as usize * shipped_orders.len()) / sizes.after_sales.max(1) as usize;
                let (order_id, shipped_at_ms) = shipped_orders[pick];
                after_sales_row(&mut rng, order_id, shipped_at_ms, now_ms)
            })
            .collect();
        let mut tx = app.db().begin().await?;
        rows::bulk_insert_after_sales(&mut tx, merchant_id, shop_id, &batch).await?;
        tx.commit().await?;
        tally.after_sales_open += batch.iter().filter(|case| case.status == "open").count() as i64;
        bar.inc(end - start);
        start = end;
    }
    let mut tx = app.db().begin().await?;
    for (month, (orders, gmv_fen)) in &tally.months {
        rows::record_sale(&mut tx, merchant_id, shop_id, month, *orders, *gmv_fen).await?;
    }
    tx.commit().await?;
    Ok(tally)
}

/// Activity through the use cases themselves, so the ledger accounts and counters the checks
/// read hold real movements: a deposit top-up, products (a few delisted), one order paid,
/// shipped and completed (its proceeds settling), an after-sales case on it and a buyer's
/// message. Answers the shop's products.
async fn live_activity(
    app: &App,
    merchant: &Ctx,
    service: &Ctx,
    shop_id: i64,
    suffix: &str,
) -> anyhow::Result<Vec<i64>> {
    let key = format!("bench-closure-{suffix}");
    let body = format!("{{\"amount_fen\":500000,\"payment_ref\":\"{key}\"}}");
    let path = format!("/api/v1/shops/{shop_id}/deposit/top-ups");
    let scope = format!("user:{}", service.actor.user_id);
    let claim = IdempotencyClaim::parse(scope, Some(&key), "POST", &path, body.as_bytes())?;
    app.top_up(service, shop_id, 500_000, &key, claim).await?;
    let mut products = Vec::new();
    for index in 0..20 {
        let product =
            app.create_product(merchant, shop_id, &format!("压测商品{index}"), 1_990 + index * 100).await?;
        products.push(product.id);
    }
    for &product in &products[15..] {
        app.delist_product(merchant, product).await?;
    }
    let order = app.create_order(service, shop_id, products[0], "buyer-live", 9_900).await?;
    app.ship_order(merchant, order.id).await?;
    app.complete_order(service, order.id).await?;
    app.open_after_sales(service, order.id, "return", "尺码不合适，申请退货").await?;
    app.buyer_message(service, shop_id, "buyer-live", "请问退货地址是哪里？").await?;
    Ok(products)
}

/// The counters before the bulk load plus what it added: what the recount must find.
fn expected_counters(before: &ActivityRow, tally: &Tally) -> ActivityRow {
    ActivityRow {
        orders_unshipped: before.orders_unshipped + tally.orders_unshipped,
        orders_in_transit: before.orders_in_transit + tally.orders_in_transit,
        after_sales_open: before.after_sales_open + tally.after_sales_open,
        conversations_unanswered: before.conversations_unanswered + tally.conversations_unanswered,
        paid_orders_total: before.paid_orders_total + tally.paid_orders,
        gmv_total_fen: before.gmv_total_fen + tally.gmv_fen,
        last_order_closed_at_ms: before.last_order_closed_at_ms.max(tally.last_order_closed_at_ms),
        ..before.clone()
    }
}

/// The `q` quantile (0 to 1) of sorted durations, by rank; zero for none.
pub(crate) fn quantile_of(sorted: &[Duration], q: f64) -> Duration {
    sorted.get(((sorted.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default()
}

pub(crate) fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

async fn closure(db: Option<String>, sizes: Sizes, iterations: u64) -> anyhow::Result<ExitCode> {
    let temp = tempfile_dir()?;
    let app = open(db, &temp).await?;
    let backend = app.db().backend().as_str();
    let suffix = format!("{}", std::process::id());
    let started = Instant::now();
    let (merchant, service) = bench_users(&app, &suffix).await?;
    let merchant = Ctx { actor: merchant, request_id: "bench".into() };
    let service = Ctx { actor: service, request_id: "bench".into() };
    let input = NewShopInput {
        name: format!("注销压测店{suffix}"),
        entity_type: "enterprise".into(),
        entity_name: format!("注销压测公司{suffix}"),
        category: "other".into(),
    };
    let shop = app.create_shop(&merchant, &input).await?;
    let (merchant_id, shop_id) = (shop.merchant_id, shop.id);
    let products = live_activity(&app, &merchant, &service, shop_id, &suffix).await?;
    let before = rows::activity(&mut *app.db().read().await?, shop_id)
        .await?
        .context("the shop has no activity row")?;

    let bar = progress(sizes.orders + sizes.conversations + sizes.after_sales);
    let loading = Instant::now();
    let tally = bulk_load(&app, merchant_id, shop_id, &products, sizes, &bar).await?;
    let load_time = loading.elapsed();
    bar.finish_and_clear();

    // The counters are what the rows say: recount them (this scans the shop's orders, which the
    // checks never do), compare with what the load wrote, and store them.
    let recounting = Instant::now();
    let mut tx = app.db().begin().await?;
    rows::lock_activity(&mut tx, app.db().backend(), shop_id).await?;
    let recount = rows::recount(&mut tx, shop_id).await?;
    let expected = expected_counters(&before, &tally);
    anyhow::ensure!(recount == expected, "the recount {recount:?} differs from the loaded rows {expected:?}");
    rows::set_activity(&mut tx, &recount).await?;
    tx.commit().await?;
    let recount_time = recounting.elapsed();
    let build_time = started.elapsed();
    println!(
        "{backend}: built {} orders, {} conversations ({} messages), {} after-sales cases in {:.1} s \
         (bulk load {:.1} s, recount {:.1} s)",
        sizes.orders,
        sizes.conversations,
        tally.messages,
        sizes.after_sales,
        build_time.as_secs_f64(),
        load_time.as_secs_f64(),
        recount_time.as_secs_f64()
    );
    println!(
        "counters equal the recount: orders_unshipped {}, orders_in_transit {}, after_sales_open {}, \
         conversations_unanswered {}, paid_orders_total {}",
        recount.orders_unshipped,
        recount.orders_in_transit,
        recount.after_sales_open,
        recount.conversations_unanswered,
        recount.paid_orders_total
    );

    let bar = progress(iterations);
    let first = app.closure_checks(&merchant.actor, shop_id).await?;
    let mut latencies = Vec::with_capacity(iterations as usize);
    for _ in 0..iterations {
        let one = Instant::now();
        let report = app.closure_checks(&merchant.actor, shop_id).await?;
        latencies.push(one.elapsed());
        anyhow::ensure!(report == first, "the checks changed while nothing was written");
        bar.inc(1);
    }
    bar.finish_and_clear();
    latencies.sort_unstable();
    let quantile = |q: f64| quantile_of(&latencies, q);
    let mean = latencies.iter().sum::<Duration>() / latencies.len().max(1) as u32;
    let p99 = ms(quantile(0.99));
    println!(
        "{backend}: closure checks x{}: mean {:.3} ms, p50 {:.3} ms, p99 {p99:.3} ms, max {:.3} ms \
         (target p99 < {TARGET_P99_MS} ms: {})",
        latencies.len(),
        ms(mean),
        ms(quantile(0.50)),
        ms(latencies.last().copied().unwrap_or_default()),
        if p99 < TARGET_P99_MS { "pass" } else { "missed" }
    );
    println!(
        "checks: {}, earliest close on {}",
        if first.blocked { "blocked" } else { "not blocked" },
        first.earliest_close_on
    );
    for check in &first.checks {
        let clears_on = check.clears_on.map(|day| format!(" clears on {day}")).unwrap_or_default();
        println!(
            "  {:<26} {:<7} count {}{clears_on}",
            check.code.as_str(),
            if check.passed { "passed" } else { "failed" },
            check.count
        );
    }
    match app.verify_ledger().await? {
        app::ledger::LedgerReport::Valid { transfers, .. } => {
            eprintln!("ledger verify: ok ({transfers} transfers)")
        }
        broken => anyhow::bail!("ledger verify failed after the benchmark: {}", broken.problems().join("; ")),
    }
    let _ = std::fs::remove_dir_all(&temp);
    Ok(ExitCode::SUCCESS)
}

// ----- bench comments -----

/// The figure the issue sets for comment ingest.
const TARGET_COMMENTS_PER_SECOND: f64 = 50_000.0;
const COMMENT_TEXTS: [&str; 6] = [
    "这件衣服多少钱？",
    "已下单，期待发货！",
    "主播身上那件有 XL 吗",
    "质量怎么样，会起球吗？",
    "Is there free shipping to Hong Kong?",
    "上次买的很好用，回购了",
];

/// One NDJSON batch of `lines` comments numbered from `first`, spread over the videos and the last
/// 30 days; every tenth comment answers the one before it.
fn comment_batch(suffix: &str, first: u64, lines: u64, video_ids: &[i64], now_ms: i64) -> Vec<u8> {
    let mut body = Vec::with_capacity(lines as usize * 200);
    for n in first..first + lines {
        let video_id = video_ids[(n % video_ids.len() as u64) as usize];
        let created_at_ms = now_ms - 30 * DAY_MS + (n as i64 * 7_919) % (30 * DAY_MS);
        let created_at = chrono::DateTime::from_timestamp_millis(created_at_ms)
            .unwrap_or_default()
            .with_timezone(&app::clock::china_offset())
            .to_rfc3339();
        let parent =
            if n % 10 == 9 { format!(",\"parent_id\":\"b{suffix}-{}\"", n - 1) } else { String::new() };
        let line = format!(
            "{{\"video_id\":{video_id},\"comment_id\":\"b{suffix}-{n}\",\"author_id\":\"u{}\",\"text\":\"{} #{n}\",\"created_at\":\"{created_at}\"{parent}}}\n",
            n % 50_000,
            COMMENT_TEXTS[(n % COMMENT_TEXTS.len() as u64) as usize],
        );
        body.extend_from_slice(line.as_bytes());
    }
    body
}

async fn comments(
    db: Option<String>,
    count: u64,
    batch: u64,
    videos: u64,
    senders: u64,
) -> anyhow::Result<ExitCode> {
    let batch = batch.clamp(1, domain::limits::COMMENT_BATCH_LINES_MAX as u64);
    let temp = tempfile_dir()?;
    let app = open(db, &temp).await?;
    let backend = app.db().backend().as_str();
    let suffix = format!("{}", std::process::id());
    let (merchant, service) = bench_users(&app, &suffix).await?;
    let merchant = Ctx { actor: merchant, request_id: "bench".into() };
    let service = Ctx { actor: service, request_id: "bench".into() };
    let account = app.create_enterprise_account(&merchant, &format!("评论压测{suffix}"), "").await?;
    let mut video_ids = Vec::new();
    for index in 0..videos.max(1) {
        let input = app::videos::VideoInput {
            title: format!("评论压测视频{index}"),
            description: String::new(),
            tags: Vec::new(),
            external_url: Some(format!("https://v.example.com/bench/{index}")),
        };
        video_ids.push(app.create_video(&merchant, account.id, &input).await?.id);
    }
    let now_ms = app.clock().now_ms();

    // Every body is written before the clock starts, so the figure is the ingest's alone.
    let bodies: Vec<(u64, u64, Vec<u8>)> = (0..count)
        .step_by(batch as usize)
        .map(|first| {
            let lines = batch.min(count - first);
            (first, lines, comment_batch(&suffix, first, lines, &video_ids, now_ms))
        })
        .collect();
    let bar = progress(count);
    let mut latencies = Vec::new();
    let mut stored = 0_u64;
    let senders = senders.clamp(1, 8) as usize;
    let send = {
        let (app, service) = (app.clone(), service.clone());
        move |body: Vec<u8>| {
            let (app, service) = (app.clone(), service.clone());
            async move { app.ingest_comments(&service, &body).await }
        }
    };
    let ingest_time = send_in_flight(senders, bodies, send, |first, lines, elapsed, outcome| {
        latencies.push(elapsed);
        anyhow::ensure!(
            outcome.rejected_count == 0,
            "the batch at {first} refused lines: {:?}",
            outcome.rejected
        );
        stored += outcome.stored() as u64;
        bar.inc(lines);
        Ok(())
    })
    .await?;
    bar.finish_and_clear();

    // The same first batch again: every line is a duplicate, nothing is stored twice.
    let replay = app
        .ingest_comments(&service, &comment_batch(&suffix, 0, batch.min(count), &video_ids, now_ms))
        .await?;
    anyhow::ensure!(replay.stored() == 0, "a replayed batch stored {} comments again", replay.stored());
    let mut conn = app.db().read().await?;
    let counters = store::comments::counters(&mut conn, account.id).await?;
    let recount = store::comments::recount(&mut conn, account.id).await?;
    drop(conn);
    anyhow::ensure!(counters == recount, "the counters {counters:?} differ from the recount {recount:?}");
    anyhow::ensure!(
        counters.comments as u64 == stored && stored == count,
        "stored {stored} of {count} comments"
    );

    latencies.sort_unstable();
    let quantile = |q: f64| quantile_of(&latencies, q);
    let rate = count as f64 / ingest_time.as_secs_f64();
    println!(
        "{backend}: ingested {count} comments in {:.1} s: {rate:.0} comments/s (batches of {batch} lines, \
         {senders} in flight: p50 {:.1} ms, p99 {:.1} ms; target >= {TARGET_COMMENTS_PER_SECOND:.0}/s: {})",
        ingest_time.as_secs_f64(),
        ms(quantile(0.50)),
        ms(quantile(0.99)),
        if rate >= TARGET_COMMENTS_PER_SECOND { "pass" } else { "missed" }
    );
    println!(
        "counters equal the recount: comments {}, unanswered {}; a replayed batch: {} duplicates, 0 stored",
        counters.comments, counters.unanswered, replay.duplicates
    );
    let _ = std::fs::remove_dir_all(&temp);
    Ok(ExitCode::SUCCESS)
}
