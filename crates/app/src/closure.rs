//! Shop closure and the deposit refund: the checks, the request with its notice period, the job
//! that closes (or waits), the payout account, the refund's release, review and payment, and the
//! wait before the same entity reopens.

use chrono::{Days, Months, NaiveDate};
use domain::auth::Role;
use domain::closure::{
    self, Check, CheckCode, ClosureReason, ClosureStatus, RefundOutcome, RefundStatus, ShopFacts,
    decide_refund,
};
use domain::feed::EventType;
use domain::ledger::{AccountCode, Overdraft};
use domain::limits::NOTE_LENGTH_MAX;
use domain::money::Amount;
use domain::notifications::NoticeKind;
use domain::operations::ShopStatus;
use domain::payouts::PayoutPurpose;
use domain::team::TeamRight;
use domain::violation::{EntityType, Severity, ViolationStatus, bounded_text};
use store::closure::{self as rows, FactCodes, RefundDecision};
pub use store::closure::{ClosureRow, RefundRow};
use store::jobs::JobRow;
use store::shops::ShopRow;

use crate::audit::{Page, bad_cursor, page_size};
use crate::clock::{china_date, china_midnight};
use crate::jobs::JobKind;
use crate::ledger::{AccountRef, MoneyCommand, Movement, MovementOp};
use crate::notifications::Notice;
use crate::payouts::{PayeeInput, PayoutRequest};
use crate::shops::can_see;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// The checks of a shop now, and the day it would close if asked today with every blocker cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureReport {
    pub checks: Vec<Check>,
    pub earliest_close_on: NaiveDate,
    /// Whether a request now would be refused.
    pub blocked: bool,
}

/// What a closure request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosureOutcome {
    /// The notice period started.
    Notice(ClosureRow),
    /// Nothing changed: these checks need action first.
    Blocked(Vec<Check>),
}

/// A deposit refund with whether its decision is overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundView {
    pub refund: RefundRow,
    pub overdue: bool,
}

/// The size of a review queue: what waits, what is due today, what is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCounts {
    pub waiting: i64,
    pub due_today: i64,
    pub overdue: i64,
}

/// Where refunds and withdrawals are paid; the account number shows only its last four digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutView {
    pub holder_name: String,
    pub bank_name: String,
    pub account_last4: String,
}

fn subject_id(job: &JobRow, prefix: &str) -> AppResult<i64> {
    job.subject
        .strip_prefix(prefix)
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| AppError::internal(&format!("job {} has a bad subject", job.id)))
}

impl App {
    fn today(&self) -> NaiveDate {
        china_date(self.clock().now())
    }

    /// What the checks look at, from the counters and the ledger, with the shop: one statement
    /// that reads rows by key (nothing here scans orders). Inside a write transaction, call it
    /// after `lock_shop`, so no write that changes a counter can come in between.
    async fn shop_facts(&self, conn: &mut store::Conn, shop_id: i64) -> AppResult<(ShopRow, ShopFacts)> {
        let codes = FactCodes {
            settling_account: AccountCode::ShopSettling.as_str(),
            settlement_account: AccountCode::ShopSettlement.as_str(),
            appealed: ViolationStatus::Appealed.as_str(),
        };
        let row =
            rows::closure_facts(conn, shop_id, codes).await?.ok_or_else(|| AppError::not_found("shop"))?;
        let activity = &row.activity;
        let last_order_closed_on = activity
            .last_order_closed_at_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(china_date);
        let facts = ShopFacts {
            products_listed: activity.products_listed,
            orders_unshipped: activity.orders_unshipped,
            orders_in_transit: activity.orders_in_transit,
            last_order_closed_on,
            after_sales_open: activity.after_sales_open,
            complaints_open: activity.complaints_open,
            conversations_unanswered: activity.conversations_unanswered,
            settling_fen: row.settling_fen,
            withdrawable_fen: row.withdrawable_fen,
            commissions_owed: activity.commissions_owed,
            invoices_pending: activity.invoices_pending,
            deposit_balance_fen: row.deposit_balance_fen,
            appeals_pending: row.appeals_pending,
        };
        Ok((row.shop, facts))
    }

