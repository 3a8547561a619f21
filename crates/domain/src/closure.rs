//! Shop closure (店铺注销): the twelve checks over a shop's facts, what clears each, when a notice
//! period ends, the closure reason, and the states of the deposit refund that follows closure.

use chrono::{Days, NaiveDate};

use crate::ledger::AccountCode;
use crate::limits::NOTE_LENGTH_MAX;
use crate::money::Amount;

text_enum! {
    /// What a line of a shop's deposit statement did to the deposit.
    EntryKind {
        Posted => "posted", "记账";
        HoldCreated => "hold_created", "冻结";
        HoldPosted => "hold_posted", "冻结扣划";
        HoldVoided => "hold_voided", "解除冻结";
    }
}

text_enum! {
    /// Why money moved in or out of a shop's deposit: the words of its statement.
    DepositReason {
        TopUp => "top_up", "充值";
        Penalty => "penalty", "违规罚款";
        Compensation => "compensation", "消费者赔付";
        PenaltyReversal => "penalty_reversal", "罚款退回";
        RefundHold => "refund_hold", "注销冻结";
        RefundDecided => "refund_decided", "注销冻结解除";
        DepositRefund => "deposit_refund", "保证金退还";
        RefundForfeit => "refund_forfeit", "保证金没收";
        RefundDeduction => "refund_deduction", "退还时扣除";
    }
}

text_enum! {
    /// One closure check. Every check but `last_order_recent` needs the merchant (or a buyer, or a
    /// reviewer) to do something; `last_order_recent` clears by waiting.
    CheckCode {
        ProductsListed => "products_listed", "仍有在售商品";
        UnshippedOrders => "unshipped_orders", "仍有待发货订单";
        OrdersInTransit => "orders_in_transit", "仍有运输中的订单";
        LastOrderRecent => "last_order_recent", "最近订单完成或关闭未满 90 天";
        AfterSalesOpen => "after_sales_open", "仍有未完结的售后";
        ComplaintsOpen => "complaints_open", "仍有未处理的投诉";
        UnansweredMessages => "unanswered_messages", "仍有未回复的买家消息";
        UnsettledFunds => "unsettled_funds", "仍有未结算或未提现的货款";
        CommissionOwed => "commission_owed", "仍有未支付的达人佣金";
        InvoicesPending => "invoices_pending", "仍有未开具的发票";
        DepositNegative => "deposit_negative", "保证金余额为负";
        ViolationAppealPending => "violation_appeal_pending", "仍有审核中的违规申诉";
    }
}

/// Days of public notice before a shop closes (E-Commerce Law Art. 16).
pub const NOTICE_PERIOD_DAYS: u64 = 30;
/// Days after the last order completed or was cancelled before a shop may close.
pub const LAST_ORDER_QUIET_DAYS: u64 = 90;
/// Shortest closure explanation, in characters.
pub const REASON_TEXT_LENGTH_MIN: usize = 10;

impl CheckCode {
    /// What clears the check: (中文, English).
    pub fn action(self) -> (&'static str, &'static str) {
        match self {
            CheckCode::ProductsListed => ("下架全部商品", "Delist every product"),
            CheckCode::UnshippedOrders => {
                ("为待发货订单发货，或与买家协商取消", "Ship the paid orders, or cancel them with the buyer")
            }
            CheckCode::OrdersInTransit => {
                ("等待买家确认收货，或联系买家", "Wait for buyers to confirm receipt, or contact them")
            }
            CheckCode::LastOrderRecent => (
                "等待：最近一笔订单完成或关闭满 90 天后自动通过",
                "Wait: passes by itself 90 days after the last order completed or was cancelled",
            ),
            CheckCode::AfterSalesOpen => ("处理完全部售后申请", "Resolve every after-sales case"),
            CheckCode::ComplaintsOpen => {
                ("配合平台处理完全部投诉", "Work with the platform until every complaint is resolved")
            }
            CheckCode::UnansweredMessages => ("回复全部买家消息", "Reply to every buyer's message"),
            CheckCode::UnsettledFunds => {
                ("等待货款结算后全部提现", "Wait for settlement, then withdraw all proceeds")
            }
            CheckCode::CommissionOwed => ("支付全部达人佣金", "Pay every creator commission owed"),
            CheckCode::InvoicesPending => ("开具全部待开发票", "Issue every requested invoice"),
            CheckCode::DepositNegative => {
                ("补缴保证金至余额不小于 0", "Top up the deposit until its balance is at least zero")
            }
            CheckCode::ViolationAppealPending => {
                ("等待违规申诉审核结果", "Wait for the reviewers to decide the pending appeals")
            }
        }
    }

