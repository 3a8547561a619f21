//! Engagement rollups: a batch's `domain::analytics::Rollup` added to the rollup tables many rows
//! per upsert, the reads dashboards make of them (never of events), and the event batches taken
//! with an idempotency key.

use std::collections::HashMap;

use domain::analytics::{Counts, Rollup, VideoOwner, day_date};
use sqlx::Row;

use crate::ledger::{Style, id_list, placeholders, style};
use crate::{Conn, StoreResult, json_rows};

/// Rows per multi-row upsert: 11 parameters a row stays below SQLite's 32766 bound parameters.
const UPSERT_ROWS_MAX: usize = 1_000;

/// A value bound to an upsert.
#[derive(Debug, Clone)]
enum Cell {
    Int(i64),
    Text(String),
}

/// The columns of one rollup table: the conflict key (ending with the merchant every rollup row
/// carries, deploy/citus.sql), columns only inserted, columns summed.
struct Table {
    name: &'static str,
    key: &'static [&'static str],
    carried: &'static [&'static str],
    sums: &'static [&'static str],
}

const COUNT_COLUMNS: &[&str] = &["views", "likes", "shares", "follows", "watch_ms", "completions"];

const VIDEO_HOURS: Table = Table {
    name: "video_hourly_engagement",
    key: &["video_id", "hour_ms", "merchant_id"],
    carried: &["account_id"],
    sums: COUNT_COLUMNS,
};
const VIDEO_DAYS: Table = Table {
    name: "video_daily_engagement",
    key: &["video_id", "day", "merchant_id"],
    carried: &["account_id", "comments"],
    sums: COUNT_COLUMNS,
};
const ACCOUNT_DAYS: Table = Table {
    name: "account_daily_engagement",
    key: &["account_id", "day", "merchant_id"],
    carried: &["comments"],
    sums: COUNT_COLUMNS,
};
const VIDEO_SOURCES: Table = Table {
    name: "video_daily_sources",
    key: &["video_id", "day", "source", "merchant_id"],
    carried: &[],
    sums: &["views"],
};
const ACCOUNT_SOURCES: Table = Table {
    name: "account_daily_sources",
    key: &["account_id", "day", "source", "merchant_id"],
    carried: &[],
    sums: &["views"],
};
const VIDEO_AUDIENCE: Table = Table {
    name: "video_daily_audience",
    key: &["video_id", "day", "dimension", "value", "merchant_id"],
    carried: &[],
    sums: &["views"],
};
const ACCOUNT_AUDIENCE: Table = Table {
    name: "account_daily_audience",
    key: &["account_id", "day", "dimension", "value", "merchant_id"],
    carried: &[],
    sums: &["views"],
};

fn counts_cells(counts: &Counts) -> [Cell; 6] {
    [counts.views, counts.likes, counts.shares, counts.follows, counts.watch_ms, counts.completions]
        .map(Cell::Int)
}

fn day_cell(day: i64) -> Cell {
    Cell::Text(day_date(day).format("%Y-%m-%d").to_string())
}

