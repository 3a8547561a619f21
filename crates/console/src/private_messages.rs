//! The one inbox of an enterprise account (its comments and private messages together, with the
//! first-response figures of both channels in working hours and a quick reply to a comment), and
//! one private conversation: the messages (auto-replies marked with their rule), the reply box,
//! assignment to a member, internal notes, close and reopen. Every form calls the same `app` use
//! case as the API and comes back to its page (post/redirect/get, a failure too).

use std::collections::HashMap;

use app::inbox::{Inbox, InboxItem, InboxQuery, InboxStats};
use app::private_messages::{ConversationChange, ConversationRow, MessageRow, NoteRow};
use app::verification::AccountRow;
use app::{Actor, AppResult};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::limits::{COMMENT_LENGTH_MAX, DM_NOTE_LENGTH_MAX, DM_TEXT_LENGTH_MAX};
use domain::private_messages::ConversationStatus;
use domain::team::TeamRight;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    at, empty, error_page, failed_note, failed_redirect, is_refusal, name, notice_of, number, parse_id,
    refusal, render, stat, url_escape,
};
use crate::pages::{form_viewer, not_found_page};
use crate::session::{lang, viewer};

/// The keyboard script of the inbox and of a conversation (`inbox.js`).
pub const SCRIPT_PATH: &str = "/console/static/inbox.js";
const SCRIPT: &str = include_str!("inbox.js");

/// Serves `inbox.js`.
pub async fn script() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

/// Items on one page of the inbox.
const PAGE_SIZE: u32 = 30;
/// Notices a redirect may ask these pages to show.
const NOTICES: [&str; 6] = [
    "message_sent",
    "conversation_assigned",
    "conversation_closed",
    "conversation_reopened",
    "note_added",
    "comment_replied",
];

/// The account a page is about: the one asked for, else the first of the viewer's accounts; with
/// every account of the viewer for the switcher. `None` when the viewer has no account yet.
pub(crate) async fn chosen_account(
    state: &ConsoleState,
    actor: &Actor,
    asked: Option<&str>,
) -> AppResult<Option<(AccountRow, Vec<AccountRow>)>> {
    let accounts = state.app.enterprise_accounts(actor).await?;
    let chosen = match asked.and_then(parse_id) {
        Some(id) => Some(state.app.enterprise_account(actor, id).await?),
        None => accounts.first().cloned(),
    };
    Ok(chosen.map(|account| (account, accounts)))
}

/// The account switcher of a page that shows one account (only with more than one).
pub(crate) fn account_switcher(
    lang: Lang,
    here: &str,
    chosen: &AccountRow,
    accounts: &[AccountRow],
) -> Markup {
    html! {
        @if accounts.len() > 1 {
            form.account-switcher method="get" action=(here) {
                label for="account-switch" { (t(lang, "enterprise_account")) }
                select #account-switch name="account" {
                    @for account in accounts {
                        option value=(account.id) selected[account.id == chosen.id] { (account.nickname) }
                    }
                }
                " " button.small type="submit" { (t(lang, "switch")) }
            }
        }
    }
}

