//! Private messages (私信) of enterprise accounts: NDJSON batches from the platform (`service`
//! role; a repeated message id stored once), auto-replies (welcome, keyword rules, the away
//! message from the working-day calendar) recorded as sent by their rule and put on the platform
//! feed, members' replies (`message.reply_created`), the auto-reply rules (audited, with a test
//! mode), and leads (线索) found in messages, their contact sealed and shown masked to members
//! without the right to contact. Team right `reply` answers; every member reads.
//! Not the shop's buyer conversations of `operations`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::secrets::SecretKey;
use chrono::DateTime;
use domain::access::{UseCase, allows};
use domain::auth::Role;
use domain::comments::{check_author_id, check_comment_id, check_comment_time};
use domain::feed::EventType;
use domain::limits::{
    DM_TEXT_LENGTH_MAX, MESSAGE_BATCH_BYTES_MAX, MESSAGE_BATCH_LINES_MAX, RULES_PER_ACCOUNT_MAX,
};
use domain::private_messages::{
    AutoRule, Channel, Channels, Consent, ContactKind, ConversationMemory, ConversationStatus, Incoming,
    LeadStatus, MatchKind, MatchText, MessageLineError, RuleKind, RuleSet, Sender, check_image_ref,
    check_rule, extract_contacts, mask, mask_contacts, plan_auto_replies,
};
use domain::team::TeamRight;
use rand::RngCore;
use serde::Deserialize;
use store::private_messages::{self as rows, NewLead, NewMessage, RuleFields};
pub use store::private_messages::{ConversationRow, LeadRow, MessageRow, NoteRow, RuleRow};

use crate::comments::ndjson_lines;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// Who answers private messages and manages auto-replies and leads.
pub const REPLY_RIGHTS: &[TeamRight] = &[TeamRight::Reply];
/// Where a lead's contact is sealed.
const LEAD_CONTEXT: &str = "lead.contact";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    account_id: i64,
    #[serde(borrow)]
    user_id: Cow<'a, str>,
    #[serde(borrow)]
    message_id: Cow<'a, str>,
    #[serde(borrow)]
    sender: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(default, borrow)]
    image: Option<Cow<'a, str>>,
    #[serde(borrow)]
    sent_at: Cow<'a, str>,
    #[serde(default)]
    automatic: bool,
    #[serde(default)]
    lead_card: bool,
}

struct ValidLine<'a> {
    line: usize,
    account_id: i64,
    user_id: Cow<'a, str>,
    message_id: Cow<'a, str>,
    sender: Sender,
    text: Cow<'a, str>,
    image: Option<Cow<'a, str>>,
    sent_at_ms: i64,
    automatic: bool,
    lead_card: bool,
    /// What keyword rules compare, and the contacts a user's own message leaves, sealed: both
    /// worked out before the batch's transaction.
    match_text: MatchText,
    contacts: Vec<SealedContact>,
}

/// A contact found in a message, ready to be stored as a lead.
struct SealedContact {
    kind: &'static str,
    sealed: String,
    masked: String,
    hash: String,
}

fn sealed_contacts(key: &SecretKey, text: &str) -> Vec<SealedContact> {
    extract_contacts(text)
        .into_iter()
        .map(|contact| SealedContact {
            kind: contact.kind().as_str(),
            sealed: key.seal(LEAD_CONTEXT, contact.value()),
            masked: contact.masked(),
            hash: key.blind_index(LEAD_CONTEXT, &contact.key()),
        })
        .collect()
}

fn parse_line<'a>(
    bytes: &'a [u8],
    line: usize,
    now_ms: i64,
    key: &SecretKey,
) -> Result<ValidLine<'a>, MessageLineError> {
    let parsed: Line<'_> = serde_json::from_slice(bytes).map_err(|_| MessageLineError::Malformed)?;
    check_comment_id(&parsed.message_id).map_err(|_| MessageLineError::InvalidMessageId)?;
    check_author_id(&parsed.user_id).map_err(|_| MessageLineError::InvalidUserId)?;
    let sender = Sender::parse(&parsed.sender).ok_or(MessageLineError::Malformed)?;
    let trimmed = parsed.text.trim();
    let length = trimmed.chars().count();
    if length > DM_TEXT_LENGTH_MAX
        || trimmed.chars().any(|c| c.is_control() && c != '\n')
        || (length == 0 && parsed.image.is_none())
    {
        return Err(MessageLineError::InvalidText);
    }
    let text = if trimmed.len() == parsed.text.len() { parsed.text } else { Cow::Owned(trimmed.to_owned()) };
    if let Some(image) = &parsed.image {
        check_image_ref(image)?;
    }
    let sent_at_ms = DateTime::parse_from_rfc3339(&parsed.sent_at)
        .map_err(|_| MessageLineError::InvalidTime)?
        .timestamp_millis();
    check_comment_time(sent_at_ms, now_ms).map_err(|_| MessageLineError::InvalidTime)?;
    let from_user = sender == Sender::User && !parsed.automatic;
    let contacts = if from_user { sealed_contacts(key, &text) } else { Vec::new() };
    Ok(ValidLine {
        match_text: MatchText::of(&text),
        contacts,
        line,
        account_id: parsed.account_id,
        user_id: parsed.user_id,
        message_id: parsed.message_id,
        sender,
        text,
        image: parsed.image,
        sent_at_ms,
        automatic: parsed.automatic,
        lead_card: parsed.lead_card,
    })
}

/// A refused line of a batch: its 1-based number and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectedLine {
    pub line: usize,
    pub code: MessageLineError,
}

/// What a batch did: `accepted` valid lines, of them `duplicates` already stored; the
/// auto-replies sent and the leads found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageBatchOutcome {
    pub lines: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub auto_replies: usize,
    pub leads: usize,
    pub rejected_count: usize,
    pub rejected: Vec<RejectedLine>,
}

