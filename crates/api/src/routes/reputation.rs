//! Reputation monitoring (舆情): an account's incidents, one incident with its comments and
//! replies, assigning, resolving, turning one into a violation (reviewers), the keyword watch
//! list, the settings and the hourly negative-rate series.

use app::reputation::{HourPoint, IncidentFilter, IncidentRow, IncidentView, ReputationSeries};
use app::violations::NewViolationInput;
use app::{AppError, Code};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::DateTime;
use domain::reputation::ReputationSettings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::comments::AccountCommentBody;
use super::{ANY_ROLE, Answer, MERCHANT, Page, REVIEWER, china_time, created, page};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Path, Query, money_request};
use crate::openapi::{Doc, Method, Routes};

const REPLY: &[&str] = &["reply"];

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/incidents",
            Doc::new("reputation", "The account's reputation incidents, newest first (status=open|resolved|all, default all; limit, cursor)")
                .roles(ANY_ROLE)
                .answer::<Page<IncidentBody>>().query::<IncidentsQuery>(),
            list_incidents,
        )
        .add(
            Method::Get,
            "/api/v1/incidents/{id}",
            Doc::new("reputation", "One reputation incident with the comments that raised it and the account's replies to them")
                .roles(ANY_ROLE)
                .answer::<IncidentViewBody>(),
            get_incident,
        )
        .add(
            Method::Post,
            "/api/v1/incidents/{id}/assign",
            Doc::new("reputation", "Assign an open incident to a member of the merchant's team who may reply")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .request::<IncidentAssignment>()
                .answer::<IncidentBody>()
                .body(r#"{"assignee":"m1-operator"}"#),
            post_assign,
        )
        .add(
            Method::Post,
            "/api/v1/incidents/{id}/resolve",
            Doc::new("reputation", "Resolve an open incident with a summary of what was done")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .request::<IncidentResolution>()
                .answer::<IncidentBody>()
                .body(r#"{"summary":"已逐条回复并补发，商品批次问题已下架处理"}"#),
            post_resolve,
        )
        .add(
            Method::Post,
            "/api/v1/incidents/{id}/violation",
            Doc::new("reputation", "Turn an incident into a violation of a shop of the account's merchant (the penalty is deducted at once)")
                .roles(REVIEWER)
                .status(201)
                .idempotent()
                .request::<IncidentViolationRequest>()
                .answer::<IncidentViolationBody>()
                .body(r#"{"shop_id":1,"kind":"false_advertising","severity":"general","penalty_fen":50000,"beneficiary":"platform","evidence":"..."}"#),
            post_violation,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/reputation",
            Doc::new("reputation", "The account's hourly negative-comment rate from `from` to `to` (RFC 3339, whole hours, at most 31 days; default the last 48 hours), the baseline and the spike threshold")
                .roles(ANY_ROLE)
                .answer::<ReputationSeriesBody>().query::<ReputationSeriesQuery>(),
            get_series,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/reputation/settings",
            Doc::new("reputation", "The account's spike rule, levels and response deadlines")
                .roles(ANY_ROLE)
                .answer::<ReputationSettingsBody>(),
            get_settings,
        )
        .add(
            Method::Put,
            "/api/v1/enterprise-accounts/{id}/reputation/settings",
            Doc::new("reputation", "Change the account's spike rule, levels or deadlines (fields left out keep their value)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .request::<ReputationSettingsChange>()
                .answer::<ReputationSettingsBody>()
                .body(r#"{"negative_min":10,"deviation_sigmas":3.0,"rate_floor":0.3,"red_minutes":30}"#),
            put_settings,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/reputation/keywords",
            Doc::new("reputation", "The account's keyword watch list").roles(ANY_ROLE).answer::<WatchKeywordsBody>(),
            get_keywords,
        )
        .add(
            Method::Put,
            "/api/v1/enterprise-accounts/{id}/reputation/keywords",
            Doc::new("reputation", "Replace the account's keyword watch list (at most 50, 1-30 characters each, matched ignoring case)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .request::<WatchKeywordsRequest>()
                .answer::<WatchKeywordsBody>()
                .body(r#"{"keywords":["小店科技","张总"]}"#),
            put_keywords,
        )
}

/// A reputation incident: a spike of negative comments or a watched keyword.
#[derive(Serialize, JsonSchema)]
struct IncidentBody {
    id: i64,
    account_id: i64,
    merchant_id: i64,
    kind: String,
    level: String,
    status: &'static str,
    opened_at: Option<String>,
    /// The hour that raised it.
    hour: Option<String>,
    hour_comments: i64,
    hour_negative: i64,
    baseline_rate: f64,
    keyword: Option<String>,
    deadline_at: Option<String>,
    overdue: bool,
    overdue_at: Option<String>,
    assignee: Option<String>,
    assigned_at: Option<String>,
    summary: Option<String>,
    resolved_at: Option<String>,
    resolved_by: Option<String>,
    violation_id: Option<i64>,
}

impl From<&IncidentRow> for IncidentBody {
    fn from(i: &IncidentRow) -> IncidentBody {
        IncidentBody {
            id: i.id,
            account_id: i.account_id,
            merchant_id: i.merchant_id,
            kind: i.kind.clone(),
            level: i.level.clone(),
            status: i.status.as_str(),
            opened_at: china_time(i.opened_at_ms),
            hour: china_time(i.hour_ms),
            hour_comments: i.hour_comments,
            hour_negative: i.hour_negative,
            baseline_rate: i.baseline_rate,
            keyword: i.keyword.clone(),
            deadline_at: china_time(i.deadline_at_ms),
            overdue: i.overdue_at_ms.is_some(),
            overdue_at: i.overdue_at_ms.and_then(china_time),
            assignee: i.assignee.clone(),
            assigned_at: i.assigned_at_ms.and_then(china_time),
            summary: i.summary.clone(),
            resolved_at: i.resolved_at_ms.and_then(china_time),
            resolved_by: i.resolved_by.clone(),
            violation_id: i.violation_id,
        }
    }
}

/// An incident with the comments that raised it and the account's replies to them.
#[derive(Serialize, JsonSchema)]
struct IncidentViewBody {
    #[serde(flatten)]
    incident: IncidentBody,
    comments: Vec<AccountCommentBody>,
    replies: Vec<AccountCommentBody>,
}

impl From<&IncidentView> for IncidentViewBody {
    fn from(view: &IncidentView) -> IncidentViewBody {
        IncidentViewBody {
            incident: IncidentBody::from(&view.incident),
            comments: view.comments.iter().map(AccountCommentBody::from).collect(),
            replies: view.replies.iter().map(AccountCommentBody::from).collect(),
        }
    }
}

/// An incident turned into a violation, and what the penalty moved.
#[derive(Serialize, JsonSchema)]
struct IncidentViolationBody {
    incident: IncidentBody,
    violation_id: Option<i64>,
    transfer_id: Option<i64>,
    balance_fen: Option<i64>,
}

/// An account's spike rule, levels and response deadlines.
#[derive(Serialize, JsonSchema)]
struct ReputationSettingsBody {
    negative_min: i64,
    deviation_sigmas: f64,
    rate_floor: f64,
    baseline_hours: i64,
    yellow_negative: i64,
    orange_negative: i64,
    red_negative: i64,
    yellow_growth: f64,
    orange_growth: f64,
    red_growth: f64,
    blue_minutes: i64,
    yellow_minutes: i64,
    orange_minutes: i64,
    red_minutes: i64,
}

impl From<&ReputationSettings> for ReputationSettingsBody {
    fn from(s: &ReputationSettings) -> ReputationSettingsBody {
        ReputationSettingsBody {
            negative_min: s.negative_min,
            deviation_sigmas: s.deviation_sigmas,
            rate_floor: s.rate_floor,
            baseline_hours: s.baseline_hours,
            yellow_negative: s.yellow_negative,
            orange_negative: s.orange_negative,
            red_negative: s.red_negative,
            yellow_growth: s.yellow_growth,
            orange_growth: s.orange_growth,
            red_growth: s.red_growth,
            blue_minutes: s.blue_minutes,
            yellow_minutes: s.yellow_minutes,
            orange_minutes: s.orange_minutes,
            red_minutes: s.red_minutes,
        }
    }
}

/// An account's hourly negative-comment rate, with the baseline and the spike threshold.
#[derive(Serialize, JsonSchema)]
struct ReputationSeriesBody {
    account_id: i64,
    from: Option<String>,
    to: Option<String>,
    hours: Vec<ReputationHourBody>,
    baseline: ReputationBaselineBody,
    threshold: f64,
    settings: ReputationSettingsBody,
}

/// One hour of the series.
#[derive(Serialize, JsonSchema)]
struct ReputationHourBody {
    hour: Option<String>,
    comments: i64,
    negative: i64,
    rate: f64,
}

/// The usual hourly negative rate, learned from the hours before (the prior when not `learned`).
#[derive(Serialize, JsonSchema)]
struct ReputationBaselineBody {
    mean: f64,
    sigma: f64,
    /// Hours with comments it was learned from.
    hours: usize,
    learned: bool,
}

impl From<&ReputationSeries> for ReputationSeriesBody {
    fn from(s: &ReputationSeries) -> ReputationSeriesBody {
        let hour = |p: &HourPoint| ReputationHourBody {
            hour: china_time(p.hour.hour_ms),
            comments: p.hour.comments,
            negative: p.hour.negative,
            rate: p.rate,
        };
        let b = &s.baseline;
        ReputationSeriesBody {
            account_id: s.account_id,
            from: china_time(s.from_ms),
            to: china_time(s.to_ms),
            hours: s.hours.iter().map(hour).collect(),
            baseline: ReputationBaselineBody {
                mean: b.mean,
                sigma: b.sigma,
                hours: b.hours,
                learned: b.learned,
            },
            threshold: s.threshold,
            settings: ReputationSettingsBody::from(&s.settings),
        }
    }
}

/// An account's keyword watch list.
#[derive(Serialize, JsonSchema)]
struct WatchKeywordsBody {
    account_id: i64,
    keywords: Vec<String>,
}

#[derive(Deserialize, JsonSchema)]
struct IncidentsQuery {
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_incidents(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<IncidentsQuery>,
) -> Answer<Page<IncidentBody>> {
    let filter = IncidentFilter::parse(query.status.as_deref().unwrap_or(""))
        .ok_or_else(|| ApiError::new(Code::InvalidField, "status: open, resolved or all"))?;
    let list =
        state.app.incidents(auth.actor(), account_id, filter, query.limit, query.cursor.as_deref()).await?;
    Ok(page(&list))
}

async fn get_incident(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<IncidentViewBody> {
    Ok(Json(IncidentViewBody::from(&state.app.incident_view(auth.actor(), id).await?)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct IncidentAssignment {
    assignee: String,
}

async fn post_assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<IncidentAssignment>,
) -> Answer<IncidentBody> {
    Ok(Json(IncidentBody::from(&state.app.assign_incident(&auth.0, id, &body.assignee).await?)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct IncidentResolution {
    summary: String,
}

async fn post_resolve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<IncidentResolution>,
) -> Answer<IncidentBody> {
    Ok(Json(IncidentBody::from(&state.app.resolve_incident(&auth.0, id, &body.summary).await?)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct IncidentViolationRequest {
    shop_id: i64,
    kind: String,
    severity: String,
    penalty_fen: i64,
    beneficiary: String,
    buyer_id: Option<String>,
    evidence: String,
}

async fn post_violation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (claim, b): (_, IncidentViolationRequest) =
        money_request(&auth.0, app::violations::RECORD_VIOLATION_ROLES, &headers, uri.path(), &body)?;
    let input = NewViolationInput {
        kind: b.kind,
        severity: b.severity,
        penalty_fen: b.penalty_fen,
        beneficiary: b.beneficiary,
        buyer_id: b.buyer_id,
        evidence: b.evidence,
    };
    let (incident, outcome) = state.app.incident_violation(&auth.0, id, b.shop_id, &input, claim).await?;
    let body = IncidentViolationBody {
        incident: IncidentBody::from(&incident),
        violation_id: outcome.subject_id,
        transfer_id: outcome.transfer_ids.first().copied(),
        balance_fen: outcome.balance_fen,
    };
    Ok(created(body, outcome.replayed))
}

#[derive(Deserialize, JsonSchema)]
struct ReputationSeriesQuery {
    /// RFC 3339.
    from: Option<String>,
    /// RFC 3339.
    to: Option<String>,
}

fn instant(name: &str, text: &str) -> Result<i64, ApiError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| ApiError::new(Code::InvalidDate, format!("{name} {text:?} is not an RFC 3339 time")))
}

async fn get_series(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<ReputationSeriesQuery>,
) -> Answer<ReputationSeriesBody> {
    let to_ms = match query.to.as_deref() {
        Some(text) => instant("to", text)?,
        None => state.app.clock().now_ms(),
    };
    let from_ms = match query.from.as_deref() {
        Some(text) => instant("from", text)?,
        None => to_ms - 48 * domain::reputation::HOUR_MS,
    };
    let series = state.app.reputation_series(auth.actor(), account_id, from_ms, to_ms).await?;
    Ok(Json(ReputationSeriesBody::from(&series)))
}

async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
) -> Answer<ReputationSettingsBody> {
    let settings = state.app.reputation_settings(auth.actor(), account_id).await?;
    Ok(Json(ReputationSettingsBody::from(&settings)))
}

/// The settings to change; a field left out keeps its value.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ReputationSettingsChange {
    negative_min: Option<i64>,
    deviation_sigmas: Option<f64>,
    rate_floor: Option<f64>,
    baseline_hours: Option<i64>,
    yellow_negative: Option<i64>,
    orange_negative: Option<i64>,
    red_negative: Option<i64>,
    yellow_growth: Option<f64>,
    orange_growth: Option<f64>,
    red_growth: Option<f64>,
    blue_minutes: Option<i64>,
    yellow_minutes: Option<i64>,
    orange_minutes: Option<i64>,
    red_minutes: Option<i64>,
}

async fn put_settings(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Json(b): Json<ReputationSettingsChange>,
) -> Answer<ReputationSettingsBody> {
    let s = state.app.reputation_settings(auth.actor(), account_id).await?;
    let settings = ReputationSettings {
        negative_min: b.negative_min.unwrap_or(s.negative_min),
        deviation_sigmas: b.deviation_sigmas.unwrap_or(s.deviation_sigmas),
        rate_floor: b.rate_floor.unwrap_or(s.rate_floor),
        baseline_hours: b.baseline_hours.unwrap_or(s.baseline_hours),
        yellow_negative: b.yellow_negative.unwrap_or(s.yellow_negative),
        orange_negative: b.orange_negative.unwrap_or(s.orange_negative),
        red_negative: b.red_negative.unwrap_or(s.red_negative),
        yellow_growth: b.yellow_growth.unwrap_or(s.yellow_growth),
        orange_growth: b.orange_growth.unwrap_or(s.orange_growth),
        red_growth: b.red_growth.unwrap_or(s.red_growth),
        blue_minutes: b.blue_minutes.unwrap_or(s.blue_minutes),
        yellow_minutes: b.yellow_minutes.unwrap_or(s.yellow_minutes),
        orange_minutes: b.orange_minutes.unwrap_or(s.orange_minutes),
        red_minutes: b.red_minutes.unwrap_or(s.red_minutes),
    };
    let saved = state.app.set_reputation_settings(&auth.0, account_id, &settings).await?;
    Ok(Json(ReputationSettingsBody::from(&saved)))
}

async fn get_keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
) -> Answer<WatchKeywordsBody> {
    let keywords = state.app.watch_keywords(auth.actor(), account_id).await?;
    Ok(Json(WatchKeywordsBody { account_id, keywords }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WatchKeywordsRequest {
    keywords: Vec<String>,
}

async fn put_keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Json(body): Json<WatchKeywordsRequest>,
) -> Answer<WatchKeywordsBody> {
    if body.keywords.len() > domain::limits::WATCH_KEYWORDS_MAX * 4 {
        return Err(AppError::new(Code::InvalidKeyword, "a watch list holds at most 50 keywords").into());
    }
    let keywords = state.app.set_watch_keywords(&auth.0, account_id, &body.keywords).await?;
    Ok(Json(WatchKeywordsBody { account_id, keywords }))
}
