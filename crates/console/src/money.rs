//! The deposit pages: shops and their deposit cards, the statement and its CSV download, violations
//! with the merchant's appeal form and the reviewer's record form, and the appeal queue. Every page
//! calls the same `app` use cases as the API; money is shown from fen through `app::shops::yuan`.

use app::audit::Page;
use app::ledger::IdempotencyClaim;
use app::shops::{DepositEntry, DepositView, NewShopInput, ShopRow};
use app::violations::{NewViolationInput, ViolationRow};
use app::{AppError, AppResult, Code};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::access::UseCase;
use domain::auth::Role;
use domain::limits::{BUYER_ID_LENGTH_MAX, ENTITY_NAME_LENGTH_MAX, NOTE_LENGTH_MAX, SHOP_NAME_LENGTH_MAX};
use domain::payouts::RefundArrival;
use domain::violation::{Beneficiary, EntityType, Severity, ViolationKind, ViolationStatus};
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    FormOutcome, at, change, error_note, error_page, failed_redirect, form_token, is_refusal, may, money,
    name, notice_of, parse_id, parse_yuan, reference, refusal, render,
};
use crate::operations::{Section, shop_nav};
use crate::pages::{form_viewer, not_found_page};
use crate::session::{Viewer, lang, viewer};

/// Statement lines on one page of the shop page.
const STATEMENT_PAGE_SIZE: u32 = 20;
/// Shops on one page of the shop list.
const SHOPS_PAGE_SIZE: u32 = 50;
/// Notices a redirect may ask a page to show (`?notice=KEY`, text `notice_KEY`); others are ignored.
const NOTICES: [&str; 6] = [
    "shop_created",
    "violation_recorded",
    "violation_replayed",
    "appeal_sent",
    "appeal_upheld",
    "appeal_overturned",
];

fn category_name(state: &ConsoleState, lang: Lang, code: &str) -> String {
    state
        .app
        .config()
        .shop_categories
        .iter()
        .find(|(c, _, _)| c == code)
        .map_or_else(|| code.to_owned(), |(_, zh, en)| if lang == Lang::Zh { zh.clone() } else { en.clone() })
}

fn notice(lang: Lang, key: Option<&str>) -> Option<Markup> {
    notice_of(lang, key, &NOTICES)
}

#[derive(Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
    notice: Option<String>,
}

/// What the create-shop form sent, kept to fill the form again after an error.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShopForm {
    csrf: String,
    name: String,
    entity_type: String,
    entity_name: String,
    category: String,
}

/// The shop list: a merchant's own shops with the create form, or every shop for platform roles.
pub async fn shops(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let note = notice(lang(&jar), query.notice.as_deref());
    let cursor = query.cursor.as_deref().and_then(parse_id);
    shops_response(&state, jar, &viewer, cursor, note, &ShopForm::default()).await
}

async fn shops_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    cursor: Option<i64>,
    note: Option<Markup>,
    draft: &ShopForm,
) -> Response {
    let role = viewer.ctx.actor.role;
    let title_key = if role == Role::Merchant { "shops" } else { "all_shops" };
    let rows = match state.app.list_shops(&viewer.ctx.actor, Some(SHOPS_PAGE_SIZE), cursor).await {
        Ok(rows) => rows,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, title_key, "/console/shops", &error),
    };
    let title = t(lang(&jar), title_key);
    render(jar, viewer, title, "/console/shops", |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (title) }
                @if rows.items.is_empty() {
                    p.muted #no-shops { (t(lang, "no_shops")) }
                } @else {
                    table #shops {
                        tr {
                            th { "#" } th { (t(lang, "shop_name")) } th { (t(lang, "category")) }
                            th { (t(lang, "entity_type")) } th { (t(lang, "entity_name")) }
                            th { (t(lang, "status")) } th { (t(lang, "created_at")) }
                        }
                        @for shop in &rows.items {
                            tr data-shop-id=(shop.id) {
                                td { (shop.id) }
                                td { a.shop-link href={ "/console/shops/" (shop.id) } { (shop.name) } }
                                td { (category_name(state, lang, &shop.category)) }
                                td { (name(lang, "entity_type", &shop.entity_type)) }
                                td { (shop.entity_name) }
                                td { (name(lang, "shop_status", shop.status.as_str())) }
                                td { (at(shop.created_at_ms)) }
                            }
                        }
                    }
                }
                p {
                    @if cursor.is_some() { a href="/console/shops" { (t(lang, "first_page")) } " · " }
                    @if let Some(next) = &rows.next_cursor {
                        a href={ "/console/shops?cursor=" (next) } { (t(lang, "next_page")) " →" }
                    }
                }
            }
            @if may(&viewer.ctx.actor, UseCase::CreateShop) { (shop_form(state, lang, csrf, draft)) }
        }
    })
}

