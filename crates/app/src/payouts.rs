//! Payouts (打款): created in the transaction that decides them (a refund, a withdrawal), their
//! money moved from where it came from to `payouts_in_flight`; the payment channel's reports
//! (`sent`, `paid`, `failed`), each once however often or concurrently it repeats; paid money to
//! `payment_clearing`, failed or returned money back to its source with the refund owed again;
//! the lists finance and reviewers read, the overdue flag, and the reconciliation of the channel's
//! settlement file.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::auth::Role;
use domain::closure::{RefundOutcome, RefundStatus};
use domain::feed::EventType;
use domain::ledger::{AccountCode, Overdraft};
use domain::limits::{BANK_NAME_LENGTH_MAX, ENTITY_NAME_LENGTH_MAX, PAGE_SIZE_MAX};
use domain::money::Amount;
use domain::notifications::NoticeKind;
use domain::operations::CommissionStatus;
use domain::payouts::{
    CHANNEL_REF_LENGTH_MAX, Difference, FAILURE_REASON_LENGTH_MAX, KnownPayout, PayoutPurpose, PayoutStatus,
    Report, ReportEffect, Reported, SettlementLine, decide_report,
};
use domain::team::TeamRight;
use domain::violation::bounded_text;
use serde_json::json;
use store::closure::PayoutRow as PayoutAccountRow;
pub(crate) use store::operations::Payee;
pub use store::payouts::PayoutRecord;
use store::shops::ShopRow;

use crate::clock::china_date;
use crate::ledger::{AccountRef, IdempotencyClaim, MoneyCommand, MoneyOutcome, Movement, MovementOp};
use crate::notifications::Notice;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// The context payout account numbers are sealed under: a shop's payout account, a creator's
/// payee and every payout's copy of either.
pub(crate) const PAYOUT_CONTEXT: &str = "payout_account";

/// A payee as given (a shop's payout account, a creator's account), before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayeeInput {
    pub holder_name: String,
    pub bank_name: String,
    pub account_number: String,
}

/// A bank account number: 8 to 32 digits once spaces and hyphens are removed.
fn parse_account_number(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    ((8..=32).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// A payout with whether it is overdue (still `sent` past its overdue day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutView {
    pub payout: PayoutRecord,
    pub overdue: bool,
    /// The payee's account number in clear: only for the payment channel (`service`).
    pub account_number: Option<String>,
}

/// One page of payouts, newest first, and the cursor of the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutPage {
    pub items: Vec<PayoutView>,
    pub next: Option<i64>,
}

/// What a reconciliation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileReport {
    pub lines: usize,
    pub differences: Vec<Difference>,
}

/// Where a payout's money comes from and who is paid.
pub(crate) struct PayoutRequest<'a> {
    pub shop: &'a ShopRow,
    pub purpose: PayoutPurpose,
    pub reference: String,
    pub amount: Amount,
    pub source: AccountRef,
    pub payee: &'a PayoutAccountRow,
    /// The request's idempotency key (withdrawals), stored with the money.
    pub claim: Option<IdempotencyClaim>,
    pub report_account: Option<i64>,
}

fn conflict(error: domain::payouts::ReportConflict) -> AppError {
    AppError::new(Code::PayoutReportConflict, error.to_string())
}

/// The China date of the channel's `paid_at`: RFC 3339 or `YYYY-MM-DD`.
fn parse_paid_at(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| china_date(t.to_utc()))
}

impl App {
    /// Checks a payee and seals its account number.
    pub(crate) fn parse_payee(&self, input: &PayeeInput) -> AppResult<Payee> {
        let holder_name = bounded_text(&input.holder_name, ENTITY_NAME_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("holder_name", "1-100 characters"))?;
        let bank_name = bounded_text(&input.bank_name, BANK_NAME_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("bank_name", "1-50 characters"))?;
        let number = parse_account_number(&input.account_number)
            .ok_or_else(|| AppError::invalid("account_number", "8-32 digits"))?;
        Ok(Payee {
            holder_name,
            bank_name,
            account_sealed: self.secret_key()?.seal(PAYOUT_CONTEXT, &number),
            account_last4: number[number.len() - 4..].to_owned(),
        })
    }

