//! Comments on enterprise accounts' videos: NDJSON batches from the platform, one comment from
//! the platform, the account's inbox and statistics, replies, hiding and pinning, and the team's
//! sentiment corrections.

use app::comments::{BatchOutcome, CommentQuery, CommentRow, CommentStats};
use app::{AppError, Code};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use domain::limits::COMMENT_BATCH_BYTES_MAX;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ANY_ROLE, Answer, MERCHANT, Page, SERVICE, china_time, page};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};

const REPLY: &[&str] = &["reply"];

pub fn add(routes: Routes) -> Routes {
    let line = r#"{"video_id":1,"comment_id":"7301","author_id":"u-88","text":"多少钱？","created_at":"2026-03-02T10:00:00+08:00","parent_id":null}"#;
    routes
        .add_with_limit(
            Method::Post,
            "/api/v1/comments:batch",
            Doc::new("comments", "Ingest comments from the platform: an NDJSON body (Content-Type: application/x-ndjson), one comment a line, at most 20,000 lines; refused lines are listed by 1-based number and code, the rest stored; a repeated comment_id counts as accepted and as a duplicate, stored once")
                .roles(SERVICE)
                .ndjson::<CommentLine>()
                .answer::<CommentBatchBody>()
                .body(line),
            post_batch,
            COMMENT_BATCH_BYTES_MAX,
        )
        .add(
            Method::Post,
            "/api/v1/comments",
            Doc::new("comments", "Ingest one comment from the platform (201 when stored, 200 when its comment_id was already stored)")
                .roles(SERVICE)
                .status(201)
                .request::<CommentLine>()
                .answer::<CommentBatchBody>()
                .also::<CommentBatchBody>(200)
                .body(line),
            post_comment,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/comments",
            Doc::new("comments", "The account's comment inbox, newest first (unanswered=true, video_id, q keyword, sentiment positive|neutral|negative, limit, cursor)")
                .roles(ANY_ROLE)
                .answer::<Page<AccountCommentBody>>().query::<CommentsQuery>(),
            list_comments,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/comments/stats",
            Doc::new("comments", "Comments awaiting a reply, and first-response median and p90 in working hours (09:00-18:00 China time on working days) over comments answered in the last `days` days (default 30)")
                .roles(ANY_ROLE)
                .answer::<CommentStatsBody>().query::<CommentStatsQuery>(),
            get_stats,
        )
        .add(Method::Get, "/api/v1/comments/{id}", Doc::new("comments", "One comment").roles(ANY_ROLE).answer::<AccountCommentBody>(), get_comment)
        .add(
            Method::Post,
            "/api/v1/comments/{id}/replies",
            Doc::new("comments", "Reply as the account (a reply to a reply too); the first reply marks a comment answered")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .status(201)
                .request::<CommentReplyRequest>()
                .answer::<AccountCommentBody>()
                .body(r#"{"text":"感谢关注，链接在橱窗第一个"}"#),
            post_reply,
        )
        .add(
            Method::Post,
            "/api/v1/comments/{id}/hide",
            Doc::new("comments", "Hide a comment (unpins it; it no longer awaits a reply)")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .no_request()
                .answer::<AccountCommentBody>(),
            post_hide,
        )
        .add(
            Method::Post,
            "/api/v1/comments/{id}/unhide",
            Doc::new("comments", "Show a hidden comment again")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .no_request()
                .answer::<AccountCommentBody>(),
            post_unhide,
        )
        .add(
            Method::Post,
            "/api/v1/comments/{id}/pin",
            Doc::new("comments", "Pin a comment on its video: one per video, pinning another replaces it")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .no_request()
                .answer::<AccountCommentBody>(),
            post_pin,
        )
        .add(
            Method::Post,
            "/api/v1/comments/{id}/unpin",
            Doc::new("comments", "Unpin a comment")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .no_request()
                .answer::<AccountCommentBody>(),
            post_unpin,
        )
        .add(
            Method::Put,
            "/api/v1/comments/{id}/sentiment",
            Doc::new("comments", "Correct a comment's sentiment (positive, neutral or negative): the label changes at once (score 1, 0.5 or 0), the correction is kept with who and when and feeds `xiaodian sentiment adapt`")
                .roles(MERCHANT)
                .team_rights(REPLY)
                .request::<SentimentCorrection>()
                .answer::<AccountCommentBody>()
                .body(r#"{"label":"negative"}"#),
            put_sentiment,
        )
}

/// A comment on one of an enterprise account's videos, or the account's reply to one.
#[derive(Serialize, JsonSchema)]
pub(crate) struct AccountCommentBody {
    id: i64,
    account_id: i64,
    merchant_id: i64,
    video_id: i64,
    /// The platform's id of the comment.
    comment_id: String,
    /// The platform's id of the comment this one answers.
    parent_id: Option<String>,
    author_id: String,
    /// Whether the account's staff wrote it.
    by_account: bool,
    replied_by: Option<String>,
    text: String,
    created_at: Option<String>,
    received_at: Option<String>,
    awaiting_reply: bool,
    answered_at: Option<String>,
    hidden: bool,
    hidden_at: Option<String>,
    pinned: bool,
    pinned_at: Option<String>,
    /// `positive`, `neutral` or `negative`.
    sentiment: Option<String>,
    sentiment_score: Option<f64>,
    sentiment_corrected: bool,
    sentiment_corrected_by: Option<String>,
    sentiment_corrected_at: Option<String>,
    sentiment_version: Option<i64>,
}

impl From<&CommentRow> for AccountCommentBody {
    fn from(c: &CommentRow) -> AccountCommentBody {
        AccountCommentBody {
            id: c.id,
            account_id: c.account_id,
            merchant_id: c.merchant_id,
            video_id: c.video_id,
            comment_id: c.external_id.clone(),
            parent_id: c.parent_external_id.clone(),
            author_id: c.author_id.clone(),
            by_account: c.by_account == 1,
            replied_by: c.replied_by.clone(),
            text: c.text.clone(),
            created_at: china_time(c.created_at_ms),
            received_at: china_time(c.received_at_ms),
            awaiting_reply: c.awaits_reply(),
            answered_at: c.answered_at_ms.and_then(china_time),
            hidden: c.hidden_at_ms.is_some(),
            hidden_at: c.hidden_at_ms.and_then(china_time),
            pinned: c.pinned_at_ms.is_some(),
            pinned_at: c.pinned_at_ms.and_then(china_time),
            sentiment: c.sentiment.clone(),
            sentiment_score: c.sentiment_score,
            sentiment_corrected: c.sentiment_corrected_by.is_some(),
            sentiment_corrected_by: c.sentiment_corrected_by.clone(),
            sentiment_corrected_at: c.sentiment_corrected_at_ms.and_then(china_time),
            sentiment_version: c.sentiment_version,
        }
    }
}

/// One comment line of a batch as the platform sends it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // describes the line for the document; the app parses it
struct CommentLine {
    video_id: i64,
    comment_id: String,
    author_id: String,
    text: String,
    /// RFC 3339.
    created_at: String,
    /// The platform's id of the comment this one answers.
    #[serde(default)]
    parent_id: Option<String>,
}

/// What a comment batch did: `accepted` counts every valid line, `stored` those new.
#[derive(Serialize, JsonSchema)]
struct CommentBatchBody {
    lines: usize,
    accepted: usize,
    duplicates: usize,
    stored: usize,
    auto_replies: usize,
    leads: usize,
    rejected_count: usize,
    /// The first refused lines, by line number.
    rejected: Vec<super::LineRejection>,
}

impl From<&BatchOutcome> for CommentBatchBody {
    fn from(outcome: &BatchOutcome) -> CommentBatchBody {
        let rejected =
            outcome.rejected.iter().map(|r| super::LineRejection { line: r.line, code: r.code.as_str() });
        CommentBatchBody {
            lines: outcome.lines,
            accepted: outcome.accepted,
            duplicates: outcome.duplicates,
            stored: outcome.stored(),
            auto_replies: outcome.auto_replies,
            leads: outcome.leads,
            rejected_count: outcome.rejected_count,
            rejected: rejected.collect(),
        }
    }
}

/// An account's comments awaiting a reply and its first-response times in working hours.
#[derive(Serialize, JsonSchema)]
struct CommentStatsBody {
    account_id: i64,
    comments: i64,
    unanswered: i64,
    days: i64,
    /// `HH:00-HH:00` China time.
    working_hours: String,
    first_response: CommentFirstResponseBody,
}

/// First-response times of the comments answered in the period (none without answers).
#[derive(Serialize, JsonSchema)]
struct CommentFirstResponseBody {
    answered: usize,
    median_working_ms: Option<i64>,
    p90_working_ms: Option<i64>,
    median_working_hours: Option<f64>,
    p90_working_hours: Option<f64>,
}

impl From<&CommentStats> for CommentStatsBody {
    fn from(s: &CommentStats) -> CommentStatsBody {
        let hours = |ms: Option<i64>| ms.map(|ms| (ms as f64 / 36_000.0).round() / 100.0);
        let times = &s.first_response;
        CommentStatsBody {
            account_id: s.account_id,
            comments: s.counts.comments,
            unanswered: s.counts.unanswered,
            days: s.days,
            working_hours: format!("{:02}:00-{:02}:00", s.working_hours.0, s.working_hours.1),
            first_response: CommentFirstResponseBody {
                answered: times.count,
                median_working_ms: times.median_ms,
                p90_working_ms: times.p90_ms,
                median_working_hours: hours(times.median_ms),
                p90_working_hours: hours(times.p90_ms),
            },
        }
    }
}

/// The body of an NDJSON batch: `Content-Type: application/x-ndjson` (or `application/jsonl`) and
/// the bytes within the route's limit.
pub(crate) fn ndjson_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !(content_type.starts_with("application/x-ndjson") || content_type.starts_with("application/jsonl")) {
        return Err(ApiError::new(Code::UnsupportedMediaType, "send Content-Type: application/x-ndjson"));
    }
    body_bytes(body)
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Code::PayloadTooLarge
        } else {
            Code::MalformedJson
        };
        ApiError::new(code, rejection.body_text())
    })
}