/// The page a viewer without an enterprise account sees.
pub(crate) fn no_account(lang: Lang) -> Markup {
    html! {
        div.card {
            (empty(t(lang, "no_account_yet")))
            p { a.button.primary href="/console/enterprise-accounts" { (t(lang, "create_account")) } }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InboxParams {
    account: Option<String>,
    channel: Option<String>,
    status: Option<String>,
    sentiment: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    notice: Option<String>,
    failed: Option<String>,
    field: Option<String>,
}

impl InboxParams {
    /// The page with its filters (no cursor, notice or failure), to come back to after a form.
    fn address(&self, account_id: i64) -> String {
        let mut parts = vec![format!("account={account_id}")];
        for (key, value) in [
            ("channel", &self.channel),
            ("status", &self.status),
            ("sentiment", &self.sentiment),
            ("q", &self.q),
        ] {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                parts.push(format!("{key}={}", url_escape(value)));
            }
        }
        format!("/console/inbox?{}", parts.join("&"))
    }
}

/// Working milliseconds as minutes and hours, "–" without answers.
fn duration(lang: Lang, ms: Option<i64>) -> String {
    ms.map_or_else(|| "–".to_owned(), |ms| crate::kit::format::duration_minutes(lang, ms as f64 / 60_000.0))
}

/// A per-mille share as a percentage with one decimal, "–" without answers.
pub(crate) fn share(permille: Option<i64>) -> String {
    permille.map_or_else(|| "–".to_owned(), |p| format!("{}.{}%", p / 10, p % 10))
}

pub async fn inbox(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(params): Query<InboxParams>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let actor = &viewer.ctx.actor;
    let here = "/console/inbox";
    let loaded: AppResult<_> = async {
        let Some((account, accounts)) = chosen_account(&state, actor, params.account.as_deref()).await?
        else {
            return Ok(None);
        };
        let query = InboxQuery {
            channel: params.channel.clone(),
            status: params.status.clone(),
            sentiment: params.sentiment.clone(),
            q: params.q.clone(),
            limit: Some(PAGE_SIZE),
            cursor: params.cursor.clone(),
        };
        let inbox = state.app.inbox(actor, account.id, &query).await?;
        let stats = state.app.inbox_stats(actor, account.id, None).await?;
        let videos = video_titles(&state, actor, &inbox).await;
        Ok(Some((account, accounts, inbox, stats, videos)))
    }
    .await;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "inbox", here, &error),
    };
    let lang_now = lang(&jar);
    let note = notice_of(lang_now, params.notice.as_deref(), &NOTICES)
        .or_else(|| failed_note(lang_now, params.failed.as_deref(), params.field.as_deref()));
    let may_reply = actor.may(TeamRight::Reply);
    let title = t(lang_now, "inbox");
    render(jar, &viewer, title, here, |lang, csrf| {
        let Some((account, accounts, inbox, stats, videos)) = &loaded else { return no_account(lang) };
        let back = params.address(account.id);
        html! {
            @if let Some(note) = &note { (note) }
            div.card {
                h1 { (t(lang, "inbox")) " · " span data-user { (account.nickname) } }
                (account_switcher(lang, here, account, accounts))
                (stat_tiles(lang, stats))
                p.muted { (t(lang, "first_response_note")) }
                (filter_form(lang, here, account.id, &params))
                p.muted.shortcuts #inbox-shortcuts { (t(lang, "inbox_shortcuts")) }
            }
            div.card {
                @if inbox.items.is_empty() {
                    (empty(t(lang, "inbox_empty")))
                } @else {
                    ul #inbox-items .inbox-list {
                        @for item in &inbox.items { (item_view(lang, csrf, item, videos, may_reply, &back)) }
                    }
                }
                @if let Some(next) = &inbox.next_cursor {
                    p { a #next-page href={ (back) "&cursor=" (url_escape(next)) } { (t(lang, "next_page")) " →" } }
                }
            }
            script src=(SCRIPT_PATH) defer {}
        }
    })
}

/// The titles of the videos the comments of a page are on (a video the viewer may not see keeps
/// its number).
async fn video_titles(state: &ConsoleState, actor: &Actor, inbox: &Inbox) -> HashMap<i64, String> {
    let mut titles = HashMap::new();
    for item in &inbox.items {
        if let InboxItem::Comment(comment) = item
            && !titles.contains_key(&comment.video_id)
            && let Ok(video) = state.app.video(actor, comment.video_id).await
        {
            titles.insert(comment.video_id, video.title);
        }
    }
    titles
}

fn stat_tiles(lang: Lang, stats: &InboxStats) -> Markup {
    let all = &stats.all;
    html! {
        div.stats #inbox-stats {
            (stat(t(lang, "comments_awaiting"), &number(stats.comments_awaiting), None, stats.comments_awaiting > 0))
            (stat(t(lang, "conversations_awaiting"), &number(stats.conversations_awaiting), None, stats.conversations_awaiting > 0))
            (stat(t(lang, "first_response_median"), &duration(lang, all.median_ms), None, false))
            (stat(t(lang, "first_response_p90"), &duration(lang, all.p90_ms), None, false))
            (stat(t(lang, "answered_within_3_minutes"), &share(all.fast_share_permille()), None, false))
            (stat(t(lang, "answered_within_12_hours"), &share(all.half_day_share_permille()), None, false))
        }
        p.muted #channel-stats {
            (t(lang, "channel_comment")) ": " (t(lang, "median")) " " (duration(lang, stats.comments.median_ms))
            " · " (t(lang, "answered_within_3_minutes")) " " (share(stats.comments.fast_share_permille()))
            " · " (t(lang, "channel_message")) ": " (t(lang, "median")) " " (duration(lang, stats.messages.median_ms))
            " · " (t(lang, "answered_within_3_minutes")) " " (share(stats.messages.fast_share_permille()))
        }
    }
}