fn shop_form(state: &ConsoleState, lang: Lang, csrf: &str, draft: &ShopForm) -> Markup {
    html! {
        div.card {
            h2 { (t(lang, "create_shop")) }
            form #shop-form method="post" action="/console/shops" {
                input type="hidden" name="csrf" value=(csrf);
                label for="shop-name" { (t(lang, "shop_name")) }
                input #shop-name name="name" required maxlength=(SHOP_NAME_LENGTH_MAX) size="40" value=(draft.name);
                label for="entity-type" { (t(lang, "entity_type")) }
                select #entity-type name="entity_type" {
                    @for entity_type in EntityType::ALL {
                        option value=(entity_type.as_str()) selected[draft.entity_type == entity_type.as_str()] {
                            (name(lang, "entity_type", entity_type.as_str()))
                        }
                    }
                }
                label for="entity-name" { (t(lang, "entity_name")) }
                input #entity-name name="entity_name" required maxlength=(ENTITY_NAME_LENGTH_MAX) size="40" value=(draft.entity_name);
                label for="category" { (t(lang, "category")) }
                select #category name="category" {
                    @for (code, zh, en) in &state.app.config().shop_categories {
                        option value=(code) selected[draft.category == *code] { (if lang == Lang::Zh { zh } else { en }) }
                    }
                }
                div { button.primary #create-shop type="submit" { (t(lang, "create")) } }
            }
        }
    }
}

pub async fn create_shop(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<ShopForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let input = NewShopInput {
        name: form.name.clone(),
        entity_type: form.entity_type.clone(),
        entity_name: form.entity_name.clone(),
        category: form.category.clone(),
    };
    match state.app.create_shop(&viewer.ctx, &input).await {
        Ok(shop) => Redirect::to(&format!("/console/shops/{}?notice=shop_created", shop.id)).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let note = error_note(lang(&jar), &error);
            shops_response(&state, jar, &viewer, None, Some(note), &form).await
        }
    }
}

/// Everything the shop page shows.
struct ShopView {
    shop: ShopRow,
    /// The deposit and its statement, for those who may see money.
    deposit: Option<(DepositView, Page<DepositEntry>)>,
    violations: Vec<ViolationRow>,
}

async fn load_shop(
    state: &ConsoleState,
    actor: &app::Actor,
    shop_id: i64,
    cursor: Option<i64>,
) -> AppResult<ShopView> {
    let shop = state.app.shop(actor, shop_id).await?;
    let deposit = if may(actor, UseCase::ViewMoney) {
        let deposit = state.app.deposit(actor, shop_id).await?;
        Some((deposit, state.app.deposit_entries(actor, shop_id, Some(STATEMENT_PAGE_SIZE), cursor).await?))
    } else {
        None
    };
    let violations = state.app.shop_violations(actor, shop_id).await?;
    Ok(ShopView { shop, deposit, violations })
}

#[derive(Deserialize)]
pub struct ShopQuery {
    cursor: Option<String>,
    #[serde(flatten)]
    outcome: FormOutcome,
}

/// One shop: its deposit, its statement (newest first) and its violations.
pub async fn shop_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ShopQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(shop_id) = parse_id(&id) else { return not_found_page(jar) };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    let cursor = query.cursor.as_deref().and_then(parse_id);
    shop_response(&state, jar, &viewer, shop_id, cursor, note).await
}

