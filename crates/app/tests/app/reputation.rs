//! Story tests of reputation monitoring through the use cases, on SQLite and PostgreSQL, with the
//! manual clock: a normal day opens no incident; a burst of negative comments opens one at the
//! right level and deadline, a bigger burst raises it and brings the deadline forward, the
//! deadline job flags it overdue (the cancelled job of the old deadline does nothing), replies are
//! linked, resolving closes it and late comments of the same hour open nothing; the keyword watch
//! list opens a keyword incident; settings and their bounds; rights; and a reviewer turning an
//! incident into a violation. After every story the hourly rollup equals its recount.

use std::sync::Arc;

use crate::support::{PASSWORD, at, ctx_of, user};
use app::ledger::IdempotencyClaim;
use app::reputation::{IncidentFilter, IncidentRow};
use app::shops::NewShopInput;
use app::videos::{VideoInput, VideoRow};
use app::violations::NewViolationInput;
use app::{App, AppConfig, AppError, Code, Ctx, ManualClock};
use chrono::{DateTime, Duration, Utc};
use domain::reputation::{HOUR_MS, ReputationSettings};
use store::verification::AccountRow;
use test_support::{Backend, TestDb, both_backends};

const NEGATIVE: &str = "质量太差了，做工粗糙，退货！";
const POSITIVE: &str = "非常好用，物流很快，好评";

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    admin: Ctx,
    reviewer: Ctx,
    owner: Ctx,
    operator: Ctx,
    approver: Ctx,
    other: Ctx,
    account: AccountRow,
    video: VideoRow,
    _data: tempfile::TempDir,
    _db: TestDb,
}

async fn member(app: &App, owner: &Ctx, username: &str, team_role: &str) -> Ctx {
    app.add_team_member(owner, username, PASSWORD, team_role).await.unwrap();
    ctx_of(app, username).await
}

