//! The deposit ledger's rows: accounts, hash-chained transfers, holds and idempotency keys.
//! Writes take many rows per statement so that one commit carries a whole batch of requests.

use sqlx::Row;

use crate::db::row_lock;
use crate::{Backend, Conn, StoreResult, json_rows};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub code: String,
    pub shard: i64,
    pub shop_id: Option<i64>,
    pub merchant_id: Option<i64>,
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferRow {
    pub seq: i64,
    pub kind: String,
    pub debit_account_id: i64,
    pub credit_account_id: i64,
    pub amount_fen: i64,
    pub released_fen: i64,
    pub hold_id: Option<i64>,
    pub debit_balance_after_fen: i64,
    pub credit_balance_after_fen: i64,
    pub reason: String,
    pub reference: String,
    pub shop_id: Option<i64>,
    pub merchant_id: Option<i64>,
    pub at_ms: i64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HoldRow {
    pub id: i64,
    pub debit_account_id: i64,
    pub credit_account_id: i64,
    pub amount_fen: i64,
    pub state: String,
    pub posted_fen: i64,
    pub resolved_seq: Option<i64>,
    pub merchant_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdempotencyRow {
    pub scope: String,
    pub idem_key: String,
    pub request_hash: String,
    pub outcome: String,
    pub transfer_seq: Option<i64>,
    pub merchant_id: Option<i64>,
    pub created_at_ms: i64,
}

/// How parameters are written: `$N` on PostgreSQL; anonymous `?` on SQLite, which binds by
/// position (numbered names make SQLite look each one up by name, quadratic in the count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Numbered,
    Positional,
}

impl Style {
    /// How a bulk insert starts. On SQLite `INSERT OR FAIL`: a constraint that fails still fails
    /// the statement, but SQLite keeps no statement journal for it (a copy of every page the
    /// statement touches, kept to undo its earlier rows after a failure, about a third of a
    /// 1,024-row insert's time). Only for statements inside a write transaction, which rolls back
    /// on any error; an `ON CONFLICT` clause after the values keeps its meaning.
    pub(crate) fn insert_into(self) -> &'static str {
        match self {
            Style::Numbered => "INSERT INTO",
            Style::Positional => "INSERT OR FAIL INTO",
        }
    }

    /// How a bulk update starts, for the same reason and with the same condition as `insert_into`.
    pub(crate) fn update(self) -> &'static str {
        match self {
            Style::Numbered => "UPDATE",
            Style::Positional => "UPDATE OR FAIL",
        }
    }
}

pub(crate) fn style(conn: &Conn) -> Style {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") { Style::Positional } else { Style::Numbered }
}

pub(crate) fn param(style: Style, number: usize) -> String {
    let mut out = String::new();
    push_param(&mut out, style, number);
    out
}

/// Appends parameter `number` (`$N` or `?`) without an allocation of its own.
fn push_param(out: &mut String, style: Style, number: usize) {
    use std::fmt::Write as _;
    match style {
        Style::Numbered => {
            let _ = write!(out, "${number}");
        }
        Style::Positional => out.push('?'),
    }
}

/// "($1, $2), ($3, $4)" for `rows` rows of `columns` parameters, numbered from `first`. Written
/// straight into one string: a bulk statement has tens of thousands of them.
pub(crate) fn placeholders(style: Style, rows: usize, columns: usize, first: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        out.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            push_param(&mut out, style, first + row * columns + column);
        }
        out.push(')');
    }
    out
}

/// "$first, $first+1, ..." (or "?, ?") for `count` values.
pub(crate) fn id_list(style: Style, count: usize, first: usize) -> String {
    (0..count).map(|i| param(style, first + i)).collect::<Vec<_>>().join(", ")
}

/// Rows per multi-row statement, at most.
const STATEMENT_ROWS_MAX: usize = 64;

/// Splits `items` into chunks whose sizes are powers of two (64, 32, ... 1), so that only a few
/// statement texts exist and each stays prepared in the connection's statement cache.
fn power_of_two_chunks<T>(items: &[T]) -> Vec<&[T]> {
    chunks_of_powers_of_two(items, STATEMENT_ROWS_MAX)
}