    /// Writes a payout and moves its money from the source to `payouts_in_flight`, in the
    /// caller's transaction, then puts its instruction on the platform feed. With a claim whose
    /// request was already answered, answers that (the caller must not commit).
    pub(crate) async fn request_payout(
        &self,
        tx: &mut store::WriteTx,
        ctx: &Ctx,
        request: PayoutRequest<'_>,
        now_ms: i64,
    ) -> AppResult<(Option<PayoutRecord>, MoneyOutcome)> {
        let shop = request.shop;
        let source_account_id = self.account_id(request.source)?;
        let mut payout = PayoutRecord {
            id: 0,
            merchant_id: shop.merchant_id,
            shop_id: shop.id,
            purpose: request.purpose.as_str().into(),
            reference: request.reference,
            amount_fen: request.amount.get(),
            holder_name: request.payee.holder_name.clone(),
            bank_name: request.payee.bank_name.clone(),
            account_sealed: request.payee.account_sealed.clone(),
            account_last4: request.payee.account_last4.clone(),
            source_account_id,
            status: PayoutStatus::Requested,
            channel_ref: None,
            paid_on: None,
            failure_reason: None,
            requested_at_ms: now_ms,
            sent_at_ms: None,
            overdue_on: None,
            settled_at_ms: None,
        };
        payout.id = store::payouts::insert_payout(tx, &payout).await?;
        let movement = Movement {
            op: MovementOp::Post {
                debit: request.source,
                credit: AccountRef::Platform(AccountCode::PayoutsInFlight, shop.id as u64),
                amount: request.amount,
                overdraft: Overdraft::Refused,
            },
            reason: "payout_requested",
            reference: format!("payout:{}", payout.id),
            shop_id: Some(shop.id),
            merchant_id: Some(shop.merchant_id),
        };
        let command = MoneyCommand {
            claim: request.claim,
            report_account: request.report_account,
            subject_id: Some(payout.id),
            ..MoneyCommand::single(movement, shop.merchant_id)
        };
        let outcome = self.apply_one(tx, command, now_ms).await?;
        if outcome.replayed {
            return Ok((None, outcome));
        }
        let subject = format!("payout:{}", payout.id);
        let detail = format!(
            "purpose={} reference={} amount_fen={}",
            payout.purpose, payout.reference, payout.amount_fen
        );
        self.audit_for(tx, ctx, "payout.request", &subject, &detail, Some(shop.merchant_id)).await?;
        let data = json!({
            "payout_id": payout.id,
            "shop_id": payout.shop_id,
            "purpose": payout.purpose,
            "reference": payout.reference,
            "amount_fen": payout.amount_fen,
            "payee": {
                "holder_name": payout.holder_name,
                "bank_name": payout.bank_name,
                "account_last4": payout.account_last4,
            },
            "instruction": format!("/api/v1/payouts/{}", payout.id),
        });
        self.emit(tx, shop.merchant_id, EventType::PayoutRequested, data).await?;
        Ok((Some(payout), outcome))
    }

    fn payout_view(&self, actor: &Actor, payout: PayoutRecord) -> PayoutView {
        let today = self.today_china().to_string();
        let overdue = payout.status == PayoutStatus::Sent
            && payout.overdue_on.as_deref().is_some_and(|day| day < today.as_str());
        let account_number = (actor.role == Role::Service)
            .then(|| self.secret_key().ok().and_then(|key| key.open(PAYOUT_CONTEXT, &payout.account_sealed)))
            .flatten();
        PayoutView { payout, overdue, account_number }
    }

    fn today_china(&self) -> NaiveDate {
        china_date(self.clock().now())
    }

