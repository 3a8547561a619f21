//! Payouts and the platform feed through the use cases, on SQLite and PostgreSQL: a refund becomes
//! a payout whose instruction is on the feed, the channel reports it sent then paid and only then
//! does the refund read paid; a returned payout puts the money back, the merchant fixes the
//! account and the second payout is paid; withdrawals the same; repeated and contradictory
//! reports, sixteen at once; the reconciliation of a prepared file; `ledger verify` at every step.

use std::future::Future;
use std::sync::Arc;

use app::ledger::{IdempotencyClaim, LedgerReport};
use app::operations::{DueRow, DueTable};
use app::payouts::{PayeeInput, PayoutView};
use app::shops::{NewShopInput, ShopRow};
use app::{App, AppConfig, AppError, Code, Ctx, ManualClock};
use domain::payouts::{DifferenceKind, RefundArrival, Report};
use test_support::{Backend, TestDb, both_backends};

use crate::support::{at, user};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    reviewer: Ctx,
    merchant: Ctx,
    other: Ctx,
    admin: Ctx,
    _db: TestDb,
    _data: tempfile::TempDir,
}

async fn fixture(backend: Backend) -> Fixture {
    let start = "2026-03-02T10:00:00+08:00";
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at(start)));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let session_clock = Arc::new(ManualClock::new(at(start)));
    let app = App::new(db.open().await, clock.clone(), session_clock, config).await.unwrap();
    Fixture {
        service: user(&app, "svc", "service", None).await,
        reviewer: user(&app, "rev1", "reviewer", None).await,
        merchant: user(&app, "m1", "merchant", Some("一号商家")).await,
        other: user(&app, "m2", "merchant", Some("二号商家")).await,
        admin: user(&app, "boss", "admin", None).await,
        app,
        clock,
        _db: db,
        _data: data,
    }
}

const ENTITY: &str = "杭州小店科技有限公司";

async fn shop(f: &Fixture, name: &str) -> ShopRow {
    shop_of(f, name, ENTITY).await
}

async fn shop_of(f: &Fixture, name: &str, entity: &str) -> ShopRow {
    let input = NewShopInput {
        name: name.into(),
        entity_type: "enterprise".into(),
        entity_name: entity.into(),
        category: "apparel".into(),
    };
    let shop = f.app.create_shop(&f.merchant, &input).await.unwrap();
    f.app.set_payout_account(&f.merchant, shop.id, entity, "招商银行", "6222 0210 0111 2345").await.unwrap();
    shop
}

fn claim(ctx: &Ctx, key: &str) -> IdempotencyClaim {
    let scope = format!("user:{}", ctx.actor.user_id);
    IdempotencyClaim::parse(scope, Some(key), "POST", "/test", key.as_bytes()).unwrap()
}

async fn run_jobs_on(f: &Fixture, day: &str) {
    f.clock.set(at(&format!("{day}T00:00:01+08:00")));
    f.app.run_due_jobs(&f.admin).await.unwrap();
}

async fn assert_ledger_valid(f: &Fixture) {
    let report = f.app.verify_ledger().await.unwrap();
    assert!(matches!(report, LedgerReport::Valid { .. }), "{report:?}");
}

/// A shop with `deposit_fen` on deposit, closed after its notice, whose refund's release job
/// decided it in full: answers the shop and the refund id.
async fn refund_decided(f: &Fixture, name: &str, deposit_fen: i64) -> (ShopRow, i64) {
    // Each shop its own entity: the same entity may not open a shop while a refund is unsettled.
    let s = shop_of(f, name, &format!("{name}有限公司")).await;
    let key = format!("deposit-{}", s.id);
    f.app.top_up(&f.service, s.id, deposit_fen, &key, claim(&f.service, &key)).await.unwrap();
    let reason = "公司调整业务方向，不再经营线上店铺";
    f.app.request_closure(&f.merchant, s.id, "no_longer_operating", reason, &s.name).await.unwrap();
    let closure = f.app.closure(&f.merchant.actor, s.id).await.unwrap().unwrap();
    run_jobs_on(f, &closure.closes_on).await;
    let refund = f.app.deposit(&f.merchant.actor, s.id).await.unwrap().refund.unwrap().refund;
    run_jobs_on(f, &refund.release_on).await;
    (s, refund.id)
}

async fn payouts_of(f: &Fixture, refund: i64) -> Vec<PayoutView> {
    f.app.refund_payouts(&f.service.actor, refund).await.unwrap()
}

async fn refund_status(f: &Fixture, refund: i64) -> String {
    f.app.refund(&f.merchant.actor, refund).await.unwrap().refund.status.as_str().to_owned()
}

fn sent(r: &str) -> Report {
    Report::Sent { channel_ref: r.into() }
}
fn paid(d: &str) -> Report {
    Report::Paid { paid_on: d.into() }
}
fn failed(why: &str) -> Report {
    Report::Failed { reason: why.into() }
}

async fn feed_of_type(f: &Fixture, kind: &str) -> Vec<serde_json::Value> {
    let page = f.app.platform_events(&f.service.actor, 0, Some(500), 0).await.unwrap();
    page.events.into_iter().filter(|e| e.event_type == kind).map(|e| e.data).collect()
}

/// What the shop's deposit statement says of its refund's money.
async fn refund_arrival(f: &Fixture, shop: i64) -> Option<(RefundArrival, String)> {
    let page = f.app.deposit_entries(&f.merchant.actor, shop, Some(100), None).await.unwrap();
    let lines: Vec<_> = page.items.into_iter().filter(|e| e.reason == "deposit_refund").collect();
    assert_eq!(lines.len(), 1, "one refund line");
    lines[0].arrival.clone()
}

fn china_today(f: &Fixture) -> String {
    use app::Clock;
    (f.clock.now() + chrono::Duration::hours(8)).date_naive().to_string()
}

