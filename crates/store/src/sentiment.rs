//! Learning from corrections: a comment's sentiment set by the merchant's team (on the comment and
//! in `sentiment_corrections`, the history), and the deployment's domain layers
//! (`sentiment_adaptations`, one row a version; the newest not rolled back is in use).

use sqlx::Row;

use crate::{Conn, StoreResult};

/// Sets a comment's label and score as corrected by `by`; false when no such comment.
pub async fn set_comment_sentiment(
    conn: &mut Conn,
    comment_id: i64,
    label: &str,
    score: f64,
    by: &str,
    at_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE comments SET sentiment = $1, sentiment_score = $2, sentiment_corrected_by = $3, \
         sentiment_corrected_at_ms = $4 WHERE id = $5",
    )
    .bind(label)
    .bind(score)
    .bind(by)
    .bind(at_ms)
    .bind(comment_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One correction, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCorrection<'a> {
    pub comment_id: i64,
    pub merchant_id: i64,
    pub label: &'a str,
    pub previous_label: Option<&'a str>,
    pub previous_score: Option<f64>,
    pub corrected_by: &'a str,
    pub corrected_at_ms: i64,
}

pub async fn insert_correction(conn: &mut Conn, c: &NewCorrection<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO sentiment_corrections (comment_id, merchant_id, label, previous_label, previous_score, \
         corrected_by, corrected_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(c.comment_id)
    .bind(c.merchant_id)
    .bind(c.label)
    .bind(c.previous_label)
    .bind(c.previous_score)
    .bind(c.corrected_by)
    .bind(c.corrected_at_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// A corrected comment for training: its text and its latest correction.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectedText {
    pub correction_id: i64,
    pub text: String,
    pub label: String,
}

/// Every corrected comment's text with its latest correction, oldest correction first, at most
/// `limit`.
pub async fn corrected_texts(conn: &mut Conn, limit: i64) -> StoreResult<Vec<CorrectedText>> {
    let rows = sqlx::query(
        "SELECT s.id, c.text, s.label FROM sentiment_corrections s JOIN comments c ON c.id = s.comment_id \
         WHERE s.id = (SELECT MAX(t.id) FROM sentiment_corrections t WHERE t.comment_id = s.comment_id) \
         ORDER BY s.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CorrectedText {
                correction_id: row.try_get(0)?,
                text: row.try_get(1)?,
                label: row.try_get(2)?,
            })
        })
        .collect()
}

/// Corrections recorded after correction `after_id`.
pub async fn corrections_after(conn: &mut Conn, after_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM sentiment_corrections WHERE id > $1")
        .bind(after_id)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// A version of the domain layer, without the layer itself.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptationRow {
    pub version: i64,
    pub created_at_ms: i64,
    pub created_by: String,
    pub source: String,
    pub examples: i64,
    pub corrections_through: i64,
    pub cv_folds: i64,
    pub cv_accuracy: Option<f64>,
    pub base_accuracy: Option<f64>,
    pub base_model: String,
    pub rolled_back_at_ms: Option<i64>,
    pub rolled_back_by: Option<String>,
}

const ADAPTATION_COLUMNS: &str = "version, created_at_ms, created_by, source, examples, corrections_through, \
     cv_folds, cv_accuracy, base_accuracy, base_model, rolled_back_at_ms, rolled_back_by";

fn adaptation(row: &sqlx::any::AnyRow) -> StoreResult<AdaptationRow> {
    Ok(AdaptationRow {
        version: row.try_get(0)?,
        created_at_ms: row.try_get(1)?,
        created_by: row.try_get(2)?,
        source: row.try_get(3)?,
        examples: row.try_get(4)?,
        corrections_through: row.try_get(5)?,
        cv_folds: row.try_get(6)?,
        cv_accuracy: row.try_get(7)?,
        base_accuracy: row.try_get(8)?,
        base_model: row.try_get(9)?,
        rolled_back_at_ms: row.try_get(10)?,
        rolled_back_by: row.try_get(11)?,
    })
}

/// A new version (its fields but `version` and the roll-back ones), with its layer file.
pub async fn insert_adaptation(conn: &mut Conn, row: &AdaptationRow, layer: &[u8]) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO sentiment_adaptations (created_at_ms, created_by, source, examples, corrections_through, \
         cv_folds, cv_accuracy, base_accuracy, base_model, layer) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING version",
    )
    .bind(row.created_at_ms)
    .bind(&row.created_by)
    .bind(&row.source)
    .bind(row.examples)
    .bind(row.corrections_through)
    .bind(row.cv_folds)
    .bind(row.cv_accuracy)
    .bind(row.base_accuracy)
    .bind(&row.base_model)
    .bind(layer.to_vec())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Every version, newest first.
pub async fn adaptations(conn: &mut Conn) -> StoreResult<Vec<AdaptationRow>> {
    let sql = format!("SELECT {ADAPTATION_COLUMNS} FROM sentiment_adaptations ORDER BY version DESC");
    sqlx::query(&sql).fetch_all(conn).await?.iter().map(adaptation).collect()
}

/// The newest version not rolled back whose base model is `base_model` (the version in use).
pub async fn current_version(conn: &mut Conn, base_model: &str) -> StoreResult<Option<i64>> {
    Ok(sqlx::query(
        "SELECT MAX(version) FROM sentiment_adaptations WHERE rolled_back_at_ms IS NULL AND base_model = $1",
    )
    .bind(base_model)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// A version's layer file.
pub async fn layer(conn: &mut Conn, version: i64) -> StoreResult<Option<Vec<u8>>> {
    Ok(sqlx::query("SELECT layer FROM sentiment_adaptations WHERE version = $1")
        .bind(version)
        .fetch_optional(conn)
        .await?
        .map(|row| row.try_get(0))
        .transpose()?)
}

/// Marks a version rolled back; false when it is unknown or rolled back already.
pub async fn roll_back(conn: &mut Conn, version: i64, by: &str, at_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE sentiment_adaptations SET rolled_back_at_ms = $1, rolled_back_by = $2 \
         WHERE version = $3 AND rolled_back_at_ms IS NULL",
    )
    .bind(at_ms)
    .bind(by)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