    /// Every closure check of a shop now.
    pub async fn closure_checks(&self, actor: &Actor, shop_id: i64) -> AppResult<ClosureReport> {
        let mut conn = self.db().read().await?;
        let (shop, facts) = self.shop_facts(&mut conn, shop_id).await?;
        drop(conn);
        if !can_see(actor, &shop) {
            return Err(AppError::not_found("shop"));
        }
        let today = self.today();
        let checks = closure::evaluate(&facts, today);
        let blocked = !closure::blockers(&checks).is_empty();
        Ok(ClosureReport { earliest_close_on: closure::closes_on(today, &checks), checks, blocked })
    }

    /// The shop's latest closure request, whatever became of it.
    pub async fn closure(&self, actor: &Actor, shop_id: i64) -> AppResult<Option<ClosureRow>> {
        let shop = self.shop(actor, shop_id).await?;
        let mut conn = self.db().read().await?;
        Ok(rows::latest_closure(&mut conn, shop.id).await?)
    }

    /// The merchant asks to close the shop. Refused with every blocker when a check needs action
    /// (and nothing changes); otherwise the notice period starts and a job closes the shop on
    /// `closes_on`.
    pub async fn request_closure(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        reason_code: &str,
        reason_text: &str,
        confirm_name: &str,
    ) -> AppResult<ClosureOutcome> {
        ctx.actor.require_team(domain::access::rule(domain::access::UseCase::RequestClosure).team_rights)?;
        let reason = ClosureReason::parse(reason_code, reason_text).ok_or_else(|| {
            AppError::new(
                Code::ClosureReasonIncomplete,
                "reason_code must be a known reason and reason_text 10-2000 characters",
            )
        })?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        if confirm_name.trim() != shop.name {
            return Err(AppError::new(Code::ConfirmNameMismatch, "type the shop's name exactly to confirm"));
        }
        if shop.status != ShopStatus::Operating {
            return Err(AppError::new(Code::StatusConflict, format!("the shop is {}", shop.status)));
        }
        if rows::find_payout(&mut tx, shop.id).await?.is_none() {
            return Err(AppError::new(
                Code::PayoutAccountMissing,
                "set the payout account the refund goes to",
            ));
        }
        let today = self.today();
        let checks = closure::evaluate(&self.shop_facts(&mut tx, shop.id).await?.1, today);
        let blockers = closure::blockers(&checks);
        if !blockers.is_empty() {
            return Ok(ClosureOutcome::Blocked(blockers));
        }
        let closes_on = closure::closes_on(today, &checks);
        let mut row = ClosureRow {
            id: 0,
            shop_id: shop.id,
            merchant_id: shop.merchant_id,
            status: ClosureStatus::NoticePeriod,
            reason_code: reason.code.as_str().into(),
            reason_text: reason.text,
            requested_at_ms: now_ms,
            closes_on: closes_on.to_string(),
            blockers: String::new(),
            ended_at_ms: None,
        };
        row.id = rows::insert_closure(&mut tx, &row).await?;
        rows::set_shop_status(&mut tx, shop.id, ShopStatus::NoticePeriod).await?;
        let subject = format!("shop:{}", shop.id);
        self.enqueue_job(
            &mut tx,
            JobKind::ClosureDue,
            &subject,
            "",
            china_midnight(closes_on),
            Some(shop.merchant_id),
        )
        .await?;
        let detail = format!("reason={} closes_on={closes_on}", reason.code.as_str());
        self.audit_for(&mut tx, ctx, "shop.closure_request", &subject, &detail, Some(shop.merchant_id))
            .await?;
        // E-Commerce Law art. 16: the notice is shown on the shop's home page for the period.
        let data = serde_json::json!({
            "shop_id": shop.id,
            "shop_name": shop.name,
            "notice_zh": format!("本店铺「{}」将于 {closes_on} 停止经营并注销，公示期内可联系客服处理未完结事项。", shop.name),
            "notice_en": format!("This shop, {}, stops trading and closes on {closes_on}.", shop.name),
            "starts_on": today.to_string(),
            "ends_on": closes_on.to_string(),
        });
        self.emit(&mut tx, shop.merchant_id, EventType::ShopNoticeStarted, data).await?;
        tx.commit().await?;
        Ok(ClosureOutcome::Notice(row))
    }

