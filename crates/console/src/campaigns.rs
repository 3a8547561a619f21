//! The campaign planner page of an enterprise account: its campaigns with their status, and the
//! proposed dates (statutory holidays, shopping festivals, trending topics) for a date range, each
//! with its reason and a "use this date" link that pre-fills the new-campaign form (plain form,
//! CSRF field, redirect back with a notice).

use app::campaigns::CampaignInput;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Duration;
use domain::campaigns::CampaignGoal;
use domain::team::TeamRight;
use maud::html;
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::money::{error_note, is_refusal, notice_of, parse_id, parse_yuan, refusal, render};
use crate::pages::{form_viewer, not_found_page};
use crate::session::{lang, viewer};

#[derive(Deserialize, Default)]
pub struct PlannerQuery {
    from: Option<String>,
    to: Option<String>,
    /// Pre-filled into the new-campaign form by a proposal's "use this date" link.
    starts_on: Option<String>,
    ends_on: Option<String>,
    name: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct CampaignForm {
    csrf: String,
    name: String,
    goal: String,
    starts_on: String,
    ends_on: String,
    budget_yuan: String,
    #[serde(default)]
    tags: String,
}

/// Creates a campaign from the planner's form and goes back to the planner.
pub async fn create_campaign(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CampaignForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    let here = format!("/console/enterprise-accounts/{account_id}/campaigns");
    let outcome = match parse_yuan(&form.budget_yuan) {
        Some(budget_fen) => {
            let input = CampaignInput {
                name: form.name,
                goal: form.goal,
                starts_on: form.starts_on,
                ends_on: form.ends_on,
                budget_fen,
                tags: form.tags.split_whitespace().map(str::to_owned).collect(),
            };
            state.app.create_campaign(&viewer.ctx, account_id, &input).await
        }
        None => Err(app::AppError::new(app::Code::InvalidField, "budget: an amount in yuan")),
    };
    match outcome {
        Ok(_) => Redirect::to(&format!("{here}?notice=campaign_created")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let lang = lang(&jar);
            render(jar, &viewer, t(lang, "campaign_planner"), &here, |lang, _| {
                html! { div.card { (error_note(lang, &error)) p { a href=(here) { (t(lang, "campaign_planner")) } } } }
            })
        }
    }
}

pub async fn planner_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PlannerQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    let actor = &viewer.ctx.actor;
    let today = app::clock::china_date(state.app.clock().now());
    let from = query.from.filter(|f| !f.is_empty()).unwrap_or_else(|| today.format("%Y-%m-%d").to_string());
    let to = query
        .to
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| (today + Duration::days(90)).format("%Y-%m-%d").to_string());
    let here = format!("/console/enterprise-accounts/{account_id}/campaigns");
    let campaigns = match state.app.campaigns(actor, account_id).await {
        Ok(campaigns) => campaigns,
        Err(error) => return refusal(jar, &error),
    };
    let plan = state.app.campaign_suggestions(actor, account_id, &from, &to).await;
    if let Err(error) = &plan
        && is_refusal(error)
        && error.code != app::Code::InvalidDate
    {
        return refusal(jar, error);
    }
    let may_edit = actor.may(TeamRight::EditContent);
    let note = notice_of(lang(&jar), query.notice.as_deref(), &["campaign_created"]);
    let (prefill_start, prefill_end, prefill_name) = (query.starts_on, query.ends_on, query.name);
    let title = t(lang(&jar), "campaign_planner");
    render(jar, &viewer, title, &here, |lang: Lang, csrf| {
        html! {
            h1 { (t(lang, "campaign_planner")) }
            @if let Some(note) = note { (note) }
            div.card {
                h2 { (t(lang, "campaigns")) }
                @if campaigns.is_empty() { p { (t(lang, "campaigns_none")) } }
                @else {
                    table {
                        tr { th { (t(lang, "campaign_name")) } th { (t(lang, "campaign_dates")) } th { (t(lang, "campaign_status")) } th { (t(lang, "campaign_budget")) } }
                        @for c in &campaigns {
                            tr {
                                td { (c.campaign.name) }
                                td { (c.campaign.starts_on) " – " (c.campaign.ends_on) }
                                td { (match lang { Lang::Zh => c.status.name_zh(), Lang::En => c.status.as_str() }) }
                                td { (crate::money::money(c.campaign.budget_fen)) }
                            }
                        }
                    }
                }
            }
            div.card {
                h2 { (t(lang, "campaign_suggestions")) }
                form method="get" action=(here) {
                    label { (t(lang, "campaign_from")) " " input type="date" name="from" value=(from); }
                    " "
                    label { (t(lang, "campaign_to")) " " input type="date" name="to" value=(to); }
                    " "
                    button type="submit" { (t(lang, "campaign_propose")) }
                }
                @match &plan {
                    Err(error) => (error_note(lang, error)),
                    Ok(plan) => {
                        @if plan.suggestions.is_empty() { p { (t(lang, "campaign_suggestions_none")) } }
                        table {
                            tr { th { (t(lang, "campaign_dates")) } th { (t(lang, "campaign_source")) } th { (t(lang, "campaign_name")) } th { (t(lang, "campaign_reason")) } th {} }
                            @for s in &plan.suggestions {
                                tr {
                                    td { (s.starts_on) " – " (s.ends_on) }
                                    td { (match lang { Lang::Zh => s.source.name_zh(), Lang::En => s.source.as_str() }) }
                                    td { (match lang { Lang::Zh => &s.name_zh, Lang::En => &s.name_en }) }
                                    td { (match lang { Lang::Zh => &s.reason_zh, Lang::En => &s.reason_en }) }
                                    td {
                                        @if may_edit {
                                            a.use-date href={ (here) "?from=" (from) "&to=" (to) "&starts_on=" (s.starts_on) "&ends_on=" (s.ends_on) "&name=" (url_escape(&s.name_zh)) "#new-campaign" } { (t(lang, "campaign_use_date")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if may_edit {
                div.card #new-campaign {
                    h2 { (t(lang, "campaign_new")) }
                    form method="post" action=(here) {
                        input type="hidden" name="csrf" value=(csrf);
                        p { label { (t(lang, "campaign_name")) " " input #campaign-name name="name" required value=(prefill_name.as_deref().unwrap_or_default()); } }
                        p { label { (t(lang, "campaign_goal")) " "
                            select name="goal" {
                                @for goal in CampaignGoal::ALL {
                                    option value=(goal.as_str()) { (match lang { Lang::Zh => goal.name_zh(), Lang::En => goal.as_str() }) }
                                }
                            }
                        } }
                        p {
                            label { (t(lang, "campaign_from")) " " input #campaign-starts-on type="date" name="starts_on" required value=(prefill_start.as_deref().unwrap_or_default()); }
                            " "
                            label { (t(lang, "campaign_to")) " " input #campaign-ends-on type="date" name="ends_on" required value=(prefill_end.as_deref().unwrap_or_default()); }
                        }
                        p { label { (t(lang, "campaign_budget")) " ¥ " input name="budget_yuan" required value="0"; } }
                        p { label { (t(lang, "campaign_tags")) " " input name="tags"; } }
                        button type="submit" { (t(lang, "campaign_create")) }
                    }
                }
            }
        }
    })
}

/// Percent-encodes a text for a query string.
fn url_escape(text: &str) -> String {
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
