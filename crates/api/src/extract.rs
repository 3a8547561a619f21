//! Extractors that turn requests into typed input or a problem+json error: JSON bodies, queries,
//! path parameters and the bearer token.

use app::{Actor, Code, Ctx};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;
use crate::request_id::RequestId;

/// A JSON body; every rejection becomes problem+json with a precise code.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// An answer as JSON; the type's schema is what the document shows for it.
impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let detail = rejection.body_text();
    let code = match &rejection {
        JsonRejection::JsonDataError(_) => Code::InvalidField,
        JsonRejection::JsonSyntaxError(_) => Code::MalformedJson,
        JsonRejection::MissingJsonContentType(_) => Code::UnsupportedMediaType,
        _ if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
        _ => Code::MalformedJson,
    };
    ApiError::new(code, detail)
}

/// Query parameters.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection: QueryRejection| ApiError::new(Code::InvalidField, rejection.body_text()))
    }
}

/// Path parameters; a malformed id reads as "not found", like an id that does not exist.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|rejection: PathRejection| ApiError::new(Code::NotFound, rejection.body_text()))
    }
}

/// The bearer token of the request, unchecked.
pub struct BearerToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header =
            parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|value| value.to_str().ok());
        let token =
            header.and_then(|value| value.strip_prefix("Bearer ")).map(str::trim).filter(|t| !t.is_empty());
        token
            .map(|token| BearerToken(token.to_owned()))
            .ok_or_else(|| ApiError::new(Code::Unauthorized, "send Authorization: Bearer TOKEN"))
    }
}

/// The authenticated caller and the request id: what every use case that changes state needs.
pub struct Auth(pub Ctx);

impl Auth {
    pub fn actor(&self) -> &Actor {
        &self.0.actor
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let BearerToken(token) = BearerToken::from_request_parts(parts, state).await?;
        let actor = state.app.authenticate(&token).await?;
        let request_id = parts.extensions.get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
        Ok(Auth(Ctx { actor, request_id }))
    }
}

/// Parses a JSON body taken as bytes (money-moving routes keep the bytes to fingerprint the
/// request for its idempotency key).
pub fn parse_json<T: DeserializeOwned>(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    let content_type =
        headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(ApiError::new(Code::UnsupportedMediaType, "send Content-Type: application/json"));
    }
    serde_json::from_slice(body).map_err(|error| {
        let code = if error.is_data() { Code::InvalidField } else { Code::MalformedJson };
        ApiError::new(code, error.to_string())
    })
}

/// A money-moving POST: the caller's role is checked first (a caller who may not do this hears
/// 403, not 400), then the `Idempotency-Key` is claimed for the exact request, then the body parsed.
pub fn money_request<T: DeserializeOwned>(
    ctx: &Ctx,
    roles: &[domain::auth::Role],
    headers: &axum::http::HeaderMap,
    path: &str,
    body: &[u8],
) -> Result<(app::ledger::IdempotencyClaim, T), ApiError> {
    ctx.actor.require(roles)?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let scope = format!("user:{}", ctx.actor.user_id);
    let claim = app::ledger::IdempotencyClaim::parse(scope, key, "POST", path, body)?;
    Ok((claim, parse_json(headers, body)?))
}
