//! Campaigns of enterprise accounts (create, update, link videos, cancel, results), the trending
//! topics platform services push, and the campaign planner's proposed dates.

use app::campaigns::{CampaignInput, CampaignPatch, CampaignResults, CampaignView, Metric, Plan, TopicRow};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ANY_ROLE, MERCHANT, SERVICE, china_time};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};

const EDIT: &[&str] = &["edit_content"];

pub fn add(routes: Routes) -> Routes {
    let campaign = r##"{"name":"国庆焕新季","goal":"sales","starts_on":"2026-10-01","ends_on":"2026-10-07","budget_fen":5000000,"tags":["#国庆","焕新"]}"##;
    routes
        .add(
            Method::Post,
            "/api/v1/trending-topics",
            Doc::new("campaigns", "Push a trending topic with its heat score (platform services)")
                .roles(SERVICE)
                .status(201)
                .body(r#"{"topic":"秋日穿搭","heat":98000,"observed_at":"2026-09-20T10:00:00+08:00"}"#),
            push_topic,
        )
        .add(
            Method::Get,
            "/api/v1/trending-topics",
            Doc::new("campaigns", "Trending topics observed from..to (China dates, last 7 days by default), hottest first")
                .roles(ANY_ROLE),
            list_topics,
        )
        .add(
            Method::Post,
            "/api/v1/enterprise-accounts/{id}/campaigns",
            Doc::new("campaigns", "Start a campaign on an enterprise account (goal: awareness, engagement, followers or sales)")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .status(201)
                .body(campaign),
            create_campaign,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/campaigns",
            Doc::new("campaigns", "An account's campaigns, latest first day first").roles(ANY_ROLE),
            list_campaigns,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/campaigns/suggestions",
            Doc::new("campaigns", "The planner: proposed dates from..to (at most 366 days apart) from statutory holidays, shopping festivals and trending topics")
                .roles(ANY_ROLE),
            get_suggestions,
        )
        .add(Method::Get, "/api/v1/campaigns/{id}", Doc::new("campaigns", "One campaign").roles(ANY_ROLE), get_campaign)
        .add(
            Method::Put,
            "/api/v1/campaigns/{id}",
            Doc::new("campaigns", "Rewrite a planned or running campaign").roles(MERCHANT).team_rights(EDIT).body(campaign),
            put_campaign,
        )
        .add(
            Method::Patch,
            "/api/v1/campaigns/{id}",
            Doc::new("campaigns", "Change some fields of a planned or running campaign")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .body(r#"{"budget_fen":8000000}"#),
            patch_campaign,
        )
        .add(
            Method::Post,
            "/api/v1/campaigns/{id}/videos",
            Doc::new("campaigns", "Link a video of the campaign's account")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .body(r#"{"video_id":1}"#),
            link_video,
        )
        .add(
            Method::Delete,
            "/api/v1/campaigns/{id}/videos/{video_id}",
            Doc::new("campaigns", "Unlink a video").roles(MERCHANT).team_rights(EDIT),
            unlink_video,
        )
        .add(
            Method::Post,
            "/api/v1/campaigns/{id}/cancel",
            Doc::new("campaigns", "Cancel a planned or running campaign").roles(MERCHANT).team_rights(EDIT),
            cancel_campaign,
        )
        .add(
            Method::Get,
            "/api/v1/campaigns/{id}/results",
            Doc::new("campaigns", "Views, engagement, followers, orders and GMV in the campaign window against the same-length window before it, with uplift")
                .roles(ANY_ROLE),
            get_results,
        )
}

fn day(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub fn campaign_json(view: &CampaignView) -> Value {
    let c = &view.campaign;
    json!({
        "id": c.id,
        "account_id": c.account_id,
        "merchant_id": c.merchant_id,
        "name": c.name,
        "goal": view.goal.as_str(),
        "goal_zh": view.goal.name_zh(),
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "budget_fen": c.budget_fen,
        "tags": view.tags(),
        "status": view.status.as_str(),
        "video_ids": view.video_ids,
        "created_by": c.created_by,
        "cancelled_by": c.cancelled_by,
        "cancelled_at": c.cancelled_at_ms.and_then(china_time),
        "created_at": china_time(c.created_at_ms),
        "updated_at": china_time(c.updated_at_ms),
    })
}

fn topic_json(topic: &TopicRow) -> Value {
    json!({ "topic": topic.topic, "heat": topic.heat, "observed_at": china_time(topic.observed_at_ms) })
}

pub(crate) fn metric_json(metric: &Metric) -> Value {
    json!({
        "current": metric.current,
        "before": metric.before,
        "uplift_bp": metric.uplift_bp,
        "uplift_percent": metric.uplift_bp.map(domain::campaigns::percent_text),
    })
}

fn results_json(r: &CampaignResults) -> Value {
    json!({
        "campaign_id": r.campaign_id,
        "window": { "starts_on": day(r.starts_on), "ends_on": day(r.ends_on) },
        "window_before": { "starts_on": day(r.before_starts_on), "ends_on": day(r.before_ends_on) },
        "views": metric_json(&r.views),
        "engagement": metric_json(&r.engagement),
        "followers": metric_json(&r.followers),
        "orders": metric_json(&r.orders),
        "gmv_fen": metric_json(&r.gmv_fen),
        "watch_ms": metric_json(&r.watch_ms),
    })
}

fn plan_json(plan: &Plan) -> Value {
    let items: Vec<Value> = plan
        .suggestions
        .iter()
        .map(|s| {
            json!({
                "starts_on": day(s.starts_on),
                "ends_on": day(s.ends_on),
                "source": s.source.as_str(),
                "name": s.name_zh,
                "name_en": s.name_en,
                "reason_zh": s.reason_zh,
                "reason_en": s.reason_en,
                "lead_days": s.lead_days,
                "promote_from": day(s.promote_from),
                "heat": s.heat,
            })
        })
        .collect();
    json!({ "from": day(plan.from), "to": day(plan.to), "suggestions": items })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicBody {
    topic: String,
    heat: i64,
    observed_at: String,
}

async fn push_topic(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<TopicBody>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let topic = state.app.push_trending_topic(&auth.0, &body.topic, body.heat, &body.observed_at).await?;
    Ok((StatusCode::CREATED, axum::Json(topic_json(&topic))))
}

#[derive(Deserialize)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn list_topics(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<RangeQuery>,
) -> ApiResult<axum::Json<Value>> {
    let topics = state.app.trending_topics(auth.actor(), query.from.as_deref(), query.to.as_deref()).await?;
    let items: Vec<Value> = topics.iter().map(topic_json).collect();
    Ok(axum::Json(json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignBody {
    name: String,
    goal: String,
    starts_on: String,
    ends_on: String,
    budget_fen: i64,
    #[serde(default)]
    tags: Vec<String>,
}

impl CampaignBody {
    fn input(self) -> CampaignInput {
        CampaignInput {
            name: self.name,
            goal: self.goal,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            budget_fen: self.budget_fen,
            tags: self.tags,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    name: Option<String>,
    goal: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    budget_fen: Option<i64>,
    tags: Option<Vec<String>>,
}

async fn create_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Json(body): Json<CampaignBody>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let view = state.app.create_campaign(&auth.0, account_id, &body.input()).await?;
    Ok((StatusCode::CREATED, axum::Json(campaign_json(&view))))
}

async fn list_campaigns(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let views = state.app.campaigns(auth.actor(), account_id).await?;
    let items: Vec<Value> = views.iter().map(campaign_json).collect();
    Ok(axum::Json(json!({ "items": items })))
}

#[derive(Deserialize)]
struct SuggestionQuery {
    from: String,
    to: String,
}

async fn get_suggestions(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<SuggestionQuery>,
) -> ApiResult<axum::Json<Value>> {
    let plan = state.app.campaign_suggestions(auth.actor(), account_id, &query.from, &query.to).await?;
    Ok(axum::Json(plan_json(&plan)))
}

async fn get_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(campaign_json(&state.app.campaign(auth.actor(), id).await?)))
}

async fn put_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<CampaignBody>,
) -> ApiResult<axum::Json<Value>> {
    let input = body.input();
    let patch = CampaignPatch {
        name: Some(input.name),
        goal: Some(input.goal),
        starts_on: Some(input.starts_on),
        ends_on: Some(input.ends_on),
        budget_fen: Some(input.budget_fen),
        tags: Some(input.tags),
    };
    Ok(axum::Json(campaign_json(&state.app.update_campaign(&auth.0, id, &patch).await?)))
}

async fn patch_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<PatchBody>,
) -> ApiResult<axum::Json<Value>> {
    let patch = CampaignPatch {
        name: body.name,
        goal: body.goal,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        budget_fen: body.budget_fen,
        tags: body.tags,
    };
    Ok(axum::Json(campaign_json(&state.app.update_campaign(&auth.0, id, &patch).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    video_id: i64,
}

async fn link_video(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<LinkBody>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(campaign_json(&state.app.link_campaign_video(&auth.0, id, body.video_id).await?)))
}

async fn unlink_video(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, video_id)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(campaign_json(&state.app.unlink_campaign_video(&auth.0, id, video_id).await?)))
}

async fn cancel_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(campaign_json(&state.app.cancel_campaign(&auth.0, id).await?)))
}

async fn get_results(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(results_json(&state.app.campaign_results(auth.actor(), id).await?)))
}

#[cfg(test)]
mod tests {
    use domain::campaigns::percent_text;

    #[test]
    fn percentages_from_basis_points() {
        for (bp, text) in [
            (5_000, "50.00"),
            (-3_333, "-33.33"),
            (5, "0.05"),
            (-5, "-0.05"),
            (0, "0.00"),
            (12_345, "123.45"),
        ] {
            assert_eq!(percent_text(bp), text, "{bp}");
        }
    }
}
