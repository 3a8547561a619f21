//! Violations and appeals: a reviewer records a violation and its penalty is deducted from the
//! deposit at once; the merchant may appeal within the window; a reviewer upholds or overturns it,
//! and overturning pays the penalty back with a compensating transfer (nothing is ever deleted).

use domain::auth::Role;
use domain::feed::EventType;
use domain::ledger::{AccountCode, Overdraft};
use domain::limits::{BUYER_ID_LENGTH_MAX, NOTE_LENGTH_MAX};
use domain::money::Amount;
use domain::violation::{Beneficiary, Severity, ViolationKind, ViolationStatus, bounded_text};
pub use store::shops::ViolationRow;

use crate::ledger::{
    AccountRef, IdempotencyClaim, MoneyCommand, MoneyOutcome, Movement, MovementOp, apply_commands,
};
use crate::{App, AppError, AppResult, Code, Ctx};

#[derive(Debug, Clone)]
pub struct NewViolationInput {
    pub kind: String,
    pub severity: String,
    pub penalty_fen: i64,
    pub beneficiary: String,
    pub buyer_id: Option<String>,
    pub evidence: String,
}

/// Who may record a violation.
pub const RECORD_VIOLATION_ROLES: &[Role] = &[Role::Reviewer];

fn incident_violation_exists(violation_id: i64) -> AppError {
    AppError::new(Code::IncidentViolationExists, format!("the incident is violation {violation_id} already"))
}

fn beneficiary_account(beneficiary: &str, shop_id: i64) -> AccountRef {
    let code = if beneficiary == Beneficiary::Consumer.as_str() {
        AccountCode::ConsumerCompensation
    } else {
        AccountCode::PenaltyIncome
    };
    AccountRef::Platform(code, shop_id as u64)
}

impl App {
    /// Records a violation and deducts its penalty from the deposit in the same transaction
    /// (reviewer; idempotent by key). The deposit may go negative: the shop then owes the platform.
    /// When a concurrent request with the same key commits first, this one is retried once and
    /// answers that request's outcome.
    pub async fn record_violation(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        input: &NewViolationInput,
        claim: IdempotencyClaim,
    ) -> AppResult<MoneyOutcome> {
        self.record_violation_from(ctx, shop_id, input, claim, None).await
    }

    /// `record_violation`, for a violation recorded from reputation incident `incident_id`: the
    /// incident is locked, checked and linked in the same transaction as the violation and its
    /// penalty, so an incident becomes one violation however many requests race (the others answer
    /// `incident_violation_exists`; a retry with the first request's key answers its outcome).
    pub(crate) async fn record_violation_from(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        input: &NewViolationInput,
        claim: IdempotencyClaim,
        incident_id: Option<i64>,
    ) -> AppResult<MoneyOutcome> {
        crate::ledger::retry_on_key_conflict(|| {
            self.record_violation_once(ctx, shop_id, input, claim.clone(), incident_id)
        })
        .await
    }

