//! The comment inbox of an enterprise account: the comments awaiting a reply and the first-response
//! times in working hours, filters (awaiting a reply, video, keyword), and on each comment the reply
//! box, hide, pin and the one-click sentiment correction (a corrected label is marked, with who).
//! Every action calls the same `app` use case as the API and comes back to the inbox as it was
//! filtered.

use app::comments::{CommentQuery, CommentRow, CommentStats};
use app::{AppError, AppResult};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::limits::COMMENT_LENGTH_MAX;
use domain::team::TeamRight;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    FormOutcome, at, error_page, failed_redirect, is_refusal, parse_id, refusal, render, url_escape,
};
use crate::pages::{form_viewer, is_console_path, not_found_page};
use crate::session::{lang, viewer};

/// Notices a redirect may ask the inbox to show.
const NOTICES: [&str; 6] = [
    "comment_replied",
    "comment_hidden",
    "comment_shown",
    "comment_pinned",
    "comment_unpinned",
    "sentiment_corrected",
];
/// Comments on one page of the inbox.
const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InboxQuery {
    unanswered: Option<String>,
    video_id: Option<String>,
    q: Option<String>,
    sentiment: Option<String>,
    cursor: Option<String>,
    #[serde(flatten)]
    outcome: FormOutcome,
}

impl InboxQuery {
    /// The filters as a query string (without the cursor and notice), to come back to after an action.
    fn filters(&self) -> String {
        let mut parts = Vec::new();
        if self.unanswered.as_deref() == Some("1") {
            parts.push("unanswered=1".to_owned());
        }
        if let Some(video) = self.video_id.as_deref().and_then(parse_id) {
            parts.push(format!("video_id={video}"));
        }
        if let Some(q) = self.q.as_deref().filter(|q| !q.trim().is_empty()) {
            parts.push(format!("q={}", url_escape(q.trim())));
        }
        if let Some(label) = self.sentiment.as_deref().and_then(domain::sentiment::Label::parse) {
            parts.push(format!("sentiment={}", label.as_str()));
        }
        parts.join("&")
    }
}

/// Working milliseconds as hours with one decimal, without floats.
fn hours(lang: Lang, ms: Option<i64>) -> String {
    match ms {
        None => "–".to_owned(),
        Some(ms) => crate::kit::format::duration_minutes(lang, ms as f64 / 60_000.0),
    }
}

pub async fn inbox(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<InboxQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    let here = format!("/console/enterprise-accounts/{account_id}/comments");
    let actor = &viewer.ctx.actor;
    let loaded: AppResult<_> = async {
        let account = state.app.enterprise_account(actor, account_id).await?;
        let stats = state.app.comment_stats(actor, account_id, None).await?;
        let inbox = CommentQuery {
            video_id: query.video_id.as_deref().and_then(parse_id),
            unanswered: query.unanswered.as_deref() == Some("1"),
            keyword: query.q.clone().filter(|q| !q.trim().is_empty()),
            sentiment: query.sentiment.clone().filter(|s| !s.is_empty()),
            limit: Some(PAGE_SIZE),
            cursor: query.cursor.clone(),
        };
        let page = state.app.comments(actor, account_id, &inbox).await?;
        Ok((account, stats, page))
    }
    .await;
    let (account, stats, page) = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "comment_inbox", &here, &error),
    };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    let may_reply = actor.may(TeamRight::Reply);
    let back = {
        let filters = query.filters();
        if filters.is_empty() { here.clone() } else { format!("{here}?{filters}") }
    };
    let title = format!("{} · {}", t(lang(&jar), "comment_inbox"), account.nickname);
    render(jar, &viewer, &title, &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                p.muted { a href={ "/console/enterprise-accounts/" (account_id) } { "← " (account.nickname) } }
                h1 { (t(lang, "comment_inbox")) }
                (stats_line(lang, &stats))
                (filter_form(lang, &here, &query))
            }
            div.card {
                @if page.items.is_empty() {
                    p.muted #no-comments { (t(lang, "no_comments")) }
                } @else {
                    ul #comments style="list-style:none;padding:0" {
                        @for comment in &page.items { (comment_item(lang, csrf, comment, may_reply, &back)) }
                    }
                }
                @if let Some(next) = &page.next_cursor {
                    @let sep = if back.contains('?') { "&" } else { "?" };
                    p { a #next-page href={ (back) (sep) "cursor=" (next) } { (t(lang, "next_page")) " →" } }
                }
            }
        }
    })
}