    /// Whether waiting alone clears this check (so a closure may be requested while it fails).
    pub fn clears_by_waiting(self) -> bool {
        self == CheckCode::LastOrderRecent
    }
}

/// What the checks look at, read from counters kept with every change (never by scanning orders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShopFacts {
    pub products_listed: i64,
    pub orders_unshipped: i64,
    pub orders_in_transit: i64,
    /// The day (China time) the last order completed or was cancelled; `None` without orders.
    pub last_order_closed_on: Option<NaiveDate>,
    pub after_sales_open: i64,
    pub complaints_open: i64,
    pub conversations_unanswered: i64,
    pub settling_fen: i64,
    pub withdrawable_fen: i64,
    pub commissions_owed: i64,
    pub invoices_pending: i64,
    pub deposit_balance_fen: i64,
    pub appeals_pending: i64,
}

/// One check's outcome. `count` is how many things block (for money checks, the fen involved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub code: CheckCode,
    pub passed: bool,
    pub count: i64,
    pub clears_on: Option<NaiveDate>,
}

fn count_check(code: CheckCode, count: i64) -> Check {
    Check { code, passed: count <= 0, count: count.max(0), clears_on: None }
}

/// Runs every check, in the order of `CheckCode::ALL`.
pub fn evaluate(facts: &ShopFacts, today: NaiveDate) -> Vec<Check> {
    let quiet_until =
        facts.last_order_closed_on.and_then(|day| day.checked_add_days(Days::new(LAST_ORDER_QUIET_DAYS)));
    let recent = quiet_until.filter(|until| today < *until);
    CheckCode::ALL
        .iter()
        .map(|&code| match code {
            CheckCode::ProductsListed => count_check(code, facts.products_listed),
            CheckCode::UnshippedOrders => count_check(code, facts.orders_unshipped),
            CheckCode::OrdersInTransit => count_check(code, facts.orders_in_transit),
            CheckCode::LastOrderRecent => Check {
                code,
                passed: recent.is_none(),
                count: i64::from(recent.is_some()),
                clears_on: recent,
            },
            CheckCode::AfterSalesOpen => count_check(code, facts.after_sales_open),
            CheckCode::ComplaintsOpen => count_check(code, facts.complaints_open),
            CheckCode::UnansweredMessages => count_check(code, facts.conversations_unanswered),
            CheckCode::UnsettledFunds => count_check(code, facts.settling_fen + facts.withdrawable_fen),
            CheckCode::CommissionOwed => count_check(code, facts.commissions_owed),
            CheckCode::InvoicesPending => count_check(code, facts.invoices_pending),
            CheckCode::DepositNegative => count_check(code, -facts.deposit_balance_fen),
            CheckCode::ViolationAppealPending => count_check(code, facts.appeals_pending),
        })
        .collect()
}

/// The checks that stop a closure request now: failing ones that waiting does not clear.
pub fn blockers(checks: &[Check]) -> Vec<Check> {
    checks.iter().filter(|c| !c.passed && !c.code.clears_by_waiting()).copied().collect()
}

/// The day a shop asking today would close: 30 days of notice, or later when waiting checks clear later.
pub fn closes_on(today: NaiveDate, checks: &[Check]) -> NaiveDate {
    let notice_end = today.checked_add_days(Days::new(NOTICE_PERIOD_DAYS)).unwrap_or(NaiveDate::MAX);
    checks.iter().filter_map(|c| c.clears_on).fold(notice_end, NaiveDate::max)
}

text_enum! {
    /// Why a merchant closes a shop.
    ReasonCode {
        NoLongerOperating => "no_longer_operating", "不再经营";
        PoorResults => "poor_results", "经营不善";
        MovingPlatform => "moving_platform", "转型其他平台";
        Other => "other", "其他";
    }
}

/// A complete closure reason: a code and an explanation of 10 to 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureReason {
    pub code: ReasonCode,
    pub text: String,
}

