//! Story tests of engagement analytics and shop sales analytics through the use cases, on SQLite
//! and PostgreSQL: event batches with every refusal code, idempotent retries, dashboards computed
//! by hand from the events sent; a shop's months, rates and first-response times and the closure
//! report's percentiles among the shops of its category, computed by hand on a small fixture.

use std::sync::Arc;

use crate::support::{at, user};
use app::shops::NewShopInput;
use app::videos::VideoInput;
use app::{App, AppConfig, AppError, Code, Ctx, ManualClock};
use test_support::{Backend, TestDb, both_backends};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    owner: Ctx,
    other: Ctx,
    reviewer: Ctx,
    _data: tempfile::TempDir,
    _db: TestDb,
}

async fn fixture(backend: Backend, start: &str) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at(start)));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let app = App::new(db.open().await, clock.clone(), Arc::new(ManualClock::new(at(start))), config)
        .await
        .unwrap();
    Fixture {
        service: user(&app, "svc", "service", None).await,
        owner: user(&app, "m1", "merchant", Some("一号商家")).await,
        other: user(&app, "m2", "merchant", Some("二号商家")).await,
        reviewer: user(&app, "r1", "reviewer", None).await,
        app,
        clock,
        _data: data,
        _db: db,
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> Code {
    result.unwrap_err().code
}

/// A published video of the account, published at the clock's time.
async fn published(f: &Fixture, account_id: i64, title: &str, tags: &[&str]) -> i64 {
    let input = VideoInput {
        title: title.into(),
        description: String::new(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        external_url: Some("https://v.example.com/clip/1".into()),
    };
    let video = f.app.create_video(&f.owner, account_id, &input).await.unwrap();
    f.app.submit_video(&f.owner, video.id).await.unwrap();
    f.app.approve_video(&f.owner, video.id, "").await.unwrap();
    f.app.publish_video(&f.owner, video.id).await.unwrap().id
}

fn line(video: i64, kind: &str, at: &str, source: &str, extra: &str) -> String {
    format!(
        "{{\"video_id\":{video},\"kind\":\"{kind}\",\"at\":\"{at}\",\"source\":\"{source}\",\"age\":\"24-30\",\"gender\":\"female\",\"province\":\"广东\"{extra}}}"
    )
}

async fn audit_count(app: &App) -> usize {
    let mut conn = app.db().read().await.unwrap();
    store::audit::list(&mut conn, None, 10_000).await.unwrap().len()
}

async fn events_story(backend: Backend) {
    // Monday 2026-03-02 20:00 China time.
    let f = fixture(backend, "2026-03-02T20:00:00+08:00").await;
    let app = &f.app;
    let account = app.create_enterprise_account(&f.owner, "小店科技", "").await.unwrap();
    let evening = published(&f, account.id, "秋冬穿搭", &["穿搭", "秋冬"]).await;
    f.clock.set(at("2026-03-03T09:00:00+08:00"));
    let morning = published(&f, account.id, "开箱", &["开箱"]).await;
    f.clock.set(at("2026-03-16T12:00:00+08:00"));

    // Refused lines, each with its code; the valid ones go on.
    let body = [
        line(evening, "view", "2026-03-15T10:05:00+08:00", "recommend", ""),
        "not json".to_string(),
        line(evening, "poke", "2026-03-15T10:05:00+08:00", "recommend", ""),
        line(evening, "view", "2026-03-17T10:05:00+08:00", "recommend", ""),
        line(evening, "view", "2026-03-15T10:05:00+08:00", "tv", ""),
        line(evening, "watch", "2026-03-15T10:05:00+08:00", "search", ""),
        line(evening, "view", "2026-03-15T10:05:00+08:00", "search", ",\"watch_ms\":5"),
        line(999_999, "view", "2026-03-15T10:05:00+08:00", "search", ""),
        String::new(),
        line(evening, "view", "2026-03-15T10:05:00+08:00", "search", "").replace("广东", "火星"),
        line(evening, "view", "2026-03-15T10:05:00+08:00", "search", "").replace("24-30", "teen"),
        line(evening, "view", "2026-03-15T10:05:00+08:00", "search", "").replace("female", "f"),
    ]
    .join("\n");
    let outcome = app.ingest_events(&f.service, body.as_bytes(), None).await.unwrap();
    assert_eq!((outcome.lines, outcome.accepted, outcome.rejected_count), (11, 1, 10));
    let codes: Vec<(usize, &str)> = outcome.rejected.iter().map(|r| (r.line, r.code.as_str())).collect();
    assert_eq!(
        codes,
        [
            (2, "malformed_line"),
            (3, "invalid_kind"),
            (4, "invalid_time"),
            (5, "invalid_source"),
            (6, "invalid_watch_time"),
            (7, "invalid_watch_time"),
            (8, "unknown_video"),
            (10, "invalid_province"),
            (11, "invalid_age"),
            (12, "invalid_gender"),
        ]
    );

    // Only the platform sends events; a merchant's batch changes nothing.
    assert_eq!(code(app.ingest_events(&f.owner, body.as_bytes(), None).await), Code::Forbidden);

    // Two weeks of events: the week before (2026-03-02..08) and the last week (03-09..15).
    let mut lines = Vec::new();
    for (day, views) in [("2026-03-04", 4), ("2026-03-10", 6), ("2026-03-15", 3)] {
        for n in 0..views {
            let source = if n % 3 == 0 { "search" } else { "recommend" };
            lines.push(line(evening, "view", &format!("{day}T21:1{n}:00+08:00"), source, ""));
        }
        lines.push(line(evening, "like", &format!("{day}T21:30:00+08:00"), "recommend", ""));
        lines.push(line(
            evening,
            "watch",
            &format!("{day}T21:31:00+08:00"),
            "recommend",
            ",\"watch_ms\":30000,\"completed\":true",
        ));
        lines.push(line(morning, "view", &format!("{day}T09:30:00+08:00"), "follow", ""));
        lines.push(line(morning, "follow", &format!("{day}T09:31:00+08:00"), "follow", ""));
    }
    let body = lines.join("\n");
    let before = audit_count(app).await;
    let first = app.ingest_events(&f.service, body.as_bytes(), Some("batch-1")).await.unwrap();
    assert_eq!((first.accepted, first.rejected_count, first.replayed), (lines.len(), 0, false));
    assert_eq!(audit_count(app).await, before + 1);
    // A retry under the same key answers the same and adds nothing; another body is refused.
    let again = app.ingest_events(&f.service, body.as_bytes(), Some("batch-1")).await.unwrap();
    assert!(again.replayed);
    assert_eq!((again.lines, again.accepted), (first.lines, first.accepted));
    assert_eq!(code(app.ingest_events(&f.service, b"{}", Some("batch-1")).await), Code::IdempotencyKeyReused);

    let period = app.analytics_period(Some("2026-03-01"), Some("2026-03-15")).unwrap();
    let a = app.account_analytics(&f.owner.actor, account.id, period).await.unwrap();
    // Views: 1 (first batch) + 13 on the evening video + 3 on the morning one.
    assert_eq!(a.totals.counts.views, 17);
    assert_eq!(a.totals.counts.likes, 3);
    assert_eq!(a.totals.counts.follows, 3);
    assert_eq!(a.totals.counts.watch_ms, 90_000);
    assert_eq!(a.totals.counts.completions, 3);
    assert_eq!(a.totals.completion_rate_bp, Some(1765)); // 3 / 17
    assert_eq!(a.totals.average_watch_ms, Some(5294)); // 90000 / 17
    assert_eq!(a.totals.engagement_rate_bp, Some(1765)); // 3 likes / 17
    assert_eq!(a.days.len(), 15);
    assert_eq!(a.days.iter().find(|(d, _)| d.to_string() == "2026-03-10").unwrap().1.views, 7);
    // Sources: search 2 + 2 + 1 (n = 0 and 3 of each day), recommend the rest of the evening
    // video's 13 and the first batch's view, follow the morning video's 3.
    let sources: Vec<(&str, i64)> = a.sources.iter().map(|s| (s.key.as_str(), s.count)).collect();
    assert_eq!(sources, [("recommend", 9), ("search", 5), ("follow", 3)]);
    assert_eq!(a.audience.gender[0].key, "female");
    assert_eq!(a.audience.gender[0].share_bp, 10_000);
    assert_eq!(a.audience.province[0].key, "广东");
    // Published at 20:00 Monday (14 views) and 09:00 Tuesday (3 views).
    assert_eq!(a.best_hour.as_deref(), Some("20"));
    assert_eq!(a.best_weekday.as_deref(), Some("1"));
    let tags: Vec<(&str, i64)> = a.tags.iter().map(|t| (t.key.as_str(), t.views)).collect();
    assert_eq!(tags, [("秋冬", 14), ("穿搭", 14), ("开箱", 3)]);
    assert_eq!(a.top_videos[0].video_id, evening);
    // Week over week: 03-09..15 has 6 + 3 + 1 + 1 + 1 (first batch, 03-15) = 12 views against 4 + 1 = 5.
    assert_eq!(a.week_over_week.views.current, 12);
    assert_eq!(a.week_over_week.views.before, 5);
    assert_eq!(a.week_over_week.views.uplift_bp, Some(14_000));

    // The video's dashboard over a short period has every hour.
    let short = app.analytics_period(Some("2026-03-10"), Some("2026-03-10")).unwrap();
    let v = app.video_analytics(&f.owner.actor, evening, short).await.unwrap();
    let hours = v.hours.as_ref().unwrap();
    assert_eq!(hours.len(), 24);
    assert_eq!(hours[21].1.views, 6);
    assert_eq!(v.totals.counts.views, 6);
    assert!(app.video_analytics(&f.owner.actor, evening, period).await.unwrap().hours.is_none());

    // Reviewers read; another merchant hears "not found"; a bad period is refused.
    assert!(app.account_analytics(&f.reviewer.actor, account.id, period).await.is_ok());
    assert_eq!(code(app.account_analytics(&f.other.actor, account.id, period).await), Code::NotFound);
    assert_eq!(code(app.video_analytics(&f.other.actor, evening, period).await), Code::NotFound);
    assert_eq!(code(app.analytics_period(Some("2026-03-15"), Some("2026-03-01"))), Code::InvalidDate);
    assert_eq!(code(app.analytics_period(Some("2025-01-01"), Some("2026-03-01"))), Code::InvalidDate);
    assert_eq!(code(app.analytics_period(Some("03/01/2026"), None)), Code::InvalidDate);
}

both_backends!(events_story);

async fn too_many_lines_change_nothing(backend: Backend) {
    let f = fixture(backend, "2026-03-02T20:00:00+08:00").await;
    let body = "{}\n".repeat(domain::limits::EVENT_BATCH_LINES_MAX + 1);
    let before = audit_count(&f.app).await;
    assert_eq!(code(f.app.ingest_events(&f.service, body.as_bytes(), None).await), Code::EventBatchTooLarge);
    assert_eq!(audit_count(&f.app).await, before);
}

both_backends!(too_many_lines_change_nothing);

async fn shop_of(f: &Fixture, ctx: &Ctx, name: &str) -> (i64, i64) {
    let input = NewShopInput {
        name: name.into(),
        entity_type: "enterprise".into(),
        entity_name: format!("{name}有限公司"),
        category: "apparel".into(),
    };
    let shop = f.app.create_shop(ctx, &input).await.unwrap();
    let product = f.app.create_product(ctx, shop.id, "羊毛大衣", 10_000).await.unwrap();
    (shop.id, product.id)
}

async fn orders(f: &Fixture, shop: (i64, i64), amounts: &[i64]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (n, amount) in amounts.iter().enumerate() {
        ids.push(f.app.create_order(&f.service, shop.0, shop.1, &format!("b{n}"), *amount).await.unwrap().id);
    }
    ids
}

async fn sales_and_closure_report(backend: Backend) {
    let f = fixture(backend, "2026-01-10T10:00:00+08:00").await;
    let app = &f.app;
    let shop = shop_of(&f, &f.owner, "一号店").await;
    // Peers of the category with known GMV over the report's months: ¥0, ¥100, ¥500.
    let quiet = shop_of(&f, &f.other, "静店").await;
    let small = shop_of(&f, &f.other, "小店").await;
    let big = shop_of(&f, &f.other, "大店").await;
    orders(&f, small, &[10_000]).await;
    orders(&f, big, &[20_000, 30_000]).await;
    let _ = quiet;

    // January: three orders (¥100, ¥200, ¥300), one cancelled, one refunded, one complaint.
    let january = orders(&f, shop, &[10_000, 20_000, 30_000]).await;
    app.cancel_order(&f.service, january[0]).await.unwrap();
    app.ship_order(&f.owner, january[1]).await.unwrap();
    app.open_after_sales(&f.service, january[1], "refund", "尺码不合适").await.unwrap();
    app.open_complaint(&f.service, shop.0, "b9", "发货太慢").await.unwrap();
    // A buyer writes at 10:00 and 10:05, the shop answers at 10:30; another waits.
    let conversation = app.buyer_message(&f.service, shop.0, "b1", "在吗").await.unwrap().conversation_id;
    f.clock.set(at("2026-01-10T10:05:00+08:00"));
    app.buyer_message(&f.service, shop.0, "b1", "请问有货吗").await.unwrap();
    f.clock.set(at("2026-01-10T10:30:00+08:00"));
    app.reply(&f.owner, conversation, "有货").await.unwrap();
    f.clock.set(at("2026-01-11T10:00:00+08:00"));
    let second = app.buyer_message(&f.service, shop.0, "b2", "能便宜吗").await.unwrap().conversation_id;
    f.clock.set(at("2026-01-11T10:10:00+08:00"));
    app.reply(&f.owner, second, "已是最低价").await.unwrap();
    app.buyer_message(&f.service, shop.0, "b3", "还在吗").await.unwrap();

    // March: two orders of ¥50 and an exchange (after-sales, not a refund).
    f.clock.set(at("2026-03-05T10:00:00+08:00"));
    let march = orders(&f, shop, &[5_000, 5_000]).await;
    app.ship_order(&f.owner, march[0]).await.unwrap();
    app.open_after_sales(&f.service, march[0], "exchange", "换色").await.unwrap();
    f.clock.set(at("2026-03-20T10:00:00+08:00"));

    let period = app.analytics_period(Some("2026-01-01"), Some("2026-03-31")).unwrap();
    let s = app.shop_analytics(&f.owner.actor, shop.0, period).await.unwrap();
    let months: Vec<(&str, i64, i64, i64)> =
        s.months.iter().map(|(m, x)| (m.as_str(), x.orders, x.gmv_fen, x.cancelled)).collect();
    assert_eq!(months, [("2026-01", 2, 50_000, 1), ("2026-02", 0, 0, 0), ("2026-03", 2, 10_000, 0)]);
    assert_eq!(s.totals.orders, 4);
    assert_eq!(s.totals.gmv_fen, 60_000);
    assert_eq!(s.totals.average_order_fen(), Some(15_000));
    assert_eq!(s.totals.refunds, 1);
    assert_eq!(s.totals.refund_rate_bp(), Some(2500));
    assert_eq!(s.totals.after_sales_rate_bp(), Some(5000));
    assert_eq!(s.totals.complaint_rate_bp(), Some(2500));
    assert_eq!(s.days.len(), 90);
    // 30 minutes and 10 minutes: median (nearest rank) 10 min, p90 30 min.
    assert_eq!(s.first_response.count, 2);
    assert_eq!(s.first_response.median_ms, Some(600_000));
    assert_eq!(s.first_response.p90_ms, Some(1_800_000));

    // The report covers 2025-04..2026-03.
    let r = app.closure_report(&f.owner.actor, shop.0).await.unwrap();
    assert_eq!(r.months.len(), 12);
    assert_eq!(r.months[0].0, "2025-04");
    assert_eq!(r.months[9].1.gmv_fen, 50_000);
    assert_eq!(r.totals.gmv_fen, 60_000);
    // GMV among ¥0, ¥100, ¥500 and ¥600 (this shop): 3 below, itself counting half: 3.5 / 4.
    assert_eq!(r.peers.shops, 4);
    assert_eq!(r.peers.gmv_fen.percentile_bp, Some(8750));
    assert_eq!(r.peers.gmv_fen.median, Some(10_000));
    // Refund rate 25% among the shops with orders (0%, 0%, 25%): 2.5 / 3.
    assert_eq!(r.peers.refund_rate_bp.unwrap().percentile_bp, Some(8333));
    assert!(r.summary_zh.contains("GMV "), "{}", r.summary_zh);
    assert_eq!(code(app.closure_report(&f.other.actor, shop.0).await), Code::NotFound);
    assert_eq!(code(app.shop_analytics(&f.other.actor, shop.0, period).await), Code::NotFound);
}

both_backends!(sales_and_closure_report);
