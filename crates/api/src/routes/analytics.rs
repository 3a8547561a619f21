//! Engagement analytics: NDJSON event batches from the platform, and the account and video
//! dashboards read from the rollups.

use app::analytics::{
    AccountAnalytics, Audience, EventBatchOutcome, Period, Totals, VideoAnalytics, WeekOverWeek,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use domain::analytics::{Counts, GroupFigures, MixEntry};
use domain::limits::EVENT_BATCH_BYTES_MAX;
use serde::Deserialize;
use serde_json::{Value, json};

use super::campaigns::metric_json;
use super::comments::ndjson_body;
use super::{ANY_ROLE, SERVICE, china_time};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Path, Query};
use crate::openapi::{Doc, Method, Routes};

pub fn add(routes: Routes) -> Routes {
    let line = r#"{"video_id":1,"kind":"view","at":"2026-03-02T20:15:00+08:00","source":"recommend","age":"24-30","gender":"female","province":"广东"}"#;
    routes
        .add_with_limit(
            Method::Post,
            "/api/v1/events:batch",
            Doc::new("analytics", "Ingest engagement events from the platform: an NDJSON body (Content-Type: application/x-ndjson), one event a line (kind view|like|share|follow|watch; a watch event carries watch_ms and completed), at most 100,000 lines, rolled up at once; refused lines are listed by 1-based number and code. With an Idempotency-Key header a batch is added once and a retry answers the first answer with idempotent-replayed: true")
                .roles(SERVICE)
                .body(line),
            post_batch,
            EVENT_BATCH_BYTES_MAX,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/analytics",
            Doc::new("analytics", "The account's dashboard over from..to (China dates, both included; default the last 30 days, at most 366): totals and rates in basis points, every day, traffic-source mix, audience, best publishing hour and weekday, topic tags, top videos, week-over-week")
                .roles(ANY_ROLE),
            get_account,
        )
        .add(
            Method::Get,
            "/api/v1/videos/{id}/analytics",
            Doc::new("analytics", "The video's dashboard over from..to: totals and rates, every day (every hour too when the period is at most 7 days), traffic-source mix, audience, week-over-week")
                .roles(ANY_ROLE),
            get_video,
        )
}

