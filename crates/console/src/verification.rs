//! The blue-V verification pages: the merchant's enterprise accounts, the application form with live
//! validation, document uploads (with a progress bar when JavaScript runs, a plain multipart form
//! otherwise), the fee status, the submission checklist and the timeline; the reviewers' queue by due
//! date and their case view with the documents inline, the warnings and the decision form; the
//! payment service's fee confirmation; and the merchant's notifications. Every page calls the same
//! `app` use cases as the API; documents are served only through `App::document`.

use app::ledger::IdempotencyClaim;
use app::notifications::NotificationRow;
use app::verification::{AccountRow, ApplicationInput, DocumentRow, TimelineEvent, VerificationView};
use app::{AppError, AppResult, Code};
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::auth::Role;
use domain::limits::{
    BIO_LENGTH_MAX, BRAND_NAME_LENGTH_MAX, COMPANY_NAME_LENGTH_MAX, DOCUMENT_BYTES_MAX, NICKNAME_LENGTH_MAX,
    NOTE_LENGTH_MAX, PAGE_SIZE_MAX, PAYMENT_REF_LENGTH_MAX, PERSON_NAME_LENGTH_MAX,
};
use domain::verification::{DocumentKind, DocumentType, REASONS, VerificationStatus, required_documents};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ConsoleState;
use crate::i18n::{Lang, lookup, t};
use crate::kit::{
    FormOutcome, at, error_page, failed_redirect, form_token, is_refusal, money, name, parse_id, refusal,
    render, who,
};
use crate::pages::{forbidden, form_viewer, message, not_found_page};
use crate::session::{Viewer, check_csrf, lang, viewer};

/// The upload route's body limit: above the largest document, so that a somewhat larger upload is
/// read to its end and answered `document_too_large` (the app refuses the byte past 10 MiB).
pub const UPLOAD_BODY_BYTES_MAX: usize = DOCUMENT_BYTES_MAX as usize + 4 * 1024 * 1024;
/// Longest text field (`csrf`, `kind`) of an upload, in bytes.
const UPLOAD_TEXT_FIELD_BYTES_MAX: usize = 64;
/// Longest value the live check looks at, in bytes (every checked field is shorter).
const CHECK_VALUE_BYTES_MAX: usize = 1_024;
/// Notifications on one page.
const NOTIFICATIONS_PAGE_SIZE: u32 = 50;
/// The script of these pages: live validation and upload progress. Served from `/console/static`
/// because the content security policy forbids inline scripts.
const SCRIPT: &str = include_str!("verification.js");
pub const SCRIPT_PATH: &str = "/console/static/verification.js";
/// Notices a redirect may ask a page to show (`?notice=KEY`, text `notice_KEY`); others are ignored.
const NOTICES: [&str; 11] = [
    "notifications_all_read",
    "account_created",
    "application_created",
    "application_updated",
    "document_uploaded",
    "submitted",
    "claimed",
    "decided",
    "fee_confirmed",
    "fee_replayed",
    "notification_read",
];

fn notice(lang: Lang, key: Option<&str>) -> Option<Markup> {
    let key = key.filter(|key| NOTICES.contains(key))?;
    Some(html! { div.notice #notice role="status" { (t(lang, &format!("notice_{key}"))) } })
}

fn text_of(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::Zh { zh.to_owned() } else { en.to_owned() }
}

fn industry_name(state: &ConsoleState, lang: Lang, code: &str) -> String {
    state
        .app
        .config()
        .industries
        .iter()
        .find(|i| i.code == code)
        .map_or_else(|| code.to_owned(), |i| text_of(lang, &i.zh, &i.en))
}

fn reason_name(lang: Lang, code: &str) -> String {
    REASONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, zh, en)| text_of(lang, zh, en))
}

fn reason_names(lang: Lang, codes: &str) -> String {
    let separator = if lang == Lang::Zh { "、" } else { ", " };
    codes
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| reason_name(lang, c))
        .collect::<Vec<_>>()
        .join(separator)
}

/// What is still missing: a document kind's name, or the fee.
fn missing_name(lang: Lang, item: &str) -> String {
    if item == "fee" { t(lang, "missing_fee").to_owned() } else { name(lang, "document_kind", item) }
}

/// A file size for people: B, KB or MB with one decimal (`kit::format::bytes`).
fn size_text(bytes: i64) -> String {
    crate::kit::format::bytes(bytes)
}

fn status_badge(lang: Lang, status: &str) -> Markup {
    html! { span class={ "badge status-" (status) } { (name(lang, "verification_status", status)) } }
}

fn document_url(document: &DocumentRow) -> String {
    format!("/console/verifications/{}/documents/{}", document.verification_id, document.id)
}

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// A refusal answered to the page's script: problem+json like the API's errors, with the message in
/// the viewer's language (`title`, also `message`) and the stable `code`.
pub(crate) fn json_refusal(lang: Lang, error: &AppError) -> Response {
    let status = json_status(error.code);
    let text = error_text(lang, error);
    let body = json!({
        "ok": false,
        "status": status.as_u16(),
        "code": error.code.as_str(),
        "title": text,
        "message": text,
    });
    (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}

/// The status of an error answered as JSON to the page's script.
fn json_status(code: Code) -> StatusCode {
    match code {
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::Forbidden | Code::CsrfFailed => StatusCode::FORBIDDEN,
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::DocumentTooLarge | Code::VideoTooLarge | Code::CoverTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::UnsupportedDocumentType
        | Code::UnsupportedMediaType
        | Code::UnsupportedVideoType
        | Code::UnsupportedCoverType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::VerificationStatusConflict | Code::VideoStatusConflict => StatusCode::CONFLICT,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The error's text for the page's script: the message in the viewer's language (the code is a
/// field of its own in the JSON answer, the developer detail stays out of the page).
fn error_text(lang: Lang, error: &AppError) -> String {
    message(lang, error)
}

fn script_tag() -> Markup {
    html! { script src=(SCRIPT_PATH) defer {} script src=(crate::kit::UPLOAD_SCRIPT_PATH) defer {} }
}

/// The script of the verification pages.
pub async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    #[serde(flatten)]
    outcome: FormOutcome,
}

// ----- enterprise accounts -----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountForm {
    csrf: String,
    nickname: String,
    bio: String,
}

fn badge_markup(lang: Lang, account: &AccountRow) -> Markup {
    html! {
        @if account.verified == 1 {
            span.badge.verified { (t(lang, "badge_mark")) " · " (t(lang, "verified")) }
            " " span.muted { (t(lang, "valid_until")) " " (account.badge_valid_until.as_deref().unwrap_or_default()) }
        } @else if account.badge_valid_until.is_some() {
            span.badge { (t(lang, "badge_expired")) }
        } @else {
            span.badge { (t(lang, "not_verified")) }
        }
    }
}

/// The enterprise accounts: a merchant's own with the create form, or all of them for platform roles.
pub async fn accounts(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    accounts_response(&state, jar, &viewer, note).await
}

async fn accounts_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    note: Option<Markup>,
) -> Response {
    let here = "/console/enterprise-accounts";
    let actor = &viewer.ctx.actor;
    let accounts = match state.app.enterprise_accounts(actor).await {
        Ok(accounts) => accounts,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "enterprise_accounts", here, &error),
    };
    // The newest application of each account (service users read no application lists).
    let applications =
        state.app.list_verifications(actor, None, Some(PAGE_SIZE_MAX)).await.unwrap_or_default();
    let latest = |account_id: i64| {
        applications.iter().filter(|v| v.row.account_id == account_id).max_by_key(|v| v.row.id)
    };
    // The forms to open an account and to apply are for members who manage the merchant.
    let is_merchant = actor.may(domain::team::TeamRight::ManageMerchant);
    let title = t(lang(&jar), "enterprise_accounts");
    render(jar, viewer, title, here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (title) }
                @if accounts.is_empty() {
                    p.muted #no-accounts { (t(lang, "no_accounts")) }
                } @else {
                    table #accounts {
                        tr {
                            th { "#" } th { (t(lang, "nickname")) } th { (t(lang, "badge")) }
                            th { (t(lang, "latest_application")) } th { (t(lang, "created_at")) }
                        }
                        @for account in &accounts {
                            tr data-account-id=(account.id) {
                                td { (account.id) }
                                td { a.account-link href={ "/console/enterprise-accounts/" (account.id) } { (account.nickname) } }
                                td.badge-status { (badge_markup(lang, account)) }
                                td {
                                    @if let Some(view) = latest(account.id) {
                                        a href={ "/console/verifications/" (view.row.id) } { "#" (view.row.id) }
                                        " " (status_badge(lang, view.row.status.as_str()))
                                    }
                                }
                                td { (at(account.created_at_ms)) }
                            }
                        }
                    }
                }
            }
            @if is_merchant {
                div.card {
                    h2 { (t(lang, "create_account")) }
                    form #account-form method="post" action="/console/enterprise-accounts" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="nickname" { (t(lang, "nickname")) }
                        input #nickname name="nickname" required maxlength=(NICKNAME_LENGTH_MAX) size="30";
                        label for="bio" { (t(lang, "bio")) }
                        textarea #bio name="bio" maxlength=(BIO_LENGTH_MAX) rows="2" cols="60" {}
                        div { button.primary #create-account type="submit" { (t(lang, "create")) } }
                    }
                }
            }
        }
    })
}

