//! The console's design system, once: the page shell (`shell`: top bar, sidebar by task and role,
//! breadcrumbs), the style sheet with Semi Design's tokens (`style.css`), numbers for people
//! (`format`), and the components and page helpers every page composes: cards, key-figure tiles,
//! status tags, buttons by intent, the empty state of a list, flash messages and error boxes.
//! Tables scroll inside their card (`.card{overflow-x:auto}`), so no page is wider than a phone.

pub(crate) mod format;
pub(crate) mod shell;

use app::{AppError, Code};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use maud::{Markup, html};
use rand::RngCore;

pub(crate) use format::{change, money, number, parse_yuan};
pub use shell::page;
pub(crate) use shell::{error_box, error_code_box, may, role_name};

use crate::i18n::{Lang, lookup, t};
use crate::pages::{forbidden, html_page, not_found_page};
use crate::session::{Viewer, csrf, lang};

/// Milliseconds since the epoch as a Beijing time.
pub(crate) fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&app::clock::china_offset()).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The name of a stored value (`{prefix}_{value}` in the text table), or the value itself when the
/// table does not know it.
pub(crate) fn name(lang: Lang, prefix: &str, value: &str) -> String {
    lookup(lang, &format!("{prefix}_{value}")).map_or_else(|| value.to_owned(), str::to_owned)
}

/// A fresh idempotency key for a money-moving form: a resubmitted form carries the same one.
pub(crate) fn form_token() -> String {
    let mut bytes = [0_u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Percent-encodes a text for a query string.
pub(crate) fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) fn parse_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

/// The notice box a redirect asked for with `?notice=KEY`, when KEY is one of `allowed` (text
/// `notice_KEY`); None for anything else, so a link cannot put arbitrary text on a page.
pub(crate) fn notice_of(lang: Lang, key: Option<&str>, allowed: &[&str]) -> Option<Markup> {
    let key = key.filter(|key| allowed.contains(key))?;
    Some(flash(t(lang, &format!("notice_{key}"))))
}

/// A flash message: the outcome of the form just sent, shown once on the page it redirected to.
pub(crate) fn flash(text: &str) -> Markup {
    html! { div.notice #notice role="status" { (text) } }
}

/// After a failed form, back to its page with `?failed=CODE` (and `&field=NAME` for a field
/// error): post/redirect/get, so a refresh does not send the form again.
pub(crate) fn failed_redirect(to: &str, error: &AppError) -> Response {
    let sep = if to.contains('?') { "&" } else { "?" };
    let mut url = format!("{to}{sep}failed={}", error.code.as_str());
    if error.code == Code::InvalidField
        && let Some((field, _)) = error.detail.split_once(':')
        && !field.is_empty()
        && field.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        url.push_str(&format!("&field={field}"));
    }
    axum::response::Redirect::to(&url).into_response()
}

/// What a page's query may carry after a form sent to it redirected back: `?notice=KEY` after
/// success, `?failed=CODE&field=NAME` after a refusal (flattened into each page's own query).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct FormOutcome {
    notice: Option<String>,
    failed: Option<String>,
    field: Option<String>,
}

