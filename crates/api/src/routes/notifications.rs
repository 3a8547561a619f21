//! Each team member's notification centre, and the merchant's outbound webhook with its delivery log.

use axum::extract::State;
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Answer, MERCHANT, Page, china_time};
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
            .roles(MERCHANT)
            .answer::<NotificationsBody>().query::<NotificationsQuery>(),
            list_notifications,
        )
        .add(
            Method::Post,
            "/api/v1/notifications/{id}/read",
            Doc::new("notifications", "Mark a notification read for the caller")
                .roles(MERCHANT)
                .no_request()
                .answer::<NotificationBody>(),
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
            .request::<NotificationsReadUpTo>()
            .answer::<NotificationsReadBody>()
            .body(r#"{"up_to_id":42}"#),
            post_notifications_read_all,
        )
        .add(
            Method::Get,
            "/api/v1/webhook",
            webhook("The merchant's webhook endpoint").answer::<WebhookEndpointBody>(),
            get_webhook,
        )
        .add(
            Method::Put,
            "/api/v1/webhook",
            webhook("Set the endpoint; answers a new signing secret, shown this once")
                .request::<WebhookUrlChange>()
                .answer::<WebhookSecretBody>()
                .body(r#"{"url":"https://hooks.example.com/xiaodian"}"#),
            put_webhook,
        )
        .add(Method::Delete, "/api/v1/webhook", webhook("Remove the endpoint").no_content(), delete_webhook)
        .add(
            Method::Post,
            "/api/v1/webhook/ping",
            webhook("Queue a ping event to try the endpoint").status(202).no_request().answer::<WebhookDeliveryBody>(),
            post_ping,
        )
        .add(
            Method::Get,
            "/api/v1/webhook/deliveries",
            webhook("The delivery log, newest first (limit, cursor)").answer::<Page<WebhookDeliveryBody>>().query::<NotificationsQuery>(),
            list_deliveries,
        )
        .add(
            Method::Get,
            "/api/v1/webhook/deliveries/{id}",
            webhook("One delivery with every attempt").answer::<WebhookDeliveryLogBody>(),
            get_delivery,
        )
}

/// A notification as the caller sees it (read or not, by the caller's own mark).
#[derive(Serialize, JsonSchema)]
struct NotificationBody {
    id: i64,
    kind: String,
    text_zh: String,
    text_en: String,
    link: String,
    created_at: Option<String>,
    read: bool,
    read_at: Option<String>,
}

impl From<&NotificationRow> for NotificationBody {
    fn from(n: &NotificationRow) -> NotificationBody {
        NotificationBody {
            id: n.id,
            kind: n.kind.clone(),
            text_zh: n.text_zh.clone(),
            text_en: n.text_en.clone(),
            link: n.link.clone(),
            created_at: china_time(n.created_at_ms),
            read: n.read_at_ms.is_some(),
            read_at: n.read_at_ms.and_then(china_time),
        }
    }
}

/// A page of notifications with the caller's unread count.
#[derive(Serialize, JsonSchema)]
struct NotificationsBody {
    items: Vec<NotificationBody>,
    next_cursor: Option<String>,
    unread_count: i64,
}

/// How many notifications were marked read, and how many are still unread.
#[derive(Serialize, JsonSchema)]
struct NotificationsReadBody {
    marked: u64,
    unread_count: i64,
}

/// The webhook endpoint.
#[derive(Serialize, JsonSchema)]
struct WebhookBody {
    url: String,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl From<&WebhookView> for WebhookBody {
    fn from(webhook: &WebhookView) -> WebhookBody {
        WebhookBody {
            url: webhook.url.clone(),
            created_at: china_time(webhook.created_at_ms),
            updated_at: china_time(webhook.updated_at_ms),
        }
    }
}

/// The merchant's webhook endpoint, null while none is set.
#[derive(Serialize, JsonSchema)]
struct WebhookEndpointBody {
    webhook: Option<WebhookBody>,
}

/// A newly set endpoint with its signing secret, shown this once.
#[derive(Serialize, JsonSchema)]
struct WebhookSecretBody {
    #[serde(flatten)]
    webhook: WebhookBody,
    secret: String,
    /// The header that carries each delivery's signature.
    signature_header: &'static str,
}

/// One webhook delivery.
#[derive(Serialize, JsonSchema)]
struct WebhookDeliveryBody {
    id: i64,
    event: String,
    status: &'static str,
    attempts: i64,
    /// When the next attempt is due, while the delivery is pending.
    next_attempt_at: Option<String>,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    created_at: Option<String>,
    delivered_at: Option<String>,
}

impl From<&DeliveryRow> for WebhookDeliveryBody {
    fn from(d: &DeliveryRow) -> WebhookDeliveryBody {
        let pending = d.status == domain::webhooks::DeliveryStatus::Pending;
        WebhookDeliveryBody {
            id: d.id,
            event: d.event.clone(),
            status: d.status.as_str(),
            attempts: d.attempts,
            next_attempt_at: pending.then(|| china_time(d.next_attempt_at_ms)).flatten(),
            last_status_code: d.last_status_code,
            last_error: d.last_error.clone(),
            created_at: china_time(d.created_at_ms),
            delivered_at: d.delivered_at_ms.and_then(china_time),
        }
    }
}

/// One delivery with the payload it sends and every attempt.
#[derive(Serialize, JsonSchema)]
struct WebhookDeliveryLogBody {
    #[serde(flatten)]
    delivery: WebhookDeliveryBody,
    /// The event's JSON as sent (null if it is not JSON).
    payload: serde_json::Value,
    log: Vec<WebhookAttemptBody>,
}

/// One attempt to deliver.
#[derive(Serialize, JsonSchema)]
struct WebhookAttemptBody {
    attempt: i64,
    at: Option<String>,
    status_code: Option<i64>,
    error: Option<String>,
    duration_ms: i64,
}

impl From<&AttemptRow> for WebhookAttemptBody {
    fn from(a: &AttemptRow) -> WebhookAttemptBody {
        WebhookAttemptBody {
            attempt: a.attempt,
            at: china_time(a.at_ms),
            status_code: a.status_code,
            error: a.error.clone(),
            duration_ms: a.duration_ms,
        }
    }
}

/// `unread` (only the unread ones), `limit` and `cursor` (an id) of the notification and delivery lists.
#[derive(Deserialize, JsonSchema)]
struct NotificationsQuery {
    unread: Option<bool>,
    limit: Option<u32>,
    cursor: Option<i64>,
}

async fn list_notifications(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<NotificationsQuery>,
) -> Answer<NotificationsBody> {
    let page = state
        .app
        .notifications(auth.actor(), query.unread.unwrap_or(false), query.limit, query.cursor)
        .await?;
    let unread = state.app.unread_notifications(auth.actor()).await?;
    Ok(Json(NotificationsBody {
        items: page.items.iter().map(NotificationBody::from).collect(),
        next_cursor: page.next_cursor,
        unread_count: unread,
    }))
}

async fn post_notification_read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<NotificationBody> {
    Ok(Json(NotificationBody::from(&state.app.mark_notification_read(&auth.0, id).await?)))
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NotificationsReadUpTo {
    /// The newest notification seen; none marks every one read.
    up_to_id: Option<i64>,
}

async fn post_notifications_read_all(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NotificationsReadUpTo>,
) -> Answer<NotificationsReadBody> {
    let marked = state.app.mark_all_notifications_read(&auth.0, body.up_to_id).await?;
    let unread = state.app.unread_notifications(auth.actor()).await?;
    Ok(Json(NotificationsReadBody { marked, unread_count: unread }))
}

async fn get_webhook(State(state): State<AppState>, auth: Auth) -> Answer<WebhookEndpointBody> {
    let webhook = state.app.webhook(auth.actor()).await?;
    Ok(Json(WebhookEndpointBody { webhook: webhook.as_ref().map(WebhookBody::from) }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WebhookUrlChange {
    url: String,
}

async fn put_webhook(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<WebhookUrlChange>,
) -> Answer<WebhookSecretBody> {
    let set = state.app.set_webhook(&auth.0, &body.url).await?;
    Ok(Json(WebhookSecretBody {
        webhook: WebhookBody::from(&set.webhook),
        secret: set.secret,
        signature_header: app::webhooks::SIGNATURE_HEADER,
    }))
}

async fn delete_webhook(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    state.app.delete_webhook(&auth.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn post_ping(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<(StatusCode, Json<WebhookDeliveryBody>)> {
    let delivery = state.app.ping_webhook(&auth.0).await?;
    Ok((StatusCode::ACCEPTED, Json(WebhookDeliveryBody::from(&delivery))))
}

async fn list_deliveries(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<NotificationsQuery>,
) -> Answer<Page<WebhookDeliveryBody>> {
    let page = state.app.webhook_deliveries(auth.actor(), query.limit, query.cursor).await?;
    Ok(super::page(&page))
}

async fn get_delivery(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<WebhookDeliveryLogBody> {
    let log = state.app.webhook_delivery(auth.actor(), id).await?;
    Ok(Json(WebhookDeliveryLogBody {
        delivery: WebhookDeliveryBody::from(&log.delivery),
        payload: serde_json::from_str(&log.delivery.payload).unwrap_or(serde_json::Value::Null),
        log: log.attempts.iter().map(WebhookAttemptBody::from).collect(),
    }))
}
