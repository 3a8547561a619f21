//! The foundation pages: login, home, the working-day calendar, and the admin's audit log and clock.

use app::{AppError, Code};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use chrono::{Datelike, NaiveDate};
use domain::auth::Role;
use domain::calendar::DayKind;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{FormOutcome, error_box, error_code_box, failed_redirect, flash, page};
use crate::session::{self, LANG_COOKIE, SESSION_COOKIE, Viewer, check_csrf, csrf, lang, viewer};

/// An error message in the viewer's language: the error's title, never its code (the code stays in
/// the JSON answers and the error box's details).
pub(crate) fn message(lang: Lang, error: &AppError) -> String {
    match lang {
        Lang::Zh => error.code.title_zh().to_owned(),
        Lang::En => error.code.title_en().to_owned(),
    }
}

pub(crate) fn html_page(status: StatusCode, jar: CookieJar, markup: Markup) -> Response {
    (status, jar, Html(markup.into_string())).into_response()
}

/// Renders a page for a logged-in viewer.
fn viewer_page(jar: CookieJar, viewer: &Viewer, title_key: &str, here: &str, body: Markup) -> Response {
    let lang = lang(&jar);
    let (jar, csrf) = csrf(jar);
    let markup = page(lang, t(lang, title_key), Some((viewer, &csrf)), here, body);
    html_page(StatusCode::OK, jar, markup)
}

pub async fn root() -> Redirect {
    Redirect::to("/console/home")
}

pub async fn not_found(jar: CookieJar) -> Response {
    not_found_page(jar)
}

/// The not-found page, also shown for another merchant's resources (the app answers `not_found`).
pub(crate) fn not_found_page(jar: CookieJar) -> Response {
    let lang = lang(&jar);
    let body =
        html! { div.card { h1 { (t(lang, "not_found")) } a href="/console/home" { (t(lang, "home")) } } };
    html_page(StatusCode::NOT_FOUND, jar, page(lang, t(lang, "not_found"), None, "/console/home", body))
}

fn login_markup(lang: Lang, csrf: &str, error: Option<&AppError>) -> Markup {
    let body = html! {
        div.card style="max-width:380px;margin:60px auto" {
            h1 { (t(lang, "login")) }
            @if let Some(error) = error { (error_box(lang, error)) }
            form #login-form method="post" action="/console/login" {
                input type="hidden" name="csrf" value=(csrf);
                label for="username" { (t(lang, "username")) }
                input #username name="username" autocomplete="username" required maxlength="64";
                label for="password" { (t(lang, "password")) }
                input #password name="password" type="password" autocomplete="current-password" required maxlength="256";
                div { button.primary #login-submit type="submit" { (t(lang, "login")) } }
            }
        }
    };
    page(lang, t(lang, "login"), None, "/console/login", body)
}