impl FormOutcome {
    /// The notice key the page was sent back with.
    pub(crate) fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// The code of the error the page was sent back with.
    pub(crate) fn failed(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// The notice (one of `allowed`) or the error box the query asks for, if any.
    pub(crate) fn note(&self, lang: Lang, allowed: &[&str]) -> Option<Markup> {
        notice_of(lang, self.notice.as_deref(), allowed)
            .or_else(|| failed_note(lang, self.failed.as_deref(), self.field.as_deref()))
    }
}

/// The error box a redirect asked for with `?failed=CODE&field=NAME`: a known code only, and the
/// field in words when the text table has `field_NAME`.
pub(crate) fn failed_note(lang: Lang, failed: Option<&str>, field: Option<&str>) -> Option<Markup> {
    let code = Code::ALL.iter().copied().find(|code| Some(code.as_str()) == failed)?;
    let field = field.and_then(|field| lookup(lang, &format!("field_{field}")));
    Some(html! {
        (error_box(lang, &AppError::new(code, "")))
        @if let Some(field) = field { p.field-error #failed-field { (t(lang, "check_field")) (field) } }
    })
}

/// An error box for a failed use case: its title in the viewer's language and what to do.
pub(crate) fn error_note(lang: Lang, error: &AppError) -> Markup {
    error_box(lang, error)
}

/// Not found and forbidden have pages of their own; other errors are shown on the page.
pub(crate) fn is_refusal(error: &AppError) -> bool {
    matches!(error.code, Code::NotFound | Code::Forbidden)
}

pub(crate) fn refusal(jar: CookieJar, error: &AppError) -> Response {
    if error.code == Code::NotFound { not_found_page(jar) } else { forbidden(jar, error.code) }
}

/// Renders a page for a logged-in viewer; the body gets the language and the CSRF token.
pub(crate) fn render(
    jar: CookieJar,
    viewer: &Viewer,
    title: &str,
    here: &str,
    body: impl FnOnce(Lang, &str) -> Markup,
) -> Response {
    let lang = lang(&jar);
    let (jar, csrf) = csrf(jar);
    let markup = page(lang, title, Some((viewer, &csrf)), here, body(lang, &csrf));
    html_page(StatusCode::OK, jar, markup)
}

pub(crate) fn error_page(
    jar: CookieJar,
    viewer: &Viewer,
    title_key: &str,
    here: &str,
    error: &AppError,
) -> Response {
    let title = t(lang(&jar), title_key);
    render(jar, viewer, title, here, |lang, _| html! { div.card { (error_note(lang, error)) } })
}

/// A key-figure tile: label, value, and an optional link to where the figure is worked on.
pub(crate) fn stat(label: &str, value: &str, href: Option<&str>, attention: bool) -> Markup {
    html! {
        @if let Some(href) = href {
            a.stat.attention[attention] href=(href) {
                span.stat-label { (label) } span.stat-value { (value) }
            }
        } @else {
            div.stat.attention[attention] { span.stat-label { (label) } span.stat-value { (value) } }
        }
    }
}

/// A status tag in a semantic colour.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tone {
    Success,
    Warning,
    Danger,
}

pub(crate) fn tag(tone: Tone, text: &str) -> Markup {
    let class = match tone {
        Tone::Success => "badge tag-success",
        Tone::Warning => "badge tag-warning",
        Tone::Danger => "badge tag-danger",
    };
    html! { span class=(class) { (text) } }
}

/// The empty state of a list: what is missing and what to do.
pub(crate) fn empty(text: &str) -> Markup {
    html! { p.empty { (text) } }
}

/// The one upload script (progress bar, partial refresh) of every `form.xd-upload`; served as a file
/// because the content security policy allows no inline script.
const UPLOAD_SCRIPT: &str = include_str!("../upload.js");
pub(crate) const UPLOAD_SCRIPT_PATH: &str = "/console/static/upload.js";

pub async fn upload_script() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")], UPLOAD_SCRIPT).into_response()
}

/// The script that puts back what was typed into a form the server sent back with an error
/// (`draft.js`), on every page.
const DRAFT_SCRIPT: &str = include_str!("../draft.js");
pub(crate) const DRAFT_SCRIPT_PATH: &str = "/console/static/draft.js";

pub async fn draft_script() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")], DRAFT_SCRIPT).into_response()
}

/// Who did something, as a person reads it: `user:reviewer` → `reviewer`, `system:jobs` → 系统.
pub(crate) fn who(lang: Lang, actor: &str) -> String {
    match actor.split_once(':') {
        Some(("user", name)) => name.to_owned(),
        Some(("system", _)) => t(lang, "actor_system").to_owned(),
        _ => actor.to_owned(),
    }
}

/// A ledger or audit reference as words: `violation:4` → 违规 #4, `verification:5:PAY-1` → 蓝V认证 #5.
pub(crate) fn reference(lang: Lang, text: &str) -> String {
    let mut parts = text.splitn(3, ':');
    let (Some(kind), Some(id)) = (parts.next(), parts.next()) else { return text.to_owned() };
    match lookup(lang, &format!("ref_{kind}")) {
        Some(word) if id.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty() => format!("{word} #{id}"),
        Some(word) if kind == "user" => format!("{word} {id}"),
        Some(word) => format!("{word} {id}"),
        None => text.to_owned(),
    }
}
