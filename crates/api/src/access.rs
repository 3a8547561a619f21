//! Who is calling and how long they may take: the client's address (the socket's peer, or a trusted
//! proxy's `X-Forwarded-For`), one access-log line per request, and the whole-request deadline of
//! every route that is not an upload.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use app::security::{ClientInfo, with_access_user};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;
use crate::request_id::RequestId;

/// How long a request that is not an upload may take from its headers to its answer.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// The client as this server sees it. `X-Forwarded-For` is believed only from a trusted proxy, and
/// then its last address that is not itself a trusted proxy is the client.
pub fn client_info(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> ClientInfo {
    let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return ClientInfo { address: peer, https: false };
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    let address = forwarded.iter().rev().find(|ip| !is_trusted(ip)).copied().unwrap_or(peer);
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    ClientInfo { address, https }
}

/// Whether a route streams a large body (video files, covers, documents, batches): those are bound
/// by the body's idle timeout instead of the whole-request deadline.
pub fn is_upload(method: &Method, path: &str) -> bool {
    let streams = path.ends_with("/file") || path.ends_with("/cover") || path.contains("/documents");
    (*method == Method::PUT || *method == Method::POST) && streams
}

/// The access layer: notes the client, runs the request under its deadline, and writes one line
/// (request id, method, route, status, latency, user id; never bodies, tokens or queries).
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let client = client_info(peer, request.headers(), &state.app.config().trusted_proxies);
    request.extensions_mut().insert(client);
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path().to_owned(), |p| p.as_str().to_owned());
    let request_id = request.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
    let upload = is_upload(&method, request.uri().path());
    let (response, user_id) = with_access_user(async move {
        if upload {
            return next.run(request).await;
        }
        match tokio::time::timeout(REQUEST_DEADLINE, next.run(request)).await {
            Ok(response) => response,
            Err(_) => {
                ApiError::new(app::Code::RequestTimeout, "the request took longer than 30 s").into_response()
            }
        }
    })
    .await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    let method = crate::metrics::method_label(&method);
    let route = if route.len() > 120 { &route[..route.floor_char_boundary(120)] } else { &route };
    tracing::info!(
        target: "access",
        request_id,
        method,
        route,
        status,
        latency_ms = (latency_ms * 10.0).round() / 10.0,
        user_id,
        client = %client.address,
        "request"
    );
    response
}