async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let start = at("2026-03-02T10:30:00+08:00");
    let clock = Arc::new(ManualClock::new(start));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let app =
        App::new(db.open().await, clock.clone(), Arc::new(ManualClock::new(start)), config).await.unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    let account = app.create_enterprise_account(&owner, "一号企业号", "").await.unwrap();
    let input = VideoInput {
        title: "春节上新".into(),
        description: "新品上市".into(),
        tags: vec!["春节".into()],
        external_url: Some("https://v.example.com/clip/1".into()),
    };
    let video = app.create_video(&owner, account.id, &input).await.unwrap();
    app.submit_video(&owner, video.id).await.unwrap();
    app.approve_video(&owner, video.id, "").await.unwrap();
    let video = app.publish_video(&owner, video.id).await.unwrap();
    Fixture {
        service: user(&app, "svc", "service", None).await,
        admin: user(&app, "boss", "admin", None).await,
        reviewer: user(&app, "rev", "reviewer", None).await,
        operator: member(&app, &owner, "m1-operator", "operator").await,
        approver: member(&app, &owner, "m1-approver", "approver").await,
        other: user(&app, "m2", "merchant", Some("二号商家")).await,
        owner,
        account,
        video,
        app,
        clock,
        _data: data,
        _db: db,
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> Code {
    result.unwrap_err().code
}

/// NDJSON lines: `count` comments with this text at `created_at`, ids `prefix-N`.
fn lines(f: &Fixture, prefix: &str, count: usize, text: &str, created_at: DateTime<Utc>) -> Vec<String> {
    (0..count)
        .map(|n| {
            format!(
                "{{\"video_id\":{},\"comment_id\":\"{prefix}-{n}\",\"author_id\":\"u-{prefix}-{n}\",\"text\":\"{text}\",\"created_at\":\"{}\"}}",
                f.video.id,
                (created_at + Duration::seconds(n as i64)).to_rfc3339()
            )
        })
        .collect()
}

async fn ingest(f: &Fixture, lines: &[String]) {
    let outcome = f.app.ingest_comments(&f.service, lines.join("\n").as_bytes()).await.unwrap();
    assert_eq!(outcome.rejected_count, 0);
}

async fn open_incidents(f: &Fixture) -> Vec<IncidentRow> {
    f.app.incidents(&f.owner.actor, f.account.id, IncidentFilter::Open, None, None).await.unwrap().items
}

async fn all_incidents(f: &Fixture) -> Vec<IncidentRow> {
    f.app.incidents(&f.owner.actor, f.account.id, IncidentFilter::All, None, None).await.unwrap().items
}

async fn notices(f: &Fixture, ctx: &Ctx, kind: &str) -> Vec<app::notifications::NotificationRow> {
    let page = f.app.notifications(&ctx.actor, false, None, None).await.unwrap();
    page.items.into_iter().filter(|n| n.kind == kind).collect()
}

/// The rollup equals the hours counted again from the comments.
async fn rollup_matches(f: &Fixture) {
    let mut conn = f.app.db().read().await.unwrap();
    let stored = store::reputation::hours_between(&mut conn, f.account.id, 0, i64::MAX / 2).await.unwrap();
    let recount = store::reputation::recount_hours(&mut conn, f.account.id, 0.5).await.unwrap();
    assert_eq!(stored, recount, "the hourly rollup equals its recount");
}

async fn audit_actions(f: &Fixture, prefix: &str) -> Vec<(String, String)> {
    let mut conn = f.app.db().read().await.unwrap();
    let rows = store::audit::list(&mut conn, None, 1_000).await.unwrap();
    let mut found: Vec<(String, String)> =
        rows.into_iter().filter(|r| r.action.starts_with(prefix)).map(|r| (r.action, r.detail)).collect();
    found.reverse();
    found
}

/// A normal day: 24 hours of 100 comments, 12 of them negative (12 %), ending at 10:00.
async fn normal_day(f: &Fixture) {
    let mut all = Vec::new();
    for hour in 0..24 {
        let start = at("2026-03-01T10:00:00+08:00") + Duration::hours(hour);
        all.extend(lines(f, &format!("d{hour}n"), 12, NEGATIVE, start));
        all.extend(lines(f, &format!("d{hour}p"), 88, POSITIVE, start + Duration::minutes(5)));
    }
    ingest(f, &all).await;
    let mut conn = f.app.db().read().await.unwrap();
    let sample = store::comments::find_by_external_id(&mut conn, "d0n-0").await.unwrap().unwrap();
    assert_eq!(sample.sentiment.as_deref(), Some("negative"));
    let sample = store::comments::find_by_external_id(&mut conn, "d0p-0").await.unwrap().unwrap();
    assert_eq!(sample.sentiment.as_deref(), Some("positive"));
}

both_backends!(a_burst_opens_an_incident_that_is_raised_flagged_and_resolved);
both_backends!(keywords_settings_and_the_series, a_reviewer_turns_an_incident_into_a_violation);

async fn a_burst_opens_an_incident_that_is_raised_flagged_and_resolved(backend: Backend) {
    let f = fixture(backend).await;
    normal_day(&f).await;
    assert!(all_incidents(&f).await.is_empty(), "a normal day opens no incident");
    rollup_matches(&f).await;

    // 10:30: 40 negative and 10 positive comments since 10:00 (80 %, 6.7 times the usual 12 %):
    // yellow, to answer within 2 hours.
    let mut burst = lines(&f, "b1n", 40, NEGATIVE, at("2026-03-02T10:05:00+08:00"));
    burst.extend(lines(&f, "b1p", 10, POSITIVE, at("2026-03-02T10:10:00+08:00")));
    ingest(&f, &burst).await;
    let open = open_incidents(&f).await;
    assert_eq!(open.len(), 1);
    let incident = &open[0];
    assert_eq!(
        (incident.kind.as_str(), incident.level.as_str(), incident.status.as_str()),
        ("spike", "yellow", "open")
    );
    assert_eq!(incident.deadline_at_ms, at("2026-03-02T12:30:00+08:00").timestamp_millis());
    assert_eq!((incident.hour_comments, incident.hour_negative), (50, 40));
    assert!((incident.baseline_rate - 0.12).abs() < 1e-9, "{}", incident.baseline_rate);
    let view = f.app.incident_view(&f.operator.actor, incident.id).await.unwrap();
    assert_eq!(view.comments.len(), 40, "the hour's negative comments are linked");
    assert!(view.comments.iter().all(|c| c.sentiment.as_deref() == Some("negative")));
    let sent = notices(&f, &f.operator, "reputation.incident").await;
    assert_eq!(sent.len(), 1, "the operator, who replies, is told");
    assert_eq!(sent[0].link, format!("/console/incidents/{}", incident.id));
    assert!(notices(&f, &f.approver, "reputation.incident").await.is_empty());

    // 10:45: 80 more negative comments in the same hour: orange, the deadline brought forward
    // from 12:30 to 11:45; still one incident.
    f.clock.set(at("2026-03-02T10:45:00+08:00"));
    ingest(&f, &lines(&f, "b2n", 80, NEGATIVE, at("2026-03-02T10:40:00+08:00"))).await;
    let all = all_incidents(&f).await;
    assert_eq!(all.len(), 1, "a spike while one is open raises it");
    let raised = &all[0];
    assert_eq!(raised.level, "orange");
    assert_eq!(raised.deadline_at_ms, at("2026-03-02T11:45:00+08:00").timestamp_millis());
    assert_eq!((raised.hour_comments, raised.hour_negative), (130, 120));
    assert_eq!(f.app.incident_view(&f.owner.actor, raised.id).await.unwrap().comments.len(), 120);

    // Rights: the approver may not assign, another merchant does not see it, the assignee must
    // be a member who replies.
    assert_eq!(code(f.app.assign_incident(&f.approver, raised.id, "m1-operator").await), Code::Forbidden);
    assert_eq!(code(f.app.assign_incident(&f.other, raised.id, "m1-operator").await), Code::NotFound);
    assert_eq!(code(f.app.incident(&f.other.actor, raised.id).await), Code::NotFound);
    assert_eq!(
        code(f.app.incidents(&f.other.actor, f.account.id, IncidentFilter::All, None, None).await),
        Code::NotFound
    );
    assert_eq!(
        code(f.app.assign_incident(&f.owner, raised.id, "m1-approver").await),
        Code::AssigneeNotMember
    );
    assert_eq!(code(f.app.assign_incident(&f.owner, raised.id, "m2").await), Code::AssigneeNotMember);
    let assigned = f.app.assign_incident(&f.owner, raised.id, "m1-operator").await.unwrap();
    assert_eq!(assigned.assignee.as_deref(), Some("m1-operator"));
    assert!(f.app.incident(&f.reviewer.actor, raised.id).await.is_ok(), "reviewers read every incident");

    // The operator answers a linked comment: the reply is linked to the incident.
    let first = f.app.incident_view(&f.operator.actor, raised.id).await.unwrap().comments[0].clone();
    f.app.reply_to_comment(&f.operator, first.id, "非常抱歉，已私信为您处理退换").await.unwrap();
    let view = f.app.incident_view(&f.operator.actor, raised.id).await.unwrap();
    assert_eq!(view.replies.len(), 1);
    assert_eq!(view.replies[0].parent_external_id.as_deref(), Some(first.external_id.as_str()));

    // 11:46: the deadline passed; the job flags it overdue and tells the team.
    f.clock.set(at("2026-03-02T11:46:00+08:00"));
    f.app.run_due_jobs(&f.admin).await.unwrap();
    let overdue = f.app.incident(&f.owner.actor, raised.id).await.unwrap();
    assert_eq!(overdue.overdue_at_ms, Some(at("2026-03-02T11:46:00+08:00").timestamp_millis()));
    assert_eq!(notices(&f, &f.operator, "reputation.overdue").await.len(), 1);
    // The job of the old deadline was cancelled: 12:31 changes nothing.
    f.clock.set(at("2026-03-02T12:31:00+08:00"));
    f.app.run_due_jobs(&f.admin).await.unwrap();
    assert_eq!(notices(&f, &f.operator, "reputation.overdue").await.len(), 1);

    // Resolving closes it; a second resolution or an assignment is refused and changes nothing.
    assert_eq!(code(f.app.resolve_incident(&f.operator, raised.id, "  ").await), Code::InvalidField);
    let resolved =
        f.app.resolve_incident(&f.operator, raised.id, "逐条回复并退换，问题批次已下架").await.unwrap();
    assert_eq!(resolved.status.as_str(), "resolved");
    assert_eq!(resolved.resolved_by.as_deref(), Some("m1-operator"));
    assert_eq!(resolved.summary.as_deref(), Some("逐条回复并退换，问题批次已下架"));
    assert_eq!(code(f.app.resolve_incident(&f.operator, raised.id, "again").await), Code::IncidentResolved);
    assert_eq!(code(f.app.assign_incident(&f.owner, raised.id, "m1").await), Code::IncidentResolved);
    assert!(open_incidents(&f).await.is_empty());
    let resolved_list =
        f.app.incidents(&f.owner.actor, f.account.id, IncidentFilter::Resolved, None, None).await.unwrap();
    assert_eq!(resolved_list.items.len(), 1);

    // Late negative comments of the same hour open nothing new.
    ingest(&f, &lines(&f, "late", 20, NEGATIVE, at("2026-03-02T10:50:00+08:00"))).await;
    assert_eq!(all_incidents(&f).await.len(), 1);
    // A duplicate batch is counted once.
    ingest(&f, &lines(&f, "late", 25, NEGATIVE, at("2026-03-02T10:50:00+08:00"))).await;
    rollup_matches(&f).await;

    let actions: Vec<String> = audit_actions(&f, "reputation.").await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions,
        [
            "reputation.incident.open",
            "reputation.incident.raise",
            "reputation.incident.assign",
            "reputation.incident.resolve"
        ]
    );
}