    /// Who may read payouts: finance (a merchant member with `view_money`, own payouts only),
    /// reviewers, admins and the payment channel.
    fn payout_reader(actor: &Actor) -> AppResult<Option<i64>> {
        match actor.role {
            Role::Merchant => {
                actor.require_team(&[TeamRight::ViewMoney])?;
                Ok(actor.merchant_id)
            }
            Role::Reviewer | Role::Admin | Role::Service => Ok(None),
        }
    }

    /// One payout.
    pub async fn payout(&self, actor: &Actor, id: i64) -> AppResult<PayoutView> {
        let merchant = Self::payout_reader(actor)?;
        let mut conn = self.db().read().await?;
        let payout = store::payouts::find_payout(&mut conn, id)
            .await?
            .filter(|p| merchant.is_none_or(|m| m == p.merchant_id))
            .ok_or_else(|| AppError::not_found("payout"))?;
        Ok(self.payout_view(actor, payout))
    }

    /// Payouts newest first, by status and shop, before the cursor `before` (a payout id).
    pub async fn payouts(
        &self,
        actor: &Actor,
        status: Option<&str>,
        shop_id: Option<i64>,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> AppResult<PayoutPage> {
        let merchant = Self::payout_reader(actor)?;
        if let Some(status) = status {
            PayoutStatus::parse(status)
                .ok_or_else(|| AppError::invalid("status", "requested, sent, paid, failed or returned"))?;
        }
        let limit = limit.unwrap_or(50);
        if !(1..=i64::from(PAGE_SIZE_MAX)).contains(&limit) {
            return Err(AppError::invalid("limit", &format!("1 to {PAGE_SIZE_MAX}")));
        }
        let mut conn = self.db().read().await?;
        let rows = store::payouts::list_payouts(
            &mut conn,
            status.unwrap_or(""),
            shop_id.unwrap_or(0),
            merchant.unwrap_or(0),
            before.unwrap_or(0),
            limit + 1,
        )
        .await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<PayoutView> =
            rows.into_iter().take(limit as usize).map(|p| self.payout_view(actor, p)).collect();
        let next = if more { items.last().map(|v| v.payout.id) } else { None };
        Ok(PayoutPage { items, next })
    }

    /// Payouts still `sent` past their overdue day, oldest first (the reviewers' queue).
    pub async fn overdue_payouts(&self, actor: &Actor) -> AppResult<Vec<PayoutView>> {
        actor.require(&[Role::Reviewer, Role::Admin])?;
        let mut conn = self.db().read().await?;
        let today = self.today_china().to_string();
        let rows = store::payouts::overdue_payouts(&mut conn, &today, i64::from(PAGE_SIZE_MAX)).await?;
        Ok(rows.into_iter().map(|p| self.payout_view(actor, p)).collect())
    }

    /// The count of overdue payouts and the payouts in flight (count, fen), for /metrics.
    pub async fn payout_gauges(&self) -> AppResult<(i64, i64, i64)> {
        let mut conn = self.db().read().await?;
        let today = self.today_china().to_string();
        let overdue = store::payouts::count_overdue_payouts(&mut conn, &today).await?;
        let (count, fen) = store::payouts::in_flight(&mut conn).await?;
        Ok((overdue, count, fen))
    }

    /// The payment channel reports on a payout. A report that repeats one applied answers the
    /// payout again; a contradictory one is refused with `payout_report_conflict` and changes
    /// nothing. Paid: the money moves to `payment_clearing` and a refund reads paid. Failed or
    /// returned: the money goes back where it came from, a refund is owed again and the merchant
    /// is told to fix the payout account.
    pub async fn report_payout(&self, ctx: &Ctx, id: i64, report: Report) -> AppResult<PayoutView> {
        ctx.actor.require(&[Role::Service])?;
        let report = match report {
            Report::Sent { channel_ref } => {
                let channel_ref = channel_ref.trim().to_owned();
                if channel_ref.is_empty()
                    || channel_ref.chars().count() > CHANNEL_REF_LENGTH_MAX
                    || !channel_ref.chars().all(|c| c.is_ascii_graphic())
                {
                    return Err(AppError::invalid("channel_ref", "1-64 visible ASCII characters"));
                }
                Report::Sent { channel_ref }
            }
            Report::Paid { paid_on } => {
                let date = parse_paid_at(&paid_on)
                    .ok_or_else(|| AppError::invalid("paid_at", "an RFC 3339 time or a YYYY-MM-DD date"))?;
                Report::Paid { paid_on: date.to_string() }
            }
            Report::Failed { reason } => {
                let reason = bounded_text(&reason, FAILURE_REASON_LENGTH_MAX)
                    .ok_or_else(|| AppError::invalid("reason", "1-2000 characters"))?;
                Report::Failed { reason }
            }
        };
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let payout = store::payouts::lock_payout(&mut tx, self.db().backend(), id)
            .await?
            .ok_or_else(|| AppError::not_found("payout"))?;
        let status = payout.status;
        let reported = Reported {
            status,
            channel_ref: payout.channel_ref.as_deref(),
            paid_on: payout.paid_on.as_deref(),
            failure_reason: payout.failure_reason.as_deref(),
        };
        let effect = decide_report(&reported, &report).map_err(conflict)?;
        let ReportEffect::Move(next) = effect else {
            drop(tx);
            return Ok(self.payout_view(&ctx.actor, payout));
        };
        let shop = store::shops::find_shop(&mut tx, payout.shop_id)
            .await?
            .ok_or_else(|| AppError::internal(&"payout shop missing"))?;
        let subject = format!("payout:{}", payout.id);
        let in_flight = AccountRef::Platform(AccountCode::PayoutsInFlight, shop.id as u64);
        let amount = Amount::parse(payout.amount_fen)
            .map_err(|_| AppError::internal(&format!("payout {id} has amount {}", payout.amount_fen)))?;
        let movement = |op, reason: &'static str| Movement {
            op,
            reason,
            reference: subject.clone(),
            shop_id: Some(shop.id),
            merchant_id: Some(shop.merchant_id),
        };
        let changed = match (&report, next) {
            (Report::Sent { channel_ref }, PayoutStatus::Sent) => {
                let overdue_on =
                    self.add_workdays(self.today_china(), self.config().payout_overdue_workdays)?.date;
                store::payouts::mark_sent(&mut tx, id, channel_ref, &overdue_on.to_string(), now_ms).await?
            }
            (Report::Paid { paid_on }, PayoutStatus::Paid) => {
                let paid = MovementOp::Post {
                    debit: in_flight,
                    credit: AccountRef::Platform(AccountCode::PaymentClearing, shop.id as u64),
                    amount,
                    overdraft: Overdraft::Allowed,
                };
                self.apply_one(
                    &mut tx,
                    MoneyCommand::single(movement(paid, "payout_paid"), shop.merchant_id),
                    now_ms,
                )
                .await?;
                let done = store::payouts::mark_paid(&mut tx, id, paid_on, now_ms).await?;
                if done {
                    self.payout_paid(&mut tx, &payout, now_ms).await?;
                }
                done
            }
            (Report::Failed { reason }, PayoutStatus::Failed | PayoutStatus::Returned) => {
                let back = MovementOp::Post {
                    debit: in_flight,
                    credit: AccountRef::Row(payout.source_account_id),
                    amount,
                    overdraft: Overdraft::Allowed,
                };
                self.apply_one(
                    &mut tx,
                    MoneyCommand::single(movement(back, "payout_returned"), shop.merchant_id),
                    now_ms,
                )
                .await?;
                let done = store::payouts::mark_undone(&mut tx, id, next.as_str(), reason, now_ms).await?;
                if done {
                    self.payout_undone(&mut tx, &payout, &shop, next, reason).await?;
                }
                done
            }
            _ => return Err(AppError::internal(&"a report moved a payout where it cannot go")),
        };
        if !changed {
            return Err(AppError::new(Code::PayoutReportConflict, "the payout changed meanwhile"));
        }
        let detail = match &report {
            Report::Sent { channel_ref } => format!("channel_ref={channel_ref}"),
            Report::Paid { paid_on } => format!("paid_on={paid_on}"),
            Report::Failed { reason } => format!("status={} reason={reason}", next.as_str()),
        };
        self.audit_for(
            &mut tx,
            ctx,
            &format!("payout.{}", report.name()),
            &subject,
            &detail,
            Some(shop.merchant_id),
        )
        .await?;
        let payout = store::payouts::find_payout(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::internal(&"payout vanished"))?;
        tx.commit().await?;
        Ok(self.payout_view(&ctx.actor, payout))
    }

