//! Throwaway databases: a temporary SQLite file, or a fresh PostgreSQL database that is dropped
//! when the test ends.

use rand::Rng;

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

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite:{}", dir.path().join("xiaodian.db").display());
        TestDb { url, backend: Backend::Sqlite, _dir: Some(dir), pg_drop: None }
    }

    /// A new, empty PostgreSQL database. Fails the test loudly when PostgreSQL cannot be reached.
    pub async fn postgres() -> TestDb {
        use sqlx::Connection;
        let admin = pg_admin_url();
        let name = format!("xiaodian_test_{:016x}", rand::thread_rng().r#gen::<u64>());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|error| {
            panic!(
                "PostgreSQL is required for this test and could not be reached at {admin}: {error}. \
                 Start it (pg_ctlcluster 15 main start) or set XIAODIAN_TEST_PG_URL."
            )
        });
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("CREATE DATABASE");
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
                use sqlx::Connection;
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