async fn balance(f: &Fixture, code: &str) -> i64 {
    let mut conn = f.app.db().read().await.unwrap();
    let accounts = store::ledger::all_accounts(&mut conn).await.unwrap();
    accounts.iter().filter(|a| a.code == code).map(|a| a.credits_posted - a.debits_posted).sum()
}

both_backends!(a_refund_is_paid_only_when_its_payout_is, a_returned_payout_is_paid_again_once);
both_backends!(
    withdrawals_are_payouts,
    racing_reports_have_one_effect,
    reconciliation_finds_each_planted_difference
);

both_backends!(ledger_verify_names_each_broken_payout);
both_backends!(commissions_are_paid_only_when_their_payout_is, racing_payees_send_one_payout);

async fn execute(f: &Fixture, sql: &str) {
    let mut tx = f.app.db().begin().await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    tx.commit().await.unwrap();
}

/// Each payout invariant broken by hand (business rows and references only) is named by
/// `ledger verify`, and holds again once restored.
async fn ledger_verify_names_each_broken_payout(backend: Backend) {
    let f = fixture(backend).await;
    let (_, paid_refund) = refund_decided(&f, "校验一号店", 10_000).await;
    let (_, flying_refund) = refund_decided(&f, "校验二号店", 20_000).await;
    let paid = payouts_of(&f, paid_refund).await[0].payout.id;
    let flying = payouts_of(&f, flying_refund).await[0].payout.id;
    f.app.report_payout(&f.service, paid, Report::Paid { paid_on: "2026-05-11".into() }).await.unwrap();
    assert_ledger_valid(&f).await;
    let cases: Vec<(String, String, String)> = vec![
        (
            format!("UPDATE payouts SET status = 'paid' WHERE id = {flying}"),
            format!("payout {flying} is paid with 1 in, 0 paid and 0 returned transfers"),
            format!("UPDATE payouts SET status = 'requested' WHERE id = {flying}"),
        ),
        (
            format!("UPDATE payouts SET status = 'sent' WHERE id = {paid}"),
            format!("payout {paid} is sent with 1 in, 1 paid and 0 returned transfers"),
            format!("UPDATE payouts SET status = 'paid' WHERE id = {paid}"),
        ),
        (
            format!("UPDATE payouts SET amount_fen = 19999 WHERE id = {flying}"),
            "payouts_in_flight holds 20000 fen, the payouts requested or sent 19999 fen".to_owned(),
            format!("UPDATE payouts SET amount_fen = 20000 WHERE id = {flying}"),
        ),
        (
            format!("UPDATE deposit_refunds SET status = 'paid' WHERE id = {flying_refund}"),
            format!("refund {flying_refund} is paid but none of its payouts is paid"),
            format!("UPDATE deposit_refunds SET status = 'paying' WHERE id = {flying_refund}"),
        ),
        (
            format!(
                "UPDATE ledger_transfers SET reference = 'payout:999' WHERE reason = 'payout_paid' AND reference = 'payout:{paid}'"
            ),
            "move money of payout 999, which does not exist".to_owned(),
            format!(
                "UPDATE ledger_transfers SET reference = 'payout:{paid}' WHERE reason = 'payout_paid' AND reference = 'payout:999'"
            ),
        ),
    ];
    for (corrupt, line, undo) in cases {
        execute(&f, &corrupt).await;
        match f.app.verify_ledger().await.unwrap() {
            LedgerReport::Invariants(problems) => {
                assert!(problems.iter().any(|p| p.contains(&line)), "{line:?} not in {problems:?}");
            }
            other => panic!("{line}: {other:?}"),
        }
        execute(&f, &undo).await;
        assert_ledger_valid(&f).await;
    }
}

async fn a_refund_is_paid_only_when_its_payout_is(backend: Backend) {
    let f = fixture(backend).await;
    let (s, refund) = refund_decided(&f, "一号店", 50_000).await;
    assert_eq!(refund_status(&f, refund).await, "paying", "decided is not paid");
    let payouts = payouts_of(&f, refund).await;
    let [payout] = payouts.as_slice() else { panic!("one payout: {payouts:?}") };
    let p = &payout.payout;
    assert_eq!((p.status.as_str(), p.amount_fen, p.purpose.as_str()), ("requested", 50_000, "refund"));
    assert_eq!(payout.account_number.as_deref(), Some("6222021001112345"), "the channel reads the number");
    let seen_by_finance = f.app.payout(&f.merchant.actor, p.id).await.unwrap();
    assert_eq!(seen_by_finance.account_number, None, "nobody else does");
    let hidden = f.app.payout(&f.other.actor, p.id).await.unwrap_err();
    assert_eq!(hidden.code, Code::NotFound, "another merchant's payout does not exist for it");
    assert_eq!(balance(&f, "payouts_in_flight").await, 50_000);
    assert_eq!(balance(&f, "refunds_payable").await, 0);
    assert_ledger_valid(&f).await;

    // The instruction is on the feed, once, with the payout's id.
    let events = feed_of_type(&f, "payout.requested").await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0]["payout_id"].as_i64(), events[0]["amount_fen"].as_i64()),
        (Some(p.id), Some(50_000))
    );
    assert_eq!(events[0]["payee"]["account_last4"], "2345");

    // Sent: still paying, and a repeat answers again; another reference is a contradiction.
    let first = f.app.report_payout(&f.service, p.id, sent("CH-1")).await.unwrap();
    assert_eq!(first.payout.status.as_str(), "sent");
    let again = f.app.report_payout(&f.service, p.id, sent("CH-1")).await.unwrap();
    assert_eq!(again.payout, first.payout);
    let other = f.app.report_payout(&f.service, p.id, sent("CH-2")).await.unwrap_err();
    assert_eq!(other.code, Code::PayoutReportConflict);
    assert_eq!(refund_status(&f, refund).await, "paying");
    let merchant_report = f.app.report_payout(&f.merchant, p.id, paid("2026-04-20")).await.unwrap_err();
    assert_eq!(merchant_report.code, Code::Forbidden, "only the channel reports");
    assert_ledger_valid(&f).await;

    // Overdue after N working days still sent: flagged for reviewers and counted.
    let today = f.app.clock().now();
    f.clock.set(today + chrono::Duration::days(10));
    let overdue = f.app.overdue_payouts(&f.reviewer.actor).await.unwrap();
    assert_eq!(overdue.iter().map(|v| v.payout.id).collect::<Vec<_>>(), [p.id]);
    assert_eq!(f.app.payout_gauges().await.unwrap(), (1, 1, 50_000));

    // Paid: the money leaves for payment clearing, the refund reads paid, and only now.
    let done = f.app.report_payout(&f.service, p.id, paid("2026-04-24T15:00:00+08:00")).await.unwrap();
    assert_eq!((done.payout.status.as_str(), done.payout.paid_on.as_deref()), ("paid", Some("2026-04-24")));
    assert_eq!(refund_status(&f, refund).await, "paid");
    assert_eq!(balance(&f, "payouts_in_flight").await, 0);
    let repeat = f.app.report_payout(&f.service, p.id, paid("2026-04-24")).await.unwrap();
    assert_eq!(repeat.payout, done.payout, "the same report answers again");
    for contradiction in [paid("2026-04-25"), failed("账户异常"), sent("CH-9")] {
        let refused = f.app.report_payout(&f.service, p.id, contradiction).await.unwrap_err();
        assert_eq!(refused.code, Code::PayoutReportConflict);
    }
    assert_eq!(f.app.payout_gauges().await.unwrap(), (0, 0, 0));
    let listed = f.app.payouts(&f.reviewer.actor, Some("paid"), Some(s.id), None, None).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_ledger_valid(&f).await;
}

