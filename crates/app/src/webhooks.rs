//! Outbound webhooks: a merchant registers one endpoint and gets every notification as a signed JSON
//! event. An event is a row written in the transaction that caused it; the sender (`send_due_webhooks`,
//! a loop in `serve`) posts it later, outside any transaction, so a slow or dead endpoint never blocks a
//! request. Failures are retried with exponential backoff (`domain::webhooks::retry_after_seconds`) and
//! every attempt is logged.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::notifications::NoticeKind;
use domain::webhooks::{
    DeliveryStatus, WebhookHost, WebhookUrl, is_delivered, is_public_ip, retry_after_seconds,
};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use store::webhooks::{AttemptOutcome, WebhookRow};
pub use store::webhooks::{AttemptRow, DeliveryRow};

use crate::audit::{Page, page_size};
use crate::clock::china_offset;
use crate::error::Code;
use crate::notifications::NotificationRow;
use crate::{Actor, App, AppError, AppResult, Ctx};

/// The sealing context of signing secrets.
const SECRET_CONTEXT: &str = "webhook_secret";
/// How long a sender holds a delivery while its request is in flight.
const LEASE: Duration = Duration::from_secs(60);
/// How long one request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long resolving an endpoint's name may take.
/// A client for one delivery (the caller pins its address), on the process's one TLS
/// configuration: a client built from nothing reads the system's certificate bundle again, tens of
/// milliseconds for every delivery.
pub(crate) fn delivery_client() -> reqwest::ClientBuilder {
    static TLS: std::sync::OnceLock<Option<native_tls::TlsConnector>> = std::sync::OnceLock::new();
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    match TLS.get_or_init(|| native_tls::TlsConnector::new().ok()) {
        Some(tls) => client.use_preconfigured_tls(tls.clone()),
        None => client,
    }
}

const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);
/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub const SIGNATURE_HEADER: &str = "x-xiaodian-signature";

/// The endpoint as its merchant sees it (the secret is shown only when set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookView {
    pub url: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A newly set endpoint with its signing secret, shown this once.
#[derive(Debug, Clone)]
pub struct WebhookSecret {
    pub webhook: WebhookView,
    pub secret: String,
}

/// One delivery with its log.
#[derive(Debug, Clone)]
pub struct DeliveryLog {
    pub delivery: DeliveryRow,
    pub attempts: Vec<AttemptRow>,
}

/// The signature header's value for `body` sent at `unix_seconds`.
pub fn signature(secret: &str, unix_seconds: i64, body: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={unix_seconds},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn view(row: &WebhookRow) -> WebhookView {
    WebhookView { url: row.url.clone(), created_at_ms: row.created_at_ms, updated_at_ms: row.updated_at_ms }
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&china_offset()).to_rfc3339()
}

fn notification_event(row: &NotificationRow) -> String {
    serde_json::json!({
        "event": "notification.created",
        "created_at": rfc3339(row.created_at_ms),
        "notification": {
            "id": row.id,
            "kind": row.kind,
            "text_zh": row.text_zh,
            "text_en": row.text_en,
            "link": row.link,
            "created_at": rfc3339(row.created_at_ms),
        }
    })
    .to_string()
}

/// Cuts a text to at most `max` bytes on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Why a webhook request may not go to an endpoint.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TargetError {
    /// The address, or one its name resolves to, is not on the public internet.
    #[error("refused: the address is not a public internet address")]
    NotPublic,
    /// The name does not resolve (now) to any address.
    #[error("the name {0} does not resolve")]
    Unresolved(String),
}

/// The addresses a name resolves to, within `RESOLVE_TIMEOUT`.
async fn resolve(name: &str, port: u16) -> Result<Vec<SocketAddr>, ()> {
    match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port))).await {
        Ok(Ok(addresses)) => Ok(addresses.collect()),
        _ => Err(()),
    }
}

/// What a failed request says in the delivery log: the kind of failure and the redacted address,
/// never reqwest's own text (which repeats the whole address).
fn describe_send_error(error: &reqwest::Error, redacted: &str) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    format!("{kind}: {redacted}")
}

/// The server's webhook sender: deliveries run concurrently, at most `webhook_deliveries_concurrent`
/// at once and `webhook_in_flight_per_merchant` for one merchant, so that one slow endpoint delays
/// only its own merchant's events.
pub struct WebhookSender {
    slots: Arc<tokio::sync::Semaphore>,
    per_merchant_max: usize,
    in_flight: Arc<Mutex<HashMap<i64, usize>>>,
}