/// Adds rows to `table`: a missing row is inserted, an existing one has its sums added to.
async fn upsert_add(conn: &mut Conn, table: &Table, rows: &[Vec<Cell>]) -> StoreResult<()> {
    let style = style(conn);
    let columns: Vec<&str> = table.key.iter().chain(table.carried).chain(table.sums).copied().collect();
    let sets: Vec<String> =
        table.sums.iter().map(|c| format!("{c} = {}.{c} + excluded.{c}", table.name)).collect();
    if style == Style::Numbered {
        if rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO {name} ({columns}) SELECT {columns} FROM {records} ON CONFLICT ({key}) DO UPDATE SET {sets}",
            name = table.name,
            columns = columns.join(", "),
            records = json_rows::records(table.name, 1),
            key = table.key.join(", "),
            sets = sets.join(", ")
        );
        sqlx::query(&sql).bind(json_objects(&columns, rows)?).execute(&mut *conn).await?;
        return Ok(());
    }
    for chunk in rows.chunks(UPSERT_ROWS_MAX) {
        let sql = format!(
            "{} {} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
            style.insert_into(),
            table.name,
            columns.join(", "),
            placeholders(style, chunk.len(), columns.len(), 1),
            table.key.join(", "),
            sets.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for cell in chunk.iter().flatten() {
            query = match cell {
                Cell::Int(value) => query.bind(*value),
                Cell::Text(text) => query.bind(text.clone()),
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A JSON array of one object per row, keyed by `columns` (PostgreSQL's bulk path).
fn json_objects(columns: &[&str], rows: &[Vec<Cell>]) -> StoreResult<String> {
    let objects: Vec<serde_json::Map<String, serde_json::Value>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .zip(row)
                .map(|(column, cell)| {
                    let value = match cell {
                        Cell::Int(value) => serde_json::Value::from(*value),
                        Cell::Text(text) => serde_json::Value::from(text.as_str()),
                    };
                    ((*column).to_owned(), value)
                })
                .collect()
        })
        .collect();
    json_rows::bind_value(&objects)
}

/// Adds a batch's rollup to every rollup table (in the caller's transaction).
pub async fn add_rollup(conn: &mut Conn, rollup: &Rollup) -> StoreResult<()> {
    // Every video and account of the batch has day rows, which name its owner: the hour, source
    // and audience rows carry the same.
    let video_owners: HashMap<i64, VideoOwner> =
        rollup.video_days.iter().map(|((video, _), (owner, _))| (*video, *owner)).collect();
    let account_merchants: HashMap<i64, i64> =
        rollup.account_days.iter().map(|((account, _), (merchant, _))| (*account, *merchant)).collect();
    let video_merchants: HashMap<i64, i64> =
        video_owners.iter().map(|(video, owner)| (*video, owner.merchant_id)).collect();
    let rows: Vec<Vec<Cell>> = rollup
        .video_hours
        .iter()
        .map(|((video, hour), counts)| {
            let owner = video_owners[video];
            let mut row = vec![
                Cell::Int(*video),
                Cell::Int(*hour),
                Cell::Int(owner.merchant_id),
                Cell::Int(owner.account_id),
            ];
            row.extend(counts_cells(counts));
            row
        })
        .collect();
    upsert_add(conn, &VIDEO_HOURS, &rows).await?;

    let rows: Vec<Vec<Cell>> = rollup
        .video_days
        .iter()
        .map(|((video, day), (owner, counts))| {
            let mut row = vec![
                Cell::Int(*video),
                day_cell(*day),
                Cell::Int(owner.merchant_id),
                Cell::Int(owner.account_id),
                Cell::Int(0),
            ];
            row.extend(counts_cells(counts));
            row
        })
        .collect();
    upsert_add(conn, &VIDEO_DAYS, &rows).await?;

    let rows: Vec<Vec<Cell>> = rollup
        .account_days
        .iter()
        .map(|((account, day), (merchant, counts))| {
            let mut row = vec![Cell::Int(*account), day_cell(*day), Cell::Int(*merchant), Cell::Int(0)];
            row.extend(counts_cells(counts));
            row
        })
        .collect();
    upsert_add(conn, &ACCOUNT_DAYS, &rows).await?;

    for (table, sources, merchants) in [
        (&VIDEO_SOURCES, &rollup.video_sources, &video_merchants),
        (&ACCOUNT_SOURCES, &rollup.account_sources, &account_merchants),
    ] {
        let rows: Vec<Vec<Cell>> = sources
            .iter()
            .map(|((id, day, source), views)| {
                vec![
                    Cell::Int(*id),
                    day_cell(*day),
                    Cell::Text(source.as_str().to_owned()),
                    Cell::Int(merchants[id]),
                    Cell::Int(*views),
                ]
            })
            .collect();
        upsert_add(conn, table, &rows).await?;
    }
    for (table, audience, merchants) in [
        (&VIDEO_AUDIENCE, &rollup.video_audience, &video_merchants),
        (&ACCOUNT_AUDIENCE, &rollup.account_audience, &account_merchants),
    ] {
        let rows: Vec<Vec<Cell>> = audience
            .iter()
            .map(|((id, day, value), views)| {
                vec![
                    Cell::Int(*id),
                    day_cell(*day),
                    Cell::Text(value.dimension().as_str().to_owned()),
                    Cell::Text(value.as_str().to_owned()),
                    Cell::Int(merchants[id]),
                    Cell::Int(*views),
                ]
            })
            .collect();
        upsert_add(conn, table, &rows).await?;
    }
    Ok(())
}

// ----- reads -----

fn counts_of(row: &sqlx::any::AnyRow, first: usize) -> StoreResult<Counts> {
    Ok(Counts {
        views: row.try_get(first)?,
        likes: row.try_get(first + 1)?,
        shares: row.try_get(first + 2)?,
        follows: row.try_get(first + 3)?,
        watch_ms: row.try_get(first + 4)?,
        completions: row.try_get(first + 5)?,
    })
}

const COUNT_SELECT: &str = "views, likes, shares, follows, watch_ms, completions";

/// Days `from_day..=to_day` of an account with engagement, in day order.
pub async fn account_days(
    conn: &mut Conn,
    account_id: i64,
    from_day: &str,
    to_day: &str,
) -> StoreResult<Vec<(String, Counts)>> {
    let sql = format!(
        "SELECT day, {COUNT_SELECT} FROM account_daily_engagement \
         WHERE account_id = $1 AND day >= $2 AND day <= $3 ORDER BY day"
    );
    day_rows(conn, &sql, account_id, from_day, to_day).await
}

/// Days `from_day..=to_day` of a video with engagement, in day order.
pub async fn video_days(
    conn: &mut Conn,
    video_id: i64,
    from_day: &str,
    to_day: &str,
) -> StoreResult<Vec<(String, Counts)>> {
    let sql = format!(
        "SELECT day, {COUNT_SELECT} FROM video_daily_engagement \
         WHERE video_id = $1 AND day >= $2 AND day <= $3 ORDER BY day"
    );
    day_rows(conn, &sql, video_id, from_day, to_day).await
}

async fn day_rows(
    conn: &mut Conn,
    sql: &str,
    id: i64,
    from_day: &str,
    to_day: &str,
) -> StoreResult<Vec<(String, Counts)>> {
    let rows = sqlx::query(sql).bind(id).bind(from_day).bind(to_day).fetch_all(conn).await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, counts_of(row, 1)?))).collect()
}

