//! Sales analytics reads: a shop's orders, after-sales cases and complaints summed by China day
//! in SQL, the same per shop over every shop of a category (the peers of the closure report), and
//! the buyer messages and replies the first-response time is measured on.

use std::collections::BTreeMap;

use domain::operations::OrderStatus;
use domain::sales::SalesFigures;
use sqlx::Row;

use crate::{Conn, StoreResult};

/// China midnight falls 8 hours before the UTC one: `(ms + OFFSET) / DAY` is the China day number.
const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// The day-number expression of a millisecond column (integer division on both engines).
fn day_of(column: &str) -> String {
    format!("(({column} + {CHINA_OFFSET_MS}) / {DAY_MS})")
}

/// A shop's figures in `[from_ms, to_ms)` by China day number (days without anything left out).
pub async fn shop_days(
    conn: &mut Conn,
    shop_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<BTreeMap<i64, SalesFigures>> {
    let mut days: BTreeMap<i64, SalesFigures> = BTreeMap::new();
    let day = day_of("created_at_ms");
    let orders = format!(
        "SELECT {day}, COALESCE(CAST(SUM(CASE WHEN status <> CAST($4 AS TEXT) THEN 1 ELSE 0 END) AS BIGINT), 0), \
         COALESCE(CAST(SUM(CASE WHEN status <> CAST($4 AS TEXT) THEN amount_fen ELSE 0 END) AS BIGINT), 0), \
         COALESCE(CAST(SUM(CASE WHEN status = CAST($4 AS TEXT) THEN 1 ELSE 0 END) AS BIGINT), 0) \
         FROM orders WHERE shop_id = $1 AND created_at_ms >= $2 AND created_at_ms < $3 GROUP BY {day}"
    );
    let rows = sqlx::query(&orders)
        .bind(shop_id)
        .bind(from_ms)
        .bind(to_ms)
        .bind(OrderStatus::Cancelled.as_str())
        .fetch_all(&mut *conn)
        .await?;
    for row in rows {
        let figures = days.entry(row.try_get(0)?).or_default();
        figures.orders = row.try_get(1)?;
        figures.gmv_fen = row.try_get(2)?;
        figures.cancelled = row.try_get(3)?;
    }
    let cases = format!(
        "SELECT {day}, COUNT(*), COALESCE(CAST(SUM(CASE WHEN kind IN ('refund', 'return') THEN 1 ELSE 0 END) AS BIGINT), 0) \
         FROM after_sales WHERE shop_id = $1 AND created_at_ms >= $2 AND created_at_ms < $3 GROUP BY {day}"
    );
    for row in sqlx::query(&cases).bind(shop_id).bind(from_ms).bind(to_ms).fetch_all(&mut *conn).await? {
        let figures = days.entry(row.try_get(0)?).or_default();
        figures.after_sales = row.try_get(1)?;
        figures.refunds = row.try_get(2)?;
    }
    let complaints = format!(
        "SELECT {day}, COUNT(*) FROM complaints WHERE shop_id = $1 AND created_at_ms >= $2 AND created_at_ms < $3 \
         GROUP BY {day}"
    );
    for row in sqlx::query(&complaints).bind(shop_id).bind(from_ms).bind(to_ms).fetch_all(&mut *conn).await? {
        days.entry(row.try_get(0)?).or_default().complaints = row.try_get(1)?;
    }
    Ok(days)
}

/// Every shop of `category` with its figures in `[from_ms, to_ms)` (zero for a shop without any).
pub async fn category_shops(
    conn: &mut Conn,
    category: &str,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<BTreeMap<i64, SalesFigures>> {
    let mut shops: BTreeMap<i64, SalesFigures> = BTreeMap::new();
    for row in
        sqlx::query("SELECT id FROM shops WHERE category = $1").bind(category).fetch_all(&mut *conn).await?
    {
        shops.insert(row.try_get(0)?, SalesFigures::default());
    }
    let orders = "SELECT o.shop_id, COALESCE(CAST(SUM(CASE WHEN o.status <> CAST($4 AS TEXT) THEN 1 ELSE 0 END) AS BIGINT), 0), \
         COALESCE(CAST(SUM(CASE WHEN o.status <> CAST($4 AS TEXT) THEN o.amount_fen ELSE 0 END) AS BIGINT), 0) \
         FROM orders o JOIN shops s ON s.id = o.shop_id \
         WHERE s.category = $1 AND o.created_at_ms >= $2 AND o.created_at_ms < $3 GROUP BY o.shop_id";
    let rows = sqlx::query(orders)
        .bind(category)
        .bind(from_ms)
        .bind(to_ms)
        .bind(OrderStatus::Cancelled.as_str())
        .fetch_all(&mut *conn)
        .await?;
    for row in rows {
        let figures = shops.entry(row.try_get(0)?).or_default();
        figures.orders = row.try_get(1)?;
        figures.gmv_fen = row.try_get(2)?;
    }
    let cases = "SELECT a.shop_id, COUNT(*), COALESCE(CAST(SUM(CASE WHEN a.kind IN ('refund', 'return') THEN 1 ELSE 0 END) AS BIGINT), 0) \
         FROM after_sales a JOIN shops s ON s.id = a.shop_id \
         WHERE s.category = $1 AND a.created_at_ms >= $2 AND a.created_at_ms < $3 GROUP BY a.shop_id";
    for row in sqlx::query(cases).bind(category).bind(from_ms).bind(to_ms).fetch_all(&mut *conn).await? {
        let figures = shops.entry(row.try_get(0)?).or_default();
        figures.after_sales = row.try_get(1)?;
        figures.refunds = row.try_get(2)?;
    }
    let complaints = "SELECT c.shop_id, COUNT(*) FROM complaints c JOIN shops s ON s.id = c.shop_id \
         WHERE s.category = $1 AND c.created_at_ms >= $2 AND c.created_at_ms < $3 GROUP BY c.shop_id";
    for row in sqlx::query(complaints).bind(category).bind(from_ms).bind(to_ms).fetch_all(&mut *conn).await? {
        shops.entry(row.try_get(0)?).or_default().complaints = row.try_get(1)?;
    }
    Ok(shops)
}

/// The messages of a shop's conversations in `[from_ms, to_ms)`, by conversation then time:
/// `(conversation_id, from_buyer, at_ms)`, at most `limit` (the most recent conversations first
/// would need a scan; the period bounds the work instead).
pub async fn shop_messages(
    conn: &mut Conn,
    shop_id: i64,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, bool, i64)>> {
    let rows = sqlx::query(
        "SELECT m.conversation_id, m.sender, m.at_ms FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.shop_id = $1 AND m.at_ms >= $2 AND m.at_ms < $3 ORDER BY m.conversation_id, m.at_ms, m.id LIMIT $4",
    )
    .bind(shop_id)
    .bind(from_ms)
    .bind(to_ms)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let sender: String = row.try_get(1)?;
            Ok((row.try_get(0)?, sender == "buyer", row.try_get(2)?))
        })
        .collect()
}