/// Splits `items` into chunks of `max` rows (a power of two) and powers of two below it for the
/// rest: a bulk statement's text then takes one of a few forms, each prepared once and kept in
/// the connection's statement cache (a text per batch size would be parsed again every time).
pub(crate) fn chunks_of_powers_of_two<T>(items: &[T], max: usize) -> Vec<&[T]> {
    debug_assert!(max.is_power_of_two());
    let mut chunks = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let mut size = max;
        while size > rest.len() {
            size /= 2;
        }
        let (chunk, tail) = rest.split_at(size);
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

const ACCOUNT_COLUMNS: &str =
    "id, code, shard, shop_id, merchant_id, debits_posted, credits_posted, debits_pending, credits_pending";

pub async fn insert_shop_account(
    conn: &mut Conn,
    code: &str,
    shop_id: i64,
    merchant_id: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO ledger_accounts (code, shard, shop_id, merchant_id) VALUES ($1, 0, $2, $3) RETURNING id",
    )
    .bind(code)
    .bind(shop_id)
    .bind(merchant_id)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

/// A shop's account of `code`, when it was opened.
pub async fn find_shop_account(conn: &mut Conn, shop_id: i64, code: &str) -> StoreResult<Option<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE shop_id = $1 AND code = $2");
    Ok(sqlx::query_as(&sql).bind(shop_id).bind(code).fetch_optional(conn).await?)
}

/// Creates the platform account rows (code, shard) that do not exist yet; answers all of them.
pub async fn ensure_platform_accounts(
    conn: &mut Conn,
    codes: &[&str],
    shards: u32,
) -> StoreResult<Vec<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE shop_id IS NULL");
    let existing: Vec<AccountRow> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
    for code in codes {
        for shard in 0..i64::from(shards) {
            if !existing.iter().any(|a| a.code == *code && a.shard == shard) {
                sqlx::query("INSERT INTO ledger_accounts (code, shard) VALUES ($1, $2)")
                    .bind(*code)
                    .bind(shard)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(sqlx::query_as(&sql).fetch_all(conn).await?)
}

/// Loads accounts by id, locking them on PostgreSQL (in id order, so batches never deadlock).
pub async fn load_accounts(conn: &mut Conn, backend: Backend, ids: &[i64]) -> StoreResult<Vec<AccountRow>> {
    let style = style(conn);
    if style == Style::Numbered {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::bigint[]) ORDER BY id{}",
            row_lock(backend)
        );
        return Ok(sqlx::query_as(&sql).bind(int_array(ids)).fetch_all(conn).await?);
    }
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in power_of_two_chunks(ids) {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id IN ({}) ORDER BY id",
            id_list(style, chunk.len(), 1),
        );
        let mut query = sqlx::query_as(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// A PostgreSQL array literal of integers (`{1,2,3}`), bound as text and cast to `bigint[]`.
pub(crate) fn int_array(ids: &[i64]) -> String {
    int_array_with_nulls(ids.iter().copied().map(Some))
}

pub async fn find_account(conn: &mut Conn, id: i64) -> StoreResult<Option<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn all_accounts(conn: &mut Conn) -> StoreResult<Vec<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts ORDER BY id");
    Ok(sqlx::query_as(&sql).fetch_all(conn).await?)
}

/// Writes new counters for many accounts in one statement (the ledger engine's PostgreSQL
/// batches write them in `write_batch_postgres` instead, as they do transfers and keys).
pub async fn update_accounts(conn: &mut Conn, accounts: &[AccountRow]) -> StoreResult<()> {
    let style = style(conn);
    let mut updated = 0;
    for chunk in power_of_two_chunks(accounts) {
        let sql = format!(
            "{} ledger_accounts SET debits_posted = v.column2, credits_posted = v.column3, \
             debits_pending = v.column4, credits_pending = v.column5 \
             FROM (VALUES {}) AS v WHERE ledger_accounts.id = v.column1",
            style.update(),
            placeholders(style, chunk.len(), 5, 1)
        );
        let mut query = sqlx::query(&sql);
        for a in chunk {
            query = query
                .bind(a.id)
                .bind(a.debits_posted)
                .bind(a.credits_posted)
                .bind(a.debits_pending)
                .bind(a.credits_pending);
        }
        updated += query.execute(&mut *conn).await?.rows_affected();
    }
    assert_eq!(updated, accounts.len() as u64, "every account of the batch exists");
    Ok(())
}

/// What one ledger batch writes besides its holds.
#[derive(Debug, Clone, Copy)]
pub struct BatchRows<'a> {
    pub transfers: &'a [TransferRow],
    /// The accounts whose counters moved, with their new counters.
    pub accounts: &'a [AccountRow],
    pub idempotency: &'a [IdempotencyRow],
    /// The chain head after the batch (seq, hash).
    pub head: (i64, &'a str),
}

/// How many rows of a `BatchRows` went in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchWritten {
    pub keys: u64,
    pub accounts: u64,
}