impl ClosureReason {
    pub fn parse(code: &str, text: &str) -> Option<ClosureReason> {
        let code = ReasonCode::parse(code)?;
        let text = text.trim();
        let length = text.chars().count();
        let fits = (REASON_TEXT_LENGTH_MIN..=NOTE_LENGTH_MAX).contains(&length)
            && !text.chars().any(char::is_control);
        fits.then(|| ClosureReason { code, text: text.to_owned() })
    }
}

text_enum! {
    /// The deposit refund after closure. Only a decision (a reviewer's, or the release job's when
    /// nothing stands against the shop) moves the held money; time alone never does.
    RefundStatus {
        Holding => "holding", "冻结待退";
        InReview => "in_review", "审核中";
        Paying => "paying", "退款中";
        PayoutFailed => "payout_failed", "退款失败，请更新收款账户";
        Paid => "paid", "已全额退还";
        PartiallyPaid => "partially_paid", "已部分退还";
        Forfeited => "forfeited", "不予退还";
    }
}

impl RefundStatus {
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            RefundStatus::Paying
                | RefundStatus::PayoutFailed
                | RefundStatus::Paid
                | RefundStatus::PartiallyPaid
                | RefundStatus::Forfeited
        )
    }

    /// Decided and finished: paid (in full or in part) or forfeited.
    pub fn is_settled(self) -> bool {
        matches!(self, RefundStatus::Paid | RefundStatus::PartiallyPaid | RefundStatus::Forfeited)
    }
}

text_enum! {
    RefundOutcome {
        Full => "full", "全额退还";
        Partial => "partial", "扣除后退还";
        Forfeit => "forfeit", "不予退还";
    }
}

/// How a decided refund splits the deposit: paid out to the merchant, and kept by the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundSplit {
    pub payout_fen: i64,
    pub deduct_fen: i64,
}

/// Splits `balance_fen` (the deposit when deciding) by the outcome; `None` when a partial
/// deduction is not strictly between nothing and everything.
pub fn split_refund(outcome: RefundOutcome, balance_fen: i64, deduct_fen: i64) -> Option<RefundSplit> {
    let balance = balance_fen.max(0);
    match outcome {
        RefundOutcome::Full => Some(RefundSplit { payout_fen: balance, deduct_fen: 0 }),
        RefundOutcome::Forfeit => Some(RefundSplit { payout_fen: 0, deduct_fen: balance }),
        RefundOutcome::Partial => (deduct_fen > 0 && deduct_fen < balance)
            .then_some(RefundSplit { payout_fen: balance - deduct_fen, deduct_fen }),
    }
}

/// One transfer out of the shop's deposit when a refund is decided: to the platform account it
/// credits (kept for the shop's id), the amount, and the reason its ledger entry carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundTransfer {
    pub credit: AccountCode,
    pub amount: Amount,
    pub reason: &'static str,
}

/// What deciding a refund does: how the deposit splits, the transfers out of it, and the refund's
/// status afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundSettlement {
    pub split: RefundSplit,
    pub transfers: Vec<RefundTransfer>,
    pub status: RefundStatus,
}

