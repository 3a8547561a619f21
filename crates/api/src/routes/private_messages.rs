//! Private messages (私信): NDJSON batches from the platform, an account's conversations, one
//! conversation with its messages, members' replies, assignment, notes, close and reopen, the
//! auto-reply rules with their test mode, and leads (the contact masked without the right).

use app::private_messages::{
    ConversationChange, ConversationRow, LeadView, MessageBatchOutcome, MessageRow, RuleInput, RuleRow,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
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
        "status": c.status,
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
        "source_message_id": l.source_external_id,
        "user_id": l.user_id,
        "contact_kind": l.contact_kind,
        "contact": view.contact,
        "masked": view.masked,
        "consent": l.consent,
        "status": l.status,
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
    let mut body = conversation_json(&conversation);
    body["items"] = json!(messages.iter().map(message_json).collect::<Vec<_>>());
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

async fn post_rule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<RuleBody>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let input = RuleInput {
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
    };
    let rule = state.app.create_auto_reply_rule(&auth.0, id, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(rule_json(&rule))))
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
struct LeadQuery {
    status: Option<String>,
    source: Option<String>,
}

async fn list_leads(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<LeadQuery>,
) -> ApiResult<axum::Json<Value>> {
    let leads = state.app.leads(auth.actor(), id, query.status.as_deref(), query.source.as_deref()).await?;
    Ok(axum::Json(json!({ "items": leads.iter().map(lead_json).collect::<Vec<_>>() })))
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
    Ok(axum::Json(json!({ "id": lead.id, "status": lead.status, "owner": lead.owner, "note": lead.note })))
}
