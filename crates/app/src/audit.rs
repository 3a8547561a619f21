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
        let next_cursor =
            (items.len() == limit as usize).then(|| items.last().map(|row| row.seq.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }

    /// Recomputes the whole chain; names the first row that does not match.
    pub async fn verify_audit(&self) -> AppResult<ChainReport> {
        let mut conn = self.db().read().await?;
        Ok(store::audit::verify(&mut conn).await?)
    }
}
