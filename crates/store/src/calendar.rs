//! Working-day calendar notices that operators imported (the built-in years ship in `domain`).

use sqlx::Row;

use crate::{Conn, StoreResult};

/// Stores a year's notice text, replacing an earlier import of the same year.
pub async fn upsert_notice(
    conn: &mut Conn,
    year: i32,
    source: &str,
    text: &str,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM calendar_notices WHERE year = $1")
        .bind(i64::from(year))
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO calendar_notices (year, source, notice_text, imported_at_ms) VALUES ($1, $2, $3, $4)",
    )
    .bind(i64::from(year))
    .bind(source)
    .bind(text)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every imported notice's text, oldest year first.
pub async fn all_notices(conn: &mut Conn) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT notice_text FROM calendar_notices ORDER BY year").fetch_all(conn).await?;
    rows.into_iter().map(|row| Ok(row.try_get(0)?)).collect()
}
