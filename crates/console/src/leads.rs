//! The leads (线索) of an enterprise account: counts and conversion by source, the list with its
//! filters (status, source, owner) and CSV export, each lead's contact masked unless the viewer
//! may contact leads, and a form per lead to move it on (status, owner, note).

use app::AppResult;
use app::private_messages::{LeadQuery, LeadSource, LeadView};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::limits::DM_NOTE_LENGTH_MAX;
use domain::private_messages::{Channel, LeadStatus};
use domain::team::TeamRight;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    at, empty, error_page, failed_note, failed_redirect, is_refusal, name, notice_of, number, parse_id,
    refusal, render, url_escape,
};
use crate::pages::{form_viewer, not_found_page};
use crate::private_messages::{account_switcher, chosen_account, no_account, share};
use crate::session::{lang, viewer};

const NOTICES: [&str; 1] = ["lead_updated"];
const HERE: &str = "/console/leads";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LeadParams {
    account: Option<String>,
    status: Option<String>,
    source: Option<String>,
    owner: Option<String>,
    notice: Option<String>,
    failed: Option<String>,
    field: Option<String>,
}

impl LeadParams {
    fn query(&self) -> LeadQuery {
        LeadQuery { status: self.status.clone(), source: self.source.clone(), owner: self.owner.clone() }
    }

    /// The filters as a query string, after `account=`.
    fn filters(&self) -> String {
        [("status", &self.status), ("source", &self.source), ("owner", &self.owner)]
            .iter()
            .filter_map(|(key, value)| {
                value
                    .as_deref()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("&{key}={}", url_escape(v)))
            })
            .collect()
    }
}

pub async fn leads_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(params): Query<LeadParams>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let actor = &viewer.ctx.actor;
    let loaded: AppResult<_> = async {
        let Some((account, accounts)) = chosen_account(&state, actor, params.account.as_deref()).await?
        else {
            return Ok(None);
        };
        let leads = state.app.leads(actor, account.id, &params.query()).await?;
        let sources = state.app.lead_summary(actor, account.id).await?;
        let owners =
            if actor.may(TeamRight::Reply) { state.app.inbox_assignees(actor).await? } else { Vec::new() };
        Ok(Some((account, accounts, leads, sources, owners)))
    }
    .await;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "leads", HERE, &error),
    };
    let lang_now = lang(&jar);
    let note = notice_of(lang_now, params.notice.as_deref(), &NOTICES)
        .or_else(|| failed_note(lang_now, params.failed.as_deref(), params.field.as_deref()));
    let may_edit = actor.may(TeamRight::Reply);
    render(jar, &viewer, t(lang_now, "leads"), HERE, |lang, csrf| {
        let Some((account, accounts, leads, sources, owners)) = &loaded else { return no_account(lang) };
        let back = format!("{HERE}?account={}{}", account.id, params.filters());
        html! {
            @if let Some(note) = &note { (note) }
            div.card {
                h1 { (t(lang, "leads")) " · " span data-user { (account.nickname) } }
                (account_switcher(lang, HERE, account, accounts))
                (source_tiles(lang, sources))
                (filter_form(lang, account.id, &params, owners))
                p { a.button.small #leads-csv href={ "/console/leads.csv?account=" (account.id) (params.filters()) } { (t(lang, "download_leads_csv")) } }
            }
            div.card {
                @if leads.is_empty() {
                    (empty(t(lang, "no_leads")))
                } @else {
                    div.table-wrap {
                        table #leads {
                            thead { tr {
                                th { (t(lang, "time")) } th { (t(lang, "lead_source")) } th { (t(lang, "platform_user")) }
                                th { (t(lang, "contact")) } th { (t(lang, "consent")) } th { (t(lang, "status")) }
                                th { (t(lang, "lead_owner")) } th { (t(lang, "lead_note")) }
                                @if may_edit { th { (t(lang, "actions")) } }
                            } }
                            tbody { @for lead in leads { (lead_row(lang, csrf, lead, owners, may_edit, &back)) } }
                        }
                    }
                }
            }
        }
    })
}

fn source_tiles(lang: Lang, sources: &[LeadSource]) -> Markup {
    html! {
        div.stats #lead-sources {
            @for source in sources {
                @let label = t(lang, &format!("leads_from_{}", source.source.as_str()));
                @let value = number(source.leads);
                a.stat href="#leads" {
                    span.stat-label { (label) }
                    span.stat-value { (value) }
                    span.stat-note { (t(lang, "converted")) " " (number(source.converted)) " · " (t(lang, "conversion_rate")) " " (share(source.conversion_permille())) }
                }
            }
        }
    }
}

