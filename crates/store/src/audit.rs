//! The append-only, hash-chained audit log.

use domain::audit::{AuditFields, ChainBreak, GENESIS_HASH, chain_hash, verify_link};
use sqlx::Row;

use crate::{Conn, StoreResult};

/// One audit row to append; `seq`, `hash` and the chain link are computed here.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub at_ms: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub request_id: &'a str,
    pub detail: &'a str,
    pub merchant_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub request_id: String,
    pub detail: String,
    pub merchant_id: Option<i64>,
    pub hash: String,
}

impl AuditRow {
    fn fields(&self) -> AuditFields<'_> {
        AuditFields {
            seq: self.seq,
            at_ms: self.at_ms,
            actor: &self.actor,
            action: &self.action,
            subject: &self.subject,
            request_id: &self.request_id,
            detail: &self.detail,
        }
    }
}

/// Appends a row inside the caller's transaction. Advancing the chain head first takes its row
/// lock, so concurrent appenders (several servers on one PostgreSQL) link one after another.
pub async fn append(conn: &mut Conn, entry: &NewAudit<'_>) -> StoreResult<i64> {
    let head = sqlx::query("UPDATE chain_heads SET seq = seq + 1 WHERE name = 'audit' RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get(0)?;
    let previous_hash: String = head.try_get(1)?;
    let fields = AuditFields {
        seq,
        at_ms: entry.at_ms,
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        request_id: entry.request_id,
        detail: entry.detail,
    };
    let hash = chain_hash(&previous_hash, &fields);
    sqlx::query(
        "INSERT INTO audit_log (seq, at_ms, actor, action, subject, request_id, detail, merchant_id, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(entry.at_ms)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.subject)
    .bind(entry.request_id)
    .bind(entry.detail)
    .bind(entry.merchant_id)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE chain_heads SET hash = $1 WHERE name = 'audit'").bind(&hash).execute(conn).await?;
    Ok(seq)
}

const AUDIT_COLUMNS: &str = "seq, at_ms, actor, action, subject, request_id, detail, merchant_id, hash";

/// Newest first, `limit` rows with `seq` below `before_seq` when given.
pub async fn list(conn: &mut Conn, before_seq: Option<i64>, limit: u32) -> StoreResult<Vec<AuditRow>> {
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2");
    Ok(sqlx::query_as(&sql)
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?)
}

/// Rows of one subject (for example `shop:12`), oldest first.
pub async fn list_for_subject(conn: &mut Conn, subject: &str, limit: u32) -> StoreResult<Vec<AuditRow>> {
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE subject = $1 ORDER BY seq LIMIT $2");
    Ok(sqlx::query_as(&sql).bind(subject).bind(i64::from(limit)).fetch_all(conn).await?)
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    Intact {
        rows: i64,
    },
    Broken(ChainBreak),
    /// The chain head does not point at the last row (rows removed from the end).
    HeadMismatch {
        head_seq: i64,
        last_seq: i64,
    },
}

const VERIFY_PAGE_ROWS: i64 = 2_000;

/// Recomputes every link from the first row, page by page.
pub async fn verify(conn: &mut Conn) -> StoreResult<ChainReport> {
    let mut running = (0_i64, GENESIS_HASH.to_owned());
    loop {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows: Vec<AuditRow> =
            sqlx::query_as(&sql).bind(running.0).bind(VERIFY_PAGE_ROWS).fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            match verify_link((running.0, &running.1), &row.fields(), &row.hash) {
                Ok(hash) => running = (row.seq, hash),
                Err(broken) => return Ok(ChainReport::Broken(broken)),
            }
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM chain_heads WHERE name = 'audit'").fetch_one(conn).await?;
    let head_seq: i64 = head.try_get(0)?;
    let head_hash: String = head.try_get(1)?;
    if head_seq != running.0 || head_hash != running.1 {
        return Ok(ChainReport::HeadMismatch { head_seq, last_seq: running.0 });
    }
    Ok(ChainReport::Intact { rows: running.0 })
}
