//! Once-only transitions under races, on SQLite and PostgreSQL: 16 tokio tasks on one `App` ask
//! for the same transition at the same moment (different idempotency keys where the use case
//! takes one) and exactly one effect follows: one state change, one audit row for it, at most one
//! ledger movement, one notification; every other task hears a clear conflict code (never
//! `internal`), and `verify_ledger` (with the business invariants) still holds. Covered: an
//! incident turned into a violation, assigned and resolved; an appeal and its decision; a
//! refund decision; a closure request and its withdrawal; the review fee, the claim (and a
//! take-over) and the decision of a verification; a video's approval and publication; and
//! webhook secret rotations, which serialise (each answered secret was the one in force when it
//! committed; one is in force at the end).

use std::future::Future;
use std::sync::Arc;

use crate::support::{at, user};
use app::closure::ClosureOutcome;
use app::ledger::{IdempotencyClaim, LedgerReport};
use app::shops::{NewShopInput, ShopRow};
use app::verification::{ApplicationInput, DocumentUpload};
use app::videos::{VideoInput, VideoRow};
use app::violations::NewViolationInput;
use app::{App, AppConfig, AppError, Code, Ctx, ManualClock};
use store::verification::AccountRow;
use test_support::{Backend, TestDb, both_backends};

/// Tasks racing for each transition.
const RACERS: usize = 16;
const ENTITY: &str = "杭州小店科技有限公司";

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    reviewer: Ctx,
    owner: Ctx,
    admin: Ctx,
    _data: tempfile::TempDir,
    _db: TestDb,
}

async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let start = at("2026-01-05T10:00:00+08:00");
    let clock = Arc::new(ManualClock::new(start));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let app =
        App::new(db.open().await, clock.clone(), Arc::new(ManualClock::new(start)), config).await.unwrap();
    Fixture {
        service: user(&app, "svc", "service", None).await,
        reviewer: user(&app, "rev", "reviewer", None).await,
        owner: user(&app, "m1", "merchant", Some("一号商家")).await,
        admin: user(&app, "boss", "admin", None).await,
        app,
        clock,
        _data: data,
        _db: db,
    }
}

