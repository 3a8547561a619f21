//! Videos of enterprise accounts (drafts, streamed file and cover uploads, approval, scheduling,
//! publishing, withdrawal, pins) and the publishing rhythm (cadence and month calendar).

use app::uploads::Upload;
use app::videos::{CadenceView, PublishingDay, PublishingMonth, VideoInput, VideoRow, tags_of};
use app::{AppError, Code};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use http_body_util::BodyExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::calendar::CalendarDayBody;
use super::{ANY_ROLE, Answer, MERCHANT, Page, china_time, page};
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
                .request::<VideoDraft>()
                .answer::<VideoBody>()
                .body(video),
            create_video,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/videos",
            Doc::new("videos", "An account's videos, newest first (status, limit, cursor)")
                .roles(ANY_ROLE)
                .answer::<Page<VideoBody>>().query::<VideosQuery>(),
            list_account_videos,
        )
        .add(
            Method::Get,
            "/api/v1/videos",
            Doc::new("videos", "The merchant's videos, newest first (account_id, status, limit, cursor): status=in_review is the approval queue")
                .roles(ANY_ROLE)
                .answer::<Page<VideoBody>>().query::<VideosQuery>(),
            list_videos,
        )
        .add(Method::Get, "/api/v1/videos/{id}", Doc::new("videos", "One video").roles(ANY_ROLE).answer::<VideoBody>(), get_video)
        .add(
            Method::Put,
            "/api/v1/videos/{id}",
            Doc::new("videos", "Rewrite a draft's title, description, tags and external address")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .request::<VideoDraft>()
                .answer::<VideoBody>()
                .body(video),
            put_video,
        )
        .add(
            Method::Put,
            "/api/v1/videos/{id}/file",
            Doc::new("videos", "Upload a draft's video file as the raw body (MP4 or MOV by content, streamed to disk, at most the configured size, 2 GiB by default)")
                    .roles(MERCHANT)
                    .team_rights(EDIT)
                    .answer::<VideoFileUploadBody>().raw_request(&["video/mp4", "video/quicktime"]),
            put_file,
        )
        .add(
            Method::Put,
            "/api/v1/videos/{id}/cover",
            Doc::new("videos", "Upload a draft's cover image as the raw body (JPEG or PNG by content, ≤ 5 MiB)")
                    .roles(MERCHANT)
                    .team_rights(EDIT)
                    .answer::<VideoCoverUploadBody>().raw_request(&["image/jpeg", "image/png"]),
            put_cover,
        )
        .add(
            Method::Get,
            "/api/v1/videos/{id}/cover",
            Doc::new("videos", "A video's cover image").roles(ANY_ROLE).file(&["image/jpeg", "image/png"]),
            get_cover,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/submit",
            Doc::new("videos", "Submit a draft for approval (needs a file or an external address)")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .no_request()
                .answer::<VideoBody>(),
            post_submit,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/approve",
            Doc::new("videos", "Approve a submitted video (body optional)")
                .roles(MERCHANT)
                .team_rights(APPROVE)
                .request::<VideoComment>()
                .answer::<VideoBody>()
                .body(r#"{"comment":"可以发布"}"#),
            post_approve,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/send-back",
            Doc::new("videos", "Send a submitted video back to its draft, saying why")
                .roles(MERCHANT)
                .team_rights(APPROVE)
                .request::<VideoComment>()
                .answer::<VideoBody>()
                .body(r#"{"comment":"封面请换成竖版"}"#),
            post_send_back,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/schedule",
            Doc::new("videos", "Schedule (or move) an approved video: a job publishes it at exactly publish_at")
                .roles(MERCHANT)
                .team_rights(PUBLISH)
                .request::<VideoSchedule>()
                .answer::<VideoBody>()
                .body(r#"{"publish_at":"2026-02-10T20:00:00+08:00"}"#),
            post_schedule,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/publish",
            Doc::new("videos", "Publish an approved or scheduled video now")
                .roles(MERCHANT)
                .team_rights(PUBLISH)
                .no_request()
                .answer::<VideoBody>(),
            post_publish,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/withdraw",
            Doc::new("videos", "Withdraw an approved, scheduled or published video for good")
                .roles(MERCHANT)
                .team_rights(PUBLISH)
                .no_request()
                .answer::<VideoBody>(),
            post_withdraw,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/pin",
            Doc::new("videos", "Pin a published video (verified accounts, at most 3)")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .no_request()
                .answer::<VideoBody>(),
            post_pin,
        )
        .add(
            Method::Post,
            "/api/v1/videos/{id}/unpin",
            Doc::new("videos", "Unpin a video").roles(MERCHANT).team_rights(EDIT).no_request().answer::<VideoBody>(),
            post_unpin,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/cadence",
            Doc::new("videos", "The account's weekly publishing target and where it stands")
                .roles(ANY_ROLE)
                .answer::<VideoCadenceBody>(),
            get_cadence,
        )
        .add(
            Method::Put,
            "/api/v1/enterprise-accounts/{id}/cadence",
            Doc::new("videos", "Set the weekly publishing target (0 removes it); checked daily")
                .roles(MERCHANT)
                .team_rights(EDIT)
                .request::<VideoCadenceTarget>()
                .answer::<VideoCadenceBody>()
                .body(r#"{"videos_per_week":3}"#),
            put_cadence,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/calendar",
            Doc::new("videos", "A month (month=YYYY-MM) of videos by day, statutory holidays and shopping festivals")
                .roles(ANY_ROLE)
                .answer::<PublishingCalendarBody>().query::<PublishingCalendarQuery>(),
            get_calendar,
        )
}

/// A video of an enterprise account.
#[derive(Serialize, JsonSchema)]
struct VideoBody {
    id: i64,
    account_id: i64,
    merchant_id: i64,
    title: String,
    description: String,
    /// Tags without their `#`.
    tags: Vec<String>,
    status: &'static str,
    /// The uploaded file, once there is one.
    file: Option<VideoFileBody>,
    external_url: Option<String>,
    /// The uploaded cover, once there is one.
    cover: Option<VideoCoverBody>,
    created_by: String,
    submitted_by: Option<String>,
    submitted_at: Option<String>,
    /// The latest approval decision.
    decision: Option<VideoDecisionBody>,
    publish_at: Option<String>,
    published_at: Option<String>,
    published_by: Option<String>,
    withdrawn_at: Option<String>,
    pinned: bool,
    pinned_at: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// A video's uploaded file.
#[derive(Serialize, JsonSchema)]
struct VideoFileBody {
    sha256: String,
    bytes: Option<i64>,
    /// `mp4` or `mov`.
    #[serde(rename = "type")]
    file_type: Option<String>,
    content_type: Option<&'static str>,
}

/// A video's uploaded cover image.
#[derive(Serialize, JsonSchema)]
struct VideoCoverBody {
    sha256: String,
    content_type: Option<String>,
    /// Where to read the image.
    url: String,
}

/// An approval decision on a video.
#[derive(Serialize, JsonSchema)]
struct VideoDecisionBody {
    outcome: String,
    comment: Option<String>,
    by: Option<String>,
    at: Option<String>,
}

impl From<&VideoRow> for VideoBody {
    fn from(v: &VideoRow) -> VideoBody {
        VideoBody {
            id: v.id,
            account_id: v.account_id,
            merchant_id: v.merchant_id,
            title: v.title.clone(),
            description: v.description.clone(),
            tags: tags_of(v).into_iter().map(str::to_owned).collect(),
            status: v.status.as_str(),
            file: VideoFileBody::of(v),
            external_url: v.external_url.clone(),
            cover: VideoCoverBody::of(v),
            created_by: v.created_by.clone(),
            submitted_by: v.submitted_by.clone(),
            submitted_at: v.submitted_at_ms.and_then(china_time),
            decision: VideoDecisionBody::of(v),
            publish_at: v.publish_at_ms.and_then(china_time),
            published_at: v.published_at_ms.and_then(china_time),
            published_by: v.published_by.clone(),
            withdrawn_at: v.withdrawn_at_ms.and_then(china_time),
            pinned: v.pinned_at_ms.is_some(),
            pinned_at: v.pinned_at_ms.and_then(china_time),
            created_at: china_time(v.created_at_ms),
            updated_at: china_time(v.updated_at_ms),
        }
    }
}

impl VideoFileBody {
    fn of(v: &VideoRow) -> Option<VideoFileBody> {
        let file_type = v.file_type.as_deref().and_then(domain::videos::VideoFileType::parse);
        v.file_sha256.as_ref().map(|sha256| VideoFileBody {
            sha256: sha256.clone(),
            bytes: v.file_bytes,
            file_type: v.file_type.clone(),
            content_type: file_type.map(|t| t.content_type()),
        })
    }
}

impl VideoCoverBody {
    fn of(v: &VideoRow) -> Option<VideoCoverBody> {
        v.cover_sha256.as_ref().map(|sha256| VideoCoverBody {
            sha256: sha256.clone(),
            content_type: v.cover_type.clone(),
            url: format!("/api/v1/videos/{}/cover", v.id),
        })
    }
}

impl VideoDecisionBody {
    fn of(v: &VideoRow) -> Option<VideoDecisionBody> {
        v.decision_outcome.as_ref().map(|outcome| VideoDecisionBody {
            outcome: outcome.clone(),
            comment: v.decision_comment.clone(),
            by: v.decided_by.clone(),
            at: v.decided_at_ms.and_then(china_time),
        })
    }
}

/// An account's weekly publishing target and where it stands.
#[derive(Serialize, JsonSchema)]
struct VideoCadenceBody {
    account_id: i64,
    /// 0: no target.
    videos_per_week: i64,
    published_last_7_days: i64,
    /// Videos scheduled within the next `lookahead_days` days.
    scheduled_ahead: i64,
    lookahead_days: i64,
    behind: bool,
    nothing_scheduled: bool,
    /// When the daily check runs next; null without a target.
    next_check_at: Option<String>,
}

impl From<&CadenceView> for VideoCadenceBody {
    fn from(c: &CadenceView) -> VideoCadenceBody {
        VideoCadenceBody {
            account_id: c.account_id,
            videos_per_week: c.videos_per_week,
            published_last_7_days: c.published_last_7_days,
            scheduled_ahead: c.scheduled_ahead,
            lookahead_days: c.lookahead_days,
            behind: c.status.behind,
            nothing_scheduled: c.status.nothing_scheduled,
            next_check_at: c.next_check_at_ms.and_then(china_time),
        }
    }
}

/// A month of an account's publishing calendar.
#[derive(Serialize, JsonSchema)]
struct PublishingCalendarBody {
    account_id: i64,
    /// `YYYY-MM`.
    month: String,
    cadence: VideoCadenceBody,
    days: Vec<PublishingDayBody>,
}

/// One day of the publishing calendar: the working-day calendar's day, its festivals and videos.
#[derive(Serialize, JsonSchema)]
struct PublishingDayBody {
    #[serde(flatten)]
    day: CalendarDayBody,
    festivals: Vec<PublishingFestivalBody>,
    /// Videos published that day, or scheduled for it, by time.
    videos: Vec<PublishingVideoBody>,
}

/// A shopping festival on a day of the publishing calendar.
#[derive(Serialize, JsonSchema)]
struct PublishingFestivalBody {
    name: String,
    name_en: String,
    /// Whether this is the festival's first day.
    first_day: bool,
}

/// A video on a day of the publishing calendar.
#[derive(Serialize, JsonSchema)]
struct PublishingVideoBody {
    id: i64,
    title: String,
    status: &'static str,
    /// When it was published, or is scheduled to be.
    at: Option<String>,
    pinned: bool,
}

impl From<&PublishingMonth> for PublishingCalendarBody {
    fn from(month: &PublishingMonth) -> PublishingCalendarBody {
        PublishingCalendarBody {
            account_id: month.account_id,
            month: month.first_day.format("%Y-%m").to_string(),
            cadence: VideoCadenceBody::from(&month.cadence),
            days: month.days.iter().map(PublishingDayBody::from).collect(),
        }
    }
}

impl From<&PublishingDay> for PublishingDayBody {
    fn from(day: &PublishingDay) -> PublishingDayBody {
        let festivals = day
            .festivals
            .iter()
            .map(|f| PublishingFestivalBody {
                name: f.name_zh.clone(),
                name_en: f.name_en.clone(),
                first_day: f.first_day,
            })
            .collect();
        PublishingDayBody {
            day: CalendarDayBody::from(&day.day),
            festivals,
            videos: day.videos.iter().map(PublishingVideoBody::from).collect(),
        }
    }
}

impl From<&VideoRow> for PublishingVideoBody {
    fn from(v: &VideoRow) -> PublishingVideoBody {
        PublishingVideoBody {
            id: v.id,
            title: v.title.clone(),
            status: v.status.as_str(),
            at: v.published_at_ms.or(v.publish_at_ms).and_then(china_time),
            pinned: v.pinned_at_ms.is_some(),
        }
    }
}

/// A draft's title, description, tags and external address.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct VideoDraft {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    external_url: Option<String>,
}

impl VideoDraft {
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
    Json(body): Json<VideoDraft>,
) -> ApiResult<(StatusCode, Json<VideoBody>)> {
    let video = state.app.create_video(&auth.0, account_id, &body.input()).await?;
    Ok((StatusCode::CREATED, Json(VideoBody::from(&video))))
}

async fn put_video(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<VideoDraft>,
) -> Answer<VideoBody> {
    Ok(Json(VideoBody::from(&state.app.update_video(&auth.0, id, &body.input()).await?)))
}

/// Which videos to list, and the page.
#[derive(Deserialize, JsonSchema)]
struct VideosQuery {
    account_id: Option<i64>,
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<i64>,
}

async fn list(
    state: &AppState,
    auth: &Auth,
    account_id: Option<i64>,
    query: VideosQuery,
) -> Answer<Page<VideoBody>> {
    let list = state
        .app
        .videos(auth.actor(), account_id, query.status.as_deref(), query.limit, query.cursor)
        .await?;
    Ok(page(&list))
}

async fn list_videos(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<VideosQuery>,
) -> Answer<Page<VideoBody>> {
    let account_id = query.account_id;
    list(&state, &auth, account_id, query).await
}

async fn list_account_videos(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<VideosQuery>,
) -> Answer<Page<VideoBody>> {
    list(&state, &auth, Some(account_id), query).await
}

async fn get_video(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<VideoBody> {
    Ok(Json(VideoBody::from(&state.app.video(auth.actor(), id).await?)))
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

/// The video file just stored.
#[derive(Serialize, JsonSchema)]
struct VideoFileUploadBody {
    /// The video's id.
    id: i64,
    sha256: Option<String>,
    bytes: Option<i64>,
    /// `mp4` or `mov`.
    #[serde(rename = "type")]
    file_type: Option<String>,
}

async fn put_file(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> Answer<VideoFileUploadBody> {
    let upload = state.app.begin_video_upload(auth.actor(), id, declared_bytes(&headers)).await?;
    let upload = receive(upload, body).await?;
    let video = state.app.attach_video_file(&auth.0, id, upload).await?;
    Ok(Json(VideoFileUploadBody {
        id: video.id,
        sha256: video.file_sha256,
        bytes: video.file_bytes,
        file_type: video.file_type,
    }))
}

/// The cover image just stored.
#[derive(Serialize, JsonSchema)]
struct VideoCoverUploadBody {
    /// The video's id.
    id: i64,
    sha256: Option<String>,
    bytes: u64,
    content_type: Option<String>,
}

async fn put_cover(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> Answer<VideoCoverUploadBody> {
    let upload = state.app.begin_cover_upload(auth.actor(), id, declared_bytes(&headers)).await?;
    let upload = receive(upload, body).await?;
    let received = upload.bytes();
    let video = state.app.attach_cover(&auth.0, id, upload).await?;
    Ok(Json(VideoCoverUploadBody {
        id: video.id,
        sha256: video.cover_sha256,
        bytes: received,
        content_type: video.cover_type,
    }))
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

async fn post_submit(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<VideoBody> {
    Ok(Json(VideoBody::from(&state.app.submit_video(&auth.0, id).await?)))
}

/// A comment on an approval decision.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct VideoComment {
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
) -> Answer<VideoBody> {
    let body: VideoComment = optional_json(&headers, &body)?;
    Ok(Json(VideoBody::from(&state.app.approve_video(&auth.0, id, &body.comment).await?)))
}

async fn post_send_back(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<VideoComment>,
) -> Answer<VideoBody> {
    Ok(Json(VideoBody::from(&state.app.send_back_video(&auth.0, id, &body.comment).await?)))
}

/// When to publish (RFC 3339).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct VideoSchedule {
    publish_at: String,
}

async fn post_schedule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<VideoSchedule>,
) -> Answer<VideoBody> {
    let publish_at = DateTime::parse_from_rfc3339(body.publish_at.trim()).map_err(|_| {
        ApiError::new(Code::InvalidDate, format!("publish_at {:?} is not an RFC 3339 time", body.publish_at))
    })?;
    Ok(Json(VideoBody::from(&state.app.schedule_video(&auth.0, id, publish_at.to_utc()).await?)))
}

async fn post_publish(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<VideoBody> {
    Ok(Json(VideoBody::from(&state.app.publish_video(&auth.0, id).await?)))
}

async fn post_withdraw(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<VideoBody> {
    Ok(Json(VideoBody::from(&state.app.withdraw_video(&auth.0, id).await?)))
}

async fn post_pin(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<VideoBody> {
    Ok(Json(VideoBody::from(&state.app.pin_video(&auth.0, id).await?)))
}

async fn post_unpin(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Answer<VideoBody> {
    Ok(Json(VideoBody::from(&state.app.unpin_video(&auth.0, id).await?)))
}

async fn get_cadence(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
) -> Answer<VideoCadenceBody> {
    Ok(Json(VideoCadenceBody::from(&state.app.cadence(auth.actor(), account_id).await?)))
}

/// The weekly publishing target.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct VideoCadenceTarget {
    videos_per_week: i64,
}

async fn put_cadence(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Json(body): Json<VideoCadenceTarget>,
) -> Answer<VideoCadenceBody> {
    Ok(Json(VideoCadenceBody::from(&state.app.set_cadence(&auth.0, account_id, body.videos_per_week).await?)))
}

/// The month of the publishing calendar (`YYYY-MM`, this month when left out).
#[derive(Deserialize, JsonSchema)]
struct PublishingCalendarQuery {
    month: Option<String>,
}

async fn get_calendar(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<PublishingCalendarQuery>,
) -> Answer<PublishingCalendarBody> {
    let month = match query.month {
        Some(month) => month,
        None => app::clock::china_date(state.app.clock().now()).format("%Y-%m").to_string(),
    };
    Ok(Json(PublishingCalendarBody::from(
        &state.app.publishing_calendar(auth.actor(), account_id, &month).await?,
    )))
}
