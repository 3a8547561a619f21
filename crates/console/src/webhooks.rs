//! The merchant's webhook page: the endpoint with its signing secret (shown once, when set), a ping,
//! and the delivery log with every attempt of each event. Owners only (the `manage_merchant` right).

use app::webhooks::{DeliveryLog, DeliveryRow, WebhookView};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{FormOutcome, at, error_page, failed_redirect, is_refusal, parse_id, refusal, render};
use crate::pages::{form_viewer, not_found_page};
use crate::session::{Viewer, viewer};

const HERE: &str = "/console/webhook";
/// The cookie that carries a new secret from the form that set it to the page that shows it, once
/// (Post/Redirect/Get: a refresh neither sets the webhook again nor shows the secret again).
const SECRET_COOKIE: &str = "xd_webhook_secret";
/// Notices a redirect may ask this page to show.
const NOTICES: [&str; 2] = ["webhook_deleted", "webhook_pinged"];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WebhookQuery {
    cursor: Option<String>,
    #[serde(flatten)]
    outcome: FormOutcome,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UrlForm {
    csrf: String,
    url: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// What the page shows above the log: a notice or an error, and the new secret once.
#[derive(Default)]
struct Outcome {
    note: Option<Markup>,
    secret: Option<String>,
}

pub async fn webhook_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<WebhookQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let note = query.outcome.note(crate::session::lang(&jar), &NOTICES);
    let cursor = query.cursor.as_deref().and_then(parse_id);
    // The secret set a moment ago comes in its cookie, which goes with this answer.
    let secret = jar.get(SECRET_COOKIE).map(|c| c.value().to_owned()).filter(|s| s.starts_with("whsec_"));
    let jar = jar.remove(Cookie::build(SECRET_COOKIE).path(HERE));
    respond(&state, jar, &viewer, Outcome { note, secret }, cursor).await
}

async fn respond(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    outcome: Outcome,
    cursor: Option<i64>,
) -> Response {
    let actor = &viewer.ctx.actor;
    let webhook = match state.app.webhook(actor).await {
        Ok(webhook) => webhook,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "webhook", HERE, &error),
    };
    let log = match state.app.webhook_deliveries(actor, Some(50), cursor).await {
        Ok(log) => log,
        Err(error) => return error_page(jar, viewer, "webhook", HERE, &error),
    };
    let title = t(crate::session::lang(&jar), "webhook");
    render(jar, viewer, title, HERE, |lang, csrf| {
        html! {
            @if let Some(note) = &outcome.note { (note) }
            div.card {
                h1 { (title) }
                p.muted { (t(lang, "webhook_intro")) }
                @if let Some(secret) = &outcome.secret { (secret_box(lang, secret)) }
                (endpoint(lang, csrf, webhook.as_ref()))
            }
            div.card {
                h2 { (t(lang, "webhook_deliveries")) }
                (deliveries(lang, &log.items))
                @if let Some(next) = &log.next_cursor {
                    p { a href={ (HERE) "?cursor=" (next) } { (t(lang, "next_page")) " →" } }
                }
            }
        }
    })
}

fn secret_box(lang: Lang, secret: &str) -> Markup {
    html! {
        div.notice #webhook-secret role="status" {
            (t(lang, "webhook_secret_once")) br;
            code #secret { (secret) }
            p.muted { (t(lang, "webhook_signature_help")) " " code { (app::webhooks::SIGNATURE_HEADER) } }
        }
    }
}

fn endpoint(lang: Lang, csrf: &str, webhook: Option<&WebhookView>) -> Markup {
    let value = webhook.map_or("", |w| w.url.as_str());
    html! {
        @match webhook {
            Some(w) => p #webhook-url { (t(lang, "webhook_current")) ": " code { (w.url) } " " span.muted { (at(w.updated_at_ms)) } },
            None => p.muted #webhook-none { (t(lang, "webhook_none")) },
        }
        form #webhook-form method="post" action=(HERE) {
            input type="hidden" name="csrf" value=(csrf);
            label for="url" { (t(lang, "webhook_url")) }
            input #url type="url" name="url" value=(value) size="60" required maxlength="2000"
                placeholder="https://hooks.example.com/xiaodian";
            br;
            button.primary type="submit" { (t(lang, if webhook.is_some() { "webhook_replace" } else { "webhook_set" })) }
        }
        @if webhook.is_some() {
            form.inline method="post" action={ (HERE) "/ping" } {
                input type="hidden" name="csrf" value=(csrf);
                button.small #ping type="submit" { (t(lang, "webhook_ping")) }
            }
            " "
            form.inline method="post" action={ (HERE) "/delete" } {
                input type="hidden" name="csrf" value=(csrf);
                button.small #delete-webhook type="submit" { (t(lang, "webhook_delete")) }
            }
        }
    }
}

