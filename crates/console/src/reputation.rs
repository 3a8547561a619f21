//! Reputation monitoring (舆情) pages: `/console/reputation?account=ID` shows an account's open
//! incidents (level, deadline, overdue flag) with the assign and resolve forms, the keyword watch
//! list and its form, and the hourly negative rate of the last 48 hours as a chart (with its table
//! and CSV); `/console/incidents/{id}` shows one incident with the comments that raised it, the
//! replies linked to it and, for reviewers, the form turning it into a violation. Every form calls
//! the same `app` use case as the API and comes back here.

use app::reputation::{IncidentFilter, IncidentRow, IncidentView, ReputationSeries};
use app::{AppError, AppResult};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::limits::{INCIDENT_SUMMARY_LENGTH_MAX, WATCH_KEYWORDS_MAX};
use domain::reputation::HOUR_MS;
use domain::team::TeamRight;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{at, error_note, error_page, is_refusal, name, notice_of, parse_id, refusal, render, who};
use crate::pages::{form_viewer, not_found_page};
use crate::session::{lang, viewer};

/// Notices a redirect may ask the pages to show.
const NOTICES: [&str; 4] = ["incident_assigned", "incident_resolved", "keywords_saved", "violation_recorded"];
/// Hours of the negative-rate table.
const SERIES_HOURS: i64 = 48;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    account: Option<String>,
    notice: Option<String>,
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn level_badge(lang: Lang, incident: &IncidentRow) -> Markup {
    html! {
        span.badge.{ "level-" (incident.level) } data-level=(incident.level) { (name(lang, "incident_level", &incident.level)) }
    }
}

/// The reputation page of one of the viewer's accounts (the first when none is named).
pub async fn reputation_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let actor = &viewer.ctx.actor;
    let here = "/console/reputation";
    let accounts = match state.app.enterprise_accounts(actor).await {
        Ok(accounts) => accounts,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "reputation", here, &error),
    };
    let chosen = match query.account.as_deref() {
        Some(text) => match parse_id(text) {
            Some(id) => Some(id),
            None => return not_found_page(jar),
        },
        None => accounts.first().map(|a| a.id),
    };
    let loaded: AppResult<_> = async {
        let Some(account_id) = chosen else { return Ok(None) };
        let account = state.app.enterprise_account(actor, account_id).await?;
        let open = state.app.incidents(actor, account_id, IncidentFilter::Open, Some(100), None).await?;
        let recent = state.app.incidents(actor, account_id, IncidentFilter::Resolved, Some(10), None).await?;
        let keywords = state.app.watch_keywords(actor, account_id).await?;
        let now_ms = state.app.clock().now_ms();
        let series = state
            .app
            .reputation_series(actor, account_id, now_ms - (SERIES_HOURS - 1) * HOUR_MS, now_ms)
            .await?;
        Ok(Some((account, open.items, recent.items, keywords, series)))
    }
    .await;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "reputation", here, &error),
    };
    let note = notice_of(lang(&jar), query.notice.as_deref(), &NOTICES);
    let may_manage = actor.may(TeamRight::Reply);
    let now_ms = state.app.clock().now_ms();
    let title = t(lang(&jar), "reputation");
    render(jar, &viewer, title, here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (t(lang, "reputation")) }
                @if accounts.len() > 1 {
                    p #account-picker {
                        @for account in &accounts {
                            @if Some(account.id) == chosen { strong { (account.nickname) } } @else {
                                a href={ "/console/reputation?account=" (account.id) } { (account.nickname) }
                            }
                            " "
                        }
                    }
                }
            }
            @match &loaded {
                None => { div.card { p.muted { (t(lang, "no_accounts")) } } }
                Some((account, open, recent, keywords, series)) => {
                    div.card {
                        h2 { span data-user { (account.nickname) } " · " (t(lang, "open_incidents")) }
                        @if open.is_empty() {
                            p.muted #no-open-incidents { (t(lang, "no_open_incidents")) }
                        } @else {
                            table #open-incidents {
                                tr {
                                    th { "#" } th { (t(lang, "incident_level")) } th { (t(lang, "incident_kind")) }
                                    th { (t(lang, "incident_opened")) } th { (t(lang, "incident_deadline")) }
                                    th { (t(lang, "incident_assignee")) } th {}
                                }
                                @for incident in open {
                                    (incident_row(lang, csrf, incident, may_manage, now_ms))
                                }
                            }
                        }
                    }
                    div.card {
                        h2 { (t(lang, "recently_resolved")) }
                        @if recent.is_empty() { p.muted { "–" } } @else {
                            table #resolved-incidents {
                                @for incident in recent {
                                    tr data-id=(incident.id) {
                                        td { a href={ "/console/incidents/" (incident.id) } { "#" (incident.id) } }
                                        td { (level_badge(lang, incident)) }
                                        td { (incident.resolved_at_ms.map(at).unwrap_or_default()) }
                                        td { (incident.summary.clone().unwrap_or_default()) }
                                    }
                                }
                            }
                        }
                    }
                    (keyword_card(lang, csrf, account.id, keywords, may_manage))
                    (series_card(lang, series))
                }
            }
        }
    })
}