    /// A refund's or commission's payout arrived: the refund reads paid (in full or in part), the
    /// commission paid.
    async fn payout_paid(
        &self,
        tx: &mut store::WriteTx,
        payout: &PayoutRecord,
        now_ms: i64,
    ) -> AppResult<()> {
        if payout.purpose == PayoutPurpose::Commission.as_str() {
            let id = commission_of_reference(&payout.reference)?;
            let (from, to) = (CommissionStatus::Paying.as_str(), CommissionStatus::Paid.as_str());
            if !store::operations::move_commission(tx, id, from, to, None, Some(now_ms)).await? {
                return Err(AppError::internal(&format!(
                    "commission {id} was not paying when its payout was paid"
                )));
            }
            return Ok(());
        }
        if payout.purpose != PayoutPurpose::Refund.as_str() {
            return Ok(());
        }
        let refund_id = refund_of_reference(&payout.reference)?;
        let refund = store::closure::find_refund(tx, refund_id)
            .await?
            .ok_or_else(|| AppError::internal(&"payout refund missing"))?;
        let settled = if refund.outcome.as_deref() == Some(RefundOutcome::Partial.as_str()) {
            RefundStatus::PartiallyPaid
        } else {
            RefundStatus::Paid
        };
        if !store::payouts::set_refund_status(tx, refund_id, RefundStatus::Paying.as_str(), settled.as_str())
            .await?
        {
            return Err(AppError::internal(&format!(
                "refund {refund_id} was {} when its payout was paid",
                refund.status
            )));
        }
        Ok(())
    }

