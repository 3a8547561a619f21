//! The platform feed (平台事件流), a transactional outbox: `emit` writes an event in the
//! transaction of the decision that causes it; the `service` role reads events after a cursor,
//! waiting a bounded time for new ones (long poll); events older than the retention time are
//! removed by the `feed.retention` housekeeping job. With a platform webhook, `send_platform_events`
//! posts the events after its delivered cursor, signed like the merchant webhook, to the one address
//! checked for it; the cursor moves only past a batch the endpoint accepted.

use std::time::Duration;

use domain::auth::Role;
use domain::feed::{EventType, FEED_PAGE_DEFAULT, FEED_PAGE_MAX, FEED_WAIT_MS_MAX};
use serde_json::Value;
pub use store::feed::EventRow;

use crate::{Actor, App, AppError, AppResult, Code};

/// Events one platform webhook request carries at most.
pub const PLATFORM_WEBHOOK_BATCH_MAX: i64 = 100;

/// How often a long poll looks for new events.
const POLL_INTERVAL_MS: u64 = 200;

/// One page of the feed and the cursor to read after it (the last id, or the request's cursor
/// when nothing came).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    pub events: Vec<PlatformEvent>,
    pub next: i64,
}

/// An event as consumers read it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformEvent {
    pub id: i64,
    pub event_type: String,
    pub merchant_id: i64,
    pub created_at_ms: i64,
    pub data: Value,
}

impl PlatformEvent {
    /// The event as the platform webhook carries it (the same shape as the pull API's).
    fn json(&self) -> Value {
        let created_at = chrono::DateTime::from_timestamp_millis(self.created_at_ms)
            .map(|t| t.with_timezone(&crate::clock::china_offset()).to_rfc3339());
        serde_json::json!({
            "id": self.id.to_string(),
            "type": self.event_type,
            "merchant_id": self.merchant_id,
            "created_at": created_at,
            "data": self.data,
        })
    }

    fn of(row: EventRow) -> PlatformEvent {
        let data = serde_json::from_str(&row.data).unwrap_or(Value::Null);
        PlatformEvent {
            id: row.id,
            event_type: row.event_type,
            merchant_id: row.merchant_id,
            created_at_ms: row.created_at_ms,
            data,
        }
    }
}

fn require_feed_reader(actor: &Actor) -> AppResult<()> {
    actor.require(&[Role::Service, Role::Admin])
}

impl App {
    /// Writes a platform event in the caller's transaction. Call it after the transaction's money
    /// movements and audit row (the lock order is ledger, audit, feed).
    pub(crate) async fn emit(
        &self,
        tx: &mut store::WriteTx,
        merchant_id: i64,
        kind: EventType,
        data: Value,
    ) -> AppResult<i64> {
        let now_ms = self.clock().now_ms();
        Ok(store::feed::append_event(tx, merchant_id, kind.as_str(), &data.to_string(), now_ms).await?)
    }

    /// Emits many events of one kind in the caller's transaction, in order (one head update and
    /// many rows per statement); each event's data is already its JSON text.
    pub(crate) async fn emit_many(
        &self,
        tx: &mut store::WriteTx,
        kind: EventType,
        events: Vec<(i64, String)>,
    ) -> AppResult<()> {
        let now_ms = self.clock().now_ms();
        let rows: Vec<(i64, &str, String)> =
            events.into_iter().map(|(merchant_id, data)| (merchant_id, kind.as_str(), data)).collect();
        store::feed::append_events(tx, &rows, now_ms).await?;
        Ok(())
    }