/// Hours `[from_ms, to_ms)` of a video with engagement, in time order.
pub async fn video_hours(
    conn: &mut Conn,
    video_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Vec<(i64, Counts)>> {
    let sql = format!(
        "SELECT hour_ms, {COUNT_SELECT} FROM video_hourly_engagement \
         WHERE video_id = $1 AND hour_ms >= $2 AND hour_ms < $3 ORDER BY hour_ms"
    );
    let rows = sqlx::query(&sql).bind(video_id).bind(from_ms).bind(to_ms).fetch_all(conn).await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, counts_of(row, 1)?))).collect()
}

/// Whose views a mix reads: an account's or a video's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Account(i64),
    Video(i64),
}

impl Subject {
    fn table_and_column(self, kind: &str) -> (String, &'static str, i64) {
        match self {
            Subject::Account(id) => (format!("account_daily_{kind}"), "account_id", id),
            Subject::Video(id) => (format!("video_daily_{kind}"), "video_id", id),
        }
    }
}

/// Views by traffic source over `from_day..=to_day`.
pub async fn sources(
    conn: &mut Conn,
    subject: Subject,
    from_day: &str,
    to_day: &str,
) -> StoreResult<Vec<(String, i64)>> {
    let (table, column, id) = subject.table_and_column("sources");
    let sql = format!(
        "SELECT source, CAST(SUM(views) AS BIGINT) FROM {table} \
         WHERE {column} = $1 AND day >= $2 AND day <= $3 GROUP BY source"
    );
    let rows = sqlx::query(&sql).bind(id).bind(from_day).bind(to_day).fetch_all(conn).await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
}

