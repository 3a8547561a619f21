//! Admin routes: the manual clock, running due jobs, the audit log and calendar imports.

use axum::extract::State;
use chrono::DateTime;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ADMIN;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Query};
use crate::openapi::{Doc, Method, Routes};
use app::Code;

pub fn add(routes: Routes) -> Routes {
    let clock =
        Doc::new("admin", "Set the manual clock").roles(ADMIN).body(r#"{"now":"2026-11-23T10:00:00+08:00"}"#);
    let jobs = Doc::new("admin", "Run every job due at the clock's current time");
    let audit = Doc::new("admin", "The audit log, newest first (limit, cursor)").roles(ADMIN);
    let import =
        Doc::new("admin", "Load a year's holiday notice (text body in the notice format)").roles(ADMIN);
    routes
        .add(Method::Put, "/api/v1/admin/clock", clock, set_clock)
        .add(Method::Get, "/api/v1/admin/clock", Doc::new("admin", "The app clock").roles(ADMIN), get_clock)
        .add(Method::Post, "/api/v1/admin/jobs/run", jobs.roles(ADMIN), run_jobs)
        .add(Method::Get, "/api/v1/admin/audit", audit, list_audit)
        .add(Method::Post, "/api/v1/admin/calendar/notices", import.status(201), import_notice)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    now: String,
}

async fn set_clock(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<ClockBody>,
) -> ApiResult<axum::Json<Value>> {
    let now = DateTime::parse_from_rfc3339(&body.now).map_err(|_| {
        ApiError::new(Code::InvalidDate, "now must be an RFC 3339 time such as 2026-11-23T10:00:00+08:00")
    })?;
    let now = state.app.set_clock(&auth.0, now.to_utc()).await?;
    Ok(axum::Json(json!({ "now": now.with_timezone(&app::clock::china_offset()).to_rfc3339() })))
}

async fn get_clock(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Value>> {
    auth.actor().require(&[domain::auth::Role::Admin])?;
    let clock = state.app.clock();
    Ok(axum::Json(json!({
        "now": clock.now().with_timezone(&app::clock::china_offset()).to_rfc3339(),
        "manual": clock.as_manual().is_some(),
    })))
}

async fn run_jobs(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Value>> {
    let ran = state.app.run_due_jobs(&auth.0).await?;
    Ok(axum::Json(json!({ "ran": ran })))
}

#[derive(Deserialize)]
struct PageQuery {
    limit: Option<u32>,
    cursor: Option<i64>,
}

async fn list_audit(
    State(state): State<AppState>,
    auth: Auth,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let page = state.app.list_audit(auth.actor(), page.limit, page.cursor).await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|row| {
            json!({
                "seq": row.seq,
                "at": DateTime::from_timestamp_millis(row.at_ms).map(|t| t.to_rfc3339()),
                "actor": row.actor,
                "action": row.action,
                "subject": row.subject,
                "request_id": row.request_id,
                "detail": row.detail,
                "hash": row.hash,
            })
        })
        .collect();
    Ok(axum::Json(json!({ "items": items, "next_cursor": page.next_cursor })))
}

async fn import_notice(
    State(state): State<AppState>,
    auth: Auth,
    body: String,
) -> ApiResult<(axum::http::StatusCode, axum::Json<Value>)> {
    let year = state.app.import_calendar_notice(&auth.0, &body).await?;
    Ok((axum::http::StatusCode::CREATED, axum::Json(json!({ "year": year, "provisional": false }))))
}