async fn shop_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    shop_id: i64,
    cursor: Option<i64>,
    note: Option<Markup>,
) -> Response {
    let here = format!("/console/shops/{shop_id}");
    let view = match load_shop(state, &viewer.ctx.actor, shop_id, cursor).await {
        Ok(view) => view,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "shop", &here, &error),
    };
    let role = viewer.ctx.actor.role;
    let now_ms = state.app.clock().now_ms();
    let draft = ViolationForm::default();
    render(jar, viewer, &view.shop.name, &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            (shop_card(state, lang, &view.shop))
            (shop_nav(lang, &viewer.ctx.actor, shop_id, Section::Overview))
            @if let Some((deposit, entries)) = &view.deposit {
                (deposit_card(lang, deposit))
                (statement_card(lang, shop_id, entries, cursor))
            }
            (violations_card(lang, csrf, &view.violations, may(&viewer.ctx.actor, UseCase::AppealViolation), now_ms))
            @if role == Role::Reviewer && may(&viewer.ctx.actor, UseCase::RecordViolation) { (violation_form(lang, csrf, shop_id, &draft)) }
        }
    })
}

fn shop_card(state: &ConsoleState, lang: Lang, shop: &ShopRow) -> Markup {
    html! {
        div.card {
            p.muted { a href="/console/shops" { "← " (t(lang, "back_to_shops")) } }
            h1 #shop-name data-user { (shop.name) }
            table {
                tr { th { (t(lang, "shop")) } td { "#" (shop.id) } }
                tr { th { (t(lang, "category")) } td { (category_name(state, lang, &shop.category)) } }
                tr { th { (t(lang, "entity_type")) } td { (name(lang, "entity_type", &shop.entity_type)) } }
                tr { th { (t(lang, "entity_name")) } td { (shop.entity_name) } }
                tr { th { (t(lang, "status")) } td #shop-status { (name(lang, "shop_status", shop.status.as_str())) } }
                tr { th { (t(lang, "created_at")) } td { (at(shop.created_at_ms)) } }
            }
            p { a #shop-analytics href={ "/console/shops/" (shop.id) "/analytics" } { (t(lang, "shop_analytics")) } }
        }
    }
}

fn deposit_card(lang: Lang, deposit: &DepositView) -> Markup {
    html! {
        div.card #deposit {
            h2 { (t(lang, "deposit")) }
            table {
                tr { th { (t(lang, "balance")) } td #balance { strong { (money(deposit.balance_fen)) } } }
                tr { th { (t(lang, "held")) } td #held { (money(deposit.held_fen)) } }
                tr { th { (t(lang, "available")) } td #available { (money(deposit.available_fen)) } }
                tr { th { (t(lang, "required")) } td #required { (money(deposit.required_fen)) } }
                tr {
                    th { (t(lang, "shortfall")) }
                    td #shortfall class=(if deposit.shortfall_fen > 0 { "holiday" } else { "" }) { (money(deposit.shortfall_fen)) }
                }
                @if deposit.owed_fen > 0 {
                    tr { th { (t(lang, "owed")) } td.holiday #owed { (money(deposit.owed_fen)) } }
                }
            }
        }
    }
}

fn statement_card(lang: Lang, shop_id: i64, entries: &Page<DepositEntry>, cursor: Option<i64>) -> Markup {
    html! {
        div.card #statement-card {
            h2 { (t(lang, "statement")) }
            p { a #statement-csv href={ "/console/shops/" (shop_id) "/deposit/statement.csv" } download { (t(lang, "download_csv")) } }
            @if entries.items.is_empty() {
                p.muted #no-entries { (t(lang, "no_entries")) }
            } @else {
                table #statement {
                    tr {
                        th { (t(lang, "time")) } th { (t(lang, "entry_type")) } th { (t(lang, "reason")) }
                        th { (t(lang, "reference")) } th { (t(lang, "amount")) } th { (t(lang, "held_change")) }
                        th { (t(lang, "balance_after")) }
                    }
                    @for entry in &entries.items {
                        tr data-seq=(entry.seq) {
                            td { (at(entry.at_ms)) }
                            td { (name(lang, "entry_kind", &entry.kind)) }
                            td.reason {
                                (name(lang, "reason", &entry.reason))
                                @if let Some((arrival, on)) = &entry.arrival {
                                    br;
                                    @if *arrival == RefundArrival::Failed {
                                        a.arrival data-arrival=(arrival.as_str()) href={ "/console/shops/" (shop_id) "/payout-account" } { (name(lang, "arrival", arrival.as_str())) " " (on) }
                                    } @else {
                                        span.arrival data-arrival=(arrival.as_str()) { (name(lang, "arrival", arrival.as_str())) " " (on) }
                                    }
                                }
                            }
                            td { (reference(lang, &entry.reference)) }
                            td.amount { (change(entry.amount_fen)) }
                            td { (change(entry.held_change_fen)) }
                            td.balance-after { (money(entry.balance_after_fen)) }
                        }
                    }
                }
            }
            p {
                @if cursor.is_some() { a href={ "/console/shops/" (shop_id) } { (t(lang, "newest")) } " · " }
                @if let Some(next) = &entries.next_cursor {
                    a #statement-older href={ "/console/shops/" (shop_id) "?cursor=" (next) } { (t(lang, "older")) " →" }
                }
            }
        }
    }
}

fn violations_card(
    lang: Lang,
    csrf: &str,
    violations: &[ViolationRow],
    may_appeal: bool,
    now_ms: i64,
) -> Markup {
    html! {
        div.card #violations {
            h2 { (t(lang, "violations")) }
            @if violations.is_empty() {
                p.muted #no-violations { (t(lang, "no_violations")) }
            } @else {
                table {
                    tr {
                        th { "#" } th { (t(lang, "created_at")) } th { (t(lang, "violation_kind")) }
                        th { (t(lang, "severity")) } th { (t(lang, "penalty")) } th { (t(lang, "beneficiary")) }
                        th { (t(lang, "status")) } th { (t(lang, "appeal_deadline")) } th { (t(lang, "evidence")) }
                    }
                    @for violation in violations {
                        tr.violation id={ "violation-" (violation.id) } data-status=(violation.status) {
                            td { (violation.id) }
                            td { (at(violation.created_at_ms)) }
                            td { (name(lang, "violation_kind", &violation.kind)) }
                            td { (name(lang, "severity", &violation.severity)) }
                            td { (money(violation.penalty_fen)) }
                            td { (name(lang, "beneficiary", &violation.beneficiary)) }
                            td.status { (name(lang, "violation_status", violation.status.as_str())) }
                            td { (at(violation.appeal_deadline_ms)) }
                            td.muted { (violation.evidence) }
                        }
                        @if let Some(text) = &violation.appeal_text {
                            tr { td {} td colspan="8" {
                                span.muted { (t(lang, "appeal_text")) ": " } (text)
                                @if let Some(note) = violation.decision_note.as_deref().filter(|n| !n.is_empty()) {
                                    br; span.muted { (t(lang, "decision_note")) ": " } (note)
                                }
                            } }
                        }
                        @if may_appeal && violation.status == ViolationStatus::Effective {
                            tr { td {} td colspan="8" {
                                @if now_ms <= violation.appeal_deadline_ms {
                                    (appeal_form(lang, csrf, violation))
                                } @else {
                                    span.muted { (t(lang, "appeal_closed")) }
                                }
                            } }
                        }
                    }
                }
            }
        }
    }
}

fn appeal_form(lang: Lang, csrf: &str, violation: &ViolationRow) -> Markup {
    let field = format!("appeal-text-{}", violation.id);
    html! {
        form.appeal-form id={ "appeal-form-" (violation.id) } method="post" action={ "/console/violations/" (violation.id) "/appeal" } {
            input type="hidden" name="csrf" value=(csrf);
            label for=(field) {
                (t(lang, "appeal_text")) " "
                span.muted { "（" (t(lang, "appeal_deadline")) " " span.deadline { (at(violation.appeal_deadline_ms)) } "）" }
            }
            textarea id=(field) name="text" required maxlength=(NOTE_LENGTH_MAX) rows="3" cols="60" {}
            div { button.primary type="submit" { (t(lang, "submit_appeal")) } }
        }
    }
}

/// What the record-violation form sent, kept to fill the form again after an error.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ViolationForm {
    pub(crate) csrf: String,
    /// The shop, when the form is not on the shop's page (a reputation incident's).
    pub(crate) shop_id: String,
    /// The idempotency key rendered with the form: a second submit of the same form replays.
    pub(crate) form_token: String,
    pub(crate) kind: String,
    pub(crate) severity: String,
    pub(crate) penalty_yuan: String,
    pub(crate) beneficiary: String,
    pub(crate) buyer_id: String,
    pub(crate) evidence: String,
}

fn violation_form(lang: Lang, csrf: &str, shop_id: i64, draft: &ViolationForm) -> Markup {
    html! {
        div.card {
            h2 { (t(lang, "record_violation")) }
            form #violation-form method="post" action={ "/console/shops/" (shop_id) "/violations" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="form_token" value=(form_token());
                (violation_fields(lang, draft))
            }
        }
    }
}

/// The fields of a violation (kind, severity, penalty, beneficiary, buyer, evidence) and the button.
pub(crate) fn violation_fields(lang: Lang, draft: &ViolationForm) -> Markup {
    html! {
                label for="kind" { (t(lang, "violation_kind")) }
                select #kind name="kind" {
                    @for kind in ViolationKind::ALL {
                        option value=(kind.as_str()) selected[draft.kind == kind.as_str()] { (name(lang, "violation_kind", kind.as_str())) }
                    }
                }
                label for="severity" { (t(lang, "severity")) }
                select #severity name="severity" {
                    @for severity in Severity::ALL {
                        option value=(severity.as_str()) selected[draft.severity == severity.as_str()] { (name(lang, "severity", severity.as_str())) }
                    }
                }
                label for="penalty" { (t(lang, "penalty_yuan")) }
                input #penalty name="penalty_yuan" required inputmode="decimal" placeholder="100.00" maxlength="20" value=(draft.penalty_yuan);
                label for="beneficiary" { (t(lang, "beneficiary")) }
                select #beneficiary name="beneficiary" {
                    @for beneficiary in Beneficiary::ALL {
                        option value=(beneficiary.as_str()) selected[draft.beneficiary == beneficiary.as_str()] { (name(lang, "beneficiary", beneficiary.as_str())) }
                    }
                }
                label for="buyer-id" { (t(lang, "buyer_id")) }
                input #buyer-id name="buyer_id" maxlength=(BUYER_ID_LENGTH_MAX) value=(draft.buyer_id);
                label for="evidence" { (t(lang, "evidence")) }
                textarea #evidence name="evidence" required maxlength=(NOTE_LENGTH_MAX) rows="3" cols="60" { (draft.evidence) }
                div { button.primary #record-violation type="submit" { (t(lang, "record_violation")) } }
    }
}

