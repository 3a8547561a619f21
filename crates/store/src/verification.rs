//! Enterprise accounts, verification applications and their documents.

use domain::verification::VerificationStatus;
use sqlx::Row;

use crate::db::row_lock;
use crate::{Backend, Conn, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub merchant_id: i64,
    pub nickname: String,
    pub bio: String,
    pub verified: i64,
    pub badge_verification_id: Option<i64>,
    pub badge_granted_on: Option<String>,
    pub badge_valid_until: Option<String>,
    pub cooldown_until_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const ACCOUNT_COLUMNS: &str = "id, merchant_id, nickname, bio, verified, badge_verification_id, badge_granted_on, \
     badge_valid_until, cooldown_until_ms, created_at_ms, updated_at_ms";

pub async fn insert_account(
    conn: &mut Conn,
    merchant_id: i64,
    nickname: &str,
    bio: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO enterprise_accounts (merchant_id, nickname, bio, verified, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, 0, $4, $4) RETURNING id",
    )
    .bind(merchant_id)
    .bind(nickname)
    .bind(bio)
    .bind(now_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_account(conn: &mut Conn, id: i64) -> StoreResult<Option<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM enterprise_accounts WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Enterprise accounts of one merchant, or of all when `merchant_id` is `None`, in id order.
pub async fn list_accounts(
    conn: &mut Conn,
    merchant_id: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<AccountRow>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM enterprise_accounts WHERE ($1 = 0 OR merchant_id = $1) ORDER BY id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql).bind(merchant_id.unwrap_or(0)).bind(limit).fetch_all(conn).await?)
}

