//! The database handle: connecting by URL scheme, applying migrations, and write transactions.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Row, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{StoreError, StoreResult};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections in the pool; SQLite readers run in parallel under WAL, writers take turns.
const POOL_CONNECTIONS_MAX: u32 = 16;
/// How long SQLite waits for another process's write lock before it answers busy.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 10_000;
/// How often a background task copies SQLite's write-ahead log back into the database file, so
/// that the writer's commits seldom do it themselves.
const SQLITE_CHECKPOINT_EVERY: Duration = Duration::from_millis(1_000);
/// The log size (pages of 4 KiB) at which a commit checkpoints itself: only when the background
/// task fell behind (it copies while the writer works, on another core).
const SQLITE_AUTOCHECKPOINT_PAGES: u32 = 16_384;

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
    /// SQLite only: the one connection every write transaction runs on.
    writer: Option<AnyPool>,
    backend: Backend,
    /// SQLite allows one writer at a time; taking turns in-process keeps waiting writers off the
    /// pool's connections. PostgreSQL has none: it locks rows.
    write_turn: Option<Arc<Mutex<()>>>,
    /// SQLite only: the background checkpoints, stopped when the last handle goes.
    checkpointer: Option<Arc<Checkpointer>>,
}

/// The task that checkpoints SQLite's log in the background; dropping it stops the task.
struct Checkpointer(tokio::task::JoinHandle<()>);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Checkpointer {
    /// Every `SQLITE_CHECKPOINT_EVERY`, a passive checkpoint on a connection of its own: it copies
    /// the committed pages no reader still needs and waits for no one. The commit path stays
    /// durable either way (the log is synced at every commit); this only moves the copying off it.
    fn start(pool: AnyPool) -> Checkpointer {
        Checkpointer(tokio::spawn(async move {
            let mut tick = tokio::time::interval(SQLITE_CHECKPOINT_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !pool.is_closed() {
                tick.tick().await;
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                    tracing::debug!(%error, "background checkpoint skipped; commits checkpoint instead");
                }
            }
        }))
    }
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

/// Creates a new SQLite file readable by its owner only (0600); SQLite gives its `-wal` and `-shm`
/// files the same mode. An existing file is left as it is.
fn create_private(path: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.is_empty() || path.starts_with(':') || Path::new(path).exists() {
        return Ok(());
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
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
            create_private(path)?;
        }
        let options = AnyConnectOptions::from_str(&sqlx_url)?.disable_statement_logging();
        let pool = pool_options(backend, connections_max.max(2)).connect_with(options.clone()).await?;
        // SQLite's writes all go through one connection whose page cache stays warm: a connection
        // that did not make the last write discards its cache (and remaps its mmap) when it next
        // begins, which cost the ledger's writer more than the writes themselves.
        let writer = match backend {
            Backend::Sqlite => Some(
                pool_options(backend, 1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options.clone())
                    .await?,
            ),
            Backend::Postgres => None,
        };
        let write_turn = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        let checkpointer = match backend {
            Backend::Sqlite => {
                let connection = pool_options(backend, 1).connect_with(options).await?;
                Some(Arc::new(Checkpointer::start(connection)))
            }
            Backend::Postgres => None,
        };
        Ok(Db { pool, writer, backend, write_turn, checkpointer })
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
        match self.backend {
            Backend::Postgres => migrator.run(&self.pool).await?,
            Backend::Sqlite => migrate_sqlite(migrator, &mut *self.pool.acquire().await?).await?,
        }
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
        let tx = match (&self.writer, self.backend) {
            (Some(writer), _) => writer.begin_with("BEGIN IMMEDIATE").await?,
            (None, Backend::Sqlite) => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            (None, Backend::Postgres) => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _turn: turn })
    }

    /// A write transaction for statements that bind a whole batch as one array or JSON value (the
    /// ledger engine's): one plan fits every batch, so on PostgreSQL they take the cached generic
    /// plan instead of being planned again at every execution, as the sessions' `plan_cache_mode =
    /// force_custom_plan` otherwise makes them (a sixth of the server's time in the ledger's profile).
    pub async fn begin_bulk(&self) -> StoreResult<WriteTx> {
        match self.backend {
            Backend::Sqlite => self.begin().await,
            Backend::Postgres => {
                let tx =
                    self.pool.begin_with("BEGIN; SET LOCAL plan_cache_mode = force_generic_plan").await?;
                Ok(WriteTx { tx, _turn: None })
            }
        }
    }

    pub async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.0.abort();
        }
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }
}

