//! Story tests of the deposit ledger through the use cases (shops, top-ups, violations, appeals,
//! statements, verification), run on SQLite and on PostgreSQL.

use std::sync::Arc;

use crate::support::user;
use app::ledger::{IdempotencyClaim, LedgerReport, MoneyOutcome};
use app::shops::{DepositEntry, DepositView, NewShopInput, ShopRow};
use app::violations::NewViolationInput;
use app::{Actor, App, AppConfig, AppResult, Code, Ctx, ManualClock};
use chrono::{DateTime, Utc};
use test_support::{Backend, TestDb, both_backends};

const DAY_MS: i64 = 24 * 3600 * 1000;

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    reviewer: Ctx,
    reviewer2: Ctx,
    m1: Ctx,
    m2: Ctx,
    admin: Ctx,
    db: TestDb,
}

fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap().to_utc()
}

/// Creates a user and answers its actor (read back from the store, so no login is needed).
async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::new(backend).await;
    let clock = Arc::new(ManualClock::new(start_time()));
    let session_clock = Arc::new(ManualClock::new(start_time()));
    // Without the no-deposit start, a new shop must hold the basic ¥500 at once.
    let policy = domain::operations::DepositPolicy { no_deposit_start: false, ..Default::default() };
    let config = AppConfig { deposit_policy: policy, ..AppConfig::default() };
    let app = App::new(db.open().await, clock.clone(), session_clock, config).await.unwrap();
    Fixture {
        service: user(&app, "svc", "service", None).await,
        reviewer: user(&app, "rev1", "reviewer", None).await,
        reviewer2: user(&app, "rev2", "reviewer", None).await,
        m1: user(&app, "m1", "merchant", Some("一号商家")).await,
        m2: user(&app, "m2", "merchant", Some("二号商家")).await,
        admin: user(&app, "boss", "admin", None).await,
        app,
        clock,
        db,
    }
}

async fn open_shop(f: &Fixture, merchant: &Ctx, name: &str) -> ShopRow {
    let input = NewShopInput {
        name: name.into(),
        entity_type: "enterprise".into(),
        entity_name: format!("{name}科技有限公司"),
        category: "apparel".into(),
    };
    f.app.create_shop(merchant, &input).await.unwrap()
}

/// The claim the API would build for a POST of `body` to `path` with this key.
fn claim(ctx: &Ctx, key: &str, path: &str, body: &str) -> IdempotencyClaim {
    IdempotencyClaim::parse(format!("user:{}", ctx.actor.user_id), Some(key), "POST", path, body.as_bytes())
        .unwrap()
}

async fn top_up_as(f: &Fixture, ctx: &Ctx, shop: i64, amount: i64, key: &str) -> AppResult<MoneyOutcome> {
    let payment_ref = format!("pay-{key}");
    let path = format!("/api/v1/shops/{shop}/deposit/top-ups");
    let body = format!(r#"{{"amount_fen":{amount},"payment_ref":"{payment_ref}"}}"#);
    f.app.top_up(ctx, shop, amount, &payment_ref, claim(ctx, key, &path, &body)).await
}

async fn top_up(f: &Fixture, shop: i64, amount: i64, key: &str) -> AppResult<MoneyOutcome> {
    top_up_as(f, &f.service, shop, amount, key).await
}

fn violation(penalty_fen: i64, beneficiary: &str, buyer_id: Option<&str>) -> NewViolationInput {
    NewViolationInput {
        kind: "late_shipment".into(),
        severity: "minor".into(),
        penalty_fen,
        beneficiary: beneficiary.into(),
        buyer_id: buyer_id.map(str::to_owned),
        evidence: "订单 A-1 超时 72 小时未发货".into(),
    }
}

async fn record_as(
    f: &Fixture,
    ctx: &Ctx,
    shop: i64,
    input: &NewViolationInput,
    key: &str,
) -> AppResult<MoneyOutcome> {
    let path = format!("/api/v1/shops/{shop}/violations");
    let body = format!("{input:?}");
    f.app.record_violation(ctx, shop, input, claim(ctx, key, &path, &body)).await
}

async fn record(f: &Fixture, shop: i64, input: &NewViolationInput, key: &str) -> AppResult<MoneyOutcome> {
    record_as(f, &f.reviewer, shop, input, key).await
}

async fn deposit(f: &Fixture, shop: i64) -> DepositView {
    f.app.deposit(&f.reviewer.actor, shop).await.unwrap()
}

/// Every entry of a shop's deposit, newest first, read page by page.
async fn all_entries(f: &Fixture, shop: i64, limit: u32) -> Vec<DepositEntry> {
    let mut entries = Vec::new();
    let mut cursor = None;
    loop {
        let page = f.app.deposit_entries(&f.reviewer.actor, shop, Some(limit), cursor).await.unwrap();
        assert!(page.items.len() <= limit as usize);
        entries.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next.parse().unwrap()),
            None => break,
        }
    }
    entries
}

async fn count(app: &App, sql: &str) -> i64 {
    use sqlx::Row;
    let mut conn = app.db().read().await.unwrap();
    sqlx::query(sql).fetch_one(&mut *conn).await.unwrap().try_get(0).unwrap()
}