fn filter_form(lang: Lang, here: &str, account_id: i64, params: &InboxParams) -> Markup {
    let selected = |value: &Option<String>, option: &str| value.as_deref().unwrap_or("") == option;
    html! {
        form #inbox-filter .filters method="get" action=(here) {
            input type="hidden" name="account" value=(account_id);
            label.radio for="inbox-channel" { (t(lang, "channel")) }
            select #inbox-channel name="channel" {
                option value="" selected[selected(&params.channel, "")] { (t(lang, "channel_all")) }
                @for channel in domain::private_messages::Channel::ALL {
                    option value=(channel.as_str()) selected[selected(&params.channel, channel.as_str())] { (name(lang, "channel", channel.as_str())) }
                }
            }
            " "
            label.radio for="inbox-status" { (t(lang, "show")) }
            select #inbox-status name="status" {
                @for status in ["unanswered", "assigned_to_me", "all"] {
                    option value=(status) selected[selected(&params.status, status) || (status == "unanswered" && selected(&params.status, ""))] {
                        (name(lang, "inbox_status", status))
                    }
                }
            }
            " "
            select #inbox-sentiment name="sentiment" aria-label=(t(lang, "sentiment")) {
                option value="" selected[selected(&params.sentiment, "")] { (t(lang, "sentiment_all")) }
                @for label in domain::sentiment::Label::ALL {
                    option value=(label.as_str()) selected[selected(&params.sentiment, label.as_str())] { (name(lang, "sentiment", label.as_str())) }
                }
            }
            " "
            input type="search" name="q" maxlength="50" aria-label=(t(lang, "keyword")) placeholder=(t(lang, "keyword")) value=(params.q.clone().unwrap_or_default());
            " "
            button.small type="submit" { (t(lang, "filter")) }
        }
    }
}