async fn a_returned_payout_is_paid_again_once(backend: Backend) {
    let f = fixture(backend).await;
    let (s, refund) = refund_decided(&f, "二号店", 30_000).await;
    let first = payouts_of(&f, refund).await[0].payout.id;
    f.app.report_payout(&f.service, first, sent("CH-A")).await.unwrap();
    let returned = f.app.report_payout(&f.service, first, failed("收款账户已销户")).await.unwrap();
    assert_eq!(returned.payout.status.as_str(), "returned", "failed after it was sent: returned");
    let again = f.app.report_payout(&f.service, first, failed("收款账户已销户")).await.unwrap();
    assert_eq!(again.payout, returned.payout);
    assert_eq!(refund_status(&f, refund).await, "payout_failed", "owed again");
    assert_eq!(
        refund_arrival(&f, s.id).await,
        Some((RefundArrival::Failed, china_today(&f))),
        "the statement says the refund failed, and since when"
    );
    assert_eq!(balance(&f, "payouts_in_flight").await, 0);
    assert_eq!(balance(&f, "refunds_payable").await, 30_000, "the money is back where it came from");
    let notices = f.app.notifications(&f.merchant.actor, true, None, None).await.unwrap().items;
    assert!(
        notices.iter().any(|n| n.kind == "payout.failed" && n.text_zh.contains("请更新收款账户")),
        "{notices:?}"
    );
    assert_ledger_valid(&f).await;

    // The merchant fixes the account: one new payout, to the new account.
    f.app
        .set_payout_account(&f.merchant, s.id, &s.entity_name, "中国工商银行", "6212 2610 0200 3456")
        .await
        .unwrap();
    let payouts = payouts_of(&f, refund).await;
    assert_eq!(payouts.len(), 2);
    let second = &payouts[1];
    assert_eq!((second.payout.status.as_str(), second.payout.account_last4.as_str()), ("requested", "3456"));
    assert_eq!(refund_status(&f, refund).await, "paying");
    let twice = f
        .app
        .set_payout_account(&f.merchant, s.id, &s.entity_name, "中国工商银行", "6212 2610 0200 3456")
        .await;
    assert_eq!(twice.unwrap_err().code, Code::StatusConflict, "no third payout while one is in flight");
    assert_eq!(feed_of_type(&f, "payout.requested").await.len(), 2);
    assert_ledger_valid(&f).await;

    assert_eq!(refund_arrival(&f, s.id).await.map(|(a, _)| a), Some(RefundArrival::Paying));
    f.app.report_payout(&f.service, second.payout.id, paid("2026-05-06")).await.unwrap();
    assert_eq!(refund_status(&f, refund).await, "paid");
    assert_eq!(refund_arrival(&f, s.id).await, Some((RefundArrival::Paid, "2026-05-06".to_owned())));
    let csv = f.app.deposit_statement_csv(&f.merchant.actor, s.id).await.unwrap();
    let line = csv.lines().find(|l| l.contains("保证金退还")).unwrap_or_else(|| panic!("{csv}"));
    assert!(line.contains("\"已到账 2026-05-06\""), "{line}");
    assert!(
        csv.lines().any(|l| l.contains("\"充值\"")) && !csv.contains("top_up"),
        "words, not codes: {csv}"
    );
    assert_eq!(balance(&f, "refunds_payable").await, 0);
    assert_eq!(balance(&f, "payouts_in_flight").await, 0);
    let late = f.app.report_payout(&f.service, first, paid("2026-05-06")).await.unwrap_err();
    assert_eq!(late.code, Code::PayoutReportConflict, "the returned payout is never paid too");
    assert_ledger_valid(&f).await;
}