    /// A payout failed or came back: a refund is owed again and the merchant is told to fix the
    /// payout account (a new payout goes out when they do).
    async fn payout_undone(
        &self,
        tx: &mut store::WriteTx,
        payout: &PayoutRecord,
        shop: &ShopRow,
        status: PayoutStatus,
        reason: &str,
    ) -> AppResult<()> {
        if payout.purpose == PayoutPurpose::Refund.as_str() {
            let refund_id = refund_of_reference(&payout.reference)?;
            let (from, to) = (RefundStatus::Paying.as_str(), RefundStatus::PayoutFailed.as_str());
            if !store::payouts::set_refund_status(tx, refund_id, from, to).await? {
                return Err(AppError::internal(&format!(
                    "refund {refund_id} was not paying when its payout failed"
                )));
            }
        }
        let what = PayoutPurpose::parse(&payout.purpose).unwrap_or(PayoutPurpose::Refund);
        if what == PayoutPurpose::Commission {
            // The creator's account is the platform's to fix: the merchant only hears of it.
            let id = commission_of_reference(&payout.reference)?;
            let (from, to) = (CommissionStatus::Paying.as_str(), CommissionStatus::PayoutFailed.as_str());
            if !store::operations::move_commission(tx, id, from, to, None, None).await? {
                return Err(AppError::internal(&format!(
                    "commission {id} was not paying when its payout failed"
                )));
            }
            let notice = Notice {
                merchant_id: shop.merchant_id,
                kind: NoticeKind::PayoutFailed,
                text_zh: format!(
                    "店铺「{}」已支付的达人佣金 {} 元打款给达人时{}（{}），平台将在达人更新收款账户后重新打款，无需您操作",
                    shop.name,
                    crate::shops::yuan(payout.amount_fen),
                    status.name_zh(),
                    reason
                ),
                text_en: format!(
                    "The creator commission of ¥{} paid by \"{}\" was {} on its way to the creator ({}); the platform pays it again once the creator updates the account, nothing for you to do",
                    crate::shops::yuan(payout.amount_fen),
                    shop.name,
                    status.as_str(),
                    reason
                ),
                link: format!("/console/shops/{}/settlement", shop.id),
            };
            self.notify(tx, notice).await?;
            return Ok(());
        }
        let notice = Notice {
            merchant_id: shop.merchant_id,
            kind: NoticeKind::PayoutFailed,
            text_zh: format!(
                "店铺「{}」{} {} 元{}（{}），请更新收款账户后重新打款",
                shop.name,
                what.name_zh(),
                crate::shops::yuan(payout.amount_fen),
                status.name_zh(),
                reason
            ),
            text_en: format!(
                "The {} of ¥{} for \"{}\" was {} ({}); update the payout account to pay it again",
                what.as_str(),
                crate::shops::yuan(payout.amount_fen),
                shop.name,
                status.as_str(),
                reason
            ),
            link: format!("/console/shops/{}/payout-account", shop.id),
        };
        self.notify(tx, notice).await?;
        Ok(())
    }