async fn execute(app: &App, sql: &str) {
    let mut conn = app.db().read().await.unwrap();
    sqlx::query(sql).execute(&mut *conn).await.unwrap();
}

async fn assert_valid(app: &App) -> (i64, i64) {
    match app.verify_ledger().await.unwrap() {
        LedgerReport::Valid { transfers, keys, .. } => (transfers, keys),
        broken => panic!("the ledger is broken: {:?}", broken.problems()),
    }
}

fn code<T: std::fmt::Debug>(result: AppResult<T>) -> Code {
    result.unwrap_err().code
}

both_backends!(top_ups_and_balance, idempotent_replay_and_key_reuse, penalty_beyond_deposit_is_owed);
both_backends!(consumer_compensation_needs_buyer_id, appeals_within_and_after_the_window);
both_backends!(overturn_compensates_and_decides_once, concurrent_decisions_one_wins);
both_backends!(statement_entries_and_csv, tampering_is_detected, authorization_matrix);
both_backends!(closure_checks_read_the_counters_and_the_ledger);
both_backends!(the_engine_sees_money_moved_by_another_server, a_batch_mixing_retries_and_new_requests);

async fn top_ups_and_balance(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    assert_eq!(shop.status.as_str(), "operating");
    let fresh = deposit(&f, shop.id).await;
    assert_eq!(
        fresh,
        DepositView {
            balance_fen: 0,
            held_fen: 0,
            available_fen: 0,
            required_fen: 50_000,
            shortfall_fen: 50_000,
            owed_fen: 0,
            refund: None,
        }
    );

    let first = top_up(&f, shop.id, 30_000, "k1").await.unwrap();
    assert_eq!(first.balance_fen, Some(30_000));
    assert_eq!(first.transfer_ids.len(), 1);
    assert!(!first.replayed);
    let second = top_up(&f, shop.id, 25_050, "k2").await.unwrap();
    assert_eq!(second.balance_fen, Some(55_050));
    assert!(second.transfer_ids[0] > first.transfer_ids[0]);
    let view = deposit(&f, shop.id).await;
    assert_eq!(
        (view.balance_fen, view.available_fen, view.shortfall_fen, view.owed_fen),
        (55_050, 55_050, 0, 0)
    );

    // Bad amounts and references are refused and change nothing.
    let max = AppConfig::default().top_up_fen_max;
    for amount in [0, -1, max + 1, i64::MIN] {
        assert_eq!(code(top_up(&f, shop.id, amount, &format!("bad-{amount}")).await), Code::InvalidAmount);
    }
    assert!(top_up(&f, shop.id, max, "the-largest").await.is_ok());
    let empty_ref =
        f.app.top_up(&f.service, shop.id, 100, "  ", claim(&f.service, "k-ref", "/x", "{}")).await;
    assert_eq!(code(empty_ref), Code::InvalidField);
    assert_eq!(code(top_up(&f, 999_999, 100, "no-shop").await), Code::NotFound);

    assert_eq!(deposit(&f, shop.id).await.balance_fen, 55_050 + max);
    let entries = all_entries(&f, shop.id, 50).await;
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.reason == "top_up" && e.kind == "posted"));
    let (transfers, keys) = assert_valid(&f.app).await;
    assert_eq!((transfers, keys), (3, 3), "refused requests left no key behind");
}

async fn idempotent_replay_and_key_reuse(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    let first = top_up(&f, shop.id, 10_000, "pay-once").await.unwrap();
    let again = top_up(&f, shop.id, 10_000, "pay-once").await.unwrap();
    assert_eq!(again, MoneyOutcome { replayed: true, ..first.clone() }, "the first answer, marked replayed");
    let reused = top_up(&f, shop.id, 10_001, "pay-once").await;
    assert_eq!(code(reused), Code::IdempotencyKeyReused);
    // The same key on another shop is another request too.
    let other_shop = open_shop(&f, &f.m1, "杭州二号店").await;
    assert_eq!(code(top_up(&f, other_shop.id, 10_000, "pay-once").await), Code::IdempotencyKeyReused);
    // Keys belong to their caller: another service user's key is its own.
    let service2 = user(&f.app, "svc2", "service", None).await;
    let theirs = top_up_as(&f, &service2, shop.id, 10_000, "pay-once").await.unwrap();
    assert!(!theirs.replayed);
    assert_ne!(theirs.transfer_ids, first.transfer_ids);
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 20_000);

    // The balance a replay answers is the one of its first answer, even after more money moved.
    let later = top_up(&f, shop.id, 10_000, "pay-once").await.unwrap();
    assert_eq!((later.balance_fen, later.replayed), (Some(10_000), true));

    // Sixteen identical requests at the same moment make one transfer.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let app = f.app.clone();
        let ctx = f.service.clone();
        let path = format!("/api/v1/shops/{}/deposit/top-ups", shop.id);
        tasks.spawn(async move {
            let claim = claim(&ctx, "burst", &path, "same body");
            app.top_up(&ctx, shop.id, 700, "pay-burst", claim).await.unwrap()
        });
    }
    let answers = tasks.join_all().await;
    assert!(answers.iter().all(|a| a.transfer_ids == answers[0].transfer_ids));
    assert_eq!(answers.iter().filter(|a| !a.replayed).count(), 1, "exactly one did the work");
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 20_700);

    // Violations replay too: the same key answers the same violation and records nothing new.
    let input = violation(1_500, "platform", None);
    let recorded = record(&f, shop.id, &input, "v-1").await.unwrap();
    let replayed = record(&f, shop.id, &input, "v-1").await.unwrap();
    assert_eq!(replayed, MoneyOutcome { replayed: true, ..recorded.clone() });
    assert_eq!(
        code(record(&f, shop.id, &violation(1_600, "platform", None), "v-1").await),
        Code::IdempotencyKeyReused
    );
    let violations = f.app.shop_violations(&f.reviewer.actor, shop.id).await.unwrap();
    assert_eq!(violations.len(), 1, "a replay leaves no second violation behind");
    assert_eq!(Some(violations[0].id), recorded.subject_id);
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 19_200);
    assert_eq!(all_entries(&f, shop.id, 100).await.len(), 4);
    assert_eq!(count(&f.app, "SELECT COUNT(*) FROM ledger_transfers").await, 4);
    assert_valid(&f.app).await;
}