pub async fn create_account(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    match state.app.create_enterprise_account(&viewer.ctx, &form.nickname, &form.bio).await {
        Ok(account) => {
            Redirect::to(&format!("/console/enterprise-accounts/{}?notice=account_created", account.id))
                .into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect("/console/enterprise-accounts", &error),
    }
}

/// One enterprise account: its badge, its applications, and the application form when none is open.
pub async fn account_page(
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
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    account_response(&state, jar, &viewer, account_id, note).await
}

async fn account_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    account_id: i64,
    note: Option<Markup>,
) -> Response {
    let here = format!("/console/enterprise-accounts/{account_id}");
    let actor = &viewer.ctx.actor;
    let account = match state.app.enterprise_account(actor, account_id).await {
        Ok(account) => account,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "enterprise_account", &here, &error),
    };
    let mut applications: Vec<VerificationView> = state
        .app
        .list_verifications(actor, None, Some(PAGE_SIZE_MAX))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|v| v.row.account_id == account.id)
        .collect();
    applications.sort_by_key(|v| std::cmp::Reverse(v.row.id));
    let open = applications.iter().find(|v| v.row.status.open());
    let now_ms = state.app.clock().now_ms();
    let cooling = account.cooldown_until_ms.filter(|until| now_ms < *until);
    let prefill = applications.first().map_or_else(ApplicationForm::fresh, ApplicationForm::from_view);
    // The forms to open an account and to apply are for members who manage the merchant.
    let is_merchant = actor.may(domain::team::TeamRight::ManageMerchant);
    let title = account.nickname.clone();
    render(jar, viewer, &title, &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                p.muted { a href="/console/enterprise-accounts" { "← " (t(lang, "back_to_accounts")) } }
                h1 #account-nickname data-user { (account.nickname) }
                p #account-content {
                    a #account-videos href={ "/console/enterprise-accounts/" (account.id) "/videos" } { (t(lang, "videos")) }
                    " · "
                    a #account-calendar href={ "/console/enterprise-accounts/" (account.id) "/calendar" } { (t(lang, "content_calendar")) }
                    " · "
                    a #account-comments href={ "/console/enterprise-accounts/" (account.id) "/comments" } { (t(lang, "comment_inbox")) }
                    " · "
                    a #account-analytics href={ "/console/enterprise-accounts/" (account.id) "/analytics" } { (t(lang, "analytics")) }
                }
                table {
                    tr { th { (t(lang, "enterprise_account")) } td { "#" (account.id) } }
                    tr { th { (t(lang, "bio")) } td { (account.bio) } }
                    tr { th { (t(lang, "badge")) } td #badge { (badge_markup(lang, &account)) } }
                    @if let Some(granted_on) = &account.badge_granted_on {
                        tr { th { (t(lang, "granted_on")) } td #granted-on { (granted_on) } }
                    }
                    @if let Some(until) = &account.badge_valid_until {
                        tr { th { (t(lang, "valid_until")) } td #valid-until { (until) } }
                    }
                    @if let Some(until) = cooling {
                        tr { th { (t(lang, "cooldown_until")) } td #cooldown-until { (at(until)) } }
                    }
                }
            }
            div.card {
                h2 { (t(lang, "applications")) }
                @if applications.is_empty() {
                    p.muted #no-applications { (t(lang, "no_applications")) }
                } @else {
                    (applications_table(state, lang, &applications))
                }
            }
            @if is_merchant {
                @if let Some(open) = open {
                    div.card #application-open {
                        p { (t(lang, "application_open"))
                            a href={ "/console/verifications/" (open.row.id) } { "#" (open.row.id) }
                            " " (status_badge(lang, open.row.status.as_str())) }
                    }
                } @else if cooling.is_some() {
                    div.card { div.notice #cooldown { (t(lang, "cooldown_explained")) } }
                } @else {
                    div.card {
                        h2 { (t(lang, if account.verified == 1 { "renewal_application" } else { "new_application" })) }
                        p.muted { (t(lang, "fee_explained")) }
                        (application_form(state, lang, csrf, &format!("/console/enterprise-accounts/{}/verifications", account.id), &prefill, None))
                    }
                }
            }
            (script_tag())
        }
    })
}

fn applications_table(state: &ConsoleState, lang: Lang, applications: &[VerificationView]) -> Markup {
    html! {
        table #applications {
            tr {
                th { "#" } th { (t(lang, "company_name")) } th { (t(lang, "industry")) } th { (t(lang, "status")) }
                th { (t(lang, "fee")) } th { (t(lang, "submitted_at")) } th { (t(lang, "due_on")) }
            }
            @for view in applications {
                tr.application data-verification-id=(view.row.id) {
                    td { a.application-link href={ "/console/verifications/" (view.row.id) } { "#" (view.row.id) } }
                    td { (view.row.company_name) @if view.row.renewal == 1 { " " span.badge { (t(lang, "renewal")) } } }
                    td { (industry_name(state, lang, &view.row.industry)) }
                    td.status { (status_badge(lang, view.row.status.as_str())) }
                    td { (t(lang, if view.row.fee_paid_at_ms.is_some() { "fee_paid" } else { "fee_unpaid" })) }
                    td { (view.row.submitted_at_ms.map(at).unwrap_or_default()) }
                    td { (view.row.due_on.as_deref().unwrap_or_default()) }
                }
            }
        }
    }
}

// ----- the application form -----

/// What the application form sent (or what it is filled with). The ID number is never filled in
/// again: a merchant's pages never carry it.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ApplicationForm {
    csrf: String,
    company_name: String,
    brand_name: String,
    uscc: String,
    legal_rep_name: String,
    legal_rep_id_number: String,
    industry: String,
    contact_phone: String,
    contact_email: String,
    /// A checkbox: present ("on") when checked.
    operator_is_legal_rep: Option<String>,
}

impl ApplicationForm {
    fn fresh() -> ApplicationForm {
        ApplicationForm { operator_is_legal_rep: Some("on".into()), ..ApplicationForm::default() }
    }

    fn from_view(view: &VerificationView) -> ApplicationForm {
        let row = &view.row;
        ApplicationForm {
            company_name: row.company_name.clone(),
            brand_name: row.brand_name.clone().unwrap_or_default(),
            uscc: row.uscc.clone(),
            legal_rep_name: row.legal_rep_name.clone(),
            industry: row.industry.clone(),
            contact_phone: row.contact_phone.clone(),
            contact_email: row.contact_email.clone(),
            operator_is_legal_rep: (row.operator_is_legal_rep == 1).then(|| "on".into()),
            ..ApplicationForm::default()
        }
    }