fn incident_row(lang: Lang, csrf: &str, i: &IncidentRow, may_manage: bool, now_ms: i64) -> Markup {
    let late = i.overdue_at_ms.is_some() || i.deadline_at_ms < now_ms;
    html! {
        tr.incident.overdue-row[late] data-id=(i.id) {
            td { a href={ "/console/incidents/" (i.id) } { "#" (i.id) } }
            td { (level_badge(lang, i)) }
            td { (name(lang, "incident_kind", &i.kind)) @if let Some(k) = &i.keyword { " «" (k) "»" } }
            td { (at(i.opened_at_ms)) }
            td { (at(i.deadline_at_ms)) @if late { " " span.overdue { (t(lang, "overdue")) } } }
            td { (i.assignee.clone().unwrap_or_else(|| "–".into())) }
            td {
                @if may_manage {
                    (assign_form(lang, csrf, i.id))
                    (resolve_form(lang, csrf, i.id))
                }
            }
        }
    }
}

fn assign_form(lang: Lang, csrf: &str, id: i64) -> Markup {
    html! {
        form.inline.assign method="post" action={ "/console/incidents/" (id) "/assign" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="text" name="assignee" maxlength="64" required placeholder=(t(lang, "incident_assignee")) style="width:120px";
            " " button.small type="submit" { (t(lang, "incident_assign")) }
        }
    }
}

fn resolve_form(lang: Lang, csrf: &str, id: i64) -> Markup {
    html! {
        form.resolve method="post" action={ "/console/incidents/" (id) "/resolve" } style="margin-top:4px" {
            input type="hidden" name="csrf" value=(csrf);
            input type="text" name="summary" maxlength=(INCIDENT_SUMMARY_LENGTH_MAX) required placeholder=(t(lang, "incident_summary")) style="width:220px";
            " " button.small type="submit" { (t(lang, "incident_resolve")) }
        }
    }
}

fn keyword_card(lang: Lang, csrf: &str, account_id: i64, keywords: &[String], may_manage: bool) -> Markup {
    html! {
        div.card {
            h2 { (t(lang, "watch_keywords")) }
            p #watch-keywords {
                @if keywords.is_empty() { span.muted { "–" } }
                @for keyword in keywords { span.badge.tag data-user { (keyword) } " " }
            }
            @if may_manage {
                form #keyword-form method="post" action={ "/console/reputation/" (account_id) "/keywords" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="keywords" { (t(lang, "watch_keywords_hint")) " (≤ " (WATCH_KEYWORDS_MAX) ")" }
                    textarea #keywords name="keywords" rows="4" cols="40" { (keywords.join("\n")) }
                    br;
                    button.small type="submit" { (t(lang, "save")) }
                }
            }
        }
    }
}

/// The reviewer's form turning an incident into a violation of a shop of its merchant.
fn violation_card(lang: Lang, csrf: &str, id: i64, shops: &[app::shops::ShopRow]) -> Markup {
    let draft = crate::money::ViolationForm {
        kind: "false_advertising".into(),
        evidence: t(lang, "incident_violation_evidence").to_owned(),
        ..crate::money::ViolationForm::default()
    };
    html! {
        div.card {
            h2 { (t(lang, "incident_to_violation")) }
            form #incident-violation-form method="post" action={ "/console/incidents/" (id) "/violation" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="form_token" value=(crate::kit::form_token());
                label for="violation-shop" { (t(lang, "shop")) }
                select #violation-shop name="shop_id" {
                    @for shop in shops { option value=(shop.id) { (shop.name) " #" (shop.id) } }
                }
                (crate::money::violation_fields(lang, &draft))
            }
        }
    }
}