async fn withdrawals_are_payouts(backend: Backend) {
    let f = fixture(backend).await;
    let s = shop(&f, "提现店").await;
    let product = f.app.create_product(&f.merchant, s.id, "T恤", 10_000).await.unwrap();
    let order = f.app.create_order(&f.service, s.id, product.id, "buyer-1", 10_000).await.unwrap();
    f.app.ship_order(&f.merchant, order.id).await.unwrap();
    f.app.complete_order(&f.service, order.id).await.unwrap();
    run_jobs_on(&f, "2026-03-20").await;
    assert_eq!(f.app.settlement(&f.merchant.actor, s.id).await.unwrap().withdrawable_fen, 10_000);

    let outcome = f.app.withdraw(&f.merchant, s.id, 6_000, claim(&f.merchant, "w-1")).await.unwrap();
    let replay = f.app.withdraw(&f.merchant, s.id, 6_000, claim(&f.merchant, "w-1")).await.unwrap();
    assert!(replay.replayed && replay.subject_id == outcome.subject_id, "one payout per key");
    let id = outcome.subject_id.unwrap();
    assert_eq!(f.app.settlement(&f.merchant.actor, s.id).await.unwrap().withdrawable_fen, 4_000);
    assert_eq!(balance(&f, "payouts_in_flight").await, 6_000, "in flight, not yet in payment clearing");
    let failed_now = f.app.report_payout(&f.service, id, failed("户名不符")).await.unwrap();
    assert_eq!(failed_now.payout.status.as_str(), "failed", "refused before it was sent");
    assert_eq!(f.app.settlement(&f.merchant.actor, s.id).await.unwrap().withdrawable_fen, 10_000, "back");
    assert_ledger_valid(&f).await;

    let second = f.app.withdraw(&f.merchant, s.id, 10_000, claim(&f.merchant, "w-2")).await.unwrap();
    let second = second.subject_id.unwrap();
    f.app.report_payout(&f.service, second, sent("CH-W2")).await.unwrap();
    let done = f.app.report_payout(&f.service, second, paid("2026-03-23")).await.unwrap();
    assert_eq!(done.payout.purpose, "withdrawal");
    assert_eq!(balance(&f, "payouts_in_flight").await, 0);
    let list = f.app.payouts(&f.merchant.actor, None, Some(s.id), None, Some(1)).await.unwrap();
    assert_eq!((list.items.len(), list.next), (1, Some(second)), "newest first, one a page");
    let rest = f.app.payouts(&f.merchant.actor, None, Some(s.id), list.next, Some(10)).await.unwrap();
    assert_eq!(rest.items.iter().map(|v| v.payout.id).collect::<Vec<_>>(), [id]);
    assert_ledger_valid(&f).await;
}

const RACERS: usize = 16;

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

async fn racing_reports_have_one_effect(backend: Backend) {
    let f = fixture(backend).await;
    let (_, refund) = refund_decided(&f, "竞速店", 40_000).await;
    let id = payouts_of(&f, refund).await[0].payout.id;
    // Sixteen identical reports: one sends it, the others answer the same payout.
    let results = race(|_| {
        let (app, service) = (f.app.clone(), f.service.clone());
        async move { app.report_payout(&service, id, Report::Sent { channel_ref: "CH-R".into() }).await }
    })
    .await;
    let views: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    assert!(views.iter().all(|v| v.payout == views[0].payout && v.payout.status.as_str() == "sent"));
    // Sixteen contradictory reports, paid and failed half each: one kind wins, the others are refused.
    let results = race(|n| {
        let (app, service) = (f.app.clone(), f.service.clone());
        async move {
            let report = if n % 2 == 0 { paid("2026-04-20") } else { failed("账户冻结") };
            app.report_payout(&service, id, report).await
        }
    })
    .await;
    let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(won.len(), RACERS / 2, "the winner and its repeats: {results:?}");
    for result in &results {
        if let Err(error) = result {
            assert_eq!(error.code, Code::PayoutReportConflict, "{error:?}");
        }
    }
    let status = won[0].payout.status;
    assert!(won.iter().all(|v| v.payout.status == status));
    let mut conn = f.app.db().read().await.unwrap();
    let moved: Vec<_> = store::payouts::payout_transfers(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.reference == format!("payout:{id}"))
        .map(|t| t.reason)
        .collect();
    drop(conn);
    let out = if status.as_str() == "paid" { "payout_paid" } else { "payout_returned" };
    assert_eq!(moved, ["payout_requested", out], "exactly one effect");
    let expected_refund = if status.as_str() == "paid" { "paid" } else { "payout_failed" };
    assert_eq!(refund_status(&f, refund).await, expected_refund);
    assert_ledger_valid(&f).await;
}

async fn reconciliation_finds_each_planted_difference(backend: Backend) {
    let f = fixture(backend).await;
    let (_, r1) = refund_decided(&f, "对账一号店", 10_000).await;
    let (_, r2) = refund_decided(&f, "对账二号店", 20_000).await;
    let (_, r3) = refund_decided(&f, "对账三号店", 30_000).await;
    let (_, r4) = refund_decided(&f, "对账四号店", 40_000).await;
    let ids: Vec<i64> = [
        payouts_of(&f, r1).await,
        payouts_of(&f, r2).await,
        payouts_of(&f, r3).await,
        payouts_of(&f, r4).await,
    ]
    .iter()
    .map(|p| p[0].payout.id)
    .collect();
    let day = "2026-05-11";
    for id in [ids[0], ids[1], ids[3]] {
        f.app.report_payout(&f.service, id, sent(&format!("CH-{id}"))).await.unwrap();
        f.app.report_payout(&f.service, id, paid(day)).await.unwrap();
    }
    f.app.report_payout(&f.service, ids[2], sent(&format!("CH-{}", ids[2]))).await.unwrap();
    // Line 2 matches; line 3's amount differs; line 4 is paid in the file, only sent here; line 5
    // names no payout; line 6 pays the first one again; the fourth is paid here but not in the file.
    let file = format!(
        "payout_id,channel_ref,amount_fen,status,date\n{a},CH-{a},10000,paid,{day}\n{b},CH-{b},20001,paid,{day}\n\
         {c},CH-{c},30000,paid,{day}\n999999,CH-X,500,paid,{day}\n{a},CH-{a},10000,paid,{day}\n",
        a = ids[0],
        b = ids[1],
        c = ids[2],
    );
    let report = f.app.reconcile_payouts(&f.reviewer.actor, &file).await.unwrap();
    let found: Vec<(DifferenceKind, i64)> =
        report.differences.iter().map(|d| (d.kind, d.payout_id)).collect();
    use DifferenceKind as K;
    assert_eq!(
        found,
        [
            (K::AmountDiffers, ids[1]),
            (K::PaidOnlyInFile, ids[2]),
            (K::UnknownPayout, 999_999),
            (K::PaidTwice, ids[0]),
            (K::PaidOnlyHere, ids[3]),
        ]
    );
    let clean = format!(
        "{a},CH-{a},10000,paid,{day}\n{b},CH-{b},20000,paid,{day}\n{d},CH-{d},40000,paid,{day}\n",
        a = ids[0],
        b = ids[1],
        d = ids[3]
    );
    assert!(f.app.reconcile_payouts(&f.admin.actor, &clean).await.unwrap().differences.is_empty());
    let bad = f.app.reconcile_payouts(&f.reviewer.actor, "1,CH,10,paid").await.unwrap_err();
    assert_eq!(bad.code, Code::InvalidSettlementFile);
    let merchant = f.app.reconcile_payouts(&f.merchant.actor, &clean).await.unwrap_err();
    assert_eq!(merchant.code, Code::Forbidden);
}

