//! `xiaodian bench analytics`: engagement events ingested per second through
//! `App::ingest_events` (NDJSON batches with idempotency keys, one transaction each), checked
//! against what was sent, then the latency of the account dashboard over all of them.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use app::Ctx;
use domain::analytics::{AgeBand, Gender, PROVINCES, TrafficSource};

use crate::bench::{Rng, bench_users, ms, open, progress, quantile_of, tempfile_dir};

/// The figures the issue sets.
const TARGET_EVENTS_PER_SECOND: f64 = 200_000.0;
const TARGET_DASHBOARD_MS: f64 = 100.0;
const DAY_MS: i64 = 86_400_000;
/// The events cover the last 90 days; the videos were published over the 120 days before now.
const EVENT_DAYS: i64 = 90;
const PUBLISH_DAYS: i64 = 120;

#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub count: u64,
    pub batch: u64,
    pub videos: u64,
    pub iterations: u64,
}

/// What was sent, to compare with the dashboard.
#[derive(Debug, Default)]
struct Sent {
    views: i64,
    likes: i64,
    watch_ms: i64,
}

/// One batch of `lines` events in time order from `first`: each event on a video already
/// published then (recent videos more often), mostly views, with watch time, likes, shares and
/// follows, the audience and sources drawn from fixed skews.
fn event_batch(
    rng: &mut Rng,
    first: u64,
    lines: u64,
    sizes: Sizes,
    videos: &[(i64, i64)],
    now_ms: i64,
    sent: &mut Sent,
) -> String {
    let mut body = String::with_capacity(lines as usize * 170);
    let span = EVENT_DAYS * DAY_MS;
    for n in first..first + lines {
        let at_ms = now_ms - span
            + (i128::from(span) * i128::from(n as i64) / i128::from(sizes.count.max(1) as i64)) as i64;
        let published = videos.partition_point(|(_, published_at)| *published_at <= at_ms).max(1);
        // Skewed to the latest published videos.
        let pick = published
            - 1
            - (rng.below(published as i64) * rng.below(published as i64) / published as i64) as usize;
        let video_id = videos[pick].0;
        let roll = rng.below(100);
        let (kind, extra) = match roll {
            0..=54 => ("view", String::new()),
            55..=74 => {
                let watch = 1_000 + rng.below(40_000);
                sent.watch_ms += watch;
                ("watch", format!(",\"watch_ms\":{watch},\"completed\":{}", rng.below(3) == 0))
            }
            75..=89 => ("like", String::new()),
            90..=96 => ("share", String::new()),
            _ => ("follow", String::new()),
        };
        match kind {
            "view" => sent.views += 1,
            "like" => sent.likes += 1,
            _ => {}
        }
        let at = chrono::DateTime::from_timestamp_millis(at_ms)
            .unwrap_or_default()
            .with_timezone(&app::clock::china_offset())
            .format("%Y-%m-%dT%H:%M:%S%:z");
        let source = TrafficSource::ALL[[0, 0, 0, 1, 2, 3, 4, 5][rng.below(8) as usize]].as_str();
        let age = AgeBand::ALL[rng.below(AgeBand::ALL.len() as i64) as usize].as_str();
        let gender = Gender::ALL[rng.below(3) as usize].as_str();
        let province = PROVINCES[rng.below(PROVINCES.len() as i64) as usize];
        let _ = writeln!(
            body,
            "{{\"video_id\":{video_id},\"kind\":\"{kind}\",\"at\":\"{at}\",\"source\":\"{source}\",\"age\":\"{age}\",\"gender\":\"{gender}\",\"province\":\"{province}\"{extra}}}"
        );
    }
    body
}