pub async fn count_accounts(conn: &mut Conn, merchant_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM enterprise_accounts WHERE merchant_id = $1")
        .bind(merchant_id)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// Grants (or renews) the badge.
pub async fn set_badge(
    conn: &mut Conn,
    account_id: i64,
    verification_id: i64,
    granted_on: &str,
    valid_until: &str,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE enterprise_accounts SET verified = 1, badge_verification_id = $1, badge_granted_on = $2, \
         badge_valid_until = $3, updated_at_ms = $4 WHERE id = $5",
    )
    .bind(verification_id)
    .bind(granted_on)
    .bind(valid_until)
    .bind(now_ms)
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the badge when it still ends on `valid_until`; false when it was renewed meanwhile.
pub async fn expire_badge(
    conn: &mut Conn,
    account_id: i64,
    valid_until: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE enterprise_accounts SET verified = 0, updated_at_ms = $1 \
         WHERE id = $2 AND verified = 1 AND badge_valid_until = $3",
    )
    .bind(now_ms)
    .bind(account_id)
    .bind(valid_until)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_cooldown(conn: &mut Conn, account_id: i64, until_ms: i64) -> StoreResult<()> {
    sqlx::query("UPDATE enterprise_accounts SET cooldown_until_ms = $1 WHERE id = $2")
        .bind(until_ms)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Verified accounts whose badge comes from an application with this USCC, other than `account_id`.
pub async fn count_verified_for_uscc(conn: &mut Conn, uscc: &str, account_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM enterprise_accounts a JOIN verifications v ON v.id = a.badge_verification_id \
         WHERE a.verified = 1 AND v.uscc = $1 AND a.id <> $2",
    )
    .bind(uscc)
    .bind(account_id)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VerificationRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub renewal: i64,
    pub company_name: String,
    pub brand_name: Option<String>,
    pub uscc: String,
    pub legal_rep_name: String,
    pub legal_rep_id_sealed: String,
    pub legal_rep_id_masked: String,
    pub legal_rep_id_index: String,
    pub industry: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub operator_is_legal_rep: i64,
    pub warnings: String,
    #[sqlx(try_from = "String")]
    pub status: VerificationStatus,
    pub fee_paid_at_ms: Option<i64>,
    pub fee_transfer_id: Option<i64>,
    pub fee_payment_ref: Option<String>,
    pub submission: i64,
    pub submitted_at_ms: Option<i64>,
    pub target_on: Option<String>,
    pub due_on: Option<String>,
    pub claimed_by: Option<String>,
    pub claimed_at_ms: Option<i64>,
    pub rejection_count: i64,
    pub changes_due_at_ms: Option<i64>,
    pub decision_outcome: Option<String>,
    pub decision_reasons: Option<String>,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub decided_submission: i64,
    pub failed_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const VERIFICATION_COLUMNS: &str = "id, merchant_id, account_id, renewal, company_name, brand_name, uscc, legal_rep_name, \
     legal_rep_id_sealed, legal_rep_id_masked, legal_rep_id_index, industry, contact_phone, contact_email, \
     operator_is_legal_rep, warnings, status, fee_paid_at_ms, fee_transfer_id, fee_payment_ref, submission, \
     submitted_at_ms, target_on, due_on, claimed_by, claimed_at_ms, rejection_count, changes_due_at_ms, \
     decision_outcome, decision_reasons, decision_note, decided_by, decided_at_ms, decided_submission, \
     failed_at_ms, created_at_ms, updated_at_ms";

/// The fields a merchant fills in (and may correct while the application is editable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationData {
    pub company_name: String,
    pub brand_name: Option<String>,
    pub uscc: String,
    pub legal_rep_name: String,
    pub legal_rep_id_sealed: String,
    pub legal_rep_id_masked: String,
    pub legal_rep_id_index: String,
    pub industry: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub operator_is_legal_rep: bool,
    pub warnings: String,
}

pub async fn insert_verification(
    conn: &mut Conn,
    merchant_id: i64,
    account_id: i64,
    renewal: bool,
    data: &ApplicationData,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO verifications (merchant_id, account_id, renewal, company_name, brand_name, uscc, legal_rep_name, \
         legal_rep_id_sealed, legal_rep_id_masked, legal_rep_id_index, industry, contact_phone, contact_email, \
         operator_is_legal_rep, warnings, status, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $17, $16, $16) RETURNING id",
    )
    .bind(merchant_id)
    .bind(account_id)
    .bind(i64::from(renewal))
    .bind(&data.company_name)
    .bind(&data.brand_name)
    .bind(&data.uscc)
    .bind(&data.legal_rep_name)
    .bind(&data.legal_rep_id_sealed)
    .bind(&data.legal_rep_id_masked)
    .bind(&data.legal_rep_id_index)
    .bind(&data.industry)
    .bind(&data.contact_phone)
    .bind(&data.contact_email)
    .bind(i64::from(data.operator_is_legal_rep))
    .bind(&data.warnings)
    .bind(now_ms)
    .bind(VerificationStatus::Draft.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Replaces the application data while the application is in an editable status; false otherwise.
pub async fn update_application(
    conn: &mut Conn,
    id: i64,
    data: &ApplicationData,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE verifications SET company_name = $1, brand_name = $2, uscc = $3, legal_rep_name = $4, \
         legal_rep_id_sealed = $5, legal_rep_id_masked = $6, legal_rep_id_index = $7, industry = $8, \
         contact_phone = $9, contact_email = $10, operator_is_legal_rep = $11, warnings = $12, updated_at_ms = $13 \
         WHERE id = $14 AND status IN ($15, $16, $17)",
    )
    .bind(&data.company_name)
    .bind(&data.brand_name)
    .bind(&data.uscc)
    .bind(&data.legal_rep_name)
    .bind(&data.legal_rep_id_sealed)
    .bind(&data.legal_rep_id_masked)
    .bind(&data.legal_rep_id_index)
    .bind(&data.industry)
    .bind(&data.contact_phone)
    .bind(&data.contact_email)
    .bind(i64::from(data.operator_is_legal_rep))
    .bind(&data.warnings)
    .bind(now_ms)
    .bind(id)
    .bind(VerificationStatus::Draft.as_str())
    .bind(VerificationStatus::Rejected.as_str())
    .bind(VerificationStatus::ChangesRequested.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_verification(conn: &mut Conn, id: i64) -> StoreResult<Option<VerificationRow>> {
    let sql = format!("SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Reads an application and, on PostgreSQL, locks its row until the transaction ends (SQLite's
/// write transaction already excludes other writers).
pub async fn lock_verification(
    conn: &mut Conn,
    backend: Backend,
    id: i64,
) -> StoreResult<Option<VerificationRow>> {
    let sql = format!("SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Applications of one merchant (newest first), or in a status for reviewers (earliest due first).
pub async fn list_verifications(
    conn: &mut Conn,
    merchant_id: Option<i64>,
    status: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<VerificationRow>> {
    let order = if merchant_id.is_some() { "id DESC" } else { "due_on, id" };
    let sql = format!(
        "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE ($1 = 0 OR merchant_id = $1) \
         AND ($2 = '' OR status = $2) ORDER BY {order} LIMIT $3"
    );
    Ok(sqlx::query_as(&sql)
        .bind(merchant_id.unwrap_or(0))
        .bind(status.unwrap_or(""))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// The open application of an account (at most one), if any.
pub async fn open_for_account(conn: &mut Conn, account_id: i64) -> StoreResult<Option<VerificationRow>> {
    let sql = format!(
        "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE account_id = $1 \
         AND status NOT IN ($2, $3) ORDER BY id DESC LIMIT 1"
    );
    Ok(sqlx::query_as(&sql)
        .bind(account_id)
        .bind(VerificationStatus::Approved.as_str())
        .bind(VerificationStatus::Failed.as_str())
        .fetch_optional(conn)
        .await?)
}

/// Whether the blind index of an ID number is on an application with another USCC.
pub async fn id_index_seen_elsewhere(conn: &mut Conn, index: &str, uscc: &str) -> StoreResult<bool> {
    let count: i64 =
        sqlx::query("SELECT COUNT(*) FROM verifications WHERE legal_rep_id_index = $1 AND uscc <> $2")
            .bind(index)
            .bind(uscc)
            .fetch_one(conn)
            .await?
            .try_get(0)?;
    Ok(count > 0)
}

pub async fn record_fee(
    conn: &mut Conn,
    id: i64,
    transfer_id: Option<i64>,
    payment_ref: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE verifications SET fee_paid_at_ms = $1, fee_transfer_id = $2, fee_payment_ref = $3 \
         WHERE id = $4 AND fee_paid_at_ms IS NULL",
    )
    .bind(now_ms)
    .bind(transfer_id)
    .bind(payment_ref)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts an editable application in the queue with its review dates.
pub async fn submit(
    conn: &mut Conn,
    id: i64,
    target_on: &str,
    due_on: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE verifications SET status = $5, submission = submission + 1, submitted_at_ms = $1, \
         target_on = $2, due_on = $3, claimed_by = NULL, claimed_at_ms = NULL, changes_due_at_ms = NULL, \
         updated_at_ms = $1 WHERE id = $4 AND status IN ($6, $7, $8)",
    )
    .bind(now_ms)
    .bind(target_on)
    .bind(due_on)
    .bind(id)
    .bind(VerificationStatus::Submitted.as_str())
    .bind(VerificationStatus::Draft.as_str())
    .bind(VerificationStatus::Rejected.as_str())
    .bind(VerificationStatus::ChangesRequested.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives an application awaiting a decision to `reviewer`, when it is still held by `holder`
/// (`None`: unclaimed); false otherwise.
pub async fn claim(
    conn: &mut Conn,
    id: i64,
    holder: Option<&str>,
    reviewer: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE verifications SET status = $6, claimed_by = $1, claimed_at_ms = $2, updated_at_ms = $2 \
         WHERE id = $3 AND status IN ($5, $6) AND COALESCE(claimed_by, '') = $4",
    )
    .bind(reviewer)
    .bind(now_ms)
    .bind(id)
    .bind(holder.unwrap_or(""))
    .bind(VerificationStatus::Submitted.as_str())
    .bind(VerificationStatus::InReview.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A reviewer's decision on submission `submission`.
pub struct Decision<'a> {
    pub status: VerificationStatus,
    pub outcome: &'a str,
    pub reasons: &'a str,
    pub note: &'a str,
    pub decided_by: &'a str,
    pub rejection_count: i64,
    pub changes_due_at_ms: Option<i64>,
    pub failed: bool,
    pub submission: i64,
    pub now_ms: i64,
}

/// Records a decision when the application still waits for one on that submission; false otherwise.
pub async fn decide(conn: &mut Conn, id: i64, d: &Decision<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE verifications SET status = $1, decision_outcome = $2, decision_reasons = $3, decision_note = $4, \
         decided_by = $5, decided_at_ms = $6, rejection_count = $7, changes_due_at_ms = $8, \
         failed_at_ms = CASE WHEN $9 = 1 THEN $6 ELSE failed_at_ms END, decided_submission = $10, updated_at_ms = $6 \
         WHERE id = $11 AND status IN ($12, $13) AND submission = $10",
    )
    .bind(d.status.as_str())
    .bind(d.outcome)
    .bind(d.reasons)
    .bind(d.note)
    .bind(d.decided_by)
    .bind(d.now_ms)
    .bind(d.rejection_count)
    .bind(d.changes_due_at_ms)
    .bind(i64::from(d.failed))
    .bind(d.submission)
    .bind(id)
    .bind(VerificationStatus::Submitted.as_str())
    .bind(VerificationStatus::InReview.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Fails an application still waiting for changes on submission `submission`; false otherwise.
pub async fn fail_waiting_changes(
    conn: &mut Conn,
    id: i64,
    submission: i64,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE verifications SET status = $4, failed_at_ms = $1, updated_at_ms = $1 \
         WHERE id = $2 AND status = $5 AND submission = $3",
    )
    .bind(now_ms)
    .bind(id)
    .bind(submission)
    .bind(VerificationStatus::Failed.as_str())
    .bind(VerificationStatus::ChangesRequested.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub verification_id: i64,
    pub merchant_id: i64,
    pub kind: String,
    pub sha256: String,
    pub bytes: i64,
    pub content_type: String,
    pub uploaded_at_ms: i64,
}

const DOCUMENT_COLUMNS: &str =
    "id, verification_id, merchant_id, kind, sha256, bytes, content_type, uploaded_at_ms";

pub async fn insert_document(conn: &mut Conn, d: &DocumentRow) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO verification_documents (verification_id, merchant_id, kind, sha256, bytes, content_type, uploaded_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(d.verification_id)
    .bind(d.merchant_id)
    .bind(&d.kind)
    .bind(&d.sha256)
    .bind(d.bytes)
    .bind(&d.content_type)
    .bind(d.uploaded_at_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Documents of an application, oldest first.
pub async fn documents(conn: &mut Conn, verification_id: i64) -> StoreResult<Vec<DocumentRow>> {
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS} FROM verification_documents WHERE verification_id = $1 ORDER BY id"
    );
    Ok(sqlx::query_as(&sql).bind(verification_id).fetch_all(conn).await?)
}

pub async fn find_document(conn: &mut Conn, id: i64) -> StoreResult<Option<DocumentRow>> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM verification_documents WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}