/// A stored rule as the rules of `domain` read it.
pub fn auto_rule(row: &RuleRow) -> AutoRule {
    AutoRule {
        id: row.id,
        kind: RuleKind::parse(&row.kind).unwrap_or(RuleKind::Keyword),
        match_kind: MatchKind::parse(&row.match_kind).unwrap_or(MatchKind::Contains),
        keywords: row.keywords.lines().map(str::to_owned).filter(|k| !k.is_empty()).collect(),
        channels: Channels::parse(&row.channels).unwrap_or(Channels::MESSAGE),
        priority: row.priority,
        active_from_ms: row.active_from_ms,
        active_until_ms: row.active_until_ms,
        enabled: row.enabled == 1,
        reply: row.reply.clone(),
    }
}

/// A rule as submitted.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub kind: String,
    pub name: String,
    pub match_kind: Option<String>,
    pub keywords: Vec<String>,
    pub channels: Option<String>,
    pub priority: Option<i64>,
    pub reply: String,
    pub active_from_ms: Option<i64>,
    pub active_until_ms: Option<i64>,
    pub enabled: Option<bool>,
}

/// Which leads a list shows (the words of the query string).
#[derive(Debug, Clone, Default)]
pub struct LeadQuery {
    pub status: Option<String>,
    pub source: Option<String>,
    pub owner: Option<String>,
}

/// An account's leads from one source, and how many of them converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadSource {
    pub source: Channel,
    pub leads: i64,
    pub converted: i64,
}

impl LeadSource {
    /// The converted share in per mille (`None` without leads).
    pub fn conversion_permille(&self) -> Option<i64> {
        (self.leads > 0).then(|| self.converted * 1000 / self.leads)
    }
}

/// A lead as a member sees it: the contact in clear only with the right to contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadView {
    pub lead: LeadRow,
    pub contact: String,
    pub masked: bool,
}

/// A rule checked: what is stored.
struct ParsedRule {
    kind: RuleKind,
    name: String,
    match_kind: MatchKind,
    keywords: String,
    channels: Channels,
    priority: i64,
    reply: String,
    active: (Option<i64>, Option<i64>),
    enabled: bool,
}

impl ParsedRule {
    fn fields(&self) -> RuleFields<'_> {
        RuleFields {
            kind: self.kind.as_str(),
            name: &self.name,
            match_kind: self.match_kind.as_str(),
            keywords: &self.keywords,
            channels: self.channels.as_text(),
            priority: self.priority,
            reply: &self.reply,
            active_from_ms: self.active.0,
            active_until_ms: self.active.1,
            enabled: self.enabled,
        }
    }
}

fn parse_rule(input: &RuleInput) -> AppResult<ParsedRule> {
    let kind =
        RuleKind::parse(&input.kind).ok_or_else(|| AppError::invalid("kind", "welcome, keyword or away"))?;
    let match_kind = match input.match_kind.as_deref() {
        None | Some("") => MatchKind::Contains,
        Some(text) => {
            MatchKind::parse(text).ok_or_else(|| AppError::invalid("match_kind", "exact or contains"))?
        }
    };
    let channels = match input.channels.as_deref() {
        None | Some("") => Channels::MESSAGE,
        Some(text) => {
            Channels::parse(text).ok_or_else(|| AppError::invalid("channels", "comment, message"))?
        }
    };
    let active = (input.active_from_ms, input.active_until_ms);
    let (name, reply, keywords) = check_rule(kind, &input.name, &input.reply, &input.keywords, active)
        .map_err(|e| AppError::invalid(e.field, e.expect))?;
    let priority = input.priority.unwrap_or(100);
    if !(0..=10_000).contains(&priority) {
        return Err(AppError::invalid("priority", "0 to 10000"));
    }
    Ok(ParsedRule {
        kind,
        name,
        match_kind,
        keywords: keywords.join("\n"),
        channels,
        priority,
        reply,
        active,
        enabled: input.enabled.unwrap_or(true),
    })
}

/// A stored rule as it would be submitted again.
pub fn rule_input(row: &RuleRow) -> RuleInput {
    RuleInput {
        kind: row.kind.clone(),
        name: row.name.clone(),
        match_kind: Some(row.match_kind.clone()),
        keywords: row.keywords.lines().map(str::to_owned).collect(),
        channels: Some(row.channels.clone()),
        priority: Some(row.priority),
        reply: row.reply.clone(),
        active_from_ms: row.active_from_ms,
        active_until_ms: row.active_until_ms,
        enabled: Some(row.enabled == 1),
    }
}

/// Whether the actor reads contacts in clear: a member with the right to contact leads.
pub(crate) fn sees_contacts(actor: &Actor) -> bool {
    actor.role == Role::Merchant && allows(UseCase::ContactLeads, actor.role, actor.team_role)
}

/// A conversation's preview with the contacts in it masked.
pub(crate) fn mask_conversation(conversation: &mut ConversationRow) {
    conversation.last_text = mask_contacts(&conversation.last_text);
}

/// An auto-reply planned for a new user message of a batch.
struct PlannedReply<'l> {
    conversation_id: i64,
    user_id: &'l str,
    text: String,
    rule_id: i64,
    /// The platform id of the message it answers.
    answers: &'l str,
}

/// The feed's `message.reply_created` for an auto-reply (a member's reply carries the same fields).
#[derive(Debug, serde::Serialize)]
struct AutoReplyEvent<'a> {
    message_id: &'a str,
    account_id: i64,
    user_id: &'a str,
    conversation_id: i64,
    in_reply_to: &'a str,
    text: &'a str,
    automatic: bool,
    rule_id: i64,
}