/// Turns an incident into a violation (reviewers), then back to the incident.
pub async fn violation(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<crate::money::ViolationForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let here = format!("/console/incidents/{id}");
    let lang = lang(&jar);
    let outcome = async {
        let shop_id =
            parse_id(&form.shop_id).ok_or_else(|| AppError::new(app::Code::InvalidField, "shop_id"))?;
        let input = crate::money::violation_input(lang, &form)?;
        let claim = app::ledger::IdempotencyClaim::parse(
            format!("user:{}", viewer.ctx.actor.user_id),
            Some(&form.form_token),
            "POST",
            &here,
            &crate::money::violation_fingerprint(&input),
        )?;
        state.app.incident_violation(&viewer.ctx, id, shop_id, &input, claim).await
    }
    .await;
    match outcome {
        Ok(_) => Redirect::to(&format!("{here}?notice=violation_recorded")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => error_page(jar, &viewer, "reputation", &here, &error),
    }
}

/// The hourly negative rate as a CSV (the chart's numbers).
pub async fn series_csv(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(account_id) = query.account.as_deref().and_then(parse_id) else { return not_found_page(jar) };
    let now_ms = state.app.clock().now_ms();
    let from_ms = now_ms - (SERIES_HOURS - 1) * HOUR_MS;
    match state.app.reputation_series(&viewer.ctx.actor, account_id, from_ms, now_ms).await {
        Ok(series) => crate::analytics::csv_response(
            vec![app::reports::negative_rate_chart(&series)],
            Some("negative_rate"),
            &format!("reputation-{account_id}"),
        ),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => error_page(jar, &viewer, "reputation", "/console/reputation", &error),
    }
}

fn series_card(lang: Lang, series: &ReputationSeries) -> Markup {
    let chart = app::reports::negative_rate_chart(series);
    let csv = format!("/console/reputation.csv?account={}", series.account_id);
    html! {
        (crate::analytics::chart_block(lang, &chart, &csv))
        div.card {
            h2 { (t(lang, "negative_rate_by_hour")) }
            p.muted #baseline {
                (t(lang, "baseline_rate")) ": " (percent(series.baseline.mean)) " ± " (percent(series.baseline.sigma))
                " · " (t(lang, "spike_threshold")) ": " (percent(series.threshold))
                @if !series.baseline.learned { " · " (t(lang, "baseline_prior")) }
            }
            table #negative-rate {
                tr { th { (t(lang, "hour")) } th { (t(lang, "comments_total")) } th { (t(lang, "negative_comments")) } th { (t(lang, "negative_rate")) } }
                @for point in series.hours.iter().rev().filter(|p| p.hour.comments > 0) {
                    tr.failing[point.rate >= series.threshold] {
                        td { (at(point.hour.hour_ms)) }
                        td { (point.hour.comments) }
                        td { (point.hour.negative) }
                        td { (percent(point.rate)) }
                    }
                }
            }
        }
    }
}

