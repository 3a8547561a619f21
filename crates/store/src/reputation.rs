//! Reputation monitoring: the hourly sentiment rollup (`comment_hourly_sentiment`, changed in the
//! transaction that stores the comments), each account's settings and keyword watch list, and
//! reputation incidents with the comments linked to them.

use domain::reputation::{HOUR_MS, HourCount, IncidentStatus, ReputationSettings};
use sqlx::Row;

use crate::db::row_lock;
use crate::ledger::{id_list, placeholders, style};
use crate::{Backend, Conn, StoreResult};

/// Ids per `IN (...)` list.
const IDS_PER_QUERY_MAX: usize = 500;

/// Hourly rows per multi-row upsert (5 parameters each).
const HOURS_PER_STATEMENT_MAX: usize = 500;

/// Adds comments to an account's hourly rows, many hours per statement (`hours` holds each hour
/// once, as `count_by_hour` makes them).
pub async fn add_to_hours(
    conn: &mut Conn,
    account_id: i64,
    merchant_id: i64,
    hours: &[HourCount],
) -> StoreResult<()> {
    let style = style(conn);
    for chunk in hours.chunks(HOURS_PER_STATEMENT_MAX) {
        let sql = format!(
            "{} comment_hourly_sentiment (account_id, merchant_id, hour_ms, comments, negative) \
             VALUES {} ON CONFLICT (account_id, hour_ms, merchant_id) DO UPDATE SET \
             comments = comment_hourly_sentiment.comments + excluded.comments, \
             negative = comment_hourly_sentiment.negative + excluded.negative",
            style.insert_into(),
            placeholders(style, chunk.len(), 5, 1)
        );
        let mut query = sqlx::query(&sql);
        for hour in chunk {
            query = query
                .bind(account_id)
                .bind(merchant_id)
                .bind(hour.hour_ms)
                .bind(hour.comments)
                .bind(hour.negative);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One hour counted again from the comments themselves (the platform's, not the account's
/// replies); a comment is negative when its score is below `negative_below`.
pub async fn recount_hour(
    conn: &mut Conn,
    account_id: i64,
    hour_ms: i64,
    negative_below: f64,
) -> StoreResult<HourCount> {
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN sentiment_score < $4 THEN 1 ELSE 0 END), 0) \
         FROM comments WHERE account_id = $1 AND by_account = 0 AND created_at_ms >= $2 AND created_at_ms < $3",
    )
    .bind(account_id)
    .bind(hour_ms)
    .bind(hour_ms + HOUR_MS)
    .bind(negative_below)
    .fetch_one(conn)
    .await?;
    Ok(HourCount { hour_ms, comments: row.try_get(0)?, negative: row.try_get(1)? })
}

/// Sets an hour's row to the counts given (after a recount).
pub async fn set_hour(
    conn: &mut Conn,
    account_id: i64,
    merchant_id: i64,
    hour: &HourCount,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO comment_hourly_sentiment (account_id, merchant_id, hour_ms, comments, negative) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, hour_ms, merchant_id) DO UPDATE SET \
         comments = excluded.comments, negative = excluded.negative",
    )
    .bind(account_id)
    .bind(merchant_id)
    .bind(hour.hour_ms)
    .bind(hour.comments)
    .bind(hour.negative)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account's hours with comments from `from_ms` (included) to `to_ms` (excluded), in order.
pub async fn hours_between(
    conn: &mut Conn,
    account_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Vec<HourCount>> {
    let rows = sqlx::query(
        "SELECT hour_ms, comments, negative FROM comment_hourly_sentiment \
         WHERE account_id = $1 AND hour_ms >= $2 AND hour_ms < $3 ORDER BY hour_ms",
    )
    .bind(account_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(HourCount { hour_ms: row.try_get(0)?, comments: row.try_get(1)?, negative: row.try_get(2)? })
        })
        .collect()
}

