//! Learning from corrections through the use cases, on SQLite and PostgreSQL: a correction
//! changes the comment's label at once (kept with who and when, the reputation rollup counted
//! again), only the team's `reply` right corrects; `adapt` fits a version on the corrections,
//! ingest then classifies with it; rolling back returns ingest to the version before; the nightly
//! job adapts once enough new corrections came.

use std::sync::Arc;

use crate::support::{PASSWORD, at, ctx_of, user};
use app::comments::CommentRow;
use app::videos::VideoInput;
use app::{App, AppConfig, Clock, Code, Ctx, ManualClock};
use domain::sentiment::adapt::Example;
use store::verification::AccountRow;
use test_support::{Backend, TestDb, both_backends};

/// Words this deployment's buyers use that the shipped model never saw: one praises, one damns.
const GOOD: &str = "叽里呱啦";
const BAD: &str = "咕噜咕噜";

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    owner: Ctx,
    operator: Ctx,
    finance: Ctx,
    other: Ctx,
    admin: Ctx,
    account: AccountRow,
    video_id: i64,
    _data: tempfile::TempDir,
    _db: TestDb,
}

async fn member(app: &App, owner: &Ctx, username: &str, team_role: &str) -> Ctx {
    app.add_team_member(owner, username, PASSWORD, team_role).await.unwrap();
    ctx_of(app, username).await
}

async fn fixture(backend: Backend, config: AppConfig) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let start = at("2026-03-02T10:00:00+08:00");
    let clock = Arc::new(ManualClock::new(start));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..config };
    let app =
        App::new(db.open().await, clock.clone(), Arc::new(ManualClock::new(start)), config).await.unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    let account = app.create_enterprise_account(&owner, "一号企业号", "").await.unwrap();
    let input = VideoInput {
        title: "外卖套餐".into(),
        description: "新品".into(),
        tags: vec![],
        external_url: Some("https://v.example.com/clip/1".into()),
    };
    let video = app.create_video(&owner, account.id, &input).await.unwrap();
    app.submit_video(&owner, video.id).await.unwrap();
    app.approve_video(&owner, video.id, "").await.unwrap();
    let video = app.publish_video(&owner, video.id).await.unwrap();
    Fixture {
        service: user(&app, "svc", "service", None).await,
        operator: member(&app, &owner, "m1-operator", "operator").await,
        finance: member(&app, &owner, "m1-finance", "finance").await,
        other: user(&app, "m2", "merchant", Some("二号商家")).await,
        admin: user(&app, "root", "admin", None).await,
        owner,
        account,
        video_id: video.id,
        app,
        clock,
        _data: data,
        _db: db,
    }
}

/// Ingests comments `prefix-0..n` with these texts; answers them in order.
async fn ingest(f: &Fixture, prefix: &str, texts: &[String]) -> Vec<CommentRow> {
    let lines: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            format!(
                "{{\"video_id\":{},\"comment_id\":\"{prefix}-{i}\",\"author_id\":\"u{i}\",\"text\":\"{text}\",\
                 \"created_at\":\"2026-03-02T09:{:02}:00+08:00\"}}",
                f.video_id,
                i % 60
            )
        })
        .collect();
    let outcome = f.app.ingest_comments(&f.service, lines.join("\n").as_bytes()).await.unwrap();
    assert_eq!(outcome.stored(), texts.len());
    let mut conn = f.app.db().read().await.unwrap();
    let mut rows = Vec::new();
    for i in 0..texts.len() {
        let external = format!("{prefix}-{i}");
        rows.push(store::comments::find_by_external_id(&mut conn, &external).await.unwrap().unwrap());
    }
    rows
}

async fn rollup_matches(f: &Fixture) {
    let mut conn = f.app.db().read().await.unwrap();
    let stored = store::reputation::hours_between(&mut conn, f.account.id, 0, i64::MAX / 2).await.unwrap();
    let recount = store::reputation::recount_hours(&mut conn, f.account.id, 0.5).await.unwrap();
    assert_eq!(stored, recount, "the hourly rollup equals its recount");
}

fn texts(word: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("第{i}次点这家，{word}")).collect()
}

both_backends!(corrections_change_the_label_at_once_and_only_for_the_team);
both_backends!(adapt_then_ingest_uses_the_new_version_and_rollback_restores_the_old);
both_backends!(the_nightly_job_adapts_once_enough_corrections_came);