    fn input(&self) -> ApplicationInput {
        ApplicationInput {
            company_name: self.company_name.clone(),
            brand_name: Some(self.brand_name.clone()),
            uscc: self.uscc.clone(),
            legal_rep_name: self.legal_rep_name.clone(),
            legal_rep_id_number: self.legal_rep_id_number.clone(),
            industry: self.industry.clone(),
            contact_phone: self.contact_phone.clone(),
            contact_email: self.contact_email.clone(),
            operator_is_legal_rep: self.operator_is_legal_rep.is_some(),
        }
    }
}

/// One text input with its live check (`check` names the field for `/console/verification-check`)
/// and the place its message appears.
fn field(lang: Lang, id: &str, field_name: &str, value: &str, maxlength: usize, check: bool) -> Markup {
    html! {
        label for=(id) { (t(lang, field_name)) }
        input id=(id) name=(field_name) value=(value) maxlength=(maxlength) size="40" autocomplete="off"
            required[field_name != "brand_name"] data-check=[check.then_some(field_name)];
        " " span.field-msg id={ (id) "-msg" } aria-live="polite" {}
    }
}

fn application_form(
    state: &ConsoleState,
    lang: Lang,
    csrf: &str,
    action: &str,
    draft: &ApplicationForm,
    masked_id: Option<&str>,
) -> Markup {
    let industries = &state.app.config().industries;
    let listed = |permit: bool, admitted: bool| {
        let separator = if lang == Lang::Zh { "、" } else { ", " };
        industries
            .iter()
            .filter(|i| i.permit_required == permit && i.admitted == admitted)
            .map(|i| text_of(lang, &i.zh, &i.en))
            .collect::<Vec<_>>()
            .join(separator)
    };
    let permit_selected = industries.iter().any(|i| i.code == draft.industry && i.permit_required);
    html! {
        form.application-form #application-form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            (field(lang, "company-name", "company_name", &draft.company_name, COMPANY_NAME_LENGTH_MAX, true))
            (field(lang, "brand-name", "brand_name", &draft.brand_name, BRAND_NAME_LENGTH_MAX, true))
            (field(lang, "uscc", "uscc", &draft.uscc, 64, true))
            (field(lang, "legal-rep-name", "legal_rep_name", &draft.legal_rep_name, PERSON_NAME_LENGTH_MAX, true))
            label for="legal-rep-id" { (t(lang, "legal_rep_id_number")) }
            input #legal-rep-id name="legal_rep_id_number" maxlength="64" size="40" autocomplete="off" data-draft="off" required
                data-check="legal_rep_id_number" placeholder=[masked_id];
            " " span.field-msg #legal-rep-id-msg aria-live="polite" {}
            @if masked_id.is_some() { p.muted { (t(lang, "id_number_reenter")) } }
            label for="industry" { (t(lang, "industry")) }
            select #industry name="industry" required data-check="industry" {
                option value="" { "—" }
                @for industry in industries {
                    option value=(industry.code) selected[draft.industry == industry.code] disabled[!industry.admitted]
                        data-permit=[industry.permit_required.then_some("1")] {
                        (text_of(lang, &industry.zh, &industry.en))
                        @if !industry.admitted { "（" (t(lang, "not_admitted")) "）" }
                    }
                }
            }
            " " span.field-msg #industry-msg aria-live="polite" {}
            p.muted #industry-note {
                (t(lang, "permit_industries")) (listed(true, true)) br;
                (t(lang, "refused_industries")) (listed(false, false))
            }
            p.notice #permit-note hidden[!permit_selected] { (t(lang, "permit_needed")) }
            (field(lang, "contact-phone", "contact_phone", &draft.contact_phone, 32, true))
            (field(lang, "contact-email", "contact_email", &draft.contact_email, 254, true))
            label {
                input #operator-is-legal-rep type="checkbox" name="operator_is_legal_rep" value="on"
                    checked[draft.operator_is_legal_rep.is_some()];
                " " (t(lang, "operator_is_legal_rep"))
            }
            p.muted #authorization-note { (t(lang, "authorization_needed")) }
            div { button.primary #save-application type="submit" { (t(lang, "save_application")) } }
        }
    }
}

/// A merchant starts an application for one of its accounts.
pub async fn create_application(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ApplicationForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.create_verification(&viewer.ctx, account_id, &form.input()).await {
        Ok(view) => {
            Redirect::to(&format!("/console/verifications/{}?notice=application_created", view.row.id))
                .into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&format!("/console/enterprise-accounts/{account_id}"), &error),
    }
}

/// A merchant corrects a draft, rejected or changes-requested application.
pub async fn update_application(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ApplicationForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.update_verification(&viewer.ctx, id, &form.input()).await {
        Ok(view) => {
            Redirect::to(&format!("/console/verifications/{}?notice=application_updated", view.row.id))
                .into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&format!("/console/verifications/{id}"), &error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckForm {
    csrf: String,
    field: String,
    value: String,
}

/// Live validation: one field checked by the app's own rules, answered as JSON
/// `{"field","ok","warning","code","reason","message"}`. POST, so that an ID number never lands in
/// a URL or an access log; the value is never echoed back.
pub async fn check_field(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<CheckForm>,
) -> Response {
    let lang = lang(&jar);
    if let Err(code) = check_csrf(&jar, &form.csrf) {
        return json_refusal(lang, &AppError::new(code, ""));
    }
    if viewer(&state, &jar, &headers).await.is_err() {
        return json_refusal(lang, &AppError::new(Code::Unauthorized, ""));
    }
    let field = form.field.as_str();
    let result = if form.value.len() > CHECK_VALUE_BYTES_MAX {
        Err(app::verification::FieldError {
            code: Code::InvalidField,
            reason: "length",
            detail: String::new(),
        })
    } else {
        state.app.check_application_field(field, &form.value)
    };
    let field_json = if field.len() <= 32 { field } else { "" };
    let body = match result {
        Ok(None) => {
            json!({ "field": field_json, "ok": true, "warning": null, "message": t(lang, "check_ok") })
        }
        Ok(Some(warning)) => json!({
            "field": field_json,
            "ok": true,
            "warning": warning.as_str(),
            "message": t(lang, "check_uscc_checksum"),
        }),
        Err(error) => {
            let text = lookup(lang, &format!("check_{field}_{}", error.reason))
                .or_else(|| lookup(lang, &format!("check_{}", error.reason)))
                .map_or_else(|| message(lang, &AppError::new(error.code, "")), str::to_owned);
            json!({
                "field": field_json,
                "ok": false,
                "warning": null,
                "code": error.code.as_str(),
                "reason": error.reason,
                "message": text,
            })
        }
    };
    json_response(StatusCode::OK, &body)
}

// ----- one application -----

/// One application: the merchant's own page, or a reviewer's case view.
pub async fn application_page(
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
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let note = if query.outcome.failed() == Some(Code::VerificationIncomplete.as_str()) {
        Some(incomplete_note(&state, &viewer, lang(&jar), id).await)
    } else {
        query.outcome.note(lang(&jar), &NOTICES)
    };
    application_response(&state, jar, &viewer, id, note).await
}

/// Everything the application page shows.
struct ApplicationPage {
    view: VerificationView,
    timeline: Vec<TimelineEvent>,
    account: Option<AccountRow>,
}

async fn load_application(state: &ConsoleState, actor: &app::Actor, id: i64) -> AppResult<ApplicationPage> {
    let view = state.app.verification(actor, id).await?;
    let timeline = state.app.verification_timeline(actor, id).await?;
    let account = state.app.enterprise_account(actor, view.row.account_id).await.ok();
    Ok(ApplicationPage { view, timeline, account })
}

async fn application_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    id: i64,
    note: Option<Markup>,
) -> Response {
    let here = format!("/console/verifications/{id}");
    let actor = &viewer.ctx.actor;
    let loaded = match load_application(state, actor, id).await {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "application", &here, &error),
    };
    let ApplicationPage { view, timeline, account } = loaded;
    let status = Some(view.row.status);
    let editable = status.is_some_and(VerificationStatus::editable);
    let awaiting = status.is_some_and(VerificationStatus::awaiting_decision);
    let role = actor.role;
    let case_view = matches!(role, Role::Reviewer | Role::Admin);
    let prefill = ApplicationForm::from_view(&view);
    let me = actor.label();
    let title = format!("{} #{id}", t(lang(&jar), if case_view { "case" } else { "application" }));
    render(jar, viewer, &title.clone(), &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            (summary_card(state, lang, &title, &view, account.as_ref(), case_view))
            @if case_view { (warnings_card(lang, &view)) }
            (data_card(state, lang, &view))
            (fee_card(lang, &view))
            (documents_card(lang, &view, case_view))
            @if role == Role::Merchant && editable {
                (upload_card(lang, csrf, &view))
                (submit_card(lang, csrf, &view))
                div.card {
                    details #edit-application {
                        summary { (t(lang, "edit_application")) }
                        (application_form(state, lang, csrf, &format!("/console/verifications/{id}"), &prefill, Some(&view.row.legal_rep_id_masked)))
                    }
                }
            }
            @if role == Role::Reviewer && awaiting { (decision_card(lang, csrf, &view, &me)) }
            @if role == Role::Service && view.row.fee_paid_at_ms.is_none() {
                (fee_form(lang, csrf, &FeeForm { verification_id: id.to_string(), ..FeeForm::default() }, view.fee_fen))
            }
            (timeline_card(lang, &timeline))
            (script_tag())
        }
    })
}

