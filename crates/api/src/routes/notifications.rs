//! Each team member's notification centre, and the merchant's outbound webhook with its delivery log.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{MERCHANT, china_time};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};
use app::notifications::NotificationRow;
use app::webhooks::{AttemptRow, DeliveryRow, WebhookView};

const MANAGE_MERCHANT: &[&str] = &["manage_merchant"];

pub fn add(routes: Routes) -> Routes {
    let webhook = |summary| Doc::new("webhooks", summary).roles(MERCHANT).team_rights(MANAGE_MERCHANT);
    routes
        .add(
            Method::Get,
            "/api/v1/notifications",
            Doc::new(
                "notifications",
                "The caller's notifications (the kinds its team role acts on), newest first, with the unread count",
            )
            .roles(MERCHANT),
            list_notifications,
        )
        .add(
            Method::Post,
            "/api/v1/notifications/{id}/read",
            Doc::new("notifications", "Mark a notification read for the caller").roles(MERCHANT),
            post_notification_read,
        )
        .add(
            Method::Post,
            "/api/v1/notifications/read-all",
            Doc::new(
                "notifications",
                "Mark read for the caller every notification up to up_to_id (the newest seen; `{}`: all); answers how many were unread and the unread count",
            )
            .roles(MERCHANT)
            .body(r#"{"up_to_id":42}"#),
            post_notifications_read_all,
        )
        .add(Method::Get, "/api/v1/webhook", webhook("The merchant's webhook endpoint"), get_webhook)
        .add(
            Method::Put,
            "/api/v1/webhook",
            webhook("Set the endpoint; answers a new signing secret, shown this once")
                .body(r#"{"url":"https://hooks.example.com/xiaodian"}"#),
            put_webhook,
        )
        .add(Method::Delete, "/api/v1/webhook", webhook("Remove the endpoint").status(204), delete_webhook)
        .add(
            Method::Post,
            "/api/v1/webhook/ping",
            webhook("Queue a ping event to try the endpoint").status(202),
            post_ping,
        )
        .add(
            Method::Get,
            "/api/v1/webhook/deliveries",
            webhook("The delivery log, newest first (limit, cursor)"),
            list_deliveries,
        )
        .add(
            Method::Get,
            "/api/v1/webhook/deliveries/{id}",
            webhook("One delivery with every attempt"),
            get_delivery,
        )
}

fn notification_json(n: &NotificationRow) -> Value {
    json!({
        "id": n.id,
        "kind": n.kind,
        "text_zh": n.text_zh,
        "text_en": n.text_en,
        "link": n.link,
        "created_at": china_time(n.created_at_ms),
        "read": n.read_at_ms.is_some(),
        "read_at": n.read_at_ms.and_then(china_time),
    })
}

#[derive(Deserialize)]
struct PageQuery {
    unread: Option<bool>,
    limit: Option<u32>,
    cursor: Option<i64>,
}

async fn list_notifications(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let page = state
        .app
        .notifications(auth.actor(), query.unread.unwrap_or(false), query.limit, query.cursor)
        .await?;
    let unread = state.app.unread_notifications(auth.actor()).await?;
    let items: Vec<Value> = page.items.iter().map(notification_json).collect();
    Ok(axum::Json(json!({ "items": items, "next_cursor": page.next_cursor, "unread_count": unread })))
}

async fn post_notification_read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(notification_json(&state.app.mark_notification_read(&auth.0, id).await?)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadAllBody {
    up_to_id: Option<i64>,
}

async fn post_notifications_read_all(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<ReadAllBody>,
) -> ApiResult<axum::Json<Value>> {
    let marked = state.app.mark_all_notifications_read(&auth.0, body.up_to_id).await?;
    let unread = state.app.unread_notifications(auth.actor()).await?;
    Ok(axum::Json(json!({ "marked": marked, "unread_count": unread })))
}

fn webhook_json(webhook: &WebhookView) -> Value {
    json!({
        "url": webhook.url,
        "created_at": china_time(webhook.created_at_ms),
        "updated_at": china_time(webhook.updated_at_ms),
    })
}

fn delivery_json(d: &DeliveryRow) -> Value {
    json!({
        "id": d.id,
        "event": d.event,
        "status": d.status.as_str(),
        "attempts": d.attempts,
        "next_attempt_at": (d.status == domain::webhooks::DeliveryStatus::Pending).then(|| china_time(d.next_attempt_at_ms)).flatten(),
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "created_at": china_time(d.created_at_ms),
        "delivered_at": d.delivered_at_ms.and_then(china_time),
    })
}

fn attempt_json(a: &AttemptRow) -> Value {
    json!({
        "attempt": a.attempt,
        "at": china_time(a.at_ms),
        "status_code": a.status_code,
        "error": a.error,
        "duration_ms": a.duration_ms,
    })
}

async fn get_webhook(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Value>> {
    let webhook = state.app.webhook(auth.actor()).await?;
    Ok(axum::Json(json!({ "webhook": webhook.as_ref().map(webhook_json) })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookBody {
    url: String,
}

async fn put_webhook(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<WebhookBody>,
) -> ApiResult<axum::Json<Value>> {
    let set = state.app.set_webhook(&auth.0, &body.url).await?;
    let mut answer = webhook_json(&set.webhook);
    answer["secret"] = json!(set.secret);
    answer["signature_header"] = json!(app::webhooks::SIGNATURE_HEADER);
    Ok(axum::Json(answer))
}

async fn delete_webhook(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    state.app.delete_webhook(&auth.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn post_ping(State(state): State<AppState>, auth: Auth) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let delivery = state.app.ping_webhook(&auth.0).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(delivery_json(&delivery))))
}

async fn list_deliveries(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let page = state.app.webhook_deliveries(auth.actor(), query.limit, query.cursor).await?;
    Ok(super::page_value(&page, delivery_json))
}

async fn get_delivery(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    let log = state.app.webhook_delivery(auth.actor(), id).await?;
    let mut answer = delivery_json(&log.delivery);
    answer["payload"] = serde_json::from_str(&log.delivery.payload).unwrap_or(Value::Null);
    answer["log"] = json!(log.attempts.iter().map(attempt_json).collect::<Vec<_>>());
    Ok(axum::Json(answer))
}