/// PostgreSQL: a batch's transfers, account counters, idempotency keys and chain head in one
/// statement (one round trip; each part a statement of its own in a data-modifying `WITH`). A key
/// already stored fails it with `StoreError::Conflict`, as `insert_idempotency` does.
pub async fn write_batch_postgres(conn: &mut Conn, batch: BatchRows<'_>) -> StoreResult<BatchWritten> {
    // Every column is one array literal bound as text and unpacked by `unnest`: no JSON keys to
    // parse per row (JSON parsing was a third of this statement's time), and PostgreSQL
    // estimates each array by its length.
    let (keys, transfers, accounts) = (batch.idempotency, batch.transfers, batch.accounts);
    let sql = "WITH k AS (INSERT INTO idempotency_keys (scope, idem_key, request_hash, outcome, transfer_seq, \
         merchant_id, created_at_ms) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
         $5::bigint[], $6::bigint[], $7::bigint[]) RETURNING 1), \
         t AS (INSERT INTO ledger_transfers (seq, kind, debit_account_id, credit_account_id, amount_fen, \
         released_fen, hold_id, debit_balance_after_fen, credit_balance_after_fen, reason, reference, shop_id, \
         merchant_id, at_ms, hash) SELECT * FROM unnest($8::bigint[], $9::text[], $10::bigint[], $11::bigint[], \
         $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::text[], $18::text[], \
         $19::bigint[], $20::bigint[], $21::bigint[], $22::text[])), \
         a AS (UPDATE ledger_accounts SET debits_posted = v.debits_posted, credits_posted = v.credits_posted, \
         debits_pending = v.debits_pending, credits_pending = v.credits_pending \
         FROM unnest($23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[], $27::bigint[]) \
         AS v(id, debits_posted, credits_posted, debits_pending, credits_pending) \
         WHERE ledger_accounts.id = v.id RETURNING 1), \
         h AS (UPDATE chain_heads SET seq = $28, hash = $29 WHERE name = 'ledger') \
         SELECT (SELECT COUNT(*) FROM k), (SELECT COUNT(*) FROM a)";
    let row = sqlx::query(sql)
        .bind(texts(keys, |r| &r.scope))
        .bind(texts(keys, |r| &r.idem_key))
        .bind(texts(keys, |r| &r.request_hash))
        .bind(texts(keys, |r| &r.outcome))
        .bind(ints(keys, |r| r.transfer_seq))
        .bind(ints(keys, |r| r.merchant_id))
        .bind(ints(keys, |r| Some(r.created_at_ms)))
        .bind(ints(transfers, |r| Some(r.seq)))
        .bind(texts(transfers, |r| &r.kind))
        .bind(ints(transfers, |r| Some(r.debit_account_id)))
        .bind(ints(transfers, |r| Some(r.credit_account_id)))
        .bind(ints(transfers, |r| Some(r.amount_fen)))
        .bind(ints(transfers, |r| Some(r.released_fen)))
        .bind(ints(transfers, |r| r.hold_id))
        .bind(ints(transfers, |r| Some(r.debit_balance_after_fen)))
        .bind(ints(transfers, |r| Some(r.credit_balance_after_fen)))
        .bind(texts(transfers, |r| &r.reason))
        .bind(texts(transfers, |r| &r.reference))
        .bind(ints(transfers, |r| r.shop_id))
        .bind(ints(transfers, |r| r.merchant_id))
        .bind(ints(transfers, |r| Some(r.at_ms)))
        .bind(texts(transfers, |r| &r.hash))
        .bind(ints(accounts, |r| Some(r.id)))
        .bind(ints(accounts, |r| Some(r.debits_posted)))
        .bind(ints(accounts, |r| Some(r.credits_posted)))
        .bind(ints(accounts, |r| Some(r.debits_pending)))
        .bind(ints(accounts, |r| Some(r.credits_pending)))
        .bind(batch.head.0)
        .bind(batch.head.1)
        .fetch_one(conn)
        .await?;
    let count =
        |index: usize| -> StoreResult<u64> { Ok(u64::try_from(row.try_get::<i64, _>(index)?).unwrap_or(0)) };
    Ok(BatchWritten { keys: count(0)?, accounts: count(1)? })
}