/// The application at a glance. Who claimed it is shown in the case view only.
fn summary_card(
    state: &ConsoleState,
    lang: Lang,
    title: &str,
    view: &VerificationView,
    account: Option<&AccountRow>,
    case_view: bool,
) -> Markup {
    let row = &view.row;
    html! {
        div.card #summary {
            h1 { (title) " " span #status { (status_badge(lang, row.status.as_str())) }
                @if row.renewal == 1 { " " span.badge { (t(lang, "renewal")) } } }
            table {
                @if let Some(account) = account {
                    tr { th { (t(lang, "enterprise_account")) } td {
                        a href={ "/console/enterprise-accounts/" (account.id) } { (account.nickname) } " " (badge_markup(lang, account))
                    } }
                }
                tr { th { (t(lang, "company_name")) } td { (row.company_name) } }
                tr { th { (t(lang, "industry")) } td { (industry_name(state, lang, &row.industry)) } }
                @if let Some(submitted) = row.submitted_at_ms {
                    tr { th { (t(lang, "submitted_at")) } td { (at(submitted)) } }
                }
                @if let Some(target) = &row.target_on {
                    tr { th { (t(lang, "target_on")) } td #target-on { (target) } }
                }
                @if let Some(due) = &row.due_on {
                    tr { th { (t(lang, "due_on")) } td #due-on { (due)
                        @if view.overdue { " " span.overdue { (t(lang, "overdue")) } } } }
                }
                @if let Some(claimed_by) = row.claimed_by.as_deref().filter(|_| case_view) {
                    tr { th { (t(lang, "claimed_by")) } td #claimed-by { (who(lang, claimed_by)) } }
                }
                @if row.rejection_count > 0 {
                    tr { th { (t(lang, "rejections")) } td { (row.rejection_count) } }
                }
                @if let Some(outcome) = &row.decision_outcome {
                    tr { th { (t(lang, "decision")) } td #decision {
                        (name(lang, "outcome", outcome))
                        @if let Some(reasons) = row.decision_reasons.as_deref().filter(|r| !r.is_empty()) { " · " (reason_names(lang, reasons)) }
                        @if let Some(note) = row.decision_note.as_deref().filter(|n| !n.is_empty()) { br; span.muted { (note) } }
                    } }
                }
                @if row.status == VerificationStatus::ChangesRequested {
                    @if let Some(due) = row.changes_due_at_ms {
                        tr { th { (t(lang, "changes_due")) } td #changes-due { (at(due)) } }
                    }
                }
            }
        }
    }
}

fn warnings_card(lang: Lang, view: &VerificationView) -> Markup {
    html! {
        div.card #warnings-card {
            h2 { (t(lang, "warnings")) }
            @if view.warnings.is_empty() {
                p.muted #no-warnings { (t(lang, "no_warnings")) }
            } @else {
                ul #warnings {
                    @for warning in &view.warnings {
                        li.warning data-warning=(warning) { strong { "⚠ " (name(lang, "warning", warning)) } }
                    }
                }
            }
        }
    }
}

fn data_card(state: &ConsoleState, lang: Lang, view: &VerificationView) -> Markup {
    let row = &view.row;
    // The ID number in clear exists only in a reviewer's case view; everybody else sees it masked.
    let id_number = view.legal_rep_id_number.as_deref().unwrap_or(&row.legal_rep_id_masked);
    let yes_no = |flag: i64| t(lang, if flag == 1 { "yes" } else { "no" });
    html! {
        div.card #application-data {
            table {
                tr { th { (t(lang, "company_name")) } td #company-name-value { (row.company_name) } }
                tr { th { (t(lang, "brand_name")) } td { (row.brand_name.as_deref().unwrap_or("—")) } }
                tr { th { (t(lang, "uscc")) } td #uscc-value { code { (row.uscc) } } }
                tr { th { (t(lang, "legal_rep_name")) } td { (row.legal_rep_name) } }
                tr { th { (t(lang, "legal_rep_id_number")) } td #legal-rep-id-value { code { (id_number) } } }
                tr { th { (t(lang, "industry")) } td { (industry_name(state, lang, &row.industry)) } }
                tr { th { (t(lang, "contact_phone")) } td { (row.contact_phone) } }
                tr { th { (t(lang, "contact_email")) } td { (row.contact_email) } }
                tr { th { (t(lang, "operator_is_legal_rep")) } td { (yes_no(row.operator_is_legal_rep)) } }
            }
        }
    }
}

fn fee_card(lang: Lang, view: &VerificationView) -> Markup {
    let row = &view.row;
    html! {
        div.card #fee {
            h2 { (t(lang, "fee")) " " (money(view.fee_fen)) }
            p { span #fee-status.badge.paid[row.fee_paid_at_ms.is_some()].unpaid[row.fee_paid_at_ms.is_none()] {
                (t(lang, if row.fee_paid_at_ms.is_some() { "fee_paid" } else { "fee_unpaid" })) } }
            @if let Some(paid_at) = row.fee_paid_at_ms {
                p.muted { (t(lang, "paid_at")) " " (at(paid_at))
                    @if let Some(reference) = &row.fee_payment_ref { " · " (t(lang, "payment_ref")) " " (reference) } }
            }
            p.muted { (t(lang, "fee_explained")) }
        }
    }
}

fn documents_card(lang: Lang, view: &VerificationView, inline: bool) -> Markup {
    let row = &view.row;
    let required = required_documents(row.operator_is_legal_rep == 1, view.permit_required);
    html! {
        div.card #documents {
            h2 { (t(lang, "documents")) }
            p { (t(lang, "required_documents")) ": "
                @for kind in &required {
                    @let present = view.documents.iter().any(|d| d.kind == kind.as_str());
                    span.badge.required-document.present[present].absent[!present] data-kind=(kind.as_str()) {
                        (if present { "✓ " } else { "✗ " }) (name(lang, "document_kind", kind.as_str()))
                    }
                    " "
                }
            }
            @if view.documents.is_empty() {
                p.muted #no-documents { (t(lang, "no_documents")) }
            } @else if inline {
                @for document in &view.documents {
                    (inline_document(lang, document))
                }
            } @else {
                table #document-list {
                    tr { th { (t(lang, "document_kind")) } th { (t(lang, "file_type")) } th { (t(lang, "size")) } th { (t(lang, "uploaded_at")) } th {} }
                    @for document in &view.documents {
                        tr.document data-kind=(document.kind) data-document-id=(document.id) {
                            td { (name(lang, "document_kind", &document.kind)) }
                            td { (document.content_type) }
                            td { (size_text(document.bytes)) }
                            td { (at(document.uploaded_at_ms)) }
                            td { a.document-link href=(document_url(document)) target="_blank" rel="noopener" { (t(lang, "open_document")) } }
                        }
                    }
                }
            }
        }
    }
}

