//! What operators need from the database itself: the schema version against the binary's
//! migrations, a readiness probe, a consistent copy of a SQLite database while it is written
//! (`VACUUM INTO`), and what a restore needs: whether a database is empty, running a SQL script,
//! dropping a PostgreSQL schema.

use std::path::Path;

use domain::webhooks::DeliveryStatus;
use sqlx::Row;

use crate::{Backend, Db, StoreError, StoreResult};

/// The applied migrations of a database against those this binary carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    /// The newest applied migration's version; `None` on a database never migrated.
    pub applied_max: Option<i64>,
    /// The newest migration this binary knows.
    pub known_max: i64,
    /// Applied versions this binary does not know (a newer binary migrated the database).
    pub unknown: Vec<i64>,
    /// Versions this binary knows that the database has not applied yet.
    pub pending: Vec<i64>,
}

impl SchemaStatus {
    /// Every migration of this binary is applied, and nothing else.
    pub fn current(&self) -> bool {
        self.unknown.is_empty() && self.pending.is_empty()
    }
}

/// The versions recorded in sqlx's table of applied migrations (none when it does not exist yet).
async fn applied_versions(conn: &mut crate::Conn, backend: Backend) -> StoreResult<Vec<i64>> {
    let exists_sql = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()"
        }
    };
    let exists: i64 = sqlx::query_scalar(exists_sql).fetch_one(&mut *conn).await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let rows =
        sqlx::query("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(&mut *conn).await?;
    rows.iter().map(|row| row.try_get::<i64, _>(0).map_err(StoreError::from)).collect()
}

impl Db {
    /// Compares the applied migrations with the binary's.
    pub async fn schema_status(&self) -> StoreResult<SchemaStatus> {
        let mut conn = self.read().await?;
        let applied = applied_versions(&mut conn, self.backend()).await?;
        let known: Vec<i64> = self.migrator().iter().map(|migration| migration.version).collect();
        Ok(SchemaStatus {
            applied_max: applied.iter().copied().max(),
            known_max: known.iter().copied().max().unwrap_or_default(),
            unknown: applied.iter().copied().filter(|version| !known.contains(version)).collect(),
            pending: known.iter().copied().filter(|version| !applied.contains(version)).collect(),
        })
    }

    /// The newest migration this binary carries: the schema version it writes.
    pub fn schema_version(&self) -> i64 {
        self.migrator().iter().map(|migration| migration.version).max().unwrap_or_default()
    }

    /// Writes a consistent copy of a SQLite database to `out` (which must not exist) while other
    /// connections keep writing: `VACUUM INTO` reads one snapshot of the database, so the copy holds
    /// exactly the transactions committed before it started.
    pub async fn vacuum_into(&self, out: &Path) -> StoreResult<()> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::UnsupportedUrl("VACUUM INTO is for SQLite databases".to_owned()));
        }
        let target = out.to_str().ok_or_else(|| {
            StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the backup path is not UTF-8",
            ))
        })?;
        let mut conn = self.read().await?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&mut *conn).await?;
        Ok(())
    }

    /// Webhook events whose every attempt failed, for `/metrics`.
    pub async fn failed_webhook_deliveries(&self) -> StoreResult<i64> {
        let mut conn = self.read().await?;
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE status = $1")
            .bind(DeliveryStatus::Failed.as_str())
            .fetch_one(&mut *conn)
            .await?)
    }

    /// Runs a script of SQL statements (a SQLite `.dump`, for a restore) on one connection.
    pub async fn run_script(&self, sql: &str) -> StoreResult<()> {
        let mut conn = self.read().await?;
        sqlx::raw_sql(sql).execute(&mut *conn).await?;
        Ok(())
    }

    /// Drops every table of a PostgreSQL database's `public` schema (restore `--force`).
    pub async fn drop_everything(&self) -> StoreResult<()> {
        if self.backend() != Backend::Postgres {
            return Err(StoreError::UnsupportedUrl("dropping the schema is for PostgreSQL".to_owned()));
        }
        sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;").execute(self.pool()).await?;
        Ok(())
    }

    /// Whether the database holds no table at all (a restore may write into it without `--force`).
    pub async fn is_empty(&self) -> StoreResult<bool> {
        let sql = match self.backend() {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            }
        };
        let mut conn = self.read().await?;
        let tables: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await?;
        Ok(tables == 0)
    }
}
