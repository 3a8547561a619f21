//! Story tests of comments through the use cases, on SQLite and PostgreSQL: NDJSON batches with
//! refused lines, duplicates (never stored twice) and replies to replies; the inbox newest first
//! with its filters and cursor; replies marking comments answered; hiding and the one pin per
//! video; merchants never seeing each other's comments; team rights; the unanswered notification;
//! and first-response statistics in working hours, computed by hand. After every story the
//! per-account counters equal their recount.

use std::sync::Arc;

use crate::support::{PASSWORD, at, ctx_of, user};
use app::comments::{CommentQuery, CommentRow};
use app::videos::{VideoInput, VideoRow};
use app::{App, AppConfig, AppError, Code, Ctx, ManualClock};
use store::verification::AccountRow;
use test_support::{Backend, TestDb, both_backends};

const HOUR_MS: i64 = 3_600_000;

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
    account: AccountRow,
    /// Two published videos of the account.
    videos: [VideoRow; 2],
    _data: tempfile::TempDir,
    _db: TestDb,
}

async fn member(app: &App, owner: &Ctx, username: &str, team_role: &str) -> Ctx {
    app.add_team_member(owner, username, PASSWORD, team_role).await.unwrap();
    ctx_of(app, username).await
}

async fn published_video(app: &App, owner: &Ctx, account_id: i64, title: &str) -> VideoRow {
    let input = VideoInput {
        title: title.into(),
        description: "新品上市".into(),
        tags: vec!["春节".into()],
        external_url: Some("https://v.example.com/clip/1".into()),
    };
    let video = app.create_video(owner, account_id, &input).await.unwrap();
    app.submit_video(owner, video.id).await.unwrap();
    app.approve_video(owner, video.id, "").await.unwrap();
    app.publish_video(owner, video.id).await.unwrap()
}

async fn fixture_with(backend: Backend, config: AppConfig) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let start = at("2026-03-02T10:00:00+08:00");
    let clock = Arc::new(ManualClock::new(start));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..config };
    let app =
        App::new(db.open().await, clock.clone(), Arc::new(ManualClock::new(start)), config).await.unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    let account = app.create_enterprise_account(&owner, "一号企业号", "").await.unwrap();
    let videos = [
        published_video(&app, &owner, account.id, "春节上新").await,
        published_video(&app, &owner, account.id, "年货直播回放").await,
    ];
    Fixture {
        service: user(&app, "svc", "service", None).await,
        operator: member(&app, &owner, "m1-operator", "operator").await,
        approver: member(&app, &owner, "m1-approver", "approver").await,
        finance: member(&app, &owner, "m1-finance", "finance").await,
        other: user(&app, "m2", "merchant", Some("二号商家")).await,
        owner,
        account,
        videos,
        app,
        clock,
        _data: data,
        _db: db,
    }
}

