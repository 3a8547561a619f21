//! Campaigns of enterprise accounts (create, update, link videos, cancel, results), the trending
//! topics platform services push, and the campaign planner's proposed dates.

use app::campaigns::{CampaignInput, CampaignPatch, CampaignResults, CampaignView, Metric, Plan, TopicRow};
use axum::extract::State;
use axum::http::StatusCode;
use domain::campaigns::Suggestion;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ANY_ROLE, Answer, MERCHANT, SERVICE, china_time};
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
                .request::<TrendingTopicRequest>()
                .answer::<TrendingTopicBody>()
                .body(r#"{"topic":"秋日穿搭","heat":98000,"observed_at":"2026-09-20T10:00:00+08:00"}"#),
            push_topic,
        )
        .add(
            Method::Get,
            "/api/v1/trending-topics",
            Doc::new("campaigns", "Trending topics observed from..to (China dates, last 7 days by default), hottest first")
                .roles(ANY_ROLE)
                .answer::<TrendingTopicsBody>().query::<TopicRangeQuery>(),
            list_topics,
        )
        .add(
            Method::Post,
            "/api/v1/enterprise-accounts/{id}/campaigns",
            Doc::new("campaigns", "Start a campaign on an enterprise account (goal: awareness, engagement, followers or sales)")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .status(201)
                .request::<CampaignRequest>()
                .answer::<CampaignBody>()
                .body(campaign),
            create_campaign,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/campaigns",
            Doc::new("campaigns", "An account's campaigns, latest first day first").roles(ANY_ROLE).answer::<CampaignsBody>(),
            list_campaigns,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/campaigns/suggestions",
            Doc::new("campaigns", "The planner: proposed dates from..to (at most 366 days apart) from statutory holidays, shopping festivals and trending topics")
                .roles(ANY_ROLE)
                .answer::<CampaignPlanBody>().query::<CampaignSuggestionQuery>(),
            get_suggestions,
        )
        .add(Method::Get, "/api/v1/campaigns/{id}", Doc::new("campaigns", "One campaign").roles(ANY_ROLE).answer::<CampaignBody>(), get_campaign)
        .add(
            Method::Put,
            "/api/v1/campaigns/{id}",
            Doc::new("campaigns", "Rewrite a planned or running campaign")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .request::<CampaignRequest>()
                .answer::<CampaignBody>()
                .body(campaign),
            put_campaign,
        )
        .add(
            Method::Patch,
            "/api/v1/campaigns/{id}",
            Doc::new("campaigns", "Change some fields of a planned or running campaign")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .request::<CampaignPatchRequest>()
                .answer::<CampaignBody>()
                .body(r#"{"budget_fen":8000000}"#),
            patch_campaign,
        )
        .add(
            Method::Post,
            "/api/v1/campaigns/{id}/videos",
            Doc::new("campaigns", "Link a video of the campaign's account")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .request::<CampaignVideoLink>()
                .answer::<CampaignBody>()
                .body(r#"{"video_id":1}"#),
            link_video,
        )
        .add(
            Method::Delete,
            "/api/v1/campaigns/{id}/videos/{video_id}",
            Doc::new("campaigns", "Unlink a video").roles(MERCHANT).team_rights(EDIT).answer::<CampaignBody>(),
            unlink_video,
        )
        .add(
            Method::Post,
            "/api/v1/campaigns/{id}/cancel",
            Doc::new("campaigns", "Cancel a planned or running campaign")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .no_request()
                .answer::<CampaignBody>(),
            cancel_campaign,
        )
        .add(
            Method::Get,
            "/api/v1/campaigns/{id}/results",
            Doc::new("campaigns", "Views, engagement, followers, orders and GMV in the campaign window against the same-length window before it, with uplift")
                .roles(ANY_ROLE)
                .answer::<CampaignResultsBody>(),
            get_results,
        )
}

fn day(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A campaign.
#[derive(Serialize, JsonSchema)]
struct CampaignBody {
    id: i64,
    account_id: i64,
    merchant_id: i64,
    name: String,
    /// awareness, engagement, followers or sales.
    goal: &'static str,
    goal_zh: &'static str,
    starts_on: String,
    ends_on: String,
    budget_fen: i64,
    /// Topic tags without their `#`.
    tags: Vec<String>,
    status: &'static str,
    video_ids: Vec<i64>,
    created_by: String,
    cancelled_by: Option<String>,
    cancelled_at: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl From<&CampaignView> for CampaignBody {
    fn from(view: &CampaignView) -> CampaignBody {
        let c = &view.campaign;
        CampaignBody {
            id: c.id,
            account_id: c.account_id,
            merchant_id: c.merchant_id,
            name: c.name.clone(),
            goal: view.goal.as_str(),
            goal_zh: view.goal.name_zh(),
            starts_on: c.starts_on.clone(),
            ends_on: c.ends_on.clone(),
            budget_fen: c.budget_fen,
            tags: view.tags().into_iter().map(str::to_owned).collect(),
            status: view.status.as_str(),
            video_ids: view.video_ids.clone(),
            created_by: c.created_by.clone(),
            cancelled_by: c.cancelled_by.clone(),
            cancelled_at: c.cancelled_at_ms.and_then(china_time),
            created_at: china_time(c.created_at_ms),
            updated_at: china_time(c.updated_at_ms),
        }
    }
}

/// An account's campaigns.
#[derive(Serialize, JsonSchema)]
struct CampaignsBody {
    items: Vec<CampaignBody>,
}

/// A trending topic with its heat score.
#[derive(Serialize, JsonSchema)]
struct TrendingTopicBody {
    topic: String,
    heat: i64,
    observed_at: Option<String>,
}

impl From<&TopicRow> for TrendingTopicBody {
    fn from(topic: &TopicRow) -> TrendingTopicBody {
        TrendingTopicBody {
            topic: topic.topic.clone(),
            heat: topic.heat,
            observed_at: china_time(topic.observed_at_ms),
        }
    }
}

/// Trending topics, hottest first.
#[derive(Serialize, JsonSchema)]
struct TrendingTopicsBody {
    items: Vec<TrendingTopicBody>,
}

/// One metric in a window and the same-length window before it, with the uplift.
#[derive(Serialize, JsonSchema)]
pub(crate) struct MetricBody {
    current: i64,
    before: i64,
    /// The change in basis points, null when the window before is zero.
    uplift_bp: Option<i64>,
    /// The change in percent with two decimals (`"-33.33"`).
    uplift_percent: Option<String>,
}

impl From<&Metric> for MetricBody {
    fn from(metric: &Metric) -> MetricBody {
        MetricBody {
            current: metric.current,
            before: metric.before,
            uplift_bp: metric.uplift_bp,
            uplift_percent: metric.uplift_bp.map(domain::campaigns::percent_text),
        }
    }
}

/// A window of China dates, both included (`YYYY-MM-DD`).
#[derive(Serialize, JsonSchema)]
struct CampaignWindowBody {
    starts_on: String,
    ends_on: String,
}

impl CampaignWindowBody {
    fn new(starts_on: chrono::NaiveDate, ends_on: chrono::NaiveDate) -> CampaignWindowBody {
        CampaignWindowBody { starts_on: day(starts_on), ends_on: day(ends_on) }
    }
}

/// A campaign's results against the window before it.
#[derive(Serialize, JsonSchema)]
struct CampaignResultsBody {
    campaign_id: i64,
    window: CampaignWindowBody,
    window_before: CampaignWindowBody,
    views: MetricBody,
    engagement: MetricBody,
    followers: MetricBody,
    orders: MetricBody,
    gmv_fen: MetricBody,
    watch_ms: MetricBody,
}

impl From<&CampaignResults> for CampaignResultsBody {
    fn from(r: &CampaignResults) -> CampaignResultsBody {
        CampaignResultsBody {
            campaign_id: r.campaign_id,
            window: CampaignWindowBody::new(r.starts_on, r.ends_on),
            window_before: CampaignWindowBody::new(r.before_starts_on, r.before_ends_on),
            views: MetricBody::from(&r.views),
            engagement: MetricBody::from(&r.engagement),
            followers: MetricBody::from(&r.followers),
            orders: MetricBody::from(&r.orders),
            gmv_fen: MetricBody::from(&r.gmv_fen),
            watch_ms: MetricBody::from(&r.watch_ms),
        }
    }
}

/// A date the planner proposes for a campaign.
#[derive(Serialize, JsonSchema)]
struct CampaignSuggestionBody {
    starts_on: String,
    ends_on: String,
    /// What the date comes from: a statutory holiday, a shopping festival or a trending topic.
    source: &'static str,
    name: String,
    name_en: String,
    reason_zh: String,
    reason_en: String,
    lead_days: i64,
    /// The day to start promoting (`YYYY-MM-DD`).
    promote_from: String,
    /// The topic's heat, for a trending topic.
    heat: Option<i64>,
}

impl From<&Suggestion> for CampaignSuggestionBody {
    fn from(s: &Suggestion) -> CampaignSuggestionBody {
        CampaignSuggestionBody {
            starts_on: day(s.starts_on),
            ends_on: day(s.ends_on),
            source: s.source.as_str(),
            name: s.name_zh.clone(),
            name_en: s.name_en.clone(),
            reason_zh: s.reason_zh.clone(),
            reason_en: s.reason_en.clone(),
            lead_days: s.lead_days,
            promote_from: day(s.promote_from),
            heat: s.heat,
        }
    }
}

/// The planner's proposed dates from..to.
#[derive(Serialize, JsonSchema)]
struct CampaignPlanBody {
    from: String,
    to: String,
    suggestions: Vec<CampaignSuggestionBody>,
}

impl From<&Plan> for CampaignPlanBody {
    fn from(plan: &Plan) -> CampaignPlanBody {
        CampaignPlanBody {
            from: day(plan.from),
            to: day(plan.to),
            suggestions: plan.suggestions.iter().map(CampaignSuggestionBody::from).collect(),
        }
    }
}

/// A trending topic as a platform service pushes it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TrendingTopicRequest {
    topic: String,
    heat: i64,
    /// RFC 3339.
    observed_at: String,
}

async fn push_topic(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<TrendingTopicRequest>,
) -> ApiResult<(StatusCode, Json<TrendingTopicBody>)> {
    let topic = state.app.push_trending_topic(&auth.0, &body.topic, body.heat, &body.observed_at).await?;
    Ok((StatusCode::CREATED, Json(TrendingTopicBody::from(&topic))))
}

/// China dates `from`..`to` (`YYYY-MM-DD`) of the trending topics.
#[derive(Deserialize, JsonSchema)]
struct TopicRangeQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn list_topics(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<TopicRangeQuery>,
) -> Answer<TrendingTopicsBody> {
    let topics = state.app.trending_topics(auth.actor(), query.from.as_deref(), query.to.as_deref()).await?;
    Ok(Json(TrendingTopicsBody { items: topics.iter().map(TrendingTopicBody::from).collect() }))
}

/// A campaign as created or rewritten.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CampaignRequest {
    name: String,
    goal: String,
    starts_on: String,
    ends_on: String,
    budget_fen: i64,
    #[serde(default)]
    tags: Vec<String>,
}

impl CampaignRequest {
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

/// The fields of a campaign to change; the others stay.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CampaignPatchRequest {
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
    Json(body): Json<CampaignRequest>,
) -> ApiResult<(StatusCode, Json<CampaignBody>)> {
    let view = state.app.create_campaign(&auth.0, account_id, &body.input()).await?;
    Ok((StatusCode::CREATED, Json(CampaignBody::from(&view))))
}

async fn list_campaigns(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
) -> Answer<CampaignsBody> {
    let views = state.app.campaigns(auth.actor(), account_id).await?;
    Ok(Json(CampaignsBody { items: views.iter().map(CampaignBody::from).collect() }))
}

/// China dates `from`..`to` (`YYYY-MM-DD`, at most 366 days apart) the planner looks at.
#[derive(Deserialize, JsonSchema)]
struct CampaignSuggestionQuery {
    from: String,
    to: String,
}

async fn get_suggestions(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<CampaignSuggestionQuery>,
) -> Answer<CampaignPlanBody> {
    let plan = state.app.campaign_suggestions(auth.actor(), account_id, &query.from, &query.to).await?;
    Ok(Json(CampaignPlanBody::from(&plan)))
}

async fn get_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<CampaignBody> {
    Ok(Json(CampaignBody::from(&state.app.campaign(auth.actor(), id).await?)))
}

async fn put_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<CampaignRequest>,
) -> Answer<CampaignBody> {
    let input = body.input();
    let patch = CampaignPatch {
        name: Some(input.name),
        goal: Some(input.goal),
        starts_on: Some(input.starts_on),
        ends_on: Some(input.ends_on),
        budget_fen: Some(input.budget_fen),
        tags: Some(input.tags),
    };
    Ok(Json(CampaignBody::from(&state.app.update_campaign(&auth.0, id, &patch).await?)))
}

async fn patch_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<CampaignPatchRequest>,
) -> Answer<CampaignBody> {
    let patch = CampaignPatch {
        name: body.name,
        goal: body.goal,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        budget_fen: body.budget_fen,
        tags: body.tags,
    };
    Ok(Json(CampaignBody::from(&state.app.update_campaign(&auth.0, id, &patch).await?)))
}

/// The video to link to a campaign.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CampaignVideoLink {
    video_id: i64,
}

async fn link_video(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<CampaignVideoLink>,
) -> Answer<CampaignBody> {
    Ok(Json(CampaignBody::from(&state.app.link_campaign_video(&auth.0, id, body.video_id).await?)))
}

async fn unlink_video(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, video_id)): Path<(i64, i64)>,
) -> Answer<CampaignBody> {
    Ok(Json(CampaignBody::from(&state.app.unlink_campaign_video(&auth.0, id, video_id).await?)))
}

async fn cancel_campaign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<CampaignBody> {
    Ok(Json(CampaignBody::from(&state.app.cancel_campaign(&auth.0, id).await?)))
}

async fn get_results(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<CampaignResultsBody> {
    Ok(Json(CampaignResultsBody::from(&state.app.campaign_results(auth.actor(), id).await?)))
}