    /// The merchant withdraws a closure during its notice period; the shop operates again.
    pub async fn withdraw_closure(&self, ctx: &Ctx, shop_id: i64) -> AppResult<ClosureRow> {
        ctx.actor.require_team(domain::access::rule(domain::access::UseCase::RequestClosure).team_rights)?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let closure = rows::latest_closure(&mut tx, shop.id).await?;
        let Some(closure) = closure.filter(|c| c.status == ClosureStatus::NoticePeriod) else {
            return Err(AppError::new(
                Code::StatusConflict,
                format!("the shop is {}, not in its notice period", shop.status),
            ));
        };
        if !rows::end_closure(&mut tx, closure.id, ClosureStatus::Withdrawn, now_ms).await? {
            return Err(AppError::new(Code::StatusConflict, "the closure already ended"));
        }
        rows::set_shop_status(&mut tx, shop.id, ShopStatus::Operating).await?;
        let subject = format!("shop:{}", shop.id);
        store::jobs::cancel_pending(&mut tx, JobKind::ClosureDue.as_str(), &subject, now_ms).await?;
        self.audit_for(&mut tx, ctx, "shop.closure_withdraw", &subject, "", Some(shop.merchant_id)).await?;
        let data = serde_json::json!({ "shop_id": shop.id });
        self.emit(&mut tx, shop.merchant_id, EventType::ShopNoticeWithdrawn, data).await?;
        let closure = rows::latest_closure(&mut tx, shop.id)
            .await?
            .ok_or_else(|| AppError::internal(&"closure vanished"))?;
        tx.commit().await?;
        Ok(closure)
    }

    /// The notice period ended: every check runs again. All pass: the shop closes for good and its
    /// deposit goes on hold for the refund. Anything fails: the shop stays in notice with the
    /// blockers shown, and the job looks again tomorrow.
    pub(crate) async fn run_closure_due(&self, tx: &mut store::WriteTx, job: &JobRow) -> AppResult<String> {
        let shop_id = subject_id(job, "shop:")?;
        let now_ms = self.clock().now_ms();
        let (shop, _) = self.lock_shop(tx, &Actor::system("jobs"), shop_id).await?;
        let closure = rows::latest_closure(tx, shop.id).await?;
        let Some(closure) = closure.filter(|c| c.status == ClosureStatus::NoticePeriod) else {
            return Ok("no closure in notice".into());
        };
        let today = self.today();
        let checks = closure::evaluate(&self.shop_facts(tx, shop.id).await?.1, today);
        let failing: Vec<&str> = checks.iter().filter(|c| !c.passed).map(|c| c.code.as_str()).collect();
        if !failing.is_empty() {
            let blockers = failing.join(",");
            rows::set_closure_blockers(tx, closure.id, &blockers).await?;
            if blockers != closure.blockers {
                self.notify_closure_held(tx, &shop, &checks).await?;
            }
            let tomorrow = today.checked_add_days(Days::new(1)).unwrap_or(today);
            let subject = format!("shop:{}", shop.id);
            self.enqueue_job(
                tx,
                JobKind::ClosureDue,
                &subject,
                "",
                china_midnight(tomorrow),
                Some(shop.merchant_id),
            )
            .await?;
            return Ok(format!("still blocked by {blockers}"));
        }
        rows::set_closure_blockers(tx, closure.id, "").await?;
        if !rows::end_closure(tx, closure.id, ClosureStatus::Closed, now_ms).await? {
            return Err(AppError::internal(&"the closure ended while locked"));
        }
        rows::set_shop_status(tx, shop.id, ShopStatus::Closed).await?;
        let refund = self.open_refund(tx, &shop, today, now_ms).await?;
        let data = serde_json::json!({ "shop_id": shop.id, "closed_on": today.to_string() });
        self.emit(tx, shop.merchant_id, EventType::ShopClosed, data).await?;
        Ok(format!("closed; refund={} held_fen={}", refund.id, refund.amount_fen))
    }

    /// Tells the merchant's finance members that the closing day found blockers (once per set of them:
    /// the daily re-check stays quiet while nothing changes).
    async fn notify_closure_held(
        &self,
        tx: &mut store::WriteTx,
        shop: &ShopRow,
        checks: &[closure::Check],
    ) -> AppResult<()> {
        let failing = checks.iter().filter(|c| !c.passed);
        let zh: Vec<&str> = failing.clone().map(|c| c.code.name_zh()).collect();
        let en: Vec<&str> = failing.map(|c| c.code.as_str()).collect();
        let notice = Notice {
            merchant_id: shop.merchant_id,
            kind: NoticeKind::ClosureHeld,
            text_zh: format!(
                "店铺「{}」到期未能注销，仍需处理：{}；处理后次日自动重新检查",
                shop.name,
                zh.join("、")
            ),
            text_en: format!(
                "Shop {} could not close on its day; still to clear: {} (checked again daily)",
                shop.name,
                en.join(", ")
            ),
            link: format!("/console/shops/{}/closure", shop.id),
        };
        self.notify(tx, notice).await?;
        Ok(())
    }