fn stats_line(lang: Lang, stats: &CommentStats) -> Markup {
    html! {
        p #comment-stats {
            (t(lang, "comments_awaiting_reply")) ": " strong #unanswered-count { (stats.counts.unanswered) }
            " · " (t(lang, "comments_total")) ": " (stats.counts.comments)
            " · " (t(lang, "first_response_median")) ": " span #first-response-median { (hours(lang, stats.first_response.median_ms)) }
            " · " (t(lang, "p90")) " " span #first-response-p90 { (hours(lang, stats.first_response.p90_ms)) }
            " " span.muted { "(" (t(lang, "working_hours_note")) ", " (stats.days) " " (t(lang, "days")) ")" }
        }
    }
}

fn filter_form(lang: Lang, here: &str, query: &InboxQuery) -> Markup {
    html! {
        form #comment-filter method="get" action=(here) {
            label.radio {
                input type="checkbox" name="unanswered" value="1" checked[query.unanswered.as_deref() == Some("1")];
                " " (t(lang, "only_unanswered"))
            }
            " "
            label.radio for="video-filter" { (t(lang, "video")) " #" }
            input #video-filter type="number" name="video_id" min="1" style="width:90px" value=(query.video_id.clone().unwrap_or_default());
            " "
            input type="search" name="q" maxlength="50" aria-label=(t(lang, "keyword")) placeholder=(t(lang, "keyword")) value=(query.q.clone().unwrap_or_default());
            " "
            select #sentiment-filter name="sentiment" aria-label=(t(lang, "sentiment")) {
                option value="" selected[query.sentiment.as_deref().unwrap_or("").is_empty()] { (t(lang, "sentiment_all")) }
                @for label in domain::sentiment::Label::ALL {
                    option value=(label.as_str()) selected[query.sentiment.as_deref() == Some(label.as_str())] {
                        (t(lang, &format!("sentiment_{}", label.as_str())))
                    }
                }
            }
            " "
            button.small type="submit" { (t(lang, "filter")) }
        }
    }
}

fn comment_item(lang: Lang, csrf: &str, c: &CommentRow, may_reply: bool, back: &str) -> Markup {
    let awaiting = c.awaits_reply();
    let action = |verb: &str| format!("/console/comments/{}/{verb}", c.id);
    html! {
        li.comment.awaiting[awaiting] data-id=(c.id) data-sentiment=(c.sentiment.clone().unwrap_or_default())
            style="border-top:1px solid #eee;padding:10px 0" {
            span.muted { (at(c.created_at_ms)) " · " (if c.by_account == 1 { t(lang, "reply_by_account") } else { &c.author_id }) }
            " " a href={ "/console/videos/" (c.video_id) } { (t(lang, "video")) " #" (c.video_id) }
            @if c.parent_external_id.is_some() { " " span.badge { (t(lang, "is_reply")) } }
            @if let Some(sentiment) = &c.sentiment { " " span.badge.{ "sentiment-" (sentiment) } { (t(lang, &format!("sentiment_{sentiment}"))) } }
            @if let Some(by) = &c.sentiment_corrected_by {
                " " span.badge.corrected title=(c.sentiment_corrected_at_ms.map(at).unwrap_or_default()) { (t(lang, "sentiment_corrected")) " · " (by) }
            }
            @if awaiting { " " span.badge.failing { (t(lang, "awaiting_reply")) } }
            @if c.answered_at_ms.is_some() { " " span.badge.passed { (t(lang, "answered")) } }
            @if c.hidden_at_ms.is_some() { " " span.badge { (t(lang, "hidden")) } }
            @if c.pinned_at_ms.is_some() { " " span.badge.verified { (t(lang, "pinned")) } }
            p.text style="margin:6px 0" { (c.text) }
            @if may_reply {
                @if c.by_account == 0 && c.hidden_at_ms.is_none() {
                    form.reply method="post" action=(action("reply")) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="back" value=(back);
                        textarea name="text" rows="2" cols="60" maxlength=(COMMENT_LENGTH_MAX) required placeholder=(t(lang, "reply_placeholder")) {}
                        " " button.small type="submit" { (t(lang, "send_reply")) }
                    }
                }
                @if c.by_account == 0 {
                    form.inline.sentiment method="post" action=(action("sentiment")) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="back" value=(back);
                        span.muted { (t(lang, "correct_sentiment")) } " "
                        @for label in domain::sentiment::Label::ALL {
                            @if c.sentiment.as_deref() != Some(label.as_str()) || c.sentiment_corrected_by.is_none() {
                                button.small type="submit" name="label" value=(label.as_str()) { (t(lang, &format!("sentiment_{}", label.as_str()))) } " "
                            }
                        }
                    }
                    " "
                }
                @let (hide, hide_text) = if c.hidden_at_ms.is_some() { ("unhide", "show_comment") } else { ("hide", "hide_comment") };
                (button(csrf, &action(hide), back, t(lang, hide_text)))
                @if c.hidden_at_ms.is_none() {
                    @let (pin, pin_text) = if c.pinned_at_ms.is_some() { ("unpin", "unpin") } else { ("pin", "pin") };
                    " " (button(csrf, &action(pin), back, t(lang, pin_text)))
                }
            }
        }
    }
}

