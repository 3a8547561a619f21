//! What the business invariants of `xiaodian ledger verify` read: the transfers that carry a
//! business decision (penalties, reversals, refund payouts, review fees) and the rows that decided
//! them (violations, reputation incidents, deposit refunds, verification fees). The checks
//! themselves are in `app::invariants`.

use crate::{Conn, StoreResult};

/// A transfer booked for a business decision.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DecisionTransfer {
    pub seq: i64,
    pub reason: String,
    pub reference: String,
    pub amount_fen: i64,
}

/// The transfers of the given reasons, in order.
pub async fn decision_transfers(conn: &mut Conn, reasons: &[&str]) -> StoreResult<Vec<DecisionTransfer>> {
    if reasons.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=reasons.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT seq, reason, reference, amount_fen FROM ledger_transfers WHERE reason IN ({}) ORDER BY seq",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(&sql);
    for reason in reasons {
        query = query.bind(*reason);
    }
    Ok(query.fetch_all(conn).await?)
}

/// A violation as the invariants see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ViolationFacts {
    pub id: i64,
    pub penalty_fen: i64,
    #[sqlx(try_from = "String")]
    pub status: domain::violation::ViolationStatus,
    pub penalty_seq: Option<i64>,
    pub reversal_seq: Option<i64>,
    pub incident_id: Option<i64>,
}

pub async fn violations(conn: &mut Conn) -> StoreResult<Vec<ViolationFacts>> {
    Ok(sqlx::query_as(
        "SELECT id, penalty_fen, status, penalty_seq, reversal_seq, incident_id FROM violations ORDER BY id",
    )
    .fetch_all(conn)
    .await?)
}

/// Reputation incidents turned into a violation: (incident id, violation id).
pub async fn incident_violations(conn: &mut Conn) -> StoreResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, violation_id FROM reputation_incidents WHERE violation_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(conn)
    .await?)
}

/// A deposit refund as the invariants see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundFacts {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: domain::closure::RefundStatus,
    pub paid_fen: Option<i64>,
}

pub async fn refunds(conn: &mut Conn) -> StoreResult<Vec<RefundFacts>> {
    Ok(sqlx::query_as("SELECT id, status, paid_fen FROM deposit_refunds ORDER BY id").fetch_all(conn).await?)
}

/// A creator's commission as the invariants see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CommissionFacts {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: domain::operations::CommissionStatus,
    pub amount_fen: i64,
    /// Empty for a commission paid before payouts existed (its money stayed in commission_payable).
    pub charged_at_ms: Option<i64>,
}

pub async fn commissions(conn: &mut Conn) -> StoreResult<Vec<CommissionFacts>> {
    Ok(sqlx::query_as("SELECT id, status, amount_fen, charged_at_ms FROM commissions ORDER BY id")
        .fetch_all(conn)
        .await?)
}

/// A verification's fee as the invariants see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeeFacts {
    pub id: i64,
    pub fee_paid_at_ms: Option<i64>,
    pub fee_transfer_id: Option<i64>,
}

pub async fn fees(conn: &mut Conn) -> StoreResult<Vec<FeeFacts>> {
    Ok(sqlx::query_as("SELECT id, fee_paid_at_ms, fee_transfer_id FROM verifications ORDER BY id")
        .fetch_all(conn)
        .await?)
}