    /// Holds the whole remaining deposit for the refund and schedules its release and due days.
    async fn open_refund(
        &self,
        tx: &mut store::WriteTx,
        shop: &ShopRow,
        closed_on: NaiveDate,
        now_ms: i64,
    ) -> AppResult<RefundRow> {
        let deposit = store::ledger::find_account(tx, shop.deposit_account_id)
            .await?
            .ok_or_else(|| AppError::internal(&"deposit account missing"))?;
        let available = crate::ledger::account_from_row(&deposit)?.available().get();
        let hold_id = match Amount::parse(available) {
            Ok(amount) => {
                let movement = Movement {
                    op: MovementOp::Hold {
                        debit: AccountRef::Row(shop.deposit_account_id),
                        credit: AccountRef::Platform(AccountCode::RefundsPayable, shop.id as u64),
                        amount,
                    },
                    reason: "refund_hold",
                    reference: format!("shop:{}", shop.id),
                    shop_id: Some(shop.id),
                    merchant_id: Some(shop.merchant_id),
                };
                let outcome =
                    self.apply_one(tx, MoneyCommand::single(movement, shop.merchant_id), now_ms).await?;
                outcome.transfer_ids.first().copied()
            }
            Err(_) => None,
        };
        let release_on = self.add_workdays(closed_on, self.config().refund_release_workdays)?.date;
        let due_on = self.add_workdays(closed_on, self.config().refund_due_workdays)?.date;
        let mut refund = RefundRow {
            id: 0,
            shop_id: shop.id,
            merchant_id: shop.merchant_id,
            entity_name: shop.entity_name.clone(),
            status: RefundStatus::Holding,
            amount_fen: available.max(0),
            hold_id,
            closed_on: closed_on.to_string(),
            release_on: release_on.to_string(),
            due_on: due_on.to_string(),
            review_reasons: String::new(),
            outcome: None,
            paid_fen: None,
            deduct_fen: None,
            decision_reason: None,
            decided_by: None,
            decided_at_ms: None,
            created_at_ms: now_ms,
        };
        refund.id = rows::insert_refund(tx, &refund).await?;
        let subject = format!("refund:{}", refund.id);
        let merchant = Some(shop.merchant_id);
        self.enqueue_job(tx, JobKind::RefundRelease, &subject, "", china_midnight(release_on), merchant)
            .await?;
        let after_due = due_on.checked_add_days(Days::new(1)).unwrap_or(due_on);
        self.enqueue_job(tx, JobKind::RefundOverdue, &subject, "", china_midnight(after_due), merchant)
            .await?;
        let notice = Notice {
            merchant_id: shop.merchant_id,
            kind: NoticeKind::ShopClosed,
            text_zh: format!(
                "店铺「{}」已注销，保证金 {} 元冻结待退，最早 {release_on} 退还",
                shop.name,
                crate::shops::yuan_grouped(refund.amount_fen)
            ),
            text_en: format!(
                "Shop \"{}\" is closed; its deposit of ¥{} is held for the refund, released from {release_on}",
                shop.name,
                crate::shops::yuan_grouped(refund.amount_fen)
            ),
            link: format!("/console/shops/{}/closure", shop.id),
        };
        self.notify(tx, notice).await?;
        Ok(refund)
    }

    fn refund_view(&self, refund: RefundRow) -> RefundView {
        let undecided = !refund.status.is_decided();
        let overdue = undecided && refund.due_on.as_str() < self.today().to_string().as_str();
        RefundView { refund, overdue }
    }

    pub(crate) async fn refund_of_shop(
        &self,
        conn: &mut store::Conn,
        shop_id: i64,
    ) -> AppResult<Option<RefundView>> {
        Ok(rows::refund_of_shop(conn, shop_id).await?.map(|r| self.refund_view(r)))
    }

    pub async fn refund(&self, actor: &Actor, id: i64) -> AppResult<RefundView> {
        actor.require_team_when_member(&[TeamRight::ViewMoney])?;
        let mut conn = self.db().read().await?;
        let refund = rows::find_refund(&mut conn, id).await?.ok_or_else(|| AppError::not_found("refund"))?;
        drop(conn);
        self.shop(actor, refund.shop_id).await.map_err(|_| AppError::not_found("refund"))?;
        Ok(self.refund_view(refund))
    }