fn button(csrf: &str, action: &str, back: &str, text: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="back" value=(back);
            button.small type="submit" { (text) }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    back: String,
    text: String,
    label: String,
}

/// What a comment button does.
#[derive(Clone, Copy)]
enum Act {
    Reply,
    Hide,
    Unhide,
    Pin,
    Unpin,
    Sentiment,
}

async fn act(
    state: ConsoleState,
    jar: CookieJar,
    headers: HeaderMap,
    id: String,
    form: ActionForm,
    act: Act,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let ctx = &viewer.ctx;
    let (done, notice): (Result<CommentRow, AppError>, &str) = match act {
        Act::Reply => (state.app.reply_to_comment(ctx, id, &form.text).await, "comment_replied"),
        Act::Hide => (state.app.hide_comment(ctx, id).await, "comment_hidden"),
        Act::Unhide => (state.app.unhide_comment(ctx, id).await, "comment_shown"),
        Act::Pin => (state.app.pin_comment(ctx, id).await, "comment_pinned"),
        Act::Unpin => (state.app.unpin_comment(ctx, id).await, "comment_unpinned"),
        Act::Sentiment => (state.app.correct_sentiment(ctx, id, &form.label).await, "sentiment_corrected"),
    };
    match done {
        Ok(comment) => {
            let inbox = format!("/console/enterprise-accounts/{}/comments", comment.account_id);
            // Back to the inbox as it was filtered; only that inbox's own address is followed.
            let one_inbox = format!("/console/inbox?account={}", comment.account_id);
            let back = Some(form.back.as_str())
                .filter(|b| (b.starts_with(&inbox) || b.starts_with(&one_inbox)) && is_console_path(b))
                .unwrap_or(&inbox);
            let sep = if back.contains('?') { "&" } else { "?" };
            Redirect::to(&format!("{back}{sep}notice={notice}")).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        // Back to the inbox the form came from (an inbox's address only), with the error.
        Err(error) => {
            let inbox = form.back.starts_with("/console/inbox?")
                || (form.back.starts_with("/console/enterprise-accounts/")
                    && form.back.contains("/comments"));
            let back =
                if inbox && is_console_path(&form.back) { form.back.as_str() } else { "/console/inbox" };
            failed_redirect(back, &error)
        }
    }
}

macro_rules! comment_action {
    ($name:ident, $act:expr) => {
        pub async fn $name(
            State(state): State<ConsoleState>,
            jar: CookieJar,
            headers: HeaderMap,
            Path(id): Path<String>,
            Form(form): Form<ActionForm>,
        ) -> Response {
            act(state, jar, headers, id, form, $act).await
        }
    };
}

comment_action!(reply, Act::Reply);
comment_action!(hide, Act::Hide);
comment_action!(unhide, Act::Unhide);
comment_action!(pin, Act::Pin);
comment_action!(unpin, Act::Unpin);
comment_action!(sentiment, Act::Sentiment);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_hours_show_with_one_decimal() {
        assert_eq!(hours(Lang::Zh, None), "–");
        assert_eq!(hours(Lang::Zh, Some(0)), "0 分钟");
        assert_eq!(hours(Lang::Zh, Some(5_400_000)), "1 小时 30 分钟");
        assert_eq!(hours(Lang::En, Some(3_600_000 * 9 + 29_999)), "9 h");
    }

    #[test]
    fn filters_come_back_encoded() {
        let query = InboxQuery {
            unanswered: Some("1".into()),
            video_id: Some("12".into()),
            q: Some(" 质量 差 ".into()),
            ..InboxQuery::default()
        };
        assert_eq!(query.filters(), "unanswered=1&video_id=12&q=%E8%B4%A8%E9%87%8F%20%E5%B7%AE");
        assert_eq!(InboxQuery { video_id: Some("x".into()), ..InboxQuery::default() }.filters(), "");
    }
}