// ----- the platform feed: every event type in the transaction that causes it -----

both_backends!(comment_and_video_events, shop_and_deposit_events, badge_events);

/// The types of the events written since `after`, and the new cursor.
async fn events_since(f: &Fixture, after: i64) -> (Vec<String>, Vec<serde_json::Value>, i64) {
    let page = f.app.platform_events(&f.service.actor, after, Some(500), 0).await.unwrap();
    let types = page.events.iter().map(|e| e.event_type.clone()).collect();
    let data = page.events.iter().map(|e| e.data.clone()).collect();
    (types, data, page.next)
}

async fn comment_and_video_events(backend: Backend) {
    use app::videos::VideoInput;
    let f = fixture(backend).await;
    let account = f.app.create_enterprise_account(&f.merchant, "一号企业号", "").await.unwrap();
    let input = VideoInput {
        title: "春节上新".into(),
        description: "新品上市".into(),
        tags: vec!["春节".into()],
        external_url: Some("https://v.example.com/clip/1".into()),
    };
    let video = f.app.create_video(&f.merchant, account.id, &input).await.unwrap();
    f.app.submit_video(&f.merchant, video.id).await.unwrap();
    f.app.approve_video(&f.merchant, video.id, "").await.unwrap();
    let (types, _, cursor) = events_since(&f, 0).await;
    assert!(types.is_empty(), "nothing the platform acts on yet: {types:?}");
    f.app.publish_video(&f.merchant, video.id).await.unwrap();
    let (types, data, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["video.published"]);
    assert_eq!(
        (data[0]["video_id"].as_i64(), data[0]["external_url"].as_str()),
        (Some(video.id), Some("https://v.example.com/clip/1"))
    );

    let line = |id: &str| {
        format!(
            "{{\"video_id\":{},\"comment_id\":\"{id}\",\"author_id\":\"u-{id}\",\"text\":\"什么时候发货\",\"created_at\":\"2026-03-02T09:00:00+08:00\"}}",
            video.id
        )
    };
    f.app.ingest_comments(&f.service, format!("{}\n{}", line("c-1"), line("c-2")).as_bytes()).await.unwrap();
    let (types, _, cursor) = events_since(&f, cursor).await;
    assert!(types.is_empty(), "buyers' comments come from the platform: {types:?}");
    let comments = f.app.comments(&f.merchant.actor, account.id, &Default::default()).await.unwrap().items;
    let id_of = |external: &str| comments.iter().find(|c| c.external_id == external).unwrap().id;
    let (c1, c2) = (id_of("c-1"), id_of("c-2"));

    f.app.reply_to_comment(&f.merchant, c1, "今天下午发出").await.unwrap();
    let (types, data, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["comment.reply_created"]);
    assert_eq!(
        (data[0]["parent_comment_id"].as_str(), data[0]["text"].as_str()),
        (Some("c-1"), Some("今天下午发出"))
    );
    f.app.pin_comment(&f.merchant, c1).await.unwrap();
    assert_eq!(events_since(&f, cursor).await.0, ["comment.pinned"]);
    let cursor = events_since(&f, cursor).await.2;
    f.app.pin_comment(&f.merchant, c2).await.unwrap();
    let (types, data, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["comment.unpinned", "comment.pinned"], "pinning another replaces the pin");
    assert_eq!((data[0]["comment_id"].as_str(), data[1]["comment_id"].as_str()), (Some("c-1"), Some("c-2")));
    f.app.unpin_comment(&f.merchant, c2).await.unwrap();
    f.app.unpin_comment(&f.merchant, c2).await.unwrap();
    let (types, _, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["comment.unpinned"], "unpinning twice is one fact");
    f.app.hide_comment(&f.merchant, c2).await.unwrap();
    let refused = f.app.reply_to_comment(&f.merchant, c2, "隐藏后不能回复").await.unwrap_err();
    assert_ne!(refused.code, Code::Internal);
    f.app.unhide_comment(&f.merchant, c2).await.unwrap();
    let (types, _, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["comment.hidden", "comment.unhidden"], "a refused reply writes no event");

    f.app.withdraw_video(&f.merchant, video.id).await.unwrap();
    let (types, data, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["video.withdrawn"]);
    assert_eq!(data[0]["video_id"].as_i64(), Some(video.id));

    // A video with its own file: the event links to the file, signed, for 72 hours.
    let input = VideoInput { external_url: None, ..input };
    let filed = f.app.create_video(&f.merchant, account.id, &input).await.unwrap();
    let mut mp4 = vec![0, 0, 0, 0x18];
    mp4.extend_from_slice(b"ftypisom\0\0\x02\0isomavc1");
    mp4.extend_from_slice(&[0, 0, 0, 8]);
    mp4.extend_from_slice(b"free");
    mp4.resize(20_000, 0x5A);
    let mut upload = f.app.begin_video_upload(&f.merchant.actor, filed.id, None).await.unwrap();
    upload.write(&mp4).await.unwrap();
    f.app.attach_video_file(&f.merchant, filed.id, upload).await.unwrap();
    f.app.submit_video(&f.merchant, filed.id).await.unwrap();
    f.app.approve_video(&f.merchant, filed.id, "").await.unwrap();
    f.app.publish_video(&f.merchant, filed.id).await.unwrap();
    let (types, data, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["video.published"]);
    let link = data[0]["file"]["url"].as_str().unwrap().to_owned();
    let query = link.split_once('?').unwrap().1;
    let param =
        |name: &str| query.split('&').find_map(|p| p.strip_prefix(&format!("{name}="))).unwrap().to_owned();
    let (expires, signature) = (param("expires").parse::<i64>().unwrap(), param("signature"));
    assert!(link.starts_with(&format!("/api/v1/platform/videos/{}/file?", filed.id)), "{link}");
    let (path, content_type) = f.app.platform_video_file(filed.id, expires, &signature).await.unwrap();
    assert_eq!((std::fs::read(&path).unwrap(), content_type), (mp4, "video/mp4"));
    let forged = f.app.platform_video_file(filed.id, expires + 1, &signature).await.unwrap_err();
    assert_eq!(forged.code, Code::NotFound, "the signature covers the expiry");
    let other = f.app.platform_video_file(video.id, expires, &signature).await.unwrap_err();
    assert_eq!(other.code, Code::NotFound, "and the video");
    let now = f.app.clock().now();
    f.clock.set(now + chrono::Duration::hours(73));
    let late = f.app.platform_video_file(filed.id, expires, &signature).await.unwrap_err();
    assert_eq!(late.code, Code::NotFound, "the link expires");
    f.clock.set(now);
    let _ = cursor;
    let page = f.app.platform_events(&f.service.actor, 0, Some(500), 0).await.unwrap();
    assert!(page.events.iter().all(|e| e.merchant_id == account.merchant_id));
    let ids: Vec<i64> = page.events.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids in order, none twice: {ids:?}");
    let refused = f.app.platform_events(&f.merchant.actor, 0, None, 0).await.unwrap_err();
    assert_eq!(refused.code, Code::Forbidden, "the feed is the platform's");
}