/// One integer column of `rows` as an array literal.
fn ints<T>(rows: &[T], get: impl Fn(&T) -> Option<i64>) -> String {
    int_array_with_nulls(rows.iter().map(get))
}

/// One text column of `rows` as an array literal.
fn texts<'a, T>(rows: &'a [T], get: impl Fn(&'a T) -> &'a str) -> String {
    text_array(rows.iter().map(|row| Some(get(row))))
}

/// A PostgreSQL array literal of integers, `NULL` for none (`{1,NULL,3}`), bound as text.
pub(crate) fn int_array_with_nulls(items: impl Iterator<Item = Option<i64>>) -> String {
    array_literal(items, |out, value| out.push_str(&value.to_string()))
}

/// A PostgreSQL array literal of texts, each quoted with `"` and `\\` escaped, `NULL` for none
/// (`{"a","b \\"c\\"",NULL}`), bound as text: any text comes back as it went in.
pub(crate) fn text_array<'a>(items: impl Iterator<Item = Option<&'a str>>) -> String {
    array_literal(items, |out, text| {
        out.push('"');
        for c in text.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    })
}

/// `{item,item,NULL,...}`: each present item written by `write`, a missing one as `NULL`.
fn array_literal<T>(items: impl Iterator<Item = Option<T>>, mut write: impl FnMut(&mut String, T)) -> String {
    let mut out = String::from("{");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            Some(item) => write(&mut out, item),
            None => out.push_str("NULL"),
        }
    }
    out.push('}');
    out
}