    /// Events after the cursor `after`, at most `limit`; with `wait_ms`, waits up to that long
    /// (at most 30 s) for the first event when none is there yet.
    pub async fn platform_events(
        &self,
        actor: &Actor,
        after: i64,
        limit: Option<i64>,
        wait_ms: u64,
    ) -> AppResult<FeedPage> {
        require_feed_reader(actor)?;
        let limit = limit.unwrap_or(FEED_PAGE_DEFAULT);
        if !(1..=FEED_PAGE_MAX).contains(&limit) {
            return Err(AppError::new(Code::InvalidField, format!("limit: 1 to {FEED_PAGE_MAX}")));
        }
        if after < 0 {
            return Err(AppError::new(Code::InvalidField, "after: a cursor from an earlier answer"));
        }
        // A long poll answers inside the request deadline (30 s) even when asked to wait 30 s.
        let polls = wait_ms.min(FEED_WAIT_MS_MAX - 2_000) / POLL_INTERVAL_MS;
        for poll in 0..=polls {
            let rows = {
                let mut conn = self.db().read().await?;
                store::feed::events_after(&mut conn, after, limit).await?
            };
            if !rows.is_empty() || poll == polls {
                let next = rows.last().map_or(after, |r| r.id);
                return Ok(FeedPage { events: rows.into_iter().map(PlatformEvent::of).collect(), next });
            }
            tokio::time::sleep(Duration::from_millis(POLL_INTERVAL_MS)).await;
        }
        Ok(FeedPage { events: Vec::new(), next: after })
    }

    /// One event by id.
    pub async fn platform_event(&self, actor: &Actor, id: i64) -> AppResult<PlatformEvent> {
        require_feed_reader(actor)?;
        let mut conn = self.db().read().await?;
        let row =
            store::feed::find_event(&mut conn, id).await?.ok_or_else(|| AppError::not_found("event"))?;
        Ok(PlatformEvent::of(row))
    }

    /// Posts the events after the platform webhook's cursor, a batch at a time, until none is left
    /// or the endpoint refuses one; answers how many were delivered, or why the last batch failed
    /// (the caller tries again after `domain::webhooks::retry_after_seconds`). At least once: a
    /// crash after the post and before the cursor moves posts the batch again, with the same ids.
    pub async fn send_platform_events(&self) -> AppResult<Result<usize, String>> {
        use crate::webhooks::{SIGNATURE_HEADER, signature};
        use domain::webhooks::WebhookHost;
        let Some((url, secret)) = self.config().platform_webhook.clone() else { return Ok(Ok(0)) };
        let target = match self.delivery_target(&url).await {
            Ok(target) => target,
            Err(refusal) => return Ok(Err(refusal.to_string())),
        };
        let mut client = crate::webhooks::delivery_client();
        if let WebhookHost::Name(name) = url.host() {
            client = client.resolve(&name, target);
        }
        let client = client.build().map_err(|e| AppError::internal(&e))?;
        let mut delivered = 0;
        for _ in 0..FEED_PAGE_MAX {
            let (cursor, rows) = {
                let mut conn = self.db().read().await?;
                let cursor = store::feed::webhook_cursor(&mut conn).await?;
                (cursor, store::feed::events_after(&mut conn, cursor, PLATFORM_WEBHOOK_BATCH_MAX).await?)
            };
            let Some(last) = rows.last().map(|r| r.id) else { break };
            let count = rows.len();
            let events: Vec<Value> = rows.into_iter().map(|r| PlatformEvent::of(r).json()).collect();
            let body = serde_json::json!({ "events": events, "next": last.to_string() }).to_string();
            let unix_seconds = self.clock().now().timestamp();
            let answer = client
                .post(url.as_str())
                .header("content-type", "application/json")
                .header("x-xiaodian-event", "platform.events")
                .header(SIGNATURE_HEADER, signature(&secret, unix_seconds, &body))
                .body(body)
                .send()
                .await;
            match answer {
                Ok(response) if response.status().is_success() => {
                    let mut tx = self.db().begin().await?;
                    store::feed::set_webhook_cursor(&mut tx, last).await?;
                    tx.commit().await?;
                    delivered += count;
                    tracing::debug!(cursor, last, count, "platform events delivered");
                }
                Ok(response) => {
                    return Ok(Err(format!("HTTP {} from {}", response.status().as_u16(), url.redacted())));
                }
                Err(_) => return Ok(Err(format!("request failed: {}", url.redacted()))),
            }
        }
        Ok(Ok(delivered))
    }

    /// The retention job: removes events older than `feed_retention_days`.
    pub(crate) async fn run_feed_retention(&self, tx: &mut store::WriteTx) -> AppResult<String> {
        let keep_ms = self.config().feed_retention_days.max(1) * 86_400_000;
        let removed = store::feed::delete_events_before(tx, self.clock().now_ms() - keep_ms).await?;
        Ok(format!("removed={removed}"))
    }
}
