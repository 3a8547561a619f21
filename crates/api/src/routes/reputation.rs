//! Reputation monitoring (舆情): an account's incidents, one incident with its comments and
//! replies, assigning, resolving, turning one into a violation (reviewers), the keyword watch
//! list, the settings and the hourly negative-rate series.

use app::reputation::{IncidentFilter, IncidentRow, IncidentView, ReputationSeries};
use app::violations::NewViolationInput;
use app::{AppError, Code};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::DateTime;
use domain::reputation::ReputationSettings;
use serde::Deserialize;
use serde_json::{Value, json};

use super::comments::comment_json;
use super::{ANY_ROLE, MERCHANT, REVIEWER, china_time, created};
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
                .roles(ANY_ROLE),
            list_incidents,
        )
        .add(
            Method::Get,
            "/api/v1/incidents/{id}",
            Doc::new("reputation", "One reputation incident with the comments that raised it and the account's replies to them")
                .roles(ANY_ROLE),
            get_incident,
        )
        .add(
            Method::Post,
            "/api/v1/incidents/{id}/assign",
            Doc::new("reputation", "Assign an open incident to a member of the merchant's team who may reply")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .body(r#"{"assignee":"m1-operator"}"#),
            post_assign,
        )
        .add(
            Method::Post,
            "/api/v1/incidents/{id}/resolve",
            Doc::new("reputation", "Resolve an open incident with a summary of what was done")
                .roles(MERCHANT)
                .team_rights(REPLY)
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
                .body(r#"{"shop_id":1,"kind":"false_advertising","severity":"general","penalty_fen":50000,"beneficiary":"platform","evidence":"..."}"#),
            post_violation,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/reputation",
            Doc::new("reputation", "The account's hourly negative-comment rate from `from` to `to` (RFC 3339, whole hours, at most 31 days; default the last 48 hours), the baseline and the spike threshold")
                .roles(ANY_ROLE),
            get_series,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/reputation/settings",
            Doc::new("reputation", "The account's spike rule, levels and response deadlines").roles(ANY_ROLE),
            get_settings,
        )
        .add(
            Method::Put,
            "/api/v1/enterprise-accounts/{id}/reputation/settings",
            Doc::new("reputation", "Change the account's spike rule, levels or deadlines (fields left out keep their value)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .body(r#"{"negative_min":10,"deviation_sigmas":3.0,"rate_floor":0.3,"red_minutes":30}"#),
            put_settings,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/reputation/keywords",
            Doc::new("reputation", "The account's keyword watch list").roles(ANY_ROLE),
            get_keywords,
        )
        .add(
            Method::Put,
            "/api/v1/enterprise-accounts/{id}/reputation/keywords",
            Doc::new("reputation", "Replace the account's keyword watch list (at most 50, 1-30 characters each, matched ignoring case)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .body(r#"{"keywords":["小店科技","张总"]}"#),
            put_keywords,
        )
}

pub fn incident_json(i: &IncidentRow) -> Value {
    json!({
        "id": i.id,
        "account_id": i.account_id,
        "merchant_id": i.merchant_id,
        "kind": i.kind,
        "level": i.level,
        "status": i.status.as_str(),
        "opened_at": china_time(i.opened_at_ms),
        "hour": china_time(i.hour_ms),
        "hour_comments": i.hour_comments,
        "hour_negative": i.hour_negative,
        "baseline_rate": i.baseline_rate,
        "keyword": i.keyword,
        "deadline_at": china_time(i.deadline_at_ms),
        "overdue": i.overdue_at_ms.is_some(),
        "overdue_at": i.overdue_at_ms.and_then(china_time),
        "assignee": i.assignee,
        "assigned_at": i.assigned_at_ms.and_then(china_time),
        "summary": i.summary,
        "resolved_at": i.resolved_at_ms.and_then(china_time),
        "resolved_by": i.resolved_by,
        "violation_id": i.violation_id,
    })
}

fn view_json(view: &IncidentView) -> Value {
    let mut body = incident_json(&view.incident);
    body["comments"] = view.comments.iter().map(comment_json).collect();
    body["replies"] = view.replies.iter().map(comment_json).collect();
    body
}

fn settings_json(s: &ReputationSettings) -> Value {
    json!({
        "negative_min": s.negative_min,
        "deviation_sigmas": s.deviation_sigmas,
        "rate_floor": s.rate_floor,
        "baseline_hours": s.baseline_hours,
        "yellow_negative": s.yellow_negative,
        "orange_negative": s.orange_negative,
        "red_negative": s.red_negative,
        "yellow_growth": s.yellow_growth,
        "orange_growth": s.orange_growth,
        "red_growth": s.red_growth,
        "blue_minutes": s.blue_minutes,
        "yellow_minutes": s.yellow_minutes,
        "orange_minutes": s.orange_minutes,
        "red_minutes": s.red_minutes,
    })
}

fn series_json(s: &ReputationSeries) -> Value {
    let hours: Vec<Value> = s
        .hours
        .iter()
        .map(|p| {
            json!({
                "hour": china_time(p.hour.hour_ms),
                "comments": p.hour.comments,
                "negative": p.hour.negative,
                "rate": p.rate,
            })
        })
        .collect();
    json!({
        "account_id": s.account_id,
        "from": china_time(s.from_ms),
        "to": china_time(s.to_ms),
        "hours": hours,
        "baseline": {
            "mean": s.baseline.mean,
            "sigma": s.baseline.sigma,
            "hours": s.baseline.hours,
            "learned": s.baseline.learned,
        },
        "threshold": s.threshold,
        "settings": settings_json(&s.settings),
    })
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_incidents(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> ApiResult<axum::Json<Value>> {
    let filter = IncidentFilter::parse(query.status.as_deref().unwrap_or(""))
        .ok_or_else(|| ApiError::new(Code::InvalidField, "status: open, resolved or all"))?;
    let page =
        state.app.incidents(auth.actor(), account_id, filter, query.limit, query.cursor.as_deref()).await?;
    Ok(super::page_value(&page, incident_json))
}

async fn get_incident(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(view_json(&state.app.incident_view(auth.actor(), id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    assignee: String,
}

async fn post_assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<AssignBody>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(incident_json(&state.app.assign_incident(&auth.0, id, &body.assignee).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    summary: String,
}

async fn post_resolve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<ResolveBody>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(incident_json(&state.app.resolve_incident(&auth.0, id, &body.summary).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ViolationBody {
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
    let (claim, b): (_, ViolationBody) =
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
    let body = json!({
        "incident": incident_json(&incident),
        "violation_id": outcome.subject_id,
        "transfer_id": outcome.transfer_ids.first(),
        "balance_fen": outcome.balance_fen,
    });
    Ok(created(body, outcome.replayed))
}

#[derive(Deserialize)]
struct SeriesQuery {
    from: Option<String>,
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
    Query(query): Query<SeriesQuery>,
) -> ApiResult<axum::Json<Value>> {
    let to_ms = match query.to.as_deref() {
        Some(text) => instant("to", text)?,
        None => state.app.clock().now_ms(),
    };
    let from_ms = match query.from.as_deref() {
        Some(text) => instant("from", text)?,
        None => to_ms - 48 * domain::reputation::HOUR_MS,
    };
    let series = state.app.reputation_series(auth.actor(), account_id, from_ms, to_ms).await?;
    Ok(axum::Json(series_json(&series)))
}

async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(settings_json(&state.app.reputation_settings(auth.actor(), account_id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
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
    Json(b): Json<SettingsBody>,
) -> ApiResult<axum::Json<Value>> {
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
    Ok(axum::Json(settings_json(&saved)))
}

async fn get_keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let keywords = state.app.watch_keywords(auth.actor(), account_id).await?;
    Ok(axum::Json(json!({ "account_id": account_id, "keywords": keywords })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeywordsBody {
    keywords: Vec<String>,
}

async fn put_keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Json(body): Json<KeywordsBody>,
) -> ApiResult<axum::Json<Value>> {
    if body.keywords.len() > domain::limits::WATCH_KEYWORDS_MAX * 4 {
        return Err(AppError::new(Code::InvalidKeyword, "a watch list holds at most 50 keywords").into());
    }
    let keywords = state.app.set_watch_keywords(&auth.0, account_id, &body.keywords).await?;
    Ok(axum::Json(json!({ "account_id": account_id, "keywords": keywords })))
}
