//! The closure pages: a shop's closure page (every check with what clears it, the request form,
//! the notice countdown and withdrawal, the refund after closure), the payout account form, and
//! the reviewers' refund queue, case view and decision form.

use std::collections::HashMap;

use app::closure::{ClosureOutcome, ClosureReport, ClosureRow, PayoutView, RefundView, check_page};
use app::shops::{DepositView, ShopRow};
use app::violations::ViolationRow;
use app::{AppError, Code};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::NaiveDate;
use domain::auth::Role;
use domain::closure::{Check, CheckCode, ClosureStatus, ReasonCode, RefundOutcome, RefundStatus};
use domain::limits::{BANK_NAME_LENGTH_MAX, ENTITY_NAME_LENGTH_MAX, NOTE_LENGTH_MAX, SHOP_NAME_LENGTH_MAX};
use domain::operations::ShopStatus;
use domain::violation::EntityType;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    FormOutcome, at, error_note, error_page, failed_redirect, is_refusal, money, name, parse_id, parse_yuan,
    refusal, render,
};
use crate::operations::{Section, shop_section};
use crate::pages::{form_viewer, message, not_found_page};
use crate::session::{Viewer, lang, viewer};

/// Notices the closure pages show after a redirect (`?notice=KEY`, text `notice_KEY`).
const NOTICES: [&str; 4] = ["closure_requested", "closure_withdrawn", "payout_saved", "refund_decided"];

/// The name of a check in the viewer's language.
fn check_name(lang: Lang, code: CheckCode) -> &'static str {
    t(lang, &format!("check_{}", code.as_str()))
}

/// What clears a check, in the viewer's language (the domain's own text).
fn check_action(lang: Lang, code: CheckCode) -> &'static str {
    let (zh, en) = code.action();
    if lang == Lang::Zh { zh } else { en }
}

/// A check's count: money for the money checks, a number of things otherwise.
fn check_count(check: &Check) -> String {
    match check.code {
        CheckCode::UnsettledFunds | CheckCode::DepositNegative => money(check.count),
        _ => check.count.to_string(),
    }
}

/// The console page where the merchant clears a check.
pub(crate) fn check_href(shop_id: i64, code: CheckCode) -> String {
    let shop = Section::Overview.href(shop_id);
    match code {
        CheckCode::UnshippedOrders => format!("{}?status=paid", Section::Orders.href(shop_id)),
        CheckCode::OrdersInTransit => format!("{}?status=shipped", Section::Orders.href(shop_id)),
        CheckCode::DepositNegative => format!("{shop}#deposit"),
        CheckCode::ViolationAppealPending => format!("{shop}#violations"),
        other => match check_page(other) {
            "" => shop,
            page => format!("{shop}/{page}"),
        },
    }
}

/// The China calendar day of the app clock (never the system clock directly).
fn today(state: &ConsoleState) -> NaiveDate {
    app::clock::china_date(state.app.clock().now())
}

fn day_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| app::clock::china_date(t).to_string())
        .unwrap_or_default()
}

/// Every blocker of a refused request (or of the last re-check), each with its fix.
fn blocker_list(lang: Lang, shop_id: i64, checks: &[Check]) -> Markup {
    html! {
        ul.blockers {
            @for check in checks {
                li.blocker data-code=(check.code.as_str()) {
                    strong { (check_name(lang, check.code)) }
                    @if check.count > 0 { " (" (check_count(check)) ")" }
                    " — " (check_action(lang, check.code)) " "
                    a.fix href=(check_href(shop_id, check.code)) { (t(lang, "go_fix")) " →" }
                }
            }
        }
    }
}