fn item_view(
    lang: Lang,
    csrf: &str,
    item: &InboxItem,
    videos: &HashMap<i64, String>,
    may_reply: bool,
    back: &str,
) -> Markup {
    match item {
        InboxItem::Comment(c) => html! {
            li.inbox-item data-channel="comment" data-id=(c.id) {
                div.inbox-meta {
                    span.badge.tag-info { (t(lang, "channel_comment")) }
                    " " span data-user { (c.author_id) }
                    " · " span.muted { (at(c.created_at_ms)) }
                    " · " a href={ "/console/videos/" (c.video_id) } {
                        @match videos.get(&c.video_id) {
                            Some(title) => { (t(lang, "on_video")) " " span data-user { (title) } },
                            None => { (t(lang, "video")) " #" (c.video_id) },
                        }
                    }
                    @if let Some(sentiment) = &c.sentiment { " " span.badge.{ "sentiment-" (sentiment) } { (name(lang, "sentiment", sentiment)) } }
                    @if c.awaits_reply() { " " span.badge.tag-warning { (t(lang, "awaiting_reply")) } }
                    @else if c.answered_at_ms.is_some() { " " span.badge.tag-success { (t(lang, "answered")) } }
                }
                p.inbox-text data-user { (c.text) }
                @if may_reply && c.by_account == 0 && c.hidden_at_ms.is_none() {
                    details.quick-reply {
                        summary { (t(lang, "reply")) }
                        form method="post" action={ "/console/comments/" (c.id) "/reply" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="back" value=(back);
                            label for={ "reply-" (c.id) } { (t(lang, "reply_text")) }
                            textarea id={ "reply-" (c.id) } name="text" rows="2" maxlength=(COMMENT_LENGTH_MAX) required {}
                            div { button.primary type="submit" { (t(lang, "send_reply")) } }
                        }
                    }
                }
            }
        },
        InboxItem::Conversation(c) => html! {
            li.inbox-item data-channel="message" data-id=(c.id) {
                div.inbox-meta {
                    span.badge.tag-success { (t(lang, "channel_message")) }
                    " " span data-user { (c.user_id) }
                    " · " span.muted { (at(c.last_message_at_ms)) }
                    @if c.unread > 0 { " " span.badge.tag-danger { (number(c.unread)) " " (t(lang, "unread")) } }
                    @if c.awaiting_since_ms.is_some() { " " span.badge.tag-warning { (t(lang, "awaiting_reply")) } }
                    @if c.status == ConversationStatus::Closed { " " span.badge { (name(lang, "conversation_status", c.status.as_str())) } }
                    @if let Some(who) = &c.assigned_to { " " span.muted { (t(lang, "assigned_to")) " " (who) } }
                }
                p.inbox-text data-user { (c.last_text) }
                a.button.small href={ "/console/private-conversations/" (c.id) } { (t(lang, "open_conversation")) }
            }
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConversationParams {
    notice: Option<String>,
    failed: Option<String>,
    field: Option<String>,
}

pub async fn conversation_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<ConversationParams>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let here = format!("/console/private-conversations/{id}");
    let actor = &viewer.ctx.actor;
    let may_reply = actor.may(TeamRight::Reply);
    let loaded: AppResult<_> = async {
        let (mut conversation, messages) = state.app.dm_conversation(actor, id).await?;
        // A member who answers has read what is on the screen.
        if may_reply && conversation.unread > 0 {
            conversation = state.app.change_conversation(&viewer.ctx, id, ConversationChange::Read).await?;
        }
        let notes = state.app.conversation_notes(actor, id).await?;
        let account = state.app.enterprise_account(actor, conversation.account_id).await?;
        let rules = state.app.auto_reply_rules(actor, conversation.account_id).await?;
        let rule_names: HashMap<i64, String> = rules.into_iter().map(|r| (r.id, r.name)).collect();
        let assignees = if may_reply { state.app.inbox_assignees(actor).await? } else { Vec::new() };
        Ok((conversation, messages, notes, account, rule_names, assignees))
    }
    .await;
    let (conversation, messages, notes, account, rule_names, assignees) = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "private_conversation", &here, &error),
    };
    let lang_now = lang(&jar);
    let note = notice_of(lang_now, params.notice.as_deref(), &NOTICES)
        .or_else(|| failed_note(lang_now, params.failed.as_deref(), params.field.as_deref()));
    let title = t(lang_now, "private_conversation");
    render(jar, &viewer, title, &here, |lang, csrf| {
        html! {
            @if let Some(note) = &note { (note) }
            div.card #conversation {
                p.muted { a href={ "/console/inbox?account=" (account.id) "&channel=message" } { "← " (t(lang, "inbox")) } }
                h1 { (t(lang, "private_conversation")) " · " span data-user { (conversation.user_id) } }
                p {
                    span.badge.{ "status-" (conversation.status) } #conversation-status { (name(lang, "conversation_status", conversation.status.as_str())) }
                    @if conversation.awaiting_since_ms.is_some() { " " span.badge.tag-warning { (t(lang, "awaiting_reply")) } }
                    " " span.muted { (t(lang, "enterprise_account")) " " span data-user { (account.nickname) } }
                    @if let Some(who) = &conversation.assigned_to { " · " span.muted #assigned-to { (t(lang, "assigned_to")) " " (who) } }
                }
                div #messages {
                    @for message in &messages { (message_view(lang, message, &rule_names)) }
                }
                @if may_reply {
                    form #dm-reply-form method="post" action={ "/console/private-conversations/" (conversation.id) "/replies" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="dm-reply-text" { (t(lang, "reply_text")) }
                        textarea #dm-reply-text name="text" required maxlength=(DM_TEXT_LENGTH_MAX) rows="3" {}
                        div { button.primary #send-dm-reply type="submit" { (t(lang, "send_reply")) } " " span.muted.shortcuts { (t(lang, "reply_shortcut")) } }
                    }
                    script src=(SCRIPT_PATH) defer {}
                }
            }
            @if may_reply {
                div.card #conversation-actions {
                    h2 { (t(lang, "conversation_handling")) }
                    (assign_form(lang, csrf, &conversation, &assignees))
                    (status_form(lang, csrf, &conversation))
                }
            }
            div.card #notes {
                h2 { (t(lang, "internal_notes")) }
                @if notes.is_empty() { (empty(t(lang, "no_notes"))) }
                @for note in &notes { (note_view(note)) }
                @if may_reply {
                    form #note-form method="post" action={ "/console/private-conversations/" (conversation.id) "/changes" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="note";
                        label for="note-text" { (t(lang, "add_note")) }
                        textarea #note-text name="text" required maxlength=(DM_NOTE_LENGTH_MAX) rows="2" {}
                        div { button.secondary type="submit" { (t(lang, "save_note")) } }
                    }
                }
            }
        }
    })
}