async fn post_batch(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    auth.actor().require(&[domain::auth::Role::Service])?;
    let body = ndjson_body(&headers, body)?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let outcome = state.app.ingest_events(&auth.0, &body, key).await?;
    let mut response = axum::Json(batch_json(&outcome)).into_response();
    if outcome.replayed {
        response.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    Ok(response)
}

fn batch_json(outcome: &EventBatchOutcome) -> Value {
    let rejected: Vec<Value> =
        outcome.rejected.iter().map(|r| json!({ "line": r.line, "code": r.code.as_str() })).collect();
    json!({
        "lines": outcome.lines,
        "accepted": outcome.accepted,
        "rejected_count": outcome.rejected_count,
        "rejected": rejected,
    })
}

#[derive(Deserialize)]
pub(crate) struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

impl PeriodQuery {
    pub(crate) fn period(&self, state: &AppState) -> ApiResult<Period> {
        Ok(state.app.analytics_period(self.from.as_deref(), self.to.as_deref())?)
    }
}

async fn get_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<axum::Json<Value>> {
    let period = query.period(&state)?;
    Ok(axum::Json(account_json(&state.app.account_analytics(auth.actor(), id, period).await?)))
}

async fn get_video(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<axum::Json<Value>> {
    let period = query.period(&state)?;
    Ok(axum::Json(video_json(&state.app.video_analytics(auth.actor(), id, period).await?)))
}

pub(crate) fn day(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn period_json(period: &Period) -> Value {
    json!({ "from": day(period.from), "to": day(period.to), "days": period.days() })
}

fn counts_json(c: &Counts) -> Value {
    json!({
        "views": c.views,
        "likes": c.likes,
        "shares": c.shares,
        "follows": c.follows,
        "watch_ms": c.watch_ms,
        "completions": c.completions,
    })
}

fn totals_json(t: &Totals) -> Value {
    let mut value = counts_json(&t.counts);
    let extra = json!({
        "comments": t.comments,
        "engagements": t.engagements,
        "followers_gained": t.counts.follows,
        "completion_rate_bp": t.completion_rate_bp,
        "average_watch_ms": t.average_watch_ms,
        "engagement_rate_bp": t.engagement_rate_bp,
    });
    if let (Some(object), Value::Object(extra)) = (value.as_object_mut(), extra) {
        object.extend(extra);
    }
    value
}

pub(crate) fn mix_json(entries: &[MixEntry]) -> Value {
    entries.iter().map(|e| json!({ "key": e.key, "views": e.count, "share_bp": e.share_bp })).collect()
}

fn audience_json(a: &Audience) -> Value {
    json!({ "age": mix_json(&a.age), "gender": mix_json(&a.gender), "province": mix_json(&a.province) })
}

fn groups_json(groups: &[GroupFigures]) -> Value {
    groups
        .iter()
        .map(|g| {
            json!({
                "key": g.key,
                "videos": g.videos,
                "views": g.views,
                "engagements": g.engagements,
                "average_views": g.average_views,
                "engagement_rate_bp": g.engagement_rate_bp,
            })
        })
        .collect()
}

fn week_json(w: &WeekOverWeek) -> Value {
    json!({
        "views": metric_json(&w.views),
        "engagements": metric_json(&w.engagements),
        "follows": metric_json(&w.follows),
        "watch_ms": metric_json(&w.watch_ms),
    })
}

fn days_json(days: &[(chrono::NaiveDate, Counts)]) -> Value {
    days.iter()
        .map(|(date, counts)| {
            let mut value = counts_json(counts);
            if let Some(object) = value.as_object_mut() {
                object.insert("day".into(), Value::String(day(*date)));
            }
            value
        })
        .collect()
}

fn account_json(a: &AccountAnalytics) -> Value {
    let top: Vec<Value> = a
        .top_videos
        .iter()
        .map(|v| {
            json!({
                "video_id": v.video_id,
                "title": v.title,
                "published_at": china_time(v.published_at_ms),
                "totals": totals_json(&v.totals),
            })
        })
        .collect();
    json!({
        "account_id": a.account_id,
        "period": period_json(&a.period),
        "totals": totals_json(&a.totals),
        "days": days_json(&a.days),
        "traffic_sources": mix_json(&a.sources),
        "audience": audience_json(&a.audience),
        "publishing_hours": groups_json(&a.publishing_hours),
        "best_hour": a.best_hour,
        "publishing_weekdays": groups_json(&a.publishing_weekdays),
        "best_weekday": a.best_weekday,
        "tags": groups_json(&a.tags),
        "top_videos": top,
        "week_over_week": week_json(&a.week_over_week),
    })
}

fn video_json(v: &VideoAnalytics) -> Value {
    let hours: Option<Vec<Value>> = v.hours.as_ref().map(|hours| {
        hours
            .iter()
            .map(|(hour, counts)| {
                let mut value = counts_json(counts);
                if let Some(object) = value.as_object_mut() {
                    object.insert("hour".into(), json!(china_time(*hour)));
                }
                value
            })
            .collect()
    });
    json!({
        "video_id": v.video_id,
        "account_id": v.account_id,
        "title": v.title,
        "tags": v.tags,
        "published_at": v.published_at_ms.and_then(china_time),
        "period": period_json(&v.period),
        "totals": totals_json(&v.totals),
        "days": days_json(&v.days),
        "hours": hours,
        "traffic_sources": mix_json(&v.sources),
        "audience": audience_json(&v.audience),
        "week_over_week": week_json(&v.week_over_week),
    })
}
