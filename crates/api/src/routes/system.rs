//! Liveness and readiness, metrics, the OpenAPI document, login, logout and `me`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ANY_ROLE, Answer};
use crate::AppState;
use crate::error::{ApiResult, problem};
use crate::extract::{Auth, BearerToken, Json};
use crate::openapi::{Doc, Method, Routes};
use crate::request_id::RequestId;

pub fn add(routes: Routes) -> Routes {
    let login = Doc::new("auth", "Log in; answers a bearer token")
        .request::<LoginBody>()
        .answer::<LoginTokenBody>()
        .body(r#"{"username":"admin","password":"..."}"#);
    let ready = Doc::new("system", "Readiness: the database answers and its schema is current");
    routes
        .add(Method::Post, "/api/v1/auth/login", login, login_handler)
        .add(
            Method::Post,
            "/api/v1/auth/logout",
            Doc::new("auth", "Revoke the caller's token").roles(ANY_ROLE).no_request().no_content(),
            logout,
        )
        .add(
            Method::Get,
            "/api/v1/me",
            Doc::new("auth", "Who the caller is").roles(ANY_ROLE).answer::<MeBody>(),
            me,
        )
        .add(Method::Get, "/healthz", Doc::new("system", "Liveness").file(&["text/plain"]), healthz)
        .add(Method::Get, "/readyz", ready.answer::<ReadyBody>(), readyz)
        .add(
            Method::Get,
            "/metrics",
            Doc::new("system", "Prometheus metrics").file(&["text/plain"]),
            metrics_text,
        )
        .add(
            Method::Get,
            "/api/openapi.json",
            Doc::new("system", "This document").answer::<serde_json::Value>(),
            openapi,
        )
}

/// The server is ready, at this schema version.
#[derive(Serialize, JsonSchema)]
struct ReadyBody {
    /// Always `ready`.
    status: &'static str,
    schema_version: i64,
}

/// A bearer token and who it logs in as.
#[derive(Serialize, JsonSchema)]
struct LoginTokenBody {
    token: String,
    expires_at: String,
    role: &'static str,
    /// A merchant user's place in its team; null for every other role.
    team_role: Option<&'static str>,
}

/// Who the caller is, with its team role and rights for a merchant user.
#[derive(Serialize, JsonSchema)]
struct MeBody {
    username: String,
    role: &'static str,
    merchant_id: Option<i64>,
    team_role: Option<&'static str>,
    team_rights: Option<Vec<&'static str>>,
}

async fn healthz() -> &'static str {
    "ok"
}

/// 200 `{"status":"ready","schema_version":N}`, or 503 problem+json `not_ready` (the reason in
/// `detail`) while the database does not answer in time or its
/// migrations are not this binary's.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.readiness().await {
        app::health::Readiness::Ready { schema_version } => {
            Json(ReadyBody { status: "ready", schema_version }).into_response()
        }
        app::health::Readiness::NotReady { reason } => {
            tracing::warn!(%reason, "not ready");
            problem(app::Code::NotReady, &reason)
        }
    }
}

async fn openapi(State(state): State<AppState>) -> Response {
    let mut response = state.openapi.as_str().to_owned().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub(crate) async fn metrics_text(State(state): State<AppState>) -> ApiResult<Response> {
    let gauges = state.app.gauges().await?;
    let mut response = state.metrics.render(&gauges).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    Ok(response)
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login_handler(
    State(state): State<AppState>,
    axum::Extension(request_id): axum::Extension<RequestId>,
    client: Option<axum::Extension<app::security::ClientInfo>>,
    Json(body): Json<LoginBody>,
) -> Answer<LoginTokenBody> {
    let address = client.map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.address);
    let outcome = state.app.login_from(&body.username, &body.password, address, &request_id.0).await?;
    Ok(Json(LoginTokenBody {
        token: outcome.token,
        expires_at: outcome.expires_at.to_rfc3339(),
        role: outcome.actor.role.as_str(),
        team_role: outcome.actor.team_role.map(|role| role.as_str()),
    }))
}

async fn logout(
    State(state): State<AppState>,
    auth: Auth,
    BearerToken(token): BearerToken,
) -> ApiResult<StatusCode> {
    state.app.logout(&auth.0, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(auth: Auth) -> Json<MeBody> {
    let actor = auth.actor();
    Json(MeBody {
        username: actor.username.clone(),
        role: actor.role.as_str(),
        merchant_id: actor.merchant_id,
        team_role: actor.team_role.map(|role| role.as_str()),
        team_rights: actor.team_role.map(|role| role.rights().iter().map(|r| r.as_str()).collect()),
    })
}