/// A document shown in the case view: an image inline, a PDF embedded, both with a link.
fn inline_document(lang: Lang, document: &DocumentRow) -> Markup {
    let url = document_url(document);
    let kind_name = name(lang, "document_kind", &document.kind);
    let file_type = DocumentType::from_content_type(&document.content_type);
    html! {
        div.document data-kind=(document.kind) data-document-id=(document.id) {
            h3 { (kind_name) " " span.muted { (document.content_type) " · " (size_text(document.bytes)) " · " (at(document.uploaded_at_ms)) } }
            @match file_type {
                Some(DocumentType::Jpeg | DocumentType::Png) => {
                    img.document-image src=(url) alt=(kind_name);
                }
                Some(DocumentType::Pdf) => {
                    object.document-pdf data=(url) type="application/pdf" width="100%" height="640" aria-label=(kind_name) {
                        a href=(url) { (kind_name) " (PDF)" }
                    }
                }
                None => {}
            }
            p { a.document-link href=(url) target="_blank" rel="noopener" { (t(lang, "open_in_new_window")) } }
        }
    }
}

fn upload_card(lang: Lang, csrf: &str, view: &VerificationView) -> Markup {
    let needed = required_documents(view.row.operator_is_legal_rep == 1, view.permit_required);
    let first_missing = needed.iter().find(|k| !view.documents.iter().any(|d| d.kind == k.as_str()));
    html! {
        div.card #upload-card {
            h2 { (t(lang, "upload_document")) }
            // The CSRF field comes first: the server checks it before it reads the file.
            form.xd-upload #upload-form method="post" enctype="multipart/form-data"
                action={ "/console/verifications/" (view.row.id) "/documents" }
                data-page={ "/console/verifications/" (view.row.id) }
                data-refresh="documents checklist timeline-card summary" data-remove="incomplete"
                data-bytes-max=(DOCUMENT_BYTES_MAX)
                data-msg-uploading=(t(lang, "uploading")) data-msg-failed=(t(lang, "upload_failed"))
                data-msg-choose=(t(lang, "choose_file"))
                data-msg-too-large=(message(lang, &AppError::new(Code::DocumentTooLarge, ""))) {
                input type="hidden" name="csrf" value=(csrf);
                label for="document-kind" { (t(lang, "document_kind")) }
                select #document-kind name="kind" {
                    @for kind in DocumentKind::ALL {
                        option value=(kind.as_str()) selected[first_missing == Some(&kind)] { (name(lang, "document_kind", kind.as_str())) }
                    }
                }
                label for="document-file" { (t(lang, "file")) }
                input #document-file type="file" name="file" required accept=".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf";
                p.muted { (t(lang, "upload_limits")) }
                div { button.primary #upload-submit type="submit" { (t(lang, "upload")) } }
                div.progress-row {
                    progress #upload-progress max="100" value="0" { "0%" }
                    " " span.upload-percent #upload-percent { "" }
                    " " span.upload-status #upload-status role="status" aria-live="polite" {}
                }
            }
        }
    }
}

fn submit_card(lang: Lang, csrf: &str, view: &VerificationView) -> Markup {
    html! {
        div.card #checklist {
            h2 { (t(lang, "submit_application")) }
            @if view.missing.is_empty() {
                p #ready { (t(lang, "ready_to_submit")) }
            } @else {
                p { (t(lang, "still_missing")) }
                ul #missing {
                    @for item in &view.missing { li data-missing=(item) { (missing_name(lang, item)) } }
                }
            }
            p.muted { (t(lang, "review_times")) }
            form #submit-form method="post" action={ "/console/verifications/" (view.row.id) "/submit" } {
                input type="hidden" name="csrf" value=(csrf);
                button.primary #submit-application type="submit" { (t(lang, "submit_application")) }
            }
        }
    }
}

fn decision_card(lang: Lang, csrf: &str, view: &VerificationView, me: &str) -> Markup {
    let id = view.row.id;
    let mine = view.row.claimed_by.as_deref() == Some(me);
    html! {
        div.card #decision-card {
            h2 { (t(lang, "decision")) }
            @if !mine {
                form #claim-form method="post" action={ "/console/verifications/" (id) "/claim" } {
                    input type="hidden" name="csrf" value=(csrf);
                    @if let Some(holder) = view.row.claimed_by.as_deref() {
                        input type="hidden" name="take_over_from" value=(holder);
                    }
                    button.primary #claim type="submit" {
                        (t(lang, if view.row.claimed_by.is_some() { "take_over" } else { "claim" }))
                    }
                }
            }
            form #decision-form method="post" action={ "/console/verifications/" (id) "/decision" } {
                input type="hidden" name="csrf" value=(csrf);
                fieldset {
                    legend { (t(lang, "outcome")) }
                    @for outcome in ["approve", "reject", "request_changes"] {
                        label style="display:inline-block;margin-right:16px" {
                            input type="radio" name="outcome" value=(outcome) id={ "outcome-" (outcome) } required;
                            " " (name(lang, "outcome", outcome))
                        }
                    }
                }
                fieldset {
                    legend { (t(lang, "reasons")) }
                    p.muted { (t(lang, "reasons_hint")) }
                    @for (code, zh, en) in REASONS {
                        label style="margin:4px 0" {
                            input type="checkbox" name="reasons" value=(code) id={ "reason-" (code) };
                            " " (text_of(lang, zh, en))
                        }
                    }
                }
                label for="decision-note" { (t(lang, "note")) }
                textarea #decision-note name="note" maxlength=(NOTE_LENGTH_MAX) rows="3" cols="60" {}
                div { button.primary #decide type="submit" { (t(lang, "decide")) } }
            }
        }
    }
}

fn fact<'a>(event: &'a TimelineEvent, key: &str) -> Option<&'a str> {
    event.facts.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn event_details(lang: Lang, event: &TimelineEvent) -> Markup {
    html! {
        @match event.kind {
            "document" => { @if let Some(kind) = fact(event, "kind") { (name(lang, "document_kind", kind)) } }
            "fee_paid" => {
                @if let Some(amount) = fact(event, "amount_fen").and_then(|a| a.parse::<i64>().ok()) { (money(amount)) }
            }
            "submitted" | "resubmitted" => {
                @if let Some(target) = fact(event, "target_on") { (t(lang, "target_on")) " " span.target-on { (target) } }
                @if let Some(due) = fact(event, "due_on") { " · " (t(lang, "due_on")) " " span.due-on { (due) } }
            }
            "decided" => {
                @if let Some(outcome) = fact(event, "outcome") { span.outcome { (name(lang, "outcome", outcome)) } }
                @if let Some(status) = fact(event, "status") { " → " (name(lang, "verification_status", status)) }
                @if let Some(reasons) = fact(event, "reasons").filter(|r| !r.is_empty()) {
                    br; (t(lang, "reasons")) ": " span.reasons { (reason_names(lang, reasons)) }
                }
                @if let Some(note) = fact(event, "note") { br; (t(lang, "note")) ": " span.note { (note) } }
                @if let Some(due) = fact(event, "changes_due_on") { br; (t(lang, "changes_due")) ": " span.changes-due { (due) } }
                @if let (Some(granted), Some(until)) = (fact(event, "granted_on"), fact(event, "valid_until")) {
                    br; (t(lang, "badge_dates")) ": " span.badge-dates { (granted) " – " (until) }
                }
                @if let Some(until) = fact(event, "cooldown_until") { br; (t(lang, "cooldown_until")) ": " span.cooldown { (until) } }
            }
            "failed" => {
                @if fact(event, "reason") == Some("changes_deadline") { (t(lang, "failed_changes_deadline")) }
                @if let Some(until) = fact(event, "cooldown_until") { br; (t(lang, "cooldown_until")) ": " span.cooldown { (until) } }
            }
            _ => {}
        }
    }
}