    /// The merchant fixed the payout account of a shop whose refund payout failed: a new payout
    /// of what is still owed goes out, in the caller's transaction.
    pub(crate) async fn repay_refund(
        &self,
        tx: &mut store::WriteTx,
        ctx: &Ctx,
        shop: &ShopRow,
        refund: &store::closure::RefundRow,
        payee: &PayoutAccountRow,
        now_ms: i64,
    ) -> AppResult<()> {
        let (from, to) = (RefundStatus::PayoutFailed.as_str(), RefundStatus::Paying.as_str());
        if !store::payouts::set_refund_status(tx, refund.id, from, to).await? {
            return Err(AppError::new(Code::StatusConflict, "the refund's payout changed meanwhile"));
        }
        let amount = Amount::parse(refund.paid_fen.unwrap_or(0))
            .map_err(|_| AppError::internal(&format!("refund {} owes nothing", refund.id)))?;
        let request = PayoutRequest {
            shop,
            purpose: PayoutPurpose::Refund,
            reference: format!("refund:{}", refund.id),
            amount,
            source: AccountRef::Platform(AccountCode::RefundsPayable, shop.id as u64),
            payee,
            claim: None,
            report_account: None,
        };
        self.request_payout(tx, ctx, request, now_ms).await?;
        Ok(())
    }

    /// The payouts of a refund, oldest first.
    pub async fn refund_payouts(&self, actor: &Actor, refund_id: i64) -> AppResult<Vec<PayoutView>> {
        self.refund(actor, refund_id).await?;
        let mut conn = self.db().read().await?;
        let rows = store::payouts::payouts_of(&mut conn, &format!("refund:{refund_id}")).await?;
        Ok(rows.into_iter().map(|p| self.payout_view(actor, p)).collect())
    }

    /// Compares the channel's settlement file with the payouts: every difference (finance,
    /// reviewers and admins). Paid here but not in the file counts for the days the file covers.
    pub async fn reconcile_payouts(&self, actor: &Actor, text: &str) -> AppResult<ReconcileReport> {
        require_reconciler(actor)?;
        let lines = domain::payouts::parse_settlement(text)
            .map_err(|e| AppError::new(Code::InvalidSettlementFile, e.to_string()))?;
        let mut conn = self.db().read().await?;
        reconcile_lines(&mut conn, &lines).await
    }