fn status_badge(lang: Lang, status: &str) -> Markup {
    let class = match status {
        "delivered" => "passed",
        "failed" => "failing",
        _ => "",
    };
    html! { span.badge.(class) { (t(lang, &format!("delivery_{status}"))) } }
}

fn deliveries(lang: Lang, items: &[DeliveryRow]) -> Markup {
    html! {
        @if items.is_empty() {
            p.muted #no-deliveries { (t(lang, "no_deliveries")) }
        } @else {
            table #deliveries {
                tr { th { "#" } th { (t(lang, "event")) } th { (t(lang, "status")) } th { (t(lang, "attempts")) }
                     th { (t(lang, "last_answer")) } th { (t(lang, "created_at")) } th { (t(lang, "next_attempt")) } }
                @for d in items {
                    tr.delivery data-status=(d.status) {
                        td { a href={ (HERE) "/deliveries/" (d.id) } { (d.id) } }
                        td { code { (d.event) } }
                        td { (status_badge(lang, d.status.as_str())) }
                        td { (d.attempts) }
                        td { (answer(d.last_status_code, d.last_error.as_deref())) }
                        td { (at(d.created_at_ms)) }
                        td { @if d.status == domain::webhooks::DeliveryStatus::Pending { (at(d.next_attempt_at_ms)) } }
                    }
                }
            }
        }
    }
}

fn answer(status_code: Option<i64>, error: Option<&str>) -> String {
    match (status_code, error) {
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(error)) => error.to_owned(),
        (None, None) => String::new(),
    }
}

pub async fn set_webhook(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    client: Option<axum::Extension<app::security::ClientInfo>>,
    Form(form): Form<UrlForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    match state.app.set_webhook(&viewer.ctx, &form.url).await {
        Ok(set) => {
            let secure = state.app.config().public_url_https || client.is_some_and(|c| c.0.https);
            let cookie = Cookie::build((SECRET_COOKIE, set.secret))
                .path(HERE)
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Strict)
                .build();
            (jar.add(cookie), Redirect::to(HERE)).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(HERE, &error),
    }
}

pub async fn delete_webhook(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    act(&state, jar, &headers, &form.csrf, Button::Delete).await
}

pub async fn ping_webhook(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    act(&state, jar, &headers, &form.csrf, Button::Ping).await
}

enum Button {
    Delete,
    Ping,
}

/// A button's action: done, back to the page with a notice; refused, back with the error.
async fn act(
    state: &ConsoleState,
    jar: CookieJar,
    headers: &HeaderMap,
    csrf: &str,
    button: Button,
) -> Response {
    let viewer = match form_viewer(state, &jar, headers, csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let (done, notice) = match button {
        Button::Delete => (state.app.delete_webhook(&viewer.ctx).await, "webhook_deleted"),
        Button::Ping => (state.app.ping_webhook(&viewer.ctx).await.map(|_| ()), "webhook_pinged"),
    };
    match done {
        Ok(()) => Redirect::to(&format!("{HERE}?notice={notice}")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(HERE, &error),
    }
}

pub async fn delivery_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let log: DeliveryLog = match state.app.webhook_delivery(&viewer.ctx.actor, id).await {
        Ok(log) => log,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "webhook", HERE, &error),
    };
    let here = format!("{HERE}/deliveries/{id}");
    let title = format!("{} #{id}", t(crate::session::lang(&jar), "webhook_delivery"));
    render(jar, &viewer, &title, &here, |lang, _| {
        let d = &log.delivery;
        html! {
            div.card {
                h1 { (title) }
                p { code { (d.event) } " " (status_badge(lang, d.status.as_str())) " · " (t(lang, "attempts")) " " (d.attempts) }
                @if d.status == domain::webhooks::DeliveryStatus::Pending { p { (t(lang, "next_attempt")) ": " (at(d.next_attempt_at_ms)) } }
                table #attempts {
                    tr { th { (t(lang, "attempt")) } th { (t(lang, "created_at")) } th { (t(lang, "last_answer")) } th { "ms" } }
                    @for a in &log.attempts {
                        tr { td { (a.attempt) } td { (at(a.at_ms)) } td { (answer(a.status_code, a.error.as_deref())) } td { (a.duration_ms) } }
                    }
                }
                h2 { (t(lang, "payload")) }
                pre #payload style="white-space:pre-wrap" { (d.payload) }
                p { a href=(HERE) { "← " (t(lang, "webhook")) } }
            }
        }
    })
}