async fn penalty_beyond_deposit_is_owed(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    top_up(&f, shop.id, 10_000, "k1").await.unwrap();
    let penalty = record(&f, shop.id, &violation(30_000, "platform", None), "v1").await.unwrap();
    assert_eq!(penalty.balance_fen, Some(-20_000));
    let view = deposit(&f, shop.id).await;
    assert_eq!((view.balance_fen, view.owed_fen, view.available_fen), (-20_000, 20_000, -20_000));
    assert_eq!(view.shortfall_fen, 70_000, "the debt and the required deposit");
    // The merchant sees the same.
    assert_eq!(f.app.deposit(&f.m1.actor, shop.id).await.unwrap(), view);

    // The next top-up pays the debt first: only what is left counts towards the deposit.
    let paid = top_up(&f, shop.id, 50_000, "k2").await.unwrap();
    assert_eq!(paid.balance_fen, Some(30_000));
    let view = deposit(&f, shop.id).await;
    assert_eq!((view.balance_fen, view.owed_fen, view.shortfall_fen), (30_000, 0, 20_000));
    let small = top_up(&f, shop.id, 100, "k3").await.unwrap();
    assert_eq!(small.balance_fen, Some(30_100));

    let entries = all_entries(&f, shop.id, 10).await;
    let lines: Vec<(&str, i64, i64)> =
        entries.iter().rev().map(|e| (e.reason.as_str(), e.amount_fen, e.balance_after_fen)).collect();
    assert_eq!(
        lines,
        [
            ("top_up", 10_000, 10_000),
            ("penalty", -30_000, -20_000),
            ("top_up", 50_000, 30_000),
            ("top_up", 100, 30_100)
        ]
    );
    // A zero penalty is a violation without money.
    let free = record(&f, shop.id, &violation(0, "platform", None), "v0").await.unwrap();
    assert!(free.transfer_ids.is_empty());
    assert!(free.subject_id.is_some());
    assert_eq!(free.balance_fen, Some(30_100), "a zero penalty still reports the balance");
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 30_100);
    let too_big =
        record(&f, shop.id, &violation(AppConfig::default().penalty_fen_max + 1, "platform", None), "v2")
            .await;
    assert_eq!(code(too_big), Code::InvalidAmount);
    assert_eq!(code(record(&f, shop.id, &violation(-5, "platform", None), "v3").await), Code::InvalidAmount);
    assert_valid(&f.app).await;
}

async fn consumer_compensation_needs_buyer_id(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    top_up(&f, shop.id, 20_000, "k1").await.unwrap();
    let missing = record(&f, shop.id, &violation(5_000, "consumer", None), "c1").await;
    assert_eq!(code(missing), Code::InvalidField);
    let blank = record(&f, shop.id, &violation(5_000, "consumer", Some("   ")), "c2").await;
    assert_eq!(code(blank), Code::InvalidField);
    let long = "b".repeat(65);
    assert_eq!(
        code(record(&f, shop.id, &violation(5_000, "consumer", Some(&long)), "c3").await),
        Code::InvalidField
    );
    assert_eq!(code(record(&f, shop.id, &violation(5_000, "nobody", None), "c4").await), Code::InvalidField);
    assert!(f.app.shop_violations(&f.reviewer.actor, shop.id).await.unwrap().is_empty());
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 20_000, "refusals move nothing");

    let paid = record(&f, shop.id, &violation(5_000, "consumer", Some("buyer-42")), "c5").await.unwrap();
    assert_eq!(paid.balance_fen, Some(15_000));
    let stored = f.app.violation(&f.m1.actor, paid.subject_id.unwrap()).await.unwrap();
    assert_eq!(stored.buyer_id.as_deref(), Some("buyer-42"));
    assert_eq!(stored.beneficiary, "consumer");
    assert_eq!(stored.penalty_seq, paid.transfer_ids.first().copied());
    let mut conn = f.app.db().read().await.unwrap();
    let transfer = store::ledger::find_transfer(&mut conn, paid.transfer_ids[0]).await.unwrap().unwrap();
    let credit = store::ledger::find_account(&mut conn, transfer.credit_account_id).await.unwrap().unwrap();
    assert_eq!(credit.code, "consumer_compensation");
    assert_eq!(
        (transfer.reason.as_str(), transfer.debit_account_id),
        ("compensation", shop.deposit_account_id)
    );
    // A platform penalty ignores a buyer id and goes to penalty income.
    let fine = record(&f, shop.id, &violation(1_000, "platform", Some("buyer-42")), "c6").await.unwrap();
    let transfer = store::ledger::find_transfer(&mut conn, fine.transfer_ids[0]).await.unwrap().unwrap();
    let credit = store::ledger::find_account(&mut conn, transfer.credit_account_id).await.unwrap().unwrap();
    assert_eq!((credit.code.as_str(), transfer.reason.as_str()), ("penalty_income", "penalty"));
    let stored = f.app.violation(&f.reviewer.actor, fine.subject_id.unwrap()).await.unwrap();
    assert_eq!(stored.buyer_id, None);
    drop(conn);
    assert_valid(&f.app).await;
}