/// One incident with its comments and replies.
pub async fn incident_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let here = format!("/console/incidents/{id}");
    let view: IncidentView = match state.app.incident_view(&viewer.ctx.actor, id).await {
        Ok(view) => view,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "reputation", &here, &error),
    };
    let note = notice_of(lang(&jar), query.notice.as_deref(), &NOTICES);
    let may_manage = viewer.ctx.actor.may(TeamRight::Reply);
    let i = &view.incident;
    // A reviewer may turn the incident into a violation of one of its merchant's shops.
    let shops = if viewer.ctx.actor.role == domain::auth::Role::Reviewer && i.violation_id.is_none() {
        match state.app.list_shops(&viewer.ctx.actor, Some(domain::limits::PAGE_SIZE_MAX), None).await {
            Ok(page) => page.items.into_iter().filter(|s| s.merchant_id == i.merchant_id).collect(),
            Err(error) => return error_page(jar, &viewer, "reputation", &here, &error),
        }
    } else {
        Vec::new()
    };
    let title = format!("{} #{id}", t(lang(&jar), "incident"));
    render(jar, &viewer, &title, &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card #incident data-status=(i.status) {
                p.muted { a href={ "/console/reputation?account=" (i.account_id) } { "← " (t(lang, "reputation")) } }
                h1 { (t(lang, "incident")) " #" (id) " " (level_badge(lang, i)) " "
                    span.badge #incident-status { (name(lang, "incident_status", i.status.as_str())) }
                    @if i.overdue_at_ms.is_some() { " " span.overdue #incident-overdue { (t(lang, "overdue")) } }
                }
                p {
                    (name(lang, "incident_kind", &i.kind)) @if let Some(k) = &i.keyword { " «" (k) "»" }
                    " · " (t(lang, "incident_opened")) " " (at(i.opened_at_ms))
                    " · " (t(lang, "incident_deadline")) " " (at(i.deadline_at_ms))
                    " · " (t(lang, "negative_comments")) " " (i.hour_negative) " / " (i.hour_comments)
                    " · " (t(lang, "baseline_rate")) " " (percent(i.baseline_rate))
                }
                p { (t(lang, "incident_assignee")) ": " span #incident-assignee { (i.assignee.clone().unwrap_or_else(|| "–".into())) } }
                @if let Some(summary) = &i.summary {
                    p #incident-summary { (t(lang, "incident_summary")) ": " (summary) " — " (who(lang, i.resolved_by.as_deref().unwrap_or_default())) " " (i.resolved_at_ms.map(at).unwrap_or_default()) }
                }
                @if let Some(violation) = i.violation_id { p { (t(lang, "incident_violation")) " #" (violation) } }
                @if may_manage && i.status == domain::reputation::IncidentStatus::Open {
                    (assign_form(lang, csrf, i.id))
                    (resolve_form(lang, csrf, i.id))
                }
            }
            @if !shops.is_empty() { (violation_card(lang, csrf, i.id, &shops)) }
            div.card {
                h2 { (t(lang, "incident_comments")) " (" (view.comments.len()) ")" }
                ul #incident-comments {
                    @for c in &view.comments { li { span.muted { (at(c.created_at_ms)) " · " (c.author_id) } " " (c.text) } }
                }
                h2 { (t(lang, "incident_replies")) " (" (view.replies.len()) ")" }
                ul #incident-replies {
                    @for c in &view.replies { li { span.muted { (at(c.created_at_ms)) " · " (who(lang, c.replied_by.as_deref().unwrap_or_default())) } " " (c.text) } }
                }
                p { a href={ "/console/enterprise-accounts/" (i.account_id) "/comments" } { (t(lang, "comment_inbox")) " →" } }
            }
        }
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IncidentForm {
    csrf: String,
    assignee: String,
    summary: String,
}

async fn incident_action(
    state: ConsoleState,
    jar: CookieJar,
    headers: HeaderMap,
    id: String,
    form: IncidentForm,
    resolve: bool,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let (done, notice): (Result<IncidentRow, AppError>, &str) = if resolve {
        (state.app.resolve_incident(&viewer.ctx, id, &form.summary).await, "incident_resolved")
    } else {
        (state.app.assign_incident(&viewer.ctx, id, &form.assignee).await, "incident_assigned")
    };
    match done {
        Ok(incident) => {
            Redirect::to(&format!("/console/incidents/{}?notice={notice}", incident.id)).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let here = format!("/console/incidents/{id}");
            let title = t(lang(&jar), "incident");
            render(jar, &viewer, title, &here, |lang, _| {
                html! { div.card { (error_note(lang, &error)) p { a href=(here) { "← " (t(lang, "incident")) " #" (id) } } } }
            })
        }
    }
}

pub async fn assign(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<IncidentForm>,
) -> Response {
    incident_action(state, jar, headers, id, form, false).await
}

pub async fn resolve(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<IncidentForm>,
) -> Response {
    incident_action(state, jar, headers, id, form, true).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeywordForm {
    csrf: String,
    keywords: String,
}

/// Replaces the watch list from the form's text, one keyword a line.
pub async fn save_keywords(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(account): Path<String>,
    Form(form): Form<KeywordForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(account_id) = parse_id(&account) else { return not_found_page(jar) };
    let keywords: Vec<String> =
        form.keywords.lines().map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect();
    match state.app.set_watch_keywords(&viewer.ctx, account_id, &keywords).await {
        Ok(_) => Redirect::to(&format!("/console/reputation?account={account_id}&notice=keywords_saved"))
            .into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => error_page(jar, &viewer, "reputation", "/console/reputation", &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_show_as_percentages() {
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(0.123), "12.3%");
        assert_eq!(percent(1.0), "100.0%");
    }
}