/// The hourly rows recomputed from the comments (tests compare them with the rollup).
pub async fn recount_hours(
    conn: &mut Conn,
    account_id: i64,
    negative_below: f64,
) -> StoreResult<Vec<HourCount>> {
    let rows = sqlx::query(
        "SELECT created_at_ms, sentiment_score FROM comments WHERE account_id = $1 AND by_account = 0",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await?;
    let mut pairs = Vec::with_capacity(rows.len());
    for row in &rows {
        let score: Option<f64> = row.try_get(1)?;
        pairs.push((row.try_get::<i64, _>(0)?, score.is_some_and(|score| score < negative_below)));
    }
    Ok(domain::reputation::count_by_hour(pairs))
}

const SETTINGS_COLUMNS: &str = "negative_min, deviation_sigmas, rate_floor, baseline_hours, yellow_negative, \
     orange_negative, red_negative, yellow_growth, orange_growth, red_growth, blue_minutes, yellow_minutes, \
     orange_minutes, red_minutes";

/// An account's settings; `None` when it uses the defaults.
pub async fn settings(conn: &mut Conn, account_id: i64) -> StoreResult<Option<ReputationSettings>> {
    let sql = format!("SELECT {SETTINGS_COLUMNS} FROM reputation_settings WHERE account_id = $1");
    let Some(row) = sqlx::query(&sql).bind(account_id).fetch_optional(conn).await? else {
        return Ok(None);
    };
    Ok(Some(ReputationSettings {
        negative_min: row.try_get(0)?,
        deviation_sigmas: row.try_get(1)?,
        rate_floor: row.try_get(2)?,
        baseline_hours: row.try_get(3)?,
        yellow_negative: row.try_get(4)?,
        orange_negative: row.try_get(5)?,
        red_negative: row.try_get(6)?,
        yellow_growth: row.try_get(7)?,
        orange_growth: row.try_get(8)?,
        red_growth: row.try_get(9)?,
        blue_minutes: row.try_get(10)?,
        yellow_minutes: row.try_get(11)?,
        orange_minutes: row.try_get(12)?,
        red_minutes: row.try_get(13)?,
    }))
}

pub async fn save_settings(
    conn: &mut Conn,
    account_id: i64,
    merchant_id: i64,
    s: &ReputationSettings,
    by: &str,
    now_ms: i64,
) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO reputation_settings (account_id, merchant_id, {SETTINGS_COLUMNS}, updated_by, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (account_id, merchant_id) DO UPDATE SET negative_min = excluded.negative_min, \
         deviation_sigmas = excluded.deviation_sigmas, rate_floor = excluded.rate_floor, \
         baseline_hours = excluded.baseline_hours, yellow_negative = excluded.yellow_negative, \
         orange_negative = excluded.orange_negative, red_negative = excluded.red_negative, \
         yellow_growth = excluded.yellow_growth, orange_growth = excluded.orange_growth, \
         red_growth = excluded.red_growth, blue_minutes = excluded.blue_minutes, \
         yellow_minutes = excluded.yellow_minutes, orange_minutes = excluded.orange_minutes, \
         red_minutes = excluded.red_minutes, updated_by = excluded.updated_by, \
         updated_at_ms = excluded.updated_at_ms"
    );
    sqlx::query(&sql)
        .bind(account_id)
        .bind(merchant_id)
        .bind(s.negative_min)
        .bind(s.deviation_sigmas)
        .bind(s.rate_floor)
        .bind(s.baseline_hours)
        .bind(s.yellow_negative)
        .bind(s.orange_negative)
        .bind(s.red_negative)
        .bind(s.yellow_growth)
        .bind(s.orange_growth)
        .bind(s.red_growth)
        .bind(s.blue_minutes)
        .bind(s.yellow_minutes)
        .bind(s.orange_minutes)
        .bind(s.red_minutes)
        .bind(by)
        .bind(now_ms)
        .execute(conn)
        .await?;
    Ok(())
}

/// An account's watch list, in the order it was given.
pub async fn keywords(conn: &mut Conn, account_id: i64) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT keyword FROM reputation_keywords WHERE account_id = $1 ORDER BY position")
        .bind(account_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
}

/// Replaces an account's watch list.
pub async fn replace_keywords(
    conn: &mut Conn,
    account_id: i64,
    merchant_id: i64,
    keywords: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM reputation_keywords WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    for (position, keyword) in keywords.iter().enumerate() {
        sqlx::query(
            "INSERT INTO reputation_keywords (account_id, merchant_id, position, keyword) VALUES ($1, $2, $3, $4)",
        )
        .bind(account_id)
        .bind(merchant_id)
        .bind(position as i64)
        .bind(keyword)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub kind: String,
    pub level: String,
    #[sqlx(try_from = "String")]
    pub status: IncidentStatus,
    pub opened_at_ms: i64,
    pub hour_ms: i64,
    pub hour_comments: i64,
    pub hour_negative: i64,
    pub baseline_rate: f64,
    pub keyword: Option<String>,
    pub deadline_at_ms: i64,
    pub overdue_at_ms: Option<i64>,
    pub assignee: Option<String>,
    pub assigned_at_ms: Option<i64>,
    pub summary: Option<String>,
    pub resolved_at_ms: Option<i64>,
    pub resolved_by: Option<String>,
    pub violation_id: Option<i64>,
    pub updated_at_ms: i64,
}

const INCIDENT_COLUMNS: &str = "id, merchant_id, account_id, kind, level, status, opened_at_ms, hour_ms, \
     hour_comments, hour_negative, baseline_rate, keyword, deadline_at_ms, overdue_at_ms, assignee, assigned_at_ms, \
     summary, resolved_at_ms, resolved_by, violation_id, updated_at_ms";

/// What a new incident starts with.
#[derive(Debug, Clone)]
pub struct NewIncident<'a> {
    pub merchant_id: i64,
    pub account_id: i64,
    pub kind: &'a str,
    pub level: &'a str,
    pub hour: HourCount,
    pub baseline_rate: f64,
    pub keyword: Option<&'a str>,
    pub deadline_at_ms: i64,
    pub now_ms: i64,
}