async fn corrections_change_the_label_at_once_and_only_for_the_team(backend: Backend) {
    let f = fixture(backend, AppConfig::default()).await;
    let rows = ingest(
        &f,
        "c",
        &["送货速度快，服务不错。就是饭比较难吃".to_owned(), "质量很好，五星好评".to_owned()],
    )
    .await;
    let (complaint, praise) = (&rows[0], &rows[1]);
    assert_eq!(complaint.sentiment_version, Some(0));
    assert_eq!(complaint.sentiment_corrected_by, None);
    rollup_matches(&f).await;

    // The operator says the praise was sarcasm: negative at once, with who and when.
    f.clock.advance_ms(60_000);
    let corrected = f.app.correct_sentiment(&f.operator, praise.id, "negative").await.unwrap();
    assert_eq!(corrected.sentiment.as_deref(), Some("negative"));
    assert_eq!(corrected.sentiment_score, Some(0.0));
    assert_eq!(corrected.sentiment_corrected_by.as_deref(), Some("m1-operator"));
    assert_eq!(corrected.sentiment_corrected_at_ms, Some(f.clock.now_ms()));
    let seen = f.app.comment(&f.owner.actor, praise.id).await.unwrap();
    assert_eq!(seen.sentiment.as_deref(), Some("negative"));
    rollup_matches(&f).await;
    // The inbox's sentiment filter sees the correction.
    let query = app::comments::CommentQuery { sentiment: Some("negative".into()), ..Default::default() };
    let negative = f.app.comments(&f.owner.actor, f.account.id, &query).await.unwrap().items;
    assert!(negative.iter().any(|c| c.id == praise.id));

    // The owner sets it back to positive; the history keeps both.
    let corrected = f.app.correct_sentiment(&f.owner, praise.id, " positive ").await.unwrap();
    assert_eq!((corrected.sentiment.as_deref(), corrected.sentiment_score), (Some("positive"), Some(1.0)));
    rollup_matches(&f).await;
    // The same label again changes nothing.
    f.app.correct_sentiment(&f.owner, praise.id, "positive").await.unwrap();
    {
        let mut conn = f.app.db().read().await.unwrap();
        let corrected = store::sentiment::corrected_texts(&mut conn, 100).await.unwrap();
        assert_eq!(corrected.len(), 1, "one comment corrected, its latest correction");
        assert_eq!(corrected[0].label, "positive");
        assert_eq!(store::sentiment::corrections_after(&mut conn, 0).await.unwrap(), 2);
    }

    // Refusals change nothing.
    let refused = f.app.correct_sentiment(&f.finance, complaint.id, "negative").await.unwrap_err();
    assert_eq!(refused.code, Code::Forbidden);
    let refused = f.app.correct_sentiment(&f.other, complaint.id, "negative").await.unwrap_err();
    assert_eq!(refused.code, Code::NotFound);
    let refused = f.app.correct_sentiment(&f.owner, complaint.id, "angry").await.unwrap_err();
    assert_eq!(refused.code, Code::InvalidField);
    let refused = f.app.correct_sentiment(&f.service, complaint.id, "negative").await.unwrap_err();
    assert_eq!(refused.code, Code::Forbidden);
    let reply = f.app.reply_to_comment(&f.owner, complaint.id, "抱歉，已反馈厨房").await.unwrap();
    let refused = f.app.correct_sentiment(&f.owner, reply.id, "positive").await.unwrap_err();
    assert_eq!(refused.code, Code::CommentIsReply);
    let unchanged = f.app.comment(&f.owner.actor, complaint.id).await.unwrap();
    assert_eq!(unchanged.sentiment, complaint.sentiment);
    assert_eq!(unchanged.sentiment_corrected_by, None);
    rollup_matches(&f).await;
}

