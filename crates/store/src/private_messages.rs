//! Private messages (私信) of enterprise accounts: conversations per account and platform user,
//! messages written many rows per statement at ingest (a repeated platform id skipped), notes,
//! auto-reply rules, the one-per-user-video-day claim of comment auto-replies, and leads (sealed
//! contacts, unique per account and contact). Not the shop's buyer conversations of `operations`.

use domain::private_messages::ConversationStatus;
use sqlx::Row;

use crate::db::row_lock;
use crate::json_rows;
use crate::ledger::{Style, chunks_of_powers_of_two, param, placeholders, style};
use crate::{Backend, Conn, StoreResult};

/// Rows per multi-row statement (at most 14 parameters a row), a power of two: see
/// `chunks_of_powers_of_two`.
const BULK_ROWS_MAX: usize = 1_024;
/// Values per `IN (...)` list.
const IDS_PER_QUERY_MAX: usize = 500;

/// Decoded from rows and from a JSON array in column order (`conversations_of`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct ConversationRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub user_id: String,
    #[sqlx(try_from = "String")]
    #[serde(deserialize_with = "crate::json_rows::parsed")]
    pub status: ConversationStatus,
    pub messages: i64,
    pub unread: i64,
    pub awaiting_since_ms: Option<i64>,
    pub last_message_at_ms: i64,
    pub last_text: String,
    pub assigned_to: Option<String>,
    pub away_until_ms: Option<i64>,
    pub created_at_ms: i64,
    pub closed_at_ms: Option<i64>,
}

const CONVERSATION_COLUMNS: &str = "id, merchant_id, account_id, user_id, status, messages, unread, \
     awaiting_since_ms, last_message_at_ms, last_text, assigned_to, away_until_ms, created_at_ms, closed_at_ms";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub conversation_id: i64,
    pub external_id: String,
    pub sender: String,
    pub automatic: i64,
    pub sent_by: Option<String>,
    pub rule_id: Option<i64>,
    pub text: String,
    pub image_ref: Option<String>,
    pub created_at_ms: i64,
    pub received_at_ms: i64,
    pub answered_at_ms: Option<i64>,
}

const MESSAGE_COLUMNS: &str = "id, merchant_id, account_id, conversation_id, external_id, sender, automatic, \
     sent_by, rule_id, text, image_ref, created_at_ms, received_at_ms, answered_at_ms";

