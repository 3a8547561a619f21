//! The storage limit the ledger is measured against (`xiaodian bench ledger --raw`): plain SQL
//! transfers in two scratch tables, without the ledger's rules, through the same pool.
//!
//! A raw transfer is one insert with a unique key and two balance updates (the lower account id
//! first, so concurrent transfers never deadlock). The tables are created by `setup` and dropped
//! by `teardown`; nothing else reads them.

use crate::{Backend, Conn, StoreResult};

/// Drops and creates the scratch tables, with `accounts` accounts at balance 0 (ids 1..=accounts).
pub async fn setup(conn: &mut Conn, backend: Backend, accounts: i64) -> StoreResult<()> {
    teardown(conn).await?;
    let transfers = match backend {
        Backend::Sqlite => {
            "CREATE TABLE bench_raw_transfers (id INTEGER PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, \
             debit_id BIGINT NOT NULL, credit_id BIGINT NOT NULL, amount_fen BIGINT NOT NULL)"
        }
        Backend::Postgres => {
            "CREATE TABLE bench_raw_transfers (id BIGSERIAL PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, \
             debit_id BIGINT NOT NULL, credit_id BIGINT NOT NULL, amount_fen BIGINT NOT NULL)"
        }
    };
    sqlx::query(transfers).execute(&mut *conn).await?;
    sqlx::query("CREATE TABLE bench_raw_accounts (id BIGINT PRIMARY KEY, balance_fen BIGINT NOT NULL)")
        .execute(&mut *conn)
        .await?;
    let mut first = 1;
    while first <= accounts {
        let last = (first + 999).min(accounts);
        let values: Vec<String> = (first..=last).map(|id| format!("({id}, 0)")).collect();
        let sql = format!("INSERT INTO bench_raw_accounts (id, balance_fen) VALUES {}", values.join(", "));
        sqlx::query(&sql).execute(&mut *conn).await?;
        first = last + 1;
    }
    Ok(())
}

/// One raw transfer: the insert under its unique key, then both balances, the lower id first.
pub async fn transfer(
    conn: &mut Conn,
    key: &str,
    debit: i64,
    credit: i64,
    amount_fen: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO bench_raw_transfers (idem_key, debit_id, credit_id, amount_fen) VALUES ($1, $2, $3, $4)",
    )
    .bind(key)
    .bind(debit)
    .bind(credit)
    .bind(amount_fen)
    .execute(&mut *conn)
    .await?;
    let (debit_delta, credit_delta) = (-amount_fen, amount_fen);
    let mut updates = [(debit, debit_delta), (credit, credit_delta)];
    updates.sort_unstable();
    for (id, delta) in updates {
        sqlx::query("UPDATE bench_raw_accounts SET balance_fen = balance_fen + $1 WHERE id = $2")
            .bind(delta)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Transfers stored and the sum of the balances (0 when every transfer moved money, not made it).
pub async fn summary(conn: &mut Conn) -> StoreResult<(i64, i64)> {
    use sqlx::Row;
    let count: i64 =
        sqlx::query("SELECT COUNT(*) FROM bench_raw_transfers").fetch_one(&mut *conn).await?.try_get(0)?;
    let sum: i64 =
        sqlx::query("SELECT CAST(COALESCE(SUM(balance_fen), 0) AS BIGINT) FROM bench_raw_accounts")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    Ok((count, sum))
}

pub async fn teardown(conn: &mut Conn) -> StoreResult<()> {
    sqlx::query("DROP TABLE IF EXISTS bench_raw_transfers").execute(&mut *conn).await?;
    sqlx::query("DROP TABLE IF EXISTS bench_raw_accounts").execute(&mut *conn).await?;
    Ok(())
}
