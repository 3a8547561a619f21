//! The payouts pages: the list of payouts by status (finance of the merchant, reviewers, admins)
//! with overdue flags, a refund's payouts with their dates, and the finance reconciliation of the
//! payment channel's settlement file (the report as a page and as CSV).

use app::payouts::{PayoutView, ReconcileReport};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::payouts::{DifferenceKind, PayoutStatus, RECONCILE_HEADER};
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    FormOutcome, at, error_page, failed_redirect, is_refusal, money, name, parse_id, refusal, render,
};
use crate::pages::{form_viewer, not_found_page};
use crate::session::viewer;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PayoutQuery {
    status: String,
}

/// The status of a payout in words with the day it happened: 退款中 / 已到账 2026-10-20 /
/// 退款失败，请更新收款账户.
pub(crate) fn payout_status(lang: Lang, view: &PayoutView) -> Markup {
    let p = &view.payout;
    let day = match Some(p.status) {
        Some(PayoutStatus::Paid) => p.paid_on.clone(),
        Some(PayoutStatus::Sent) => p.sent_at_ms.map(at),
        Some(PayoutStatus::Failed | PayoutStatus::Returned) => p.settled_at_ms.map(at),
        _ => Some(at(p.requested_at_ms)),
    };
    html! {
        span.payout-status data-status=(p.status) { (name(lang, "payout_status", p.status.as_str())) }
        @if let Some(day) = day { " " span.muted { (day) } }
        @if view.overdue { " " span.badge.failing.overdue { (t(lang, "overdue")) } }
        @if let Some(reason) = &p.failure_reason { " " span.muted { "（" (reason) "）" } }
    }
}

/// A table of payouts (a refund's, or a page of the list).
pub(crate) fn payout_table(lang: Lang, list: &[PayoutView]) -> Markup {
    html! {
        @if list.is_empty() {
            p.muted.no-payouts { (t(lang, "no_payouts")) }
        } @else {
            div.table-scroll {
                table.payouts {
                    tr {
                        th { "#" } th { (t(lang, "payout_purpose")) } th { (t(lang, "amount")) }
                        th { (t(lang, "payout_payee")) } th { (t(lang, "status")) } th { (t(lang, "payout_requested_at")) }
                    }
                    @for view in list {
                        @let p = &view.payout;
                        tr data-payout=(p.id) {
                            td { (p.id) }
                            td { (name(lang, "payout_purpose", &p.purpose)) }
                            td.amount { (money(p.amount_fen)) }
                            td { (p.holder_name) " · " (p.bank_name) " ****" (p.account_last4) }
                            td.status { (payout_status(lang, view)) }
                            td { (at(p.requested_at_ms)) }
                        }
                    }
                }
            }
        }
    }
}

/// Payouts newest first, filtered by status.
pub async fn payouts_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<PayoutQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let status = Some(query.status.as_str()).filter(|s| !s.is_empty());
    let here = match status {
        Some(status) => format!("/console/payouts?status={status}"),
        None => "/console/payouts".to_owned(),
    };
    let page = match state.app.payouts(&viewer.ctx.actor, status, None, None, Some(200)).await {
        Ok(page) => page,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "payouts", &here, &error),
    };
    let may_reconcile = crate::kit::shell::may(&viewer.ctx.actor, domain::access::UseCase::ReconcilePayouts);
    let title = t(crate::session::lang(&jar), "payouts");
    render(jar, &viewer, title, &here, |lang, _csrf| {
        html! {
            div.card {
                h1 { (title) }
                p.muted { (t(lang, "payouts_intro")) }
                p #payout-filter {
                    @if status.is_none() { strong { (t(lang, "all")) } } @else { a href="/console/payouts" { (t(lang, "all")) } }
                    @for candidate in PayoutStatus::ALL {
                        " · "
                        @if status == Some(candidate.as_str()) {
                            strong { (name(lang, "payout_status", candidate.as_str())) }
                        } @else {
                            a href={ "/console/payouts?status=" (candidate.as_str()) } { (name(lang, "payout_status", candidate.as_str())) }
                        }
                    }
                }
                @if may_reconcile {
                    p { a #reconcile-link href="/console/payouts/reconcile" { (t(lang, "reconcile")) } }
                }
                (payout_table(lang, &page.items))
            }
        }
    })
}

/// The reconciliation page.
const RECONCILE: &str = "/console/payouts/reconcile";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReconcileForm {
    csrf: String,
    file: String,
}

