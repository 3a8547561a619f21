//! Private messages (私信): NDJSON batches from the platform, an account's conversations, one
//! conversation with its messages, members' replies, assignment, notes, close and reopen, the
//! auto-reply rules with their test mode, and leads (the contact masked without the right).

use app::inbox::{InboxItem, InboxQuery, InboxStats};
use app::private_messages::{
    ConversationChange, ConversationRow, LeadQuery, LeadSource, LeadView, MessageBatchOutcome, MessageRow,
    NoteRow, RuleInput, RuleRow,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::comments::ResponseTimes;
use domain::limits::MESSAGE_BATCH_BYTES_MAX;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::comments::{AccountCommentBody, ndjson_body};
use super::{ANY_ROLE, Answer, MERCHANT, Page, SERVICE, china_time};
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
                .ndjson::<MessageLine>()
                .answer::<MessageBatchBody>()
                .body(line),
            post_batch,
            MESSAGE_BATCH_BYTES_MAX,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/conversations",
            Doc::new("messages", "The account's private conversations, newest message first (status=unanswered|assigned_to_me|all)")
                .roles(ANY_ROLE)
                .answer::<DmConversationsBody>().query::<ConversationsQuery>(),
            list_conversations,
        )
        .add(Method::Get, "/api/v1/private-conversations/{id}", Doc::new("messages", "One private conversation with its newest 200 messages and the team's notes")
                .roles(ANY_ROLE)
                .answer::<DmConversationViewBody>(),
            get_conversation,
        )
        .add(
            Method::Post,
            "/api/v1/private-conversations/{id}/replies",
            Doc::new("messages", "Reply as the account; the reply goes to the platform (message.reply_created)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .status(201)
                .request::<DmReplyRequest>()
                .answer::<DmMessageBody>()
                .body(r#"{"text":"您好，链接已发您"}"#),
            post_reply,
        )
        .add(
            Method::Post,
            "/api/v1/private-conversations/{id}/changes",
            Doc::new("messages", "Assign (assign_to, empty to unassign), close, reopen, mark read, or add a note")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .request::<ConversationChangeRequest>()
                .answer::<DmConversationBody>()
                .body(r#"{"action":"assign","assign_to":"operator1"}"#),
            post_change,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/auto-replies",
            Doc::new("messages", "The account's auto-reply rules (welcome, keyword, away), by priority")
                .roles(ANY_ROLE)
                .answer::<AutoReplyRulesBody>(),
            list_rules,
        )
        .add(
            Method::Post,
            "/api/v1/enterprise-accounts/{id}/auto-replies",
            Doc::new("messages", "Create an auto-reply rule (audited): kind welcome|keyword|away, match_kind exact|contains, keywords, channels comment,message, priority (smaller first), reply (300 characters; {time} in an away message is the next opening), active_from/active_until")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .status(201)
                .request::<AutoReplyRuleRequest>()
                .answer::<AutoReplyRuleBody>()
                .body(r#"{"kind":"keyword","name":"价格","match_kind":"contains","keywords":["多少钱","价格"],"channels":"message","priority":10,"reply":"价格见橱窗"}"#),
            post_rule,
        )
        .add(
            Method::Put,
            "/api/v1/auto-replies/{id}",
            Doc::new("messages", "Replace an auto-reply rule's fields (the same body as creating it; the kind stays; audited)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .request::<AutoReplyRuleRequest>()
                .answer::<AutoReplyRuleBody>()
                .body(r#"{"kind":"keyword","name":"价格","match_kind":"contains","keywords":["多少钱"],"channels":"message","priority":10,"reply":"价格见橱窗","enabled":false}"#),
            put_rule,
        )
        .add(
            Method::Delete,
            "/api/v1/auto-replies/{id}",
            Doc::new("messages", "Delete an auto-reply rule (audited)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .answer::<AutoReplyDeletedBody>(),
            delete_rule,
        )
        .add(
            Method::Post,
            "/api/v1/enterprise-accounts/{id}/auto-replies:test",
            Doc::new("messages", "Test mode: the keyword rule that would answer a text on a channel now; nothing is sent")
                .roles(ANY_ROLE)
                .request::<AutoReplyTestRequest>()
                .answer::<AutoReplyTestBody>()
                .body(r#"{"channel":"message","text":"这个多少钱"}"#),
            post_test,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/leads",
            Doc::new("messages", "The account's leads (status, source filters); the contact masked for members without the right to contact")
                .roles(ANY_ROLE)
                .answer::<LeadsBody>().query::<LeadParams>(),
            list_leads,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/leads.csv",
            Doc::new("messages", "The account's leads as a CSV file (text/csv; the same filters; words in the cells, the contact as the caller may see it)")
                .roles(ANY_ROLE)
                .file(&["text/csv"]).query::<LeadParams>(),
            get_leads_csv,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/leads/summary",
            Doc::new("messages", "Lead counts and conversion by source (comment, message)")
                .roles(ANY_ROLE)
                .answer::<LeadSummaryBody>(),
            get_lead_summary,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/inbox",
            Doc::new("messages", "One inbox: comments and private conversations by time, newest first (channel=comment|message, status=unanswered|assigned_to_me|all, sentiment= for comments, q=, limit, cursor)")
                .roles(ANY_ROLE)
                .answer::<Page<InboxItemBody>>().query::<InboxParams>(),
            get_inbox,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/inbox/stats",
            Doc::new("messages", "First-response statistics of comments and private messages in working hours (median, p90, answered within 3 minutes and within 12 hours) over the last days (days=1..366, 30 by default)")
                .roles(ANY_ROLE)
                .answer::<InboxStatsBody>().query::<InboxStatsParams>(),
            get_inbox_stats,
        )
        .add(
            Method::Patch,
            "/api/v1/leads/{id}",
            Doc::new("messages", "Move a lead: status new|contacted|converted|invalid, owner, note (audited)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .request::<LeadUpdate>()
                .answer::<LeadUpdatedBody>()
                .body(r#"{"status":"contacted","owner":"operator1","note":"已电话联系"}"#),
            patch_lead,
        )
}

/// One private-message line of a batch as the platform sends it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // describes the line for the document; the app parses it
struct MessageLine {
    account_id: i64,
    user_id: String,
    message_id: String,
    /// `user` or `account`.
    sender: String,
    text: String,
    /// A reference to the image sent.
    #[serde(default)]
    image: Option<String>,
    /// RFC 3339.
    sent_at: String,
    #[serde(default)]
    automatic: bool,
    #[serde(default)]
    lead_card: bool,
}

/// What a private-message batch did: `accepted` valid lines, `stored` those new.
#[derive(Serialize, JsonSchema)]
struct MessageBatchBody {
    lines: usize,
    accepted: usize,
    duplicates: usize,
    stored: usize,
    auto_replies: usize,
    leads: usize,
    rejected_count: usize,
    /// The first refused lines, by line number.
    rejected: Vec<super::LineRejection>,
}

impl From<&MessageBatchOutcome> for MessageBatchBody {
    fn from(outcome: &MessageBatchOutcome) -> MessageBatchBody {
        let rejected =
            outcome.rejected.iter().map(|r| super::LineRejection { line: r.line, code: r.code.as_str() });
        MessageBatchBody {
            lines: outcome.lines,
            accepted: outcome.accepted,
            duplicates: outcome.duplicates,
            stored: outcome.accepted - outcome.duplicates,
            auto_replies: outcome.auto_replies,
            leads: outcome.leads,
            rejected_count: outcome.rejected_count,
            rejected: rejected.collect(),
        }
    }
}

/// A private conversation of the account with one platform user.
#[derive(Serialize, JsonSchema)]
struct DmConversationBody {
    id: i64,
    /// Always `message`.
    channel: &'static str,
    account_id: i64,
    user_id: String,
    status: &'static str,
    messages: i64,
    unread: i64,
    awaiting_reply: bool,
    awaiting_since: Option<String>,
    last_message_at: Option<String>,
    last_text: String,
    assigned_to: Option<String>,
    created_at: Option<String>,
    closed_at: Option<String>,
}

impl From<&ConversationRow> for DmConversationBody {
    fn from(c: &ConversationRow) -> DmConversationBody {
        DmConversationBody {
            id: c.id,
            channel: "message",
            account_id: c.account_id,
            user_id: c.user_id.clone(),
            status: c.status.as_str(),
            messages: c.messages,
            unread: c.unread,
            awaiting_reply: c.awaiting_since_ms.is_some(),
            awaiting_since: c.awaiting_since_ms.and_then(china_time),
            last_message_at: china_time(c.last_message_at_ms),
            last_text: c.last_text.clone(),
            assigned_to: c.assigned_to.clone(),
            created_at: china_time(c.created_at_ms),
            closed_at: c.closed_at_ms.and_then(china_time),
        }
    }
}

/// The account's private conversations.
#[derive(Serialize, JsonSchema)]
struct DmConversationsBody {
    items: Vec<DmConversationBody>,
}

/// A conversation with its newest messages (`items`) and the team's notes.
#[derive(Serialize, JsonSchema)]
struct DmConversationViewBody {
    #[serde(flatten)]
    conversation: DmConversationBody,
    items: Vec<DmMessageBody>,
    notes: Vec<DmNoteBody>,
}

/// A note of the team on a conversation.
#[derive(Serialize, JsonSchema)]
struct DmNoteBody {
    id: i64,
    author: String,
    text: String,
    created_at: Option<String>,
}

impl From<&NoteRow> for DmNoteBody {
    fn from(n: &NoteRow) -> DmNoteBody {
        DmNoteBody {
            id: n.id,
            author: n.author.clone(),
            text: n.text.clone(),
            created_at: china_time(n.created_at_ms),
        }
    }
}

/// One private message, from the user or from the account.
#[derive(Serialize, JsonSchema)]
struct DmMessageBody {
    id: i64,
    /// The platform's id of the message.
    message_id: String,
    conversation_id: i64,
    sender: String,
    /// Sent by an auto-reply rule.
    automatic: bool,
    sent_by: Option<String>,
    rule_id: Option<i64>,
    text: String,
    image: Option<String>,
    sent_at: Option<String>,
    answered_at: Option<String>,
}

impl From<&MessageRow> for DmMessageBody {
    fn from(m: &MessageRow) -> DmMessageBody {
        DmMessageBody {
            id: m.id,
            message_id: m.external_id.clone(),
            conversation_id: m.conversation_id,
            sender: m.sender.clone(),
            automatic: m.automatic == 1,
            sent_by: m.sent_by.clone(),
            rule_id: m.rule_id,
            text: m.text.clone(),
            image: m.image_ref.clone(),
            sent_at: china_time(m.created_at_ms),
            answered_at: m.answered_at_ms.and_then(china_time),
        }
    }
}

/// An auto-reply rule.
#[derive(Serialize, JsonSchema)]
struct AutoReplyRuleBody {
    id: i64,
    account_id: i64,
    /// `welcome`, `keyword` or `away`.
    kind: String,
    name: String,
    /// `exact` or `contains`.
    match_kind: String,
    keywords: Vec<String>,
    /// `comment`, `message` or both, comma-separated.
    channels: String,
    priority: i64,
    reply: String,
    active_from: Option<String>,
    active_until: Option<String>,
    enabled: bool,
}

impl From<&RuleRow> for AutoReplyRuleBody {
    fn from(r: &RuleRow) -> AutoReplyRuleBody {
        AutoReplyRuleBody {
            id: r.id,
            account_id: r.account_id,
            kind: r.kind.clone(),
            name: r.name.clone(),
            match_kind: r.match_kind.clone(),
            keywords: r.keywords.lines().map(str::to_owned).collect(),
            channels: r.channels.clone(),
            priority: r.priority,
            reply: r.reply.clone(),
            active_from: r.active_from_ms.and_then(china_time),
            active_until: r.active_until_ms.and_then(china_time),
            enabled: r.enabled == 1,
        }
    }
}

/// The account's auto-reply rules, by priority.
#[derive(Serialize, JsonSchema)]
struct AutoReplyRulesBody {
    items: Vec<AutoReplyRuleBody>,
}

/// The id of the auto-reply rule deleted.
#[derive(Serialize, JsonSchema)]
struct AutoReplyDeletedBody {
    deleted: i64,
}

/// The rule that would answer the text, null when none would.
#[derive(Serialize, JsonSchema)]
struct AutoReplyTestBody {
    rule: Option<AutoReplyRuleBody>,
}

/// A lead: a contact a user left in a message or a comment.
#[derive(Serialize, JsonSchema)]
struct LeadBody {
    id: i64,
    account_id: i64,
    /// `comment` or `message`.
    source: String,
    conversation_id: Option<i64>,
    comment_id: Option<i64>,
    source_message_id: String,
    user_id: String,
    contact_kind: String,
    /// In clear only for members with the right to contact.
    contact: String,
    masked: bool,
    consent: String,
    status: &'static str,
    owner: Option<String>,
    note: String,
    created_at: Option<String>,
}

impl From<&LeadView> for LeadBody {
    fn from(view: &LeadView) -> LeadBody {
        let l = &view.lead;
        LeadBody {
            id: l.id,
            account_id: l.account_id,
            source: l.source_channel.clone(),
            conversation_id: l.conversation_id,
            comment_id: l.comment_id,
            source_message_id: l.source_external_id.clone(),
            user_id: l.user_id.clone(),
            contact_kind: l.contact_kind.clone(),
            contact: view.contact.clone(),
            masked: view.masked,
            consent: l.consent.clone(),
            status: l.status.as_str(),
            owner: l.owner.clone(),
            note: l.note.clone(),
            created_at: china_time(l.created_at_ms),
        }
    }
}

/// The account's leads.
#[derive(Serialize, JsonSchema)]
struct LeadsBody {
    items: Vec<LeadBody>,
}

/// A lead as moved: its status, owner and note.
#[derive(Serialize, JsonSchema)]
struct LeadUpdatedBody {
    id: i64,
    status: &'static str,
    owner: Option<String>,
    note: String,
}

/// The leads of one source and how many converted.
#[derive(Serialize, JsonSchema)]
struct LeadSourceBody {
    /// `comment` or `message`.
    source: &'static str,
    leads: i64,
    converted: i64,
    /// Null without leads.
    conversion_permille: Option<i64>,
}

impl From<&LeadSource> for LeadSourceBody {
    fn from(s: &LeadSource) -> LeadSourceBody {
        LeadSourceBody {
            source: s.source.as_str(),
            leads: s.leads,
            converted: s.converted,
            conversion_permille: s.conversion_permille(),
        }
    }
}

/// Lead counts by source.
#[derive(Serialize, JsonSchema)]
struct LeadSummaryBody {
    items: Vec<LeadSourceBody>,
}

/// One line of the inbox: a comment or a private conversation, told apart by `channel`.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum InboxItemBody {
    Comment(InboxCommentBody),
    Conversation(DmConversationBody),
}

/// A comment in the inbox.
#[derive(Serialize, JsonSchema)]
struct InboxCommentBody {
    /// Always `comment`.
    channel: &'static str,
    #[serde(flatten)]
    comment: AccountCommentBody,
}

impl From<&InboxItem> for InboxItemBody {
    fn from(item: &InboxItem) -> InboxItemBody {
        match item {
            InboxItem::Comment(c) => InboxItemBody::Comment(InboxCommentBody {
                channel: "comment",
                comment: AccountCommentBody::from(c),
            }),
            InboxItem::Conversation(c) => InboxItemBody::Conversation(DmConversationBody::from(c)),
        }
    }
}

/// First-response figures in working time (null figures without answers).
#[derive(Serialize, JsonSchema)]
struct InboxTimesBody {
    answered: usize,
    median_working_ms: Option<i64>,
    p90_working_ms: Option<i64>,
    within_3_minutes: usize,
    within_12_hours: usize,
    within_3_minutes_permille: Option<i64>,
    within_12_hours_permille: Option<i64>,
}

impl From<&ResponseTimes> for InboxTimesBody {
    fn from(t: &ResponseTimes) -> InboxTimesBody {
        InboxTimesBody {
            answered: t.count,
            median_working_ms: t.median_ms,
            p90_working_ms: t.p90_ms,
            within_3_minutes: t.within_fast,
            within_12_hours: t.within_half_day,
            within_3_minutes_permille: t.fast_share_permille(),
            within_12_hours_permille: t.half_day_share_permille(),
        }
    }
}

/// First-response statistics of comments, private messages and both, and what awaits an answer.
#[derive(Serialize, JsonSchema)]
struct InboxStatsBody {
    account_id: i64,
    days: i64,
    comments_awaiting: i64,
    conversations_awaiting: i64,
    comment: InboxTimesBody,
    message: InboxTimesBody,
    all: InboxTimesBody,
}

impl From<&InboxStats> for InboxStatsBody {
    fn from(s: &InboxStats) -> InboxStatsBody {
        InboxStatsBody {
            account_id: s.account_id,
            days: s.days,
            comments_awaiting: s.comments_awaiting,
            conversations_awaiting: s.conversations_awaiting,
            comment: InboxTimesBody::from(&s.comments),
            message: InboxTimesBody::from(&s.messages),
            all: InboxTimesBody::from(&s.all),
        }
    }
}

async fn post_batch(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer<MessageBatchBody> {
    auth.actor().require(&[domain::auth::Role::Service])?;
    let body = ndjson_body(&headers, body)?;
    Ok(Json(MessageBatchBody::from(&state.app.ingest_messages(&auth.0, &body).await?)))
}

#[derive(Deserialize, JsonSchema)]
struct ConversationsQuery {
    /// `unanswered`, `assigned_to_me` or `all` (the default).
    status: Option<String>,
}

async fn list_conversations(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<ConversationsQuery>,
) -> Answer<DmConversationsBody> {
    let status = query.status.as_deref().unwrap_or("all");
    let (unanswered, mine) = match status {
        "unanswered" => (true, false),
        "assigned_to_me" => (false, true),
        "all" | "" => (false, false),
        _ => return Err(app::AppError::invalid("status", "unanswered, assigned_to_me or all").into()),
    };
    let items = state.app.dm_conversations(auth.actor(), account_id, unanswered, mine).await?;
    Ok(Json(DmConversationsBody { items: items.iter().map(DmConversationBody::from).collect() }))
}

async fn get_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<DmConversationViewBody> {
    let (conversation, messages) = state.app.dm_conversation(auth.actor(), id).await?;
    let notes = state.app.conversation_notes(auth.actor(), id).await?;
    Ok(Json(DmConversationViewBody {
        conversation: DmConversationBody::from(&conversation),
        items: messages.iter().map(DmMessageBody::from).collect(),
        notes: notes.iter().map(DmNoteBody::from).collect(),
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DmReplyRequest {
    text: String,
}

async fn post_reply(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<DmReplyRequest>,
) -> ApiResult<(StatusCode, Json<DmMessageBody>)> {
    let message = state.app.reply_to_conversation(&auth.0, id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(DmMessageBody::from(&message))))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ConversationChangeRequest {
    /// `assign`, `close`, `reopen`, `read` or `note`.
    action: String,
    /// For `assign`: the member, empty or left out to unassign.
    assign_to: Option<String>,
    /// For `note`: the note.
    text: Option<String>,
}

async fn post_change(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<ConversationChangeRequest>,
) -> Answer<DmConversationBody> {
    let change = match body.action.as_str() {
        "assign" => ConversationChange::Assign(body.assign_to.filter(|w| !w.is_empty())),
        "close" => ConversationChange::Close,
        "reopen" => ConversationChange::Reopen,
        "read" => ConversationChange::Read,
        "note" => ConversationChange::Note(body.text.unwrap_or_default()),
        _ => return Err(app::AppError::invalid("action", "assign, close, reopen, read or note").into()),
    };
    Ok(Json(DmConversationBody::from(&state.app.change_conversation(&auth.0, id, change).await?)))
}

async fn list_rules(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<AutoReplyRulesBody> {
    let rules = state.app.auto_reply_rules(auth.actor(), id).await?;
    Ok(Json(AutoReplyRulesBody { items: rules.iter().map(AutoReplyRuleBody::from).collect() }))
}

/// An auto-reply rule as submitted.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AutoReplyRuleRequest {
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

fn rule_input(body: AutoReplyRuleRequest) -> ApiResult<RuleInput> {
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
    Json(body): Json<AutoReplyRuleRequest>,
) -> ApiResult<(StatusCode, Json<AutoReplyRuleBody>)> {
    let rule = state.app.create_auto_reply_rule(&auth.0, id, &rule_input(body)?).await?;
    Ok((StatusCode::CREATED, Json(AutoReplyRuleBody::from(&rule))))
}

async fn put_rule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<AutoReplyRuleRequest>,
) -> Answer<AutoReplyRuleBody> {
    let rule = state.app.update_auto_reply_rule(&auth.0, id, &rule_input(body)?).await?;
    Ok(Json(AutoReplyRuleBody::from(&rule)))
}

async fn delete_rule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<AutoReplyDeletedBody> {
    state.app.delete_auto_reply_rule(&auth.0, id).await?;
    Ok(Json(AutoReplyDeletedBody { deleted: id }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AutoReplyTestRequest {
    /// `comment` or `message`.
    channel: String,
    text: String,
}

async fn post_test(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<AutoReplyTestRequest>,
) -> Answer<AutoReplyTestBody> {
    let rule = state.app.test_auto_reply(auth.actor(), id, &body.channel, &body.text).await?;
    Ok(Json(AutoReplyTestBody { rule: rule.as_ref().map(AutoReplyRuleBody::from) }))
}

#[derive(Deserialize, JsonSchema)]
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
) -> Answer<LeadsBody> {
    let leads = state.app.leads(auth.actor(), id, &query.into()).await?;
    Ok(Json(LeadsBody { items: leads.iter().map(LeadBody::from).collect() }))
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

async fn get_lead_summary(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<LeadSummaryBody> {
    let sources = state.app.lead_summary(auth.actor(), id).await?;
    Ok(Json(LeadSummaryBody { items: sources.iter().map(LeadSourceBody::from).collect() }))
}

#[derive(Deserialize, JsonSchema)]
struct InboxParams {
    channel: Option<String>,
    status: Option<String>,
    sentiment: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn get_inbox(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(p): Query<InboxParams>,
) -> Answer<Page<InboxItemBody>> {
    let query = InboxQuery {
        channel: p.channel,
        status: p.status,
        sentiment: p.sentiment,
        q: p.q,
        limit: p.limit,
        cursor: p.cursor,
    };
    let inbox = state.app.inbox(auth.actor(), id, &query).await?;
    Ok(Json(Page {
        items: inbox.items.iter().map(InboxItemBody::from).collect(),
        next_cursor: inbox.next_cursor,
    }))
}

#[derive(Deserialize, JsonSchema)]
struct InboxStatsParams {
    days: Option<i64>,
}

async fn get_inbox_stats(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(p): Query<InboxStatsParams>,
) -> Answer<InboxStatsBody> {
    Ok(Json(InboxStatsBody::from(&state.app.inbox_stats(auth.actor(), id, p.days).await?)))
}

/// What to change of a lead; a field left out keeps its value.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LeadUpdate {
    /// `new`, `contacted`, `converted` or `invalid`.
    status: Option<String>,
    owner: Option<String>,
    note: Option<String>,
}

async fn patch_lead(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<LeadUpdate>,
) -> Answer<LeadUpdatedBody> {
    let lead = state
        .app
        .update_lead(&auth.0, id, body.status.as_deref(), body.owner.as_deref(), body.note.as_deref())
        .await?;
    Ok(Json(LeadUpdatedBody {
        id: lead.id,
        status: lead.status.as_str(),
        owner: lead.owner,
        note: lead.note,
    }))
}