fn timeline_card(lang: Lang, timeline: &[TimelineEvent]) -> Markup {
    html! {
        div.card #timeline-card {
            h2 { (t(lang, "timeline")) }
            ol #timeline.timeline {
                @for event in timeline {
                    li.event data-kind=(event.kind) {
                        span.muted { (at(event.at_ms)) } " "
                        strong { (name(lang, "event", event.kind)) }
                        @if let Some(actor) = &event.actor { " " span.muted { "(" (actor) ")" } }
                        " " (event_details(lang, event))
                    }
                }
            }
        }
    }
}

// ----- documents -----

/// Why an upload did not happen: before the viewer is known (CSRF, login), or an app refusal.
enum UploadFailure {
    Csrf,
    Login,
    Refused(AppError),
}

/// Reads a short text field, refusing more than `UPLOAD_TEXT_FIELD_BYTES_MAX` bytes.
pub(crate) async fn read_text_field(mut field: Field<'_>) -> AppResult<String> {
    let mut text = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        text.extend_from_slice(&chunk);
        if text.len() > UPLOAD_TEXT_FIELD_BYTES_MAX {
            return Err(AppError::new(Code::InvalidField, "a text field of the upload is too long"));
        }
    }
    Ok(String::from_utf8_lossy(&text).into_owned())
}

fn multipart_error(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(Code::DocumentTooLarge, "documents are at most 10 MiB")
    } else {
        AppError::new(Code::InvalidField, "the upload is not a well-formed multipart form")
    }
}

/// Reads the rest of a refused upload, discarding it, so the answer goes out on a clean connection
/// (stops at the route's body limit).
pub(crate) async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut next)) = multipart.next_field().await {
        while let Ok(Some(_)) = next.chunk().await {}
    }
}

/// The fields after the CSRF token: `kind` and one `file`, streamed into the app's upload.
async fn receive_document(
    state: &ConsoleState,
    viewer: &Viewer,
    id: i64,
    multipart: &mut Multipart,
) -> AppResult<DocumentRow> {
    let mut kind: Option<String> = None;
    let mut upload = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return Err(multipart_error(error)),
        };
        match field.name() {
            Some("kind") => kind = Some(read_text_field(field).await?),
            Some("file") if upload.is_none() => {
                // A form sent without a chosen file carries an empty file part.
                if field.file_name().is_some_and(str::is_empty) {
                    while let Ok(Some(_)) = field.chunk().await {}
                    continue;
                }
                // The client's file name is ignored: storage is named by content.
                let mut receiving = match state.app.begin_document_upload(&viewer.ctx.actor, id).await {
                    Ok(receiving) => receiving,
                    Err(error) => {
                        while let Ok(Some(_)) = field.chunk().await {}
                        drop(field);
                        drain(multipart).await;
                        return Err(error);
                    }
                };
                let mut refused = None;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if let Err(error) = receiving.write(&chunk) {
                                refused = Some(error);
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(error) => {
                            refused = Some(multipart_error(error));
                            break;
                        }
                    }
                }
                if let Some(error) = refused {
                    // Nothing is kept: dropping the upload deletes its temporary file.
                    drop(receiving);
                    while let Ok(Some(_)) = field.chunk().await {}
                    drop(field);
                    drain(multipart).await;
                    return Err(error);
                }
                upload = Some(receiving);
            }
            _ => {
                drop(field);
                drain(multipart).await;
                return Err(AppError::new(Code::InvalidField, "the fields are csrf, kind and file"));
            }
        }
    }
    let kind = kind.ok_or_else(|| AppError::new(Code::InvalidField, "kind: required"))?;
    let upload = upload.ok_or_else(|| AppError::new(Code::InvalidField, "file: required"))?;
    state.app.add_document(&viewer.ctx, id, &kind, upload).await
}

async fn upload(
    state: &ConsoleState,
    jar: &CookieJar,
    headers: &HeaderMap,
    id: i64,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Viewer, DocumentRow), UploadFailure> {
    // The CSRF token is the first field; nothing is read further without it.
    let mut multipart = multipart.map_err(|_| UploadFailure::Csrf)?;
    let token = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf") => read_text_field(field).await.unwrap_or_default(),
        _ => String::new(),
    };
    if check_csrf(jar, &token).is_err() {
        drain(&mut multipart).await;
        return Err(UploadFailure::Csrf);
    }
    let Ok(viewer) = viewer(state, jar, headers).await else {
        drain(&mut multipart).await;
        return Err(UploadFailure::Login);
    };
    match receive_document(state, &viewer, id, &mut multipart).await {
        Ok(document) => Ok((viewer, document)),
        Err(error) => Err(UploadFailure::Refused(error)),
    }
}

/// A merchant uploads a document: multipart `csrf`, `kind`, `file`. The page's script sends it with
/// `Accept: application/json` (to show the progress) and gets JSON; a plain form gets a redirect or
/// the page with the error.
pub async fn upload_document(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    let lang = lang(&jar);
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let outcome = upload(&state, &jar, &headers, id, multipart).await;
    match outcome {
        Ok((_, document)) if wants_json => json_response(
            StatusCode::CREATED,
            &json!({
                "ok": true,
                "id": document.id,
                "kind": document.kind,
                "bytes": document.bytes,
                "message": t(lang, "notice_document_uploaded"),
            }),
        ),
        Ok(_) => {
            Redirect::to(&format!("/console/verifications/{id}?notice=document_uploaded")).into_response()
        }
        Err(UploadFailure::Csrf) if wants_json => json_refusal(lang, &AppError::new(Code::CsrfFailed, "")),
        Err(UploadFailure::Csrf) => forbidden(jar, Code::CsrfFailed),
        Err(UploadFailure::Login) if wants_json => json_refusal(lang, &AppError::new(Code::Unauthorized, "")),
        Err(UploadFailure::Login) => Redirect::to("/console/login").into_response(),
        Err(UploadFailure::Refused(error)) if wants_json => json_refusal(lang, &error),
        Err(UploadFailure::Refused(error)) if is_refusal(&error) => refusal(jar, &error),
        Err(UploadFailure::Refused(error)) => {
            failed_redirect(&format!("/console/verifications/{id}"), &error)
        }
    }
}

/// A document's file, for the owning merchant and reviewers, with the type the app detected. It may
/// be framed by the console's own pages (PDFs are embedded in the case view), nothing else.
pub async fn document(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path((id, document_id)): Path<(String, String)>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let (Some(id), Some(document_id)) = (parse_id(&id), parse_id(&document_id)) else {
        return not_found_page(jar);
    };
    let (document, bytes) = match state.app.document(&viewer.ctx.actor, id, document_id).await {
        Ok(found) => found,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => {
            return error_page(jar, &viewer, "documents", &format!("/console/verifications/{id}"), &error);
        }
    };
    let file_type = DocumentType::from_content_type(&document.content_type);
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type = file_type.map_or("application/octet-stream", DocumentType::content_type);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let extension = file_type.map_or("bin", DocumentType::extension);
    if let Ok(value) =
        HeaderValue::from_str(&format!("inline; filename=\"{}-{}.{extension}\"", document.kind, document.id))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; \
             frame-ancestors 'self'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    response
}

// ----- submission and review -----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    csrf: String,
}

/// What a submitted application still lacks, listed in words (after a refused submit).
async fn incomplete_note(state: &ConsoleState, viewer: &Viewer, lang: Lang, id: i64) -> Markup {
    let missing = state.app.verification(&viewer.ctx.actor, id).await.map(|v| v.missing).unwrap_or_default();
    let error = AppError::new(Code::VerificationIncomplete, "");
    html! {
        div.error #incomplete role="alert" data-code=(error.code.as_str()) {
            span.error-title { (message(lang, &error)) }
            ul { @for item in &missing { li data-missing=(item) { (missing_name(lang, item)) } } }
        }
    }
}