    /// Refunds in a status (all when `None`), earliest due first, a page at a time (reviewers and
    /// admins). The cursor is `DUE_ON.ID` of the last refund of the page before.
    pub async fn list_refunds(
        &self,
        actor: &Actor,
        status: Option<&str>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> AppResult<Page<RefundView>> {
        actor.require(&[Role::Reviewer, Role::Admin])?;
        if let Some(status) = status {
            RefundStatus::parse(status).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "holding, in_review, paying, payout_failed, paid, partially_paid or forfeited",
                )
            })?;
        }
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => (String::new(), 0),
            Some(cursor) => parse_refund_cursor(cursor).ok_or_else(bad_cursor)?,
        };
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let rows =
            rows::refunds(&mut conn, status.unwrap_or(""), (&after.0, after.1), i64::from(limit)).await?;
        let page = Page::after_last(rows, limit, |r| format!("{}.{}", r.due_on, r.id));
        Ok(Page {
            items: page.items.into_iter().map(|r| self.refund_view(r)).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// The refunds in review: how many, how many are due today, how many are overdue (reviewers and
    /// admins; the home page's todo).
    pub async fn refund_review_counts(&self, actor: &Actor) -> AppResult<QueueCounts> {
        actor.require(&[Role::Reviewer, Role::Admin])?;
        let mut conn = self.db().read().await?;
        let today = self.today().to_string();
        let (waiting, due_today, overdue) =
            rows::refund_queue_counts(&mut conn, RefundStatus::InReview.as_str(), &today).await?;
        Ok(QueueCounts { waiting, due_today, overdue })
    }

    /// Undecided refunds past their due day (a gauge on /metrics).
    pub async fn overdue_refunds(&self) -> AppResult<i64> {
        let mut conn = self.db().read().await?;
        Ok(rows::count_overdue_refunds(&mut conn, &self.today().to_string()).await?)
    }

    /// Why a refund cannot be paid without a reviewer; empty when nothing stands against the shop.
    async fn review_reasons(&self, conn: &mut store::Conn, shop: &ShopRow) -> AppResult<Vec<&'static str>> {
        let mut reasons = Vec::new();
        let violations = store::shops::shop_violations(conn, shop.id).await?;
        if violations.iter().any(|v| v.status != ViolationStatus::Overturned) {
            reasons.push("violations");
        }
        let (_, facts) = self.shop_facts(conn, shop.id).await?;
        let open = [
            (facts.after_sales_open, "after_sales_open"),
            (facts.complaints_open, "complaints_open"),
            (facts.orders_unshipped + facts.orders_in_transit, "orders_open"),
            (-facts.deposit_balance_fen, "deposit_negative"),
        ];
        reasons.extend(open.iter().filter(|(count, _)| *count > 0).map(|(_, reason)| *reason));
        if rows::find_payout(conn, shop.id).await?.is_none() {
            reasons.push("payout_account_missing");
        }
        Ok(reasons)
    }

    /// The release day came: pay in full when nothing stands against the shop, else send the
    /// refund to the reviewers' queue.
    pub(crate) async fn run_refund_release(
        &self,
        tx: &mut store::WriteTx,
        job: &JobRow,
    ) -> AppResult<String> {
        let id = subject_id(job, "refund:")?;
        let refund = rows::lock_refund(tx, self.db().backend(), id)
            .await?
            .ok_or_else(|| AppError::not_found("refund"))?;
        if refund.status != RefundStatus::Holding {
            return Ok(format!("refund is {}", refund.status));
        }
        let shop =
            store::shops::find_shop(tx, refund.shop_id).await?.ok_or_else(|| AppError::not_found("shop"))?;
        let reasons = self.review_reasons(tx, &shop).await?;
        if reasons.is_empty() {
            let ctx = Ctx::system("refund-release");
            let paid = self.settle_refund(tx, &ctx, &refund, &shop, RefundOutcome::Full, 0, "").await?;
            return Ok(format!("paid_fen={paid}"));
        }
        let reasons = reasons.join(",");
        rows::send_refund_to_review(tx, refund.id, &reasons).await?;
        Ok(format!("in_review reasons={reasons}"))
    }

    /// The due day passed without a decision: an alert (logged, audited, counted on /metrics). The
    /// money stays held: time alone never releases it.
    pub(crate) async fn run_refund_overdue(
        &self,
        tx: &mut store::WriteTx,
        job: &JobRow,
    ) -> AppResult<String> {
        let id = subject_id(job, "refund:")?;
        let refund = rows::find_refund(tx, id).await?.ok_or_else(|| AppError::not_found("refund"))?;
        if refund.status.is_decided() {
            return Ok(format!("refund is {}", refund.status));
        }
        tracing::warn!(refund = refund.id, due_on = %refund.due_on, "deposit refund overdue");
        Ok(format!("overdue since {}", refund.due_on))
    }

    /// A reviewer decides a refund once: `full`, `partial` (with the deduction and its reason) or
    /// `forfeit` (only for a shop with a serious violation). Repeating the same decision answers
    /// it again; any other second decision is refused and no money moves twice.
    pub async fn decide_refund(
        &self,
        ctx: &Ctx,
        id: i64,
        outcome: &str,
        deduct_fen: i64,
        reason: &str,
    ) -> AppResult<RefundView> {
        ctx.actor.require(&[Role::Reviewer])?;
        let outcome = RefundOutcome::parse(outcome)
            .ok_or_else(|| AppError::invalid("outcome", "full, partial or forfeit"))?;
        let reason = match (outcome, bounded_text(reason, NOTE_LENGTH_MAX)) {
            (RefundOutcome::Full, text) => text.unwrap_or_default(),
            (_, Some(text)) => text,
            (_, None) => return Err(AppError::invalid("reason", "1-2000 characters: say why money is kept")),
        };
        let deduct_fen = if outcome == RefundOutcome::Partial { deduct_fen } else { 0 };
        let mut tx = self.db().begin().await?;
        let refund = rows::lock_refund(&mut tx, self.db().backend(), id)
            .await?
            .ok_or_else(|| AppError::not_found("refund"))?;
        if refund.status.is_decided() {
            let same = refund.outcome.as_deref() == Some(outcome.as_str())
                && (outcome != RefundOutcome::Partial || refund.deduct_fen == Some(deduct_fen))
                && refund.decided_by.as_deref() == Some(ctx.actor.label().as_str());
            if same {
                return Ok(self.refund_view(refund));
            }
            return Err(AppError::new(Code::AlreadyDecided, format!("the refund is {}", refund.status)));
        }
        if refund.status != RefundStatus::InReview {
            let detail = format!("the refund is held until {}; it reaches review then", refund.release_on);
            return Err(AppError::new(Code::StatusConflict, detail));
        }
        let shop = store::shops::find_shop(&mut tx, refund.shop_id)
            .await?
            .ok_or_else(|| AppError::not_found("shop"))?;
        if outcome == RefundOutcome::Forfeit {
            let violations = store::shops::shop_violations(&mut tx, shop.id).await?;
            let serious = violations
                .iter()
                .any(|v| v.severity == Severity::Serious.as_str() && v.status != ViolationStatus::Overturned);
            if !serious {
                return Err(AppError::new(
                    Code::ForfeitNotAllowed,
                    "the shop has no serious violation in force",
                ));
            }
        }
        self.settle_refund(&mut tx, ctx, &refund, &shop, outcome, deduct_fen, &reason).await?;
        let refund =
            rows::find_refund(&mut tx, id).await?.ok_or_else(|| AppError::internal(&"refund vanished"))?;
        tx.commit().await?;
        Ok(self.refund_view(refund))
    }

    /// Moves the money of a decided refund and records the decision, in the caller's transaction:
    /// the hold is voided, what is paid goes to `refunds_payable` and from there, as a payout, in
    /// flight to the payout account (the refund reads paid once the channel confirms it); the
    /// deduction goes to penalty income.
    #[allow(clippy::too_many_arguments)]
    async fn settle_refund(
        &self,
        tx: &mut store::WriteTx,
        ctx: &Ctx,
        refund: &RefundRow,
        shop: &ShopRow,
        outcome: RefundOutcome,
        deduct_fen: i64,
        reason: &str,
    ) -> AppResult<i64> {
        let now_ms = self.clock().now_ms();
        let deposit = store::ledger::find_account(tx, shop.deposit_account_id)
            .await?
            .ok_or_else(|| AppError::internal(&"deposit account missing"))?;
        let balance = crate::ledger::account_from_row(&deposit)?.balance().get();
        let settlement = decide_refund(outcome, balance, deduct_fen).ok_or_else(|| {
            AppError::new(
                Code::InvalidAmount,
                format!("deduct_fen must be 1 to {} (the deposit less one fen)", balance - 1),
            )
        })?;
        let (split, status) = (settlement.split, settlement.status);
        let payout = rows::find_payout(tx, shop.id).await?;
        if split.payout_fen > 0 && payout.is_none() {
            return Err(AppError::new(
                Code::PayoutAccountMissing,
                "the shop has no payout account to pay into",
            ));
        }
        let reference = format!("refund:{}", refund.id);
        let movement = |op, reason: &'static str| Movement {
            op,
            reason,
            reference: reference.clone(),
            shop_id: Some(shop.id),
            merchant_id: Some(shop.merchant_id),
        };
        let deposit_ref = AccountRef::Row(shop.deposit_account_id);
        let refunds_payable = AccountRef::Platform(AccountCode::RefundsPayable, shop.id as u64);
        let mut movements = Vec::new();
        if let Some(hold_id) = refund.hold_id {
            movements.push(movement(MovementOp::VoidHold { hold_id }, "refund_decided"));
        }
        for transfer in &settlement.transfers {
            let post = MovementOp::Post {
                debit: deposit_ref,
                credit: AccountRef::Platform(transfer.credit, shop.id as u64),
                amount: transfer.amount,
                overdraft: Overdraft::Refused,
            };
            movements.push(movement(post, transfer.reason));
        }
        if !movements.is_empty() {
            self.apply_one(tx, MoneyCommand::many(movements, shop.merchant_id), now_ms).await?;
        }
        let decided_by = ctx.actor.label();
        let decision = RefundDecision {
            status,
            outcome: outcome.as_str(),
            paid_fen: split.payout_fen,
            deduct_fen: split.deduct_fen,
            reason,
            decided_by: &decided_by,
            now_ms,
        };
        if !rows::decide_refund(tx, refund.id, &decision).await? {
            return Err(AppError::new(Code::AlreadyDecided, "the refund was decided meanwhile"));
        }
        let detail = format!(
            "outcome={} paid_fen={} deduct_fen={}",
            outcome.as_str(),
            split.payout_fen,
            split.deduct_fen
        );
        self.audit_for(tx, ctx, "refund.decide", &reference, &detail, Some(shop.merchant_id)).await?;
        if let (Ok(amount), Some(payee)) = (Amount::parse(split.payout_fen), payout.as_ref()) {
            let request = PayoutRequest {
                shop,
                purpose: PayoutPurpose::Refund,
                reference: reference.clone(),
                amount,
                source: refunds_payable,
                payee,
                claim: None,
                report_account: None,
            };
            self.request_payout(tx, ctx, request, now_ms).await?;
        }
        let notice = Notice {
            merchant_id: shop.merchant_id,
            kind: NoticeKind::RefundDecided,
            text_zh: format!(
                "店铺「{}」保证金退款：{}，应退 {} 元",
                shop.name,
                status.name_zh(),
                crate::shops::yuan_grouped(split.payout_fen)
            ),
            text_en: format!(
                "Deposit refund of \"{}\": {}, ¥{} to pay",
                shop.name,
                status.as_str(),
                crate::shops::yuan_grouped(split.payout_fen)
            ),
            link: format!("/console/shops/{}/closure", shop.id),
        };
        self.notify(tx, notice).await?;
        Ok(split.payout_fen)
    }

    // ----- payout account -----

    /// Sets where refunds and withdrawals are paid. An enterprise's account must be held by the
    /// registered entity itself.
    pub async fn set_payout_account(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        holder_name: &str,
        bank_name: &str,
        account_number: &str,
    ) -> AppResult<PayoutView> {
        ctx.actor
            .require_team(domain::access::rule(domain::access::UseCase::SetPayoutAccount).team_rights)?;
        let payee = self.parse_payee(&PayeeInput {
            holder_name: holder_name.into(),
            bank_name: bank_name.into(),
            account_number: account_number.into(),
        })?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        if shop.entity_type == EntityType::Enterprise.as_str() && payee.holder_name != shop.entity_name {
            return Err(AppError::new(
                Code::PayoutHolderMismatch,
                format!("the holder must be {}", shop.entity_name),
            ));
        }
        let refund = rows::refund_of_shop(&mut tx, shop.id).await?;
        let refund_status = refund.as_ref().map(|r| r.status);
        let repay = refund_status == Some(RefundStatus::PayoutFailed);
        if refund_status.is_some_and(RefundStatus::is_decided) && !repay {
            return Err(AppError::new(Code::StatusConflict, "the refund is already paid out"));
        }
        let row = payee.account_row(shop.id, now_ms);
        rows::upsert_payout(&mut tx, shop.merchant_id, &row).await?;
        let detail = format!("bank={} account=****{}", payee.bank_name, payee.account_last4);
        if let (true, Some(refund)) = (repay, refund.as_ref()) {
            self.repay_refund(&mut tx, ctx, &shop, refund, &row, now_ms).await?;
        }
        self.audit_for(
            &mut tx,
            ctx,
            "shop.payout_account",
            &format!("shop:{}", shop.id),
            &detail,
            Some(shop.merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(PayoutView {
            holder_name: payee.holder_name,
            bank_name: payee.bank_name,
            account_last4: payee.account_last4,
        })
    }

    pub async fn payout_account(&self, actor: &Actor, shop_id: i64) -> AppResult<Option<PayoutView>> {
        actor.require_team_when_member(&[TeamRight::ViewMoney])?;
        let shop = self.shop(actor, shop_id).await?;
        let mut conn = self.db().read().await?;
        let row = rows::find_payout(&mut conn, shop.id).await?;
        Ok(row.map(|r| PayoutView {
            holder_name: r.holder_name,
            bank_name: r.bank_name,
            account_last4: r.account_last4,
        }))
    }

    // ----- reopening -----

    /// Refuses a new shop for an entity whose closed shop's refund is unsettled, or settled less
    /// than `reopen_wait_months` ago.
    /// The reopen wait of one merchant's entity (by its normalised key): its error names only the
    /// merchant's own shop and date, since only the entity's holder gets here.
    pub(crate) async fn check_reopen_wait(
        &self,
        conn: &mut store::Conn,
        merchant_id: i64,
        entity_key: &str,
    ) -> AppResult<()> {
        let today = self.today();
        for refund in rows::refunds_of_entity(conn, merchant_id, entity_key).await? {
            let settled = refund.status.is_settled();
            let Some(decided_ms) = refund.decided_at_ms.filter(|_| settled) else {
                let detail = format!("the deposit refund of shop {} is not settled yet", refund.shop_id);
                return Err(AppError::new(Code::ReopenCooldown, detail));
            };
            let decided_on =
                chrono::DateTime::from_timestamp_millis(decided_ms).map(china_date).unwrap_or(today);
            let months = Months::new(self.config().reopen_wait_months);
            let opens_on = decided_on.checked_add_months(months).unwrap_or(NaiveDate::MAX);
            if today < opens_on {
                let detail = format!("a new shop for this entity may open from {opens_on}");
                return Err(AppError::new(Code::ReopenCooldown, detail));
            }
        }
        Ok(())
    }
}

/// The check codes a console links to, with the page that clears each.
pub fn check_page(code: CheckCode) -> &'static str {
    match code {
        CheckCode::ProductsListed => "products",
        CheckCode::UnshippedOrders | CheckCode::OrdersInTransit | CheckCode::LastOrderRecent => "orders",
        CheckCode::AfterSalesOpen => "after-sales",
        CheckCode::ComplaintsOpen => "complaints",
        CheckCode::UnansweredMessages => "conversations",
        CheckCode::UnsettledFunds | CheckCode::CommissionOwed => "settlement",
        CheckCode::InvoicesPending => "invoices",
        CheckCode::DepositNegative | CheckCode::ViolationAppealPending => "",
    }
}

/// A refund queue cursor, `DUE_ON.ID`: the due day (`YYYY-MM-DD`) and id of the last refund seen.
fn parse_refund_cursor(cursor: &str) -> Option<(String, i64)> {
    let (due_on, id) = cursor.rsplit_once('.')?;
    NaiveDate::parse_from_str(due_on, "%Y-%m-%d").ok()?;
    let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
    Some((due_on.to_owned(), id))
}

#[cfg(test)]
mod tests {
    use super::parse_refund_cursor;

    #[test]
    fn refund_cursors() {
        assert_eq!(parse_refund_cursor("2026-11-24.17"), Some(("2026-11-24".to_owned(), 17)));
        for bad in
            ["", "17", "2026-11-24", "2026-11-24.", "2026-13-01.3", "2026-11-24.-1", "x.1", "2026-11-24.1.2"]
        {
            assert_eq!(parse_refund_cursor(bad), None, "{bad}");
        }
    }
}