pub async fn run(db: Option<String>, sizes: Sizes) -> anyhow::Result<ExitCode> {
    let batch = sizes.batch.clamp(1, domain::limits::EVENT_BATCH_LINES_MAX as u64);
    let temp = tempfile_dir()?;
    let app = open(db, &temp).await?;
    let backend = app.db().backend().as_str();
    let suffix = format!("{}", std::process::id());
    let (merchant, service) = bench_users(&app, &suffix).await?;
    let merchant = Ctx { actor: merchant, request_id: "bench".into() };
    let service = Ctx { actor: service, request_id: "bench".into() };
    let account = app.create_enterprise_account(&merchant, &format!("数据压测{suffix}"), "").await?;
    let now_ms = app.clock().now_ms();
    let mut videos = Vec::new();
    for index in 0..sizes.videos.max(1) {
        let input = app::videos::VideoInput {
            title: format!("数据压测视频{index}"),
            description: String::new(),
            tags: vec![format!("话题{}", index % 12), format!("系列{}", index % 5)],
            external_url: Some(format!("https://v.example.com/analytics/{index}")),
        };
        let id = app.create_video(&merchant, account.id, &input).await?.id;
        let published_at = now_ms - PUBLISH_DAYS * DAY_MS
            + (PUBLISH_DAYS * DAY_MS) * index as i64 / sizes.videos.max(1) as i64;
        let mut tx = app.db().begin().await?;
        store::videos::publish(&mut tx, id, domain::videos::VideoStatus::Draft, "bench", published_at)
            .await?;
        tx.commit().await?;
        videos.push((id, published_at));
    }

    let bar = progress(sizes.count);
    let mut rng = Rng(7);
    let mut sent = Sent::default();
    let mut ingest_time = Duration::ZERO;
    let mut latencies = Vec::new();
    let mut first = 0;
    while first < sizes.count {
        let lines = batch.min(sizes.count - first);
        let body = event_batch(&mut rng, first, lines, sizes, &videos, now_ms, &mut sent);
        let key = format!("bench-{suffix}-{first}");
        let one = Instant::now();
        let outcome = app.ingest_events(&service, body.as_bytes(), Some(&key)).await?;
        let elapsed = one.elapsed();
        ingest_time += elapsed;
        latencies.push(elapsed);
        anyhow::ensure!(
            outcome.rejected_count == 0,
            "the batch at {first} refused lines: {:?}",
            outcome.rejected
        );
        anyhow::ensure!(
            outcome.accepted as u64 == lines,
            "the batch at {first} accepted {} of {lines}",
            outcome.accepted
        );
        // The last batch again under its key: answered from the record, nothing added twice.
        if first + lines >= sizes.count {
            let replay = app.ingest_events(&service, body.as_bytes(), Some(&key)).await?;
            anyhow::ensure!(replay.replayed, "a retried batch was added again");
        }
        bar.inc(lines);
        first += lines;
    }
    bar.finish_and_clear();

    let today = app::clock::china_date(app.clock().now());
    let period = app.analytics_period(
        Some(&(today - chrono::Duration::days(EVENT_DAYS)).format("%Y-%m-%d").to_string()),
        Some(&today.format("%Y-%m-%d").to_string()),
    )?;
    let mut dashboard = Vec::new();
    let mut last = None;
    for _ in 0..sizes.iterations.max(1) {
        let one = Instant::now();
        let analytics = app.account_analytics(&merchant.actor, account.id, period).await?;
        dashboard.push(one.elapsed());
        last = Some(analytics);
    }
    let analytics = last.ok_or_else(|| anyhow::anyhow!("the dashboard never ran"))?;
    anyhow::ensure!(
        analytics.totals.counts.views == sent.views
            && analytics.totals.counts.likes == sent.likes
            && analytics.totals.counts.watch_ms == sent.watch_ms,
        "the dashboard shows {:?}, the events sent were {sent:?}",
        analytics.totals.counts
    );
    let source_views: i64 = analytics.sources.iter().map(|s| s.count).sum();
    anyhow::ensure!(
        source_views == sent.views,
        "the traffic sources count {source_views} views of {}",
        sent.views
    );

    latencies.sort_unstable();
    dashboard.sort_unstable();
    let quantile = quantile_of;
    let rate = sizes.count as f64 / ingest_time.as_secs_f64();
    let p99 = ms(quantile(&dashboard, 0.99));
    println!(
        "{backend}: ingested {} events in {:.1} s: {rate:.0} events/s (batches of {batch} lines: p50 {:.1} ms, \
         p99 {:.1} ms; target >= {TARGET_EVENTS_PER_SECOND:.0}/s: {})",
        sizes.count,
        ingest_time.as_secs_f64(),
        ms(quantile(&latencies, 0.50)),
        ms(quantile(&latencies, 0.99)),
        if rate >= TARGET_EVENTS_PER_SECOND { "pass" } else { "missed" }
    );
    println!(
        "account dashboard over {} days, {} videos, {} events ({} runs): p50 {:.2} ms, p99 {p99:.2} ms, max {:.2} ms \
         (target < {TARGET_DASHBOARD_MS:.0} ms: {})",
        period.days(),
        videos.len(),
        sizes.count,
        dashboard.len(),
        ms(quantile(&dashboard, 0.50)),
        ms(quantile(&dashboard, 1.0)),
        if p99 < TARGET_DASHBOARD_MS { "pass" } else { "missed" }
    );
    println!(
        "the dashboard equals what was sent: views {}, likes {}, watch {} ms; a retried batch was answered from its record",
        sent.views, sent.likes, sent.watch_ms
    );
    let _ = std::fs::remove_dir_all(&temp);
    Ok(ExitCode::SUCCESS)
}