async fn keywords_settings_and_the_series(backend: Backend) {
    let f = fixture(backend).await;
    let words = |list: &[&str]| list.iter().map(|w| (*w).to_owned()).collect::<Vec<String>>();
    assert_eq!(
        code(f.app.set_watch_keywords(&f.owner, f.account.id, &words(&["小店", " "])).await),
        Code::InvalidKeyword
    );
    assert_eq!(
        code(f.app.set_watch_keywords(&f.approver, f.account.id, &words(&["小店"])).await),
        Code::Forbidden
    );
    assert_eq!(
        code(f.app.set_watch_keywords(&f.other, f.account.id, &words(&["小店"])).await),
        Code::NotFound
    );
    assert!(f.app.watch_keywords(&f.owner.actor, f.account.id).await.unwrap().is_empty(), "nothing changed");
    let saved = f
        .app
        .set_watch_keywords(&f.operator, f.account.id, &words(&["XiaoDian", "张总", "xiaodian"]))
        .await
        .unwrap();
    assert_eq!(saved, ["XiaoDian", "张总"]);

    // One comment naming a watched keyword opens a blue keyword incident, 4 hours to respond.
    ingest(&f, &lines(&f, "k1", 1, "xiaodian 的客服根本不理人", at("2026-03-02T10:20:00+08:00"))).await;
    ingest(&f, &lines(&f, "p1", 3, POSITIVE, at("2026-03-02T10:21:00+08:00"))).await;
    let open = open_incidents(&f).await;
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].kind.as_str(), open[0].level.as_str()), ("keyword", "blue"));
    assert_eq!(open[0].keyword.as_deref(), Some("XiaoDian"));
    assert_eq!(open[0].deadline_at_ms, at("2026-03-02T14:30:00+08:00").timestamp_millis());
    // Another match is linked to the open incident; a repeated comment is not linked twice.
    ingest(&f, &lines(&f, "k2", 1, "听说张总要跑路了", at("2026-03-02T10:25:00+08:00"))).await;
    ingest(&f, &lines(&f, "k2", 1, "听说张总要跑路了", at("2026-03-02T10:25:00+08:00"))).await;
    assert_eq!(all_incidents(&f).await.len(), 1);
    let view = f.app.incident_view(&f.owner.actor, open[0].id).await.unwrap();
    let texts: Vec<&str> = view.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["xiaodian 的客服根本不理人", "听说张总要跑路了"]);

    // Settings: defaults, bounds, a change read back.
    assert_eq!(
        f.app.reputation_settings(&f.owner.actor, f.account.id).await.unwrap(),
        ReputationSettings::default()
    );
    let bad = ReputationSettings { negative_min: 0, ..ReputationSettings::default() };
    assert_eq!(
        code(f.app.set_reputation_settings(&f.owner, f.account.id, &bad).await),
        Code::InvalidReputationSettings
    );
    let bad = ReputationSettings { red_minutes: 90, ..ReputationSettings::default() };
    assert_eq!(
        code(f.app.set_reputation_settings(&f.owner, f.account.id, &bad).await),
        Code::InvalidReputationSettings
    );
    let mine = ReputationSettings { negative_min: 5, blue_minutes: 300, ..ReputationSettings::default() };
    assert_eq!(code(f.app.set_reputation_settings(&f.approver, f.account.id, &mine).await), Code::Forbidden);
    f.app.set_reputation_settings(&f.owner, f.account.id, &mine).await.unwrap();
    assert_eq!(f.app.reputation_settings(&f.approver.actor, f.account.id).await.unwrap(), mine);

    // The series: every hour, zeros where nothing was said.
    let from = at("2026-03-02T09:00:00+08:00").timestamp_millis();
    let to = at("2026-03-02T12:00:00+08:00").timestamp_millis();
    let series = f.app.reputation_series(&f.owner.actor, f.account.id, from, to).await.unwrap();
    let counts: Vec<i64> = series.hours.iter().map(|p| p.hour.comments).collect();
    assert_eq!(counts, [0, 5, 0]);
    let negative = view.comments.iter().filter(|c| c.sentiment.as_deref() == Some("negative")).count();
    assert_eq!(series.hours[1].hour.negative, negative as i64);
    assert_eq!(series.hours[1].hour.hour_ms, from + HOUR_MS);
    assert!(!series.baseline.learned);
    assert_eq!(
        code(f.app.reputation_series(&f.owner.actor, f.account.id, from, from + 32 * 24 * HOUR_MS).await),
        Code::InvalidField
    );
    assert_eq!(
        code(f.app.reputation_series(&f.owner.actor, f.account.id, to, from).await),
        Code::InvalidField
    );
    rollup_matches(&f).await;
}