    async fn record_violation_once(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        input: &NewViolationInput,
        claim: IdempotencyClaim,
        incident_id: Option<i64>,
    ) -> Result<MoneyOutcome, crate::ledger::BatchError> {
        ctx.actor.require(&[Role::Reviewer])?;
        let kind = ViolationKind::parse(&input.kind)
            .ok_or_else(|| AppError::invalid("kind", "one of the violation kinds"))?;
        let severity = Severity::parse(&input.severity)
            .ok_or_else(|| AppError::invalid("severity", "minor, general or serious"))?;
        let beneficiary = Beneficiary::parse(&input.beneficiary)
            .ok_or_else(|| AppError::invalid("beneficiary", "platform or consumer"))?;
        if input.penalty_fen < 0 || input.penalty_fen > self.config().penalty_fen_max {
            let detail = format!("penalty_fen must be 0 to {}", self.config().penalty_fen_max);
            return Err(AppError::new(Code::InvalidAmount, detail).into());
        }
        let buyer_id = match (beneficiary, input.buyer_id.as_deref()) {
            (Beneficiary::Consumer, Some(id)) => Some(
                bounded_text(id, BUYER_ID_LENGTH_MAX)
                    .ok_or_else(|| AppError::invalid("buyer_id", "1-64 characters"))?,
            ),
            (Beneficiary::Consumer, None) => {
                return Err(
                    AppError::invalid("buyer_id", "required when the beneficiary is a consumer").into()
                );
            }
            (Beneficiary::Platform, _) => None,
        };
        let evidence = bounded_text(&input.evidence, NOTE_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("evidence", "1-2000 characters"))?;
        let shop = self.shop(&ctx.actor, shop_id).await?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        if let Some(incident_id) = incident_id {
            // The incident first: of racing requests, every one after the first stops here.
            let incident = store::reputation::lock_incident(&mut tx, self.db().backend(), incident_id)
                .await?
                .ok_or_else(|| AppError::not_found("incident"))?;
            if let Some(existing) = incident.violation_id {
                if let Some(first) = crate::ledger::stored_outcome(&mut tx, &claim).await? {
                    return Ok(first?);
                }
                return Err(incident_violation_exists(existing).into());
            }
        }
        // Ordered against closure checks of the same shop (see `App::lock_shop`).
        store::operations::lock_activity(&mut tx, self.db().backend(), shop.id).await?;
        let row = ViolationRow {
            id: 0,
            shop_id: shop.id,
            merchant_id: shop.merchant_id,
            kind: kind.as_str().into(),
            severity: severity.as_str().into(),
            penalty_fen: input.penalty_fen,
            beneficiary: beneficiary.as_str().into(),
            buyer_id,
            evidence,
            status: ViolationStatus::Effective,
            penalty_seq: None,
            reversal_seq: None,
            recorded_by: ctx.actor.label(),
            created_at_ms: now_ms,
            appeal_deadline_ms: now_ms + self.config().appeal_window_days * 24 * 3600 * 1000,
            appeal_text: None,
            appealed_at_ms: None,
            decided_by: None,
            decision_note: None,
            decided_at_ms: None,
        };
        let violation_id = store::shops::insert_violation(&mut tx, &row).await?;
        let movements = match Amount::parse(input.penalty_fen) {
            Ok(amount) => vec![Movement {
                op: MovementOp::Post {
                    debit: AccountRef::Row(shop.deposit_account_id),
                    credit: beneficiary_account(beneficiary.as_str(), shop.id),
                    amount,
                    overdraft: Overdraft::Allowed,
                },
                reason: if beneficiary == Beneficiary::Consumer { "compensation" } else { "penalty" },
                reference: format!("violation:{violation_id}"),
                shop_id: Some(shop.id),
                merchant_id: Some(shop.merchant_id),
            }],
            Err(_) => Vec::new(),
        };
        let command = MoneyCommand {
            movements,
            claim: Some(claim),
            report_account: Some(shop.deposit_account_id),
            subject_id: Some(violation_id),
            merchant_id: Some(shop.merchant_id),
        };
        let mut results =
            apply_commands(&mut tx, self.db().backend(), &self.platform, &[command], now_ms).await?;
        let outcome = results.pop().unwrap_or_else(|| Err(AppError::internal(&"no result")))?;
        if outcome.replayed {
            // The key was used before: answer the first result and keep nothing of this attempt.
            return Ok(outcome);
        }
        let penalty_seq = outcome.transfer_ids.first().copied();
        store::shops::set_violation_penalty(&mut tx, violation_id, penalty_seq).await?;
        let detail = format!(
            "kind={} severity={} penalty_fen={} beneficiary={}",
            kind.as_str(),
            severity.as_str(),
            input.penalty_fen,
            beneficiary.as_str()
        );
        self.audit_for(
            &mut tx,
            ctx,
            "violation.record",
            &format!("violation:{violation_id}"),
            &detail,
            Some(shop.merchant_id),
        )
        .await?;
        if let Some(incident_id) = incident_id {
            // The unique index on `violations.incident_id` backs the lock: a conflict here is
            // retried, and the retry stops at the incident's violation.
            store::shops::set_violation_incident(&mut tx, violation_id, incident_id).await?;
            if !store::reputation::set_violation(&mut tx, incident_id, violation_id, now_ms).await? {
                return Err(incident_violation_exists(violation_id).into());
            }
            let detail = format!("violation={violation_id} shop={}", shop.id);
            self.audit_for(
                &mut tx,
                ctx,
                "reputation.incident.violation",
                &format!("incident:{incident_id}"),
                &detail,
                Some(shop.merchant_id),
            )
            .await?;
        }
        // A penalty that leaves the deposit below what the shop must keep: the platform restricts
        // the shop until it is topped up.
        if let (Some(balance_fen), true) = (outcome.balance_fen, input.penalty_fen > 0) {
            let required_fen = self.required_deposit_fen(&mut tx, &shop).await?;
            if balance_fen < required_fen {
                let data = serde_json::json!({
                    "shop_id": shop.id,
                    "violation_id": violation_id,
                    "balance_fen": balance_fen,
                    "required_fen": required_fen,
                    "shortfall_fen": required_fen - balance_fen,
                });
                self.emit(&mut tx, shop.merchant_id, EventType::DepositShortfall, data).await?;
            }
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// A violation the actor may see (its shop's merchant, or a platform role).
    pub async fn violation(&self, actor: &crate::Actor, id: i64) -> AppResult<ViolationRow> {
        let mut conn = self.db().read().await?;
        let violation = store::shops::find_violation(&mut conn, id)
            .await?
            .ok_or_else(|| AppError::not_found("violation"))?;
        let visible = match actor.role {
            Role::Merchant => actor.merchant_id == Some(violation.merchant_id),
            _ => true,
        };
        if visible { Ok(violation) } else { Err(AppError::not_found("violation")) }
    }

    pub async fn shop_violations(&self, actor: &crate::Actor, shop_id: i64) -> AppResult<Vec<ViolationRow>> {
        let shop = self.shop(actor, shop_id).await?;
        let mut conn = self.db().read().await?;
        Ok(store::shops::shop_violations(&mut conn, shop.id).await?)
    }

    /// The merchant challenges a violation within the appeal window.
    pub async fn appeal_violation(&self, ctx: &Ctx, id: i64, text: &str) -> AppResult<ViolationRow> {
        ctx.actor.require_team(domain::access::rule(domain::access::UseCase::AppealViolation).team_rights)?;
        let text = bounded_text(text, NOTE_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("text", "1-2000 characters"))?;
        let violation = self.violation(&ctx.actor, id).await?;
        if violation.status != ViolationStatus::Effective {
            return Err(AppError::new(Code::NotAppealable, format!("the violation is {}", violation.status)));
        }
        let now_ms = self.clock().now_ms();
        if now_ms > violation.appeal_deadline_ms {
            return Err(AppError::new(Code::AppealWindowClosed, "appeals close 7 days after the violation"));
        }
        let mut tx = self.db().begin().await?;
        // Ordered against closure checks of the same shop (see `App::lock_shop`).
        store::operations::lock_activity(&mut tx, self.db().backend(), violation.shop_id).await?;
        if !store::shops::record_appeal(&mut tx, id, &text, now_ms).await? {
            return Err(AppError::new(
                Code::NotAppealable,
                "the violation was appealed or decided meanwhile",
            ));
        }
        self.audit_for(
            &mut tx,
            ctx,
            "violation.appeal",
            &format!("violation:{id}"),
            "",
            Some(violation.merchant_id),
        )
        .await?;
        let updated = store::shops::find_violation(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("violation"))?;
        tx.commit().await?;
        Ok(updated)
    }

    /// A reviewer decides an appeal once. Overturning pays the penalty back to the deposit.
    pub async fn decide_appeal(
        &self,
        ctx: &Ctx,
        id: i64,
        outcome: &str,
        note: &str,
    ) -> AppResult<ViolationRow> {
        ctx.actor.require(&[Role::Reviewer])?;
        let status = match outcome {
            "upheld" => ViolationStatus::Upheld,
            "overturned" => ViolationStatus::Overturned,
            _ => return Err(AppError::invalid("outcome", "upheld or overturned")),
        };
        let note = if note.trim().is_empty() {
            String::new()
        } else {
            bounded_text(note, NOTE_LENGTH_MAX)
                .ok_or_else(|| AppError::invalid("note", "at most 2000 characters"))?
        };
        let violation = self.violation(&ctx.actor, id).await?;
        match violation.status.as_str() {
            "appealed" => {}
            "effective" => {
                return Err(AppError::new(Code::NotAppealable, "the violation has not been appealed"));
            }
            _ => {
                return Err(AppError::new(
                    Code::AlreadyDecided,
                    format!("the appeal was already {}", violation.status),
                ));
            }
        }
        let shop = self.shop(&ctx.actor, violation.shop_id).await?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        // Ordered against closure checks of the same shop (see `App::lock_shop`).
        store::operations::lock_activity(&mut tx, self.db().backend(), shop.id).await?;
        // The status guard comes first: of two reviewers deciding at once, the second stops here.
        if !store::shops::record_decision(
            &mut tx,
            id,
            status.as_str(),
            &ctx.actor.label(),
            &note,
            None,
            now_ms,
        )
        .await?
        {
            return Err(AppError::new(Code::AlreadyDecided, "another reviewer decided this appeal"));
        }
        if let (ViolationStatus::Overturned, Ok(amount)) = (status, Amount::parse(violation.penalty_fen)) {
            let reversal = Movement {
                op: MovementOp::Post {
                    debit: beneficiary_account(&violation.beneficiary, shop.id),
                    credit: AccountRef::Row(shop.deposit_account_id),
                    amount,
                    overdraft: Overdraft::Allowed,
                },
                reason: "penalty_reversal",
                reference: format!("violation:{id}"),
                shop_id: Some(shop.id),
                merchant_id: Some(shop.merchant_id),
            };
            let command = MoneyCommand {
                movements: vec![reversal],
                claim: None,
                report_account: None,
                subject_id: Some(id),
                merchant_id: Some(shop.merchant_id),
            };
            let mut results =
                apply_commands(&mut tx, self.db().backend(), &self.platform, &[command], now_ms).await?;
            let outcome = results.pop().unwrap_or_else(|| Err(AppError::internal(&"no result")))?;
            store::shops::set_violation_reversal(&mut tx, id, outcome.transfer_ids.first().copied()).await?;
        }
        let detail = format!("outcome={}", status.as_str());
        self.audit_for(
            &mut tx,
            ctx,
            "violation.decide",
            &format!("violation:{id}"),
            &detail,
            Some(violation.merchant_id),
        )
        .await?;
        let updated = store::shops::find_violation(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("violation"))?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Appealed violations waiting for a decision, oldest appeal first (reviewers).
    pub async fn appeal_queue(&self, actor: &crate::Actor) -> AppResult<Vec<ViolationRow>> {
        actor.require(&[Role::Reviewer, Role::Admin])?;
        let mut conn = self.db().read().await?;
        Ok(store::shops::violations_by_status(&mut conn, ViolationStatus::Appealed.as_str(), 200).await?)
    }
}
