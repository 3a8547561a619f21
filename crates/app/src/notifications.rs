//! Notifications: short messages to a merchant's team (in Chinese and English, with a link to where
//! they are dealt with), written by use cases and jobs in their own transaction. Each member's
//! notification centre shows the kinds its team role can act on (`NoticeKind::audience`) and keeps its
//! own read marks. A notification also becomes a webhook event when the merchant has an endpoint.

use domain::auth::Role;
use domain::notifications::NoticeKind;
use domain::team::TeamRole;
pub use store::notifications::NotificationRow;

use crate::audit::{Page, page_size};
use crate::{Actor, App, AppError, AppResult, Ctx};

/// A notification to write.
#[derive(Debug, Clone)]
pub struct Notice {
    pub merchant_id: i64,
    pub kind: NoticeKind,
    pub text_zh: String,
    pub text_en: String,
    pub link: String,
}

/// The kinds a merchant user sees in its centre (none for any other role).
fn kinds_seen(actor: &Actor) -> AppResult<(i64, Vec<&'static str>)> {
    actor.require(&[Role::Merchant])?;
    let merchant_id = actor.merchant_id.ok_or_else(AppError::forbidden)?;
    let role = actor.team_role.unwrap_or(TeamRole::Owner);
    Ok((merchant_id, NoticeKind::seen_by(role).into_iter().map(NoticeKind::as_str).collect()))
}

impl App {
    /// Writes a notification inside the caller's transaction, and its webhook event when the merchant
    /// has an endpoint (delivered later by the sender: never inside the caller's request).
    pub(crate) async fn notify(&self, tx: &mut store::Conn, notice: Notice) -> AppResult<i64> {
        let row = NotificationRow {
            id: 0,
            merchant_id: notice.merchant_id,
            kind: notice.kind.as_str().to_owned(),
            text_zh: notice.text_zh,
            text_en: notice.text_en,
            link: notice.link,
            created_at_ms: self.clock().now_ms(),
            read_at_ms: None,
        };
        let id = store::notifications::insert_notification(tx, &row).await?;
        self.enqueue_notification_event(tx, &NotificationRow { id, ..row }).await?;
        Ok(id)
    }

    /// The viewer's notifications, newest first: the kinds its team role acts on.
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        limit: Option<u32>,
        cursor: Option<i64>,
    ) -> AppResult<Page<NotificationRow>> {
        let (merchant_id, kinds) = kinds_seen(actor)?;
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items = store::notifications::notifications(
            &mut conn,
            merchant_id,
            actor.user_id,
            &kinds,
            unread_only,
            cursor.unwrap_or(i64::MAX),
            i64::from(limit),
        )
        .await?;
        let next_cursor =
            (items.len() == limit as usize).then(|| items.last().map(|n| n.id.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }

    /// How many of the viewer's notifications are unread (the console's badge).
    pub async fn unread_notifications(&self, actor: &Actor) -> AppResult<i64> {
        let (merchant_id, kinds) = kinds_seen(actor)?;
        let mut conn = self.db().read().await?;
        Ok(store::notifications::unread_count(&mut conn, merchant_id, actor.user_id, &kinds).await?)
    }

    /// Marks every notification the viewer sees read for the viewer, up to `up_to_id` (the newest
    /// on the page they looked at, so one that arrived since stays unread; none: all of them).
    /// Answers how many were unread; doing it twice marks nothing the second time.
    pub async fn mark_all_notifications_read(&self, ctx: &Ctx, up_to_id: Option<i64>) -> AppResult<u64> {
        let (merchant_id, kinds) = kinds_seen(&ctx.actor)?;
        let user_id = ctx.actor.user_id;
        let up_to_id = up_to_id.unwrap_or(i64::MAX);
        if up_to_id < 1 {
            return Err(AppError::invalid("up_to_id", "a notification id, 1 or more"));
        }
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let marked =
            store::notifications::mark_all_read(&mut tx, merchant_id, user_id, &kinds, up_to_id, now_ms)
                .await?;
        if marked > 0 {
            let detail = format!("marked={marked} up_to_id={up_to_id}");
            self.audit(&mut tx, ctx, "notification.read_all", &format!("user:{user_id}"), &detail).await?;
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Marks one of the viewer's notifications read for the viewer (reading twice is harmless).
    pub async fn mark_notification_read(&self, ctx: &Ctx, id: i64) -> AppResult<NotificationRow> {
        let (merchant_id, kinds) = kinds_seen(&ctx.actor)?;
        let user_id = ctx.actor.user_id;
        let mut tx = self.db().begin().await?;
        let row = store::notifications::find_notification(&mut tx, id, user_id)
            .await?
            .filter(|row| row.merchant_id == merchant_id && kinds.contains(&row.kind.as_str()))
            .ok_or_else(|| AppError::not_found("notification"))?;
        let now_ms = self.clock().now_ms();
        if store::notifications::mark_read(&mut tx, merchant_id, id, user_id, now_ms).await? {
            self.audit(&mut tx, ctx, "notification.read", &format!("notification:{id}"), "").await?;
        }
        tx.commit().await?;
        Ok(NotificationRow { read_at_ms: row.read_at_ms.or(Some(now_ms)), ..row })
    }
}