async fn a_reviewer_turns_an_incident_into_a_violation(backend: Backend) {
    let f = fixture(backend).await;
    let shop_input = NewShopInput {
        name: "一号小店".into(),
        entity_type: "enterprise".into(),
        entity_name: "一号商家科技有限公司".into(),
        category: "apparel".into(),
    };
    let shop = f.app.create_shop(&f.owner, &shop_input).await.unwrap();
    let other_shop = f
        .app
        .create_shop(
            &f.other,
            &NewShopInput {
                name: "二号小店".into(),
                entity_name: "二号商家科技有限公司".into(),
                ..shop_input.clone()
            },
        )
        .await
        .unwrap();
    ingest(&f, &lines(&f, "n", 30, NEGATIVE, at("2026-03-02T10:05:00+08:00"))).await;
    let incident = open_incidents(&f).await.remove(0);
    let input = NewViolationInput {
        kind: "false_advertising".into(),
        severity: "general".into(),
        penalty_fen: 50_000,
        beneficiary: "platform".into(),
        buyer_id: None,
        evidence: "评论集中反映商品与宣传不符".into(),
    };
    let claim = |key: &str| {
        IdempotencyClaim::parse(format!("user:{}", f.reviewer.actor.user_id), Some(key), "POST", "/t", b"{}")
            .unwrap()
    };
    assert_eq!(
        code(f.app.incident_violation(&f.owner, incident.id, shop.id, &input, claim("k0")).await),
        Code::Forbidden
    );
    assert_eq!(
        code(f.app.incident_violation(&f.reviewer, incident.id, other_shop.id, &input, claim("k0")).await),
        Code::InvalidField
    );
    let (linked, outcome) =
        f.app.incident_violation(&f.reviewer, incident.id, shop.id, &input, claim("k1")).await.unwrap();
    let violation_id = outcome.subject_id.unwrap();
    assert_eq!(linked.violation_id, Some(violation_id));
    let violation = f.app.violation(&f.owner.actor, violation_id).await.unwrap();
    assert_eq!(violation.penalty_fen, 50_000);
    assert!(violation.evidence.contains(&format!("#{}", incident.id)), "{}", violation.evidence);
    assert_eq!(
        code(f.app.incident_violation(&f.reviewer, incident.id, shop.id, &input, claim("k2")).await),
        Code::IncidentViolationExists
    );
    assert_eq!(f.app.shop_violations(&f.owner.actor, shop.id).await.unwrap().len(), 1, "one violation");
    let trail = audit_actions(&f, "").await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|(a, _)| a.as_str())
        .filter(|a| a.starts_with("reputation.") || a.starts_with("violation."))
        .collect();
    assert_eq!(actions, ["reputation.incident.open", "violation.record", "reputation.incident.violation"]);
    rollup_matches(&f).await;
}