/// A violation form's input, the penalty parsed from yuan.
pub(crate) fn violation_input(lang: Lang, form: &ViolationForm) -> Result<NewViolationInput, AppError> {
    let penalty_fen = parse_yuan(&form.penalty_yuan)
        .ok_or_else(|| AppError::new(Code::InvalidAmount, t(lang, "invalid_yuan")))?;
    let buyer_id = Some(form.buyer_id.trim()).filter(|b| !b.is_empty()).map(str::to_owned);
    Ok(NewViolationInput {
        kind: form.kind.clone(),
        severity: form.severity.clone(),
        penalty_fen,
        beneficiary: form.beneficiary.clone(),
        buyer_id,
        evidence: form.evidence.clone(),
    })
}

/// The request fingerprint of a violation form: its fields after parsing, without the CSRF token
/// and the form token, each prefixed by its length.
pub(crate) fn violation_fingerprint(input: &NewViolationInput) -> Vec<u8> {
    let penalty = input.penalty_fen.to_string();
    let buyer = input.buyer_id.as_deref().unwrap_or_default();
    let mut bytes = Vec::new();
    for field in [&input.kind, &input.severity, &penalty, &input.beneficiary, buyer, &input.evidence] {
        bytes.extend_from_slice(&(field.len() as u64).to_be_bytes());
        bytes.extend_from_slice(field.as_bytes());
    }
    bytes
}