async fn adapt_then_ingest_uses_the_new_version_and_rollback_restores_the_old(backend: Backend) {
    let f = fixture(backend, AppConfig::default()).await;
    let system = Ctx::system("test");
    assert_eq!(f.app.adapt_sentiment(&system, Vec::new()).await.unwrap_err().code, Code::NoSentimentExamples);
    let good = ingest(&f, "g", &texts(GOOD, 30)).await;
    let bad = ingest(&f, "b", &texts(BAD, 30)).await;
    for (rows, label) in [(&good, "positive"), (&bad, "negative")] {
        for row in rows.iter() {
            f.app.correct_sentiment(&f.operator, row.id, label).await.unwrap();
        }
    }
    let refused = f.app.adapt_sentiment(&f.owner, Vec::new()).await.unwrap_err();
    assert_eq!(refused.code, Code::Forbidden);
    // An operator's own labelled rows join the corrections.
    let rows = vec![Example { text: format!("这次也{GOOD}"), target: 1.0 }];
    let adapted = f.app.adapt_sentiment(&system, rows).await.unwrap();
    assert_eq!(adapted.row.version, 1);
    assert_eq!((adapted.from_corrections, adapted.from_rows, adapted.row.examples), (60, 1, 61));
    assert_eq!(adapted.row.source, "both");
    let (cv, base) = (adapted.row.cv_accuracy.unwrap(), adapted.row.base_accuracy.unwrap());
    assert!(cv > base, "cross-validated {cv} against the shipped model's {base}");

    // Ingest classifies with version 1 now.
    let builtin = app::sentiment::builtin();
    let fresh = ingest(&f, "n1", &[format!("又点了，{GOOD}"), format!("又点了，{BAD}")]).await;
    assert!(fresh.iter().all(|c| c.sentiment_version == Some(1)));
    let (good_score, bad_score) = (fresh[0].sentiment_score.unwrap(), fresh[1].sentiment_score.unwrap());
    assert!(good_score > 0.55 && bad_score < 0.45, "{good_score} {bad_score}");
    let shipped = f64::from(builtin.classify(&format!("又点了，{GOOD}")).score);
    assert!((good_score - shipped).abs() > 0.05, "the adapted score {good_score} differs from {shipped}");
    let (version, _) = f.app.sentiment_classifier().await.unwrap();
    assert_eq!(version, 1);

    // A second version, then roll it back: version 1 is in use again; then back to the shipped model.
    let second = f.app.adapt_sentiment(&system, Vec::new()).await.unwrap();
    assert_eq!((second.row.version, second.row.examples, second.row.source.as_str()), (2, 60, "corrections"));
    assert_eq!(f.app.roll_back_sentiment(&f.owner, None).await.unwrap_err().code, Code::Forbidden);
    let rolled = f.app.roll_back_sentiment(&system, None).await.unwrap();
    assert_eq!((rolled.version, rolled.now_in_use), (2, 1));
    let again = ingest(&f, "n2", &[format!("又点了，{GOOD}")]).await;
    assert_eq!(again[0].sentiment_version, Some(1));
    assert_eq!(again[0].sentiment_score, fresh[0].sentiment_score);
    assert_eq!(f.app.roll_back_sentiment(&system, Some(2)).await.unwrap_err().code, Code::NotFound);
    let rolled = f.app.roll_back_sentiment(&system, Some(1)).await.unwrap();
    assert_eq!((rolled.version, rolled.now_in_use), (1, 0));
    let shipped_again = ingest(&f, "n3", &[format!("又点了，{GOOD}")]).await;
    assert_eq!(shipped_again[0].sentiment_version, Some(0));
    assert_eq!(shipped_again[0].sentiment_score, Some(shipped));
    let versions = f.app.sentiment_versions(&system.actor).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), vec![2, 1]);
    assert!(versions.iter().all(|v| v.rolled_back_by.as_deref() == Some("system:test")));
    assert_eq!(f.app.roll_back_sentiment(&system, None).await.unwrap_err().code, Code::NotFound);
    assert_eq!(f.app.sentiment_versions(&f.admin.actor).await.unwrap().len(), 2);
}

async fn the_nightly_job_adapts_once_enough_corrections_came(backend: Backend) {
    let config = AppConfig { sentiment_adapt_min_corrections: 5, ..AppConfig::default() };
    let f = fixture(backend, config).await;
    f.app.ensure_housekeeping_jobs().await.unwrap();
    let rows = ingest(&f, "j", &texts(BAD, 8)).await;
    for row in &rows[..4] {
        f.app.correct_sentiment(&f.owner, row.id, "negative").await.unwrap();
    }
    // The first night: 4 corrections, below 5: no version; the job plans the next night.
    f.clock.advance_ms(25 * 3_600_000);
    f.app.run_due_jobs(&f.admin).await.unwrap();
    assert!(f.app.sentiment_versions(&f.admin.actor).await.unwrap().is_empty());
    for row in &rows[4..] {
        f.app.correct_sentiment(&f.owner, row.id, "negative").await.unwrap();
    }
    f.clock.advance_ms(25 * 3_600_000);
    f.app.run_due_jobs(&f.admin).await.unwrap();
    let versions = f.app.sentiment_versions(&f.admin.actor).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!((versions[0].examples, versions[0].created_by.as_str()), (8, "root"));
    // No new corrections since: the third night fits nothing.
    f.clock.advance_ms(25 * 3_600_000);
    f.app.run_due_jobs(&f.admin).await.unwrap();
    assert_eq!(f.app.sentiment_versions(&f.admin.actor).await.unwrap().len(), 1);
}