pub async fn insert_incident(conn: &mut Conn, new: &NewIncident<'_>) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO reputation_incidents (merchant_id, account_id, kind, level, status, opened_at_ms, hour_ms, \
         hour_comments, hour_negative, baseline_rate, keyword, deadline_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $12, $5, $6, $7, $8, $9, $10, $11, $5) RETURNING id",
    )
    .bind(new.merchant_id)
    .bind(new.account_id)
    .bind(new.kind)
    .bind(new.level)
    .bind(new.now_ms)
    .bind(new.hour.hour_ms)
    .bind(new.hour.comments)
    .bind(new.hour.negative)
    .bind(new.baseline_rate)
    .bind(new.keyword)
    .bind(new.deadline_at_ms)
    .bind(IncidentStatus::Open.as_str())
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn find_incident(conn: &mut Conn, id: i64) -> StoreResult<Option<IncidentRow>> {
    let sql = format!("SELECT {INCIDENT_COLUMNS} FROM reputation_incidents WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn lock_incident(conn: &mut Conn, backend: Backend, id: i64) -> StoreResult<Option<IncidentRow>> {
    let sql =
        format!("SELECT {INCIDENT_COLUMNS} FROM reputation_incidents WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// The account's open incident, locked.
pub async fn lock_open_incident(
    conn: &mut Conn,
    backend: Backend,
    account_id: i64,
) -> StoreResult<Option<IncidentRow>> {
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM reputation_incidents WHERE account_id = $1 AND status = $2{}",
        row_lock(backend)
    );
    Ok(sqlx::query_as(&sql).bind(account_id).bind(IncidentStatus::Open.as_str()).fetch_optional(conn).await?)
}

/// The latest hour a spike incident of the account was opened or raised for.
pub async fn latest_spike_hour(conn: &mut Conn, account_id: i64) -> StoreResult<Option<i64>> {
    let row = sqlx::query(
        "SELECT hour_ms FROM reputation_incidents WHERE account_id = $1 AND kind = 'spike' \
         ORDER BY hour_ms DESC LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| row.try_get(0)).transpose().map_err(Into::into)
}

/// An account's incidents, newest first, optionally of one status, before the id `before`.
pub async fn list_incidents(
    conn: &mut Conn,
    account_id: i64,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<IncidentRow>> {
    let sql = format!(
        "SELECT {INCIDENT_COLUMNS} FROM reputation_incidents WHERE account_id = $1 \
         AND ($2 = '' OR status = $2) AND id < $3 ORDER BY id DESC LIMIT $4"
    );
    Ok(sqlx::query_as(&sql)
        .bind(account_id)
        .bind(status.unwrap_or(""))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Raises an open incident's level after a new spike.
pub async fn raise_incident(
    conn: &mut Conn,
    id: i64,
    level: &str,
    hour: &HourCount,
    baseline_rate: f64,
    deadline_at_ms: i64,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE reputation_incidents SET level = $1, hour_ms = $2, hour_comments = $3, hour_negative = $4, \
         baseline_rate = $5, deadline_at_ms = $6, updated_at_ms = $7 WHERE id = $8 AND status = $9",
    )
    .bind(level)
    .bind(hour.hour_ms)
    .bind(hour.comments)
    .bind(hour.negative)
    .bind(baseline_rate)
    .bind(deadline_at_ms)
    .bind(now_ms)
    .bind(id)
    .bind(IncidentStatus::Open.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_assignee(conn: &mut Conn, id: i64, assignee: &str, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE reputation_incidents SET assignee = $1, assigned_at_ms = $2, updated_at_ms = $2 \
         WHERE id = $3 AND status = $4",
    )
    .bind(assignee)
    .bind(now_ms)
    .bind(id)
    .bind(IncidentStatus::Open.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn resolve(conn: &mut Conn, id: i64, summary: &str, by: &str, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE reputation_incidents SET status = $5, summary = $1, resolved_by = $2, \
         resolved_at_ms = $3, updated_at_ms = $3 WHERE id = $4 AND status = $6",
    )
    .bind(summary)
    .bind(by)
    .bind(now_ms)
    .bind(id)
    .bind(IncidentStatus::Resolved.as_str())
    .bind(IncidentStatus::Open.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Flags an open incident overdue when its deadline is still `deadline_at_ms`.
pub async fn mark_overdue(conn: &mut Conn, id: i64, deadline_at_ms: i64, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE reputation_incidents SET overdue_at_ms = $1, updated_at_ms = $1 \
         WHERE id = $2 AND status = $4 AND overdue_at_ms IS NULL AND deadline_at_ms = $3",
    )
    .bind(now_ms)
    .bind(id)
    .bind(deadline_at_ms)
    .bind(IncidentStatus::Open.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the violation an incident became; false when it has one already.
pub async fn set_violation(conn: &mut Conn, id: i64, violation_id: i64, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE reputation_incidents SET violation_id = $1, updated_at_ms = $2 WHERE id = $3 AND violation_id IS NULL",
    )
    .bind(violation_id)
    .bind(now_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Comments linked to an incident so far.
pub async fn linked_count(conn: &mut Conn, incident_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM reputation_incident_comments WHERE incident_id = $1")
        .bind(incident_id)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// Links up to `limit` negative platform comments (score below `negative_below`) of one hour of
/// the account, oldest first.
#[allow(clippy::too_many_arguments)]
pub async fn link_negative_of_hour(
    conn: &mut Conn,
    incident_id: i64,
    account_id: i64,
    hour_ms: i64,
    limit: i64,
    now_ms: i64,
    negative_below: f64,
) -> StoreResult<u64> {
    if limit <= 0 {
        return Ok(0);
    }
    let done = sqlx::query(
        "INSERT INTO reputation_incident_comments (incident_id, comment_id, merchant_id, role, linked_at_ms) \
         SELECT $1, id, merchant_id, 'comment', $2 FROM comments WHERE account_id = $3 AND by_account = 0 \
         AND sentiment_score < $7 AND created_at_ms >= $4 AND created_at_ms < $5 \
         AND id NOT IN (SELECT comment_id FROM reputation_incident_comments WHERE incident_id = $1) \
         ORDER BY created_at_ms, id LIMIT $6",
    )
    .bind(incident_id)
    .bind(now_ms)
    .bind(account_id)
    .bind(hour_ms)
    .bind(hour_ms + HOUR_MS)
    .bind(limit)
    .bind(negative_below)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Links one comment (`role` 'comment' or 'reply'); linking it twice changes nothing.
pub async fn link_comment(
    conn: &mut Conn,
    incident_id: i64,
    comment_id: i64,
    merchant_id: i64,
    role: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO reputation_incident_comments (incident_id, comment_id, merchant_id, role, linked_at_ms) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (incident_id, comment_id, merchant_id) DO NOTHING",
    )
    .bind(incident_id)
    .bind(comment_id)
    .bind(merchant_id)
    .bind(role)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The open incident a comment is linked to, if any.
pub async fn open_incident_of_comment(conn: &mut Conn, comment_id: i64) -> StoreResult<Option<i64>> {
    let row = sqlx::query(
        "SELECT i.id FROM reputation_incident_comments l JOIN reputation_incidents i ON i.id = l.incident_id \
         WHERE l.comment_id = $1 AND i.status = $2 ORDER BY i.id DESC LIMIT 1",
    )
    .bind(comment_id)
    .bind(IncidentStatus::Open.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|row| row.try_get(0)).transpose().map_err(Into::into)
}

/// Of the platform comments with these ids, the (id, external id) of those linked to no incident.
pub async fn unlinked_comments(conn: &mut Conn, external_ids: &[&str]) -> StoreResult<Vec<(i64, String)>> {
    let style = style(conn);
    let mut found = Vec::new();
    for chunk in external_ids.chunks(IDS_PER_QUERY_MAX) {
        let sql = format!(
            "SELECT id, external_id FROM comments WHERE external_id IN ({}) AND by_account = 0 \
             AND id NOT IN (SELECT comment_id FROM reputation_incident_comments)",
            id_list(style, chunk.len(), 1)
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(found)
}

/// An incident's linked comments with their role, oldest first.
pub async fn linked_comments(
    conn: &mut Conn,
    incident_id: i64,
) -> StoreResult<Vec<(String, crate::comments::CommentRow)>> {
    let rows = sqlx::query(
        "SELECT l.role, c.id FROM reputation_incident_comments l JOIN comments c ON c.id = l.comment_id \
         WHERE l.incident_id = $1 ORDER BY c.created_at_ms, c.id",
    )
    .bind(incident_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut linked = Vec::with_capacity(rows.len());
    for row in &rows {
        let role: String = row.try_get(0)?;
        if let Some(comment) = crate::comments::find_comment(conn, row.try_get(1)?).await? {
            linked.push((role, comment));
        }
    }
    Ok(linked)
}