async fn appeals_within_and_after_the_window(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    top_up(&f, shop.id, 50_000, "k1").await.unwrap();
    let early = record(&f, shop.id, &violation(10_000, "platform", None), "v1").await.unwrap();
    let early_id = early.subject_id.unwrap();
    let late = record(&f, shop.id, &violation(5_000, "platform", None), "v2").await.unwrap();
    let late_id = late.subject_id.unwrap();

    // Deciding before an appeal is refused.
    assert_eq!(code(f.app.decide_appeal(&f.reviewer, early_id, "upheld", "").await), Code::NotAppealable);
    // Six days later the merchant may still appeal.
    f.clock.advance_ms(6 * DAY_MS);
    assert_eq!(code(f.app.appeal_violation(&f.m1, early_id, "  ").await), Code::InvalidField);
    let appealed = f.app.appeal_violation(&f.m1, early_id, "快递揽收记录显示已按时发货").await.unwrap();
    assert_eq!(appealed.status.as_str(), "appealed");
    assert_eq!(appealed.appealed_at_ms, Some(start_time().timestamp_millis() + 6 * DAY_MS));
    assert_eq!(code(f.app.appeal_violation(&f.m1, early_id, "再次申诉").await), Code::NotAppealable);
    assert_eq!(f.app.appeal_queue(&f.reviewer.actor).await.unwrap().len(), 1);

    // Eight days after the violation the window has closed.
    f.clock.advance_ms(2 * DAY_MS);
    let closed = f.app.appeal_violation(&f.m1, late_id, "太晚了").await;
    assert_eq!(code(closed), Code::AppealWindowClosed);
    assert_eq!(f.app.violation(&f.m1.actor, late_id).await.unwrap().status.as_str(), "effective");

    // Upholding keeps the penalty.
    let upheld = f.app.decide_appeal(&f.reviewer, early_id, "upheld", "证据不足").await.unwrap();
    assert_eq!((upheld.status.as_str(), upheld.reversal_seq), ("upheld", None));
    assert_eq!(upheld.decision_note.as_deref(), Some("证据不足"));
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 35_000);
    assert_eq!(
        code(f.app.decide_appeal(&f.reviewer, early_id, "overturned", "").await),
        Code::AlreadyDecided
    );
    assert_eq!(code(f.app.decide_appeal(&f.reviewer, early_id, "maybe", "").await), Code::InvalidField);
    assert!(f.app.appeal_queue(&f.reviewer.actor).await.unwrap().is_empty());
    assert_eq!(all_entries(&f, shop.id, 100).await.len(), 3);
    assert_valid(&f.app).await;
}

