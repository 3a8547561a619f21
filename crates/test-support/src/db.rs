//! Throwaway databases: a temporary SQLite file, or a PostgreSQL database that is dropped when
//! the test ends. A PostgreSQL test database is a copy (`CREATE DATABASE … TEMPLATE`) of one
//! migrated template per migration set, so tests do not migrate from scratch one by one.

use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Connection;
use tokio::sync::OnceCell;

/// Where PostgreSQL test databases are created; override with `XIAODIAN_TEST_PG_URL`.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

fn pg_admin_url() -> String {
    std::env::var("XIAODIAN_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

fn with_database(url: &str, database: &str) -> String {
    match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{database}"),
        None => format!("{url}/{database}"),
    }
}

/// Held while a process creates the template, so processes running tests at once build it once.
const TEMPLATE_LOCK: i64 = 0x7869_616f_6469_616e; // "xiaodian"
/// How often a copy is tried while another session still holds the template (a session ending, or
/// an autovacuum worker that came before the template was closed to connections), 20 ms apart.
const CLONE_ATTEMPTS_MAX: u32 = 500;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// The template's name: a digest of the PostgreSQL migrations, so a new or changed migration
/// makes a new template and an old one is never used for it.
fn template_name() -> String {
    let dir = crate::server::workspace_root().join("crates/store/migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("the PostgreSQL migrations at {}: {error}", dir.display()))
        .map(|entry| entry.expect("a migration file").path())
        .collect();
    files.sort();
    let mut digest = Sha256::new();
    for file in files {
        digest.update(file.file_name().unwrap_or_default().as_encoded_bytes());
        digest.update(std::fs::read(&file).expect("a readable migration"));
    }
    format!("xiaodian_template_{}", &hex::encode(digest.finalize())[..16])
}

async fn admin_connection(admin: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(admin).await.unwrap_or_else(|error| {
        panic!(
            "PostgreSQL is required for this test and could not be reached at {admin}: {error}. \
             Start it (pg_ctlcluster 15 main start) or set XIAODIAN_TEST_PG_URL."
        )
    })
}

/// Runs a statement that PostgreSQL refuses while another session is connected to the database it
/// names, trying again for up to ten seconds.
async fn execute_when_free(conn: &mut sqlx::PgConnection, statement: &str) {
    let mut attempt = 1;
    while let Err(error) = sqlx::query(statement).execute(&mut *conn).await {
        let busy = error.to_string().contains("is being accessed by other users");
        assert!(busy && attempt < CLONE_ATTEMPTS_MAX, "{statement}: {error}");
        attempt += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Drops the templates of earlier migration sets (best effort: one still being copied stays).
async fn drop_stale_templates(conn: &mut sqlx::PgConnection, current: &str) {
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'xiaodian\\_template\\_%' AND datname <> $1",
    )
    .bind(current)
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in stale.iter().filter(|name| !name.ends_with("_building")) {
        let _ =
            sqlx::query(&format!("ALTER DATABASE {name} WITH IS_TEMPLATE false")).execute(&mut *conn).await;
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut *conn).await;
    }
}

/// The migrated template, created once (per machine, until the migrations change).
async fn template(admin: &str) -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let mut conn = admin_connection(admin).await;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(TEMPLATE_LOCK)
                .execute(&mut conn)
                .await
                .expect("lock");
            let exists = sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut conn)
                .await
                .expect("look for the template")
                .is_some();
            if !exists {
                // Built under another name and renamed when complete: a half-built template is
                // never copied.
                let building = format!("{name}_building");
                let drop = format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)");
                sqlx::query(&drop).execute(&mut conn).await.expect("drop a half-built template");
                sqlx::query(&format!("CREATE DATABASE {building}"))
                    .execute(&mut conn)
                    .await
                    .expect("CREATE DATABASE");
                let db = store::Db::connect_with(&with_database(admin, &building), 2)
                    .await
                    .expect("migrate the template");
                db.close().await;
                // The pool's sessions end a moment after it closes, or (seen in two builds out of five:
                // the migrator's connection left idle) never: nobody else uses this database, so
                // whatever is still connected to it is ended.
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&building)
                .execute(&mut conn)
                .await
                .expect("end the sessions on the template");
                execute_when_free(&mut conn, &format!("ALTER DATABASE {building} RENAME TO {name}")).await;
                drop_stale_templates(&mut conn, &name).await;
            }
            // Nobody connects to the template from now on, autovacuum included (it skips
            // databases that allow no connections): a session on it would make copies wait.
            let close = format!("ALTER DATABASE {name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false");
            sqlx::query(&close).execute(&mut conn).await.expect("close the template to connections");
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(TEMPLATE_LOCK)
                .execute(&mut conn)
                .await
                .expect("unlock");
            let _ = conn.close().await;
            name
        })
        .await
}

impl TestDb {
    /// A migrated database of this engine.
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// A database with no tables (for upgrade and restore tests): SQLite's file does not exist
    /// yet, PostgreSQL's database is empty.
    pub async fn empty(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres_empty().await,
        }
    }

    /// A temporary SQLite file, not created yet: opening it migrates it (SQLite migrates in
    /// milliseconds).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite:{}", dir.path().join("xiaodian.db").display());
        TestDb { url, backend: Backend::Sqlite, _dir: Some(dir), pg_drop: None }
    }

    /// A new PostgreSQL database with every migration applied, copied from the template. Fails
    /// the test loudly when PostgreSQL cannot be reached.
    pub async fn postgres() -> TestDb {
        let admin = pg_admin_url();
        let template = template(&admin).await;
        TestDb::postgres_created(admin, &format!("TEMPLATE {template}")).await
    }

    /// A new, empty PostgreSQL database.
    pub async fn postgres_empty() -> TestDb {
        TestDb::postgres_created(pg_admin_url(), "").await
    }

    async fn postgres_created(admin: String, options: &str) -> TestDb {
        let name = format!("xiaodian_test_{:016x}", rand::thread_rng().r#gen::<u64>());
        let mut conn = admin_connection(&admin).await;
        // A copy is refused while another session is connected to the template; the only ones
        // are other copies starting, which end within milliseconds.
        execute_when_free(&mut conn, &format!("CREATE DATABASE {name} {options}")).await;
        let _ = conn.close().await;
        TestDb {
            url: with_database(&admin, &name),
            backend: Backend::Postgres,
            _dir: None,
            pg_drop: Some((admin, name)),
        }
    }

    /// Opens the store on this database with a small pool.
    pub async fn open(&self) -> store::Db {
        store::Db::connect_with(&self.url, 6).await.expect("open the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg_drop.take() else { return };
        // Drop runs outside any runtime guarantee, so the DROP DATABASE gets a thread and runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()?;
                conn.close().await.ok()
            })
        })
        .join();
    }
}

/// Runs a story test on both backends: `both_backends!(name)` turns `async fn name(backend: Backend)`
/// into the tests `name_sqlite` and `name_postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await
                }
            }
        )*
    };
}