/// `serve --demo`: months of ordinary comments open nothing; the one morning's burst of complaints
/// opened an incident, which was assigned to the operator, answered and resolved with a summary.
/// (`app` holds the demo seeded at `clock`'s now, 2026-11-23 10:00, by
/// `story::demo_reaches_every_closure_state`.)
pub(crate) async fn demo_has_one_resolved_incident(app: &App, clock: &ManualClock) {
    let owner = ctx_of(app, "merchant").await;
    let account = app
        .enterprise_accounts(&owner.actor)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.nickname == "小店科技")
        .unwrap();
    let incidents =
        app.incidents(&owner.actor, account.id, IncidentFilter::All, None, None).await.unwrap().items;
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let incident = &incidents[0];
    assert_eq!((incident.kind.as_str(), incident.status.as_str()), ("spike", "resolved"));
    assert_eq!(incident.assignee.as_deref(), Some("yunying"));
    assert_eq!(incident.resolved_by.as_deref(), Some("yunying"));
    assert!(incident.summary.as_deref().is_some_and(|s| s.contains("起球")));
    assert!(now_days_before(clock, incident.opened_at_ms) >= 19);
    let view = app.incident_view(&owner.actor, incident.id).await.unwrap();
    assert!(view.comments.len() >= 10, "{}", view.comments.len());
    assert_eq!(view.replies.len(), view.comments.len(), "every complaint was answered");
    let mut conn = app.db().read().await.unwrap();
    let stored = store::reputation::hours_between(&mut conn, account.id, 0, i64::MAX / 2).await.unwrap();
    let recount = store::reputation::recount_hours(&mut conn, account.id, 0.5).await.unwrap();
    assert_eq!(stored, recount);
}

fn now_days_before(clock: &ManualClock, ms: i64) -> i64 {
    use app::Clock;
    (clock.now_ms() - ms) / (24 * HOUR_MS)
}