async fn fixture(backend: Backend) -> Fixture {
    fixture_with(backend, AppConfig::default()).await
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> Code {
    result.unwrap_err().code
}

/// One NDJSON line.
fn line(video_id: i64, comment_id: &str, text: &str, created_at: &str, parent: Option<&str>) -> String {
    let parent = parent.map(|p| format!(",\"parent_id\":\"{p}\"")).unwrap_or_default();
    format!(
        "{{\"video_id\":{video_id},\"comment_id\":\"{comment_id}\",\"author_id\":\"u-{comment_id}\",\
         \"text\":\"{text}\",\"created_at\":\"{created_at}\"{parent}}}"
    )
}

async fn ingest(f: &Fixture, lines: &[String]) -> app::comments::BatchOutcome {
    f.app.ingest_comments(&f.service, lines.join("\n").as_bytes()).await.unwrap()
}

/// The comment stored under a platform comment id.
async fn by_platform_id(f: &Fixture, comment_id: &str) -> CommentRow {
    let mut conn = f.app.db().read().await.unwrap();
    store::comments::find_by_external_id(&mut conn, comment_id).await.unwrap().unwrap()
}

async fn counts(f: &Fixture) -> store::comments::CommentCounts {
    let mut conn = f.app.db().read().await.unwrap();
    let counters = store::comments::counters(&mut conn, f.account.id).await.unwrap();
    let recount = store::comments::recount(&mut conn, f.account.id).await.unwrap();
    assert_eq!(counters, recount, "the counters equal their recount");
    counters
}

async fn inbox(f: &Fixture, ctx: &Ctx, query: CommentQuery) -> Vec<String> {
    let page = f.app.comments(&ctx.actor, f.account.id, &query).await.unwrap();
    page.items.iter().map(|c| c.external_id.clone()).collect()
}

async fn audit_actions(f: &Fixture, action: &str) -> Vec<String> {
    let mut conn = f.app.db().read().await.unwrap();
    let rows = store::audit::list(&mut conn, None, 1_000).await.unwrap();
    rows.into_iter().filter(|row| row.action == action).map(|row| row.detail).collect()
}

both_backends!(batches_refuse_lines_and_never_store_twice, inbox_replies_hiding_and_pins);
both_backends!(merchants_and_roles, first_response_in_working_hours, many_unanswered_notify_the_merchant);
both_backends!(every_comment_is_classified_at_ingest);

async fn batches_refuse_lines_and_never_store_twice(backend: Backend) {
    let f = fixture(backend).await;
    let [a, b] = [f.videos[0].id, f.videos[1].id];
    let t = "2026-03-02T09:00:00+08:00";
    let lines = vec![
        line(a, "c1", "多少钱？", t, None),
        String::new(),
        "not json".to_owned(),
        line(b, "c2", "有 XL 吗", t, None),
        line(a, "c1", "重复的一条", t, None),
        line(a, "c3", "   ", t, None),
        line(999_999, "c4", "视频不存在", t, None),
        line(a, "c5", "我也想知道", t, Some("c1")),
        line(a, "c6", "时间不对", "2027-01-01T00:00:00+08:00", None),
        line(a, "c 7", "坏的 ID", t, None),
        format!(
            "{{\"video_id\":{a},\"comment_id\":\"c8\",\"author_id\":\"u\",\"text\":\"t\",\"created_at\":\"{t}\",\"extra\":1}}"
        ),
        line(a, "c9", "回复自己", t, Some("c9")),
        line(a, "c10", "回复回复", t, Some("c5")),
    ];
    let outcome = ingest(&f, &lines).await;
    let rejected: Vec<(usize, &str)> = outcome.rejected.iter().map(|r| (r.line, r.code.as_str())).collect();
    assert_eq!(
        rejected,
        [
            (3, "malformed_line"),
            (6, "invalid_text"),
            (7, "unknown_video"),
            (9, "invalid_time"),
            (10, "invalid_comment_id"),
            (11, "malformed_line"),
            (12, "invalid_parent"),
        ]
    );
    // 12 non-blank lines: c1, c2, c1 again, c5 and c10 accepted (the repeat a duplicate).
    assert_eq!((outcome.lines, outcome.accepted, outcome.duplicates, outcome.stored()), (12, 5, 1, 4));
    assert_eq!(outcome.rejected_count, 7);
    assert_eq!(by_platform_id(&f, "c1").await.text, "多少钱？", "the first of a repeated id is kept");
    assert_eq!(by_platform_id(&f, "c10").await.parent_external_id.as_deref(), Some("c5"));
    assert_eq!(counts(&f).await, store::comments::CommentCounts { comments: 4, unanswered: 4 });

    // The whole batch again: every valid line is a duplicate, nothing is stored.
    let again = ingest(&f, &lines).await;
    assert_eq!((again.accepted, again.duplicates, again.stored(), again.rejected_count), (5, 5, 0, 7));
    assert_eq!(counts(&f).await.comments, 4);
    assert_eq!(
        audit_actions(&f, "comments.ingest").await,
        [
            "lines=12 accepted=5 duplicates=5 auto_replies=0 leads=0 rejected=7",
            "lines=12 accepted=5 duplicates=1 auto_replies=0 leads=0 rejected=7"
        ],
        "one audit row per batch"
    );

    // Only the platform sends comments; the bounds hold before anything is written.
    assert_eq!(code(f.app.ingest_comments(&f.owner, b"").await), Code::Forbidden);
    let too_many = "x\n".repeat(domain::limits::COMMENT_BATCH_LINES_MAX + 1);
    assert_eq!(
        code(f.app.ingest_comments(&f.service, too_many.as_bytes()).await),
        Code::CommentBatchTooLarge
    );
    let empty = f.app.ingest_comments(&f.service, b"\n\n").await.unwrap();
    assert_eq!((empty.lines, empty.accepted), (0, 0));
    assert_eq!(counts(&f).await.comments, 4);
}

async fn inbox_replies_hiding_and_pins(backend: Backend) {
    let f = fixture(backend).await;
    let [a, b] = [f.videos[0].id, f.videos[1].id];
    ingest(
        &f,
        &[
            line(a, "c1", "这件什么价？", "2026-03-02T08:00:00+08:00", None),
            line(b, "c2", "有 XL 吗", "2026-03-02T08:10:00+08:00", None),
            line(a, "c3", "同问价格", "2026-03-02T08:20:00+08:00", Some("c1")),
            line(a, "c4", "xl 和 L 差多少", "2026-03-02T08:30:00+08:00", None),
            // Sent late: listed by its time, not by its arrival.
            line(b, "c0", "最早的一条", "2026-03-01T20:00:00+08:00", None),
        ],
    )
    .await;
    let q = |unanswered: bool, video_id: Option<i64>, keyword: Option<&str>| CommentQuery {
        video_id,
        unanswered,
        keyword: keyword.map(str::to_owned),
        ..CommentQuery::default()
    };
    assert_eq!(inbox(&f, &f.owner, q(false, None, None)).await, ["c4", "c3", "c2", "c1", "c0"]);
    assert_eq!(inbox(&f, &f.finance, q(false, Some(b), None)).await, ["c2", "c0"], "every member reads");
    assert_eq!(inbox(&f, &f.owner, q(false, None, Some("XL"))).await, ["c4", "c2"]);
    assert_eq!(inbox(&f, &f.owner, q(false, None, Some("价"))).await, ["c3", "c1"]);
    assert_eq!(inbox(&f, &f.owner, q(false, None, Some("%"))).await, Vec::<String>::new());
    // The sentiment filter: every comment listed carries the label asked for; together they are all.
    let mut by_label = 0;
    for label in ["positive", "neutral", "negative"] {
        let query = CommentQuery { sentiment: Some(label.into()), ..CommentQuery::default() };
        let page = f.app.comments(&f.owner.actor, f.account.id, &query).await.unwrap();
        assert!(page.items.iter().all(|c| c.sentiment.as_deref() == Some(label)), "{label}");
        by_label += page.items.len();
    }
    assert_eq!(by_label, 5);
    let bad = CommentQuery { sentiment: Some("angry".into()), ..CommentQuery::default() };
    assert_eq!(
        f.app.comments(&f.owner.actor, f.account.id, &bad).await.unwrap_err().code,
        Code::InvalidField
    );
    // Pages of two, by cursor.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let query = CommentQuery { limit: Some(2), cursor: cursor.clone(), ..CommentQuery::default() };
        let page = f.app.comments(&f.owner.actor, f.account.id, &query).await.unwrap();
        seen.extend(page.items.iter().map(|c| c.external_id.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["c4", "c3", "c2", "c1", "c0"]);
    let bad = CommentQuery { cursor: Some("x".into()), ..CommentQuery::default() };
    assert_eq!(code(f.app.comments(&f.owner.actor, f.account.id, &bad).await), Code::InvalidField);
    assert_eq!(counts(&f).await.unanswered, 5);

    // The operator replies to c1: the reply is a comment of the account, c1 is answered.
    let c1 = by_platform_id(&f, "c1").await;
    f.clock.set(at("2026-03-02T10:30:00+08:00"));
    let reply = f.app.reply_to_comment(&f.operator, c1.id, " 99 元，链接在橱窗 ").await.unwrap();
    assert_eq!((reply.by_account, reply.text.as_str()), (1, "99 元，链接在橱窗"));
    assert_eq!(reply.parent_external_id.as_deref(), Some("c1"));
    assert_eq!(reply.replied_by.as_deref(), Some("m1-operator"));
    let answered_at = at("2026-03-02T10:30:00+08:00").timestamp_millis();
    assert_eq!(by_platform_id(&f, "c1").await.answered_at_ms, Some(answered_at));
    assert_eq!(counts(&f).await, store::comments::CommentCounts { comments: 6, unanswered: 4 });
    // A second reply keeps the first response time.
    f.clock.set(at("2026-03-02T11:00:00+08:00"));
    f.app.reply_to_comment(&f.owner, c1.id, "已补货").await.unwrap();
    assert_eq!(by_platform_id(&f, "c1").await.answered_at_ms, Some(answered_at));
    // A reply to a reply (c3 answers c1) answers c3; a reply to the account's own reply answers nothing.
    let c3 = by_platform_id(&f, "c3").await;
    f.app.reply_to_comment(&f.owner, c3.id, "一样的价格").await.unwrap();
    f.app.reply_to_comment(&f.owner, reply.id, "补充：包邮").await.unwrap();
    assert_eq!(counts(&f).await, store::comments::CommentCounts { comments: 9, unanswered: 3 });
    assert_eq!(inbox(&f, &f.owner, q(true, None, None)).await, ["c4", "c2", "c0"]);
    assert_eq!(inbox(&f, &f.owner, q(true, Some(a), None)).await, ["c4"]);
    assert_eq!(code(f.app.reply_to_comment(&f.owner, c3.id, "   ").await), Code::InvalidField);
    assert_eq!(code(f.app.reply_to_comment(&f.owner, c3.id, &"字".repeat(1_001)).await), Code::InvalidField);

    // Hiding: out of the unanswered list and count; no reply or pin while hidden.
    let c2 = by_platform_id(&f, "c2").await;
    let hidden = f.app.hide_comment(&f.operator, c2.id).await.unwrap();
    assert!(hidden.hidden_at_ms.is_some());
    f.app.hide_comment(&f.operator, c2.id).await.unwrap();
    assert_eq!(counts(&f).await.unanswered, 2);
    assert_eq!(inbox(&f, &f.owner, q(true, None, None)).await, ["c4", "c0"]);
    assert_eq!(inbox(&f, &f.owner, q(false, Some(b), None)).await, ["c2", "c0"], "hidden ones are listed");
    assert_eq!(code(f.app.reply_to_comment(&f.owner, c2.id, "你好").await), Code::CommentHidden);
    assert_eq!(code(f.app.pin_comment(&f.owner, c2.id).await), Code::CommentHidden);
    f.app.unhide_comment(&f.operator, c2.id).await.unwrap();
    assert_eq!(counts(&f).await.unanswered, 3);
    // Hiding an answered comment leaves the count alone.
    f.app.hide_comment(&f.owner, c1.id).await.unwrap();
    assert_eq!(counts(&f).await.unanswered, 3);
    f.app.unhide_comment(&f.owner, c1.id).await.unwrap();
    assert_eq!(counts(&f).await.unanswered, 3);

    // One pin per video: pinning another replaces it; videos pin independently.
    let c4 = by_platform_id(&f, "c4").await;
    assert!(f.app.pin_comment(&f.operator, c1.id).await.unwrap().pinned_at_ms.is_some());
    f.app.pin_comment(&f.operator, c2.id).await.unwrap();
    f.app.pin_comment(&f.operator, c4.id).await.unwrap();
    f.app.pin_comment(&f.operator, c4.id).await.unwrap();
    let pinned = |f: &Fixture| {
        let (app, account) = (f.app.clone(), f.account.id);
        let actor = f.owner.actor.clone();
        async move {
            let page = app.comments(&actor, account, &CommentQuery::default()).await.unwrap();
            page.items
                .iter()
                .filter(|c| c.pinned_at_ms.is_some())
                .map(|c| c.external_id.clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(pinned(&f).await, ["c4", "c2"]);
    // Hiding a pinned comment unpins it; unpinning twice is harmless.
    f.app.hide_comment(&f.owner, c2.id).await.unwrap();
    assert_eq!(pinned(&f).await, ["c4"]);
    f.app.unpin_comment(&f.owner, c4.id).await.unwrap();
    f.app.unpin_comment(&f.owner, c4.id).await.unwrap();
    assert_eq!(pinned(&f).await, Vec::<String>::new());
    // Newest first: c4 replacing c1 on video a, c2 on video b, c1; pinning c4 again wrote nothing.
    let replaced = format!("replaced={}", c1.id);
    assert_eq!(audit_actions(&f, "comment.pin").await, [replaced.as_str(), "", ""]);
    counts(&f).await;
}

async fn merchants_and_roles(backend: Backend) {
    let f = fixture(backend).await;
    let a = f.videos[0].id;
    ingest(&f, &[line(a, "c1", "多少钱？", "2026-03-02T09:00:00+08:00", None)]).await;
    let c1 = by_platform_id(&f, "c1").await;
    // Another merchant hears "not found" for everything of this merchant's.
    assert_eq!(
        code(f.app.comments(&f.other.actor, f.account.id, &CommentQuery::default()).await),
        Code::NotFound
    );
    assert_eq!(code(f.app.comment_stats(&f.other.actor, f.account.id, None).await), Code::NotFound);
    assert_eq!(code(f.app.comment(&f.other.actor, c1.id).await), Code::NotFound);
    assert_eq!(code(f.app.reply_to_comment(&f.other, c1.id, "你好").await), Code::NotFound);
    assert_eq!(code(f.app.hide_comment(&f.other, c1.id).await), Code::NotFound);
    assert_eq!(code(f.app.pin_comment(&f.other, c1.id).await), Code::NotFound);
    assert_eq!(code(f.app.unpin_comment(&f.other, c1.id).await), Code::NotFound);
    // Team rights: finance and approvers read but do not reply, hide or pin; platform roles read.
    for ctx in [&f.finance, &f.approver] {
        assert_eq!(code(f.app.reply_to_comment(ctx, c1.id, "你好").await), Code::Forbidden);
        assert_eq!(code(f.app.hide_comment(ctx, c1.id).await), Code::Forbidden);
        assert_eq!(code(f.app.pin_comment(ctx, c1.id).await), Code::Forbidden);
        assert_eq!(f.app.comment(&ctx.actor, c1.id).await.unwrap().id, c1.id);
    }
    assert_eq!(code(f.app.reply_to_comment(&f.service, c1.id, "你好").await), Code::Forbidden);
    assert_eq!(f.app.comment(&f.service.actor, c1.id).await.unwrap().id, c1.id);
    assert_eq!(code(f.app.comment(&f.owner.actor, 999_999).await), Code::NotFound);
    assert_eq!(counts(&f).await.unanswered, 1);
    f.app.reply_to_comment(&f.operator, c1.id, "99 元").await.unwrap();
    assert_eq!(counts(&f).await.unanswered, 0);
}

async fn first_response_in_working_hours(backend: Backend) {
    let f = fixture(backend).await;
    let a = f.videos[0].id;
    let reply_at = |f: &Fixture, when: &str, comment_id: &'static str| {
        let (app, clock, owner) = (f.app.clone(), f.clock.clone(), f.owner.clone());
        let when = at(when);
        async move {
            let mut conn = app.db().read().await.unwrap();
            let comment = store::comments::find_by_external_id(&mut conn, comment_id).await.unwrap().unwrap();
            drop(conn);
            clock.set(when);
            app.reply_to_comment(&owner, comment.id, "谢谢").await.unwrap();
        }
    };
    // 2026-03-02 is a Monday; working hours are 09:00-18:00 China time on working days.
    ingest(
        &f,
        &[
            line(a, "a", "一", "2026-03-02T10:00:00+08:00", None),
            line(a, "b", "二", "2026-03-02T17:30:00+08:00", None),
        ],
    )
    .await;
    reply_at(&f, "2026-03-02T11:00:00+08:00", "a").await; // 1 h
    reply_at(&f, "2026-03-03T10:00:00+08:00", "b").await; // 0.5 h Monday + 1 h Tuesday
    f.clock.set(at("2026-03-09T08:30:00+08:00"));
    ingest(
        &f,
        &[
            line(a, "c", "三", "2026-03-06T17:00:00+08:00", None),
            line(a, "d", "四", "2026-03-07T12:00:00+08:00", None),
            line(a, "e", "五", "2026-03-09T08:00:00+08:00", None),
            line(a, "f", "六", "2026-03-09T08:10:00+08:00", None),
        ],
    )
    .await;
    reply_at(&f, "2026-03-09T09:15:00+08:00", "d").await; // Saturday is off: 0.25 h
    reply_at(&f, "2026-03-09T11:00:00+08:00", "c").await; // 1 h Friday + 2 h Monday
    reply_at(&f, "2026-03-09T13:00:00+08:00", "e").await; // 4 h from 09:00
    f.clock.set(at("2026-03-09T14:00:00+08:00"));
    let stats = f.app.comment_stats(&f.finance.actor, f.account.id, None).await.unwrap();
    // Sorted: 0.25, 1, 1.5, 3, 4 hours. Nearest rank: median the 3rd, p90 the 5th.
    assert_eq!((stats.counts.comments, stats.counts.unanswered), (11, 1));
    assert_eq!(stats.first_response.count, 5);
    assert_eq!(stats.first_response.median_ms, Some(3 * HOUR_MS / 2));
    assert_eq!(stats.first_response.p90_ms, Some(4 * HOUR_MS));
    // Within the last 7 days only the three answered on 2026-03-09 (and b, answered 03-03, is out).
    let week = f.app.comment_stats(&f.owner.actor, f.account.id, Some(6)).await.unwrap();
    assert_eq!((week.first_response.count, week.first_response.median_ms), (3, Some(3 * HOUR_MS)));
    assert_eq!(code(f.app.comment_stats(&f.owner.actor, f.account.id, Some(0)).await), Code::InvalidField);
    assert_eq!(code(f.app.comment_stats(&f.owner.actor, f.account.id, Some(367)).await), Code::InvalidField);
    counts(&f).await;
}

async fn many_unanswered_notify_the_merchant(backend: Backend) {
    let config = AppConfig { comments_unanswered_alert: 3, ..AppConfig::default() };
    let f = fixture_with(backend, config).await;
    let a = f.videos[0].id;
    let t = "2026-03-02T09:00:00+08:00";
    let alerts = |f: &Fixture| {
        let (app, actor) = (f.app.clone(), f.owner.actor.clone());
        async move {
            let page = app.notifications(&actor, false, None, None).await.unwrap();
            page.items.into_iter().filter(|n| n.kind == "comments.unanswered").collect::<Vec<_>>()
        }
    };
    ingest(&f, &[line(a, "c1", "一", t, None), line(a, "c2", "二", t, None)]).await;
    assert!(alerts(&f).await.is_empty());
    ingest(&f, &[line(a, "c3", "三", t, None), line(a, "c4", "四", t, None)]).await;
    let sent = alerts(&f).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].link, format!("/console/enterprise-accounts/{}/comments", f.account.id));
    assert!(sent[0].text_zh.contains("4 条评论待回复"), "{}", sent[0].text_zh);
    // Still above: no second notice; below and above again: a new one.
    ingest(&f, &[line(a, "c5", "五", t, None)]).await;
    assert_eq!(alerts(&f).await.len(), 1);
    for id in ["c1", "c2", "c3"] {
        let comment = by_platform_id(&f, id).await;
        f.app.reply_to_comment(&f.owner, comment.id, "谢谢").await.unwrap();
    }
    ingest(&f, &[line(a, "c6", "六", t, None)]).await;
    assert_eq!(alerts(&f).await.len(), 2);
    counts(&f).await;
}

/// The classifier labels each comment as it is stored (the model's own tests cover its quality).
async fn every_comment_is_classified_at_ingest(backend: Backend) {
    let f = fixture(backend).await;
    let a = f.videos[0].id;
    let t = "2026-03-02T09:00:00+08:00";
    let lines = vec![
        line(a, "s1", "质量太差了，做工粗糙，退货！", t, None),
        line(a, "s2", "非常好用，物流很快，好评", t, None),
        line(a, "s3", "不错", t, None),
    ];
    assert_eq!(ingest(&f, &lines).await.stored(), 3);
    for (id, expected, positive) in
        [("s1", "negative", false), ("s2", "positive", true), ("s3", "positive", true)]
    {
        let comment = by_platform_id(&f, id).await;
        assert_eq!(comment.sentiment.as_deref(), Some(expected), "{}", comment.text);
        let score = comment.sentiment_score.unwrap();
        assert_eq!(score > 0.5, positive, "{} scored {score}", comment.text);
        let again = app::comments::classifier().classify(&comment.text);
        assert!((f64::from(again.score) - score).abs() < 1e-6, "the stored score is the classifier's");
    }
}