/// The merchant submits; when something is missing the page it goes back to lists it.
pub async fn submit(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.submit_verification(&viewer.ctx, id).await {
        Ok(_) => Redirect::to(&format!("/console/verifications/{id}?notice=submitted")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&format!("/console/verifications/{id}"), &error),
    }
}

/// A reviewer claims (or takes over) an application.
/// The claim form: the CSRF field and, to take over, the reviewer the page showed as the holder.
#[derive(Deserialize)]
pub struct ClaimForm {
    csrf: String,
    take_over_from: Option<String>,
}

pub async fn claim(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.claim_verification(&viewer.ctx, id, form.take_over_from.as_deref()).await {
        Ok(_) => Redirect::to(&format!("/console/verifications/{id}?notice=claimed")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&format!("/console/verifications/{id}"), &error),
    }
}

/// A reviewer decides: the form's fields are `csrf`, `outcome`, `note` and any number of `reasons`.
pub async fn decide(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let value =
        |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default();
    let viewer = match form_viewer(&state, &jar, &headers, value("csrf")).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let reasons: Vec<String> =
        fields.iter().filter(|(k, _)| k == "reasons").map(|(_, v)| v.clone()).collect();
    match state.app.decide_verification(&viewer.ctx, id, value("outcome"), &reasons, value("note")).await {
        Ok(_) => Redirect::to(&format!("/console/verifications/{id}?notice=decided")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&format!("/console/verifications/{id}"), &error),
    }
}

// ----- lists -----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: Option<String>,
    notice: Option<String>,
}