async fn overturn_compensates_and_decides_once(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    top_up(&f, shop.id, 20_000, "k1").await.unwrap();
    let fine = record(&f, shop.id, &violation(30_000, "platform", None), "v1").await.unwrap();
    let id = fine.subject_id.unwrap();
    let comp = record(&f, shop.id, &violation(2_000, "consumer", Some("buyer-7")), "v2").await.unwrap();
    let comp_id = comp.subject_id.unwrap();
    assert_eq!(deposit(&f, shop.id).await.balance_fen, -12_000);
    let entries_before = all_entries(&f, shop.id, 100).await;
    let transfers_before = count(&f.app, "SELECT COUNT(*) FROM ledger_transfers").await;

    f.app.appeal_violation(&f.m1, id, "已按时发货").await.unwrap();
    let overturned = f.app.decide_appeal(&f.reviewer, id, "overturned", "申诉成立").await.unwrap();
    assert_eq!(overturned.status.as_str(), "overturned");
    let reversal = overturned.reversal_seq.expect("a compensating transfer");
    assert!(reversal > fine.transfer_ids[0]);
    assert_eq!(overturned.penalty_seq, Some(fine.transfer_ids[0]), "the penalty stays on record");
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 18_000, "the penalty is paid back");

    let entries = all_entries(&f, shop.id, 100).await;
    assert_eq!(entries.len(), entries_before.len() + 1, "one entry more, none removed");
    assert_eq!(&entries[1..], &entries_before[..], "the older entries are unchanged");
    assert_eq!(
        (entries[0].seq, entries[0].reason.as_str(), entries[0].amount_fen, entries[0].balance_after_fen),
        (reversal, "penalty_reversal", 30_000, 18_000)
    );
    assert_eq!(entries[0].reference, format!("violation:{id}"));
    assert_eq!(count(&f.app, "SELECT COUNT(*) FROM ledger_transfers").await, transfers_before + 1);
    let mut conn = f.app.db().read().await.unwrap();
    let penalty = store::ledger::find_transfer(&mut conn, fine.transfer_ids[0]).await.unwrap().unwrap();
    assert_eq!((penalty.amount_fen, penalty.reason.as_str()), (30_000, "penalty"));
    drop(conn);

    // A second decision, either way, is refused and moves nothing.
    assert_eq!(code(f.app.decide_appeal(&f.reviewer, id, "overturned", "").await), Code::AlreadyDecided);
    assert_eq!(code(f.app.decide_appeal(&f.reviewer2, id, "upheld", "").await), Code::AlreadyDecided);
    assert_eq!(code(f.app.appeal_violation(&f.m1, id, "再来").await), Code::NotAppealable);
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 18_000);

    // Overturning a consumer compensation takes it back from the compensation account.
    f.app.appeal_violation(&f.m1, comp_id, "买家已撤诉").await.unwrap();
    let back = f.app.decide_appeal(&f.reviewer2, comp_id, "overturned", "").await.unwrap();
    let mut conn = f.app.db().read().await.unwrap();
    let transfer =
        store::ledger::find_transfer(&mut conn, back.reversal_seq.unwrap()).await.unwrap().unwrap();
    let debit = store::ledger::find_account(&mut conn, transfer.debit_account_id).await.unwrap().unwrap();
    assert_eq!(debit.code, "consumer_compensation");
    drop(conn);
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 20_000);
    assert_valid(&f.app).await;
}

async fn concurrent_decisions_one_wins(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    top_up(&f, shop.id, 100_000, "k1").await.unwrap();
    const ROUNDS: usize = 6;
    let mut ids = Vec::new();
    for round in 0..ROUNDS {
        let recorded =
            record(&f, shop.id, &violation(1_000, "platform", None), &format!("v{round}")).await.unwrap();
        let id = recorded.subject_id.unwrap();
        f.app.appeal_violation(&f.m1, id, "申诉").await.unwrap();
        ids.push(id);
    }
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 100_000 - 1_000 * ROUNDS as i64);
    let mut overturned = 0;
    for (round, id) in ids.iter().enumerate() {
        // Both overturn in even rounds (a double reversal would show in the balance); in odd rounds
        // they disagree, and whichever comes first decides.
        let second = if round % 2 == 0 { "overturned" } else { "upheld" };
        let (a, b) = tokio::join!(
            f.app.decide_appeal(&f.reviewer, *id, "overturned", "一号审核员"),
            f.app.decide_appeal(&f.reviewer2, *id, second, "二号审核员"),
        );
        let winners: Vec<_> = [&a, &b].into_iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one decision wins: {a:?} {b:?}");
        let loser = if a.is_ok() { &b } else { &a };
        assert_eq!(loser.as_ref().unwrap_err().code, Code::AlreadyDecided, "round {round}");
        let stored = f.app.violation(&f.reviewer.actor, *id).await.unwrap();
        assert_eq!(stored.status, winners[0].status);
        if stored.status.as_str() == "overturned" {
            overturned += 1;
            assert!(stored.reversal_seq.is_some());
        } else {
            assert_eq!(stored.reversal_seq, None);
        }
    }
    assert_eq!(deposit(&f, shop.id).await.balance_fen, 100_000 - 1_000 * (ROUNDS as i64 - overturned));
    let reversals =
        count(&f.app, "SELECT COUNT(*) FROM ledger_transfers WHERE reason = 'penalty_reversal'").await;
    assert_eq!(reversals, overturned, "one compensating transfer per overturned violation");
    assert_valid(&f.app).await;
}

