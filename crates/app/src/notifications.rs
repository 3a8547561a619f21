//! Notifications: short messages to a merchant (in Chinese and English, with a link), written by
//! use cases and jobs in their own transaction, read and marked read by the merchant.

use domain::auth::Role;
pub use store::verification::NotificationRow;

use crate::audit::{Page, page_size};
use crate::{Actor, App, AppError, AppResult, Ctx};

/// A notification to write.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    pub merchant_id: i64,
    pub kind: &'a str,
    pub text_zh: String,
    pub text_en: String,
    pub link: String,
}

impl App {
    /// Writes a notification inside the caller's transaction.
    pub(crate) async fn notify(&self, tx: &mut store::Conn, notice: Notice<'_>) -> AppResult<i64> {
        let row = NotificationRow {
            id: 0,
            merchant_id: notice.merchant_id,
            kind: notice.kind.to_owned(),
            text_zh: notice.text_zh,
            text_en: notice.text_en,
            link: notice.link,
            created_at_ms: self.clock().now_ms(),
            read_at_ms: None,
        };
        Ok(store::verification::insert_notification(tx, &row).await?)
    }

    /// The merchant's notifications, newest first (merchants only: they are a merchant's inbox).
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        limit: Option<u32>,
        cursor: Option<i64>,
    ) -> AppResult<Page<NotificationRow>> {
        actor.require(&[Role::Merchant])?;
        let merchant_id = actor.merchant_id.ok_or_else(AppError::forbidden)?;
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items = store::verification::notifications(
            &mut conn,
            merchant_id,
            unread_only,
            cursor.unwrap_or(i64::MAX),
            i64::from(limit),
        )
        .await?;
        let next_cursor =
            (items.len() == limit as usize).then(|| items.last().map(|n| n.id.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }

    /// Marks one of the merchant's notifications read (reading twice is harmless).
    pub async fn mark_notification_read(&self, ctx: &Ctx, id: i64) -> AppResult<NotificationRow> {
        ctx.actor.require(&[Role::Merchant])?;
        let mut tx = self.db().begin().await?;
        let row = store::verification::find_notification(&mut tx, id)
            .await?
            .filter(|row| Some(row.merchant_id) == ctx.actor.merchant_id)
            .ok_or_else(|| AppError::not_found("notification"))?;
        if store::verification::mark_notification_read(&mut tx, id, self.clock().now_ms()).await? {
            self.audit(&mut tx, ctx, "notification.read", &format!("notification:{id}"), "").await?;
        }
        let row = store::verification::find_notification(&mut tx, id).await?.unwrap_or(row);
        tx.commit().await?;
        Ok(row)
    }
}
