//! Story tests of shop operations and closure through the use cases, on SQLite and PostgreSQL:
//! every check failing and passing, the refusal with every blocker, the notice period delayed by a
//! new after-sales case, the automatic refund after 7 working days across the National Day
//! holiday, the reviewer path ending in `forfeited`, races, and counters that never drift.

use std::sync::Arc;

use crate::support::{at, user};
use app::closure::{ClosureOutcome, RefundView};
use app::ledger::{IdempotencyClaim, LedgerReport};
use app::operations::CaseTable;
use app::shops::{NewShopInput, ShopRow};
use app::violations::NewViolationInput;
use app::{App, AppConfig, Code, Ctx, ManualClock};
use domain::closure::CheckCode;
use domain::payouts::Report;
use test_support::{Backend, TestDb, both_backends};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    reviewer: Ctx,
    reviewer2: Ctx,
    merchant: Ctx,
    other: Ctx,
    admin: Ctx,
    _db: TestDb,
    _data: tempfile::TempDir,
}

async fn fixture(backend: Backend, start: &str) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at(start)));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let session_clock = Arc::new(ManualClock::new(at(start)));
    let app = App::new(db.open().await, clock.clone(), session_clock, config).await.unwrap();
    Fixture {
        service: user(&app, "svc", "service", None).await,
        reviewer: user(&app, "rev1", "reviewer", None).await,
        reviewer2: user(&app, "rev2", "reviewer", None).await,
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

fn claim(ctx: &Ctx, key: &str, body: &str) -> IdempotencyClaim {
    let scope = format!("user:{}", ctx.actor.user_id);
    IdempotencyClaim::parse(scope, Some(key), "POST", "/test", body.as_bytes()).unwrap()
}

async fn top_up(f: &Fixture, shop: i64, fen: i64, key: &str) {
    f.app.top_up(&f.service, shop, fen, key, claim(&f.service, key, key)).await.unwrap();
}

async fn run_jobs_at(f: &Fixture, when: &str) -> usize {
    f.clock.set(at(when));
    f.app.run_due_jobs(&f.admin).await.unwrap()
}

async fn failing(f: &Fixture, shop: i64) -> Vec<CheckCode> {
    let report = f.app.closure_checks(&f.merchant.actor, shop).await.unwrap();
    report.checks.iter().filter(|c| !c.passed).map(|c| c.code).collect()
}

async fn assert_counters_true(f: &Fixture, shop: i64) {
    let mut conn = f.app.db().read().await.unwrap();
    let kept = store::operations::activity(&mut conn, shop).await.unwrap().unwrap();
    let truth = store::operations::recount(&mut conn, shop).await.unwrap();
    assert_eq!(kept, truth, "the counters the checks read equal a recount of the rows");
}

/// The payment channel sends and pays the refund's payout in flight.
async fn pay_out(f: &Fixture, refund: i64) {
    let payouts = f.app.refund_payouts(&f.service.actor, refund).await.unwrap();
    let payout =
        payouts.iter().find(|p| p.payout.status.as_str() == "requested").expect("a payout in flight");
    let id = payout.payout.id;
    let sent = Report::Sent { channel_ref: format!("CH{id}") };
    f.app.report_payout(&f.service, id, sent).await.unwrap();
    let paid = Report::Paid { paid_on: f.app.clock().now().to_rfc3339() };
    let paid = f.app.report_payout(&f.service, id, paid).await.unwrap();
    assert_eq!(paid.payout.status.as_str(), "paid");
}

async fn assert_ledger_valid(f: &Fixture) {
    let report = f.app.verify_ledger().await.unwrap();
    assert!(matches!(report, LedgerReport::Valid { .. }), "{report:?}");
}

const REASON: &str = "公司调整业务方向，不再经营线上店铺";

async fn request(f: &Fixture, shop: &ShopRow) -> Result<ClosureOutcome, Code> {
    f.app
        .request_closure(&f.merchant, shop.id, "no_longer_operating", REASON, &shop.name)
        .await
        .map_err(|e| e.code)
}

fn violation(kind: &str, severity: &str, penalty_fen: i64) -> NewViolationInput {
    NewViolationInput {
        kind: kind.into(),
        severity: severity.into(),
        penalty_fen,
        beneficiary: "platform".into(),
        buyer_id: None,
        evidence: "订单截图".into(),
    }
}

both_backends!(every_check_fails_then_passes, closure_story_with_automatic_refund);
both_backends!(reviewer_forfeits_once_under_a_race, orders_racing_a_closure_never_leave_an_open_order);
both_backends!(bad_requests_change_nothing);

async fn every_check_fails_then_passes(backend: Backend) {
    let f = fixture(backend, "2026-03-02T10:00:00+08:00").await;
    let s = shop(&f, "一号店").await;
    assert!(failing(&f, s.id).await.is_empty(), "a new shop could close");

    // One thing of every kind left open.
    let product = f.app.create_product(&f.merchant, s.id, "夏季T恤", 5_900).await.unwrap();
    let unshipped = f.app.create_order(&f.service, s.id, product.id, "buyer-1", 5_900).await.unwrap();
    let in_transit = f.app.create_order(&f.service, s.id, product.id, "buyer-2", 5_900).await.unwrap();
    f.app.ship_order(&f.merchant, in_transit.id).await.unwrap();
    let completed = f.app.create_order(&f.service, s.id, product.id, "buyer-3", 10_000).await.unwrap();
    f.app.ship_order(&f.merchant, completed.id).await.unwrap();
    f.app.complete_order(&f.service, completed.id).await.unwrap();
    let case = f.app.open_after_sales(&f.service, completed.id, "refund", "尺码不合适").await.unwrap();
    let complaint = f.app.open_complaint(&f.service, s.id, "buyer-3", "客服态度差").await.unwrap();
    let message = f.app.buyer_message(&f.service, s.id, "buyer-4", "什么时候发货？").await.unwrap();
    let commission = f
        .app
        .record_commission(&f.service, s.id, "creator-1", 1_000, Some(completed.id), None)
        .await
        .unwrap();
    let invoice = f.app.request_invoice(&f.service, completed.id, ENTITY).await.unwrap();
    let penalty = f
        .app
        .record_violation(
            &f.reviewer,
            s.id,
            &violation("late_shipment", "minor", 3_000),
            claim(&f.reviewer, "v1", "v1"),
        )
        .await
        .unwrap();
    let second = f
        .app
        .record_violation(
            &f.reviewer,
            s.id,
            &violation("late_shipment", "minor", 100),
            claim(&f.reviewer, "v2", "v2"),
        )
        .await
        .unwrap();
    f.app.appeal_violation(&f.merchant, second.subject_id.unwrap(), "已按时发货，物流延误").await.unwrap();
    assert!(penalty.balance_fen.unwrap() < 0);

    let every = CheckCode::ALL.to_vec();
    assert_eq!(failing(&f, s.id).await, every, "each check fails");
    assert_counters_true(&f, s.id).await;
    // The refusal names every blocker at once (all but the waiting one) and changes nothing.
    match request(&f, &s).await.unwrap() {
        ClosureOutcome::Blocked(blockers) => {
            let codes: Vec<CheckCode> = blockers.iter().map(|c| c.code).collect();
            let expected: Vec<CheckCode> =
                every.iter().copied().filter(|c| *c != CheckCode::LastOrderRecent).collect();
            assert_eq!(codes, expected);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(f.app.shop(&f.merchant.actor, s.id).await.unwrap().status.as_str(), "operating");
    assert!(f.app.closure(&f.merchant.actor, s.id).await.unwrap().is_none());

    // Clearing them one by one.
    f.app.delist_product(&f.merchant, product.id).await.unwrap();
    f.app.cancel_order(&f.merchant, unshipped.id).await.unwrap();
    f.app.complete_order(&f.service, in_transit.id).await.unwrap();
    f.app.resolve_case(&f.merchant, CaseTable::AfterSales, case.id, "已退款").await.unwrap();
    f.app.resolve_case(&f.reviewer, CaseTable::Complaints, complaint.id, "已核实并处理").await.unwrap();
    f.app.reply(&f.merchant, message.conversation_id, "今天发货").await.unwrap();
    f.app.issue_invoice(&f.merchant, invoice.id, "044001900111").await.unwrap();
    f.app.decide_appeal(&f.reviewer, second.subject_id.unwrap(), "upheld", "物流记录显示延迟").await.unwrap();
    top_up(&f, s.id, 3_100, "pay-1").await;
    let left = failing(&f, s.id).await;
    assert_eq!(left, vec![CheckCode::LastOrderRecent, CheckCode::UnsettledFunds, CheckCode::CommissionOwed]);

    // Proceeds settle 7 days after completion; the commission is paid from them; the rest is withdrawn.
    let settlement = f.app.settlement(&f.merchant.actor, s.id).await.unwrap();
    assert_eq!((settlement.settling_fen, settlement.withdrawable_fen), (15_900, 0));
    run_jobs_at(&f, "2026-03-09T10:00:01+08:00").await;
    let settlement = f.app.settlement(&f.merchant.actor, s.id).await.unwrap();
    assert_eq!((settlement.settling_fen, settlement.withdrawable_fen), (0, 15_900));
    let paid =
        f.app.pay_commission(&f.merchant, commission.id, claim(&f.merchant, "c1", "c1")).await.unwrap();
    let again =
        f.app.pay_commission(&f.merchant, commission.id, claim(&f.merchant, "c1", "c1")).await.unwrap();
    assert_eq!(
        (again.transfer_ids.clone(), again.replayed),
        (paid.transfer_ids.clone(), true),
        "a retry replays"
    );
    let twice =
        f.app.pay_commission(&f.merchant, commission.id, claim(&f.merchant, "c2", "c2")).await.unwrap_err();
    assert_eq!(twice.code, Code::StatusConflict, "a second payment under another key is refused");
    let too_much =
        f.app.withdraw(&f.merchant, s.id, 15_000, claim(&f.merchant, "w0", "w0")).await.unwrap_err();
    assert_eq!(too_much.code, Code::InsufficientFunds);
    f.app.withdraw(&f.merchant, s.id, 14_900, claim(&f.merchant, "w1", "w1")).await.unwrap();
    assert_eq!(failing(&f, s.id).await, vec![CheckCode::LastOrderRecent]);

    // The last order completed on 2026-03-02: the check clears on 2026-05-31 by itself.
    let report = f.app.closure_checks(&f.merchant.actor, s.id).await.unwrap();
    let recent = report.checks.iter().find(|c| c.code == CheckCode::LastOrderRecent).unwrap();
    assert_eq!(recent.clears_on.map(|d| d.to_string()).as_deref(), Some("2026-05-31"));
    assert_eq!((report.blocked, report.earliest_close_on.to_string().as_str()), (false, "2026-05-31"));
    f.clock.set(at("2026-05-31T09:00:00+08:00"));
    assert!(failing(&f, s.id).await.is_empty(), "every check passes");
    assert_counters_true(&f, s.id).await;
    assert_ledger_valid(&f).await;
}

async fn closure_story_with_automatic_refund(backend: Backend) {
    let f = fixture(backend, "2026-05-01T10:00:00+08:00").await;
    let s = shop(&f, "国庆店").await;
    top_up(&f, s.id, 50_000, "deposit-1").await;
    let product = f.app.create_product(&f.merchant, s.id, "月饼礼盒", 19_900).await.unwrap();
    let order = f.app.create_order(&f.service, s.id, product.id, "buyer-1", 19_900).await.unwrap();
    f.app.ship_order(&f.merchant, order.id).await.unwrap();
    f.app.complete_order(&f.service, order.id).await.unwrap();
    f.app.delist_product(&f.merchant, product.id).await.unwrap();
    run_jobs_at(&f, "2026-05-09T10:00:00+08:00").await;
    f.app.withdraw(&f.merchant, s.id, 19_900, claim(&f.merchant, "w1", "w1")).await.unwrap();

    // Asked on 2026-08-29: 30 days of notice end on 2026-09-28 (the 90 quiet days ended in July).
    f.clock.set(at("2026-08-29T10:00:00+08:00"));
    let closure = match request(&f, &s).await.unwrap() {
        ClosureOutcome::Notice(closure) => closure,
        other => panic!("expected the notice period, got {other:?}"),
    };
    assert_eq!((closure.status.as_str(), closure.closes_on.as_str()), ("notice_period", "2026-09-28"));
    assert_eq!(f.app.shop(&f.merchant.actor, s.id).await.unwrap().status.as_str(), "notice_period");
    assert_eq!(request(&f, &s).await.unwrap_err(), Code::StatusConflict, "one closure at a time");
    let refused = f.app.create_order(&f.service, s.id, product.id, "buyer-9", 100).await.unwrap_err();
    assert_eq!(refused.code, Code::ShopNotAcceptingOrders, "no new orders during the notice period");

    // A buyer opens an after-sales case during the notice period: the closing day finds it.
    f.clock.set(at("2026-09-10T10:00:00+08:00"));
    let case = f.app.open_after_sales(&f.service, order.id, "return", "质量问题").await.unwrap();
    run_jobs_at(&f, "2026-09-28T08:00:00+08:00").await;
    let waiting = f.app.closure(&f.merchant.actor, s.id).await.unwrap().unwrap();
    assert_eq!((waiting.status.as_str(), waiting.blockers.as_str()), ("notice_period", "after_sales_open"));
    assert_eq!(f.app.shop(&f.merchant.actor, s.id).await.unwrap().status.as_str(), "notice_period");
    let held = f.app.notifications(&f.merchant.actor, true, None, None).await.unwrap().items;
    let held: Vec<&str> =
        held.iter().filter(|n| n.kind == "closure.held").map(|n| n.text_zh.as_str()).collect();
    assert_eq!(held.len(), 1, "the merchant is told once");
    assert!(held[0].contains("仍有未完结的售后"), "{held:?}");
    f.app.resolve_case(&f.merchant, CaseTable::AfterSales, case.id, "已退货退款").await.unwrap();

    // The daily re-check closes the shop on 2026-09-29 and holds the whole deposit.
    run_jobs_at(&f, "2026-09-29T00:00:01+08:00").await;
    assert_eq!(f.app.shop(&f.merchant.actor, s.id).await.unwrap().status.as_str(), "closed");
    let deposit = f.app.deposit(&f.merchant.actor, s.id).await.unwrap();
    assert_eq!((deposit.balance_fen, deposit.held_fen), (50_000, 50_000));
    let RefundView { refund, overdue } = deposit.refund.clone().unwrap();
    assert_eq!(
        (
            refund.status.as_str(),
            refund.closed_on.as_str(),
            refund.release_on.as_str(),
            refund.due_on.as_str()
        ),
        ("holding", "2026-09-29", "2026-10-14", "2026-10-26"),
        "7 working days cross the National Day holiday and count the make-up Saturday 2026-10-10"
    );
    assert!(!overdue);
    let closed = f.app.create_order(&f.service, s.id, product.id, "buyer-9", 100).await.unwrap_err();
    assert_eq!(closed.code, Code::ShopNotAcceptingOrders);
    let withdraw = f.app.withdraw_closure(&f.merchant, s.id).await.unwrap_err();
    assert_eq!(withdraw.code, Code::StatusConflict, "closing cannot be undone");
    let early = f.app.decide_refund(&f.reviewer, refund.id, "full", 0, "").await.unwrap_err();
    assert_eq!(early.code, Code::StatusConflict, "held until the release day");

    // The day before release nothing moves; on the release day the refund is paid in full.
    run_jobs_at(&f, "2026-10-13T23:59:59+08:00").await;
    assert_eq!(f.app.refund(&f.merchant.actor, refund.id).await.unwrap().refund.status.as_str(), "holding");
    run_jobs_at(&f, "2026-10-14T00:00:00+08:00").await;
    let paying = f.app.refund(&f.merchant.actor, refund.id).await.unwrap().refund;
    assert_eq!(
        (paying.status.as_str(), paying.paid_fen, paying.deduct_fen),
        ("paying", Some(50_000), Some(0)),
        "decided, but paid only once the channel confirms the payout"
    );
    pay_out(&f, refund.id).await;
    let paid = f.app.refund(&f.merchant.actor, refund.id).await.unwrap().refund;
    assert_eq!((paid.status.as_str(), paid.paid_fen, paid.deduct_fen), ("paid", Some(50_000), Some(0)));
    let deposit = f.app.deposit(&f.merchant.actor, s.id).await.unwrap();
    assert_eq!((deposit.balance_fen, deposit.held_fen), (0, 0));
    assert_ledger_valid(&f).await;
    assert_counters_true(&f, s.id).await;

    // The same entity may open a new shop only 6 months after the refund.
    let input = NewShopInput {
        name: "二号店".into(),
        entity_type: "enterprise".into(),
        entity_name: ENTITY.into(),
        category: "food".into(),
    };
    f.clock.set(at("2027-04-13T12:00:00+08:00"));
    let wait = f.app.create_shop(&f.merchant, &input).await.unwrap_err();
    assert_eq!(wait.code, Code::ReopenCooldown);
    f.clock.set(at("2027-04-14T00:00:00+08:00"));
    f.app.create_shop(&f.merchant, &input).await.unwrap();
    assert_eq!(
        f.app.shop(&f.merchant.actor, s.id).await.unwrap().status.as_str(),
        "closed",
        "the closed shop stays readable"
    );
}

/// A shop closed on 2026-02-04 with a violation of `severity`, its refund in review since the
/// release day; answers the refund id.
async fn closed_shop_in_review(f: &Fixture, name: &str, entity: &str, severity: &str) -> i64 {
    f.clock.set(at("2026-01-05T10:00:00+08:00"));
    let s = shop_of(f, name, entity).await;
    top_up(f, s.id, 50_000, &format!("deposit-{}", s.id)).await;
    let v = violation("false_advertising", severity, 10_000);
    let key = format!("violation-{}", s.id);
    f.app.record_violation(&f.reviewer, s.id, &v, claim(&f.reviewer, &key, &key)).await.unwrap();
    assert!(matches!(request(f, &s).await.unwrap(), ClosureOutcome::Notice(_)));
    run_jobs_at(f, "2026-02-04T00:00:00+08:00").await;
    assert_eq!(f.app.shop(&f.merchant.actor, s.id).await.unwrap().status.as_str(), "closed");
    let refund = f.app.deposit(&f.merchant.actor, s.id).await.unwrap().refund.unwrap().refund;
    // Due 15 working days after closure: across the Spring Festival and both of its make-up Saturdays.
    assert_eq!((refund.release_on.as_str(), refund.due_on.as_str()), ("2026-02-13", "2026-03-03"));
    run_jobs_at(f, "2026-02-13T00:00:00+08:00").await;
    let refund = f.app.refund(&f.reviewer.actor, refund.id).await.unwrap().refund;
    assert_eq!((refund.status.as_str(), refund.review_reasons.as_str()), ("in_review", "violations"));
    refund.id
}

async fn reviewer_forfeits_once_under_a_race(backend: Backend) {
    let f = fixture(backend, "2026-01-05T10:00:00+08:00").await;
    let refund = closed_shop_in_review(&f, "严重违规店", ENTITY, "serious").await;
    let shop_id = f.app.refund(&f.reviewer.actor, refund).await.unwrap().refund.shop_id;
    let queue = f.app.list_refunds(&f.reviewer.actor, Some("in_review"), None, None).await.unwrap().items;
    assert_eq!(queue.iter().map(|r| r.refund.id).collect::<Vec<_>>(), vec![refund]);
    // The home page's count of the queue: one waiting, due later, none overdue; then on its due
    // day and the day after (the clock moved, nothing else).
    let counts = f.app.refund_review_counts(&f.reviewer.actor).await.unwrap();
    assert_eq!((counts.waiting, counts.due_today, counts.overdue), (1, 0, 0));
    let due_on = queue[0].refund.due_on.clone();
    f.clock.set(at(&format!("{due_on}T09:00:00+08:00")));
    let counts = f.app.refund_review_counts(&f.reviewer.actor).await.unwrap();
    assert_eq!((counts.waiting, counts.due_today, counts.overdue), (1, 1, 0));
    f.clock.advance_ms(86_400_000);
    let counts = f.app.refund_review_counts(&f.reviewer.actor).await.unwrap();
    assert_eq!((counts.waiting, counts.due_today, counts.overdue), (1, 0, 1));
    f.clock.set(at("2026-01-05T10:00:00+08:00"));
    assert_eq!(f.app.refund_review_counts(&f.merchant.actor).await.unwrap_err().code, Code::Forbidden);
    assert_eq!(
        f.app.list_refunds(&f.merchant.actor, None, None, None).await.unwrap_err().code,
        Code::Forbidden
    );
    assert_eq!(
        f.app.decide_refund(&f.merchant, refund, "full", 0, "").await.unwrap_err().code,
        Code::Forbidden
    );
    let bad = f.app.decide_refund(&f.reviewer, refund, "partial", 40_000, "赔付").await.unwrap_err();
    assert_eq!(bad.code, Code::InvalidAmount, "the deduction must leave something to pay (balance 40,000)");
    let no_reason = f.app.decide_refund(&f.reviewer, refund, "forfeit", 0, "").await.unwrap_err();
    assert_eq!(no_reason.code, Code::InvalidField);

    // Past the due day, undecided: flagged overdue, and still held.
    run_jobs_at(&f, "2026-03-10T10:00:00+08:00").await;
    let late = f.app.refund(&f.reviewer.actor, refund).await.unwrap();
    assert!(late.overdue && late.refund.status.as_str() == "in_review");
    assert_eq!(f.app.overdue_refunds().await.unwrap(), 1);

    // Two reviewers decide at once: exactly one wins.
    let (a, b) = tokio::join!(
        f.app.decide_refund(&f.reviewer, refund, "forfeit", 0, "虚假宣传，严重违规"),
        f.app.decide_refund(&f.reviewer2, refund, "partial", 10_000, "扣除赔付")
    );
    let wins = [a.is_ok(), b.is_ok()];
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{a:?} {b:?}");
    let a_won = a.is_ok();
    let loser = if a_won { b.unwrap_err() } else { a.unwrap_err() };
    assert_eq!(loser.code, Code::AlreadyDecided);
    let decided = f.app.refund(&f.reviewer.actor, refund).await.unwrap();
    assert!(!decided.overdue);
    let deposit = f.app.deposit(&f.merchant.actor, shop_id).await.unwrap();
    assert_eq!((deposit.balance_fen, deposit.held_fen), (0, 0), "paid out or kept, never both, never twice");
    let (paid, kept) = (decided.refund.paid_fen.unwrap(), decided.refund.deduct_fen.unwrap());
    assert_eq!(paid + kept, 40_000);
    // A retry of the winning decision answers the same; nothing moves again.
    let (winner, outcome, deduct, reason) = if a_won {
        (&f.reviewer, "forfeit", 0, "虚假宣传，严重违规")
    } else {
        (&f.reviewer2, "partial", 10_000, "扣除赔付")
    };
    let retry = f.app.decide_refund(winner, refund, outcome, deduct, reason).await.unwrap();
    assert_eq!(retry.refund, decided.refund);
    assert_ledger_valid(&f).await;

    // Forfeiting needs a serious violation in force; a minor one allows a partial refund.
    let minor = closed_shop_in_review(&f, "轻微违规店", "宁波小店有限公司", "minor").await;
    let refused = f.app.decide_refund(&f.reviewer, minor, "forfeit", 0, "试图没收").await.unwrap_err();
    assert_eq!(refused.code, Code::ForfeitNotAllowed);
    let partial = f.app.decide_refund(&f.reviewer, minor, "partial", 5_000, "赔付消费者").await.unwrap();
    assert_eq!(
        (partial.refund.status.as_str(), partial.refund.paid_fen, partial.refund.deduct_fen),
        ("paying", Some(35_000), Some(5_000))
    );
    pay_out(&f, minor).await;
    let partial = f.app.refund(&f.reviewer.actor, minor).await.unwrap();
    assert_eq!(partial.refund.status.as_str(), "partially_paid");
    assert_ledger_valid(&f).await;
}

async fn orders_racing_a_closure_never_leave_an_open_order(backend: Backend) {
    let f = fixture(backend, "2026-01-05T10:00:00+08:00").await;
    for round in 0..6 {
        let s = shop(&f, &format!("竞速店{round}")).await;
        let product = f.app.create_product(&f.merchant, s.id, "商品", 100).await.unwrap();
        // The product stays listed until the race: delist, then race an order against the request.
        let (order, closure) = tokio::join!(
            async {
                tokio::task::yield_now().await;
                f.app.create_order(&f.service, s.id, product.id, "buyer", 100).await
            },
            async {
                f.app.delist_product(&f.merchant, product.id).await.unwrap();
                request(&f, &s).await
            }
        );
        match (order, closure) {
            (Ok(_), Ok(ClosureOutcome::Blocked(blockers))) => {
                assert!(blockers.iter().any(|c| c.code == CheckCode::UnshippedOrders));
            }
            (Err(e), Ok(ClosureOutcome::Notice(_))) => {
                assert!(matches!(e.code, Code::ShopNotAcceptingOrders | Code::StatusConflict), "{e:?}");
            }
            other => panic!("round {round}: an order and a closure both went through: {other:?}"),
        }
        assert_counters_true(&f, s.id).await;
    }
    // The closing job against an order arriving at the same moment (only possible before notice
    // through the request, so here: a buyer's after-sales case racing the job).
    let s = shop(&f, "收尾店").await;
    let product = f.app.create_product(&f.merchant, s.id, "商品", 100).await.unwrap();
    let order = f.app.create_order(&f.service, s.id, product.id, "buyer", 100).await.unwrap();
    f.app.ship_order(&f.merchant, order.id).await.unwrap();
    f.app.complete_order(&f.service, order.id).await.unwrap();
    f.app.delist_product(&f.merchant, product.id).await.unwrap();
    run_jobs_at(&f, "2026-01-13T10:00:00+08:00").await;
    f.app.withdraw(&f.merchant, s.id, 100, claim(&f.merchant, "race-w", "race-w")).await.unwrap();
    f.clock.set(at("2026-04-10T10:00:00+08:00"));
    let ClosureOutcome::Notice(closure) = request(&f, &s).await.unwrap() else { panic!("blocked") };
    f.clock.set(at(&format!("{}T00:00:00+08:00", closure.closes_on)));
    let (jobs, case) = tokio::join!(
        f.app.run_due_jobs(&f.admin),
        f.app.open_after_sales(&f.service, order.id, "refund", "迟到的售后")
    );
    jobs.unwrap();
    let case = case.unwrap();
    let status = f.app.shop(&f.merchant.actor, s.id).await.unwrap().status.as_str();
    let blockers = f.app.closure(&f.merchant.actor, s.id).await.unwrap().unwrap().blockers;
    // Either the case came first and holds the shop in notice, or the shop closed first and the
    // case sends its refund to review.
    assert!(
        status == "notice_period" && blockers == "after_sales_open" || status == "closed",
        "{status} {blockers}"
    );
    assert_eq!(
        f.app.case(&f.merchant.actor, CaseTable::AfterSales, case.id).await.unwrap().status.as_str(),
        "open"
    );
    assert_counters_true(&f, s.id).await;
    assert_ledger_valid(&f).await;
}

async fn bad_requests_change_nothing(backend: Backend) {
    let f = fixture(backend, "2026-01-05T10:00:00+08:00").await;
    let s = shop(&f, "规矩店").await;
    let code = |r: Result<ClosureOutcome, app::AppError>| r.unwrap_err().code;
    let too_short = f.app.request_closure(&f.merchant, s.id, "other", "不想干了", &s.name).await;
    assert_eq!(code(too_short), Code::ClosureReasonIncomplete);
    let unknown = f.app.request_closure(&f.merchant, s.id, "bored", REASON, &s.name).await;
    assert_eq!(code(unknown), Code::ClosureReasonIncomplete);
    let wrong_name = f.app.request_closure(&f.merchant, s.id, "poor_results", REASON, "规矩").await;
    assert_eq!(code(wrong_name), Code::ConfirmNameMismatch);
    let not_mine = f.app.request_closure(&f.other, s.id, "poor_results", REASON, &s.name).await;
    assert_eq!(code(not_mine), Code::NotFound);
    let service = f.app.request_closure(&f.service, s.id, "poor_results", REASON, &s.name).await;
    assert_eq!(code(service), Code::Forbidden);
    assert!(f.app.closure(&f.merchant.actor, s.id).await.unwrap().is_none());
    assert_eq!(f.app.withdraw_closure(&f.merchant, s.id).await.unwrap_err().code, Code::StatusConflict);

    let mismatch = f.app.set_payout_account(&f.merchant, s.id, "张三", "招商银行", "6222021001112345").await;
    assert_eq!(mismatch.unwrap_err().code, Code::PayoutHolderMismatch);
    let digits = f.app.set_payout_account(&f.merchant, s.id, ENTITY, "招商银行", "62220x").await;
    assert_eq!(digits.unwrap_err().code, Code::InvalidField);
    let payout = f.app.payout_account(&f.merchant.actor, s.id).await.unwrap().unwrap();
    assert_eq!(payout.account_last4, "2345", "the earlier account stays");

    assert_eq!(f.app.create_product(&f.merchant, s.id, "", 100).await.unwrap_err().code, Code::InvalidField);
    assert_eq!(
        f.app.create_product(&f.merchant, s.id, "T恤", 0).await.unwrap_err().code,
        Code::InvalidAmount
    );
    assert_eq!(f.app.create_product(&f.other, s.id, "T恤", 100).await.unwrap_err().code, Code::NotFound);
    let product = f.app.create_product(&f.merchant, s.id, "T恤", 100).await.unwrap();
    let order = f.app.create_order(&f.service, s.id, product.id, "buyer", 100).await.unwrap();
    assert_eq!(
        f.app.create_order(&f.merchant, s.id, product.id, "b", 100).await.unwrap_err().code,
        Code::Forbidden
    );
    assert_eq!(f.app.complete_order(&f.service, order.id).await.unwrap_err().code, Code::StatusConflict);
    assert_eq!(f.app.ship_order(&f.other, order.id).await.unwrap_err().code, Code::NotFound);
    let case = f.app.open_after_sales(&f.service, order.id, "refund", "未发货").await.unwrap_err();
    assert_eq!(case.code, Code::StatusConflict, "an unshipped order is cancelled, not given after-sales");
    f.app.cancel_order(&f.service, order.id).await.unwrap();
    assert_eq!(f.app.cancel_order(&f.service, order.id).await.unwrap_err().code, Code::StatusConflict);
    assert_eq!(f.app.delist_product(&f.merchant, product.id).await.unwrap().status.as_str(), "delisted");
    assert_eq!(f.app.delist_product(&f.merchant, product.id).await.unwrap_err().code, Code::StatusConflict);
    let delisted = f.app.create_order(&f.service, s.id, product.id, "buyer", 100).await.unwrap_err();
    assert_eq!(delisted.code, Code::StatusConflict);
    assert_eq!(f.app.reply(&f.other, 1, "hi").await.unwrap_err().code, Code::NotFound);
    assert_counters_true(&f, s.id).await;

    // The deposit policy: a new shop starts without a deposit; 200 paid orders end the start.
    assert_eq!(f.app.deposit(&f.merchant.actor, s.id).await.unwrap().required_fen, 0);
}