impl WebhookSender {
    pub fn new(config: &crate::AppConfig) -> WebhookSender {
        WebhookSender {
            slots: Arc::new(tokio::sync::Semaphore::new(config.webhook_deliveries_concurrent.max(1))),
            per_merchant_max: config.webhook_in_flight_per_merchant.max(1),
            in_flight: Arc::default(),
        }
    }

    /// Starts the oldest due delivery of every merchant below its in-flight limit, while slots are
    /// free; answers the started tasks (the server does not wait for them).
    pub async fn round(&self, app: &App) -> AppResult<Vec<tokio::task::JoinHandle<()>>> {
        let now_ms = app.clock().now_ms();
        let limit = domain::limits::WEBHOOK_DELIVERIES_PER_RUN_MAX;
        let due = {
            let mut conn = app.db().read().await?;
            store::webhooks::due_deliveries_one_per_merchant(&mut conn, now_ms, limit).await?
        };
        let lease_until_ms = now_ms + i64::try_from(LEASE.as_millis()).unwrap_or(60_000);
        let mut started = Vec::new();
        for delivery in due {
            let merchant_id = delivery.merchant_id;
            let busy = self
                .in_flight
                .lock()
                .map_or(true, |m| m.get(&merchant_id).copied().unwrap_or(0) >= self.per_merchant_max);
            if busy {
                continue;
            }
            let Ok(slot) = self.slots.clone().try_acquire_owned() else { break };
            let leased = {
                let mut tx = app.db().begin().await?;
                let leased =
                    store::webhooks::lease_delivery(&mut tx, delivery.id, now_ms, lease_until_ms).await?;
                tx.commit().await?;
                leased
            };
            if !leased {
                continue;
            }
            if let Ok(mut in_flight) = self.in_flight.lock() {
                *in_flight.entry(merchant_id).or_default() += 1;
            }
            let (app, in_flight) = (app.clone(), self.in_flight.clone());
            started.push(tokio::spawn(async move {
                if let Err(error) = app.send_one(&delivery).await {
                    tracing::error!(%error, delivery = delivery.id, "webhook delivery");
                }
                if let Ok(mut in_flight) = in_flight.lock()
                    && let Some(count) = in_flight.get_mut(&merchant_id)
                {
                    *count -= 1;
                    if *count == 0 {
                        in_flight.remove(&merchant_id);
                    }
                }
                drop(slot);
            }));
        }
        Ok(started)
    }
}

impl App {
    fn webhook_manager(actor: &Actor) -> AppResult<i64> {
        actor.require_team(domain::access::rule(domain::access::UseCase::ManageWebhook).team_rights)
    }