/// The merchant of each of `account_ids` that exists.
pub async fn account_merchants(conn: &mut Conn, account_ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
    let style = style(conn);
    let mut out = Vec::with_capacity(account_ids.len());
    for chunk in account_ids.chunks(IDS_PER_QUERY_MAX) {
        let sql = format!(
            "SELECT id, merchant_id FROM enterprise_accounts WHERE id IN {}",
            placeholders(style, 1, chunk.len(), 1)
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            out.push((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(out)
}

/// Creates the conversations of `users` of one account that do not exist yet (open, empty), then
/// reads all of them, locked until the transaction ends. The existing ones are read first, so a
/// batch of known users writes nothing here. The users go in as one JSON parameter and the rows
/// come back as one JSON value (`json_rows`).
pub async fn open_conversations(
    conn: &mut Conn,
    backend: Backend,
    merchant_id: i64,
    account_id: i64,
    users: &[&str],
    now_ms: i64,
) -> StoreResult<Vec<ConversationRow>> {
    let mut rows = conversations_of(conn, backend, account_id, users).await?;
    let known: std::collections::HashSet<&str> = rows.iter().map(|c| c.user_id.as_str()).collect();
    let missing: Vec<&str> = users.iter().copied().filter(|user| !known.contains(user)).collect();
    drop(known);
    if missing.is_empty() {
        return Ok(rows);
    }
    let style = style(conn);
    let p = |number| param(style, number);
    let sql = format!(
        "{} dm_conversations (user_id, merchant_id, account_id, status, messages, unread, \
         last_message_at_ms, last_text, created_at_ms) \
         SELECT u.value, {}, {}, CAST({} AS TEXT), 0, 0, {}, '', {} FROM ({}) AS u \
         WHERE true ON CONFLICT (account_id, user_id, merchant_id) DO NOTHING",
        style.insert_into(),
        p(1),
        p(2),
        p(3),
        p(4),
        p(5),
        json_rows::texts(style, 6)
    );
    sqlx::query(&sql)
        .bind(merchant_id)
        .bind(account_id)
        .bind(ConversationStatus::Open.as_str())
        .bind(now_ms)
        .bind(now_ms)
        .bind(json_rows::bind_value(&missing)?)
        .execute(&mut *conn)
        .await?;
    rows.extend(conversations_of(conn, backend, account_id, &missing).await?);
    Ok(rows)
}

/// The conversations of `users` of one account that exist, locked until the transaction ends.
async fn conversations_of(
    conn: &mut Conn,
    backend: Backend,
    account_id: i64,
    users: &[&str],
) -> StoreResult<Vec<ConversationRow>> {
    let style = style(conn);
    let sql = format!(
        "SELECT {} FROM (SELECT {CONVERSATION_COLUMNS} FROM dm_conversations WHERE account_id = {} \
         AND user_id IN ({}) ORDER BY id{}) AS r",
        json_rows::aggregate(style, CONVERSATION_COLUMNS),
        param(style, 1),
        json_rows::texts(style, 2),
        row_lock(backend)
    );
    let query = sqlx::query(&sql).bind(account_id).bind(json_rows::bind_value(users)?);
    json_rows::read(conn, query).await
}

/// A message to store, borrowed from the batch it came in or from the auto-reply that wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewMessage<'a> {
    pub merchant_id: i64,
    pub account_id: i64,
    pub conversation_id: i64,
    pub external_id: &'a str,
    pub sender: &'a str,
    pub automatic: bool,
    pub sent_by: Option<&'a str>,
    pub rule_id: Option<i64>,
    pub text: &'a str,
    pub image_ref: Option<&'a str>,
    pub created_at_ms: i64,
}

/// Inserts messages, many rows per statement; a message whose `external_id` is already stored (or
/// repeated in `messages`) is skipped. Answers the `(external_id, id)` of the rows inserted, read
/// back as one value: on PostgreSQL from the statement's `RETURNING`; on SQLite, which cannot fold
/// `RETURNING` rows, as the rows above the highest id before the insert (the transaction holds
/// the write lock, so no other writer's rows are among them).
pub async fn insert_messages(
    conn: &mut Conn,
    backend: Backend,
    messages: &[NewMessage<'_>],
    received_at_ms: i64,
) -> StoreResult<Vec<(String, i64)>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let style = style(conn);
    match backend {
        Backend::Postgres => {
            let mut inserted = Vec::with_capacity(messages.len());
            for chunk in chunks_of_powers_of_two(messages, BULK_ROWS_MAX) {
                let sql = format!(
                    "WITH inserted AS ({} RETURNING external_id, id) SELECT {} FROM inserted",
                    insert_sql(style, chunk.len()),
                    json_rows::aggregate(style, "external_id, id")
                );
                let query = bind_messages(sqlx::query(&sql), chunk, received_at_ms);
                inserted.extend(json_rows::read(conn, query).await?);
            }
            Ok(inserted)
        }
        Backend::Sqlite => {
            let before: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM dm_messages")
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
            let stored = insert_own_messages(conn, messages, received_at_ms).await?;
            if stored == messages.len() as u64 {
                // Every row went in, in order, each with the id after the one before (ids only
                // grow, and the write lock keeps other writers out): only the first is read.
                let first: i64 = sqlx::query("SELECT MIN(id) FROM dm_messages WHERE id > $1")
                    .bind(before)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
                return Ok(messages
                    .iter()
                    .zip(first..)
                    .map(|(m, id)| (m.external_id.to_owned(), id))
                    .collect());
            }
            let sql = format!(
                "SELECT {} FROM (SELECT external_id, id FROM dm_messages WHERE id > $1 ORDER BY id) AS r",
                json_rows::aggregate(style, "external_id, id")
            );
            json_rows::read(conn, sqlx::query(&sql).bind(before)).await
        }
    }
}

/// Inserts messages written here (auto-replies, with ids of our own), many rows per statement,
/// without reading anything back.
pub async fn insert_own_messages(
    conn: &mut Conn,
    messages: &[NewMessage<'_>],
    received_at_ms: i64,
) -> StoreResult<u64> {
    let style = style(conn);
    let mut inserted = 0;
    for chunk in chunks_of_powers_of_two(messages, BULK_ROWS_MAX) {
        let sql = insert_sql(style, chunk.len());
        let query = bind_messages(sqlx::query(&sql), chunk, received_at_ms);
        inserted += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

fn insert_sql(style: Style, rows: usize) -> String {
    format!(
        "{} dm_messages (merchant_id, account_id, conversation_id, external_id, sender, automatic, \
         sent_by, rule_id, text, image_ref, created_at_ms, received_at_ms) VALUES {} \
         ON CONFLICT (external_id, merchant_id) DO NOTHING",
        style.insert_into(),
        placeholders(style, rows, 12, 1)
    )
}

fn bind_messages<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    messages: &'q [NewMessage<'q>],
    received_at_ms: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for m in messages {
        query = query
            .bind(m.merchant_id)
            .bind(m.account_id)
            .bind(m.conversation_id)
            .bind(m.external_id)
            .bind(m.sender)
            .bind(i64::from(m.automatic))
            .bind(m.sent_by)
            .bind(m.rule_id)
            .bind(m.text)
            .bind(m.image_ref)
            .bind(m.created_at_ms)
            .bind(received_at_ms);
    }
    query
}

/// Writes the changed state of many conversations, one statement per chunk.
pub async fn save_conversations(conn: &mut Conn, rows: &[ConversationRow]) -> StoreResult<()> {
    let style = style(conn);
    for chunk in chunks_of_powers_of_two(rows, BULK_ROWS_MAX / 2) {
        let sql = format!(
            "{} dm_conversations SET status = v.column2, messages = v.column3, unread = v.column4, \
             awaiting_since_ms = v.column5, last_message_at_ms = v.column6, last_text = v.column7, \
             away_until_ms = v.column8, closed_at_ms = v.column9 \
             FROM (VALUES {}) AS v WHERE dm_conversations.id = v.column1",
            style.update(),
            placeholders(style, chunk.len(), 9, 1)
        );
        let mut query = sqlx::query(&sql);
        for c in chunk {
            query = query
                .bind(c.id)
                .bind(c.status.as_str())
                .bind(c.messages)
                .bind(c.unread)
                .bind(c.awaiting_since_ms)
                .bind(c.last_message_at_ms)
                .bind(c.last_text.as_str())
                .bind(c.away_until_ms)
                .bind(c.closed_at_ms);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records a member's answer on the user message that opened the awaiting run.
pub async fn mark_answered(
    conn: &mut Conn,
    conversation_id: i64,
    awaiting_since_ms: i64,
    at_ms: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE dm_messages SET answered_at_ms = $1 WHERE id = (SELECT MIN(id) FROM dm_messages \
         WHERE conversation_id = $2 AND sender = 'user' AND automatic = 0 AND created_at_ms = $3) \
         AND answered_at_ms IS NULL",
    )
    .bind(at_ms)
    .bind(conversation_id)
    .bind(awaiting_since_ms)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_conversation(conn: &mut Conn, id: i64) -> StoreResult<Option<ConversationRow>> {
    let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM dm_conversations WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn lock_conversation(
    conn: &mut Conn,
    backend: Backend,
    id: i64,
) -> StoreResult<Option<ConversationRow>> {
    let sql =
        format!("SELECT {CONVERSATION_COLUMNS} FROM dm_conversations WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Which conversations the inbox shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConversationFilter<'a> {
    pub account_id: i64,
    /// Only those awaiting a member's answer.
    pub unanswered: bool,
    pub assigned_to: Option<&'a str>,
    /// A `LIKE` pattern over the lower-cased text of any of its messages (escaped with `\`).
    pub pattern: Option<&'a str>,
    pub status: Option<&'a str>,
}

/// Conversations by their newest message, newest first, after the cursor `(ms, id)` when given.
pub async fn list_conversations(
    conn: &mut Conn,
    filter: ConversationFilter<'_>,
    before: Option<(i64, i64)>,
    limit: i64,
) -> StoreResult<Vec<ConversationRow>> {
    let mut sql = format!("SELECT {CONVERSATION_COLUMNS} FROM dm_conversations c WHERE account_id = $1");
    let mut next = 2;
    if filter.unanswered {
        sql.push_str(" AND awaiting_since_ms IS NOT NULL");
    }
    if filter.assigned_to.is_some() {
        sql.push_str(&format!(" AND assigned_to = ${next}"));
        next += 1;
    }
    if filter.status.is_some() {
        sql.push_str(&format!(" AND status = ${next}"));
        next += 1;
    }
    if filter.pattern.is_some() {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM dm_messages m WHERE m.conversation_id = c.id \
             AND LOWER(m.text) LIKE ${next} ESCAPE '\\')"
        ));
        next += 1;
    }
    if before.is_some() {
        sql.push_str(&format!(
            " AND (last_message_at_ms < ${} OR (last_message_at_ms = ${} AND id < ${}))",
            next,
            next,
            next + 1
        ));
        next += 2;
    }
    sql.push_str(&format!(" ORDER BY last_message_at_ms DESC, id DESC LIMIT ${next}"));
    let mut query = sqlx::query_as::<_, ConversationRow>(&sql).bind(filter.account_id);
    if let Some(assigned_to) = filter.assigned_to {
        query = query.bind(assigned_to);
    }
    if let Some(status) = filter.status {
        query = query.bind(status);
    }
    if let Some(pattern) = filter.pattern {
        query = query.bind(pattern);
    }
    if let Some((ms, id)) = before {
        query = query.bind(ms).bind(id);
    }
    Ok(query.bind(limit).fetch_all(conn).await?)
}

/// A conversation's messages, oldest first, the newest `limit` of them.
pub async fn conversation_messages(conn: &mut Conn, id: i64, limit: i64) -> StoreResult<Vec<MessageRow>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM (SELECT {MESSAGE_COLUMNS} FROM dm_messages WHERE conversation_id = $1 \
         ORDER BY created_at_ms DESC, id DESC LIMIT $2) AS newest ORDER BY created_at_ms, id"
    );
    Ok(sqlx::query_as(&sql).bind(id).bind(limit).fetch_all(conn).await?)
}

pub async fn find_message(conn: &mut Conn, id: i64) -> StoreResult<Option<MessageRow>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM dm_messages WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn set_assigned(conn: &mut Conn, id: i64, assigned_to: Option<&str>) -> StoreResult<()> {
    sqlx::query("UPDATE dm_conversations SET assigned_to = $1 WHERE id = $2")
        .bind(assigned_to)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_status(
    conn: &mut Conn,
    id: i64,
    status: &str,
    closed_at_ms: Option<i64>,
) -> StoreResult<()> {
    sqlx::query("UPDATE dm_conversations SET status = $1, closed_at_ms = $2 WHERE id = $3")
        .bind(status)
        .bind(closed_at_ms)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_read(conn: &mut Conn, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE dm_conversations SET unread = 0 WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoteRow {
    pub id: i64,
    pub conversation_id: i64,
    pub author: String,
    pub text: String,
    pub created_at_ms: i64,
}

pub async fn add_note(
    conn: &mut Conn,
    merchant_id: i64,
    conversation_id: i64,
    author: &str,
    text: &str,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO dm_notes (conversation_id, author, text, created_at_ms, merchant_id) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(conversation_id)
    .bind(author)
    .bind(text)
    .bind(now_ms)
    .bind(merchant_id)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn notes(conn: &mut Conn, conversation_id: i64) -> StoreResult<Vec<NoteRow>> {
    Ok(sqlx::query_as(
        "SELECT id, conversation_id, author, text, created_at_ms FROM dm_notes WHERE conversation_id = $1 ORDER BY id",
    )
    .bind(conversation_id)
    .fetch_all(conn)
    .await?)
}

/// The account's conversations: all, awaiting an answer, and unread messages summed.
pub async fn conversation_counts(conn: &mut Conn, account_id: i64) -> StoreResult<(i64, i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(CAST(SUM(CASE WHEN awaiting_since_ms IS NULL THEN 0 ELSE 1 END) AS BIGINT), 0), \
         COALESCE(CAST(SUM(unread) AS BIGINT), 0) FROM dm_conversations WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_one(conn)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
}

/// (message time, answer time) of the user messages answered since `since_ms`, newest answers
/// first, at most `limit`.
pub async fn first_responses(
    conn: &mut Conn,
    account_id: i64,
    since_ms: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT created_at_ms, answered_at_ms FROM dm_messages WHERE account_id = $1 \
         AND answered_at_ms IS NOT NULL AND answered_at_ms >= $2 ORDER BY answered_at_ms DESC LIMIT $3",
    )
    .bind(account_id)
    .bind(since_ms)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RuleRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub kind: String,
    pub name: String,
    pub match_kind: String,
    pub keywords: String,
    pub channels: String,
    pub priority: i64,
    pub reply: String,
    pub active_from_ms: Option<i64>,
    pub active_until_ms: Option<i64>,
    pub enabled: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const RULE_COLUMNS: &str = "id, merchant_id, account_id, kind, name, match_kind, keywords, channels, priority, \
     reply, active_from_ms, active_until_ms, enabled, created_at_ms, updated_at_ms";

/// A rule's fields as written.
#[derive(Debug, Clone, Copy)]
pub struct RuleFields<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub match_kind: &'a str,
    pub keywords: &'a str,
    pub channels: &'a str,
    pub priority: i64,
    pub reply: &'a str,
    pub active_from_ms: Option<i64>,
    pub active_until_ms: Option<i64>,
    pub enabled: bool,
}

pub async fn insert_rule(
    conn: &mut Conn,
    merchant_id: i64,
    account_id: i64,
    rule: &RuleFields<'_>,
    now_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO auto_reply_rules (merchant_id, account_id, kind, name, match_kind, keywords, channels, \
         priority, reply, active_from_ms, active_until_ms, enabled, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(merchant_id)
    .bind(account_id)
    .bind(rule.kind)
    .bind(rule.name)
    .bind(rule.match_kind)
    .bind(rule.keywords)
    .bind(rule.channels)
    .bind(rule.priority)
    .bind(rule.reply)
    .bind(rule.active_from_ms)
    .bind(rule.active_until_ms)
    .bind(i64::from(rule.enabled))
    .bind(now_ms)
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}

pub async fn update_rule(conn: &mut Conn, id: i64, rule: &RuleFields<'_>, now_ms: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE auto_reply_rules SET name = $1, match_kind = $2, keywords = $3, channels = $4, priority = $5, \
         reply = $6, active_from_ms = $7, active_until_ms = $8, enabled = $9, updated_at_ms = $10 WHERE id = $11",
    )
    .bind(rule.name)
    .bind(rule.match_kind)
    .bind(rule.keywords)
    .bind(rule.channels)
    .bind(rule.priority)
    .bind(rule.reply)
    .bind(rule.active_from_ms)
    .bind(rule.active_until_ms)
    .bind(i64::from(rule.enabled))
    .bind(now_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_rule(conn: &mut Conn, id: i64, now_ms: i64) -> StoreResult<()> {
    sqlx::query("UPDATE auto_reply_rules SET deleted_at_ms = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_rule(conn: &mut Conn, backend: Backend, id: i64) -> StoreResult<Option<RuleRow>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM auto_reply_rules WHERE id = $1 AND deleted_at_ms IS NULL{}",
        row_lock(backend)
    );
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// A rule (not deleted), read without a lock.
pub async fn rule(conn: &mut Conn, id: i64) -> StoreResult<Option<RuleRow>> {
    find_rule(conn, Backend::Sqlite, id).await
}

/// An account's rules (not deleted), by priority then id.
pub async fn rules(conn: &mut Conn, account_id: i64) -> StoreResult<Vec<RuleRow>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM auto_reply_rules WHERE account_id = $1 AND deleted_at_ms IS NULL \
         ORDER BY priority, id"
    );
    Ok(sqlx::query_as(&sql).bind(account_id).fetch_all(conn).await?)
}

pub async fn rule_count(conn: &mut Conn, account_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM auto_reply_rules WHERE account_id = $1 AND deleted_at_ms IS NULL")
        .bind(account_id)
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// Claims the day's one public auto-reply of a user on a video; false when it was taken.
pub async fn claim_comment_auto_reply(
    conn: &mut Conn,
    merchant_id: i64,
    video_id: i64,
    author_id: &str,
    day: &str,
    comment_id: i64,
    rule_id: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO comment_auto_replies (video_id, author_id, day, comment_id, rule_id, merchant_id) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (video_id, author_id, day, merchant_id) DO NOTHING",
    )
    .bind(video_id)
    .bind(author_id)
    .bind(day)
    .bind(comment_id)
    .bind(rule_id)
    .bind(merchant_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LeadRow {
    pub id: i64,
    pub merchant_id: i64,
    pub account_id: i64,
    pub source_channel: String,
    pub conversation_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub source_external_id: String,
    pub user_id: String,
    pub contact_kind: String,
    pub contact_sealed: String,
    pub contact_masked: String,
    pub contact_hash: String,
    pub consent: String,
    #[sqlx(try_from = "String")]
    pub status: domain::private_messages::LeadStatus,
    pub owner: Option<String>,
    pub note: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const LEAD_COLUMNS: &str = "id, merchant_id, account_id, source_channel, conversation_id, comment_id, \
     source_external_id, user_id, contact_kind, contact_sealed, contact_masked, contact_hash, consent, status, \
     owner, note, created_at_ms, updated_at_ms";

/// A lead found in a message or comment.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub merchant_id: i64,
    pub account_id: i64,
    pub source_channel: &'static str,
    pub conversation_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub source_external_id: String,
    pub user_id: String,
    pub contact_kind: &'static str,
    pub contact_sealed: String,
    pub contact_masked: String,
    pub contact_hash: String,
    pub consent: &'static str,
}

/// Inserts leads; one whose contact the account has already is skipped. Answers how many were
/// new.
pub async fn insert_leads(conn: &mut Conn, leads: &[NewLead], now_ms: i64) -> StoreResult<u64> {
    let style = style(conn);
    let mut inserted = 0;
    for chunk in chunks_of_powers_of_two(leads, BULK_ROWS_MAX / 2) {
        let insert = style.insert_into();
        let values = placeholders(style, chunk.len(), 14, 1).replace(')', ", 'new', '')");
        let sql = format!(
            "{insert} leads (merchant_id, account_id, source_channel, conversation_id, comment_id, \
             source_external_id, user_id, contact_kind, contact_sealed, contact_masked, contact_hash, consent, \
             created_at_ms, updated_at_ms, status, note) VALUES {values} \
             ON CONFLICT (account_id, contact_kind, contact_hash, merchant_id) DO NOTHING"
        );
        let mut query = sqlx::query(&sql);
        for l in chunk {
            query = query
                .bind(l.merchant_id)
                .bind(l.account_id)
                .bind(l.source_channel)
                .bind(l.conversation_id)
                .bind(l.comment_id)
                .bind(l.source_external_id.as_str())
                .bind(l.user_id.as_str())
                .bind(l.contact_kind)
                .bind(l.contact_sealed.as_str())
                .bind(l.contact_masked.as_str())
                .bind(l.contact_hash.as_str())
                .bind(l.consent)
                .bind(now_ms)
                .bind(now_ms);
        }
        inserted += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

/// Which leads the list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeadFilter<'a> {
    pub account_id: i64,
    pub status: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub source_channel: Option<&'a str>,
    pub since_ms: Option<i64>,
}

/// Leads newest first, at most `limit`, before the id `before` when given.
pub async fn list_leads(
    conn: &mut Conn,
    filter: LeadFilter<'_>,
    before: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<LeadRow>> {
    let mut sql = format!("SELECT {LEAD_COLUMNS} FROM leads WHERE account_id = $1");
    let mut next = 2;
    for (present, column) in [
        (filter.status.is_some(), "status ="),
        (filter.owner.is_some(), "owner ="),
        (filter.source_channel.is_some(), "source_channel ="),
        (filter.since_ms.is_some(), "created_at_ms >="),
        (before.is_some(), "id <"),
    ] {
        if present {
            sql.push_str(&format!(" AND {column} ${next}"));
            next += 1;
        }
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${next}"));
    let mut query = sqlx::query_as::<_, LeadRow>(&sql).bind(filter.account_id);
    for text in [filter.status, filter.owner, filter.source_channel].into_iter().flatten() {
        query = query.bind(text);
    }
    for number in [filter.since_ms, before].into_iter().flatten() {
        query = query.bind(number);
    }
    Ok(query.bind(limit).fetch_all(conn).await?)
}

pub async fn find_lead(conn: &mut Conn, backend: Backend, id: i64) -> StoreResult<Option<LeadRow>> {
    let sql = format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id = $1{}", row_lock(backend));
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn update_lead(
    conn: &mut Conn,
    id: i64,
    status: &str,
    owner: Option<&str>,
    note: &str,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE leads SET status = $1, owner = $2, note = $3, updated_at_ms = $4 WHERE id = $5")
        .bind(status)
        .bind(owner)
        .bind(note)
        .bind(now_ms)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Leads of an account by source channel and status: `(source, status, count)`.
pub async fn lead_counts(conn: &mut Conn, account_id: i64) -> StoreResult<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT source_channel, status, COUNT(*) FROM leads WHERE account_id = $1 \
         GROUP BY source_channel, status ORDER BY source_channel, status",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))).collect()
}
