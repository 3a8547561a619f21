//! The campaign planner page of an enterprise account: its campaigns with their status, and the
//! proposed dates (statutory holidays, shopping festivals, trending topics) for a date range, each
//! with its reason and a "use this date" link that pre-fills the new-campaign form (plain form,
//! CSRF field, redirect back with a notice); and one campaign's page: linked videos (link, unlink),
//! its results against the same-length window before it, and cancelling.

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
use crate::kit::{error_note, is_refusal, notice_of, parse_id, parse_yuan, refusal, render, url_escape};
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
                                td { a.campaign-link href={ "/console/campaigns/" (c.campaign.id) } { (c.campaign.name) } }
                                td { (c.campaign.starts_on) " – " (c.campaign.ends_on) }
                                td { (match lang { Lang::Zh => c.status.name_zh(), Lang::En => c.status.as_str() }) }
                                td { (crate::kit::money(c.campaign.budget_fen)) }
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

// ----- one campaign -----

/// What a campaign page's forms send.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CampaignAction {
    csrf: String,
    video_id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// Notices a redirect may ask the campaign page to show.
const CAMPAIGN_NOTICES: [&str; 3] =
    ["campaign_video_linked", "campaign_video_unlinked", "campaign_cancelled"];

/// One campaign: its facts, the linked videos (link and unlink), the results of its window against the
/// same-length window before it, and cancelling.
pub async fn campaign_page(
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
    let actor = &viewer.ctx.actor;
    let loaded: app::AppResult<_> = async {
        let view = state.app.campaign(actor, id).await?;
        let results = state.app.campaign_results(actor, id).await?;
        let videos =
            state.app.videos(actor, Some(view.campaign.account_id), None, Some(200), None).await?.items;
        Ok((view, results, videos))
    }
    .await;
    let (view, results, videos) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return refusal(jar, &error),
    };
    let here = format!("/console/campaigns/{id}");
    let planner = format!("/console/enterprise-accounts/{}/campaigns", view.campaign.account_id);
    let note = notice_of(lang(&jar), query.notice.as_deref(), &CAMPAIGN_NOTICES);
    let may_edit = actor.may(TeamRight::EditContent) && matches!(view.status.as_str(), "planned" | "running");
    let c = &view.campaign;
    render(jar, &viewer, &c.name.clone(), &here, |lang: Lang, csrf| {
        let linked: Vec<_> = videos.iter().filter(|v| view.video_ids.contains(&v.id)).collect();
        let linkable: Vec<_> = videos
            .iter()
            .filter(|v| !view.video_ids.contains(&v.id) && v.status != domain::videos::VideoStatus::Withdrawn)
            .collect();
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                p.muted { a href=(planner) { "← " (t(lang, "campaign_planner")) } }
                h1 #campaign-name data-user { (c.name) }
                p {
                    (c.starts_on) " – " (c.ends_on) " · "
                    span #campaign-status { (match lang { Lang::Zh => view.status.name_zh(), Lang::En => view.status.as_str() }) }
                    " · " (t(lang, "campaign_goal")) ": " (match lang { Lang::Zh => view.goal.name_zh(), Lang::En => view.goal.as_str() })
                    " · " (t(lang, "campaign_budget")) ": " (crate::kit::money(c.budget_fen))
                }
                @if !view.tags().is_empty() { p { @for tag in view.tags() { span.badge.tag data-user { "#" (tag) } " " } } }
            }
            div.card {
                h2 { (t(lang, "campaign_results")) }
                p.muted { (t(lang, "campaign_window_before")) ": " (results.before_starts_on) " – " (results.before_ends_on) }
                table #campaign-results {
                    tr { th {} th { (t(lang, "campaign_window")) } th { (t(lang, "campaign_window_before")) } th { (t(lang, "campaign_uplift")) } }
                    @for (key, metric, money) in [("metric_views", &results.views, false), ("metric_engagement", &results.engagement, false),
                        ("metric_followers", &results.followers, false), ("metric_orders", &results.orders, false), ("metric_gmv", &results.gmv_fen, true)] {
                        tr data-metric=(key) {
                            th { (t(lang, key)) }
                            td.current { @if money { (crate::kit::money(metric.current)) } @else { (metric.current) } }
                            td.before { @if money { (crate::kit::money(metric.before)) } @else { (metric.before) } }
                            td.uplift { (metric.uplift_bp.map_or("–".to_owned(), |bp| format!("{}%", domain::campaigns::percent_text(bp)))) }
                        }
                    }
                }
                p.muted { (t(lang, "campaign_results_note")) }
            }
            div.card {
                h2 { (t(lang, "campaign_videos")) }
                @if linked.is_empty() { p.muted #no-linked-videos { (t(lang, "campaign_videos_none")) } }
                ul #linked-videos {
                    @for v in &linked {
                        li data-id=(v.id) {
                            a href={ "/console/videos/" (v.id) } { (v.title) } " "
                            @if may_edit {
                                form.inline method="post" action={ (here) "/videos/" (v.id) "/unlink" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.small type="submit" { (t(lang, "campaign_unlink")) }
                                }
                            }
                        }
                    }
                }
                @if may_edit && !linkable.is_empty() {
                    form #link-video method="post" action={ (here) "/videos" } {
                        input type="hidden" name="csrf" value=(csrf);
                        select name="video_id" {
                            @for v in &linkable { option value=(v.id) { "#" (v.id) " " (v.title) } }
                        }
                        " " button.small type="submit" { (t(lang, "campaign_link")) }
                    }
                }
            }
            @if may_edit {
                form #cancel-campaign method="post" action={ (here) "/cancel" } {
                    input type="hidden" name="csrf" value=(csrf);
                    button.small type="submit" { (t(lang, "campaign_cancel")) }
                }
            }
        }
    })
}

/// What a campaign page's button does.
#[derive(Clone, Copy)]
enum Change {
    Link,
    Unlink(i64),
    Cancel,
}

async fn change(
    state: ConsoleState,
    jar: CookieJar,
    headers: HeaderMap,
    id: String,
    form: CampaignAction,
    change: Change,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let ctx = &viewer.ctx;
    let (done, notice) = match change {
        Change::Link => match parse_id(&form.video_id) {
            Some(video) => (state.app.link_campaign_video(ctx, id, video).await, "campaign_video_linked"),
            None => (Err(app::AppError::new(app::Code::InvalidField, "video_id: a video")), ""),
        },
        Change::Unlink(video) => {
            (state.app.unlink_campaign_video(ctx, id, video).await, "campaign_video_unlinked")
        }
        Change::Cancel => (state.app.cancel_campaign(ctx, id).await, "campaign_cancelled"),
    };
    let here = format!("/console/campaigns/{id}");
    match done {
        Ok(_) => Redirect::to(&format!("{here}?notice={notice}")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => render(jar, &viewer, "", &here, |lang, _| {
            html! { div.card { (error_note(lang, &error)) p { a href=(here) { "←" } } } }
        }),
    }
}

pub async fn link_video(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CampaignAction>,
) -> Response {
    change(state, jar, headers, id, form, Change::Link).await
}

pub async fn unlink_video(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path((id, video)): Path<(String, String)>,
    Form(form): Form<CampaignAction>,
) -> Response {
    let Some(video) = parse_id(&video) else { return not_found_page(jar) };
    change(state, jar, headers, id, form, Change::Unlink(video)).await
}

pub async fn cancel(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CampaignAction>,
) -> Response {
    change(state, jar, headers, id, form, Change::Cancel).await
}
