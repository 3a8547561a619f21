//! Admin routes: the manual clock, running due jobs, the audit log and calendar imports.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ADMIN, Answer, Page};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Query};
use crate::openapi::{Doc, Method, Routes};
use app::Code;
use app::audit::AuditRow;

pub fn add(routes: Routes) -> Routes {
    let clock = Doc::new("admin", "Set the manual clock")
        .roles(ADMIN)
        .request::<ClockChange>()
        .answer::<ClockSetBody>()
        .body(r#"{"now":"2026-11-23T10:00:00+08:00"}"#);
    let jobs = Doc::new("admin", "Run every job due at the clock's current time")
        .no_request()
        .answer::<JobsRunBody>();
    let audit = Doc::new("admin", "The audit log, newest first (limit, cursor)")
        .roles(ADMIN)
        .query::<AuditQuery>()
        .answer::<Page<AuditEntryBody>>();
    let import = Doc::new("admin", "Load a year's holiday notice (text body in the notice format)")
        .raw_request(&["text/plain"]);
    routes
        .add(Method::Put, "/api/v1/admin/clock", clock, set_clock)
        .add(
            Method::Get,
            "/api/v1/admin/clock",
            Doc::new("admin", "The app clock").roles(ADMIN).answer::<ClockBody>(),
            get_clock,
        )
        .add(Method::Post, "/api/v1/admin/jobs/run", jobs.roles(ADMIN), run_jobs)
        .add(Method::Get, "/api/v1/admin/audit", audit, list_audit)
        .add(
            Method::Post,
            "/api/v1/admin/calendar/notices",
            import.roles(ADMIN).status(201).answer::<HolidayNoticeImportBody>(),
            import_notice,
        )
}

/// The app clock's time now (RFC 3339, China time).
#[derive(Serialize, JsonSchema)]
struct ClockSetBody {
    now: String,
}

/// The app clock: its time now (RFC 3339, China time) and whether it is the manual clock.
#[derive(Serialize, JsonSchema)]
struct ClockBody {
    now: String,
    manual: bool,
}

/// How many due jobs ran.
#[derive(Serialize, JsonSchema)]
struct JobsRunBody {
    ran: usize,
}

/// One audit log entry, chained to the one before by its hash.
#[derive(Serialize, JsonSchema)]
struct AuditEntryBody {
    seq: i64,
    /// RFC 3339 in UTC.
    at: Option<String>,
    actor: String,
    action: String,
    subject: String,
    request_id: String,
    detail: String,
    hash: String,
}

impl From<&AuditRow> for AuditEntryBody {
    fn from(row: &AuditRow) -> AuditEntryBody {
        AuditEntryBody {
            seq: row.seq,
            at: DateTime::from_timestamp_millis(row.at_ms).map(|t| t.to_rfc3339()),
            actor: row.actor.clone(),
            action: row.action.clone(),
            subject: row.subject.clone(),
            request_id: row.request_id.clone(),
            detail: row.detail.clone(),
            hash: row.hash.clone(),
        }
    }
}

/// The year whose holiday notice was loaded; a loaded notice is never provisional.
#[derive(Serialize, JsonSchema)]
struct HolidayNoticeImportBody {
    year: i32,
    provisional: bool,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    /// An RFC 3339 time such as 2026-11-23T10:00:00+08:00.
    now: String,
}

async fn set_clock(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<ClockChange>,
) -> Answer<ClockSetBody> {
    let now = DateTime::parse_from_rfc3339(&body.now).map_err(|_| {
        ApiError::new(Code::InvalidDate, "now must be an RFC 3339 time such as 2026-11-23T10:00:00+08:00")
    })?;
    let now = state.app.set_clock(&auth.0, now.to_utc()).await?;
    Ok(Json(ClockSetBody { now: now.with_timezone(&app::clock::china_offset()).to_rfc3339() }))
}

async fn get_clock(State(state): State<AppState>, auth: Auth) -> Answer<ClockBody> {
    auth.actor().require(&[domain::auth::Role::Admin])?;
    let clock = state.app.clock();
    Ok(Json(ClockBody {
        now: clock.now().with_timezone(&app::clock::china_offset()).to_rfc3339(),
        manual: clock.as_manual().is_some(),
    }))
}

async fn run_jobs(State(state): State<AppState>, auth: Auth) -> Answer<JobsRunBody> {
    Ok(Json(JobsRunBody { ran: state.app.run_due_jobs(&auth.0).await? }))
}

/// `limit` and `cursor` (a sequence number) of the audit log.
#[derive(Deserialize, JsonSchema)]
struct AuditQuery {
    limit: Option<u32>,
    cursor: Option<i64>,
}

async fn list_audit(
    State(state): State<AppState>,
    auth: Auth,
    Query(page): Query<AuditQuery>,
) -> Answer<Page<AuditEntryBody>> {
    let list = state.app.list_audit(auth.actor(), page.limit, page.cursor).await?;
    Ok(super::page(&list))
}

async fn import_notice(
    State(state): State<AppState>,
    auth: Auth,
    body: String,
) -> ApiResult<(StatusCode, Json<HolidayNoticeImportBody>)> {
    let year = state.app.import_calendar_notice(&auth.0, &body).await?;
    Ok((StatusCode::CREATED, Json(HolidayNoticeImportBody { year, provisional: false })))
}