fn checks_table(lang: Lang, shop_id: i64, checks: &[Check]) -> Markup {
    html! {
        table #checks {
            tr {
                th { (t(lang, "check")) } th { (t(lang, "status")) } th { (t(lang, "count")) }
                th { (t(lang, "what_to_do")) } th { (t(lang, "clears_on")) }
            }
            @for check in checks {
                tr.check data-code=(check.code.as_str()) data-passed=(check.passed) {
                    td.check-name { (check_name(lang, check.code)) }
                    td.check-status {
                        @if check.passed {
                            span.badge.passed { (t(lang, "check_passed")) }
                        } @else {
                            span.badge.failing { (t(lang, "check_failing")) }
                        }
                    }
                    td.check-count { (check_count(check)) }
                    td.check-action {
                        (check_action(lang, check.code)) " "
                        a.fix href=(check_href(shop_id, check.code)) { (t(lang, "go_fix")) " →" }
                    }
                    td.clears-on { (check.clears_on.map(|d| d.to_string()).unwrap_or_default()) }
                }
            }
        }
    }
}

/// The refund of a closed shop, with its dates, amounts and outcome.
pub(crate) fn refund_table(lang: Lang, view: &RefundView) -> Markup {
    let refund = &view.refund;
    let reasons: Vec<&str> = refund.review_reasons.split(',').filter(|r| !r.is_empty()).collect();
    html! {
        table.refund {
            tr {
                th { (t(lang, "status")) }
                td {
                    span #refund-status data-status=(refund.status) { (name(lang, "refund_status", refund.status.as_str())) }
                    @if view.overdue { " " span.badge.failing.overdue { (t(lang, "overdue")) } }
                }
            }
            tr { th { (t(lang, "refund_amount")) } td #refund-amount { (money(refund.amount_fen)) } }
            tr { th { (t(lang, "closed_on")) } td #closed-on { (refund.closed_on) } }
            tr { th { (t(lang, "release_on")) } td #release-on { (refund.release_on) } }
            tr { th { (t(lang, "due_on")) } td #due-on { (refund.due_on) } }
            @if !reasons.is_empty() {
                tr {
                    th { (t(lang, "review_reasons")) }
                    td #review-reasons { @for reason in &reasons { span.badge data-reason=(reason) { (name(lang, "review_reason", reason)) } " " } }
                }
            }
            @if let Some(outcome) = &refund.outcome {
                tr { th { (t(lang, "refund_outcome")) } td #refund-outcome { (name(lang, "refund_outcome", outcome)) } }
                tr { th { (t(lang, "refund_paid")) } td #refund-paid { (money(refund.paid_fen.unwrap_or_default())) } }
                tr { th { (t(lang, "refund_deducted")) } td #refund-deducted { (money(refund.deduct_fen.unwrap_or_default())) } }
                @if let Some(reason) = refund.decision_reason.as_deref().filter(|r| !r.is_empty()) {
                    tr { th { (t(lang, "decision_reason")) } td #decision-reason-text { (reason) } }
                }
                tr { th { (t(lang, "decided_at")) } td { (refund.decided_at_ms.map(at).unwrap_or_default()) } }
            }
        }
    }
}

/// The payout account, masked; merchants get a link to change it.
fn payout_line(lang: Lang, shop_id: i64, payout: Option<&PayoutView>, editable: bool) -> Markup {
    html! {
        p #payout-line {
            (t(lang, "payout_account")) ": "
            @match payout {
                Some(p) => { span #payout-masked { (p.holder_name) " · " (p.bank_name) " · ****" (p.account_last4) } }
                None => { span.failing #payout-masked { (t(lang, "payout_missing")) } }
            }
            @if editable { " " a #edit-payout href=(Section::Payout.href(shop_id)) { (t(lang, "edit_payout")) } }
        }
    }
}

// ----- the closure page -----

/// Everything the closure page shows.
struct ClosureView {
    report: ClosureReport,
    closure: Option<ClosureRow>,
    payout: Option<PayoutView>,
    deposit: DepositView,
    /// The closure-decision report: the last 12 months against the shops of the category.
    decision: app::sales::ClosureReport,
    /// The refund's payouts, oldest first.
    payouts: Vec<app::payouts::PayoutView>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    #[serde(flatten)]
    outcome: FormOutcome,
    status: Option<String>,
    cursor: Option<String>,
}

pub async fn closure_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(shop_id) = parse_id(&id) else { return not_found_page(jar) };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    closure_response(&state, jar, &viewer, shop_id, note, None).await
}

pub(crate) async fn closure_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    note: Option<Markup>,
    draft: Option<&ClosureForm>,
) -> Response {
    let actor = &viewer.ctx.actor;
    let may_act = crate::kit::may(actor, domain::access::UseCase::RequestClosure);
    let here = Section::Closure.href(shop_id);
    let today = today(state);
    let load = async {
        Ok(ClosureView {
            report: state.app.closure_checks(actor, shop_id).await?,
            closure: state.app.closure(actor, shop_id).await?,
            payout: state.app.payout_account(actor, shop_id).await?,
            deposit: state.app.deposit(actor, shop_id).await?,
            decision: state.app.closure_report(actor, shop_id).await?,
            payouts: match state.app.deposit(actor, shop_id).await?.refund {
                Some(refund) => state.app.refund_payouts(actor, refund.refund.id).await?,
                None => Vec::new(),
            },
        })
    };
    let empty = ClosureForm::default();
    let draft = draft.unwrap_or(&empty);
    shop_section(state, jar, viewer, shop_id, Section::Closure, &here, note, load, |lang, csrf, shop, view| {
        let status = Some(shop.status);
        html! {
            (decision_card(lang, shop, &view.decision))
            @match status {
                Some(ShopStatus::Closed) => (closed_cards(lang, &view)),
                Some(ShopStatus::NoticePeriod) => {
                    (notice_card(lang, csrf, shop, &view, today, may_act))
                    (checks_card(lang, shop, &view))
                }
                _ => {
                    @if let Some(closure) = view.closure.as_ref().filter(|c| c.status == ClosureStatus::Withdrawn) {
                        div.notice #last-withdrawn {
                            (t(lang, "closure_last_withdrawn")) " " (closure.ended_at_ms.map(at).unwrap_or_default())
                        }
                    }
                    (checks_card(lang, shop, &view))
                    @if may_act { (request_card(lang, csrf, shop, &view, draft)) }
                }
            }
        }
    })
    .await
}

/// The closure-decision report in brief, with the links to the whole report and its PDF.
fn decision_card(lang: Lang, shop: &ShopRow, report: &app::sales::ClosureReport) -> Markup {
    let percentile = |bp: Option<i64>| bp.map_or("—".to_owned(), domain::campaigns::percent_text);
    html! {
        div.card #closure-decision {
            h2 { (t(lang, "closure_report")) }
            p #decision-summary { (match lang { Lang::Zh => &report.summary_zh, Lang::En => &report.summary_en }) }
            p.muted {
                "GMV " (money(report.totals.gmv_fen)) " · P" (percentile(report.peers.gmv_fen.percentile_bp))
                " (" (report.peers.shops) ")"
            }
            p {
                a #decision-report href={ "/console/shops/" (shop.id) "/closure/report" } { (t(lang, "closure_report")) }
                " · "
                a #decision-pdf href={ "/console/shops/" (shop.id) "/closure/report.pdf" } { (t(lang, "download_pdf")) }
            }
        }
    }
}

fn checks_card(lang: Lang, shop: &ShopRow, view: &ClosureView) -> Markup {
    let blocking = domain::closure::blockers(&view.report.checks).len();
    html! {
        div.card #checks-card {
            h2 { (t(lang, "closure_checks")) }
            p.muted { (t(lang, "closure_intro")) }
            (checks_table(lang, shop.id, &view.report.checks))
            p {
                (t(lang, "earliest_close_on")) ": " strong #earliest-close-on { (view.report.earliest_close_on) }
            }
            @if shop.status == ShopStatus::Operating {
                @if blocking == 0 {
                    p.passed #closure-ready { (t(lang, "closure_ready")) }
                } @else {
                    p.failing #closure-ready { (t(lang, "closure_blocked_count")) " " strong #blocking-count { (blocking) } }
                }
            }
        }
    }
}

fn request_card(lang: Lang, csrf: &str, shop: &ShopRow, view: &ClosureView, draft: &ClosureForm) -> Markup {
    html! {
        div.card #request-card {
            h2 { (t(lang, "request_closure")) }
            p.muted { (t(lang, "request_closure_intro")) }
            (payout_line(lang, shop.id, view.payout.as_ref(), true))
            form #closure-form method="post" action=(Section::Closure.href(shop.id)) {
                input type="hidden" name="csrf" value=(csrf);
                label for="reason-code" { (t(lang, "closure_reason")) }
                select #reason-code name="reason_code" required {
                    option value="" { (t(lang, "choose")) }
                    @for code in ReasonCode::ALL {
                        option value=(code.as_str()) selected[draft.reason_code == code.as_str()] { (name(lang, "closure_reason", code.as_str())) }
                    }
                }
                label for="reason-text" { (t(lang, "closure_reason_text")) }
                textarea #reason-text name="reason_text" required maxlength=(NOTE_LENGTH_MAX) rows="3" cols="60" { (draft.reason_text) }
                label for="confirm-name" { (t(lang, "confirm_shop_name")) " 「" (shop.name) "」" }
                input #confirm-name name="confirm_name" required maxlength=(SHOP_NAME_LENGTH_MAX) size="30" autocomplete="off" value=(draft.confirm_name);
                div { button.primary #request-closure type="submit" { (t(lang, "request_closure")) } }
            }
        }
    }
}

fn notice_card(
    lang: Lang,
    csrf: &str,
    shop: &ShopRow,
    view: &ClosureView,
    today: NaiveDate,
    may_act: bool,
) -> Markup {
    let Some(closure) = view.closure.as_ref().filter(|c| c.status == ClosureStatus::NoticePeriod) else {
        return html! {};
    };
    let closes_on = closure.closes_on.parse::<NaiveDate>().ok();
    let days_left = closes_on.map(|day| (day - today).num_days());
    let blockers: Vec<Check> = closure
        .blockers
        .split(',')
        .filter_map(CheckCode::parse)
        .filter_map(|code| view.report.checks.iter().find(|c| c.code == code).copied())
        .collect();
    let named: Vec<CheckCode> = closure.blockers.split(',').filter_map(CheckCode::parse).collect();
    html! {
        div.card #notice-period {
            h2 { (t(lang, "notice_period")) }
            p #countdown {
                @match days_left {
                    Some(days) if days > 0 => {
                        (t(lang, "countdown_prefix")) " " strong #days-left { (days) } " " (t(lang, "countdown_suffix"))
                    }
                    _ => {
                        (t(lang, "countdown_prefix")) " " strong #days-left { "0" } " " (t(lang, "countdown_suffix"))
                        " — " (t(lang, "countdown_over"))
                    }
                }
            }
            table {
                tr { th { (t(lang, "closes_on")) } td #closes-on { (closure.closes_on) } }
                tr { th { (t(lang, "requested_at")) } td { (at(closure.requested_at_ms)) } }
                tr { th { (t(lang, "closure_reason")) } td #closure-reason { (name(lang, "closure_reason", &closure.reason_code)) " — " (closure.reason_text) } }
            }
            p.muted { (t(lang, "notice_period_intro")) }
            @if !named.is_empty() {
                div.error #recheck-blockers role="alert" {
                    (t(lang, "recheck_blocked"))
                    @if blockers.is_empty() {
                        ul.blockers { @for code in &named { li.blocker data-code=(code.as_str()) { (check_name(lang, *code)) } } }
                    } @else {
                        (blocker_list(lang, shop.id, &blockers))
                    }
                }
            }
            @if may_act {
                form #withdraw-closure-form method="post" action={ (Section::Closure.href(shop.id)) "/withdraw" } {
                    input type="hidden" name="csrf" value=(csrf);
                    button.primary #withdraw-closure type="submit" { (t(lang, "withdraw_closure")) }
                }
            }
        }
    }
}

fn closed_cards(lang: Lang, view: &ClosureView) -> Markup {
    let closure = view.closure.as_ref().filter(|c| c.status == ClosureStatus::Closed);
    html! {
        div.card #closed {
            h2 { (t(lang, "shop_closed")) }
            p.muted { (t(lang, "shop_closed_intro")) }
            @if let Some(closure) = closure {
                table {
                    tr { th { (t(lang, "closed_on")) } td { (closure.ended_at_ms.map(day_of).unwrap_or_default()) } }
                    tr { th { (t(lang, "closure_reason")) } td { (name(lang, "closure_reason", &closure.reason_code)) " — " (closure.reason_text) } }
                }
            }
        }
        div.card #refund {
            h2 { (t(lang, "refund")) }
            @match &view.deposit.refund {
                Some(refund) => {
                    p.muted {
                        @match Some(refund.refund.status) {
                            Some(RefundStatus::Holding) => { (t(lang, "refund_holding_intro")) }
                            Some(RefundStatus::InReview) => { (t(lang, "refund_review_intro")) }
                            Some(RefundStatus::Paying) => { (t(lang, "refund_paying_intro")) }
                            Some(RefundStatus::PayoutFailed) => {
                                (t(lang, "refund_payout_failed_intro")) " "
                                a #fix-payout-account href={ "/console/shops/" (refund.refund.shop_id) "/payout-account" } { (t(lang, "payout_account")) }
                            }
                            _ => { (t(lang, "refund_decided_intro")) }
                        }
                    }
                    (refund_table(lang, refund))
                    @if !view.payouts.is_empty() {
                        h3 { (t(lang, "refund_payouts")) }
                        (crate::payouts::payout_table(lang, &view.payouts))
                    }
                }
                None => { p.muted { (t(lang, "no_refund")) } }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClosureForm {
    csrf: String,
    reason_code: String,
    reason_text: String,
    confirm_name: String,
}

/// The merchant asks to close the shop. A refusal shows every blocker at once and changes nothing.
pub async fn request_closure(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ClosureForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(shop_id) = parse_id(&id) else { return not_found_page(jar) };
    let lang = lang(&jar);
    let outcome = state
        .app
        .request_closure(&viewer.ctx, shop_id, &form.reason_code, &form.reason_text, &form.confirm_name)
        .await;
    let note = match outcome {
        Ok(ClosureOutcome::Notice(_)) => {
            return Redirect::to(&format!("{}?notice=closure_requested", Section::Closure.href(shop_id)))
                .into_response();
        }
        Ok(ClosureOutcome::Blocked(checks)) => html! {
            div.error #blockers role="alert" data-code=(Code::ClosureBlocked.as_str()) {
                span.error-title { (message(lang, &AppError::new(Code::ClosureBlocked, ""))) }
                (blocker_list(lang, shop_id, &checks))
            }
        },
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => error_note(lang, &error),
    };
    closure_response(&state, jar, &viewer, shop_id, Some(note), Some(&form)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

/// The merchant withdraws the closure during its notice period.
pub async fn withdraw_closure(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(shop_id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.withdraw_closure(&viewer.ctx, shop_id).await {
        Ok(_) => Redirect::to(&format!("{}?notice=closure_withdrawn", Section::Closure.href(shop_id)))
            .into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let note = error_note(lang(&jar), &error);
            closure_response(&state, jar, &viewer, shop_id, Some(note), None).await
        }
    }
}

// ----- the payout account -----

pub async fn payout_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(shop_id) = parse_id(&id) else { return not_found_page(jar) };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    payout_response(&state, jar, &viewer, shop_id, note).await
}

pub(crate) async fn payout_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    note: Option<Markup>,
) -> Response {
    let may_act = crate::kit::may(&viewer.ctx.actor, domain::access::UseCase::SetPayoutAccount);
    let here = Section::Payout.href(shop_id);
    let load = state.app.payout_account(&viewer.ctx.actor, shop_id);
    shop_section(state, jar, viewer, shop_id, Section::Payout, &here, note, load, |lang, csrf, shop, payout| {
        let enterprise = shop.entity_type == EntityType::Enterprise.as_str();
        let holder = match &payout {
            Some(payout) => payout.holder_name.clone(),
            None if enterprise => shop.entity_name.clone(),
            None => String::new(),
        };
        let bank = payout.as_ref().map_or_else(String::new, |payout| payout.bank_name.clone());
        html! {
            div.card {
                h2 { (t(lang, "payout_account")) }
                p.muted { (t(lang, "payout_intro")) }
                (payout_line(lang, shop.id, payout.as_ref(), false))
                @if enterprise {
                    p.muted #holder-rule { (t(lang, "payout_holder_rule")) " 「" (shop.entity_name) "」" }
                }
                @if may_act {
                    form #payout-form method="post" action=(Section::Payout.href(shop.id)) {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="holder-name" { (t(lang, "holder_name")) }
                        input #holder-name name="holder_name" required maxlength=(ENTITY_NAME_LENGTH_MAX) size="40" value=(holder);
                        label for="bank-name" { (t(lang, "bank_name")) }
                        input #bank-name name="bank_name" required maxlength=(BANK_NAME_LENGTH_MAX) size="30" value=(bank);
                        label for="account-number" { (t(lang, "account_number")) }
                        input #account-number name="account_number" required maxlength="40" size="30" inputmode="numeric" autocomplete="off";
                        div { button.primary #save-payout type="submit" { (t(lang, "save")) } }
                    }
                }
            }
        }
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PayoutForm {
    csrf: String,
    holder_name: String,
    bank_name: String,
    account_number: String,
}

pub async fn save_payout(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<PayoutForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(shop_id) = parse_id(&id) else { return not_found_page(jar) };
    let outcome = state
        .app
        .set_payout_account(&viewer.ctx, shop_id, &form.holder_name, &form.bank_name, &form.account_number)
        .await;
    match outcome {
        Ok(_) => {
            Redirect::to(&format!("{}?notice=payout_saved", Section::Payout.href(shop_id))).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&Section::Payout.href(shop_id), &error),
    }
}

// ----- the refund queue, case view and decision -----

/// Deposit refunds, earliest due first, with overdue flags; filtered by status.
pub async fn refunds(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let status = query.status.filter(|s| !s.is_empty());
    let here = match &status {
        Some(status) => format!("/console/refunds?status={status}"),
        None => "/console/refunds".to_owned(),
    };
    let actor = &viewer.ctx.actor;
    let loaded = async {
        let page = state.app.list_refunds(actor, status.as_deref(), None, query.cursor.as_deref()).await?;
        let mut shops: HashMap<i64, String> = HashMap::new();
        for view in &page.items {
            if !shops.contains_key(&view.refund.shop_id) {
                let shop = state.app.shop(actor, view.refund.shop_id).await?;
                shops.insert(shop.id, shop.name);
            }
        }
        Ok::<_, AppError>((page, shops))
    }
    .await;
    let (page, shops) = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "refund_queue", &here, &error),
    };
    let title = t(lang(&jar), "refund_queue");
    let list = &page.items;
    let overdue = list.iter().filter(|v| v.overdue).count();
    let next = page.next_cursor.as_ref().map(|cursor| match &status {
        Some(status) => format!("/console/refunds?status={status}&cursor={cursor}"),
        None => format!("/console/refunds?cursor={cursor}"),
    });
    render(jar, &viewer, title, &here, |lang, _csrf| {
        html! {
            div.card {
                h1 { (title) }
                p.muted { (t(lang, "refund_queue_intro")) }
                p #refund-filter {
                    @if status.is_none() { strong { (t(lang, "all")) } } @else { a href="/console/refunds" { (t(lang, "all")) } }
                    @for candidate in RefundStatus::ALL {
                        " · "
                        @if status.as_deref() == Some(candidate.as_str()) {
                            strong { (name(lang, "refund_status", candidate.as_str())) }
                        } @else {
                            a href={ "/console/refunds?status=" (candidate.as_str()) } { (name(lang, "refund_status", candidate.as_str())) }
                        }
                    }
                }
                @if overdue > 0 {
                    p.failing #overdue-count { (t(lang, "overdue_count")) " " strong { (overdue) } }
                }
                @if list.is_empty() {
                    p.muted #no-refunds { (t(lang, "no_refunds")) }
                } @else {
                    table #refunds {
                        tr {
                            th { "#" } th { (t(lang, "shop")) } th { (t(lang, "entity_name")) } th { (t(lang, "status")) }
                            th { (t(lang, "refund_amount")) } th { (t(lang, "closed_on")) } th { (t(lang, "release_on")) }
                            th { (t(lang, "due_on")) } th { (t(lang, "review_reasons")) }
                        }
                        @for view in list {
                            @let refund = &view.refund;
                            tr.refund data-refund-id=(refund.id) data-status=(refund.status) data-overdue=(view.overdue) {
                                td { a.refund-link href={ "/console/refunds/" (refund.id) } { "#" (refund.id) } }
                                td { a href=(Section::Closure.href(refund.shop_id)) { (shops.get(&refund.shop_id).map_or("", String::as_str)) } }
                                td { (refund.entity_name) }
                                td.status { (name(lang, "refund_status", refund.status.as_str())) }
                                td { (money(refund.amount_fen)) }
                                td { (refund.closed_on) }
                                td { (refund.release_on) }
                                td.due-on {
                                    (refund.due_on)
                                    @if view.overdue { " " span.badge.failing.overdue { (t(lang, "overdue")) } }
                                }
                                td {
                                    @for reason in refund.review_reasons.split(',').filter(|r| !r.is_empty()) {
                                        span.badge { (name(lang, "review_reason", reason)) } " "
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(next) = &next {
                    p { a #refunds-next href=(next) { (t(lang, "next_page")) " →" } }
                }
            }
        }
    })
}

/// Everything a refund's case view shows.
struct RefundCase {
    view: RefundView,
    shop: ShopRow,
    violations: Vec<ViolationRow>,
    payout: Option<PayoutView>,
    payouts: Vec<app::payouts::PayoutView>,
}

pub async fn refund_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(refund_id) = parse_id(&id) else { return not_found_page(jar) };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    refund_response(&state, jar, &viewer, refund_id, note, None).await
}

async fn refund_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    refund_id: i64,
    note: Option<Markup>,
    draft: Option<&DecisionForm>,
) -> Response {
    let here = format!("/console/refunds/{refund_id}");
    let actor = &viewer.ctx.actor;
    let loaded = async {
        let view = state.app.refund(actor, refund_id).await?;
        let shop = state.app.shop(actor, view.refund.shop_id).await?;
        let violations = state.app.shop_violations(actor, shop.id).await?;
        let payout = state.app.payout_account(actor, shop.id).await?;
        let payouts = state.app.refund_payouts(actor, refund_id).await?;
        Ok::<_, AppError>(RefundCase { view, shop, violations, payout, payouts })
    }
    .await;
    let case = match loaded {
        Ok(case) => case,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "refund", &here, &error),
    };
    let may_decide = actor.role == Role::Reviewer && case.view.refund.status == RefundStatus::InReview;
    let is_platform = actor.role != Role::Merchant;
    let empty = DecisionForm::default();
    let draft = draft.unwrap_or(&empty);
    let title = format!("{} #{}", t(lang(&jar), "refund"), refund_id);
    render(jar, viewer, &title, &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card #refund-case {
                @if is_platform { p.muted { a href="/console/refunds" { "← " (t(lang, "refund_queue")) } } }
                h1 { (title) }
                p {
                    (t(lang, "shop")) ": "
                    a #refund-shop href=(Section::Closure.href(case.shop.id)) { (case.shop.name) }
                    " · " (case.shop.entity_name) " · " (name(lang, "entity_type", &case.shop.entity_type))
                }
                (refund_table(lang, &case.view))
                @if !case.payouts.is_empty() {
                    h3 { (t(lang, "refund_payouts")) }
                    (crate::payouts::payout_table(lang, &case.payouts))
                }
                (payout_line(lang, case.shop.id, case.payout.as_ref(), !is_platform))
            }
            div.card #refund-violations {
                h2 { (t(lang, "violations")) }
                @if case.violations.is_empty() {
                    p.muted #no-violations { (t(lang, "no_violations")) }
                } @else {
                    table {
                        tr {
                            th { "#" } th { (t(lang, "created_at")) } th { (t(lang, "violation_kind")) } th { (t(lang, "severity")) }
                            th { (t(lang, "penalty")) } th { (t(lang, "status")) } th { (t(lang, "evidence")) }
                        }
                        @for violation in &case.violations {
                            tr.violation data-severity=(violation.severity) data-status=(violation.status) {
                                td { (violation.id) }
                                td { (at(violation.created_at_ms)) }
                                td { (name(lang, "violation_kind", &violation.kind)) }
                                td { (name(lang, "severity", &violation.severity)) }
                                td { (money(violation.penalty_fen)) }
                                td { (name(lang, "violation_status", violation.status.as_str())) }
                                td.muted { (violation.evidence) }
                            }
                        }
                    }
                }
            }
            @if may_decide { (decision_form(lang, csrf, refund_id, draft)) }
        }
    })
}

fn decision_form(lang: Lang, csrf: &str, refund_id: i64, draft: &DecisionForm) -> Markup {
    let outcome =
        if draft.outcome.is_empty() { RefundOutcome::Full.as_str() } else { draft.outcome.as_str() };
    html! {
        div.card {
            h2 { (t(lang, "refund_decision")) }
            form #decision-form method="post" action={ "/console/refunds/" (refund_id) "/decision" } {
                input type="hidden" name="csrf" value=(csrf);
                @for candidate in RefundOutcome::ALL {
                    label.radio {
                        input type="radio" name="outcome" id={ "outcome-" (candidate.as_str()) } value=(candidate.as_str())
                            checked[outcome == candidate.as_str()];
                        " " (name(lang, "refund_outcome", candidate.as_str()))
                    }
                }
                label for="deduct-yuan" { (t(lang, "deduct_yuan")) }
                input #deduct-yuan name="deduct_yuan" inputmode="decimal" placeholder="100.00" maxlength="20" value=(draft.deduct_yuan);
                label for="decision-reason" { (t(lang, "decision_reason_hint")) }
                textarea #decision-reason name="reason" maxlength=(NOTE_LENGTH_MAX) rows="3" cols="60" { (draft.reason) }
                div { button.primary #decide type="submit" { (t(lang, "submit_decision")) } }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    outcome: String,
    deduct_yuan: String,
    reason: String,
}

/// A reviewer decides a refund once: full, partial (with the deduction in yuan) or forfeit.
pub async fn decide_refund(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(refund_id) = parse_id(&id) else { return not_found_page(jar) };
    let lang = lang(&jar);
    let outcome = async {
        let deduct_fen = if form.outcome == RefundOutcome::Partial.as_str() {
            parse_yuan(&form.deduct_yuan)
                .filter(|fen| *fen > 0)
                .ok_or_else(|| AppError::new(Code::InvalidAmount, t(lang, "invalid_yuan")))?
        } else {
            0
        };
        state.app.decide_refund(&viewer.ctx, refund_id, &form.outcome, deduct_fen, &form.reason).await
    }
    .await;
    match outcome {
        Ok(_) => Redirect::to(&format!("/console/refunds/{refund_id}?notice=refund_decided")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let note = error_note(lang, &error);
            refund_response(&state, jar, &viewer, refund_id, Some(note), Some(&form)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::lookup;

    #[test]
    fn every_notice_has_its_texts() {
        for key in NOTICES {
            for lang in [Lang::Zh, Lang::En] {
                assert!(lookup(lang, &format!("notice_{key}")).is_some(), "{key}");
            }
        }
    }

    #[test]
    fn every_check_links_to_a_console_page() {
        for code in CheckCode::ALL {
            let href = check_href(7, *code);
            assert!(href.starts_with("/console/shops/7"), "{href}");
        }
        assert_eq!(check_href(7, CheckCode::ProductsListed), "/console/shops/7/products");
        assert_eq!(check_href(7, CheckCode::UnshippedOrders), "/console/shops/7/orders?status=paid");
        assert_eq!(check_href(7, CheckCode::CommissionOwed), "/console/shops/7/settlement");
        assert_eq!(check_href(7, CheckCode::DepositNegative), "/console/shops/7#deposit");
    }

    #[test]
    fn money_checks_count_in_yuan() {
        let check = |code, count| Check { code, passed: false, count, clears_on: None };
        assert_eq!(check_count(&check(CheckCode::UnsettledFunds, 12_345)), "¥123.45");
        assert_eq!(check_count(&check(CheckCode::ProductsListed, 3)), "3");
    }
}
