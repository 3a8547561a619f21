//! problem+json responses: the HTTP status of every error code, and the conversion of app errors,
//! extractor rejections and bare error responses of lower layers into one shape.

use app::{AppError, Code};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The HTTP status of each code. The match is exhaustive: a new code does not compile without one.
pub fn status_of(code: Code) -> StatusCode {
    match code {
        Code::InvalidKeyword | Code::InvalidReputationSettings | Code::AssigneeNotMember => {
            StatusCode::BAD_REQUEST
        }
        Code::IncidentResolved | Code::IncidentViolationExists => StatusCode::CONFLICT,
        Code::MalformedJson | Code::InvalidField | Code::InvalidDate => StatusCode::BAD_REQUEST,
        Code::InvalidUsername | Code::WeakPassword | Code::UnknownRole => StatusCode::BAD_REQUEST,
        Code::MerchantRequired | Code::InvalidCalendarNotice => StatusCode::BAD_REQUEST,
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::Unauthorized | Code::InvalidCredentials => StatusCode::UNAUTHORIZED,
        Code::TooManyLoginAttempts | Code::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        Code::ServerBusy => StatusCode::SERVICE_UNAVAILABLE,
        Code::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        Code::WebhookTargetNotPublic => StatusCode::BAD_REQUEST,
        Code::EntityHeldElsewhere => StatusCode::CONFLICT,
        Code::StorageQuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        Code::Forbidden | Code::CsrfFailed => StatusCode::FORBIDDEN,
        Code::ClockNotManual | Code::UsernameTaken => StatusCode::CONFLICT,
        Code::InvalidAmount | Code::IdempotencyKeyRequired | Code::UnknownCategory => StatusCode::BAD_REQUEST,
        Code::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        Code::InsufficientFunds | Code::AppealWindowClosed | Code::NotAppealable | Code::AlreadyDecided => {
            StatusCode::CONFLICT
        }
        Code::InvalidUscc | Code::InvalidResidentId | Code::InvalidPhone | Code::InvalidEmail => {
            StatusCode::BAD_REQUEST
        }
        Code::UnknownIndustry | Code::IndustryNotAdmitted => StatusCode::BAD_REQUEST,
        Code::DocumentTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::UnsupportedDocumentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::VerificationIncomplete | Code::VerificationCooldown | Code::VerificationInProgress => {
            StatusCode::CONFLICT
        }
        Code::VerificationStatusConflict | Code::VerificationLocked => StatusCode::CONFLICT,
        Code::VerificationClaimed => StatusCode::CONFLICT,
        Code::UsccAccountLimit | Code::FeeAlreadyPaid => StatusCode::CONFLICT,
        Code::StatusConflict | Code::ShopNotOperating | Code::ShopNotAcceptingOrders => StatusCode::CONFLICT,
        Code::PayoutAccountMissing | Code::ClosureBlocked | Code::ForfeitNotAllowed => StatusCode::CONFLICT,
        Code::ReopenCooldown | Code::PayoutReportConflict => StatusCode::CONFLICT,
        Code::InvalidSettlementFile => StatusCode::BAD_REQUEST,
        Code::PayoutHolderMismatch | Code::ClosureReasonIncomplete | Code::ConfirmNameMismatch => {
            StatusCode::BAD_REQUEST
        }
        Code::UnknownTeamRole | Code::UploadIncomplete | Code::InvalidPublishTime => StatusCode::BAD_REQUEST,
        Code::LastOwner | Code::VideoStatusConflict | Code::VideoIncomplete => StatusCode::CONFLICT,
        Code::AccountNotVerified | Code::PinLimitReached => StatusCode::CONFLICT,
        Code::VideoTooLarge | Code::CoverTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::UnsupportedVideoType | Code::UnsupportedCoverType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::CommentHidden | Code::CommentIsReply | Code::NoSentimentExamples => StatusCode::CONFLICT,
        Code::CommentBatchTooLarge | Code::EventBatchTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::NotReady => StatusCode::SERVICE_UNAVAILABLE,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The error type of every handler.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl ApiError {
    pub fn new(code: Code, detail: impl Into<String>) -> ApiError {
        ApiError(AppError::new(code, detail))
    }
}

pub fn problem(code: Code, detail: &str) -> Response {
    problem_with(code, detail, json!({}))
}

/// A problem with extra members beside the standard ones (the failing checks of a closure).
pub fn problem_with(code: Code, detail: &str, extra: serde_json::Value) -> Response {
    let status = status_of(code);
    let mut body = json!({
        "type": format!("/docs/errors#{}", code.as_str()),
        "title": code.title_en(),
        "title_zh": code.title_zh(),
        "status": status.as_u16(),
        "code": code.as_str(),
        "detail": detail,
    });
    if let (Some(body), serde_json::Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem(self.0.code, &self.0.detail)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