    /// Keeps a settlement file to reconcile (checked first, refused whole when a line is wrong) and
    /// answers its id: the report is then read by id (`settlement_report`), a page that can be
    /// refreshed. Audited.
    pub async fn save_settlement_file(&self, ctx: &Ctx, text: &str) -> AppResult<i64> {
        require_reconciler(&ctx.actor)?;
        let lines = domain::payouts::parse_settlement(text)
            .map_err(|e| AppError::new(Code::InvalidSettlementFile, e.to_string()))?;
        let mut tx = self.db().begin().await?;
        let id =
            store::payouts::insert_settlement_file(&mut tx, &ctx.actor.label(), text, self.clock().now_ms())
                .await?;
        let detail = format!("lines={}", lines.len());
        self.audit_for(&mut tx, ctx, "payouts.reconcile", &format!("settlement_file:{id}"), &detail, None)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A kept settlement file and its report against the payouts now.
    pub async fn settlement_report(&self, actor: &Actor, id: i64) -> AppResult<(String, ReconcileReport)> {
        require_reconciler(actor)?;
        let text = {
            let mut conn = self.db().read().await?;
            store::payouts::settlement_file(&mut conn, id).await?
        };
        let text = text.ok_or_else(|| AppError::new(Code::NotFound, format!("settlement file {id}")))?;
        let report = self.reconcile_payouts(actor, &text).await?;
        Ok((text, report))
    }
}

/// Reconciliation is for the platform's finance: reviewers and admins.
fn require_reconciler(actor: &Actor) -> AppResult<()> {
    match actor.role {
        Role::Reviewer | Role::Admin => Ok(()),
        _ => Err(AppError::new(Code::Forbidden, "reconciliation is for the platform's finance")),
    }
}

/// Reconciles parsed lines against the database (shared by the use case and the CLI).
pub async fn reconcile_lines(conn: &mut store::Conn, lines: &[SettlementLine]) -> AppResult<ReconcileReport> {
    let mut ids: Vec<i64> = lines.iter().map(|l| l.payout_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let known_payout = |p: PayoutRecord| -> Option<KnownPayout> {
        Some(KnownPayout { id: p.id, amount_fen: p.amount_fen, status: p.status, channel_ref: p.channel_ref })
    };
    let known: HashMap<i64, KnownPayout> = store::payouts::payouts_by_ids(conn, &ids)
        .await?
        .into_iter()
        .filter_map(known_payout)
        .map(|p| (p.id, p))
        .collect();
    let from = lines.iter().map(|l| l.date.as_str()).min();
    let to = lines.iter().map(|l| l.date.as_str()).max();
    let paid_here: Vec<KnownPayout> = match (from, to) {
        (Some(from), Some(to)) => {
            store::payouts::paid_between(conn, from, to).await?.into_iter().filter_map(known_payout).collect()
        }
        _ => Vec::new(),
    };
    Ok(ReconcileReport {
        lines: lines.len(),
        differences: domain::payouts::reconcile(lines, &known, &paid_here),
    })
}

/// The id a payout's reference `PREFIX:ID` names (`refund:3`, `commission:7`).
fn id_of_reference(reference: &str, prefix: &str) -> AppResult<i64> {
    crate::invariants::referenced_id(reference, prefix)
        .ok_or_else(|| AppError::internal(&format!("payout reference {reference:?} names no {prefix}")))
}

fn refund_of_reference(reference: &str) -> AppResult<i64> {
    id_of_reference(reference, "refund")
}

fn commission_of_reference(reference: &str) -> AppResult<i64> {
    id_of_reference(reference, "commission")
}

#[cfg(test)]
mod tests {
    #[test]
    fn account_numbers_are_digits() {
        assert_eq!(super::parse_account_number("6222 0210 0111-2345").as_deref(), Some("6222021001112345"));
        assert!(super::parse_account_number("1234567").is_none());
        assert!(super::parse_account_number("12345678x").is_none());
        assert!(super::parse_account_number(&"1".repeat(33)).is_none());
    }
}