/// Decides a refund of a deposit holding `balance_fen`: what is paid out goes to refunds payable
/// (the payout takes it from there), what is kept goes to penalty income; money still to pay out
/// makes the refund `paying` until the channel confirms the payout. `None` when a partial
/// deduction is not strictly between nothing and everything.
pub fn decide_refund(outcome: RefundOutcome, balance_fen: i64, deduct_fen: i64) -> Option<RefundSettlement> {
    let split = split_refund(outcome, balance_fen, deduct_fen)?;
    let kept_reason = if outcome == RefundOutcome::Forfeit { "refund_forfeit" } else { "refund_deduction" };
    let transfers = [
        (AccountCode::RefundsPayable, split.payout_fen, "deposit_refund"),
        (AccountCode::PenaltyIncome, split.deduct_fen, kept_reason),
    ]
    .into_iter()
    .filter_map(|(credit, fen, reason)| {
        Some(RefundTransfer { credit, amount: Amount::parse(fen).ok()?, reason })
    })
    .collect();
    let status = match outcome {
        _ if split.payout_fen > 0 => RefundStatus::Paying,
        RefundOutcome::Full => RefundStatus::Paid,
        RefundOutcome::Partial => RefundStatus::PartiallyPaid,
        RefundOutcome::Forfeit => RefundStatus::Forfeited,
    };
    Some(RefundSettlement { split, transfers, status })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_quiet_shop_passes_every_check() {
        let checks = evaluate(&ShopFacts::default(), day("2026-03-01"));
        assert_eq!(checks.len(), 12);
        assert!(checks.iter().all(|c| c.passed && c.count == 0 && c.clears_on.is_none()));
        assert_eq!(closes_on(day("2026-03-01"), &checks), day("2026-03-31"));
    }

    #[test]
    fn each_fact_fails_its_own_check_only() {
        let today = day("2026-03-01");
        let cases: Vec<(ShopFacts, CheckCode)> = vec![
            (ShopFacts { products_listed: 2, ..Default::default() }, CheckCode::ProductsListed),
            (ShopFacts { orders_unshipped: 1, ..Default::default() }, CheckCode::UnshippedOrders),
            (ShopFacts { orders_in_transit: 1, ..Default::default() }, CheckCode::OrdersInTransit),
            (
                ShopFacts { last_order_closed_on: Some(day("2026-01-01")), ..Default::default() },
                CheckCode::LastOrderRecent,
            ),
            (ShopFacts { after_sales_open: 1, ..Default::default() }, CheckCode::AfterSalesOpen),
            (ShopFacts { complaints_open: 1, ..Default::default() }, CheckCode::ComplaintsOpen),
            (ShopFacts { conversations_unanswered: 3, ..Default::default() }, CheckCode::UnansweredMessages),
            (ShopFacts { settling_fen: 100, ..Default::default() }, CheckCode::UnsettledFunds),
            (ShopFacts { withdrawable_fen: 1, ..Default::default() }, CheckCode::UnsettledFunds),
            (ShopFacts { commissions_owed: 1, ..Default::default() }, CheckCode::CommissionOwed),
            (ShopFacts { invoices_pending: 1, ..Default::default() }, CheckCode::InvoicesPending),
            (ShopFacts { deposit_balance_fen: -1, ..Default::default() }, CheckCode::DepositNegative),
            (ShopFacts { appeals_pending: 1, ..Default::default() }, CheckCode::ViolationAppealPending),
        ];
        for (facts, code) in cases {
            let failing: Vec<CheckCode> =
                evaluate(&facts, today).iter().filter(|c| !c.passed).map(|c| c.code).collect();
            assert_eq!(failing, vec![code], "{facts:?}");
        }
    }

    #[test]
    fn the_last_order_waits_90_days_and_moves_the_closing_day() {
        let facts = ShopFacts { last_order_closed_on: Some(day("2026-01-10")), ..Default::default() };
        let checks = evaluate(&facts, day("2026-03-01"));
        let recent = checks.iter().find(|c| c.code == CheckCode::LastOrderRecent).unwrap();
        assert_eq!((recent.passed, recent.clears_on), (false, Some(day("2026-04-10"))));
        assert!(blockers(&checks).is_empty(), "waiting alone clears it, so it does not block a request");
        assert_eq!(closes_on(day("2026-03-01"), &checks), day("2026-04-10"));
        let later = evaluate(&facts, day("2026-04-10"));
        assert!(later.iter().all(|c| c.passed), "the 90th day passes");
        let early = ShopFacts { last_order_closed_on: Some(day("2026-02-20")), ..Default::default() };
        assert_eq!(closes_on(day("2026-03-01"), &evaluate(&early, day("2026-03-01"))), day("2026-05-21"));
    }

    #[test]
    fn every_other_failing_check_blocks() {
        let facts = ShopFacts { products_listed: 1, deposit_balance_fen: -5, ..Default::default() };
        let blocking: Vec<CheckCode> =
            blockers(&evaluate(&facts, day("2026-03-01"))).iter().map(|c| c.code).collect();
        assert_eq!(blocking, vec![CheckCode::ProductsListed, CheckCode::DepositNegative]);
        for code in CheckCode::ALL {
            let (zh, en) = code.action();
            assert!(!zh.is_empty() && !en.is_empty());
        }
    }

    #[test]
    fn the_reason_must_be_complete() {
        assert!(ClosureReason::parse("no_longer_operating", "公司业务调整，不再经营线上店铺").is_some());
        assert!(ClosureReason::parse("no_longer_operating", "太短了").is_none());
        assert!(ClosureReason::parse("closing", "公司业务调整，不再经营线上店铺").is_none());
        assert!(ClosureReason::parse("other", "          ").is_none());
        assert!(ClosureReason::parse("other", &"长".repeat(2_001)).is_none());
        assert_eq!(ClosureReason::parse("other", "  0123456789  ").unwrap().text, "0123456789");
    }

    #[test]
    fn refunds_split_without_losing_a_fen() {
        let full = split_refund(RefundOutcome::Full, 50_000, 0).unwrap();
        assert_eq!((full.payout_fen, full.deduct_fen), (50_000, 0));
        let partial = split_refund(RefundOutcome::Partial, 50_000, 12_345).unwrap();
        assert_eq!((partial.payout_fen, partial.deduct_fen), (37_655, 12_345));
        assert!(split_refund(RefundOutcome::Partial, 50_000, 0).is_none());
        assert!(split_refund(RefundOutcome::Partial, 50_000, 50_000).is_none());
        let forfeit = split_refund(RefundOutcome::Forfeit, 50_000, 0).unwrap();
        assert_eq!((forfeit.payout_fen, forfeit.deduct_fen), (0, 50_000));
        assert_eq!(split_refund(RefundOutcome::Full, -300, 0).unwrap().payout_fen, 0);
        assert!(RefundStatus::Forfeited.is_decided() && !RefundStatus::InReview.is_decided());
    }

    fn transfers(settlement: &RefundSettlement) -> Vec<(AccountCode, i64, &'static str)> {
        settlement.transfers.iter().map(|t| (t.credit, t.amount.get(), t.reason)).collect()
    }

    #[test]
    fn a_decided_refund_moves_the_deposit_and_says_what_it_is_now() {
        let full = decide_refund(RefundOutcome::Full, 50_000, 0).unwrap();
        assert_eq!(transfers(&full), vec![(AccountCode::RefundsPayable, 50_000, "deposit_refund")]);
        assert_eq!(full.status, RefundStatus::Paying, "paid out once the channel confirms");
        let partial = decide_refund(RefundOutcome::Partial, 50_000, 12_345).unwrap();
        assert_eq!(
            transfers(&partial),
            vec![
                (AccountCode::RefundsPayable, 37_655, "deposit_refund"),
                (AccountCode::PenaltyIncome, 12_345, "refund_deduction"),
            ]
        );
        assert_eq!(partial.status, RefundStatus::Paying);
        let forfeit = decide_refund(RefundOutcome::Forfeit, 50_000, 0).unwrap();
        assert_eq!(transfers(&forfeit), vec![(AccountCode::PenaltyIncome, 50_000, "refund_forfeit")]);
        assert_eq!(forfeit.status, RefundStatus::Forfeited);
        // An empty deposit moves nothing, and the refund is settled at once.
        let empty = decide_refund(RefundOutcome::Full, 0, 0).unwrap();
        assert!(empty.transfers.is_empty());
        assert_eq!(empty.status, RefundStatus::Paid);
        assert_eq!(decide_refund(RefundOutcome::Forfeit, -300, 0).unwrap().status, RefundStatus::Forfeited);
        assert!(decide_refund(RefundOutcome::Partial, 50_000, 50_000).is_none());
    }

    proptest! {
        /// The transfers take exactly the (non-negative) deposit, and a refund is `paying` exactly
        /// when money goes to refunds payable.
        #[test]
        fn a_settlement_moves_the_whole_deposit(
            balance in -1_000_000_i64..10_000_000,
            deduct in 0_i64..10_000_000,
            outcome in prop_oneof![
                Just(RefundOutcome::Full),
                Just(RefundOutcome::Partial),
                Just(RefundOutcome::Forfeit),
            ],
        ) {
            if let Some(settlement) = decide_refund(outcome, balance, deduct) {
                let moved: i64 = settlement.transfers.iter().map(|t| t.amount.get()).sum();
                prop_assert_eq!(moved, balance.max(0));
                let to_payable = settlement.transfers.iter().any(|t| t.credit == AccountCode::RefundsPayable);
                prop_assert_eq!(settlement.status == RefundStatus::Paying, to_payable);
            } else {
                prop_assert!(outcome == RefundOutcome::Partial);
            }
        }
    }
}

text_enum! {
    /// Where a closure request stands: in its public notice period, withdrawn by the merchant
    /// during it, or ended with the shop closed.
    ClosureStatus {
        NoticePeriod => "notice_period", "注销公示期";
        Withdrawn => "withdrawn", "已撤回";
        Closed => "closed", "已注销";
    }
}