/// The platform id of a message or reply written here: the time first, so new ids go to the end
/// of the unique index, then 64 random bits.
fn new_external_id(now_ms: i64) -> String {
    format!("xd:{now_ms:011x}{:016x}", rand::thread_rng().next_u64())
}

impl App {
    /// Ingests an NDJSON batch of private messages (`service` only): each line checked alone, the
    /// rest written in one transaction: conversations opened, messages stored once by id, the
    /// auto-replies each new user message earns (recorded as sent by their rule, on the feed),
    /// and the leads found in user messages (contact sealed, one per account and contact).
    pub async fn ingest_messages(&self, ctx: &Ctx, body: &[u8]) -> AppResult<MessageBatchOutcome> {
        ctx.actor.require(&[Role::Service])?;
        if body.len() > MESSAGE_BATCH_BYTES_MAX {
            return Err(AppError::new(
                Code::PayloadTooLarge,
                format!("a message batch is at most {MESSAGE_BATCH_BYTES_MAX} bytes"),
            ));
        }
        let now_ms = self.clock().now_ms();
        let lines =
            ndjson_lines(body, MESSAGE_BATCH_LINES_MAX, Code::CommentBatchTooLarge, "a message batch")?;
        let mut outcome = MessageBatchOutcome { lines: lines.len(), ..MessageBatchOutcome::default() };
        let key = self.secret_key()?.clone();
        let mut rejected = Vec::new();
        let mut valid = Vec::new();
        for (number, bytes) in lines {
            match parse_line(bytes, number, now_ms, &key) {
                Ok(line) => valid.push(line),
                Err(code) => rejected.push(RejectedLine { line: number, code }),
            }
        }
        let mut account_ids: Vec<i64> = valid.iter().map(|l| l.account_id).collect();
        account_ids.sort_unstable();
        account_ids.dedup();
        let calendar = self.calendar();

        let mut tx = self.db().begin().await?;
        let merchants: HashMap<i64, i64> =
            rows::account_merchants(&mut tx, &account_ids).await?.into_iter().collect();
        let (known, unknown): (Vec<_>, Vec<_>) =
            valid.into_iter().partition(|l| merchants.contains_key(&l.account_id));
        rejected.extend(
            unknown.iter().map(|l| RejectedLine { line: l.line, code: MessageLineError::UnknownAccount }),
        );
        outcome.accepted = known.len();
        let mut by_account: HashMap<i64, Vec<ValidLine<'_>>> = HashMap::new();
        for line in known {
            by_account.entry(line.account_id).or_default().push(line);
        }
        let mut events = Vec::new();
        for (account_id, mut lines) in by_account {
            let merchant_id = merchants[&account_id];
            lines.sort_by_key(|l| (l.sent_at_ms, l.line));
            let mut users: Vec<&str> = lines.iter().map(|l| l.user_id.as_ref()).collect();
            users.sort_unstable();
            users.dedup();
            let conversations = rows::open_conversations(
                &mut tx,
                self.db().backend(),
                merchant_id,
                account_id,
                &users,
                now_ms,
            )
            .await?;
            let mut conversations: HashMap<String, ConversationRow> =
                conversations.into_iter().map(|c| (c.user_id.clone(), c)).collect();
            let new_messages: Vec<NewMessage<'_>> = lines
                .iter()
                .filter_map(|l| {
                    let conversation = conversations.get(l.user_id.as_ref())?;
                    Some(NewMessage {
                        merchant_id,
                        account_id,
                        conversation_id: conversation.id,
                        external_id: &l.message_id,
                        sender: l.sender.as_str(),
                        automatic: l.automatic,
                        sent_by: None,
                        rule_id: None,
                        text: &l.text,
                        image_ref: l.image.as_deref(),
                        created_at_ms: l.sent_at_ms,
                    })
                })
                .collect();
            let mut inserted: HashMap<String, i64> =
                rows::insert_messages(&mut tx, self.db().backend(), &new_messages, now_ms)
                    .await?
                    .into_iter()
                    .collect();
            outcome.duplicates += lines.len() - inserted.len();
            drop(new_messages);
            let rule_rows = rows::rules(&mut tx, account_id).await?;
            let rules = RuleSet::new(rule_rows.iter().map(auto_rule).collect());
            let mut replies: Vec<PlannedReply<'_>> = Vec::new();
            let mut leads = Vec::new();
            let mut changed: HashSet<&str> = HashSet::new();
            for line in &lines {
                // Only the first copy of an id in the batch is the stored one.
                let Some(_) = inserted.remove(line.message_id.as_ref()) else { continue };
                let Some(conversation) = conversations.get_mut(line.user_id.as_ref()) else { continue };
                changed.insert(line.user_id.as_ref());
                let mut memory = ConversationMemory {
                    messages: conversation.messages,
                    away_until_ms: conversation.away_until_ms,
                };
                let incoming =
                    Incoming { sender: line.sender, automatic: line.automatic, text: &line.match_text };
                for reply in plan_auto_replies(&rules, &calendar, &mut memory, incoming, now_ms) {
                    replies.push(PlannedReply {
                        conversation_id: conversation.id,
                        user_id: &line.user_id,
                        text: reply.text,
                        rule_id: reply.rule.id,
                        answers: &line.message_id,
                    });
                }
                conversation.messages = memory.messages;
                conversation.away_until_ms = memory.away_until_ms;
                if line.sent_at_ms >= conversation.last_message_at_ms || conversation.last_text.is_empty() {
                    conversation.last_message_at_ms = conversation.last_message_at_ms.max(line.sent_at_ms);
                    conversation.last_text = line.text.chars().take(100).collect();
                }
                match line.sender {
                    Sender::User if !line.automatic => {
                        conversation.unread += 1;
                        conversation.awaiting_since_ms.get_or_insert(line.sent_at_ms);
                        if conversation.status == ConversationStatus::Closed {
                            conversation.status = ConversationStatus::Open;
                            conversation.closed_at_ms = None;
                        }
                        for contact in &line.contacts {
                            leads.push(NewLead {
                                merchant_id,
                                account_id,
                                source_channel: Channel::Message.as_str(),
                                conversation_id: Some(conversation.id),
                                comment_id: None,
                                source_external_id: line.message_id.to_string(),
                                user_id: line.user_id.to_string(),
                                contact_kind: contact.kind,
                                contact_sealed: contact.sealed.clone(),
                                contact_masked: contact.masked.clone(),
                                contact_hash: contact.hash.clone(),
                                consent: if line.lead_card {
                                    Consent::LeadCard.as_str()
                                } else {
                                    Consent::LeftInMessage.as_str()
                                },
                            });
                        }
                    }
                    Sender::User => {}
                    Sender::Account if !line.automatic => {
                        // The account's staff answered on the platform.
                        if let Some(since) = conversation.awaiting_since_ms.take() {
                            rows::mark_answered(&mut tx, conversation.id, since, line.sent_at_ms).await?;
                        }
                    }
                    Sender::Account => {}
                }
            }
            let reply_ids: Vec<String> = replies.iter().map(|_| new_external_id(now_ms)).collect();
            let auto_messages: Vec<NewMessage<'_>> = replies
                .iter()
                .zip(&reply_ids)
                .map(|(reply, external_id)| NewMessage {
                    merchant_id,
                    account_id,
                    conversation_id: reply.conversation_id,
                    external_id,
                    sender: Sender::Account.as_str(),
                    automatic: true,
                    sent_by: Some("rule"),
                    rule_id: Some(reply.rule_id),
                    text: &reply.text,
                    image_ref: None,
                    created_at_ms: now_ms,
                })
                .collect();
            rows::insert_own_messages(&mut tx, &auto_messages, now_ms).await?;
            for (reply, external_id) in replies.iter().zip(&reply_ids) {
                if let Some(conversation) = conversations.get_mut(reply.user_id) {
                    conversation.messages += 1;
                    conversation.last_message_at_ms = conversation.last_message_at_ms.max(now_ms);
                    conversation.last_text = reply.text.chars().take(100).collect();
                }
                let event = AutoReplyEvent {
                    message_id: external_id,
                    account_id,
                    user_id: reply.user_id,
                    conversation_id: reply.conversation_id,
                    in_reply_to: reply.answers,
                    text: &reply.text,
                    automatic: true,
                    rule_id: reply.rule_id,
                };
                events
                    .push((merchant_id, serde_json::to_string(&event).map_err(|e| AppError::internal(&e))?));
            }
            outcome.auto_replies += replies.len();
            let to_save: Vec<ConversationRow> =
                conversations.into_values().filter(|c| changed.contains(c.user_id.as_str())).collect();
            rows::save_conversations(&mut tx, &to_save).await?;
            outcome.leads += rows::insert_leads(&mut tx, &leads, now_ms).await? as usize;
        }
        outcome.rejected_count = rejected.len();
        rejected.sort_by_key(|r| r.line);
        rejected.truncate(domain::limits::COMMENT_REJECTIONS_LISTED_MAX);
        outcome.rejected = rejected;
        if outcome.lines > 0 {
            let detail = format!(
                "lines={} accepted={} duplicates={} auto_replies={} leads={} rejected={}",
                outcome.lines,
                outcome.accepted,
                outcome.duplicates,
                outcome.auto_replies,
                outcome.leads,
                outcome.rejected_count
            );
            self.audit_for(&mut tx, ctx, "messages.ingest", "messages:batch", &detail, None).await?;
        }
        self.emit_many(&mut tx, EventType::MessageReplyCreated, events).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// A conversation the actor may see (its merchant's members, platform roles).
    pub async fn dm_conversation(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(ConversationRow, Vec<MessageRow>)> {
        let mut conn = self.db().read().await?;
        let conversation = rows::find_conversation(&mut conn, id)
            .await?
            .filter(|c| match actor.role {
                Role::Merchant => actor.merchant_id == Some(c.merchant_id),
                Role::Admin | Role::Reviewer | Role::Service => true,
            })
            .ok_or_else(|| AppError::not_found("conversation"))?;
        let mut messages = rows::conversation_messages(&mut conn, id, 200).await?;
        let mut conversation = conversation;
        if !sees_contacts(actor) {
            mask_conversation(&mut conversation);
            for message in &mut messages {
                message.text = mask_contacts(&message.text);
            }
        }
        Ok((conversation, messages))
    }

    /// The internal notes of a conversation the actor may see, oldest first.
    pub async fn conversation_notes(&self, actor: &Actor, id: i64) -> AppResult<Vec<rows::NoteRow>> {
        let (conversation, _) = self.dm_conversation(actor, id).await?;
        let mut conn = self.db().read().await?;
        Ok(rows::notes(&mut conn, conversation.id).await?)
    }

    /// Who a conversation may be assigned to: the merchant's active members who answer (`reply`).
    pub async fn inbox_assignees(&self, actor: &Actor) -> AppResult<Vec<String>> {
        let merchant_id = actor.require_team(REPLY_RIGHTS)?;
        let mut conn = self.db().read().await?;
        let members = store::team::members(&mut conn, merchant_id, domain::limits::TEAM_MEMBERS_MAX).await?;
        Ok(members
            .into_iter()
            .filter(|m| {
                m.team_role
                    .as_deref()
                    .and_then(domain::team::TeamRole::parse)
                    .is_some_and(|role| role.holds(TeamRight::Reply))
            })
            .map(|m| m.username)
            .collect())
    }

    /// An account's conversations, newest message first (`unanswered`: awaiting a member).
    pub async fn dm_conversations(
        &self,
        actor: &Actor,
        account_id: i64,
        unanswered: bool,
        assigned_to_me: bool,
    ) -> AppResult<Vec<ConversationRow>> {
        let account = self.enterprise_account(actor, account_id).await?;
        let filter = rows::ConversationFilter {
            account_id: account.id,
            unanswered,
            assigned_to: assigned_to_me.then_some(actor.username.as_str()),
            pattern: None,
            status: None,
        };
        let mut conn = self.db().read().await?;
        let mut conversations = rows::list_conversations(&mut conn, filter, None, 100).await?;
        if !sees_contacts(actor) {
            conversations.iter_mut().for_each(mask_conversation);
        }
        Ok(conversations)
    }

    async fn conversation_to_change(
        &self,
        tx: &mut store::WriteTx,
        actor: &Actor,
        id: i64,
    ) -> AppResult<ConversationRow> {
        let merchant_id = actor.require_team(REPLY_RIGHTS)?;
        rows::lock_conversation(tx, self.db().backend(), id)
            .await?
            .filter(|c| c.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("conversation"))
    }

    /// A member answers a conversation: the reply is stored as the account's, answers the awaiting
    /// user message, clears the unread count and goes to the platform (`message.reply_created`).
    pub async fn reply_to_conversation(&self, ctx: &Ctx, id: i64, text: &str) -> AppResult<MessageRow> {
        ctx.actor.require_team(REPLY_RIGHTS)?;
        let text = text.trim();
        if text.is_empty()
            || text.chars().count() > DM_TEXT_LENGTH_MAX
            || text.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(AppError::invalid("text", "1-1000 characters"));
        }
        let mut tx = self.db().begin().await?;
        let mut conversation = self.conversation_to_change(&mut tx, &ctx.actor, id).await?;
        let now_ms = self.clock().now_ms();
        let external_id = new_external_id(now_ms);
        let message = NewMessage {
            merchant_id: conversation.merchant_id,
            account_id: conversation.account_id,
            conversation_id: conversation.id,
            external_id: &external_id,
            sender: Sender::Account.as_str(),
            automatic: false,
            sent_by: Some(&ctx.actor.username),
            rule_id: None,
            text,
            image_ref: None,
            created_at_ms: now_ms,
        };
        let inserted = rows::insert_messages(&mut tx, self.db().backend(), &[message], now_ms).await?;
        let message_id =
            inserted.first().map(|(_, id)| *id).ok_or_else(|| AppError::internal(&"reply id clash"))?;
        if let Some(since) = conversation.awaiting_since_ms.take() {
            rows::mark_answered(&mut tx, conversation.id, since, now_ms).await?;
        }
        conversation.messages += 1;
        conversation.unread = 0;
        conversation.last_message_at_ms = conversation.last_message_at_ms.max(now_ms);
        conversation.last_text = text.chars().take(100).collect();
        rows::save_conversations(&mut tx, std::slice::from_ref(&conversation)).await?;
        let subject = format!("conversation:{}", conversation.id);
        let detail = format!("message={message_id}");
        self.audit_for(&mut tx, ctx, "message.reply", &subject, &detail, Some(conversation.merchant_id))
            .await?;
        let data = serde_json::json!({
            "message_id": external_id,
            "account_id": conversation.account_id,
            "user_id": conversation.user_id,
            "conversation_id": conversation.id,
            "text": text,
            "automatic": false,
        });
        self.emit(&mut tx, conversation.merchant_id, EventType::MessageReplyCreated, data).await?;
        let message = rows::find_message(&mut tx, message_id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("message {message_id} vanished")))?;
        tx.commit().await?;
        Ok(message)
    }