fn message_view(lang: Lang, message: &MessageRow, rule_names: &HashMap<i64, String>) -> Markup {
    let from_account = message.sender == "account";
    html! {
        div class={ "message " (if from_account { "from-merchant" } else { "from-buyer" }) } data-sender=(message.sender) data-automatic=(message.automatic) {
            span.muted {
                @if from_account {
                    @if let Some(rule) = message.rule_id {
                        span.badge.tag-info { (t(lang, "auto_reply")) }
                        @if let Some(rule_name) = rule_names.get(&rule) { " " span data-user { (rule_name) } }
                    } @else if message.automatic == 1 {
                        span.badge.tag-info { (t(lang, "auto_reply")) }
                    } @else {
                        (message.sent_by.clone().unwrap_or_else(|| t(lang, "account_staff").to_owned()))
                    }
                } @else {
                    (t(lang, "platform_user"))
                }
                " · " (at(message.created_at_ms))
            }
            div.message-text data-user { (message.text) }
            @if message.image_ref.is_some() { div.muted { (t(lang, "message_image")) } }
        }
    }
}

fn note_view(note: &NoteRow) -> Markup {
    html! {
        div.note {
            span.muted { (note.author) " · " (at(note.created_at_ms)) }
            p data-user { (note.text) }
        }
    }
}

fn assign_form(lang: Lang, csrf: &str, conversation: &ConversationRow, assignees: &[String]) -> Markup {
    html! {
        form #assign-form method="post" action={ "/console/private-conversations/" (conversation.id) "/changes" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="action" value="assign";
            label for="assign-to" { (t(lang, "assign_to_member")) }
            select #assign-to name="assign_to" {
                option value="" selected[conversation.assigned_to.is_none()] { (t(lang, "unassigned")) }
                @for member in assignees {
                    option value=(member) selected[conversation.assigned_to.as_deref() == Some(member.as_str())] { (member) }
                }
            }
            " " button.secondary type="submit" { (t(lang, "assign")) }
        }
    }
}

fn status_form(lang: Lang, csrf: &str, conversation: &ConversationRow) -> Markup {
    let (action, text) = if conversation.status == ConversationStatus::Closed {
        ("reopen", "reopen_conversation")
    } else {
        ("close", "close_conversation")
    };
    html! {
        form #status-form method="post" action={ "/console/private-conversations/" (conversation.id) "/changes" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="action" value=(action);
            div { button.secondary type="submit" { (t(lang, text)) } }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    csrf: String,
    text: String,
}

pub async fn reply(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let page = format!("/console/private-conversations/{id}");
    match state.app.reply_to_conversation(&viewer.ctx, id, &form.text).await {
        Ok(_) => Redirect::to(&format!("{page}?notice=message_sent")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&page, &error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    csrf: String,
    action: String,
    assign_to: String,
    text: String,
}

pub async fn change(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let page = format!("/console/private-conversations/{id}");
    let (change, notice) = match form.action.as_str() {
        "assign" => {
            let who = Some(form.assign_to.trim().to_owned()).filter(|w| !w.is_empty());
            (ConversationChange::Assign(who), "conversation_assigned")
        }
        "close" => (ConversationChange::Close, "conversation_closed"),
        "reopen" => (ConversationChange::Reopen, "conversation_reopened"),
        "note" => (ConversationChange::Note(form.text), "note_added"),
        _ => return not_found_page(jar),
    };
    match state.app.change_conversation(&viewer.ctx, id, change).await {
        Ok(_) => Redirect::to(&format!("{page}?notice={notice}")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&page, &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_addresses() {
        assert_eq!(share(None), "–");
        assert_eq!(share(Some(428)), "42.8%");
        assert_eq!(share(Some(1000)), "100.0%");
        let params = InboxParams {
            channel: Some("message".into()),
            q: Some(" 发货 ".into()),
            status: Some(String::new()),
            ..InboxParams::default()
        };
        assert_eq!(params.address(7), "/console/inbox?account=7&channel=message&q=%E5%8F%91%E8%B4%A7");
    }
}