async fn shop_and_deposit_events(backend: Backend) {
    let f = fixture(backend).await;
    let s = shop(&f, "公示店").await;
    let reason = "公司调整业务方向，不再经营线上店铺";
    let blocked = f.app.request_closure(&f.merchant, s.id, "no_longer_operating", reason, "别的名字").await;
    assert!(blocked.is_err());
    assert!(events_since(&f, 0).await.0.is_empty(), "a refused request writes no event");
    f.app.request_closure(&f.merchant, s.id, "no_longer_operating", reason, &s.name).await.unwrap();
    let closure = f.app.closure(&f.merchant.actor, s.id).await.unwrap().unwrap();
    let (types, data, cursor) = events_since(&f, 0).await;
    assert_eq!(types, ["shop.notice_started"]);
    assert_eq!(data[0]["ends_on"].as_str(), Some(closure.closes_on.as_str()));
    assert!(data[0]["notice_zh"].as_str().unwrap().contains("停止经营"));
    f.app.withdraw_closure(&f.merchant, s.id).await.unwrap();
    assert_eq!(events_since(&f, cursor).await.0, ["shop.notice_withdrawn"]);
    let cursor = events_since(&f, cursor).await.2;

    // A penalty leaving the deposit below what the shop must keep is a shortfall; a small one is not.
    let key = "deposit-s";
    f.app.top_up(&f.service, s.id, 10_000, key, claim(&f.service, key)).await.unwrap();
    let violation = |penalty_fen| app::violations::NewViolationInput {
        kind: "late_shipment".into(),
        severity: "general".into(),
        penalty_fen,
        beneficiary: "platform".into(),
        buyer_id: None,
        evidence: "付款后 72 小时未发货".into(),
    };
    f.app.record_violation(&f.reviewer, s.id, &violation(4_000), claim(&f.reviewer, "v-1")).await.unwrap();
    assert!(events_since(&f, cursor).await.0.is_empty(), "still above the required deposit");
    f.app.record_violation(&f.reviewer, s.id, &violation(9_000), claim(&f.reviewer, "v-2")).await.unwrap();
    f.app.record_violation(&f.reviewer, s.id, &violation(9_000), claim(&f.reviewer, "v-2")).await.unwrap();
    let (types, data, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["deposit.shortfall"], "a replayed request is the same fact");
    assert_eq!((data[0]["balance_fen"].as_i64(), data[0]["shop_id"].as_i64()), (Some(-3_000), Some(s.id)));

    // The closure again, to the end: closed, then the payout instruction.
    f.app.top_up(&f.service, s.id, 3_000, "deposit-s2", claim(&f.service, "deposit-s2")).await.unwrap();
    f.app.request_closure(&f.merchant, s.id, "no_longer_operating", reason, &s.name).await.unwrap();
    let closure = f.app.closure(&f.merchant.actor, s.id).await.unwrap().unwrap();
    run_jobs_on(&f, &closure.closes_on).await;
    let (types, data, _) = events_since(&f, cursor).await;
    assert_eq!(types, ["shop.notice_started", "shop.closed"]);
    assert_eq!(data[1]["closed_on"].as_str(), Some(closure.closes_on.as_str()));
}