async fn statement_entries_and_csv(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    let other = open_shop(&f, &f.m2, "宁波二号店").await;
    let amounts = [12_345, 1, 99, 100_000, 7];
    for (index, amount) in amounts.iter().enumerate() {
        top_up(&f, shop.id, *amount, &format!("k{index}")).await.unwrap();
        // Another shop's movements interleave but never show in this statement.
        top_up(&f, other.id, 500, &format!("o{index}")).await.unwrap();
    }
    record(&f, shop.id, &violation(50_000, "platform", None), "v1").await.unwrap();
    let formula = f
        .app
        .top_up(&f.service, shop.id, 3, "=HYPERLINK(\"x\")", claim(&f.service, "k-formula", "/p", "{}"))
        .await
        .unwrap();
    let total: i64 = amounts.iter().sum::<i64>() - 50_000 + 3;
    assert_eq!(formula.balance_fen, Some(total));

    // Pages of two, newest first, together are the whole statement with a running balance.
    let paged = all_entries(&f, shop.id, 2).await;
    let whole = all_entries(&f, shop.id, 100).await;
    assert_eq!(paged, whole);
    assert_eq!(whole.len(), 7);
    let first_page = f.app.deposit_entries(&f.m1.actor, shop.id, Some(2), None).await.unwrap();
    assert_eq!(first_page.items.len(), 2);
    assert_eq!(first_page.next_cursor, Some(first_page.items[1].seq.to_string()));
    assert!(whole.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let mut running = 0;
    for entry in whole.iter().rev() {
        running += entry.amount_fen;
        assert_eq!(entry.balance_after_fen, running, "entry {}", entry.seq);
        assert_eq!(entry.held_change_fen, 0);
    }
    assert_eq!(running, total);
    assert_eq!(whole[1].amount_fen, -50_000);
    assert_eq!(whole[1].reason, "penalty");

    let csv = f.app.deposit_statement_csv(&f.m1.actor, shop.id).await.unwrap();
    assert!(csv.starts_with("\u{feff}时间 Time,"), "a byte-order mark, then the header");
    let lines: Vec<&str> = csv.trim_end_matches('\n').split('\n').collect();
    assert_eq!(lines.len(), whole.len() + 1, "a header and one line per entry:\n{csv}");
    for (line, entry) in lines[1..].iter().zip(whole.iter().rev()) {
        assert!(line.contains(&format!(",{},", entry.seq)), "{line}");
        assert!(line.ends_with(&app::shops::yuan(entry.balance_after_fen)), "{line}");
    }
    assert!(lines[1].starts_with("2026-11-23 10:00:00,"), "China time: {}", lines[1]);
    assert!(lines[1].contains(",123.45,"), "{}", lines[1]);
    assert!(lines[6].contains(",-500.00,"), "{}", lines[6]);
    assert!(lines[7].contains("\"'=HYPERLINK(\"\"x\"\")\""), "formulas are defused: {}", lines[7]);
    let other_csv = f.app.deposit_statement_csv(&f.m2.actor, other.id).await.unwrap();
    assert_eq!(other_csv.lines().count(), 6);
    assert_valid(&f.app).await;
}

async fn tampering_is_detected(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    top_up(&f, shop.id, 10_000, "k1").await.unwrap();
    top_up(&f, shop.id, 20_000, "k2").await.unwrap();
    record(&f, shop.id, &violation(3_000, "platform", None), "v1").await.unwrap();
    assert_eq!(assert_valid(&f.app).await, (3, 3));

    execute(&f.app, "UPDATE ledger_transfers SET amount_fen = amount_fen + 1 WHERE seq = 1").await;
    let LedgerReport::Broken(why) = f.app.verify_ledger().await.unwrap() else {
        panic!("an edited transfer went unnoticed")
    };
    assert!(why.contains("seq=1"), "{why}");
    execute(&f.app, "UPDATE ledger_transfers SET amount_fen = amount_fen - 1 WHERE seq = 1").await;
    assert_valid(&f.app).await;

    // Counters that no longer match their transfers.
    let sql = format!(
        "UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = {}",
        shop.deposit_account_id
    );
    execute(&f.app, &sql).await;
    let LedgerReport::Broken(why) = f.app.verify_ledger().await.unwrap() else {
        panic!("an edited account went unnoticed")
    };
    assert!(why.contains("account"), "{why}");
    let sql = format!(
        "UPDATE ledger_accounts SET credits_posted = credits_posted - 1 WHERE id = {}",
        shop.deposit_account_id
    );
    execute(&f.app, &sql).await;
    assert_valid(&f.app).await;

    // A transfer of the shop's deposit filed under another shop (its statement reads by shop).
    execute(&f.app, &format!("UPDATE ledger_transfers SET shop_id = {} WHERE seq = 1", shop.id + 1)).await;
    let LedgerReport::Broken(why) = f.app.verify_ledger().await.unwrap() else {
        panic!("a transfer under another shop went unnoticed")
    };
    assert!(why.contains("seq=1") && why.contains("another shop"), "{why}");
    execute(&f.app, &format!("UPDATE ledger_transfers SET shop_id = {} WHERE seq = 1", shop.id)).await;
    assert_valid(&f.app).await;

    // A deleted last transfer no longer matches the chain head.
    execute(&f.app, "DELETE FROM ledger_transfers WHERE seq = 3").await;
    assert!(matches!(f.app.verify_ledger().await.unwrap(), LedgerReport::Broken(_)));
}

async fn authorization_matrix(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    let theirs = open_shop(&f, &f.m2, "宁波二号店").await;
    top_up(&f, shop.id, 10_000, "k1").await.unwrap();
    let v = record(&f, shop.id, &violation(1_000, "platform", None), "v1").await.unwrap().subject_id.unwrap();

    // Who may move money.
    for ctx in [&f.m1, &f.reviewer, &f.admin] {
        assert_eq!(
            code(top_up_as(&f, ctx, shop.id, 100, "x").await),
            Code::Forbidden,
            "{}",
            ctx.actor.username
        );
    }
    for ctx in [&f.m1, &f.service, &f.admin] {
        let refused = record_as(&f, ctx, shop.id, &violation(100, "platform", None), "x").await;
        assert_eq!(code(refused), Code::Forbidden, "{}", ctx.actor.username);
    }
    assert_eq!(code(f.app.appeal_violation(&f.reviewer, v, "x").await), Code::Forbidden);
    assert_eq!(code(f.app.decide_appeal(&f.m1, v, "overturned", "").await), Code::Forbidden);
    assert_eq!(code(f.app.appeal_queue(&f.m1.actor).await), Code::Forbidden);
    assert_eq!(
        code(
            f.app
                .create_shop(
                    &f.reviewer,
                    &NewShopInput {
                        name: "审核员的店".into(),
                        entity_type: "individual".into(),
                        entity_name: "某人".into(),
                        category: "food".into(),
                    }
                )
                .await
        ),
        Code::Forbidden
    );

    // Another merchant's things are "not found", exactly like things that do not exist.
    let m2 = &f.m2.actor;
    assert_eq!(code(f.app.shop(m2, shop.id).await), Code::NotFound);
    assert_eq!(code(f.app.deposit(m2, shop.id).await), Code::NotFound);
    assert_eq!(code(f.app.deposit_entries(m2, shop.id, None, None).await), Code::NotFound);
    assert_eq!(code(f.app.deposit_statement_csv(m2, shop.id).await), Code::NotFound);
    assert_eq!(code(f.app.shop_violations(m2, shop.id).await), Code::NotFound);
    assert_eq!(code(f.app.violation(m2, v).await), Code::NotFound);
    assert_eq!(code(f.app.appeal_violation(&f.m2, v, "不是我的").await), Code::NotFound);
    assert_eq!(code(f.app.shop(m2, 999_999).await), Code::NotFound);
    let listed = f.app.list_shops(m2, None, None).await.unwrap();
    assert_eq!(listed.items.iter().map(|s| s.id).collect::<Vec<_>>(), [theirs.id]);

    // The owner and the platform roles see it.
    for actor in [&f.m1.actor, &f.reviewer.actor, &f.admin.actor, &f.service.actor] {
        assert_eq!(f.app.deposit(actor, shop.id).await.unwrap().balance_fen, 9_000);
        assert_eq!(f.app.violation(actor, v).await.unwrap().id, v);
    }
    assert_eq!(f.app.list_shops(&f.reviewer.actor, None, None).await.unwrap().items.len(), 2);
    assert_eq!(deposit(&f, theirs.id).await.balance_fen, 0);
    assert_eq!(assert_valid(&f.app).await, (2, 2), "refused requests moved nothing");
}

/// The closure checks of a shop, as (code, passed, count).
async fn checks(f: &Fixture, actor: &Actor, shop: i64) -> Vec<(&'static str, bool, i64)> {
    let report = f.app.closure_checks(actor, shop).await.unwrap();
    report.checks.iter().map(|c| (c.code.as_str(), c.passed, c.count)).collect()
}

fn check(all: &[(&'static str, bool, i64)], code: &str) -> (bool, i64) {
    let (_, passed, count) = all.iter().find(|(c, _, _)| *c == code).unwrap();
    (*passed, *count)
}

/// What the checks read in one statement: the counters, the deposit, settling and settlement
/// balances and the appeals, for the shop's own merchant and for platform roles only.
async fn closure_checks_read_the_counters_and_the_ledger(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    let fresh = checks(&f, &f.m1.actor, shop.id).await;
    assert!(fresh.iter().all(|(_, passed, _)| *passed), "{fresh:?}");
    assert_eq!(fresh.len(), 12);

    top_up(&f, shop.id, 10_000, "k1").await.unwrap();
    let penalty = record(&f, shop.id, &violation(30_000, "platform", None), "v1").await.unwrap();
    let now = checks(&f, &f.m1.actor, shop.id).await;
    assert_eq!(check(&now, "deposit_negative"), (false, 20_000));
    assert_eq!(check(&now, "violation_appeal_pending"), (true, 0));
    f.app.appeal_violation(&f.m1, penalty.subject_id.unwrap(), "快递揽收记录显示已按时发货").await.unwrap();
    assert_eq!(check(&checks(&f, &f.m1.actor, shop.id).await, "violation_appeal_pending"), (false, 1));

    let product = f.app.create_product(&f.m1, shop.id, "羊毛围巾", 9_900).await.unwrap();
    let order = f.app.create_order(&f.service, shop.id, product.id, "buyer-1", 9_900).await.unwrap();
    let now = checks(&f, &f.reviewer.actor, shop.id).await;
    assert_eq!((check(&now, "products_listed"), check(&now, "unshipped_orders")), ((false, 1), (false, 1)));
    f.app.ship_order(&f.m1, order.id).await.unwrap();
    assert_eq!(check(&checks(&f, &f.m1.actor, shop.id).await, "orders_in_transit"), (false, 1));
    f.app.complete_order(&f.service, order.id).await.unwrap();
    f.app.open_after_sales(&f.service, order.id, "refund", "商品与描述不符").await.unwrap();
    f.app.buyer_message(&f.service, shop.id, "buyer-1", "请问怎么退款？").await.unwrap();
    let now = checks(&f, &f.m1.actor, shop.id).await;
    assert_eq!(check(&now, "orders_in_transit"), (true, 0));
    assert_eq!(check(&now, "unsettled_funds"), (false, 9_900), "settling");
    assert_eq!(check(&now, "after_sales_open"), (false, 1));
    assert_eq!(check(&now, "unanswered_messages"), (false, 1));
    assert_eq!(check(&now, "last_order_recent"), (false, 1));

    // Seven days on, the proceeds are withdrawable: still unsettled funds, in the other account.
    f.clock.advance_ms(8 * DAY_MS);
    f.app.run_due_jobs(&f.admin).await.unwrap();
    assert_eq!(f.app.settlement(&f.m1.actor, shop.id).await.unwrap().withdrawable_fen, 9_900);
    assert_eq!(check(&checks(&f, &f.m1.actor, shop.id).await, "unsettled_funds"), (false, 9_900));

    // Another merchant's shop, or no shop at all, is not found.
    assert_eq!(code(f.app.closure_checks(&f.m2.actor, shop.id).await), Code::NotFound);
    assert_eq!(code(f.app.closure_checks(&f.admin.actor, shop.id + 1_000).await), Code::NotFound);
    assert_valid(&f.app).await;
}

/// The ledger engine keeps the accounts it wrote in memory between batches. A second server on
/// the same database (another `App`), and a use case's own transaction in this one, move the
/// same deposit in between: every answer reports the balance with all of it, and the ledger
/// verifies (stale counters written back would break it).
async fn the_engine_sees_money_moved_by_another_server(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    let config = AppConfig {
        deposit_policy: domain::operations::DepositPolicy { no_deposit_start: false, ..Default::default() },
        ..AppConfig::default()
    };
    let session_clock = Arc::new(ManualClock::new(start_time()));
    let other = App::new(f.db.open().await, f.clock.clone(), session_clock, config).await.unwrap();
    let other_service = user(&other, "svc-b", "service", None).await;
    let mut expected = 0;
    for round in 0..3 {
        expected += 10_000;
        let here = top_up(&f, shop.id, 10_000, &format!("here-{round}")).await.unwrap();
        assert_eq!(here.balance_fen, Some(expected), "round {round}: this server");
        expected += 1_000;
        let path = format!("/api/v1/shops/{}/deposit/top-ups", shop.id);
        let body = format!("there-{round}");
        let claim = claim(&other_service, &body, &path, &body);
        let there = other.top_up(&other_service, shop.id, 1_000, &body, claim).await.unwrap();
        assert_eq!(there.balance_fen, Some(expected), "round {round}: the other server");
        expected -= 500;
        record(&f, shop.id, &violation(500, "platform", None), &format!("v-{round}")).await.unwrap();
    }
    let last = top_up(&f, shop.id, 1, "last").await.unwrap();
    assert_eq!(last.balance_fen, Some(expected + 1));
    assert_eq!(deposit(&f, shop.id).await.balance_fen, expected + 1);
    assert_valid(&f.app).await;
}

/// Retries and new requests reach the engine at the same moment, so a batch holds both: each
/// retry answers its first outcome, each new request moves money once.
async fn a_batch_mixing_retries_and_new_requests(backend: Backend) {
    let f = fixture(backend).await;
    let shop = open_shop(&f, &f.m1, "杭州一号店").await;
    let mut first = Vec::new();
    for n in 0..8 {
        first.push(top_up(&f, shop.id, 100 + n, &format!("early-{n}")).await.unwrap());
    }
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..40_i64 {
        let (app, ctx) = (f.app.clone(), f.service.clone());
        tasks.spawn(async move {
            // Every fifth request retries one of the first eight; the others are new.
            let (key, amount) = if n % 5 == 0 {
                (format!("early-{}", n / 5), 100 + n / 5)
            } else {
                (format!("late-{n}"), 1_000)
            };
            let payment_ref = format!("pay-{key}");
            let path = format!("/api/v1/shops/{}/deposit/top-ups", shop.id);
            let body = format!(r#"{{"amount_fen":{amount},"payment_ref":"{payment_ref}"}}"#);
            let claim = claim(&ctx, &key, &path, &body);
            (n, app.top_up(&ctx, shop.id, amount, &payment_ref, claim).await.unwrap())
        });
    }
    let mut new_transfers = std::collections::BTreeSet::new();
    while let Some(joined) = tasks.join_next().await {
        let (n, outcome) = joined.unwrap();
        if n % 5 == 0 {
            let original = &first[(n / 5) as usize];
            assert_eq!(outcome, MoneyOutcome { replayed: true, ..original.clone() }, "retry {n}");
        } else {
            assert!(!outcome.replayed, "request {n}");
            assert!(new_transfers.insert(outcome.transfer_ids[0]), "request {n} got another's transfer");
        }
    }
    assert_eq!(new_transfers.len(), 32);
    let early: i64 = (0..8).map(|n| 100 + n).sum();
    assert_eq!(deposit(&f, shop.id).await.balance_fen, early + 32 * 1_000);
    assert_eq!(assert_valid(&f.app).await, (40, 40));
}