    /// Sets (or replaces) the merchant's endpoint with a new signing secret, answered this once.
    pub async fn set_webhook(&self, ctx: &Ctx, url: &str) -> AppResult<WebhookSecret> {
        let merchant_id = Self::webhook_manager(&ctx.actor)?;
        let url = WebhookUrl::parse(url)
            .map_err(|error| AppError::new(Code::InvalidField, format!("url: {error}")))?;
        self.check_webhook_target(&url).await?;
        let mut bytes = [0_u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let secret = format!("whsec_{}", hex::encode(bytes));
        let sealed = self.secret_key()?.seal(SECRET_CONTEXT, &secret);
        let mut tx = self.db().begin().await?;
        store::webhooks::upsert_webhook(&mut tx, merchant_id, url.as_str(), &sealed, self.clock().now_ms())
            .await?;
        let subject = format!("merchant:{merchant_id}");
        self.audit_for(&mut tx, ctx, "webhook.set", &subject, &url.redacted(), Some(merchant_id)).await?;
        let row = store::webhooks::find_webhook(&mut tx, merchant_id)
            .await?
            .ok_or_else(|| AppError::not_found("webhook"))?;
        tx.commit().await?;
        Ok(WebhookSecret { webhook: view(&row), secret })
    }

    /// The merchant's endpoint, if any.
    pub async fn webhook(&self, actor: &Actor) -> AppResult<Option<WebhookView>> {
        let merchant_id = Self::webhook_manager(actor)?;
        let mut conn = self.db().read().await?;
        Ok(store::webhooks::find_webhook(&mut conn, merchant_id).await?.as_ref().map(view))
    }

    /// Removes the endpoint; pending events then fail at their next attempt.
    pub async fn delete_webhook(&self, ctx: &Ctx) -> AppResult<()> {
        let merchant_id = Self::webhook_manager(&ctx.actor)?;
        let mut tx = self.db().begin().await?;
        if !store::webhooks::delete_webhook(&mut tx, merchant_id).await? {
            return Err(AppError::not_found("webhook"));
        }
        self.audit_for(
            &mut tx,
            ctx,
            "webhook.delete",
            &format!("merchant:{merchant_id}"),
            "",
            Some(merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a `ping` event, to try the endpoint out.
    pub async fn ping_webhook(&self, ctx: &Ctx) -> AppResult<DeliveryRow> {
        let merchant_id = Self::webhook_manager(&ctx.actor)?;
        self.guards.webhook_ping(merchant_id)?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        if store::webhooks::find_webhook(&mut tx, merchant_id).await?.is_none() {
            return Err(AppError::not_found("webhook"));
        }
        let payload = serde_json::json!({ "event": "ping", "created_at": rfc3339(now_ms) }).to_string();
        let id = store::webhooks::insert_delivery(&mut tx, merchant_id, "ping", &payload, now_ms).await?;
        let delivery = store::webhooks::find_delivery(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("delivery"))?;
        tx.commit().await?;
        Ok(delivery)
    }

    /// Writes the webhook event of a new notification, in the notification's transaction. A notice that
    /// the webhook itself fails is not sent to it.
    pub(crate) async fn enqueue_notification_event(
        &self,
        tx: &mut store::Conn,
        row: &NotificationRow,
    ) -> AppResult<()> {
        if row.kind == NoticeKind::WebhookFailing.as_str()
            || store::webhooks::find_webhook(tx, row.merchant_id).await?.is_none()
        {
            return Ok(());
        }
        let payload = notification_event(row);
        store::webhooks::insert_delivery(
            tx,
            row.merchant_id,
            "notification.created",
            &payload,
            row.created_at_ms,
        )
        .await?;
        Ok(())
    }

    /// The merchant's deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        limit: Option<u32>,
        cursor: Option<i64>,
    ) -> AppResult<Page<DeliveryRow>> {
        let merchant_id = Self::webhook_manager(actor)?;
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items =
            store::webhooks::deliveries(&mut conn, merchant_id, cursor.unwrap_or(i64::MAX), i64::from(limit))
                .await?;
        let next_cursor =
            (items.len() == limit as usize).then(|| items.last().map(|d| d.id.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }

    /// One delivery of the merchant's with every attempt.
    pub async fn webhook_delivery(&self, actor: &Actor, id: i64) -> AppResult<DeliveryLog> {
        let merchant_id = Self::webhook_manager(actor)?;
        let mut conn = self.db().read().await?;
        let delivery = store::webhooks::find_delivery(&mut conn, id)
            .await?
            .filter(|d| d.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("delivery"))?;
        let attempts = store::webhooks::attempts(&mut conn, id).await?;
        Ok(DeliveryLog { delivery, attempts })
    }

    /// Refuses an endpoint that is not on the public internet, by its spelling and by every address
    /// its name resolves to now (it is checked again at each delivery), unless the operator allows
    /// private targets.
    async fn check_webhook_target(&self, url: &WebhookUrl) -> AppResult<()> {
        if self.config().webhook_allow_private {
            return Ok(());
        }
        match self.delivery_target(url).await {
            Err(TargetError::NotPublic) => Err(AppError::new(
                Code::WebhookTargetNotPublic,
                "the webhook address is not a public internet address",
            )),
            // A name that does not resolve now may resolve later: delivery checks it then.
            Ok(_) | Err(TargetError::Unresolved(_)) => Ok(()),
        }
    }

    /// Sends every delivery due at the app clock's now, round after round (one delivery per merchant
    /// a round, the merchants' deliveries concurrently), until none is due; answers how many were
    /// attempted. The server's sender loop runs single rounds instead (`WebhookSender::round`).
    pub async fn send_due_webhooks(&self) -> AppResult<usize> {
        let sender = WebhookSender::new(self.config());
        let mut sent = 0;
        while sent < domain::limits::WEBHOOK_DELIVERIES_PER_RUN_MAX as usize {
            let started = sender.round(self).await?;
            if started.is_empty() {
                break;
            }
            sent += started.len();
            for task in started {
                task.await.map_err(|error| AppError::internal(&error))?;
            }
        }
        Ok(sent)
    }

    /// One attempt of one leased delivery, then its outcome recorded.
    async fn send_one(&self, delivery: &DeliveryRow) -> AppResult<()> {
        let endpoint = {
            let mut conn = self.db().read().await?;
            store::webhooks::find_webhook(&mut conn, delivery.merchant_id).await?
        };
        let started = Instant::now();
        let (status_code, error) = match endpoint {
            None => (None, Some("no endpoint is set".to_owned())),
            Some(endpoint) => match self.secret_key()?.open(SECRET_CONTEXT, &endpoint.secret_sealed) {
                None => (None, Some("the signing secret cannot be opened".to_owned())),
                Some(secret) => self.post_event(&endpoint.url, &secret, delivery).await,
            },
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.record_delivery_attempt(delivery, status_code, error.as_deref(), duration_ms).await
    }

    /// The one address a delivery connects to: the literal address, or the first one the name
    /// resolves to, each checked to be public (unless allowed). The request then goes to exactly this
    /// address, so a name cannot resolve to another one between the check and the connection.
    pub(crate) async fn delivery_target(&self, url: &WebhookUrl) -> Result<SocketAddr, TargetError> {
        let allow_private = self.config().webhook_allow_private;
        if !allow_private && url.require_public().is_err() {
            return Err(TargetError::NotPublic);
        }
        let addresses = match url.host() {
            WebhookHost::Ip(ip) => vec![SocketAddr::new(ip, url.port())],
            WebhookHost::Name(name) => {
                resolve(&name, url.port()).await.map_err(|_| TargetError::Unresolved(name))?
            }
        };
        if !allow_private && addresses.iter().any(|address| !is_public_ip(address.ip())) {
            return Err(TargetError::NotPublic);
        }
        addresses.first().copied().ok_or_else(|| TargetError::Unresolved(url.redacted()))
    }

    async fn post_event(
        &self,
        url: &str,
        secret: &str,
        delivery: &DeliveryRow,
    ) -> (Option<i64>, Option<String>) {
        let Ok(url) = WebhookUrl::parse(url) else {
            return (None, Some("the stored address does not parse".to_owned()));
        };
        let target = match self.delivery_target(&url).await {
            Ok(target) => target,
            Err(refusal) => return (None, Some(refusal.to_string())),
        };
        let mut client = delivery_client();
        if let WebhookHost::Name(name) = url.host() {
            client = client.resolve(&name, target);
        }
        let client = match client.build() {
            Ok(client) => client,
            Err(error) => return (None, Some(format!("webhook client: {error}"))),
        };
        let unix_seconds = self.clock().now().timestamp();
        let request = client
            .post(url.as_str())
            .header("content-type", "application/json")
            .header("x-xiaodian-event", &delivery.event)
            .header("x-xiaodian-delivery", delivery.id.to_string())
            .header(SIGNATURE_HEADER, signature(secret, unix_seconds, &delivery.payload))
            .body(delivery.payload.clone());
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let error = (!is_delivered(status)).then(|| format!("HTTP {status}"));
                (Some(i64::from(status)), error)
            }
            // The error text names no query string: the address is redacted.
            Err(error) => (None, Some(describe_send_error(&error, &url.redacted()))),
        }
    }

    async fn record_delivery_attempt(
        &self,
        delivery: &DeliveryRow,
        status_code: Option<i64>,
        error: Option<&str>,
        duration_ms: i64,
    ) -> AppResult<()> {
        let at_ms = self.clock().now_ms();
        let attempt = delivery.attempts + 1;
        let (status, next_attempt_at_ms) = match error {
            None => (DeliveryStatus::Delivered, at_ms),
            Some(_) => match retry_after_seconds(attempt) {
                Some(seconds) => (DeliveryStatus::Pending, at_ms + seconds * 1000),
                None => (DeliveryStatus::Failed, at_ms),
            },
        };
        let error = error.map(|e| cut(e, domain::limits::WEBHOOK_RESPONSE_KEPT_BYTES_MAX));
        let outcome =
            AttemptOutcome { at_ms, status_code, error, duration_ms, new_status: status, next_attempt_at_ms };
        let mut tx = self.db().begin().await?;
        store::webhooks::record_attempt(&mut tx, delivery, &outcome).await?;
        if status == DeliveryStatus::Failed {
            let notice = crate::notifications::Notice {
                merchant_id: delivery.merchant_id,
                kind: NoticeKind::WebhookFailing,
                text_zh: format!(
                    "Webhook 事件 #{} 投递 {attempt} 次均失败：{}",
                    delivery.id,
                    error.unwrap_or("")
                ),
                text_en: format!(
                    "Webhook event #{} failed {attempt} times: {}",
                    delivery.id,
                    error.unwrap_or("")
                ),
                link: format!("/console/webhook/deliveries/{}", delivery.id),
            };
            self.notify(&mut tx, notice).await?;
        }
        tx.commit().await?;
        if status != DeliveryStatus::Delivered {
            tracing::warn!(
                delivery = delivery.id,
                merchant_id = delivery.merchant_id,
                attempt,
                error,
                "webhook delivery failed"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        // Reference value computed independently: python3 -c 'import hmac,hashlib;
        // print(hmac.new(b"whsec_test", b"1700000000.{\"a\":1}", hashlib.sha256).hexdigest())'
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn cut_keeps_whole_characters() {
        assert_eq!(cut("投递失败", 7), "投递");
        assert_eq!(cut("ok", 10), "ok");
    }
}