/// Runs `RACERS` tasks that start together; answers their results in task order.
async fn race<T, F, Fut>(make: F) -> Vec<Result<T, AppError>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Send + 'static,
{
    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|n| {
            let (work, start) = (make(n), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                work.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(RACERS);
    for task in tasks {
        results.push(task.await.expect("a racing task panicked"));
    }
    results
}

/// Exactly one task won; every other one heard `loser`. Answers the winner's result.
fn one_winner<T: std::fmt::Debug>(results: Vec<Result<T, AppError>>, loser: Code) -> T {
    let mut won = Vec::new();
    for result in results {
        match result {
            Ok(value) => won.push(value),
            Err(error) => assert_eq!(error.code, loser, "a loser's answer: {error:?}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one task wins: {won:?}");
    won.pop().unwrap()
}

async fn count(f: &Fixture, sql: &str, binds: &[&str]) -> i64 {
    let mut conn = f.app.db().read().await.unwrap();
    let mut query = sqlx::query_scalar::<_, i64>(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    query.fetch_one(&mut *conn).await.unwrap()
}

/// Audit rows of `action` on `subject`.
async fn audits(f: &Fixture, action: &str, subject: &str) -> i64 {
    count(f, "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND subject = $2", &[action, subject]).await
}

/// Transfers booked for `reason` with `reference`.
async fn transfers(f: &Fixture, reason: &str, reference: &str) -> i64 {
    count(
        f,
        "SELECT COUNT(*) FROM ledger_transfers WHERE reason = $1 AND reference = $2",
        &[reason, reference],
    )
    .await
}

/// Notifications of `kind` linking to `link`.
async fn notices(f: &Fixture, kind: &str, link: &str) -> i64 {
    count(f, "SELECT COUNT(*) FROM notifications WHERE kind = $1 AND link = $2", &[kind, link]).await
}

async fn assert_ledger_valid(f: &Fixture) {
    let report = f.app.verify_ledger().await.unwrap();
    assert!(matches!(report, LedgerReport::Valid { .. }), "{:?}", report.problems());
}

fn claim(ctx: &Ctx, key: &str, path: &str, body: &str) -> IdempotencyClaim {
    let scope = format!("user:{}", ctx.actor.user_id);
    IdempotencyClaim::parse(scope, Some(key), "POST", path, body.as_bytes()).unwrap()
}

async fn shop(f: &Fixture, name: &str) -> ShopRow {
    let input = NewShopInput {
        name: name.into(),
        entity_type: "enterprise".into(),
        entity_name: ENTITY.into(),
        category: "apparel".into(),
    };
    let shop = f.app.create_shop(&f.owner, &input).await.unwrap();
    f.app.set_payout_account(&f.owner, shop.id, ENTITY, "招商银行", "6222 0210 0111 2345").await.unwrap();
    let key = format!("deposit-{}", shop.id);
    f.app.top_up(&f.service, shop.id, 50_000, &key, claim(&f.service, &key, "/top-up", &key)).await.unwrap();
    shop
}

fn violation_input(penalty_fen: i64) -> NewViolationInput {
    NewViolationInput {
        kind: "false_advertising".into(),
        severity: "serious".into(),
        penalty_fen,
        beneficiary: "platform".into(),
        buyer_id: None,
        evidence: "商品详情页夸大功效".into(),
    }
}

async fn record_violation(f: &Fixture, shop: &ShopRow, penalty_fen: i64) -> i64 {
    let key = format!("violation-{}", shop.id);
    let claim = claim(&f.reviewer, &key, "/violations", &key);
    let outcome =
        f.app.record_violation(&f.reviewer, shop.id, &violation_input(penalty_fen), claim).await.unwrap();
    outcome.subject_id.unwrap()
}

/// An enterprise account of the merchant with one published video.
async fn account_with_video(f: &Fixture) -> (AccountRow, VideoRow) {
    let account = f.app.create_enterprise_account(&f.owner, "一号企业号", "").await.unwrap();
    let video = f.app.create_video(&f.owner, account.id, &video_input()).await.unwrap();
    f.app.submit_video(&f.owner, video.id).await.unwrap();
    f.app.approve_video(&f.owner, video.id, "").await.unwrap();
    let video = f.app.publish_video(&f.owner, video.id).await.unwrap();
    (account, video)
}

fn video_input() -> VideoInput {
    VideoInput {
        title: "春节上新".into(),
        description: "新品上市".into(),
        tags: vec!["春节".into()],
        external_url: Some("https://v.example.com/clip/1".into()),
    }
}

/// A keyword incident of the account: its watch list names 质量 and a comment mentions it.
async fn incident(f: &Fixture, account: &AccountRow, video: &VideoRow) -> i64 {
    f.app.set_watch_keywords(&f.owner, account.id, &["质量".to_owned()]).await.unwrap();
    let line = format!(
        "{{\"video_id\":{},\"comment_id\":\"c-1\",\"author_id\":\"u-1\",\"text\":\"质量太差了\",\"created_at\":\"{}\"}}",
        video.id, "2026-01-05T10:00:00+08:00"
    );
    let outcome = f.app.ingest_comments(&f.service, line.as_bytes()).await.unwrap();
    assert_eq!(outcome.rejected_count, 0);
    let open = f
        .app
        .incidents(&f.owner.actor, account.id, app::reputation::IncidentFilter::Open, None, None)
        .await
        .unwrap();
    assert_eq!(open.items.len(), 1, "the keyword opened an incident");
    open.items[0].id
}

both_backends!(an_incident_becomes_one_violation, an_incident_is_assigned_and_resolved_once);
both_backends!(an_appeal_is_made_and_decided_once, a_refund_is_decided_once);
both_backends!(a_closure_is_requested_and_withdrawn_once, a_verification_fee_is_paid_once);
both_backends!(a_verification_is_claimed_taken_over_and_decided_once);
both_backends!(a_video_is_approved_and_published_once, webhook_rotations_serialise);
both_backends!(ledger_verify_names_each_broken_business_invariant, a_new_entity_is_held_by_one_merchant);

async fn an_incident_becomes_one_violation(backend: Backend) {
    let f = fixture(backend).await;
    let s = shop(&f, "一号店").await;
    let (account, video) = account_with_video(&f).await;
    let id = incident(&f, &account, &video).await;
    let path = format!("/api/v1/incidents/{id}/violation");
    let (input, shop_id) = (violation_input(10_000), s.id);
    let results = race(|n| {
        let (app, reviewer, input) = (f.app.clone(), f.reviewer.clone(), input.clone());
        let claim = claim(&f.reviewer, &format!("turn-{n}"), &path, "same body");
        async move { app.incident_violation(&reviewer, id, shop_id, &input, claim).await }
    })
    .await;
    let (incident, outcome) = one_winner(results, Code::IncidentViolationExists);
    let violation_id = outcome.subject_id.unwrap();
    assert_eq!(incident.violation_id, Some(violation_id));
    let violations = format!("SELECT COUNT(*) FROM violations WHERE shop_id = {shop_id}");
    assert_eq!(count(&f, &violations, &[]).await, 1, "one violation");
    assert_eq!(transfers(&f, "penalty", &format!("violation:{violation_id}")).await, 1);
    assert_eq!(count(&f, "SELECT COUNT(*) FROM ledger_transfers WHERE reason = 'penalty'", &[]).await, 1);
    assert_eq!(audits(&f, "violation.record", &format!("violation:{violation_id}")).await, 1);
    assert_eq!(audits(&f, "reputation.incident.violation", &format!("incident:{id}")).await, 1);
    assert_eq!(f.app.deposit(&f.owner.actor, s.id).await.unwrap().balance_fen, 40_000, "one penalty");
    // A retry of the winning request answers what it answered; nothing is booked again.
    let key_sql =
        format!("SELECT idem_key FROM idempotency_keys WHERE transfer_seq = {}", outcome.transfer_ids[0]);
    let mut conn = f.app.db().read().await.unwrap();
    let key: String = sqlx::query_scalar(&key_sql).fetch_one(&mut *conn).await.unwrap();
    drop(conn);
    let again = claim(&f.reviewer, &key, &path, "same body");
    let (_, replay) = f.app.incident_violation(&f.reviewer, id, shop_id, &input, again).await.unwrap();
    assert!(replay.replayed, "the winner's retry answers its first answer");
    assert_eq!(replay.subject_id, Some(violation_id));
    let late = claim(&f.reviewer, "turn-late", &path, "same body");
    let refused = f.app.incident_violation(&f.reviewer, id, shop_id, &input, late).await.unwrap_err();
    assert_eq!(refused.code, Code::IncidentViolationExists, "a new request later is refused too");
    assert_eq!(count(&f, &violations, &[]).await, 1, "still one violation");
    assert_ledger_valid(&f).await;
}

async fn an_incident_is_assigned_and_resolved_once(backend: Backend) {
    let f = fixture(backend).await;
    let (account, video) = account_with_video(&f).await;
    let id = incident(&f, &account, &video).await;
    let subject = format!("incident:{id}");
    // Every task assigns the same member: one assignment, the rest answer it unchanged.
    let results = race(|_| {
        let (app, owner) = (f.app.clone(), f.owner.clone());
        async move { app.assign_incident(&owner, id, "m1").await }
    })
    .await;
    assert!(
        results.iter().all(|r| r.as_ref().is_ok_and(|i| i.assignee.as_deref() == Some("m1"))),
        "{results:?}"
    );
    assert_eq!(audits(&f, "reputation.incident.assign", &subject).await, 1);

    let results = race(|n| {
        let (app, owner) = (f.app.clone(), f.owner.clone());
        async move { app.resolve_incident(&owner, id, &format!("已回复并补发商品（{n}）")).await }
    })
    .await;
    let resolved = one_winner(results, Code::IncidentResolved);
    assert_eq!(resolved.status.as_str(), "resolved");
    assert_eq!(audits(&f, "reputation.incident.resolve", &subject).await, 1);
    let jobs = count(
        &f,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'reputation.deadline' AND subject = $1 AND status = 'pending'",
        &[&subject],
    )
    .await;
    assert_eq!(jobs, 0, "the deadline job is cancelled");
}

async fn an_appeal_is_made_and_decided_once(backend: Backend) {
    let f = fixture(backend).await;
    let s = shop(&f, "一号店").await;
    let id = record_violation(&f, &s, 10_000).await;
    let subject = format!("violation:{id}");
    let results = race(|n| {
        let (app, owner) = (f.app.clone(), f.owner.clone());
        async move {
            app.appeal_violation(&owner, id, &format!("宣传内容有检测报告支持（{n}）")).await
        }
    })
    .await;
    assert_eq!(one_winner(results, Code::NotAppealable).status.as_str(), "appealed");
    assert_eq!(audits(&f, "violation.appeal", &subject).await, 1);

    let results = race(|n| {
        let (app, reviewer) = (f.app.clone(), f.reviewer.clone());
        let outcome = if n % 2 == 0 { "overturned" } else { "upheld" };
        async move { app.decide_appeal(&reviewer, id, outcome, "复核检测报告").await }
    })
    .await;
    let decided = one_winner(results, Code::AlreadyDecided);
    assert_eq!(audits(&f, "violation.decide", &subject).await, 1);
    let reversals = transfers(&f, "penalty_reversal", &subject).await;
    let balance = f.app.deposit(&f.owner.actor, s.id).await.unwrap().balance_fen;
    match decided.status.as_str() {
        "overturned" => assert_eq!((reversals, balance), (1, 50_000), "one reversal"),
        _ => assert_eq!((reversals, balance), (0, 40_000), "upheld: nothing moves"),
    }
    assert_ledger_valid(&f).await;
}

/// A shop with a serious violation closed on 2026-02-04, its refund in review since 2026-02-13.
async fn refund_in_review(f: &Fixture) -> (ShopRow, i64) {
    let s = shop(f, "注销店").await;
    record_violation(f, &s, 10_000).await;
    let reason = "公司调整业务方向，不再经营线上店铺";
    let outcome =
        f.app.request_closure(&f.owner, s.id, "no_longer_operating", reason, &s.name).await.unwrap();
    assert!(matches!(outcome, ClosureOutcome::Notice(_)), "{outcome:?}");
    for day in ["2026-02-04T00:00:00+08:00", "2026-02-13T00:00:00+08:00"] {
        f.clock.set(at(day));
        f.app.run_due_jobs(&f.admin).await.unwrap();
    }
    let refund = f.app.deposit(&f.owner.actor, s.id).await.unwrap().refund.unwrap().refund;
    assert_eq!(refund.status.as_str(), "in_review");
    (s, refund.id)
}

async fn a_refund_is_decided_once(backend: Backend) {
    let f = fixture(backend).await;
    let (s, id) = refund_in_review(&f).await;
    // Half the tasks decide `full`, half `partial`; the tasks repeating the winner's decision
    // answer it again, the others hear `already_decided`.
    let results = race(|n| {
        let (app, reviewer) = (f.app.clone(), f.reviewer.clone());
        async move {
            match n % 2 {
                0 => app.decide_refund(&reviewer, id, "full", 0, "").await,
                _ => app.decide_refund(&reviewer, id, "partial", 5_000, "赔付消费者").await,
            }
        }
    })
    .await;
    let decided: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(decided.len(), RACERS / 2, "the winner and its repeats: {results:?}");
    let status = decided[0].refund.status;
    assert!(decided.iter().all(|d| d.refund == decided[0].refund));
    for result in &results {
        if let Err(error) = result {
            assert_eq!(error.code, Code::AlreadyDecided, "{error:?}");
        }
    }
    let reference = format!("refund:{id}");
    assert_eq!(audits(&f, "refund.decide", &reference).await, 1);
    assert_eq!(transfers(&f, "deposit_refund", &reference).await, 1, "one refund out of the deposit");
    let payouts = f.app.refund_payouts(&f.reviewer.actor, id).await.unwrap();
    assert_eq!(payouts.len(), 1, "one payout");
    let link = format!("/console/shops/{}/closure", s.id);
    assert_eq!(notices(&f, "refund.decided", &link).await, 1);
    let paid = f.app.refund(&f.reviewer.actor, id).await.unwrap().refund;
    let expected = if decided[0].refund.outcome.as_deref() == Some("full") { 40_000 } else { 35_000 };
    assert_eq!(status.as_str(), "paying");
    assert_eq!(paid.paid_fen, Some(expected));
    let deposit = f.app.deposit(&f.owner.actor, s.id).await.unwrap();
    assert_eq!((deposit.balance_fen, deposit.held_fen), (0, 0), "paid out or kept, never twice");
    assert_ledger_valid(&f).await;
}

async fn a_closure_is_requested_and_withdrawn_once(backend: Backend) {
    let f = fixture(backend).await;
    let s = shop(&f, "一号店").await;
    let (subject, shop_id) = (format!("shop:{}", s.id), s.id);
    let results = race(|n| {
        let (app, owner, name) = (f.app.clone(), f.owner.clone(), s.name.clone());
        async move {
            let reason = format!("公司调整业务方向，不再经营线上店铺（{n}）");
            match app.request_closure(&owner, shop_id, "no_longer_operating", &reason, &name).await? {
                ClosureOutcome::Notice(row) => Ok(row),
                ClosureOutcome::Blocked(checks) => panic!("blocked: {checks:?}"),
            }
        }
    })
    .await;
    one_winner(results, Code::StatusConflict);
    assert_eq!(audits(&f, "shop.closure_request", &subject).await, 1);
    let closures = format!("SELECT COUNT(*) FROM shop_closures WHERE shop_id = {shop_id}");
    assert_eq!(count(&f, &closures, &[]).await, 1);
    let pending =
        "SELECT COUNT(*) FROM jobs WHERE kind = 'closure.due' AND subject = $1 AND status = 'pending'";
    assert_eq!(count(&f, pending, &[&subject]).await, 1);

    let results = race(|_| {
        let (app, owner) = (f.app.clone(), f.owner.clone());
        async move { app.withdraw_closure(&owner, shop_id).await }
    })
    .await;
    assert_eq!(one_winner(results, Code::StatusConflict).status.as_str(), "withdrawn");
    assert_eq!(audits(&f, "shop.closure_withdraw", &subject).await, 1);
    assert_eq!(count(&f, pending, &[&subject]).await, 0);
    assert_eq!(f.app.shop(&f.owner.actor, s.id).await.unwrap().status.as_str(), "operating");
}

fn application() -> ApplicationInput {
    ApplicationInput {
        company_name: ENTITY.into(),
        brand_name: None,
        uscc: "91350100M000100Y43".into(),
        legal_rep_name: "张三".into(),
        legal_rep_id_number: "11010519491231002X".into(),
        industry: "apparel".into(),
        contact_phone: "13800138000".into(),
        contact_email: "ops@example.com".into(),
        operator_is_legal_rep: true,
    }
}

/// An application of a new enterprise account with both documents, its fee not paid.
async fn application_with_documents(f: &Fixture) -> i64 {
    let account = f.app.create_enterprise_account(&f.owner, "小店科技", "").await.unwrap();
    let id = f.app.create_verification(&f.owner, account.id, &application()).await.unwrap().row.id;
    for kind in ["business_licence", "application_letter"] {
        let mut upload: DocumentUpload = f.app.begin_document_upload(&f.owner.actor, id).await.unwrap();
        upload.write(format!("%PDF-1.4\n% {kind} {id}\n").as_bytes()).unwrap();
        f.app.add_document(&f.owner, id, kind, upload).await.unwrap();
    }
    id
}

fn fee_claim(f: &Fixture, id: i64, key: &str) -> IdempotencyClaim {
    let body = format!(r#"{{"amount_fen":60000,"payment_ref":"{key}"}}"#);
    claim(&f.service, key, &format!("/api/v1/verifications/{id}/fee-payments"), &body)
}

async fn pay_fee(f: &Fixture, id: i64) {
    f.app.pay_verification_fee(&f.service, id, 60_000, "fee-1", fee_claim(f, id, "fee-1")).await.unwrap();
}

async fn a_verification_fee_is_paid_once(backend: Backend) {
    let f = fixture(backend).await;
    let id = application_with_documents(&f).await;
    let results = race(|n| {
        let (app, service) = (f.app.clone(), f.service.clone());
        let key = format!("fee-{n}");
        let claim = fee_claim(&f, id, &key);
        async move { app.pay_verification_fee(&service, id, 60_000, &key, claim).await }
    })
    .await;
    let outcome = one_winner(results, Code::FeeAlreadyPaid);
    let fee_transfers = "SELECT COUNT(*) FROM ledger_transfers WHERE reason = 'verification_fee'";
    assert_eq!(count(&f, fee_transfers, &[]).await, 1);
    assert_eq!(audits(&f, "verification.fee", &format!("verification:{id}")).await, 1);
    let row = f.app.verification(&f.owner.actor, id).await.unwrap().row;
    assert_eq!(row.fee_transfer_id, outcome.transfer_ids.first().copied());
    assert_ledger_valid(&f).await;
}

async fn a_verification_is_claimed_taken_over_and_decided_once(backend: Backend) {
    let f = fixture(backend).await;
    let id = application_with_documents(&f).await;
    pay_fee(&f, id).await;
    f.app.submit_verification(&f.owner, id).await.unwrap();
    let mut reviewers = vec![f.reviewer.clone()];
    for n in 1..RACERS {
        reviewers.push(user(&f.app, &format!("rev{n}"), "reviewer", None).await);
    }
    let subject = format!("verification:{id}");
    // Sixteen reviewers claim the new application at once: one gets it.
    let results = race(|n| {
        let (app, reviewer) = (f.app.clone(), reviewers[n].clone());
        async move { app.claim_verification(&reviewer, id, None).await }
    })
    .await;
    let holder = one_winner(results, Code::VerificationClaimed).row.claimed_by.unwrap();
    assert_eq!(audits(&f, "verification.claim", &subject).await, 1);
    // The others take it over from the holder at once: one does.
    let others: Vec<Ctx> = reviewers.iter().filter(|r| r.actor.label() != holder).cloned().collect();
    let results = race(|n| {
        let (app, reviewer, from) = (f.app.clone(), others[n % others.len()].clone(), holder.clone());
        async move { app.claim_verification(&reviewer, id, Some(&from)).await }
    })
    .await;
    let taker = one_winner_or_repeats(results, Code::VerificationClaimed);
    assert_ne!(taker, holder);
    assert_eq!(audits(&f, "verification.claim", &subject).await, 2, "the claim and one take-over");

    let results = race(|n| {
        let (app, reviewer) = (f.app.clone(), reviewers[n].clone());
        async move { app.decide_verification(&reviewer, id, "approve", &[], "材料齐全").await }
    })
    .await;
    assert_eq!(one_winner(results, Code::AlreadyDecided).row.status.as_str(), "approved");
    assert_eq!(audits(&f, "verification.decide", &subject).await, 1);
    let account = f.app.verification(&f.owner.actor, id).await.unwrap().row.account_id;
    let link = format!("/console/enterprise-accounts/{account}");
    assert_eq!(notices(&f, "verification.approved", &link).await, 1);
    let expiry = "SELECT COUNT(*) FROM jobs WHERE kind = 'badge.expiry' AND subject = $1";
    assert_eq!(count(&f, expiry, &[&format!("enterprise_account:{account}")]).await, 1);
    assert_ledger_valid(&f).await;
}

/// Take-overs: 16 tasks of 15 reviewers, so one reviewer runs twice; the winner's second task
/// finds the application its own and answers it unchanged. Answers the winner.
fn one_winner_or_repeats(
    results: Vec<Result<app::verification::VerificationView, AppError>>,
    loser: Code,
) -> String {
    let mut holders: Vec<String> = Vec::new();
    for result in results {
        match result {
            Ok(view) => holders.push(view.row.claimed_by.unwrap()),
            Err(error) => assert_eq!(error.code, loser, "a loser's answer: {error:?}"),
        }
    }
    holders.dedup();
    assert_eq!(holders.len(), 1, "one reviewer took it over: {holders:?}");
    holders.pop().unwrap()
}

async fn a_video_is_approved_and_published_once(backend: Backend) {
    let f = fixture(backend).await;
    let account = f.app.create_enterprise_account(&f.owner, "一号企业号", "").await.unwrap();
    let video = f.app.create_video(&f.owner, account.id, &video_input()).await.unwrap();
    f.app.submit_video(&f.owner, video.id).await.unwrap();
    let (subject, video_id) = (format!("video:{}", video.id), video.id);
    let results = race(|_| {
        let (app, owner) = (f.app.clone(), f.owner.clone());
        async move { app.approve_video(&owner, video_id, "可以发布").await }
    })
    .await;
    assert_eq!(one_winner(results, Code::VideoStatusConflict).status.as_str(), "approved");
    assert_eq!(audits(&f, "video.approve", &subject).await, 1);
    let results = race(|_| {
        let (app, owner) = (f.app.clone(), f.owner.clone());
        async move { app.publish_video(&owner, video_id).await }
    })
    .await;
    assert_eq!(one_winner(results, Code::VideoStatusConflict).status.as_str(), "published");
    assert_eq!(audits(&f, "video.publish", &subject).await, 1);
}

async fn webhook_rotations_serialise(backend: Backend) {
    let f = fixture(backend).await;
    let url = "https://hooks.example.com/xiaodian";
    let results = race(|_| {
        let (app, owner) = (f.app.clone(), f.owner.clone());
        async move { app.set_webhook(&owner, url).await }
    })
    .await;
    let secrets: Vec<String> =
        results.into_iter().map(|r| r.expect("every rotation succeeds").secret).collect();
    let mut distinct = secrets.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), RACERS, "each rotation answers its own secret");
    let merchant = f.owner.actor.merchant_id.unwrap();
    let subject = format!("merchant:{merchant}");
    assert_eq!(audits(&f, "webhook.set", &subject).await, RACERS as i64, "one audit row per rotation");
    let rows = format!("SELECT COUNT(*) FROM webhooks WHERE merchant_id = {merchant}");
    assert_eq!(count(&f, &rows, &[]).await, 1, "one endpoint");
    // The secret in force is one of the answered ones: the last rotation's, whole.
    let mut conn = f.app.db().read().await.unwrap();
    let row =
        store::webhooks::find_webhook(&mut conn, f.owner.actor.merchant_id.unwrap()).await.unwrap().unwrap();
    let stored = f.app.secret_key().unwrap().open("webhook_secret", &row.secret_sealed).unwrap();
    assert_eq!(
        secrets.iter().filter(|s| **s == stored).count(),
        1,
        "exactly one answered secret is in force"
    );
}

/// Runs one statement in a write transaction of its own (on SQLite a pooled read connection may
/// still hold an older snapshot of the schema).
async fn execute(f: &Fixture, sql: &str) {
    let mut tx = f.app.db().begin().await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    tx.commit().await.unwrap();
}

/// Every business invariant broken by hand (references, reasons and business rows only, so the
/// ledger's own chain and balances stay intact) is named by `verify_ledger`, and holds again
/// once undone.
async fn ledger_verify_names_each_broken_business_invariant(backend: Backend) {
    let f = fixture(backend).await;
    let s = shop(&f, "一号店").await;
    let (account, video) = account_with_video(&f).await;
    let incident_id = incident(&f, &account, &video).await;
    let key = claim(&f.reviewer, "turn", "/incident", "turn");
    let (_, outcome) = f
        .app
        .incident_violation(&f.reviewer, incident_id, s.id, &violation_input(10_000), key)
        .await
        .unwrap();
    let v = outcome.subject_id.unwrap();
    let fee = application_with_documents(&f).await;
    pay_fee(&f, fee).await;
    let (_, refund) = refund_in_review(&f).await;
    f.app.decide_refund(&f.reviewer, refund, "full", 0, "").await.unwrap();
    assert_ledger_valid(&f).await;

    let mut conn = f.app.db().read().await.unwrap();
    let top_ups: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, reference FROM ledger_transfers WHERE reason = 'top_up' ORDER BY seq")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    assert_eq!(top_ups.len(), 2, "the two shops' deposits");
    let relabel = |seq: i64, reason: &str, reference: &str| {
        format!(
            "UPDATE ledger_transfers SET reason = '{reason}', reference = '{reference}' WHERE seq = {seq}"
        )
    };
    let ((a, a_ref), (b, b_ref)) = (top_ups[0].clone(), top_ups[1].clone());
    let restore = vec![relabel(a, "top_up", &a_ref), relabel(b, "top_up", &b_ref)];
    let violation_ref = format!("violation:{v}");
    let cases: Vec<(Vec<String>, String, Vec<String>)> = vec![
        (
            vec![relabel(a, "penalty", &violation_ref)],
            format!("violation {v} has 2 penalty transfers"),
            restore.clone(),
        ),
        (
            vec![format!(
                "UPDATE ledger_transfers SET reference = 'violation:0' WHERE reason = 'penalty' AND reference = '{violation_ref}'"
            )],
            format!("violation {v} has 0 penalty transfers"),
            vec![format!(
                "UPDATE ledger_transfers SET reference = '{violation_ref}' WHERE reason = 'penalty' AND reference = 'violation:0'"
            )],
        ),
        (
            vec![
                relabel(a, "penalty_reversal", &violation_ref),
                relabel(b, "penalty_reversal", &violation_ref),
            ],
            format!("violation {v} has 2 reversals"),
            restore.clone(),
        ),
        (
            vec![
                "DROP INDEX violations_by_incident".to_owned(),
                format!(
                    "INSERT INTO violations (shop_id, merchant_id, kind, severity, penalty_fen, beneficiary, evidence, \
                     status, recorded_by, created_at_ms, appeal_deadline_ms, incident_id) SELECT shop_id, merchant_id, \
                     kind, severity, 0, beneficiary, evidence, status, recorded_by, created_at_ms, appeal_deadline_ms, \
                     incident_id FROM violations WHERE id = {v}"
                ),
            ],
            format!("reputation incident {incident_id} has 2 violations"),
            vec![
                format!("DELETE FROM violations WHERE incident_id = {incident_id} AND id <> {v}"),
                "CREATE UNIQUE INDEX violations_by_incident ON violations (incident_id)".to_owned(),
            ],
        ),
        (
            vec![format!("UPDATE reputation_incidents SET violation_id = NULL WHERE id = {incident_id}")],
            format!(
                "violation {v} was recorded from reputation incident {incident_id}, which names no violation"
            ),
            vec![format!("UPDATE reputation_incidents SET violation_id = {v} WHERE id = {incident_id}")],
        ),
        (
            vec![relabel(a, "deposit_refund", &format!("refund:{refund}"))],
            format!("refund {refund} has 2 deposit refund transfers"),
            restore.clone(),
        ),
        (
            vec![relabel(a, "verification_fee", &format!("verification:{fee}:pay-2"))],
            format!("verification {fee}'s fee payment has 2 transfers"),
            restore.clone(),
        ),
        (
            vec![format!("UPDATE verifications SET fee_paid_at_ms = NULL WHERE id = {fee}")],
            format!("verification {fee} has fee transfers"),
            vec![format!("UPDATE verifications SET fee_paid_at_ms = 1 WHERE id = {fee}")],
        ),
    ];
    for (corrupt, line, undo) in cases {
        for sql in &corrupt {
            execute(&f, sql).await;
        }
        let report = f.app.verify_ledger().await.unwrap();
        let LedgerReport::Invariants(problems) = &report else { panic!("{line}: not reported: {report:?}") };
        assert!(problems.iter().any(|p| p.contains(&line)), "expected {line:?} in {problems:?}");
        for sql in &undo {
            execute(&f, sql).await;
        }
        assert_ledger_valid(&f).await;
    }
}

/// Sixteen merchants open a shop under the same new registered entity at once (spelled with
/// different widths and invisible characters): one merchant holds it, the others hear
/// `entity_held_elsewhere`, and the holder can open another shop under it.
async fn a_new_entity_is_held_by_one_merchant(backend: Backend) {
    let f = fixture(backend).await;
    let mut merchants = Vec::new();
    for n in 0..RACERS {
        merchants.push(user(&f.app, &format!("racer{n}"), "merchant", Some(&format!("竞争商家{n}"))).await);
    }
    let spellings =
        ["新主体科技有限公司", "新主体科技有限公司\u{200B}", "新主体科技 有限公司", "新主体科技有限公司 "];
    let results = race(|n| {
        let (app, ctx) = (f.app.clone(), merchants[n].clone());
        let input = NewShopInput {
            name: format!("竞争小店{n}"),
            entity_type: "enterprise".into(),
            entity_name: spellings[n % spellings.len()].into(),
            category: "food".into(),
        };
        async move { app.create_shop(&ctx, &input).await }
    })
    .await;
    let shop = one_winner(results, Code::EntityHeldElsewhere);
    let holder = merchants.iter().find(|m| m.actor.merchant_id == Some(shop.merchant_id)).unwrap();
    let again = NewShopInput {
        name: "竞争二店".into(),
        entity_type: "enterprise".into(),
        entity_name: "新主体科技有限公司".into(),
        category: "food".into(),
    };
    assert!(f.app.create_shop(holder, &again).await.is_ok(), "the holder opens another shop");
}
