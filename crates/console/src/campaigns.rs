//! The campaign planner page of an enterprise account: its campaigns with their status, and the
//! proposed dates (statutory holidays, shopping festivals, trending topics) for a date range, each
//! with its reason. Read-only: campaigns are written through the API for now.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use chrono::Duration;
use maud::html;
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::money::{error_note, is_refusal, parse_id, refusal, render};
use crate::pages::not_found_page;
use crate::session::{lang, viewer};

#[derive(Deserialize, Default)]
pub struct PlannerQuery {
    from: Option<String>,
    to: Option<String>,
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
    let title = t(lang(&jar), "campaign_planner");
    render(jar, &viewer, title, &here, |lang: Lang, _| {
        html! {
            h1 { (t(lang, "campaign_planner")) }
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
                            tr { th { (t(lang, "campaign_dates")) } th { (t(lang, "campaign_source")) } th { (t(lang, "campaign_name")) } th { (t(lang, "campaign_reason")) } }
                            @for s in &plan.suggestions {
                                tr {
                                    td { (s.starts_on) " – " (s.ends_on) }
                                    td { (match lang { Lang::Zh => s.source.name_zh(), Lang::En => s.source.as_str() }) }
                                    td { (match lang { Lang::Zh => &s.name_zh, Lang::En => &s.name_en }) }
                                    td { (match lang { Lang::Zh => &s.reason_zh, Lang::En => &s.reason_en }) }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}