async fn post_batch(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer<CommentBatchBody> {
    auth.actor().require(&[domain::auth::Role::Service])?;
    let body = ndjson_body(&headers, body)?;
    let outcome = state.app.ingest_comments(&auth.0, &body).await?;
    Ok(Json(CommentBatchBody::from(&outcome)))
}

/// 201 when the comment is stored now, 200 when its comment_id was already stored.
async fn post_comment(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<Value>,
) -> ApiResult<(StatusCode, Json<CommentBatchBody>)> {
    auth.actor().require(&[domain::auth::Role::Service])?;
    // One compact line: the batch's rules and codes apply to it unchanged.
    let line = serde_json::to_vec(&body).map_err(|error| AppError::internal(&error))?;
    let outcome = state.app.ingest_comments(&auth.0, &line).await?;
    if let Some(rejected) = outcome.rejected.first() {
        return Err(ApiError::new(
            Code::InvalidField,
            format!("the comment is refused: {}", rejected.code.as_str()),
        ));
    }
    let status = if outcome.duplicates == 0 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(CommentBatchBody::from(&outcome))))
}

#[derive(Deserialize, JsonSchema)]
struct CommentsQuery {
    #[serde(default)]
    unanswered: bool,
    video_id: Option<i64>,
    q: Option<String>,
    sentiment: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_comments(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<CommentsQuery>,
) -> Answer<Page<AccountCommentBody>> {
    let query = CommentQuery {
        video_id: query.video_id,
        unanswered: query.unanswered,
        keyword: query.q,
        sentiment: query.sentiment,
        limit: query.limit,
        cursor: query.cursor,
    };
    let list = state.app.comments(auth.actor(), account_id, &query).await?;
    Ok(page(&list))
}

#[derive(Deserialize, JsonSchema)]
struct CommentStatsQuery {
    days: Option<i64>,
}

async fn get_stats(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<i64>,
    Query(query): Query<CommentStatsQuery>,
) -> Answer<CommentStatsBody> {
    let stats = state.app.comment_stats(auth.actor(), account_id, query.days).await?;
    Ok(Json(CommentStatsBody::from(&stats)))
}

async fn get_comment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<AccountCommentBody> {
    Ok(Json(AccountCommentBody::from(&state.app.comment(auth.actor(), id).await?)))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CommentReplyRequest {
    text: String,
}

async fn post_reply(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<CommentReplyRequest>,
) -> ApiResult<(StatusCode, Json<AccountCommentBody>)> {
    let reply = state.app.reply_to_comment(&auth.0, id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(AccountCommentBody::from(&reply))))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SentimentCorrection {
    /// `positive`, `neutral` or `negative`.
    label: String,
}

async fn put_sentiment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(body): Json<SentimentCorrection>,
) -> Answer<AccountCommentBody> {
    Ok(Json(AccountCommentBody::from(&state.app.correct_sentiment(&auth.0, id, &body.label).await?)))
}

async fn post_hide(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<AccountCommentBody> {
    Ok(Json(AccountCommentBody::from(&state.app.hide_comment(&auth.0, id).await?)))
}

async fn post_unhide(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<AccountCommentBody> {
    Ok(Json(AccountCommentBody::from(&state.app.unhide_comment(&auth.0, id).await?)))
}

async fn post_pin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<AccountCommentBody> {
    Ok(Json(AccountCommentBody::from(&state.app.pin_comment(&auth.0, id).await?)))
}

async fn post_unpin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<AccountCommentBody> {
    Ok(Json(AccountCommentBody::from(&state.app.unpin_comment(&auth.0, id).await?)))
}