/// Takes the ledger chain's head row lock and answers (seq, hash) of the last transfer.
pub async fn lock_chain_head(conn: &mut Conn) -> StoreResult<(i64, String)> {
    let row = sqlx::query("UPDATE chain_heads SET seq = seq WHERE name = 'ledger' RETURNING seq, hash")
        .fetch_one(conn)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

pub async fn set_chain_head(conn: &mut Conn, seq: i64, hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE chain_heads SET seq = $1, hash = $2 WHERE name = 'ledger'")
        .bind(seq)
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn chain_head(conn: &mut Conn) -> StoreResult<(i64, String)> {
    let row = sqlx::query("SELECT seq, hash FROM chain_heads WHERE name = 'ledger'").fetch_one(conn).await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

pub async fn insert_transfers(conn: &mut Conn, transfers: &[TransferRow]) -> StoreResult<()> {
    let style = style(conn);
    for chunk in power_of_two_chunks(transfers) {
        let sql = format!(
            "{} ledger_transfers ({TRANSFER_COLUMNS}) VALUES {}",
            style.insert_into(),
            placeholders(style, chunk.len(), 15, 1)
        );
        let mut query = sqlx::query(&sql);
        for t in chunk {
            query = query
                .bind(t.seq)
                .bind(&t.kind)
                .bind(t.debit_account_id)
                .bind(t.credit_account_id)
                .bind(t.amount_fen)
                .bind(t.released_fen)
                .bind(t.hold_id)
                .bind(t.debit_balance_after_fen)
                .bind(t.credit_balance_after_fen)
                .bind(&t.reason)
                .bind(&t.reference)
                .bind(t.shop_id)
                .bind(t.merchant_id)
                .bind(t.at_ms)
                .bind(&t.hash);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

const TRANSFER_COLUMNS: &str = "seq, kind, debit_account_id, credit_account_id, amount_fen, released_fen, hold_id, \
     debit_balance_after_fen, credit_balance_after_fen, reason, reference, shop_id, merchant_id, at_ms, hash";

/// Transfers in chain order after `after_seq` (for verification).
pub async fn transfers_after(conn: &mut Conn, after_seq: i64, limit: i64) -> StoreResult<Vec<TransferRow>> {
    let sql = format!("SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE seq > $1 ORDER BY seq LIMIT $2");
    Ok(sqlx::query_as(&sql).bind(after_seq).bind(limit).fetch_all(conn).await?)
}

/// One account's transfers, newest first, before `before_seq`.
/// A page of a shop account's transfers, newest first, before `before_seq` (through the index of
/// the shop's transfers).
pub async fn account_transfers(
    conn: &mut Conn,
    shop_id: i64,
    account_id: i64,
    before_seq: i64,
    limit: i64,
) -> StoreResult<Vec<TransferRow>> {
    let sql = format!(
        "SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE shop_id = $1 AND seq < $2 \
         AND (debit_account_id = $3 OR credit_account_id = $3) ORDER BY shop_id DESC, seq DESC LIMIT $4"
    );
    let query = sqlx::query_as(&sql).bind(shop_id).bind(before_seq).bind(account_id).bind(limit);
    Ok(query.fetch_all(conn).await?)
}

pub async fn find_transfer(conn: &mut Conn, seq: i64) -> StoreResult<Option<TransferRow>> {
    let sql = format!("SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE seq = $1");
    Ok(sqlx::query_as(&sql).bind(seq).fetch_optional(conn).await?)
}

const HOLD_COLUMNS: &str =
    "id, debit_account_id, credit_account_id, amount_fen, state, posted_fen, resolved_seq, merchant_id";

pub async fn load_holds(conn: &mut Conn, backend: Backend, ids: &[i64]) -> StoreResult<Vec<HoldRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {HOLD_COLUMNS} FROM ledger_holds WHERE id IN ({}) ORDER BY id{}",
        id_list(style(conn), ids.len(), 1),
        row_lock(backend)
    );
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(conn).await?)
}

pub async fn all_holds(conn: &mut Conn) -> StoreResult<Vec<HoldRow>> {
    let sql = format!("SELECT {HOLD_COLUMNS} FROM ledger_holds ORDER BY id");
    Ok(sqlx::query_as(&sql).fetch_all(conn).await?)
}

pub async fn insert_hold(conn: &mut Conn, hold: &HoldRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ledger_holds (id, debit_account_id, credit_account_id, amount_fen, state, posted_fen, resolved_seq, merchant_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hold.id)
    .bind(hold.debit_account_id)
    .bind(hold.credit_account_id)
    .bind(hold.amount_fen)
    .bind(&hold.state)
    .bind(hold.posted_fen)
    .bind(hold.resolved_seq)
    .bind(hold.merchant_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Resolves a pending hold; the guard on the pending state makes a second resolution a no-op that
/// the caller detects.
pub async fn resolve_hold(
    conn: &mut Conn,
    id: i64,
    state: &str,
    posted_fen: i64,
    resolved_seq: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE ledger_holds SET state = $1, posted_fen = $2, resolved_seq = $3 WHERE id = $4 AND state = $5",
    )
    .bind(state)
    .bind(posted_fen)
    .bind(resolved_seq)
    .bind(id)
    .bind(domain::ledger::HoldState::Pending.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The stored outcomes of these (scope, key) pairs, if any: one primary-key lookup per scope.
pub async fn find_idempotency(
    conn: &mut Conn,
    keys: &[(String, String)],
) -> StoreResult<Vec<IdempotencyRow>> {
    let mut scopes: Vec<&str> = keys.iter().map(|(scope, _)| scope.as_str()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    let style = style(conn);
    let mut found = Vec::new();
    for scope in scopes {
        let all_keys: Vec<&str> = keys.iter().filter(|(s, _)| s == scope).map(|(_, k)| k.as_str()).collect();
        if style == Style::Numbered {
            let sql = format!(
                "SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency_keys WHERE scope = $1 \
                 AND idem_key = ANY(ARRAY(SELECT value FROM json_array_elements_text($2::json)))"
            );
            let query = sqlx::query_as(&sql).bind(scope).bind(json_rows::bind_value(&all_keys)?);
            found.extend(query.fetch_all(&mut *conn).await?);
            continue;
        }
        for scope_keys in power_of_two_chunks(&all_keys) {
            let sql = format!(
                "SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency_keys WHERE scope = ? AND idem_key IN ({})",
                id_list(style, scope_keys.len(), 2)
            );
            let mut query = sqlx::query_as(&sql).bind(scope);
            for key in scope_keys {
                query = query.bind(*key);
            }
            found.extend(query.fetch_all(&mut *conn).await?);
        }
    }
    Ok(found)
}

const IDEMPOTENCY_COLUMNS: &str =
    "scope, idem_key, request_hash, outcome, transfer_seq, merchant_id, created_at_ms";

pub async fn insert_idempotency(conn: &mut Conn, rows: &[IdempotencyRow]) -> StoreResult<()> {
    let style = style(conn);
    for chunk in power_of_two_chunks(rows) {
        let sql = format!(
            "{} idempotency_keys ({IDEMPOTENCY_COLUMNS}) VALUES {}",
            style.insert_into(),
            placeholders(style, chunk.len(), 7, 1)
        );
        let mut query = sqlx::query(&sql);
        for r in chunk {
            query = query
                .bind(&r.scope)
                .bind(&r.idem_key)
                .bind(&r.request_hash)
                .bind(&r.outcome)
                .bind(r.transfer_seq)
                .bind(r.merchant_id)
                .bind(r.created_at_ms);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Transfers that more than one idempotency key claims (must be none).
pub async fn transfers_claimed_twice(conn: &mut Conn) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT transfer_seq FROM idempotency_keys WHERE transfer_seq IS NOT NULL GROUP BY transfer_seq HAVING COUNT(*) > 1",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
}

pub async fn count_idempotency(conn: &mut Conn) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM idempotency_keys").fetch_one(conn).await?.try_get(0)?)
}

#[cfg(test)]
mod tests {
    use super::Style::{Numbered, Positional};
    use super::{int_array, int_array_with_nulls, text_array};

    #[test]
    fn placeholders_number_rows_and_columns() {
        assert_eq!(super::placeholders(Numbered, 2, 3, 1), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::placeholders(Numbered, 1, 2, 5), "($5, $6)");
        assert_eq!(super::placeholders(Positional, 2, 2, 1), "(?, ?), (?, ?)");
        assert_eq!(super::id_list(Numbered, 3, 2), "$2, $3, $4");
    }

    #[test]
    fn array_literals_quote_every_text_and_write_nulls() {
        let texts = [Some("a"), Some("引号\"{x},y\\"), None, Some("")];
        assert_eq!(text_array(texts.into_iter()), r#"{"a","引号\"{x},y\\",NULL,""}"#);
        assert_eq!(int_array_with_nulls([Some(-1), None, Some(3)].into_iter()), "{-1,NULL,3}");
        assert_eq!(int_array(&[]), "{}");
    }

    #[test]
    fn chunks_are_powers_of_two_in_order() {
        let items: Vec<u32> = (0..100).collect();
        let sizes: Vec<usize> = super::power_of_two_chunks(&items).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![64, 32, 4]);
        let joined: Vec<u32> = super::power_of_two_chunks(&items).concat();
        assert_eq!(joined, items);
        assert!(super::power_of_two_chunks::<u32>(&[]).is_empty());
    }
}
