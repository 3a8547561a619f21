//! Use cases of Xiaodian. Each public method of `App` loads what it needs, decides with `domain`,
//! and saves the outcome and its audit row in one transaction. `api` and `console` both call these;
//! a rule is never written twice.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod demo;
pub mod error;
pub mod jobs;

use std::sync::{Arc, RwLock};

use domain::calendar::Calendar;
use store::Db;

pub use auth::{Actor, Ctx};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, AppResult, Code};

/// Settings that are policy, not law: every one has the documented default.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// How long a login token lives, in seconds of real time.
    pub session_ttl_seconds: i64,
    /// How long a server trusts a cached token before it asks the database again; bounds how long
    /// a token revoked through another server keeps working here.
    pub token_cache_ttl_ms: u64,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig { session_ttl_seconds: 12 * 3600, token_cache_ttl_ms: 5_000 }
    }
}

/// The application: database, clocks, calendar and caches. Cheap to clone.
#[derive(Clone)]
pub struct App {
    db: Db,
    /// Business time: deadlines, jobs, records.
    clock: Arc<dyn Clock>,
    /// Real elapsed time for security timers (token expiry, login rate limit), so that moving the
    /// manual clock ahead by weeks does not log everybody out.
    session_clock: Arc<dyn Clock>,
    calendar: Arc<RwLock<Arc<Calendar>>>,
    tokens: Arc<auth::TokenCache>,
    config: Arc<AppConfig>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("db", &self.db).finish()
    }
}

impl App {
    /// Builds the app over an open database and loads the calendar notices imported into it.
    pub async fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        session_clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> AppResult<App> {
        let app = App {
            db,
            clock,
            session_clock,
            calendar: Arc::new(RwLock::new(Arc::new(Calendar::builtin()))),
            tokens: Arc::new(auth::TokenCache::default()),
            config: Arc::new(config),
        };
        app.reload_calendar().await?;
        Ok(app)
    }

    /// An app on the system clock with default settings.
    pub async fn with_system_clock(db: Db) -> AppResult<App> {
        App::new(db, Arc::new(SystemClock), Arc::new(SystemClock), AppConfig::default()).await
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }
}