/// The merchant's applications, or the reviewers' queue: applications waiting for a decision
/// (submitted or claimed) by due date, overdue ones flagged; `?status=` shows one status, `all` all.
pub async fn verifications(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let actor = &viewer.ctx.actor;
    let here = "/console/verifications";
    let note = notice(lang(&jar), query.notice.as_deref());
    let filter = query.status.as_deref().map(str::trim).filter(|s| !s.is_empty() && *s != "awaiting");
    let listed = match (actor.role, filter) {
        (Role::Merchant, _) | (_, Some("all")) => {
            state.app.list_verifications(actor, None, Some(PAGE_SIZE_MAX)).await
        }
        (_, Some(status)) => state.app.list_verifications(actor, Some(status), Some(PAGE_SIZE_MAX)).await,
        (_, None) => awaiting_queue(&state, actor).await,
    };
    let views = match listed {
        Ok(views) => views,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "verification_queue", here, &error),
    };
    if actor.role == Role::Merchant {
        let title = t(lang(&jar), "my_verifications");
        return render(jar, &viewer, title, here, |lang, _| {
            html! {
                @if let Some(note) = note { (note) }
                div.card {
                    h1 { (title) }
                    @if views.is_empty() { p.muted #no-applications { (t(lang, "no_applications")) } }
                    @else { (applications_table(&state, lang, &views)) }
                    p { a href="/console/enterprise-accounts" { (t(lang, "enterprise_accounts")) " →" } }
                }
            }
        });
    }
    let may_claim = actor.role == Role::Reviewer;
    let current = filter.unwrap_or("awaiting").to_owned();
    let title = t(lang(&jar), "verification_queue");
    render(jar, &viewer, title, here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (title) }
                p #queue-filter {
                    @for (value, label) in std::iter::once(("awaiting".to_owned(), t(lang, "awaiting_review").to_owned()))
                        .chain(VerificationStatus::ALL.iter().map(|s| (s.as_str().to_owned(), name(lang, "verification_status", s.as_str()))))
                        .chain(std::iter::once(("all".to_owned(), t(lang, "all_statuses").to_owned()))) {
                        @if value != "awaiting" { " · " }
                        @if value == current { strong { (label) } } @else { a href={ "/console/verifications?status=" (value) } { (label) } }
                    }
                }
                @if views.is_empty() {
                    p.muted #queue-empty { (t(lang, "queue_empty")) }
                } @else {
                    table #queue {
                        tr {
                            th { "#" } th { (t(lang, "company_name")) } th { (t(lang, "industry")) } th { (t(lang, "status")) }
                            th { (t(lang, "submitted_at")) } th { (t(lang, "target_on")) } th { (t(lang, "due_on")) }
                            th { (t(lang, "warnings")) } th { (t(lang, "claimed_by")) } th {}
                        }
                        @for view in &views {
                            tr.case.overdue-row[view.overdue] data-verification-id=(view.row.id) {
                                td { a.case-link href={ "/console/verifications/" (view.row.id) } { "#" (view.row.id) } }
                                td { (view.row.company_name) @if view.row.renewal == 1 { " " span.badge { (t(lang, "renewal")) } } }
                                td { (industry_name(&state, lang, &view.row.industry)) }
                                td.status { (status_badge(lang, view.row.status.as_str())) }
                                td { (view.row.submitted_at_ms.map(at).unwrap_or_default()) }
                                td { (view.row.target_on.as_deref().unwrap_or_default()) }
                                td.due-on { (view.row.due_on.as_deref().unwrap_or_default())
                                    @if view.overdue { " " span.overdue { (t(lang, "overdue")) } } }
                                td.warning-count {
                                    @if !view.warnings.is_empty() {
                                        span.warn title=(view.warnings.iter().map(|w| name(lang, "warning", w)).collect::<Vec<_>>().join("\n")) {
                                            "⚠ " (view.warnings.len())
                                        }
                                    }
                                }
                                td { (who(lang, view.row.claimed_by.as_deref().unwrap_or_default())) }
                                td {
                                    @if may_claim && view.row.status == VerificationStatus::Submitted {
                                        form.claim-form method="post" action={ "/console/verifications/" (view.row.id) "/claim" } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button.claim type="submit" { (t(lang, "claim")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// Submitted and claimed applications together, by due date then number.
pub(crate) async fn awaiting_queue(
    state: &ConsoleState,
    actor: &app::Actor,
) -> AppResult<Vec<VerificationView>> {
    let mut views = Vec::new();
    for status in [VerificationStatus::Submitted, VerificationStatus::InReview] {
        views.extend(state.app.list_verifications(actor, Some(status.as_str()), Some(PAGE_SIZE_MAX)).await?);
    }
    views.sort_by(|a, b| (&a.row.due_on, a.row.id).cmp(&(&b.row.due_on, b.row.id)));
    Ok(views)
}

// ----- the fee -----

/// What the fee form sent.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FeeForm {
    csrf: String,
    /// The idempotency key rendered with the form: a second submit of the same form replays.
    form_token: String,
    verification_id: String,
    payment_ref: String,
}

fn fee_form(lang: Lang, csrf: &str, draft: &FeeForm, fee_fen: i64) -> Markup {
    html! {
        div.card {
            h2 { (t(lang, "fee_confirmation")) }
            p.muted { (t(lang, "fee_form_intro")) }
            form #fee-form method="post" action="/console/fees" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="form_token" value=(form_token());
                label for="fee-verification-id" { (t(lang, "verification_id")) }
                input #fee-verification-id name="verification_id" required inputmode="numeric" maxlength="20" value=(draft.verification_id);
                label for="payment-ref" { (t(lang, "payment_ref")) }
                input #payment-ref name="payment_ref" required maxlength=(PAYMENT_REF_LENGTH_MAX) size="40" value=(draft.payment_ref);
                p { (t(lang, "amount")) ": " strong #fee-amount { (money(fee_fen)) } }
                div { button.primary #confirm-fee type="submit" { (t(lang, "confirm_fee")) } }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FeeQuery {
    #[serde(flatten)]
    outcome: FormOutcome,
    id: Option<String>,
}

/// The payment service confirms review fees.
pub async fn fees(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<FeeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    let paid = query.id.as_deref().and_then(parse_id);
    fees_response(&state, jar, &viewer, note, paid).await
}

async fn fees_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    note: Option<Markup>,
    shown: Option<i64>,
) -> Response {
    if !app::verification::FEE_PAYMENT_ROLES.contains(&viewer.ctx.actor.role) {
        return forbidden(jar, Code::Forbidden);
    }
    let shown = match shown {
        Some(id) => state.app.verification_fee(&viewer.ctx.actor, id).await.ok(),
        None => None,
    };
    let fee_fen = state.app.config().verification_fee_fen;
    let title = t(lang(&jar), "fee_confirmation");
    render(jar, viewer, title, "/console/fees", |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            @if let Some(view) = &shown {
                div.card #fee-application {
                    p { (t(lang, "application")) " #" (view.id) " · "
                        (status_badge(lang, view.status.as_str())) " · "
                        span #fee-status { (t(lang, if view.fee_paid { "fee_paid" } else { "fee_unpaid" })) } }
                }
            }
            (fee_form(lang, csrf, &FeeForm::default(), fee_fen))
        }
    })
}

/// The request fingerprint of a fee form: the application, the amount and the reference, each
/// prefixed by its length.
fn fee_fingerprint(id: i64, amount_fen: i64, payment_ref: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for field in [id.to_string().as_str(), amount_fen.to_string().as_str(), payment_ref.trim()] {
        bytes.extend_from_slice(&(field.len() as u64).to_be_bytes());
        bytes.extend_from_slice(field.as_bytes());
    }
    bytes
}

pub async fn confirm_fee(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<FeeForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let fee_fen = state.app.config().verification_fee_fen;
    let id = parse_id(form.verification_id.trim());
    let outcome = async {
        let id = id.ok_or_else(|| AppError::new(Code::InvalidField, "verification_id: a positive number"))?;
        let claim = IdempotencyClaim::parse(
            format!("user:{}", viewer.ctx.actor.user_id),
            Some(&form.form_token),
            "POST",
            &format!("/console/verifications/{id}/fee-payments"),
            &fee_fingerprint(id, fee_fen, &form.payment_ref),
        )?;
        state.app.pay_verification_fee(&viewer.ctx, id, fee_fen, &form.payment_ref, claim).await
    }
    .await;
    match outcome {
        Ok(paid) => {
            let key = if paid.replayed { "fee_replayed" } else { "fee_confirmed" };
            let id = id.unwrap_or_default();
            Redirect::to(&format!("/console/fees?notice={key}&id={id}")).into_response()
        }
        Err(error) if error.code == Code::Forbidden => forbidden(jar, error.code),
        Err(error) => failed_redirect("/console/fees", &error),
    }
}

// ----- notifications -----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NotificationsQuery {
    cursor: Option<String>,
    notice: Option<String>,
}

/// The merchant's notifications, newest first.
pub async fn notifications(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<NotificationsQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let here = "/console/notifications";
    let cursor = query.cursor.as_deref().and_then(parse_id);
    let page = match state
        .app
        .notifications(&viewer.ctx.actor, false, Some(NOTIFICATIONS_PAGE_SIZE), cursor)
        .await
    {
        Ok(page) => page,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "notifications", here, &error),
    };
    let note = notice(lang(&jar), query.notice.as_deref());
    let title = t(lang(&jar), "notifications");
    let manages_webhook = viewer.ctx.actor.may(domain::team::TeamRight::ManageMerchant);
    render(jar, &viewer, title, here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (title) }
                @if manages_webhook { p { a #webhook-link href="/console/webhook" { (t(lang, "webhook")) " →" } } }
                @if page.items.is_empty() {
                    p.muted #no-notifications { (t(lang, "no_notifications")) }
                } @else {
                    @if let Some(newest) = page.items.iter().filter(|n| n.read_at_ms.is_none()).map(|n| n.id).max() {
                        form #read-all method="post" action="/console/notifications/read-all" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="up_to_id" value=(newest);
                            button.secondary type="submit" { (t(lang, "mark_all_read")) }
                        }
                    }
                    ul #notifications style="list-style:none;padding:0" {
                        @for item in &page.items { (notification_item(lang, csrf, item)) }
                    }
                }
                p {
                    @if cursor.is_some() { a href=(here) { (t(lang, "first_page")) } " · " }
                    @if let Some(next) = &page.next_cursor {
                        a href={ (here) "?cursor=" (next) } { (t(lang, "next_page")) " →" }
                    }
                }
            }
        }
    })
}

fn notification_item(lang: Lang, csrf: &str, item: &NotificationRow) -> Markup {
    let unread = item.read_at_ms.is_none();
    // Links are written by the app; only console paths are followed.
    let link = Some(item.link.as_str()).filter(|l| l.starts_with("/console/") && !l.contains("//"));
    html! {
        li.notification.unread[unread].read[!unread] data-id=(item.id) data-kind=(item.kind)
            style="border-top:1px solid #eee;padding:10px 0" {
            span.muted { (at(item.created_at_ms)) } " "
            span.badge { (t(lang, if unread { "unread" } else { "read" })) } " "
            span.text { (if lang == Lang::Zh { &item.text_zh } else { &item.text_en }) }
            @if let Some(link) = link { " " a href=(link) { (t(lang, "open_link")) } }
            @if unread {
                form method="post" action={ "/console/notifications/" (item.id) "/read" } style="display:inline;margin-left:8px" {
                    input type="hidden" name="csrf" value=(csrf);
                    button.mark-read type="submit" { (t(lang, "mark_read")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ReadAllForm {
    csrf: String,
    up_to_id: String,
}

/// Marks read every notification up to the newest unread one the page showed.
pub async fn mark_all_read(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<ReadAllForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(up_to_id) = parse_id(&form.up_to_id) else { return not_found_page(jar) };
    match state.app.mark_all_notifications_read(&viewer.ctx, Some(up_to_id)).await {
        Ok(_) => Redirect::to("/console/notifications?notice=notifications_all_read").into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => error_page(jar, &viewer, "notifications", "/console/notifications", &error),
    }
}

pub async fn mark_read(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.mark_notification_read(&viewer.ctx, id).await {
        Ok(_) => Redirect::to("/console/notifications?notice=notification_read").into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => error_page(jar, &viewer, "notifications", "/console/notifications", &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_shown_without_floats() {
        assert_eq!(size_text(0), "0 B");
        assert_eq!(size_text(1023), "1023 B");
        assert_eq!(size_text(1024), "1.0 KB");
        assert_eq!(size_text(1536), "1.5 KB");
        assert_eq!(size_text(10 * 1024 * 1024), "10.0 MB");
    }

    #[test]
    fn every_notice_and_name_has_both_languages() {
        for key in NOTICES {
            assert!(lookup(Lang::Zh, &format!("notice_{key}")).is_some(), "{key}");
            assert!(lookup(Lang::En, &format!("notice_{key}")).is_some(), "{key}");
        }
        assert!(notice(Lang::Zh, Some("<script>")).is_none());
        for status in VerificationStatus::ALL {
            assert!(lookup(Lang::En, &format!("verification_status_{}", status.as_str())).is_some());
        }
        for kind in DocumentKind::ALL {
            assert!(lookup(Lang::Zh, &format!("document_kind_{}", kind.as_str())).is_some());
        }
        for warning in domain::verification::Warning::ALL {
            assert!(lookup(Lang::Zh, &format!("warning_{}", warning.as_str())).is_some());
        }
        for outcome in ["approve", "reject", "request_changes"] {
            assert!(lookup(Lang::En, &format!("outcome_{outcome}")).is_some());
        }
        for kind in [
            "created",
            "updated",
            "document",
            "fee_paid",
            "submitted",
            "resubmitted",
            "claimed",
            "decided",
            "failed",
        ] {
            assert!(lookup(Lang::Zh, &format!("event_{kind}")).is_some(), "{kind}");
        }
    }

    #[test]
    fn the_fee_fingerprint_separates_fields() {
        assert_eq!(fee_fingerprint(1, 60_000, "a"), fee_fingerprint(1, 60_000, " a "));
        assert_ne!(fee_fingerprint(1, 60_000, "a"), fee_fingerprint(2, 60_000, "a"));
        assert_ne!(fee_fingerprint(11, 60_000, ""), fee_fingerprint(1, 160_000, ""));
    }
}
