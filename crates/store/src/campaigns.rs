//! Campaigns with their linked videos, trending topics, and the daily engagement rollups
//! (`add_video_day`, `add_account_day`) with the window sums campaign results read.

use domain::operations::OrderStatus;
use sqlx::Row;

use crate::db::row_lock;
use crate::{Backend, Conn, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub name: String,
    pub goal: String,
    pub starts_on: String,
    pub ends_on: String,
    pub budget_fen: i64,
    /// Tags without their `#`, separated by single spaces.
    pub tags: String,
    pub created_by: String,
    pub cancelled_at_ms: Option<i64>,
    pub cancelled_by: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const CAMPAIGN_COLUMNS: &str = "id, merchant_id, account_id, name, goal, starts_on, ends_on, budget_fen, tags, \
     created_by, cancelled_at_ms, cancelled_by, created_at_ms, updated_at_ms";

/// What a campaign says: written at creation and by an update.
pub struct CampaignContent<'a> {
    pub name: &'a str,
    pub goal: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub budget_fen: i64,
    pub tags: &'a str,
}

pub async fn insert_campaign(
    conn: &mut Conn,
    merchant_id: i64,
    account_id: i64,
    content: &CampaignContent<'_>,
    created_by: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO campaigns (merchant_id, account_id, name, goal, starts_on, ends_on, budget_fen, tags, \
         created_by, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(merchant_id)
    .bind(account_id)
    .bind(content.name)
    .bind(content.goal)
    .bind(content.starts_on)
    .bind(content.ends_on)
    .bind(content.budget_fen)
    .bind(content.tags)
    .bind(created_by)
    .bind(now_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn update_campaign(
    conn: &mut Conn,
    id: i64,
    content: &CampaignContent<'_>,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE campaigns SET name = $2, goal = $3, starts_on = $4, ends_on = $5, budget_fen = $6, tags = $7, \
         updated_at_ms = $8 WHERE id = $1 AND cancelled_at_ms IS NULL",
    )
    .bind(id)
    .bind(content.name)
    .bind(content.goal)
    .bind(content.starts_on)
    .bind(content.ends_on)
    .bind(content.budget_fen)
    .bind(content.tags)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn cancel_campaign(conn: &mut Conn, id: i64, by: &str, now_ms: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE campaigns SET cancelled_at_ms = $2, cancelled_by = $3, updated_at_ms = $2 \
         WHERE id = $1 AND cancelled_at_ms IS NULL",
    )
    .bind(id)
    .bind(now_ms)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_campaign(conn: &mut Conn, id: i64) -> StoreResult<Option<CampaignRow>> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Reads a campaign and locks its row until the transaction ends.
pub async fn lock_campaign(conn: &mut Conn, backend: Backend, id: i64) -> StoreResult<Option<CampaignRow>> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// An account's campaigns, latest first day first, then newest.
pub async fn list_campaigns(conn: &mut Conn, account_id: i64, limit: i64) -> StoreResult<Vec<CampaignRow>> {
    let sql = format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE account_id = $1 ORDER BY starts_on DESC, id DESC LIMIT $2"
    );
    Ok(sqlx::query_as(&sql).bind(account_id).bind(limit).fetch_all(conn).await?)
}

pub async fn count_campaigns(conn: &mut Conn, account_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM campaigns WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// Links a video; `false` when it was linked already.
pub async fn link_video(
    conn: &mut Conn,
    merchant_id: i64,
    campaign_id: i64,
    video_id: i64,
    by: &str,
    now_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO campaign_videos (campaign_id, video_id, linked_by, linked_at_ms, merchant_id) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campaign_id, video_id, merchant_id) DO NOTHING",
    )
    .bind(campaign_id)
    .bind(video_id)
    .bind(by)
    .bind(now_ms)
    .bind(merchant_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Unlinks a video; `false` when it was not linked.
pub async fn unlink_video(conn: &mut Conn, campaign_id: i64, video_id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM campaign_videos WHERE campaign_id = $1 AND video_id = $2")
        .bind(campaign_id)
        .bind(video_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The ids of a campaign's linked videos, in linking order.
pub async fn linked_videos(conn: &mut Conn, campaign_id: i64) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT video_id FROM campaign_videos WHERE campaign_id = $1 ORDER BY linked_at_ms, video_id",
    )
    .bind(campaign_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
}

// ----- trending topics -----

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TopicRow {
    pub topic: String,
    pub heat: i64,
    pub observed_at_ms: i64,
}

pub async fn insert_topic(
    conn: &mut Conn,
    topic: &str,
    heat: i64,
    observed_at_ms: i64,
    created_by: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO trending_topics (topic, heat, observed_at_ms, created_by, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(topic)
    .bind(heat)
    .bind(observed_at_ms)
    .bind(created_by)
    .bind(now_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// Topics observed in `[from_ms, to_ms)`, each once with its highest heat and latest observation,
/// hottest first.
pub async fn top_topics(conn: &mut Conn, from_ms: i64, to_ms: i64, limit: i64) -> StoreResult<Vec<TopicRow>> {
    Ok(sqlx::query_as(
        "SELECT topic, CAST(MAX(heat) AS BIGINT) AS heat, CAST(MAX(observed_at_ms) AS BIGINT) AS observed_at_ms \
         FROM trending_topics WHERE observed_at_ms >= $1 AND observed_at_ms < $2 \
         GROUP BY topic ORDER BY heat DESC, topic LIMIT $3",
    )
    .bind(from_ms)
    .bind(to_ms)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

// ----- engagement rollups -----

/// One day's engagement counts, added to what a rollup row holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Engagement {
    pub views: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub follows: i64,
    pub watch_ms: i64,
    pub completions: i64,
}

/// Adds `counts` to a video's row of `day` (a China date `YYYY-MM-DD`), creating it when missing.
pub async fn add_video_day(
    conn: &mut Conn,
    video_id: i64,
    account_id: i64,
    merchant_id: i64,
    day: &str,
    counts: &Engagement,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO video_daily_engagement (video_id, account_id, merchant_id, day, views, likes, comments, \
         shares, follows, watch_ms, completions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (video_id, day, merchant_id) DO UPDATE SET views = video_daily_engagement.views + excluded.views, \
         likes = video_daily_engagement.likes + excluded.likes, \
         comments = video_daily_engagement.comments + excluded.comments, \
         shares = video_daily_engagement.shares + excluded.shares, \
         follows = video_daily_engagement.follows + excluded.follows, \
         watch_ms = video_daily_engagement.watch_ms + excluded.watch_ms, \
         completions = video_daily_engagement.completions + excluded.completions",
    )
    .bind(video_id)
    .bind(account_id)
    .bind(merchant_id)
    .bind(day)
    .bind(counts.views)
    .bind(counts.likes)
    .bind(counts.comments)
    .bind(counts.shares)
    .bind(counts.follows)
    .bind(counts.watch_ms)
    .bind(counts.completions)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds `counts` (completions aside) to an account's row of `day`, creating it when missing.
pub async fn add_account_day(
    conn: &mut Conn,
    account_id: i64,
    merchant_id: i64,
    day: &str,
    counts: &Engagement,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO account_daily_engagement (account_id, merchant_id, day, views, likes, comments, shares, \
         follows, watch_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (account_id, day, merchant_id) DO UPDATE SET views = account_daily_engagement.views + excluded.views, \
         likes = account_daily_engagement.likes + excluded.likes, \
         comments = account_daily_engagement.comments + excluded.comments, \
         shares = account_daily_engagement.shares + excluded.shares, \
         follows = account_daily_engagement.follows + excluded.follows, \
         watch_ms = account_daily_engagement.watch_ms + excluded.watch_ms",
    )
    .bind(account_id)
    .bind(merchant_id)
    .bind(day)
    .bind(counts.views)
    .bind(counts.likes)
    .bind(counts.comments)
    .bind(counts.shares)
    .bind(counts.follows)
    .bind(counts.watch_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// An account's engagement summed over the days `from_day..=to_day` (completions stay 0).
pub async fn account_engagement(
    conn: &mut Conn,
    account_id: i64,
    from_day: &str,
    to_day: &str,
) -> StoreResult<Engagement> {
    let row = sqlx::query(
        "SELECT COALESCE(CAST(SUM(views) AS BIGINT), 0), COALESCE(CAST(SUM(likes) AS BIGINT), 0), \
         COALESCE(CAST(SUM(comments) AS BIGINT), 0), COALESCE(CAST(SUM(shares) AS BIGINT), 0), \
         COALESCE(CAST(SUM(follows) AS BIGINT), 0), COALESCE(CAST(SUM(watch_ms) AS BIGINT), 0) \
         FROM account_daily_engagement WHERE account_id = $1 AND day >= $2 AND day <= $3",
    )
    .bind(account_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_one(conn)
    .await?;
    Ok(Engagement {
        views: row.try_get(0)?,
        likes: row.try_get(1)?,
        comments: row.try_get(2)?,
        shares: row.try_get(3)?,
        follows: row.try_get(4)?,
        watch_ms: row.try_get(5)?,
        completions: 0,
    })
}

/// The merchant's orders (every shop) created in `[from_ms, to_ms)` and not cancelled: their
/// count and amount in fen.
pub async fn merchant_sales(
    conn: &mut Conn,
    merchant_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(CAST(SUM(o.amount_fen) AS BIGINT), 0) FROM orders o \
         JOIN shops s ON s.id = o.shop_id \
         WHERE s.merchant_id = $1 AND o.created_at_ms >= $2 AND o.created_at_ms < $3 AND o.status <> $4",
    )
    .bind(merchant_id)
    .bind(from_ms)
    .bind(to_ms)
    .bind(OrderStatus::Cancelled.as_str())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}