async fn badge_events(backend: Backend) {
    use app::verification::{ApplicationInput, DocumentUpload};
    let f = fixture(backend).await;
    let account = f.app.create_enterprise_account(&f.merchant, "小店科技", "").await.unwrap();
    let apply = |key: &'static str| {
        let f = &f;
        async move {
            let input = ApplicationInput {
                company_name: "杭州小店科技有限公司".into(),
                brand_name: None,
                uscc: "91350100M000100Y43".into(),
                legal_rep_name: "张三".into(),
                legal_rep_id_number: "11010519491231002X".into(),
                industry: "apparel".into(),
                contact_phone: "13800138000".into(),
                contact_email: "ops@example.com".into(),
                operator_is_legal_rep: true,
            };
            let view = f.app.create_verification(&f.merchant, account.id, &input).await.unwrap();
            let id = view.row.id;
            for kind in ["business_licence", "application_letter"] {
                let mut upload: DocumentUpload =
                    f.app.begin_document_upload(&f.merchant.actor, id).await.unwrap();
                upload.write(format!("%PDF-1.4\n% {kind} {id}\n").as_bytes()).unwrap();
                f.app.add_document(&f.merchant, id, kind, upload).await.unwrap();
            }
            let body = format!(r#"{{"amount_fen":60000,"payment_ref":"{key}"}}"#);
            let path = format!("/api/v1/verifications/{id}/fee-payments");
            let scope = format!("user:{}", f.service.actor.user_id);
            let fee = IdempotencyClaim::parse(scope, Some(key), "POST", &path, body.as_bytes()).unwrap();
            f.app.pay_verification_fee(&f.service, id, 60_000, key, fee).await.unwrap();
            f.app.submit_verification(&f.merchant, id).await.unwrap();
            f.app.claim_verification(&f.reviewer, id, None).await.unwrap();
            f.app.decide_verification(&f.reviewer, id, "approve", &[], "").await.unwrap();
        }
    };
    apply("fee-1").await;
    let (types, data, cursor) = events_since(&f, 0).await;
    assert_eq!(types, ["badge.granted"]);
    assert_eq!(
        (data[0]["valid_from"].as_str(), data[0]["valid_until"].as_str()),
        (Some("2026-03-02"), Some("2027-03-02"))
    );
    // Re-verified before the end: renewed for a year from the old end.
    f.clock.set(at("2027-02-01T10:00:00+08:00"));
    apply("fee-2").await;
    let (types, data, cursor) = events_since(&f, cursor).await;
    assert_eq!(types, ["badge.renewed"]);
    assert_eq!(data[0]["valid_until"].as_str(), Some("2028-03-02"));
    // The old end passes quietly; the new one removes the badge.
    run_jobs_on(&f, "2027-03-03").await;
    assert!(events_since(&f, cursor).await.0.is_empty(), "the renewal moved the end");
    run_jobs_on(&f, "2028-03-02").await;
    let (types, data, _) = events_since(&f, cursor).await;
    assert_eq!(types, ["badge.expired"]);
    assert_eq!(data[0]["account_id"].as_i64(), Some(account.id));
}

fn payee(number: &str) -> PayeeInput {
    PayeeInput {
        holder_name: "陈杰".into(), bank_name: "招商银行".into(), account_number: number.into()
    }
}

async fn commission(f: &Fixture, id: i64) -> DueRow {
    f.app.due(&f.merchant.actor, DueTable::Commissions, id).await.unwrap()
}

async fn commission_payouts(f: &Fixture, id: i64) -> Vec<PayoutView> {
    let page = f.app.payouts(&f.service.actor, None, None, None, Some(100)).await.unwrap();
    let mut list: Vec<_> =
        page.items.into_iter().filter(|v| v.payout.reference == format!("commission:{id}")).collect();
    list.reverse();
    list
}

/// A shop with 10,000 fen withdrawable from one settled order.
async fn trading_shop(f: &Fixture, name: &str) -> ShopRow {
    let s = shop(f, name).await;
    let product = f.app.create_product(&f.merchant, s.id, "T恤", 10_000).await.unwrap();
    let order = f.app.create_order(&f.service, s.id, product.id, "buyer-1", 10_000).await.unwrap();
    f.app.ship_order(&f.merchant, order.id).await.unwrap();
    f.app.complete_order(&f.service, order.id).await.unwrap();
    run_jobs_on(f, "2026-03-20").await;
    assert_eq!(f.app.settlement(&f.merchant.actor, s.id).await.unwrap().withdrawable_fen, 10_000);
    s
}