fn filter_form(lang: Lang, account_id: i64, params: &LeadParams, owners: &[String]) -> Markup {
    let is = |value: &Option<String>, option: &str| value.as_deref().unwrap_or("") == option;
    html! {
        form #lead-filter .filters method="get" action=(HERE) {
            input type="hidden" name="account" value=(account_id);
            select name="status" aria-label=(t(lang, "status")) {
                option value="" selected[is(&params.status, "")] { (t(lang, "all_statuses")) }
                @for status in LeadStatus::ALL {
                    option value=(status.as_str()) selected[is(&params.status, status.as_str())] { (name(lang, "lead_status", status.as_str())) }
                }
            }
            " "
            select name="source" aria-label=(t(lang, "lead_source")) {
                option value="" selected[is(&params.source, "")] { (t(lang, "channel_all")) }
                @for channel in Channel::ALL {
                    option value=(channel.as_str()) selected[is(&params.source, channel.as_str())] { (name(lang, "channel", channel.as_str())) }
                }
            }
            @if !owners.is_empty() {
                " "
                select name="owner" aria-label=(t(lang, "lead_owner")) {
                    option value="" selected[is(&params.owner, "")] { (t(lang, "all_owners")) }
                    @for owner in owners { option value=(owner) selected[is(&params.owner, owner)] { (owner) } }
                }
            }
            " " button.small type="submit" { (t(lang, "filter")) }
        }
    }
}

fn lead_row(
    lang: Lang,
    csrf: &str,
    view: &LeadView,
    owners: &[String],
    may_edit: bool,
    back: &str,
) -> Markup {
    let lead = &view.lead;
    let status = lead.status;
    let tone = match status {
        LeadStatus::Converted => "tag-success",
        LeadStatus::Contacted => "tag-info",
        LeadStatus::New => "tag-warning",
        LeadStatus::Invalid => "tag-neutral",
    };
    html! {
        tr data-lead=(lead.id) {
            td { (at(lead.created_at_ms)) }
            td {
                @match lead.conversation_id {
                    Some(conversation) => a href={ "/console/private-conversations/" (conversation) } { (name(lang, "channel", &lead.source_channel)) },
                    None => (name(lang, "channel", &lead.source_channel)),
                }
            }
            td data-user { (lead.user_id) }
            td.contact data-masked=(view.masked) { (view.contact) br; span.muted { (name(lang, "contact_kind", &lead.contact_kind)) } }
            td { (name(lang, "consent", &lead.consent)) }
            td { span class={ "badge " (tone) } { (name(lang, "lead_status", lead.status.as_str())) } }
            td { (lead.owner.clone().unwrap_or_else(|| "–".to_owned())) }
            td data-user { (lead.note) }
            @if may_edit {
                td {
                    details.lead-edit {
                        summary { (t(lang, "follow_up")) }
                        form method="post" action={ "/console/leads/" (lead.id) } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="back" value=(back);
                            label for={ "lead-status-" (lead.id) } { (t(lang, "status")) }
                            select id={ "lead-status-" (lead.id) } name="status" {
                                option value=(status.as_str()) selected { (name(lang, "lead_status", status.as_str())) }
                                @for next in LeadStatus::ALL.iter().filter(|next| status.can_become(**next)) {
                                    option value=(next.as_str()) { (name(lang, "lead_status", next.as_str())) }
                                }
                            }
                            label for={ "lead-owner-" (lead.id) } { (t(lang, "lead_owner")) }
                            select id={ "lead-owner-" (lead.id) } name="owner" {
                                option value="" selected[lead.owner.is_none()] { (t(lang, "unassigned")) }
                                @for owner in owners { option value=(owner) selected[lead.owner.as_deref() == Some(owner.as_str())] { (owner) } }
                            }
                            label for={ "lead-note-" (lead.id) } { (t(lang, "lead_note")) }
                            textarea id={ "lead-note-" (lead.id) } name="note" rows="2" maxlength=(DM_NOTE_LENGTH_MAX) { (lead.note) }
                            div { button.primary type="submit" { (t(lang, "save")) } }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LeadForm {
    csrf: String,
    back: String,
    status: String,
    owner: String,
    note: String,
}

pub async fn update_lead(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<LeadForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    // Back to the list as it was filtered; only the leads page itself is followed.
    let back = Some(form.back.as_str())
        .filter(|b| b.starts_with("/console/leads?") && !b.contains("//"))
        .unwrap_or(HERE);
    let done =
        state.app.update_lead(&viewer.ctx, id, Some(&form.status), Some(&form.owner), Some(&form.note)).await;
    match done {
        Ok(_) => {
            let sep = if back.contains('?') { "&" } else { "?" };
            Redirect::to(&format!("{back}{sep}notice=lead_updated")).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(back, &error),
    }
}

pub async fn leads_csv(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(params): Query<LeadParams>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(account_id) = params.account.as_deref().and_then(parse_id) else { return not_found_page(jar) };
    match state.app.leads_csv(&viewer.ctx.actor, account_id, &params.query()).await {
        Ok(csv) => {
            let mut response = csv.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            if let Ok(value) =
                HeaderValue::from_str(&format!("attachment; filename=\"leads-account-{account_id}.csv\""))
            {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => error_page(jar, &viewer, "leads", HERE, &error),
    }
}
