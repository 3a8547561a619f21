//! The database handle: connecting by URL scheme, applying migrations, and write transactions.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{StoreError, StoreResult};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections in the pool; SQLite readers run in parallel under WAL, writers take turns.
const POOL_CONNECTIONS_MAX: u32 = 16;
/// How long SQLite waits for another process's write lock before it answers busy.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A pool of connections to one database and the knowledge of which engine it is.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time; taking turns in-process keeps waiting writers off the
    /// pool's connections. PostgreSQL has none: it locks rows.
    write_turn: Option<Arc<Mutex<()>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish()
    }
}

/// A write transaction. On SQLite it also holds this process's write turn until it ends.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Turns what a user typed (`sqlite:path`, `sqlite://path`, `postgres://...`, or a bare path)
/// into a backend and a URL sqlx understands.
pub fn parse_url(url: &str) -> StoreResult<(Backend, String)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_owned()));
    }
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if url.contains("://") {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    } else {
        url
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    }
    Ok((Backend::Sqlite, format!("sqlite://{path}?mode=rwc")))
}

impl Db {
    /// Connects, creating the SQLite file and its folder when needed, and applies pending migrations.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        Db::connect_with(url, POOL_CONNECTIONS_MAX).await
    }

    /// Like `connect`, with a given pool size (tests keep PostgreSQL's connection count low).
    pub async fn connect_with(url: &str, connections_max: u32) -> StoreResult<Db> {
        let db = Db::open_unmigrated(url, connections_max).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without applying migrations: for looking at a database before deciding what to do
    /// with it (a restore refuses one that holds tables).
    pub async fn open_unmigrated(url: &str, connections_max: u32) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let (backend, sqlx_url) = parse_url(url)?;
        if backend == Backend::Sqlite {
            let path = sqlx_url.trim_start_matches("sqlite://").split('?').next().unwrap_or_default();
            if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
        }
        let options = AnyConnectOptions::from_str(&sqlx_url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(connections_max.max(2))
            .acquire_timeout(Duration::from_secs(30))
            // A broken connection fails its query and is replaced; pinging before every acquire
            // would cost a round trip on the hot path.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(sqlx::raw_sql(&format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
                             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;"
                        )))
                        .await?;
                    } else {
                        conn.execute(sqlx::raw_sql(
                            // Custom plans: a generic plan cached while a table was nearly empty
                            // (for example the idempotency keys at start) can scan the whole key
                            // range later; re-planning a short statement costs microseconds.
                            "SET synchronous_commit = on; SET TIME ZONE 'UTC'; \
                             SET plan_cache_mode = force_custom_plan;",
                        ))
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let write_turn = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db { pool, backend, write_turn })
    }

    /// The migrations this binary carries for its engine.
    pub(crate) fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    async fn migrate(&self) -> StoreResult<()> {
        let migrator = self.migrator();
        // A database migrated by a newer binary is refused before anything touches it.
        let status = self.schema_status().await?;
        if let Some(&database_version) = status.unknown.iter().max().filter(|v| **v > status.known_max) {
            return Err(StoreError::SchemaNewer { database_version, binary_version: status.known_max });
        }
        let _turn = match &self.write_turn {
            Some(turn) => Some(turn.clone().lock_owned().await),
            None => None,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A connection for reads. Reads see committed data; use `begin` for anything that writes.
    pub async fn read(&self) -> StoreResult<PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a write transaction, waiting for this process's write turn on SQLite.
    pub async fn begin(&self) -> StoreResult<WriteTx> {
        let turn = match &self.write_turn {
            Some(turn) => Some(turn.clone().lock_owned().await),
            None => None,
        };
        // BEGIN IMMEDIATE takes SQLite's write lock up front, so a transaction that reads before
        // it writes cannot lose a race to another process's writer (busy_timeout makes it wait).
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _turn: turn })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The suffix that locks the selected rows until the transaction ends. SQLite needs none: a write
/// transaction there already excludes every other writer.
pub(crate) fn row_lock(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let check = |input: &str, expect: Option<(Backend, &str)>| {
            let got = parse_url(input).ok();
            assert_eq!(got.as_ref().map(|(b, u)| (*b, u.as_str())), expect, "{input}");
        };
        check("postgres://u@h/db", Some((Backend::Postgres, "postgres://u@h/db")));
        check("postgresql://u@h/db", Some((Backend::Postgres, "postgresql://u@h/db")));
        check("sqlite://data/x.db", Some((Backend::Sqlite, "sqlite://data/x.db?mode=rwc")));
        check("sqlite:x.db", Some((Backend::Sqlite, "sqlite://x.db?mode=rwc")));
        check(
            "./xiaodian-data/xiaodian.db",
            Some((Backend::Sqlite, "sqlite://./xiaodian-data/xiaodian.db?mode=rwc")),
        );
        check("mysql://h/db", None);
        check("sqlite:", None);
    }
}