pub async fn login_page(jar: CookieJar) -> Response {
    let lang = lang(&jar);
    let (jar, csrf) = csrf(jar);
    html_page(StatusCode::OK, jar, login_markup(lang, &csrf, None))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login_submit(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    client: Option<axum::Extension<app::security::ClientInfo>>,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang(&jar);
    let client = client.map(|c| c.0);
    let address = client.map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.address);
    let secure = state.app.config().public_url_https || client.is_some_and(|c| c.https);
    if check_csrf(&jar, &form.csrf).is_err() {
        let (jar, csrf) = csrf(jar);
        let error = AppError::new(Code::CsrfFailed, "");
        return html_page(StatusCode::FORBIDDEN, jar, login_markup(lang, &csrf, Some(&error)));
    }
    match state.app.login_from(&form.username, &form.password, address, &session::request_id(&headers)).await
    {
        Ok(outcome) => {
            let cookie = session::session_cookie(outcome.token, secure);
            (jar.add(cookie), Redirect::to("/console/home")).into_response()
        }
        Err(error) => {
            let (jar, csrf) = csrf(jar);
            let status = match error.code {
                Code::TooManyLoginAttempts => StatusCode::TOO_MANY_REQUESTS,
                Code::ServerBusy => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            html_page(status, jar, login_markup(lang, &csrf, Some(&error)))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if check_csrf(&jar, &form.csrf).is_err() {
        return forbidden(jar, Code::CsrfFailed);
    }
    if let Ok(viewer) = viewer(&state, &jar, &headers).await
        && let Err(error) = state.app.logout(&viewer.ctx, &viewer.token).await
    {
        tracing::warn!(%error, "console logout failed");
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/console"));
    (jar, Redirect::to("/console/login")).into_response()
}

/// The viewer behind a submitted form: the CSRF token must match first, then a login is needed.
pub(crate) async fn form_viewer(
    state: &ConsoleState,
    jar: &CookieJar,
    headers: &HeaderMap,
    csrf_field: &str,
) -> Result<Viewer, Response> {
    if check_csrf(jar, csrf_field).is_err() {
        return Err(forbidden(jar.clone(), Code::CsrfFailed));
    }
    viewer(state, jar, headers).await
}

pub(crate) fn forbidden(jar: CookieJar, code: Code) -> Response {
    let lang = lang(&jar);
    let body =
        html! { div.card { (error_code_box(lang, code)) a href="/console/home" { (t(lang, "home")) } } };
    html_page(StatusCode::FORBIDDEN, jar, page(lang, t(lang, "forbidden"), None, "/console/home", body))
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    back: Option<String>,
}

/// Whether `back` is a console page of this site: a path under `/console`, of visible ASCII only
/// (no CR/LF, spaces or backslashes), never `//` (another host).
pub(crate) fn is_console_path(back: &str) -> bool {
    (back == "/console" || back.starts_with("/console/") || back.starts_with("/console?"))
        && !back.contains("//")
        && back.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

/// Sets the language cookie and returns to the page the viewer was on (console pages only; any
/// other `back` is refused with 400).
pub async fn switch_lang(jar: CookieJar, Query(query): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&query.to).unwrap_or(Lang::Zh);
    let back = query.back.unwrap_or_else(|| "/console/home".into());
    if !is_console_path(&back) {
        let body = html! { div.card { (error_code_box(lang, Code::InvalidField)) a href="/console/home" { (t(lang, "home")) } } };
        return html_page(
            StatusCode::BAD_REQUEST,
            jar,
            page(lang, t(lang, "home"), None, "/console/home", body),
        );
    }
    let cookie = Cookie::build((LANG_COOKIE, lang.code())).path("/console").http_only(true).build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
}

/// An audit action (`enterprise_account.create`) with its object in words: 企业号 · create.
fn audit_action(lang: Lang, action: &str) -> String {
    match action.split_once('.') {
        Some((object, verb)) => {
            let object = crate::i18n::lookup(lang, &format!("ref_{object}")).unwrap_or(object);
            format!("{object} · {}", verb.replace('_', " "))
        }
        None => action.replace('_', " "),
    }
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

pub async fn calendar(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<MonthQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let lang = lang(&jar);
    let today = app::clock::china_date(state.app.clock().now());
    let first = query
        .month
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let calendar = state.app.calendar();
    let previous = first.pred_opt().map(|d| d.format("%Y-%m").to_string()).unwrap_or_default();
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .map(|d| d.format("%Y-%m").to_string())
        .unwrap_or_default();
    let days: Vec<_> =
        first.iter_days().take_while(|d| d.month() == first.month()).map(|d| calendar.day(d)).collect();
    let leading = first.weekday().num_days_from_monday() as usize;
    let mut cells: Vec<Option<&domain::calendar::DayInfo>> = vec![None; leading];
    cells.extend(days.iter().map(Some));
    let body = html! {
        div.card {
            h1 { (t(lang, "calendar")) " " (first.format("%Y-%m")) }
            p {
                a href={ "/console/calendar?month=" (previous) } { "← " (t(lang, "prev_month")) }
                " · "
                a href={ "/console/calendar?month=" (next) } { (t(lang, "next_month")) " →" }
            }
            @if calendar.is_provisional(first.year()) { div.notice { (t(lang, "provisional")) } }
            table.cal {
                tr { @for name in t(lang, "weekdays").split(',') { th { (name) } } }
                @for week in cells.chunks(7) {
                    tr {
                        @for cell in week {
                            @match cell {
                                Some(day) => td class=(day_class(day.kind)) data-date=(day.date.format("%Y-%m-%d")) {
                                    strong { (day.date.day()) } br;
                                    span.muted { (t(lang, day.kind.as_str())) }
                                    @if let Some(name) = &day.holiday { br; span.holiday { (if lang == Lang::Zh { &name.zh } else { &name.en }) } }
                                },
                                None => td {},
                            }
                        }
                    }
                }
            }
        }
    };
    viewer_page(jar, &viewer, "calendar", "/console/calendar", body)
}

pub(crate) fn day_class(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Workday => "work",
        DayKind::Weekend | DayKind::Holiday => "off",
        DayKind::MakeupWorkday => "makeup",
    }
}

#[derive(Deserialize)]
pub struct CursorQuery {
    cursor: Option<i64>,
}

pub async fn audit(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<CursorQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let lang = lang(&jar);
    let page_rows = match state.app.list_audit(&viewer.ctx.actor, Some(50), query.cursor).await {
        Ok(page) => page,
        Err(error) if error.code == Code::Forbidden => return forbidden(jar, error.code),
        Err(error) => {
            return viewer_page(jar, &viewer, "audit", "/console/admin/audit", error_box(lang, &error));
        }
    };
    let body = html! {
        div.card {
            h1 { (t(lang, "audit")) }
            table #audit {
                tr { th { "#" } th { (t(lang, "date")) } th { (t(lang, "actor")) } th { (t(lang, "action")) } th { (t(lang, "subject")) } th { (t(lang, "detail")) } }
                @for row in &page_rows.items {
                    tr {
                        td { (row.seq) }
                        td { (chrono::DateTime::from_timestamp_millis(row.at_ms).map(|t| t.with_timezone(&app::clock::china_offset()).format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()) }
                        td { (crate::kit::who(lang, &row.actor)) } td { (audit_action(lang, &row.action)) } td { (crate::kit::reference(lang, &row.subject)) } td.muted { @if !row.detail.is_empty() { details { summary { (t(lang, "audit_detail")) } code lang="en" { (row.detail) } } } }
                    }
                }
            }
            @if let Some(cursor) = &page_rows.next_cursor { p { a href={ "/console/admin/audit?cursor=" (cursor) } { (t(lang, "older")) " →" } } }
        }
    };
    viewer_page(jar, &viewer, "audit", "/console/admin/audit", body)
}

fn clock_markup(state: &ConsoleState, lang: Lang, csrf: &str, note: Option<Markup>) -> Markup {
    let clock = state.app.clock();
    let now = clock.now().with_timezone(&app::clock::china_offset());
    html! {
        div.card {
            h1 { (t(lang, "clock_jobs")) }
            @if let Some(note) = note { (note) }
            p { (t(lang, "now")) ": " strong #clock-now { (now.to_rfc3339()) } " "
                span.badge { (if clock.as_manual().is_some() { t(lang, "clock_manual") } else { t(lang, "clock_system") }) } }
            @if clock.as_manual().is_some() {
                form method="post" action="/console/admin/clock" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="now" { (t(lang, "set_clock")) " (RFC 3339)" }
                    input #now name="now" value=(now.to_rfc3339()) size="32";
                    div { button.primary type="submit" { (t(lang, "save")) } }
                }
            }
            form method="post" action="/console/admin/jobs/run" {
                input type="hidden" name="csrf" value=(csrf);
                button.primary #run-jobs type="submit" { (t(lang, "run_jobs")) }
            }
        }
        (crate::backups::card(&state.app, lang))
    }
}

/// What the clock page shows after one of its forms: the clock set, how many jobs ran, or the error.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClockQuery {
    #[serde(flatten)]
    outcome: FormOutcome,
    ran: Option<u64>,
}

pub async fn clock_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<ClockQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    if viewer.ctx.actor.role != Role::Admin {
        return forbidden(jar, Code::Forbidden);
    }
    let lang = lang(&jar);
    let note = match (query.outcome.notice(), query.ran) {
        (Some("jobs_ran"), Some(ran)) => Some(flash(&format!("{}: {ran}", t(lang, "jobs_ran")))),
        _ => query.outcome.note(lang, &["clock_set"]),
    };
    let (jar, csrf) = csrf(jar);
    let body = clock_markup(&state, lang, &csrf, note);
    html_page(
        StatusCode::OK,
        jar,
        page(lang, t(lang, "clock_jobs"), Some((&viewer, &csrf)), "/console/admin/clock", body),
    )
}

#[derive(Deserialize)]
pub struct ClockForm {
    now: String,
    #[serde(default)]
    csrf: String,
}

async fn admin_action(
    state: &ConsoleState,
    jar: CookieJar,
    headers: &HeaderMap,
    csrf_field: &str,
    action: impl AsyncFnOnce(&Viewer) -> Result<String, AppError>,
) -> Response {
    let viewer = match form_viewer(state, &jar, headers, csrf_field).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    match action(&viewer).await {
        Ok(query) => Redirect::to(&format!("/console/admin/clock?{query}")).into_response(),
        Err(error) if error.code == Code::Forbidden => forbidden(jar, error.code),
        Err(error) => failed_redirect("/console/admin/clock", &error),
    }
}

pub async fn clock_submit(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<ClockForm>,
) -> Response {
    admin_action(&state, jar, &headers, &form.csrf, async |viewer: &Viewer| {
        let now = chrono::DateTime::parse_from_rfc3339(form.now.trim())
            .map_err(|_| AppError::new(Code::InvalidDate, ""))?;
        state.app.set_clock(&viewer.ctx, now.to_utc()).await?;
        Ok("notice=clock_set".to_owned())
    })
    .await
}

pub async fn run_jobs(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    admin_action(&state, jar, &headers, &form.csrf, async |viewer: &Viewer| {
        let ran = state.app.run_due_jobs(&viewer.ctx).await?;
        Ok(format!("notice=jobs_ran&ran={ran}"))
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_console_paths_are_followed_back() {
        for good in ["/console", "/console/home", "/console/shops/3?tab=a%20b", "/console?x=1"] {
            assert!(super::is_console_path(good), "{good}");
        }
        for bad in [
            "/console/home\r\nSet-Cookie: x=1",
            "//evil.example/console",
            "/console//evil",
            "https://evil.example/console",
            "/consoleevil",
            "/console/\\evil",
            "/console/a b",
            "/console/首页",
        ] {
            assert!(!super::is_console_path(bad), "{bad}");
        }
    }
}