/// Views by audience dimension and value over `from_day..=to_day`.
pub async fn audience(
    conn: &mut Conn,
    subject: Subject,
    from_day: &str,
    to_day: &str,
) -> StoreResult<Vec<(String, String, i64)>> {
    let (table, column, id) = subject.table_and_column("audience");
    let sql = format!(
        "SELECT dimension, value, CAST(SUM(views) AS BIGINT) FROM {table} \
         WHERE {column} = $1 AND day >= $2 AND day <= $3 GROUP BY dimension, value"
    );
    let rows = sqlx::query(&sql).bind(id).bind(from_day).bind(to_day).fetch_all(conn).await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))).collect()
}

/// Views by traffic source over `from_day..=to_day` of every account of a merchant.
pub async fn merchant_sources(
    conn: &mut Conn,
    merchant_id: i64,
    from_day: &str,
    to_day: &str,
) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT s.source, CAST(SUM(s.views) AS BIGINT) FROM account_daily_sources s \
         JOIN enterprise_accounts a ON a.id = s.account_id \
         WHERE a.merchant_id = $1 AND s.day >= $2 AND s.day <= $3 GROUP BY s.source",
    )
    .bind(merchant_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
}

/// A published video of an account with its engagement over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoTotals {
    pub video_id: i64,
    pub title: String,
    pub tags: String,
    pub published_at_ms: i64,
    pub counts: Counts,
}

/// The account's published videos with their engagement summed over `from_day..=to_day`
/// (zero for a video without engagement then), most viewed first.
pub async fn account_videos(
    conn: &mut Conn,
    account_id: i64,
    from_day: &str,
    to_day: &str,
) -> StoreResult<Vec<VideoTotals>> {
    let sums = COUNT_COLUMNS
        .iter()
        .map(|c| format!("COALESCE(CAST(SUM(e.{c}) AS BIGINT), 0)"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT v.id, v.title, v.tags, v.published_at_ms, {sums} FROM videos v \
         LEFT JOIN video_daily_engagement e ON e.video_id = v.id AND e.day >= $2 AND e.day <= $3 \
         WHERE v.account_id = $1 AND v.published_at_ms IS NOT NULL \
         GROUP BY v.id, v.title, v.tags, v.published_at_ms"
    );
    let rows = sqlx::query(&sql).bind(account_id).bind(from_day).bind(to_day).fetch_all(conn).await?;
    let mut videos = rows
        .iter()
        .map(|row| {
            Ok(VideoTotals {
                video_id: row.try_get(0)?,
                title: row.try_get(1)?,
                tags: row.try_get(2)?,
                published_at_ms: row.try_get(3)?,
                counts: counts_of(row, 4)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    videos.sort_by(|a, b| b.counts.views.cmp(&a.counts.views).then(a.video_id.cmp(&b.video_id)));
    Ok(videos)
}

/// Platform comments (replies by the account left out) by video, written in `[from_ms, to_ms)`
/// on the given videos.
pub async fn comments_by_video(
    conn: &mut Conn,
    video_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Vec<(i64, i64)>> {
    let style = style(conn);
    let mut counts = Vec::new();
    for chunk in video_ids.chunks(500) {
        let sql = format!(
            "SELECT video_id, COUNT(*) FROM comments WHERE created_at_ms >= {} AND created_at_ms < {} \
             AND by_account = 0 AND video_id IN ({}) GROUP BY video_id",
            id_list(style, 1, 1),
            id_list(style, 1, 2),
            id_list(style, chunk.len(), 3)
        );
        let mut query = sqlx::query(&sql).bind(from_ms).bind(to_ms);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            counts.push((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(counts)
}

// ----- idempotent batches -----

/// A batch taken before under an idempotency key: the request's fingerprint and the answer given.
pub async fn find_batch(conn: &mut Conn, key: &str) -> StoreResult<Option<(String, String)>> {
    let row = sqlx::query("SELECT request_hash, answer FROM event_batches WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).transpose()
}

pub async fn insert_batch(
    conn: &mut Conn,
    key: &str,
    request_hash: &str,
    answer: &str,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO event_batches (idempotency_key, request_hash, answer, received_at_ms) VALUES ($1, $2, $3, $4)")
        .bind(key)
        .bind(request_hash)
        .bind(answer)
        .bind(now_ms)
        .execute(conn)
        .await?;
    Ok(())
}
