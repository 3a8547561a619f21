//! Private messages (私信): NDJSON batches from the platform, an account's conversations, one
//! conversation with its messages, members' replies, assignment, notes, close and reopen, the
//! auto-reply rules with their test mode, and leads (the contact masked without the right).

use app::inbox::{Inbox, InboxItem, InboxQuery, InboxStats};
use app::private_messages::{
    ConversationChange, ConversationRow, LeadQuery, LeadSource, LeadView, MessageBatchOutcome, MessageRow,
    RuleInput, RuleRow,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::comments::ResponseTimes;
use domain::limits::MESSAGE_BATCH_BYTES_MAX;
use serde::Deserialize;
use serde_json::{Value, json};

use super::comments::ndjson_body;
use super::{ANY_ROLE, MERCHANT, SERVICE, china_time};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};

const REPLY: &[&str] = &["reply"];

pub fn add(routes: Routes) -> Routes {
    let line = r#"{"account_id":1,"user_id":"u-88","message_id":"m-7301","sender":"user","text":"多少钱？","sent_at":"2026-03-02T10:00:00+08:00","image":null,"automatic":false,"lead_card":false}"#;
    routes
        .add_with_limit(
            Method::Post,
            "/api/v1/messages:batch",
            Doc::new("messages", "Ingest private messages from the platform: an NDJSON body (Content-Type: application/x-ndjson), one message a line, at most 20,000 lines; a repeated message_id is stored once; new user messages get their auto-replies (on the platform feed as message.reply_created) and their leads")
                .roles(SERVICE)
                .body(line),
            post_batch,
            MESSAGE_BATCH_BYTES_MAX,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/conversations",
            Doc::new("messages", "The account's private conversations, newest message first (status=unanswered|assigned_to_me|all)").roles(ANY_ROLE),
            list_conversations,
        )
        .add(Method::Get, "/api/v1/private-conversations/{id}", Doc::new("messages", "One private conversation with its newest 200 messages").roles(ANY_ROLE), get_conversation)
        .add(
            Method::Post,
            "/api/v1/private-conversations/{id}/replies",
            Doc::new("messages", "Reply as the account; the reply goes to the platform (message.reply_created)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .status(201)
                .body(r#"{"text":"您好，链接已发您"}"#),
            post_reply,
        )
        .add(
            Method::Post,
            "/api/v1/private-conversations/{id}/changes",
            Doc::new("messages", "Assign (assign_to, empty to unassign), close, reopen, mark read, or add a note")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .body(r#"{"action":"assign","assign_to":"operator1"}"#),
            post_change,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/auto-replies",
            Doc::new("messages", "The account's auto-reply rules (welcome, keyword, away), by priority").roles(ANY_ROLE),
            list_rules,
        )
        .add(
            Method::Post,
            "/api/v1/enterprise-accounts/{id}/auto-replies",
            Doc::new("messages", "Create an auto-reply rule (audited): kind welcome|keyword|away, match_kind exact|contains, keywords, channels comment,message, priority (smaller first), reply (300 characters; {time} in an away message is the next opening), active_from/active_until")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .status(201)
                .body(r#"{"kind":"keyword","name":"价格","match_kind":"contains","keywords":["多少钱","价格"],"channels":"message","priority":10,"reply":"价格见橱窗"}"#),
            post_rule,
        )
        .add(
            Method::Put,
            "/api/v1/auto-replies/{id}",
            Doc::new("messages", "Replace an auto-reply rule's fields (the same body as creating it; the kind stays; audited)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .body(r#"{"kind":"keyword","name":"价格","match_kind":"contains","keywords":["多少钱"],"channels":"message","priority":10,"reply":"价格见橱窗","enabled":false}"#),
            put_rule,
        )
        .add(
            Method::Delete,
            "/api/v1/auto-replies/{id}",
            Doc::new("messages", "Delete an auto-reply rule (audited)").roles(MERCHANT).team_rights(REPLY),
            delete_rule,
        )
        .add(
            Method::Post,
            "/api/v1/enterprise-accounts/{id}/auto-replies:test",
            Doc::new("messages", "Test mode: the keyword rule that would answer a text on a channel now; nothing is sent")
                .roles(ANY_ROLE)
                .body(r#"{"channel":"message","text":"这个多少钱"}"#),
            post_test,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/leads",
            Doc::new("messages", "The account's leads (status, source filters); the contact masked for members without the right to contact").roles(ANY_ROLE),
            list_leads,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/leads.csv",
            Doc::new("messages", "The account's leads as a CSV file (text/csv; the same filters; words in the cells, the contact as the caller may see it)").roles(ANY_ROLE),
            get_leads_csv,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/leads/summary",
            Doc::new("messages", "Lead counts and conversion by source (comment, message)").roles(ANY_ROLE),
            get_lead_summary,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/inbox",
            Doc::new("messages", "One inbox: comments and private conversations by time, newest first (channel=comment|message, status=unanswered|assigned_to_me|all, sentiment= for comments, q=, limit, cursor)").roles(ANY_ROLE),
            get_inbox,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/inbox/stats",
            Doc::new("messages", "First-response statistics of comments and private messages in working hours (median, p90, answered within 3 minutes and within 12 hours) over the last days (days=1..366, 30 by default)").roles(ANY_ROLE),
            get_inbox_stats,
        )
        .add(
            Method::Patch,
            "/api/v1/leads/{id}",
            Doc::new("messages", "Move a lead: status new|contacted|converted|invalid, owner, note (audited)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .body(r#"{"status":"contacted","owner":"operator1","note":"已电话联系"}"#),
            patch_lead,
        )
}

fn batch_json(outcome: &MessageBatchOutcome) -> Value {
    let rejected: Vec<Value> =
        outcome.rejected.iter().map(|r| json!({ "line": r.line, "code": r.code.as_str() })).collect();
    json!({
        "lines": outcome.lines,
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "stored": outcome.accepted - outcome.duplicates,
        "auto_replies": outcome.auto_replies,
        "leads": outcome.leads,
        "rejected_count": outcome.rejected_count,
        "rejected": rejected,
    })
}

fn conversation_json(c: &ConversationRow) -> Value {
    json!({
        "id": c.id,
        "channel": "message",
        "account_id": c.account_id,
        "user_id": c.user_id,
        "status": c.status.as_str(),
        "messages": c.messages,
        "unread": c.unread,
        "awaiting_reply": c.awaiting_since_ms.is_some(),
        "awaiting_since": c.awaiting_since_ms.and_then(china_time),
        "last_message_at": china_time(c.last_message_at_ms),
        "last_text": c.last_text,
        "assigned_to": c.assigned_to,
        "created_at": china_time(c.created_at_ms),
        "closed_at": c.closed_at_ms.and_then(china_time),
    })
}

fn message_json(m: &MessageRow) -> Value {
    json!({
        "id": m.id,
        "message_id": m.external_id,
        "conversation_id": m.conversation_id,
        "sender": m.sender,
        "automatic": m.automatic == 1,
        "sent_by": m.sent_by,
        "rule_id": m.rule_id,
        "text": m.text,
        "image": m.image_ref,
        "sent_at": china_time(m.created_at_ms),
        "answered_at": m.answered_at_ms.and_then(china_time),
    })
}

fn rule_json(r: &RuleRow) -> Value {
    json!({
        "id": r.id,
        "account_id": r.account_id,
        "kind": r.kind,
        "name": r.name,
        "match_kind": r.match_kind,
        "keywords": r.keywords.lines().collect::<Vec<_>>(),
        "channels": r.channels,
        "priority": r.priority,
        "reply": r.reply,
        "active_from": r.active_from_ms.and_then(china_time),
        "active_until": r.active_until_ms.and_then(china_time),
        "enabled": r.enabled == 1,
    })
}

fn lead_json(view: &LeadView) -> Value {
    let l = &view.lead;
    json!({
        "id": l.id,
        "account_id": l.account_id,
        "source": l.source_channel,
        "conversation_id": l.conversation_id,
        "comment_id": l.comment_id,
        "source_message_id": l.source_external_id,
        "user_id": l.user_id,
        "contact_kind": l.contact_kind,
        "contact": view.contact,
        "masked": view.masked,
        "consent": l.consent,
        "status": l.status.as_str(),
        "owner": l.owner,
        "note": l.note,
        "created_at": china_time(l.created_at_ms),
    })
}

async fn post_batch(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::Json<Value>> {
    auth.actor().require(&[domain::auth::Role::Service])?;
    let body = ndjson_body(&headers, body)?;
    Ok(axum::Json(batch_json(&state.app.ingest_messages(&auth.0, &body).await?)))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

async fn list_conversations(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> ApiResult<axum::Json<Value>> {
    let status = query.status.as_deref().unwrap_or("all");
    let (unanswered, mine) = match status {
        "unanswered" => (true, false),
        "assigned_to_me" => (false, true),
        "all" | "" => (false, false),
        _ => return Err(app::AppError::invalid("status", "unanswered, assigned_to_me or all").into()),
    };
    let items = state.app.dm_conversations(auth.actor(), account_id, unanswered, mine).await?;
    Ok(axum::Json(json!({ "items": items.iter().map(conversation_json).collect::<Vec<_>>() })))
}

async fn get_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let (conversation, messages) = state.app.dm_conversation(auth.actor(), id).await?;
    let notes = state.app.conversation_notes(auth.actor(), id).await?;
    let mut body = conversation_json(&conversation);
    body["items"] = json!(messages.iter().map(message_json).collect::<Vec<_>>());
    body["notes"] = json!(notes
        .iter()
        .map(|n| json!({"id": n.id, "author": n.author, "text": n.text, "created_at": china_time(n.created_at_ms)}))
        .collect::<Vec<_>>());
    Ok(axum::Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    text: String,
}

async fn post_reply(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<ReplyBody>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let message = state.app.reply_to_conversation(&auth.0, id, &body.text).await?;
    Ok((StatusCode::CREATED, axum::Json(message_json(&message))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    action: String,
    assign_to: Option<String>,
    text: Option<String>,
}

async fn post_change(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<ChangeBody>,
) -> ApiResult<axum::Json<Value>> {
    let change = match body.action.as_str() {
        "assign" => ConversationChange::Assign(body.assign_to.filter(|w| !w.is_empty())),
        "close" => ConversationChange::Close,
        "reopen" => ConversationChange::Reopen,
        "read" => ConversationChange::Read,
        "note" => ConversationChange::Note(body.text.unwrap_or_default()),
        _ => return Err(app::AppError::invalid("action", "assign, close, reopen, read or note").into()),
    };
    Ok(axum::Json(conversation_json(&state.app.change_conversation(&auth.0, id, change).await?)))
}

async fn list_rules(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let rules = state.app.auto_reply_rules(auth.actor(), id).await?;
    Ok(axum::Json(json!({ "items": rules.iter().map(rule_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBody {
    kind: String,
    name: String,
    match_kind: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    channels: Option<String>,
    priority: Option<i64>,
    reply: String,
    active_from: Option<String>,
    active_until: Option<String>,
    enabled: Option<bool>,
}

fn instant(field: &str, text: Option<&str>) -> ApiResult<Option<i64>> {
    text.filter(|t| !t.is_empty())
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.timestamp_millis())
                .map_err(|_| app::AppError::invalid(field, "an RFC 3339 time").into())
        })
        .transpose()
}

fn rule_input(body: RuleBody) -> ApiResult<RuleInput> {
    Ok(RuleInput {
        active_from_ms: instant("active_from", body.active_from.as_deref())?,
        active_until_ms: instant("active_until", body.active_until.as_deref())?,
        kind: body.kind,
        name: body.name,
        match_kind: body.match_kind,
        keywords: body.keywords,
        channels: body.channels,
        priority: body.priority,
        reply: body.reply,
        enabled: body.enabled,
    })
}

async fn post_rule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<RuleBody>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let rule = state.app.create_auto_reply_rule(&auth.0, id, &rule_input(body)?).await?;
    Ok((StatusCode::CREATED, axum::Json(rule_json(&rule))))
}

async fn put_rule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<RuleBody>,
) -> ApiResult<axum::Json<Value>> {
    let rule = state.app.update_auto_reply_rule(&auth.0, id, &rule_input(body)?).await?;
    Ok(axum::Json(rule_json(&rule)))
}

async fn delete_rule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    state.app.delete_auto_reply_rule(&auth.0, id).await?;
    Ok(axum::Json(json!({ "deleted": id })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestBody {
    channel: String,
    text: String,
}

async fn post_test(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<TestBody>,
) -> ApiResult<axum::Json<Value>> {
    let rule = state.app.test_auto_reply(auth.actor(), id, &body.channel, &body.text).await?;
    Ok(axum::Json(json!({ "rule": rule.as_ref().map(rule_json) })))
}

#[derive(Deserialize)]
struct LeadParams {
    status: Option<String>,
    source: Option<String>,
    owner: Option<String>,
}

impl From<LeadParams> for LeadQuery {
    fn from(p: LeadParams) -> Self {
        LeadQuery { status: p.status, source: p.source, owner: p.owner }
    }
}

async fn list_leads(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<LeadParams>,
) -> ApiResult<axum::Json<Value>> {
    let leads = state.app.leads(auth.actor(), id, &query.into()).await?;
    Ok(axum::Json(json!({ "items": leads.iter().map(lead_json).collect::<Vec<_>>() })))
}

async fn get_leads_csv(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<LeadParams>,
) -> ApiResult<Response> {
    let csv = state.app.leads_csv(auth.actor(), id, &query.into()).await?;
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"leads-account-{id}.csv\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

fn source_json(s: &LeadSource) -> Value {
    json!({
        "source": s.source.as_str(),
        "leads": s.leads,
        "converted": s.converted,
        "conversion_permille": s.conversion_permille(),
    })
}

async fn get_lead_summary(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let sources = state.app.lead_summary(auth.actor(), id).await?;
    Ok(axum::Json(json!({ "items": sources.iter().map(source_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
struct InboxParams {
    channel: Option<String>,
    status: Option<String>,
    sentiment: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn item_json(item: &InboxItem) -> Value {
    match item {
        InboxItem::Comment(c) => {
            let mut body = super::comments::comment_json(c);
            body["channel"] = json!("comment");
            body
        }
        InboxItem::Conversation(c) => conversation_json(c),
    }
}

fn inbox_json(inbox: &Inbox) -> Value {
    json!({
        "items": inbox.items.iter().map(item_json).collect::<Vec<_>>(),
        "next_cursor": inbox.next_cursor,
    })
}

async fn get_inbox(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(p): Query<InboxParams>,
) -> ApiResult<axum::Json<Value>> {
    let query = InboxQuery {
        channel: p.channel,
        status: p.status,
        sentiment: p.sentiment,
        q: p.q,
        limit: p.limit,
        cursor: p.cursor,
    };
    Ok(axum::Json(inbox_json(&state.app.inbox(auth.actor(), id, &query).await?)))
}

fn times_json(t: &ResponseTimes) -> Value {
    json!({
        "answered": t.count,
        "median_working_ms": t.median_ms,
        "p90_working_ms": t.p90_ms,
        "within_3_minutes": t.within_fast,
        "within_12_hours": t.within_half_day,
        "within_3_minutes_permille": t.fast_share_permille(),
        "within_12_hours_permille": t.half_day_share_permille(),
    })
}

fn stats_json(s: &InboxStats) -> Value {
    json!({
        "account_id": s.account_id,
        "days": s.days,
        "comments_awaiting": s.comments_awaiting,
        "conversations_awaiting": s.conversations_awaiting,
        "comment": times_json(&s.comments),
        "message": times_json(&s.messages),
        "all": times_json(&s.all),
    })
}

#[derive(Deserialize)]
struct StatsParams {
    days: Option<i64>,
}

async fn get_inbox_stats(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(p): Query<StatsParams>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(stats_json(&state.app.inbox_stats(auth.actor(), id, p.days).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadBody {
    status: Option<String>,
    owner: Option<String>,
    note: Option<String>,
}

async fn patch_lead(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<LeadBody>,
) -> ApiResult<axum::Json<Value>> {
    let lead = state
        .app
        .update_lead(&auth.0, id, body.status.as_deref(), body.owner.as_deref(), body.note.as_deref())
        .await?;
    Ok(axum::Json(
        json!({ "id": lead.id, "status": lead.status.as_str(), "owner": lead.owner, "note": lead.note }),
    ))
}