/// SQLite's way to change a table's key or give it a NOT NULL column is to rebuild it, and a table
/// that others reference can only be dropped for its rebuild with foreign keys off (which SQLite
/// ignores inside a transaction, and each migration is one): the migrations run on one connection
/// with foreign keys off, and every key is checked before it is switched back on.
async fn migrate_sqlite(
    migrator: &sqlx::migrate::Migrator,
    conn: &mut sqlx::AnyConnection,
) -> StoreResult<()> {
    conn.execute("PRAGMA foreign_keys = OFF").await?;
    let migrated = migrator.run(&mut *conn).await;
    let dangling = conn.fetch_all("PRAGMA foreign_key_check").await;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    migrated?;
    let dangling = dangling?;
    if let Some(first) = dangling.first() {
        return Err(StoreError::MigratedForeignKeys { rows: dangling.len(), table: first.try_get(0)? });
    }
    Ok(())
}

/// The pool settings of both engines: session settings on every new connection.
fn pool_options(backend: Backend, connections_max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections_max)
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
                         PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456; \
                         PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT_PAGES};"
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

    /// Migration 0012 on a database that already holds what the incident race left: the violation
    /// the incident links gets its `incident_id`, the unlinked extra ones stay (NULL), and from
    /// then on a second violation of the incident is refused.
    #[tokio::test]
    async fn migration_0012_links_the_incident_violation_and_keeps_race_duplicates() {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::raw_sql("PRAGMA foreign_keys = OFF").execute(&mut conn).await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let version = |path: &Path| -> u32 {
            path.file_name().and_then(|n| n.to_str()).and_then(|n| n.get(..4)).unwrap().parse().unwrap()
        };
        let apply = async |conn: &mut sqlx::SqliteConnection, path: &Path| {
            let sql = std::fs::read_to_string(path).unwrap();
            sqlx::raw_sql(&sql).execute(conn).await.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        };
        for path in files.iter().filter(|p| version(p) < 12) {
            apply(&mut conn, path).await;
        }
        let violations = "INSERT INTO violations (id, shop_id, merchant_id, kind, severity, penalty_fen, \
             beneficiary, evidence, status, recorded_by, created_at_ms, appeal_deadline_ms) VALUES \
             (1, 1, 1, 'false_advertising', 'general', 100, 'platform', '舆情事件 #7', 'effective', 'r', 0, 0), \
             (2, 1, 1, 'false_advertising', 'general', 100, 'platform', '舆情事件 #7', 'effective', 'r', 0, 0), \
             (3, 1, 1, 'false_advertising', 'general', 100, 'platform', '舆情事件 #7', 'effective', 'r', 0, 0)";
        sqlx::raw_sql(violations).execute(&mut conn).await.unwrap();
        let incident = "INSERT INTO reputation_incidents (id, merchant_id, account_id, kind, level, status, \
             opened_at_ms, hour_ms, hour_comments, hour_negative, baseline_rate, deadline_at_ms, violation_id, \
             updated_at_ms) VALUES (7, 1, 1, 'keyword', 'blue', 'open', 0, 0, 1, 1, 0.0, 0, 2, 0)";
        sqlx::raw_sql(incident).execute(&mut conn).await.unwrap();
        apply(&mut conn, files.iter().find(|p| version(p) == 12).unwrap()).await;
        let linked: Vec<(i64, Option<i64>)> =
            sqlx::query_as("SELECT id, incident_id FROM violations ORDER BY id")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(linked, [(1, None), (2, Some(7)), (3, None)]);
        let second =
            sqlx::query("UPDATE violations SET incident_id = 7 WHERE id = 3").execute(&mut conn).await;
        let refused = second.unwrap_err();
        assert!(refused.as_database_error().is_some_and(|e| e.is_unique_violation()), "{refused}");
    }

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
