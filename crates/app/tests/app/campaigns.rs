//! Story tests of campaigns, trending topics and the planner through the use cases, on SQLite and
//! PostgreSQL: a campaign created, updated, linked to videos and cancelled; refused input changing
//! nothing; the team-role matrix; merchants never seeing each other's campaigns; the planner's
//! proposals around 国庆 and 双11 with a pushed topic; results against the window before, with
//! uplift computed by hand.

use std::sync::Arc;

use crate::support::{PASSWORD, at, ctx_of, user};
use app::campaigns::{CampaignInput, CampaignPatch, Metric};
use app::shops::NewShopInput;
use app::videos::VideoInput;
use app::{App, AppConfig, AppError, Code, Ctx, ManualClock};
use store::campaigns::Engagement;
use test_support::{Backend, TestDb, both_backends};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    owner: Ctx,
    operator: Ctx,
    approver: Ctx,
    finance: Ctx,
    /// The owner of another merchant.
    other: Ctx,
    _data: tempfile::TempDir,
    _db: TestDb,
}

async fn member(app: &App, owner: &Ctx, username: &str, team_role: &str) -> Ctx {
    app.add_team_member(owner, username, PASSWORD, team_role).await.unwrap();
    ctx_of(app, username).await
}

async fn fixture(backend: Backend, start: &str) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at(start)));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let session_clock = Arc::new(ManualClock::new(at(start)));
    let app = App::new(db.open().await, clock.clone(), session_clock, config).await.unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    Fixture {
        service: user(&app, "svc", "service", None).await,
        operator: member(&app, &owner, "m1-operator", "operator").await,
        approver: member(&app, &owner, "m1-approver", "approver").await,
        finance: member(&app, &owner, "m1-finance", "finance").await,
        other: user(&app, "m2", "merchant", Some("二号商家")).await,
        owner,
        app,
        clock,
        _data: data,
        _db: db,
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> Code {
    result.unwrap_err().code
}

fn national_day() -> CampaignInput {
    CampaignInput {
        name: "国庆焕新季".into(),
        goal: "sales".into(),
        starts_on: "2026-10-01".into(),
        ends_on: "2026-10-07".into(),
        budget_fen: 5_000_000,
        tags: vec!["#国庆".into(), "焕新".into()],
    }
}

fn video(title: &str) -> VideoInput {
    VideoInput {
        title: title.into(),
        description: String::new(),
        tags: vec![],
        external_url: Some("https://v.example.com/clip/1".into()),
    }
}

fn counts(views: i64, likes: i64, comments: i64, shares: i64, follows: i64, watch_ms: i64) -> Engagement {
    Engagement { views, likes, comments, shares, follows, watch_ms, completions: 0 }
}

async fn audit_count(app: &App) -> usize {
    let mut conn = app.db().read().await.unwrap();
    store::audit::list(&mut conn, None, 10_000).await.unwrap().len()
}

async fn campaigns_story(backend: Backend) {
    let f = fixture(backend, "2026-09-20T10:00:00+08:00").await;
    let app = &f.app;
    let (service, clock) = (&f.service, &f.clock);
    let account = app.create_enterprise_account(&f.owner, "一号官方", "").await.unwrap();
    let second = app.create_enterprise_account(&f.owner, "一号副号", "").await.unwrap();
    let foreign = app.create_enterprise_account(&f.other, "二号官方", "").await.unwrap();
    let clip = app.create_video(&f.operator, account.id, &video("国庆预告")).await.unwrap();
    let clip2 = app.create_video(&f.operator, account.id, &video("国庆第二集")).await.unwrap();
    let elsewhere = app.create_video(&f.operator, second.id, &video("副号视频")).await.unwrap();
    let foreign_clip = app.create_video(&f.other, foreign.id, &video("二号视频")).await.unwrap();

    // The operator creates a campaign; it is planned until its first day.
    let campaign = app.create_campaign(&f.operator, account.id, &national_day()).await.unwrap();
    assert_eq!(campaign.status.as_str(), "planned");
    assert_eq!(campaign.tags(), ["国庆", "焕新"]);
    assert_eq!((campaign.campaign.budget_fen, campaign.goal.name_zh()), (5_000_000, "带货"));

    // Refused input changes nothing: no campaign, no audit row.
    let audits = audit_count(app).await;
    let refused = |change: fn(&mut CampaignInput)| {
        let mut input = national_day();
        change(&mut input);
        input
    };
    let cases: Vec<(CampaignInput, Code)> = vec![
        (refused(|i| i.goal = "fame".into()), Code::InvalidField),
        (refused(|i| i.name = " ".into()), Code::InvalidField),
        (refused(|i| i.name = "长".repeat(51)), Code::InvalidField),
        (refused(|i| i.budget_fen = -1), Code::InvalidField),
        (refused(|i| i.tags = vec!["two words".into()]), Code::InvalidField),
        (refused(|i| i.starts_on = "2026-13-01".into()), Code::InvalidDate),
        (refused(|i| i.ends_on = "10/07/2026".into()), Code::InvalidDate),
        (refused(|i| i.ends_on = "2026-09-30".into()), Code::InvalidDate),
        (refused(|i| i.ends_on = "2027-10-02".into()), Code::InvalidDate),
        (
            refused(|i| (i.starts_on, i.ends_on) = ("2026-09-01".into(), "2026-09-19".into())),
            Code::InvalidDate,
        ),
    ];
    for (input, expect) in cases {
        assert_eq!(code(app.create_campaign(&f.operator, account.id, &input).await), expect, "{input:?}");
    }
    assert_eq!(code(app.create_campaign(&f.operator, 9_999, &national_day()).await), Code::NotFound);
    assert_eq!(audit_count(app).await, audits);
    assert_eq!(app.campaigns(&f.owner.actor, account.id).await.unwrap().len(), 1);

    // Team roles: approver and finance read but do not write; platform roles write nothing.
    for ctx in [&f.approver, &f.finance] {
        assert_eq!(code(app.create_campaign(ctx, account.id, &national_day()).await), Code::Forbidden);
        assert_eq!(code(app.cancel_campaign(ctx, campaign.campaign.id).await), Code::Forbidden);
        assert_eq!(code(app.link_campaign_video(ctx, campaign.campaign.id, clip.id).await), Code::Forbidden);
        assert_eq!(app.campaign(&ctx.actor, campaign.campaign.id).await.unwrap().campaign.name, "国庆焕新季");
        assert_eq!(app.campaigns(&ctx.actor, account.id).await.unwrap().len(), 1);
        app.campaign_results(&ctx.actor, campaign.campaign.id).await.unwrap();
        app.campaign_suggestions(&ctx.actor, account.id, "2026-09-20", "2026-09-30").await.unwrap();
    }
    assert_eq!(code(app.create_campaign(&f.service, account.id, &national_day()).await), Code::Forbidden);

    // Another merchant hears "not found" for everything of this one.
    let id = campaign.campaign.id;
    let patch = CampaignPatch { budget_fen: Some(1), ..CampaignPatch::default() };
    assert_eq!(code(app.campaign(&f.other.actor, id).await), Code::NotFound);
    assert_eq!(code(app.campaigns(&f.other.actor, account.id).await), Code::NotFound);
    assert_eq!(code(app.create_campaign(&f.other, account.id, &national_day()).await), Code::NotFound);
    assert_eq!(code(app.update_campaign(&f.other, id, &patch).await), Code::NotFound);
    assert_eq!(code(app.link_campaign_video(&f.other, id, foreign_clip.id).await), Code::NotFound);
    assert_eq!(code(app.cancel_campaign(&f.other, id).await), Code::NotFound);
    assert_eq!(code(app.campaign_results(&f.other.actor, id).await), Code::NotFound);
    assert_eq!(
        code(app.campaign_suggestions(&f.other.actor, account.id, "2026-09-20", "2026-09-30").await),
        Code::NotFound
    );
    assert!(app.campaigns(&f.other.actor, foreign.id).await.unwrap().is_empty());

    // Updates (partial), links and unlinks.
    let patch = CampaignPatch {
        budget_fen: Some(8_000_000),
        tags: Some(vec!["国庆".into()]),
        ..CampaignPatch::default()
    };
    let updated = app.update_campaign(&f.operator, id, &patch).await.unwrap();
    assert_eq!((updated.campaign.budget_fen, updated.tags()), (8_000_000, vec!["国庆"]));
    assert_eq!(updated.campaign.name, "国庆焕新季");
    let bad = CampaignPatch { ends_on: Some("2026-09-30".into()), ..CampaignPatch::default() };
    assert_eq!(code(app.update_campaign(&f.operator, id, &bad).await), Code::InvalidDate);
    app.link_campaign_video(&f.operator, id, clip.id).await.unwrap();
    app.link_campaign_video(&f.operator, id, clip2.id).await.unwrap();
    let linked = app.link_campaign_video(&f.owner, id, clip.id).await.unwrap();
    assert_eq!(linked.video_ids, [clip.id, clip2.id]);
    assert_eq!(code(app.link_campaign_video(&f.operator, id, elsewhere.id).await), Code::InvalidField);
    assert_eq!(code(app.link_campaign_video(&f.operator, id, foreign_clip.id).await), Code::NotFound);
    let unlinked = app.unlink_campaign_video(&f.operator, id, clip2.id).await.unwrap();
    assert_eq!(unlinked.video_ids, [clip.id]);
    assert_eq!(code(app.unlink_campaign_video(&f.operator, id, clip2.id).await), Code::NotFound);

    // A second campaign is cancelled; a cancelled campaign changes no more.
    let mut flash = national_day();
    (flash.name, flash.goal, flash.starts_on, flash.ends_on) =
        ("双11 预热".into(), "followers".into(), "2026-11-01".into(), "2026-11-11".into());
    let flash = app.create_campaign(&f.owner, account.id, &flash).await.unwrap();
    let cancelled = app.cancel_campaign(&f.operator, flash.campaign.id).await.unwrap();
    assert_eq!(cancelled.status.as_str(), "cancelled");
    assert_eq!(code(app.cancel_campaign(&f.operator, flash.campaign.id).await), Code::StatusConflict);
    assert_eq!(code(app.update_campaign(&f.operator, flash.campaign.id, &patch).await), Code::StatusConflict);
    let listed: Vec<i64> =
        app.campaigns(&f.owner.actor, account.id).await.unwrap().iter().map(|c| c.campaign.id).collect();
    assert_eq!(listed, [flash.campaign.id, id]);

    // Trending topics: only services push them; bad input is refused.
    let topic = |text: &str, heat: i64, observed: &str| {
        let (text, observed) = (text.to_owned(), observed.to_owned());
        async move { app.push_trending_topic(service, &text, heat, &observed).await }
    };
    topic("秋日穿搭", 500, "2026-09-19T08:00:00+08:00").await.unwrap();
    topic("秋日穿搭", 98_000, "2026-09-20T09:00:00+08:00").await.unwrap();
    topic("露营装备", 40_000, "2026-09-18T09:00:00Z").await.unwrap();
    topic("旧话题", 1_000_000, "2026-09-05T09:00:00+08:00").await.unwrap();
    assert_eq!(code(topic("负热度", -1, "2026-09-20T09:00:00+08:00").await), Code::InvalidField);
    assert_eq!(code(topic("", 1, "2026-09-20T09:00:00+08:00").await), Code::InvalidField);
    assert_eq!(code(topic("时间", 1, "2026-09-20 09:00").await), Code::InvalidField);
    assert_eq!(
        code(app.push_trending_topic(&f.owner, "商家", 1, "2026-09-20T09:00:00+08:00").await),
        Code::Forbidden
    );
    let topics = app.trending_topics(&f.finance.actor, None, None).await.unwrap();
    let names: Vec<(&str, i64)> = topics.iter().map(|t| (t.topic.as_str(), t.heat)).collect();
    assert_eq!(names, [("秋日穿搭", 98_000), ("露营装备", 40_000)]);
    let all = app.trending_topics(&f.owner.actor, Some("2026-09-01"), Some("2026-09-30")).await.unwrap();
    assert_eq!(all[0].topic, "旧话题");
    assert_eq!(code(app.trending_topics(&f.owner.actor, Some("2026-09"), None).await), Code::InvalidDate);

    // The planner: 国庆 (holiday and festival), 中秋, 双11 and the recent topics, hottest first.
    let plan =
        app.campaign_suggestions(&f.approver.actor, account.id, "2026-09-20", "2026-11-30").await.unwrap();
    let got: Vec<(String, String, &str, &str)> = plan
        .suggestions
        .iter()
        .map(|s| (s.starts_on.to_string(), s.ends_on.to_string(), s.source.as_str(), s.name_zh.as_str()))
        .collect();
    let row = |a: &str, b: &str, source: &'static str, name: &'static str| {
        (a.to_owned(), b.to_owned(), source, name)
    };
    assert_eq!(
        got,
        [
            row("2026-09-20", "2026-09-22", "topic", "秋日穿搭"),
            row("2026-09-20", "2026-09-22", "topic", "露营装备"),
            row("2026-09-25", "2026-09-27", "holiday", "中秋节"),
            row("2026-09-25", "2026-09-25", "festival", "中秋"),
            row("2026-10-01", "2026-10-07", "holiday", "国庆节"),
            row("2026-10-01", "2026-10-01", "festival", "国庆"),
            row("2026-11-11", "2026-11-11", "festival", "双11"),
        ]
    );
    let national = &plan.suggestions[4];
    assert_eq!((national.lead_days, national.promote_from.to_string()), (7, "2026-09-24".to_owned()));
    assert!(
        national.reason_zh.starts_with("国庆节法定假期") && national.reason_en.starts_with("National Day")
    );
    assert_eq!(plan.suggestions[0].heat, Some(98_000));
    for (from, to) in [("2026-09-20", "2027-09-22"), ("2026-10-01", "2026-09-30"), ("2026-9-1", "2026-10-01")]
    {
        assert_eq!(
            code(app.campaign_suggestions(&f.owner.actor, account.id, from, to).await),
            Code::InvalidDate,
            "{from}..{to}"
        );
    }

    // Results. Orders: two in the window before, three in the campaign window (one more
    // cancelled, one the day after: neither counts).
    let shop_input = NewShopInput {
        name: "一号小店".into(),
        entity_type: "enterprise".into(),
        entity_name: "一号商贸有限公司".into(),
        category: "apparel".into(),
    };
    let shop = app.create_shop(&f.owner, &shop_input).await.unwrap();
    let product = app.create_product(&f.owner, shop.id, "秋季外套", 15_000).await.unwrap();
    let order_at = |time: &'static str, amount: i64| {
        let (shop, product) = (shop.id, product.id);
        async move {
            clock.set(at(time));
            app.create_order(service, shop, product, "buyer", amount).await.unwrap()
        }
    };
    order_at("2026-09-23T23:59:59+08:00", 99_999).await;
    order_at("2026-09-24T00:00:00+08:00", 10_000).await;
    order_at("2026-09-30T23:59:59+08:00", 20_000).await;
    order_at("2026-10-01T00:00:00+08:00", 15_000).await;
    order_at("2026-10-03T12:00:00+08:00", 15_000).await;
    order_at("2026-10-07T23:59:59+08:00", 15_000).await;
    let cancelled_order = order_at("2026-10-05T12:00:00+08:00", 30_000).await;
    app.cancel_order(&f.service, cancelled_order.id).await.unwrap();
    order_at("2026-10-08T00:00:00+08:00", 77_777).await;

    // Engagement rollups as the event ingest will fill them (the same day added twice adds up).
    let mut tx = app.db().begin().await.unwrap();
    let merchant_id = account.merchant_id;
    for (day, c) in [
        ("2026-09-23", counts(99_999, 9, 9, 9, 9, 9)),
        ("2026-09-24", counts(1_200, 60, 15, 5, 0, 100_000)),
        ("2026-09-30", counts(800, 40, 5, 5, 0, 50_000)),
        ("2026-10-01", counts(2_000, 100, 30, 20, 40, 300_000)),
        ("2026-10-07", counts(250, 5, 5, 0, 5, 0)),
        ("2026-10-07", counts(250, 5, 0, 5, 0, 0)),
        ("2026-10-08", counts(77_777, 7, 7, 7, 7, 7)),
    ] {
        store::campaigns::add_account_day(&mut tx, account.id, merchant_id, day, &c).await.unwrap();
    }
    store::campaigns::add_account_day(
        &mut tx,
        second.id,
        merchant_id,
        "2026-10-02",
        &counts(5_555, 5, 5, 5, 5, 5),
    )
    .await
    .unwrap();
    store::campaigns::add_video_day(
        &mut tx,
        clip.id,
        account.id,
        merchant_id,
        "2026-10-01",
        &counts(2_000, 100, 30, 20, 40, 300_000),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let window = store::campaigns::account_engagement(
        &mut app.db().read().await.unwrap(),
        account.id,
        "2026-10-07",
        "2026-10-07",
    )
    .await
    .unwrap();
    assert_eq!(window, counts(500, 10, 5, 5, 5, 0));

    f.clock.set(at("2026-10-08T09:00:00+08:00"));
    let results = app.campaign_results(&f.finance.actor, id).await.unwrap();
    let metric = |current, before, uplift_bp| Metric { current, before, uplift_bp };
    assert_eq!(
        (results.before_starts_on.to_string(), results.before_ends_on.to_string()),
        ("2026-09-24".into(), "2026-09-30".into())
    );
    assert_eq!(results.views, metric(2_500, 2_000, Some(2_500)));
    // Likes, comments and shares: now 100+30+20 + 10+5+5 = 170; before 60+15+5 + 40+5+5 = 130;
    // 40/130 = 30.77%. No followers before: no uplift.
    assert_eq!(results.engagement, metric(170, 130, Some(3_077)));
    assert_eq!(results.followers, metric(45, 0, None));
    assert_eq!(results.orders, metric(3, 2, Some(5_000)));
    assert_eq!(results.gmv_fen, metric(45_000, 30_000, Some(5_000)));
    assert_eq!(results.watch_ms, metric(300_000, 150_000, Some(10_000)));

    // An ended campaign changes no more.
    assert_eq!(app.campaign(&f.owner.actor, id).await.unwrap().status.as_str(), "ended");
    assert_eq!(code(app.update_campaign(&f.operator, id, &patch).await), Code::StatusConflict);
    assert_eq!(code(app.link_campaign_video(&f.operator, id, clip2.id).await), Code::StatusConflict);
    assert_eq!(code(app.cancel_campaign(&f.operator, id).await), Code::StatusConflict);
}

both_backends!(campaigns_story);