/// A commission is paid out to the creator through the channel and reads paid only when the
/// channel says so; without a payee its money waits in `commission_payable`; a returned payout
/// puts it back and the platform's new payee sends it again; `ledger verify` at every step.
async fn commissions_are_paid_only_when_their_payout_is(backend: Backend) {
    let f = fixture(backend).await;
    let s = trading_shop(&f, "佣金店").await;
    let refused =
        f.app.record_commission(&f.service, s.id, "达人-阿杰", 1_000, None, Some(&payee("12-34"))).await;
    assert_eq!(refused.unwrap_err().code, Code::InvalidField, "a bad account number is refused");
    assert!(
        f.app
            .dues(&f.merchant.actor, DueTable::Commissions, s.id, None, None)
            .await
            .unwrap()
            .items
            .is_empty(),
        "and stores nothing"
    );

    // Known payee: paying, then paid only when the channel reports it paid.
    let known = payee("6225 8801 2345 6789");
    let a = f.app.record_commission(&f.service, s.id, "达人-阿杰", 1_000, None, Some(&known)).await.unwrap();
    assert_eq!((a.status.as_str(), a.payee_last4.as_deref()), ("owed", Some("6789")));
    f.app.pay_commission(&f.merchant, a.id, claim(&f.merchant, "c-a")).await.unwrap();
    let replay = f.app.pay_commission(&f.merchant, a.id, claim(&f.merchant, "c-a")).await.unwrap();
    assert!(replay.replayed, "one payment per key");
    let a_now = commission(&f, a.id).await;
    assert_eq!(a_now.status.as_str(), "paying");
    assert!(a_now.charged_at_ms.is_some() && a_now.done_at_ms.is_none(), "charged, not yet arrived");
    assert_eq!(f.app.settlement(&f.merchant.actor, s.id).await.unwrap().withdrawable_fen, 9_000);
    assert_eq!((balance(&f, "commission_payable").await, balance(&f, "payouts_in_flight").await), (0, 1_000));
    let payouts = commission_payouts(&f, a.id).await;
    assert_eq!(payouts.len(), 1);
    let first = &payouts[0].payout;
    assert_eq!(
        (first.purpose.as_str(), first.holder_name.as_str(), first.account_last4.as_str()),
        ("commission", "陈杰", "6789")
    );
    let instruction = feed_of_type(&f, "payout.requested").await;
    assert!(
        instruction
            .iter()
            .any(|d| d["reference"] == format!("commission:{}", a.id) && d["purpose"] == "commission")
    );
    assert_eq!(
        f.app.payout(&f.service.actor, first.id).await.unwrap().account_number.as_deref(),
        Some("6225880123456789"),
        "the channel reads the number in clear"
    );
    assert_ledger_valid(&f).await;
    f.app.report_payout(&f.service, first.id, sent("CH-C1")).await.unwrap();
    assert_eq!(commission(&f, a.id).await.status.as_str(), "paying", "sent is not paid");
    f.app.report_payout(&f.service, first.id, paid("2026-03-23")).await.unwrap();
    let a_now = commission(&f, a.id).await;
    assert_eq!(a_now.status.as_str(), "paid");
    assert!(a_now.done_at_ms.is_some());
    assert_eq!(balance(&f, "payouts_in_flight").await, 0);
    let late = f.app.set_commission_payee(&f.service, a.id, &known).await.unwrap_err();
    assert_eq!(late.code, Code::StatusConflict, "a paid commission takes no new payee");
    assert_ledger_valid(&f).await;

    // No payee yet: the money waits; the payee comes; the payout is returned; a new payee; paid.
    let b = f.app.record_commission(&f.service, s.id, "达人-木木", 500, None, None).await.unwrap();
    f.app.pay_commission(&f.merchant, b.id, claim(&f.merchant, "c-b")).await.unwrap();
    assert_eq!(commission(&f, b.id).await.status.as_str(), "awaiting_payee");
    assert_eq!(balance(&f, "commission_payable").await, 500);
    assert!(commission_payouts(&f, b.id).await.is_empty());
    assert_ledger_valid(&f).await;
    let given = f.app.set_commission_payee(&f.service, b.id, &payee("6217 0000 1111 2222")).await.unwrap();
    assert_eq!((given.status.as_str(), given.payee_last4.as_deref()), ("paying", Some("2222")));
    assert_eq!(balance(&f, "commission_payable").await, 0);
    let b1 = commission_payouts(&f, b.id).await[0].payout.id;
    f.app.report_payout(&f.service, b1, sent("CH-C2")).await.unwrap();
    f.app.report_payout(&f.service, b1, failed("户名与账号不符")).await.unwrap();
    assert_eq!(commission(&f, b.id).await.status.as_str(), "payout_failed");
    assert_eq!((balance(&f, "commission_payable").await, balance(&f, "payouts_in_flight").await), (500, 0));
    let notices = f.app.notifications(&f.merchant.actor, true, None, None).await.unwrap().items;
    assert!(
        notices.iter().any(|n| n.kind == "payout.failed" && n.text_zh.contains("无需您操作")),
        "{notices:?}"
    );
    assert_ledger_valid(&f).await;
    f.app.set_commission_payee(&f.service, b.id, &payee("6217 0000 3333 4444")).await.unwrap();
    let again = commission_payouts(&f, b.id).await;
    assert_eq!(again.len(), 2);
    assert_eq!(
        (again[1].payout.status.as_str(), again[1].payout.account_last4.as_str()),
        ("requested", "4444")
    );
    f.app.report_payout(&f.service, again[1].payout.id, paid("2026-03-25")).await.unwrap();
    assert_eq!(commission(&f, b.id).await.status.as_str(), "paid");
    assert_eq!((balance(&f, "commission_payable").await, balance(&f, "payouts_in_flight").await), (0, 0));
    assert_ledger_valid(&f).await;

    // Only the platform gives payees; a commission read as paid without a paid payout is named.
    let denied = f.app.set_commission_payee(&f.merchant, b.id, &known).await.unwrap_err();
    assert_eq!(denied.code, Code::Forbidden);
    let c = f.app.record_commission(&f.service, s.id, "达人-小雨", 300, None, Some(&known)).await.unwrap();
    f.app.pay_commission(&f.merchant, c.id, claim(&f.merchant, "c-c")).await.unwrap();
    execute(&f, &format!("UPDATE commissions SET status = 'paid' WHERE id = {}", c.id)).await;
    match f.app.verify_ledger().await.unwrap() {
        LedgerReport::Invariants(problems) => {
            let line = format!("commission {} is paid with 1 payouts in flight and 0 paid", c.id);
            assert!(problems.iter().any(|p| p.contains(&line)), "{problems:?}");
        }
        other => panic!("{other:?}"),
    }
    execute(&f, &format!("UPDATE commissions SET status = 'paying' WHERE id = {}", c.id)).await;
    assert_ledger_valid(&f).await;
}

/// Sixteen payees given at once for a commission whose payout failed: one new payout.
async fn racing_payees_send_one_payout(backend: Backend) {
    let f = fixture(backend).await;
    let s = trading_shop(&f, "竞速佣金店").await;
    let c = f
        .app
        .record_commission(&f.service, s.id, "达人-阿杰", 800, None, Some(&payee("6225880123456789")))
        .await
        .unwrap();
    f.app.pay_commission(&f.merchant, c.id, claim(&f.merchant, "c-r")).await.unwrap();
    let first = commission_payouts(&f, c.id).await[0].payout.id;
    f.app.report_payout(&f.service, first, failed("账户冻结")).await.unwrap();
    let results = race(|n| {
        let (app, service) = (f.app.clone(), f.service.clone());
        async move { app.set_commission_payee(&service, c.id, &payee(&format!("621700001111{n:04}"))).await }
    })
    .await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    for error in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(error.code, Code::StatusConflict, "{error:?}");
    }
    let payouts = commission_payouts(&f, c.id).await;
    assert_eq!(payouts.len(), 2, "one new payout");
    assert_eq!(commission(&f, c.id).await.status.as_str(), "paying");
    assert_eq!(feed_of_type(&f, "payout.requested").await.len(), 2);
    assert_ledger_valid(&f).await;
}