fn reconcile_form(lang: Lang, csrf: &str, text: &str) -> Markup {
    html! {
        form method="post" action=(RECONCILE) {
            input type="hidden" name="csrf" value=(csrf);
            label for="settlement-file" { (t(lang, "settlement_file")) }
            p.muted { (t(lang, "settlement_file_hint")) }
            details {
                summary { (t(lang, "settlement_file_header")) }
                code { (RECONCILE_HEADER) }
            }
            textarea #settlement-file name="file" rows="10" cols="70" required { (text) }
            div { button.primary #reconcile type="submit" { (t(lang, "reconcile")) } }
        }
    }
}

fn report_table(lang: Lang, report: &ReconcileReport) -> Markup {
    html! {
        p #reconcile-summary {
            (t(lang, "settlement_lines")) " " strong { (report.lines) } " · "
            (t(lang, "differences")) " " strong #difference-count { (report.differences.len()) }
        }
        @if report.differences.is_empty() {
            p.passing #reconcile-ok { (t(lang, "reconcile_all_match")) }
        } @else {
            div.table-scroll {
                table #differences {
                    tr {
                        th { (t(lang, "difference_kind")) } th { (t(lang, "payout")) } th { (t(lang, "settlement_line")) }
                        th { (t(lang, "amount_in_file")) } th { (t(lang, "amount_here")) }
                        th { (t(lang, "status_in_file")) } th { (t(lang, "status_here")) }
                    }
                    @for d in &report.differences {
                        tr data-kind=(d.kind.as_str()) {
                            td { (difference_name(lang, d.kind)) }
                            td { (d.payout_id) }
                            td { (d.line.map(|l| l.to_string()).unwrap_or_default()) }
                            td { (d.file_amount_fen.map(money).unwrap_or_default()) }
                            td { (d.our_amount_fen.map(money).unwrap_or_default()) }
                            td { (d.file_status.map(|s| name(lang, "payout_status", s.as_str())).unwrap_or_default()) }
                            td { (d.our_status.map(|s| name(lang, "payout_status", s.as_str())).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    }
}

fn difference_name(lang: Lang, kind: DifferenceKind) -> String {
    name(lang, "difference", kind.as_str())
}

/// What the reconciliation page shows: the form, or the report of a kept settlement file
/// (`?file=ID`, where the form redirects), or the error it was sent back with.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReconcileQuery {
    file: Option<String>,
    #[serde(flatten)]
    outcome: FormOutcome,
}

/// The reconciliation form, and the report of the settlement file `?file=ID` with its CSV.
pub async fn reconcile_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<ReconcileQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    if !matches!(viewer.ctx.actor.role, domain::auth::Role::Reviewer | domain::auth::Role::Admin) {
        return refusal(jar, &app::AppError::new(app::Code::Forbidden, ""));
    }
    let file = query.file.as_deref().and_then(parse_id);
    let report = match file {
        Some(id) => match state.app.settlement_report(&viewer.ctx.actor, id).await {
            Ok(found) => Some((id, found)),
            Err(error) if is_refusal(&error) => return refusal(jar, &error),
            Err(error) => return error_page(jar, &viewer, "reconcile", RECONCILE, &error),
        },
        None => None,
    };
    let lang = crate::session::lang(&jar);
    let note = query.outcome.note(lang, &[]);
    let title = t(lang, "reconcile");
    render(jar, &viewer, title, RECONCILE, |lang, csrf| {
        html! {
            @if let Some(note) = &note { (note) }
            div.card {
                h1 { (title) }
                @if let Some((id, (_, report))) = &report {
                    (report_table(lang, report))
                    p { a #reconcile-csv href={ (RECONCILE) ".csv?file=" (id) } { (t(lang, "download_report_csv")) } }
                }
                (reconcile_form(lang, csrf, report.as_ref().map_or("", |(_, (text, _))| text.as_str())))
            }
        }
    })
}

/// Keeps the settlement file and redirects to its report (Post/Redirect/Get); a file with a wrong
/// line goes back to the form with the error.
pub async fn reconcile_submit(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<ReconcileForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    match state.app.save_settlement_file(&viewer.ctx, &form.file).await {
        Ok(id) => Redirect::to(&format!("{RECONCILE}?file={id}")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(RECONCILE, &error),
    }
}

/// The report of a kept settlement file as CSV (`?file=ID`).
pub async fn reconcile_csv(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<ReconcileQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(id) = query.file.as_deref().and_then(parse_id) else { return not_found_page(jar) };
    match state.app.settlement_report(&viewer.ctx.actor, id).await {
        Ok((_, report)) => {
            let mut response = domain::payouts::differences_csv(&report.differences).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"reconciliation.csv\""),
            );
            response
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => error_page(jar, &viewer, "reconcile", RECONCILE, &error),
    }
}
