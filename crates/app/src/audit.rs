//! Reading and verifying the audit log, and the one `Page` every keyset-paged list answers with.

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

/// The cursor a client sent, when it sent one.
pub(crate) fn given(cursor: Option<&str>) -> Option<&str> {
    cursor.filter(|cursor| !cursor.is_empty())
}

/// A cursor of `N` numbers joined by dots, as the lists write them.
pub(crate) fn cursor_numbers<const N: usize>(cursor: &str) -> AppResult<[i64; N]> {
    let parts: Vec<&str> = cursor.split('.').collect();
    if parts.len() != N {
        return Err(bad_cursor());
    }
    let mut numbers = [0; N];
    for (number, part) in numbers.iter_mut().zip(parts) {
        *number = part.parse().map_err(|_| bad_cursor())?;
    }
    Ok(numbers)
}

/// Where a newest-first list by id continues: before the id in the cursor (a positive id), or
/// from the newest row.
pub(crate) fn before_id(cursor: Option<&str>) -> AppResult<i64> {
    match given(cursor) {
        None => Ok(i64::MAX),
        Some(cursor) => match cursor_numbers::<1>(cursor)? {
            [id] if id > 0 => Ok(id),
            _ => Err(bad_cursor()),
        },
    }
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