/// A reviewer records a violation; its penalty leaves the deposit at once. The form's token is the
/// idempotency key, so submitting the same rendered form twice records it once.
pub async fn record_violation(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ViolationForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(shop_id) = parse_id(&id) else { return not_found_page(jar) };
    let lang = lang(&jar);
    let outcome = async {
        let input = violation_input(lang, &form)?;
        let claim = IdempotencyClaim::parse(
            format!("user:{}", viewer.ctx.actor.user_id),
            Some(&form.form_token),
            "POST",
            &format!("/console/shops/{shop_id}/violations"),
            &violation_fingerprint(&input),
        )?;
        state.app.record_violation(&viewer.ctx, shop_id, &input, claim).await
    }
    .await;
    match outcome {
        Ok(outcome) => {
            let key = if outcome.replayed { "violation_replayed" } else { "violation_recorded" };
            Redirect::to(&format!("/console/shops/{shop_id}?notice={key}")).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&format!("/console/shops/{shop_id}"), &error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AppealForm {
    csrf: String,
    text: String,
}

/// The merchant appeals a violation within its window.
pub async fn appeal(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<AppealForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(violation_id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.appeal_violation(&viewer.ctx, violation_id, &form.text).await {
        Ok(violation) => {
            Redirect::to(&format!("/console/shops/{}?notice=appeal_sent", violation.shop_id)).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => match state.app.violation(&viewer.ctx.actor, violation_id).await {
            Ok(violation) => {
                let note = error_note(lang(&jar), &error);
                shop_response(&state, jar, &viewer, violation.shop_id, None, Some(note)).await
            }
            Err(other) if is_refusal(&other) => refusal(jar, &other),
            Err(_) => error_page(jar, &viewer, "appeal", "/console/shops", &error),
        },
    }
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// Appealed violations waiting for a reviewer, oldest appeal first.
pub async fn appeals(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let note = notice(lang(&jar), query.notice.as_deref());
    appeals_response(&state, jar, &viewer, note).await
}

async fn appeals_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    note: Option<Markup>,
) -> Response {
    let queue = match state.app.appeal_queue(&viewer.ctx.actor).await {
        Ok(queue) => queue,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "appeal_queue", "/console/appeals", &error),
    };
    let may_decide = viewer.ctx.actor.role == Role::Reviewer;
    let title = t(lang(&jar), "appeal_queue");
    render(jar, viewer, title, "/console/appeals", |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (title) }
                @if queue.is_empty() { p.muted #no-appeals { (t(lang, "no_appeals")) } }
                @for violation in &queue {
                    div.appeal id={ "appeal-" (violation.id) } style="border-top:1px solid #eee;padding:12px 0" {
                        h3 {
                            "#" (violation.id) " · " (name(lang, "violation_kind", &violation.kind))
                            " · " (money(violation.penalty_fen))
                        }
                        table {
                            tr { th { (t(lang, "shop")) } td { a href={ "/console/shops/" (violation.shop_id) } { "#" (violation.shop_id) } } }
                            tr { th { (t(lang, "severity")) } td { (name(lang, "severity", &violation.severity)) } }
                            tr { th { (t(lang, "beneficiary")) } td { (name(lang, "beneficiary", &violation.beneficiary)) } }
                            tr { th { (t(lang, "created_at")) } td { (at(violation.created_at_ms)) } }
                            tr { th { (t(lang, "evidence")) } td { (violation.evidence) } }
                            tr { th { (t(lang, "appealed_at")) } td { (violation.appealed_at_ms.map(at).unwrap_or_default()) } }
                            tr { th { (t(lang, "appeal_text")) } td.appeal-text { (violation.appeal_text.as_deref().unwrap_or_default()) } }
                        }
                        @if may_decide {
                            form.decision-form id={ "decision-" (violation.id) } method="post" action={ "/console/appeals/" (violation.id) "/decision" } {
                                input type="hidden" name="csrf" value=(csrf);
                                label for={ "note-" (violation.id) } { (t(lang, "decision_note")) }
                                textarea id={ "note-" (violation.id) } name="note" maxlength=(NOTE_LENGTH_MAX) rows="2" cols="60" {}
                                div {
                                    button.primary.uphold type="submit" name="outcome" value="upheld" { (t(lang, "uphold")) }
                                    " "
                                    button.primary.overturn type="submit" name="outcome" value="overturned" { (t(lang, "overturn")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    outcome: String,
    note: String,
}

/// A reviewer upholds or overturns an appeal; overturning pays the penalty back.
pub async fn decide_appeal(
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
    let Some(violation_id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.decide_appeal(&viewer.ctx, violation_id, &form.outcome, &form.note).await {
        Ok(violation) => {
            Redirect::to(&format!("/console/appeals?notice=appeal_{}", violation.status)).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let note = error_note(lang(&jar), &error);
            appeals_response(&state, jar, &viewer, Some(note)).await
        }
    }
}

/// The whole statement as CSV (UTF-8 with a byte-order mark), as the app writes it.
pub async fn statement_csv(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(shop_id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.deposit_statement_csv(&viewer.ctx.actor, shop_id).await {
        Ok(csv) => {
            let mut response = csv.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            if let Ok(value) = HeaderValue::from_str(&format!(
                "attachment; filename=\"deposit-statement-shop-{shop_id}.csv\""
            )) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => error_page(jar, &viewer, "statement", &format!("/console/shops/{shop_id}"), &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::lookup;

    #[test]
    fn yuan_input_becomes_fen_without_floats() {
        let check = |text: &str, expect: Option<i64>| assert_eq!(parse_yuan(text), expect, "{text:?}");
        check("100", Some(10_000));
        check("100.5", Some(10_050));
        check("100.05", Some(10_005));
        check(" ¥0.01 ", Some(1));
        check("￥12", Some(1_200));
        check("0", Some(0));
        check("", None);
        check("100.", None);
        check(".5", None);
        check("1.234", None);
        check("-5", None);
        check("1e3", None);
        check("1,000", Some(100_000));
        check("1,0000", None);
        check("999999999999999", Some(99_999_999_999_999_900));
        check("9999999999999999", None);
    }

    #[test]
    fn money_shows_yuan_with_separators_and_the_sign_before_the_currency() {
        assert_eq!(money(200_000), "¥2,000.00");
        assert_eq!(money(-10_000), "-¥100.00");
        assert_eq!(change(10_000), "+¥100.00");
        assert_eq!(change(-5), "-¥0.05");
        assert_eq!(change(0), "¥0.00");
    }

    #[test]
    fn only_known_notices_are_shown() {
        assert!(notice(Lang::Zh, Some("shop_created")).is_some());
        assert!(notice(Lang::Zh, Some("<script>")).is_none());
        for key in NOTICES {
            assert!(lookup(Lang::Zh, &format!("notice_{key}")).is_some(), "{key}");
            assert!(lookup(Lang::En, &format!("notice_{key}")).is_some(), "{key}");
        }
    }

    #[test]
    fn the_fingerprint_separates_fields() {
        let input = |kind: &str, evidence: &str| NewViolationInput {
            kind: kind.into(),
            severity: "minor".into(),
            penalty_fen: 100,
            beneficiary: "platform".into(),
            buyer_id: None,
            evidence: evidence.into(),
        };
        assert_eq!(violation_fingerprint(&input("a", "b")), violation_fingerprint(&input("a", "b")));
        assert_ne!(violation_fingerprint(&input("ab", "")), violation_fingerprint(&input("a", "b")));
    }
}
