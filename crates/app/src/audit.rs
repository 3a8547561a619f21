//! Reading and verifying the audit log.

use domain::auth::Role;
use domain::limits::{PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};
pub use store::audit::{AuditRow, ChainReport};

use crate::{Actor, App, AppResult};

/// One page of a list and the cursor for the next, if any.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page read with `limit`: when it is full, the next one starts after its last row.
    pub fn after_last(items: Vec<T>, limit: u32, cursor_of: impl Fn(&T) -> String) -> Page<T> {
        let next_cursor = (items.len() == limit as usize).then(|| items.last().map(cursor_of)).flatten();
        Page { items, next_cursor }
    }
}

/// The cursor a client sent back was not one of ours.
pub(crate) fn bad_cursor() -> crate::AppError {
    crate::AppError::invalid("cursor", "a next_cursor of the previous page")
}

/// Clamps a requested page size to `1..=PAGE_SIZE_MAX`.
pub fn page_size(limit: Option<u32>) -> u32 {
    limit.unwrap_or(PAGE_SIZE_DEFAULT).clamp(1, PAGE_SIZE_MAX)
}

impl App {
    /// The audit log, newest first (admin only). The cursor is the last `seq` seen.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        limit: Option<u32>,
        cursor: Option<i64>,
    ) -> AppResult<Page<AuditRow>> {
        actor.require(&[Role::Admin])?;
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items = store::audit::list(&mut conn, cursor, limit).await?;
        Ok(Page::after_last(items, limit, |row| row.seq.to_string()))
    }

    /// Recomputes the whole chain; names the first row that does not match.
    pub async fn verify_audit(&self) -> AppResult<ChainReport> {
        let mut conn = self.db().read().await?;
        Ok(store::audit::verify(&mut conn).await?)
    }
}
