//! Videos of enterprise accounts (drafts, streamed file and cover uploads, approval, scheduling,
//! publishing, withdrawal, pins) and the publishing rhythm (cadence and month calendar).

use app::uploads::Upload;
use app::videos::{CadenceView, PublishingMonth, VideoInput, VideoRow, tags_of};
use app::{AppError, Code};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ANY_ROLE, MERCHANT, china_time};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Path, Query, parse_json};
use crate::openapi::{Doc, Method, Routes};

const EDIT: &[&str] = &["edit_content"];
const APPROVE: &[&str] = &["approve_content"];
const PUBLISH: &[&str] = &["edit_content", "approve_content"];

pub fn add(routes: Routes) -> Routes {
    let video = r##"{"title":"春节上新 第一集","description":"年货节限时优惠","tags":["#春节","年货"],"external_url":null}"##;
    routes
        .add(
            Method::Post,
            "/api/v1/enterprise-accounts/{id}/videos",
            Doc::new("videos", "Start a draft video on an enterprise account")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .status(201)
                .body(video),
            create_video,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/videos",
            Doc::new("videos", "An account's videos, newest first (status, limit, cursor)").roles(ANY_ROLE),
            list_account_videos,
        )
        .add(
            Method::Get,
            "/api/v1/videos",
            Doc::new("videos", "The merchant's videos, newest first (account_id, status, limit, cursor): status=in_review is the approval queue")
                .roles(ANY_ROLE),
            list_videos,
        )
        .add(Method::Get, "/api/v1/videos/{id}", Doc::new("videos", "One video").roles(ANY_ROLE), get_video)
        .add(
            Method::Put,
            "/api/v1/videos/{id}",
            Doc::new("videos", "Rewrite a draft's title, description, tags and external address")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .body(video),
            put_video,
        )
        .add(
            Method::Put,
            "/api/v1/videos/{id}/file",
            Doc::new("videos", "Upload a draft's video file as the raw body (MP4 or MOV by content, streamed to disk, at most the configured size, 2 GiB by default)")
                .roles(MERCHANT)
                .team_rights(EDIT),
            put_file,
        )
        .add(
            Method::Put,
            "/api/v1/videos/{id}/cover",
            Doc::new("videos", "Upload a draft's cover image as the raw body (JPEG or PNG by content, ≤ 5 MiB)")
                .roles(MERCHANT)
                .team_rights(EDIT),
            put_cover,
        )
        .add(
            Method::Get,
            "/api/v1/videos/{id}/cover",
            Doc::new("videos", "A video's cover image").roles(ANY_ROLE),
            get_cover,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/submit",
            Doc::new("videos", "Submit a draft for approval (needs a file or an external address)")
                .roles(MERCHANT)
                .team_rights(EDIT),
            post_submit,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/approve",
            Doc::new("videos", "Approve a submitted video (body optional)")
                .roles(MERCHANT)
                .team_rights(APPROVE)
                .body(r#"{"comment":"可以发布"}"#),
            post_approve,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/send-back",
            Doc::new("videos", "Send a submitted video back to its draft, saying why")
                .roles(MERCHANT)
                .team_rights(APPROVE)
                .body(r#"{"comment":"封面请换成竖版"}"#),
            post_send_back,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/schedule",
            Doc::new("videos", "Schedule (or move) an approved video: a job publishes it at exactly publish_at")
                .roles(MERCHANT)
                .team_rights(PUBLISH)
                .body(r#"{"publish_at":"2026-02-10T20:00:00+08:00"}"#),
            post_schedule,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/publish",
            Doc::new("videos", "Publish an approved or scheduled video now").roles(MERCHANT).team_rights(PUBLISH),
            post_publish,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/withdraw",
            Doc::new("videos", "Withdraw an approved, scheduled or published video for good")
                .roles(MERCHANT)
                .team_rights(PUBLISH),
            post_withdraw,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/pin",
            Doc::new("videos", "Pin a published video (verified accounts, at most 3)").roles(MERCHANT).team_rights(EDIT),
            post_pin,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/unpin",
            Doc::new("videos", "Unpin a video").roles(MERCHANT).team_rights(EDIT),
            post_unpin,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/cadence",
            Doc::new("videos", "The account's weekly publishing target and where it stands").roles(ANY_ROLE),
            get_cadence,
        )
        .add(
            Method::Put,
            "/api/v1/enterprise-accounts/{id}/cadence",
            Doc::new("videos", "Set the weekly publishing target (0 removes it); checked daily")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .body(r#"{"videos_per_week":3}"#),
            put_cadence,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/calendar",
            Doc::new("videos", "A month (month=YYYY-MM) of videos by day, statutory holidays and shopping festivals")
                .roles(ANY_ROLE),
            get_calendar,
        )
}

pub fn video_json(v: &VideoRow) -> Value {
    let file = v.file_sha256.as_ref().map(|sha256| {
        let file_type = v.file_type.as_deref().and_then(domain::videos::VideoFileType::parse);
        json!({
            "sha256": sha256,
            "bytes": v.file_bytes,
            "type": v.file_type,
            "content_type": file_type.map(|t| t.content_type()),
        })
    });
    let cover = v.cover_sha256.as_ref().map(|sha256| {
        json!({
            "sha256": sha256,
            "content_type": v.cover_type,
            "url": format!("/api/v1/videos/{}/cover", v.id),
        })
    });
    let decision = v.decision_outcome.as_ref().map(|outcome| {
        json!({
            "outcome": outcome,
            "comment": v.decision_comment,
            "by": v.decided_by,
            "at": v.decided_at_ms.and_then(china_time),
        })
    });
    json!({
        "id": v.id,
        "account_id": v.account_id,
        "merchant_id": v.merchant_id,
        "title": v.title,
        "description": v.description,
        "tags": tags_of(v),
        "status": v.status.as_str(),
        "file": file,
        "external_url": v.external_url,
        "cover": cover,
        "created_by": v.created_by,
        "submitted_by": v.submitted_by,
        "submitted_at": v.submitted_at_ms.and_then(china_time),
        "decision": decision,
        "publish_at": v.publish_at_ms.and_then(china_time),
        "published_at": v.published_at_ms.and_then(china_time),
        "published_by": v.published_by,
        "withdrawn_at": v.withdrawn_at_ms.and_then(china_time),
        "pinned": v.pinned_at_ms.is_some(),
        "pinned_at": v.pinned_at_ms.and_then(china_time),
        "created_at": china_time(v.created_at_ms),
        "updated_at": china_time(v.updated_at_ms),
    })
}

fn cadence_json(c: &CadenceView) -> Value {
    json!({
        "account_id": c.account_id,
        "videos_per_week": c.videos_per_week,
        "published_last_7_days": c.published_last_7_days,
        "scheduled_ahead": c.scheduled_ahead,
        "lookahead_days": c.lookahead_days,
        "behind": c.status.behind,
        "nothing_scheduled": c.status.nothing_scheduled,
        "next_check_at": c.next_check_at_ms.and_then(china_time),
    })
}

fn calendar_json(month: &PublishingMonth) -> Value {
    let days: Vec<Value> = month
        .days
        .iter()
        .map(|day| {
            let mut body = crate::day_json(&day.day);
            body["festivals"] = day
                .festivals
                .iter()
                .map(|f| json!({ "name": f.name_zh, "name_en": f.name_en, "first_day": f.first_day }))
                .collect();
            body["videos"] = day
                .videos
                .iter()
                .map(|v| {
                    json!({
                        "id": v.id,
                        "title": v.title,
                        "status": v.status.as_str(),
                        "at": v.published_at_ms.or(v.publish_at_ms).and_then(china_time),
                        "pinned": v.pinned_at_ms.is_some(),
                    })
                })
                .collect();
            body
        })
        .collect();
    json!({
        "account_id": month.account_id,
        "month": month.first_day.format("%Y-%m").to_string(),
        "cadence": cadence_json(&month.cadence),
        "days": days,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VideoBody {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    external_url: Option<String>,
}

impl VideoBody {
    fn input(self) -> VideoInput {
        VideoInput {
            title: self.title,
            description: self.description,
            tags: self.tags,
            external_url: self.external_url,
        }
    }
}

async fn create_video(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Json(body): Json<VideoBody>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let video = state.app.create_video(&auth.0, account_id, &body.input()).await?;
    Ok((StatusCode::CREATED, axum::Json(video_json(&video))))
}

async fn put_video(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<VideoBody>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(video_json(&state.app.update_video(&auth.0, id, &body.input()).await?)))
}

#[derive(Deserialize)]
struct ListQuery {
    account_id: Option<i64>,
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<i64>,
}

async fn list(
    state: &AppState,
    auth: &Auth,
    account_id: Option<i64>,
    query: ListQuery,
) -> ApiResult<axum::Json<Value>> {
    let page = state
        .app
        .videos(auth.actor(), account_id, query.status.as_deref(), query.limit, query.cursor)
        .await?;
    Ok(super::page_value(&page, video_json))
}

async fn list_videos(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> ApiResult<axum::Json<Value>> {
    let account_id = query.account_id;
    list(&state, &auth, account_id, query).await
}

async fn list_account_videos(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> ApiResult<axum::Json<Value>> {
    list(&state, &auth, Some(account_id), query).await
}

async fn get_video(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(video_json(&state.app.video(auth.actor(), id).await?)))
}

/// The size a request declares in `Content-Length`, if any.
fn declared_bytes(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// Streams a request body into an upload, chunk by chunk as it arrives. A body that breaks off is
/// `upload_incomplete`; either way a refused upload is dropped, which deletes its temporary file.
async fn receive(mut upload: Upload, mut body: Body) -> Result<Upload, AppError> {
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            AppError::new(
                Code::UploadIncomplete,
                format!("the upload broke off after {} bytes: {error}", upload.bytes()),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            upload.write(&data).await?;
        }
    }
    Ok(upload)
}

async fn put_file(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<axum::Json<Value>> {
    let upload = state.app.begin_video_upload(auth.actor(), id, declared_bytes(&headers)).await?;
    let upload = receive(upload, body).await?;
    let video = state.app.attach_video_file(&auth.0, id, upload).await?;
    Ok(axum::Json(json!({
        "id": video.id,
        "sha256": video.file_sha256,
        "bytes": video.file_bytes,
        "type": video.file_type,
    })))
}

async fn put_cover(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<axum::Json<Value>> {
    let upload = state.app.begin_cover_upload(auth.actor(), id, declared_bytes(&headers)).await?;
    let upload = receive(upload, body).await?;
    let received = upload.bytes();
    let video = state.app.attach_cover(&auth.0, id, upload).await?;
    Ok(axum::Json(json!({
        "id": video.id,
        "sha256": video.cover_sha256,
        "bytes": received,
        "content_type": video.cover_type,
    })))
}

async fn get_cover(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> ApiResult<Response> {
    let (content_type, bytes) = state.app.cover(auth.actor(), id).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type =
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

async fn post_submit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(video_json(&state.app.submit_video(&auth.0, id).await?)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    #[serde(default)]
    comment: String,
}

/// A JSON body that may also be left out entirely.
fn optional_json<T: serde::de::DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<T> {
    if body.is_empty() { Ok(T::default()) } else { parse_json(headers, body) }
}

async fn post_approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::Json<Value>> {
    let body: CommentBody = optional_json(&headers, &body)?;
    Ok(axum::Json(video_json(&state.app.approve_video(&auth.0, id, &body.comment).await?)))
}

async fn post_send_back(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<CommentBody>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(video_json(&state.app.send_back_video(&auth.0, id, &body.comment).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    publish_at: String,
}

async fn post_schedule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<ScheduleBody>,
) -> ApiResult<axum::Json<Value>> {
    let publish_at = DateTime::parse_from_rfc3339(body.publish_at.trim()).map_err(|_| {
        ApiError::new(Code::InvalidDate, format!("publish_at {:?} is not an RFC 3339 time", body.publish_at))
    })?;
    Ok(axum::Json(video_json(&state.app.schedule_video(&auth.0, id, publish_at.to_utc()).await?)))
}

async fn post_publish(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(video_json(&state.app.publish_video(&auth.0, id).await?)))
}

async fn post_withdraw(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(video_json(&state.app.withdraw_video(&auth.0, id).await?)))
}

async fn post_pin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(video_json(&state.app.pin_video(&auth.0, id).await?)))
}

async fn post_unpin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(video_json(&state.app.unpin_video(&auth.0, id).await?)))
}

async fn get_cadence(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(cadence_json(&state.app.cadence(auth.actor(), account_id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CadenceBody {
    videos_per_week: i64,
}

async fn put_cadence(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Json(body): Json<CadenceBody>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(cadence_json(&state.app.set_cadence(&auth.0, account_id, body.videos_per_week).await?)))
}

#[derive(Deserialize)]
struct CalendarQuery {
    month: Option<String>,
}

async fn get_calendar(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<CalendarQuery>,
) -> ApiResult<axum::Json<Value>> {
    let month = match query.month {
        Some(month) => month,
        None => app::clock::china_date(state.app.clock().now()).format("%Y-%m").to_string(),
    };
    Ok(axum::Json(calendar_json(&state.app.publishing_calendar(auth.actor(), account_id, &month).await?)))
}