    /// Assigns a conversation to an active member (none: unassigned), closes or reopens it, or
    /// adds an internal note; each audited.
    pub async fn change_conversation(
        &self,
        ctx: &Ctx,
        id: i64,
        change: ConversationChange,
    ) -> AppResult<ConversationRow> {
        if let ConversationChange::Assign(Some(who)) = &change {
            let assignees = self.inbox_assignees(&ctx.actor).await?;
            if !assignees.iter().any(|name| name == who) {
                return Err(AppError::invalid("assign_to", "an active member who answers messages"));
            }
        }
        let mut tx = self.db().begin().await?;
        let conversation = self.conversation_to_change(&mut tx, &ctx.actor, id).await?;
        let now_ms = self.clock().now_ms();
        let (action, detail) = match &change {
            ConversationChange::Assign(who) => {
                rows::set_assigned(&mut tx, id, who.as_deref()).await?;
                ("conversation.assign", who.clone().unwrap_or_default())
            }
            ConversationChange::Close => {
                rows::set_status(&mut tx, id, ConversationStatus::Closed.as_str(), Some(now_ms)).await?;
                ("conversation.close", String::new())
            }
            ConversationChange::Reopen => {
                rows::set_status(&mut tx, id, ConversationStatus::Open.as_str(), None).await?;
                ("conversation.reopen", String::new())
            }
            ConversationChange::Read => {
                rows::mark_read(&mut tx, id).await?;
                ("conversation.read", String::new())
            }
            ConversationChange::Note(text) => {
                let text = text.trim();
                if text.is_empty() || text.chars().count() > domain::limits::DM_NOTE_LENGTH_MAX {
                    return Err(AppError::invalid("text", "1-1000 characters"));
                }
                let note =
                    rows::add_note(&mut tx, conversation.merchant_id, id, &ctx.actor.username, text, now_ms)
                        .await?;
                ("conversation.note", format!("note={note}"))
            }
        };
        let subject = format!("conversation:{id}");
        self.audit_for(&mut tx, ctx, action, &subject, &detail, Some(conversation.merchant_id)).await?;
        let conversation = rows::find_conversation(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("conversation {id} vanished")))?;
        tx.commit().await?;
        Ok(conversation)
    }

    /// An account's auto-reply rules, by priority.
    pub async fn auto_reply_rules(&self, actor: &Actor, account_id: i64) -> AppResult<Vec<RuleRow>> {
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        Ok(rows::rules(&mut conn, account.id).await?)
    }

    /// One auto-reply rule the actor may see (its merchant's members, platform roles).
    pub async fn auto_reply_rule(&self, actor: &Actor, id: i64) -> AppResult<RuleRow> {
        let mut conn = self.db().read().await?;
        rows::rule(&mut conn, id)
            .await?
            .filter(|rule| match actor.role {
                Role::Merchant => actor.merchant_id == Some(rule.merchant_id),
                Role::Admin | Role::Reviewer | Role::Service => true,
            })
            .ok_or_else(|| AppError::not_found("auto-reply rule"))
    }

    /// Creates an auto-reply rule (audited). A second welcome or away rule is a conflict.
    pub async fn create_auto_reply_rule(
        &self,
        ctx: &Ctx,
        account_id: i64,
        input: &RuleInput,
    ) -> AppResult<RuleRow> {
        let merchant_id = ctx.actor.require_team(REPLY_RIGHTS)?;
        let rule = parse_rule(input)?;
        let account = self.enterprise_account(&ctx.actor, account_id).await?;
        if account.merchant_id != merchant_id {
            return Err(AppError::not_found("enterprise account"));
        }
        let mut tx = self.db().begin().await?;
        if rows::rule_count(&mut tx, account.id).await? >= RULES_PER_ACCOUNT_MAX {
            return Err(AppError::invalid("kind", "at most 100 rules an account"));
        }
        let now_ms = self.clock().now_ms();
        let id = match rows::insert_rule(&mut tx, merchant_id, account.id, &rule.fields(), now_ms).await {
            Ok(id) => id,
            Err(store::StoreError::Conflict) => {
                return Err(AppError::new(
                    Code::StatusConflict,
                    format!("the account has a {} rule already", rule.kind.as_str()),
                ));
            }
            Err(error) => return Err(error.into()),
        };
        self.audit_rule(&mut tx, ctx, "auto_reply.create", id, &rule, merchant_id).await?;
        let row = self.reload_rule(&mut tx, id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Replaces an auto-reply rule's fields (its kind stays; audited).
    pub async fn update_auto_reply_rule(&self, ctx: &Ctx, id: i64, input: &RuleInput) -> AppResult<RuleRow> {
        let merchant_id = ctx.actor.require_team(REPLY_RIGHTS)?;
        let rule = parse_rule(input)?;
        let mut tx = self.db().begin().await?;
        let current = rows::find_rule(&mut tx, self.db().backend(), id)
            .await?
            .filter(|r| r.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("auto-reply rule"))?;
        if current.kind != rule.kind.as_str() {
            return Err(AppError::invalid("kind", "a rule keeps its kind"));
        }
        rows::update_rule(&mut tx, id, &rule.fields(), self.clock().now_ms()).await?;
        self.audit_rule(&mut tx, ctx, "auto_reply.update", id, &rule, merchant_id).await?;
        let row = self.reload_rule(&mut tx, id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Turns an auto-reply rule on or off, its other fields as they are (audited).
    pub async fn set_auto_reply_rule_enabled(&self, ctx: &Ctx, id: i64, enabled: bool) -> AppResult<RuleRow> {
        let merchant_id = ctx.actor.require_team(REPLY_RIGHTS)?;
        let mut conn = self.db().read().await?;
        let row = rows::rule(&mut conn, id)
            .await?
            .filter(|r| r.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("auto-reply rule"))?;
        drop(conn);
        let input = RuleInput { enabled: Some(enabled), ..rule_input(&row) };
        self.update_auto_reply_rule(ctx, id, &input).await
    }

    async fn audit_rule(
        &self,
        tx: &mut store::WriteTx,
        ctx: &Ctx,
        action: &str,
        id: i64,
        rule: &ParsedRule,
        merchant_id: i64,
    ) -> AppResult<()> {
        let detail = format!(
            "kind={} priority={} enabled={} keywords={}",
            rule.kind.as_str(),
            rule.priority,
            rule.enabled,
            rule.keywords.replace('\n', ",")
        );
        let subject = format!("auto_reply_rule:{id}");
        self.audit_for(tx, ctx, action, &subject, &detail, Some(merchant_id)).await
    }

    async fn reload_rule(&self, tx: &mut store::WriteTx, id: i64) -> AppResult<RuleRow> {
        rows::find_rule(tx, self.db().backend(), id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("rule {id} vanished")))
    }

    /// Deletes an auto-reply rule (audited).
    pub async fn delete_auto_reply_rule(&self, ctx: &Ctx, id: i64) -> AppResult<()> {
        let merchant_id = ctx.actor.require_team(REPLY_RIGHTS)?;
        let mut tx = self.db().begin().await?;
        let rule = rows::find_rule(&mut tx, self.db().backend(), id)
            .await?
            .filter(|r| r.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("auto-reply rule"))?;
        rows::delete_rule(&mut tx, id, self.clock().now_ms()).await?;
        self.audit_for(
            &mut tx,
            ctx,
            "auto_reply.delete",
            &format!("auto_reply_rule:{id}"),
            &rule.name,
            Some(merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Test mode: which rule would answer `text` on `channel` now (nothing is sent or stored).
    pub async fn test_auto_reply(
        &self,
        actor: &Actor,
        account_id: i64,
        channel: &str,
        text: &str,
    ) -> AppResult<Option<RuleRow>> {
        let channel =
            Channel::parse(channel).ok_or_else(|| AppError::invalid("channel", "comment or message"))?;
        let rows_ = self.auto_reply_rules(actor, account_id).await?;
        let rules = RuleSet::new(rows_.iter().map(auto_rule).collect());
        let now_ms = self.clock().now_ms();
        let id = rules.keyword_rule(channel, &MatchText::of(text), now_ms).map(|r| r.id);
        Ok(id.and_then(|id| rows_.into_iter().find(|r| r.id == id)))
    }

    /// An account's leads, newest first, filtered by status, source and owner; the contact in
    /// clear only for members with the right to contact (`contact_leads`), masked for the others.
    pub async fn leads(&self, actor: &Actor, account_id: i64, query: &LeadQuery) -> AppResult<Vec<LeadView>> {
        if actor.role == Role::Merchant {
            actor.require_team(REPLY_RIGHTS)?;
        }
        let nonempty =
            |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let status = nonempty(&query.status)
            .map(|s| {
                LeadStatus::parse(&s)
                    .map(LeadStatus::as_str)
                    .ok_or_else(|| AppError::invalid("status", "new, contacted, converted or invalid"))
            })
            .transpose()?;
        let source = nonempty(&query.source)
            .map(|s| {
                Channel::parse(&s)
                    .map(Channel::as_str)
                    .ok_or_else(|| AppError::invalid("source", "comment or message"))
            })
            .transpose()?;
        let owner = nonempty(&query.owner);
        let account = self.enterprise_account(actor, account_id).await?;
        let filter = rows::LeadFilter {
            account_id: account.id,
            status,
            owner: owner.as_deref(),
            source_channel: source,
            since_ms: None,
        };
        let mut conn = self.db().read().await?;
        let leads = rows::list_leads(&mut conn, filter, None, domain::limits::LEAD_EXPORT_ROWS_MAX).await?;
        drop(conn);
        let clear = sees_contacts(actor);
        let key = self.secret_key()?;
        Ok(leads
            .into_iter()
            .map(|lead| {
                let opened = clear.then(|| key.open(LEAD_CONTEXT, &lead.contact_sealed)).flatten();
                let masked = opened.is_none();
                let contact = opened.unwrap_or_else(|| lead.contact_masked.clone());
                LeadView { lead, contact, masked }
            })
            .collect())
    }

    /// The leads of `leads` as a CSV file for people: words in its cells, bilingual headers, the
    /// contact masked exactly as the caller sees it on the page.
    pub async fn leads_csv(&self, actor: &Actor, account_id: i64, query: &LeadQuery) -> AppResult<String> {
        let leads = self.leads(actor, account_id, query).await?;
        let mut csv = String::from(
            "\u{feff}时间 Time,来源 Source,用户 User,联系方式类型 Contact kind,联系方式 Contact,授权 Consent,状态 Status,负责人 Owner,备注 Note\n",
        );
        let word = |text: &str, parse: fn(&str) -> Option<&'static str>| parse(text).unwrap_or("").to_owned();
        for view in &leads {
            let lead = &view.lead;
            let at = chrono::DateTime::from_timestamp_millis(lead.created_at_ms)
                .map(|t| t.with_timezone(&crate::clock::china_offset()).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let cells = [
                at,
                word(&lead.source_channel, |t| Channel::parse(t).map(Channel::name_zh)),
                lead.user_id.clone(),
                word(&lead.contact_kind, |t| ContactKind::parse(t).map(ContactKind::name_zh)),
                view.contact.clone(),
                word(&lead.consent, |t| Consent::parse(t).map(Consent::name_zh)),
                lead.status.name_zh().to_owned(),
                lead.owner.clone().unwrap_or_default(),
                lead.note.clone(),
            ];
            let line: Vec<String> = cells.iter().map(|c| crate::shops::csv_field(c)).collect();
            csv.push_str(&line.join(","));
            csv.push('\n');
        }
        Ok(csv)
    }

    /// Lead counts and conversion of an account by source (comment, message), for its analytics.
    pub async fn lead_summary(&self, actor: &Actor, account_id: i64) -> AppResult<Vec<LeadSource>> {
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        let counts = rows::lead_counts(&mut conn, account.id).await?;
        drop(conn);
        Ok(Channel::ALL
            .iter()
            .map(|channel| {
                let of = |status: Option<LeadStatus>| -> i64 {
                    counts
                        .iter()
                        .filter(|(source, s, _)| {
                            source == channel.as_str() && status.is_none_or(|wanted| s == wanted.as_str())
                        })
                        .map(|(_, _, n)| n)
                        .sum()
                };
                LeadSource { source: *channel, leads: of(None), converted: of(Some(LeadStatus::Converted)) }
            })
            .collect())
    }

    /// Moves a lead (status by `LeadStatus::can_become`, owner, note); audited.
    pub async fn update_lead(
        &self,
        ctx: &Ctx,
        id: i64,
        status: Option<&str>,
        owner: Option<&str>,
        note: Option<&str>,
    ) -> AppResult<LeadRow> {
        let merchant_id = ctx.actor.require_team(REPLY_RIGHTS)?;
        if let Some(who) = owner.filter(|who| !who.is_empty())
            && !self.inbox_assignees(&ctx.actor).await?.iter().any(|name| name == who)
        {
            return Err(AppError::invalid("owner", "an active member who answers messages"));
        }
        let mut tx = self.db().begin().await?;
        let lead = rows::find_lead(&mut tx, self.db().backend(), id)
            .await?
            .filter(|l| l.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("lead"))?;
        let current = lead.status;
        let next = match status {
            None => current,
            Some(text) => LeadStatus::parse(text)
                .ok_or_else(|| AppError::invalid("status", "new, contacted, converted or invalid"))?,
        };
        if next != current && !current.can_become(next) {
            return Err(AppError::new(
                Code::StatusConflict,
                format!("a {} lead cannot become {}", current.as_str(), next.as_str()),
            ));
        }
        let note = note.map(str::trim).unwrap_or(&lead.note).to_owned();
        if note.chars().count() > domain::limits::DM_NOTE_LENGTH_MAX {
            return Err(AppError::invalid("note", "at most 1000 characters"));
        }
        let owner = match owner {
            Some("") => None,
            Some(who) => Some(who.to_owned()),
            None => lead.owner.clone(),
        };
        let now_ms = self.clock().now_ms();
        rows::update_lead(&mut tx, id, next.as_str(), owner.as_deref(), &note, now_ms).await?;
        let detail = format!("status={} owner={}", next.as_str(), owner.as_deref().unwrap_or(""));
        self.audit_for(&mut tx, ctx, "lead.update", &format!("lead:{id}"), &detail, Some(merchant_id))
            .await?;
        let lead = rows::find_lead(&mut tx, self.db().backend(), id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("lead {id} vanished")))?;
        tx.commit().await?;
        Ok(lead)
    }
}

/// What the auto-replies and lead capture did with a comment batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommentAnswers {
    pub auto_replies: usize,
    pub leads: usize,
}

impl App {
    /// The public auto-replies and leads of an account's platform comments just ingested: a
    /// comment matching a keyword rule on the comment channel is answered publicly by the rule,
    /// at most once per user, video and China day (a replayed batch finds the day taken); a
    /// contact left in a comment becomes a lead. Auto-replies are the account's comments, so they
    /// are never answered themselves; they do not count as the account's answer either.
    pub(crate) async fn answer_new_comments(
        &self,
        tx: &mut store::WriteTx,
        group: &[store::comments::NewComment<'_>],
        now_ms: i64,
    ) -> AppResult<CommentAnswers> {
        let mut answers = CommentAnswers::default();
        let Some(first) = group.first() else { return Ok(answers) };
        let (merchant_id, account_id) = (first.merchant_id, first.account_id);
        let rule_rows = rows::rules(tx, account_id).await?;
        let rules = RuleSet::new(rule_rows.iter().map(auto_rule).collect());
        let day = domain::private_messages::china_date(now_ms).to_string();
        let mut leads = Vec::new();
        for comment in group {
            let rule = rules.keyword_rule(Channel::Comment, &MatchText::of(comment.text), now_ms);
            let contacts = extract_contacts(comment.text);
            if rule.is_none() && contacts.is_empty() {
                continue;
            }
            let Some(stored) = store::comments::find_by_external_id(tx, comment.external_id).await? else {
                continue;
            };
            if stored.by_account != 0 || stored.account_id != account_id {
                continue;
            }
            if !contacts.is_empty() {
                let key = self.secret_key()?;
                leads.extend(contacts.iter().map(|contact| NewLead {
                    merchant_id,
                    account_id,
                    source_channel: Channel::Comment.as_str(),
                    conversation_id: None,
                    comment_id: Some(stored.id),
                    source_external_id: stored.external_id.clone(),
                    user_id: stored.author_id.clone(),
                    contact_kind: contact.kind().as_str(),
                    contact_sealed: key.seal(LEAD_CONTEXT, contact.value()),
                    contact_masked: contact.masked(),
                    contact_hash: key.blind_index(LEAD_CONTEXT, &contact.key()),
                    consent: Consent::LeftInMessage.as_str(),
                }));
            }
            let Some(rule) = rule else { continue };
            if !rows::claim_comment_auto_reply(
                tx,
                merchant_id,
                stored.video_id,
                &stored.author_id,
                &day,
                stored.id,
                rule.id,
            )
            .await?
            {
                continue;
            }
            self.post_comment_auto_reply(tx, &stored, rule, now_ms).await?;
            answers.auto_replies += 1;
        }
        answers.leads = rows::insert_leads(tx, &leads, now_ms).await? as usize;
        Ok(answers)
    }

    async fn post_comment_auto_reply(
        &self,
        tx: &mut store::WriteTx,
        parent: &store::comments::CommentRow,
        rule: &AutoRule,
        now_ms: i64,
    ) -> AppResult<()> {
        let external_id = new_external_id(now_ms);
        let author_id = format!("account:{}", parent.account_id);
        let replied_by = format!("rule:{}", rule.id);
        let reply = store::comments::NewReply {
            merchant_id: parent.merchant_id,
            account_id: parent.account_id,
            video_id: parent.video_id,
            external_id: &external_id,
            parent_external_id: &parent.external_id,
            author_id: &author_id,
            replied_by: &replied_by,
            text: &rule.reply,
            now_ms,
        };
        store::comments::insert_reply(tx, &reply).await?;
        store::comments::add_to_counters(tx, parent.account_id, parent.merchant_id, 1, 0, now_ms).await?;
        let data = serde_json::json!({
            "comment_id": external_id,
            "parent_comment_id": parent.external_id,
            "video_id": parent.video_id,
            "account_id": parent.account_id,
            "text": rule.reply,
            "automatic": true,
            "rule_id": rule.id,
        });
        self.emit(tx, parent.merchant_id, EventType::CommentReplyCreated, data).await?;
        Ok(())
    }
}

/// What `change_conversation` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationChange {
    Assign(Option<String>),
    Close,
    Reopen,
    Read,
    Note(String),
}

/// The masked form of a stored contact (for callers that hold only its kind and value).
pub fn masked_contact(value: &str, kind: &str) -> String {
    let kind = domain::private_messages::ContactKind::parse(kind)
        .unwrap_or(domain::private_messages::ContactKind::Phone);
    mask(value, kind)
}
