//! Use cases of Xiaodian. Each public method of `App` loads what it needs, decides with `domain`,
//! and saves the outcome and its audit row in one transaction. `api` and `console` both call these;
//! a rule is never written twice.

pub mod analytics;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod campaigns;
pub mod clock;
pub mod closure;
pub mod comments;
pub mod demo;
mod demo_analytics;
mod demo_closure;
mod demo_content;
mod demo_messages;
mod demo_payouts;
mod demo_verification;
pub mod error;
pub mod feed;
pub mod health;
pub mod inbox;
pub mod invariants;
pub mod jobs;
pub mod ledger;
pub mod notifications;
pub mod operations;
pub mod payouts;
pub mod private_messages;
pub mod reports;
pub mod reputation;
pub mod sales;
pub mod secrets;
pub mod security;
pub mod sentiment;
pub mod shops;
pub mod team;
pub mod uploads;
pub mod verification;
pub mod videos;
pub mod violations;
pub mod webhooks;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};

use domain::calendar::Calendar;
use store::Db;

pub use auth::{Actor, Ctx};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, AppResult, Code};

/// Settings that are policy, not law: every one has the documented default.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Shop categories a merchant may choose: (code, 中文, English).
    pub shop_categories: Vec<(String, String, String)>,
    /// The basic deposit by sales (DESIGN §2.2), for every category without an override.
    pub deposit_policy: domain::operations::DepositPolicy,
    /// Deposit policies of categories that differ from the basic one: (category code, policy).
    pub deposit_policy_overrides: Vec<(String, domain::operations::DepositPolicy)>,
    /// Days a completed order's proceeds settle before they become withdrawable.
    pub settlement_delay_days: i64,
    /// Working days after closure before the deposit refund may be released, and by which it must
    /// be decided.
    pub refund_release_workdays: i64,
    pub refund_due_workdays: i64,
    /// Months after a closed shop's refund was settled before the same entity may open a new shop.
    pub reopen_wait_months: u32,
    /// The largest single top-up accepted, in fen.
    pub top_up_fen_max: i64,
    /// The largest penalty a reviewer may record, in fen.
    pub penalty_fen_max: i64,
    /// Days after a violation is recorded during which the merchant may appeal.
    pub appeal_window_days: i64,
    /// Violation kinds that count as serious (and so let the platform refuse a deposit refund).
    pub serious_violation_kinds: Vec<String>,
    /// How long a login token lives, in seconds of real time.
    pub session_ttl_seconds: i64,
    /// How long a server trusts a cached token before it asks the database again; bounds how long
    /// a token revoked through another server keeps working here.
    pub token_cache_ttl_ms: u64,
    /// Where documents and the secret key file live (the SQLite database usually does too).
    pub data_dir: PathBuf,
    /// The key that encrypts personal data at rest, as 64 hex characters (from
    /// `XIAODIAN_SECRET_KEY`); when absent, `secret.key` in the data directory is used, created on
    /// first use.
    pub secret_key_hex: Option<String>,
    /// Industries an enterprise may verify in, with whether a permit is needed or the industry is
    /// not admitted at all.
    pub industries: Vec<domain::verification::Industry>,
    /// The review fee of one verification application, in fen (never refunded).
    pub verification_fee_fen: i64,
    /// Working days after submission by which a review should be done, and must be done.
    pub review_target_workdays: i64,
    pub review_due_workdays: i64,
    /// Days the merchant has to make requested changes before the application fails.
    pub changes_window_days: i64,
    /// Days after a failed application before a new one may start for the account.
    pub verification_cooldown_days: i64,
    /// Verified enterprise accounts one USCC may hold.
    pub verified_accounts_per_uscc_max: i64,
    /// Days before the badge expires on which the merchant is reminded.
    pub badge_reminder_days: Vec<i64>,
    /// The largest video file accepted, in bytes.
    pub video_bytes_max: u64,
    /// The shopping festivals the publishing calendar shows.
    pub festivals: Vec<domain::festivals::Festival>,
    /// Days ahead the daily cadence check looks for a scheduled video.
    pub cadence_lookahead_days: i64,
    /// The hour of the day (China time) at which each account's cadence is checked.
    pub cadence_check_hour: u32,
    /// Comments awaiting a reply at which an account's merchant is notified (when a batch brings the
    /// count from below to at or above it); 0 turns the notification off.
    pub comments_unanswered_alert: i64,
    /// Password hashing and rate limits at the trust boundary.
    pub guards: security::GuardConfig,
    /// Whether webhooks may go to loopback, private and other non-public addresses (intranet installs
    /// and tests); off by default.
    pub webhook_allow_private: bool,
    /// Webhook deliveries in flight at once, over all merchants, and for one merchant.
    pub webhook_deliveries_concurrent: usize,
    pub webhook_in_flight_per_merchant: usize,
    /// Bytes of video and cover files one merchant may keep.
    pub storage_quota_bytes: u64,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (the client address is
    /// otherwise the socket's peer).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Whether the console is served over https (`--public-url https://...`): its cookies are then
    /// `Secure`. A trusted proxy's `X-Forwarded-Proto: https` makes them so per request.
    pub public_url_https: bool,
    /// Hours a video or cover file no video refers to any more is kept before it is removed.
    pub unreferenced_file_grace_hours: i64,
    /// Scheduled backups of the embedded SQLite database (`serve --backup-dir`); none by default.
    pub backup: Option<backup::BackupSchedule>,
    /// Reputation monitoring counts a comment as negative when its sentiment score (the
    /// probability it is positive) is below this.
    pub reputation_negative_below: f64,
    /// New sentiment corrections at which the nightly job fits a new domain layer.
    pub sentiment_adapt_min_corrections: i64,
    /// Working days after which a payout still `sent` is flagged overdue.
    pub payout_overdue_workdays: i64,
    /// Days platform events are kept.
    pub feed_retention_days: i64,
    /// The platform webhook every feed event is posted to, and its signing secret.
    pub platform_webhook: Option<(domain::webhooks::WebhookUrl, String)>,
}

impl Default for AppConfig {
    fn default() -> Self {
        let categories = [
            ("apparel", "服饰", "Apparel"),
            ("food", "食品", "Food"),
            ("beauty", "美妆", "Beauty"),
            ("electronics", "数码", "Electronics"),
            ("home", "家居", "Home"),
            ("books", "图书", "Books"),
            ("other", "其他", "Other"),
        ];
        AppConfig {
            shop_categories: categories
                .iter()
                .map(|(c, zh, en)| (c.to_string(), zh.to_string(), en.to_string()))
                .collect(),
            deposit_policy: domain::operations::DepositPolicy::default(),
            deposit_policy_overrides: Vec::new(),
            settlement_delay_days: 7,
            refund_release_workdays: 7,
            refund_due_workdays: 15,
            reopen_wait_months: 6,
            top_up_fen_max: 100_000_000,
            penalty_fen_max: 10_000_000,
            appeal_window_days: 7,
            serious_violation_kinds: [
                "malicious_refund",
                "false_advertising",
                "counterfeit",
                "fake_transactions",
            ]
            .iter()
            .map(|k| k.to_string())
            .collect(),
            session_ttl_seconds: 12 * 3600,
            token_cache_ttl_ms: 5_000,
            data_dir: PathBuf::from("./xiaodian-data"),
            secret_key_hex: None,
            industries: domain::verification::default_industries(),
            verification_fee_fen: 60_000,
            review_target_workdays: 3,
            review_due_workdays: 5,
            changes_window_days: 10,
            verification_cooldown_days: 30,
            verified_accounts_per_uscc_max: 2,
            badge_reminder_days: vec![30, 7, 1],
            video_bytes_max: domain::limits::VIDEO_BYTES_MAX_DEFAULT,
            festivals: domain::festivals::default_festivals(),
            cadence_lookahead_days: 3,
            cadence_check_hour: 9,
            comments_unanswered_alert: 100,
            guards: security::GuardConfig::default(),
            webhook_allow_private: false,
            webhook_deliveries_concurrent: 16,
            webhook_in_flight_per_merchant: 1,
            storage_quota_bytes: 50 * 1024 * 1024 * 1024,
            unreferenced_file_grace_hours: 24,
            trusted_proxies: Vec::new(),
            public_url_https: false,
            backup: None,
            reputation_negative_below: 0.5,
            sentiment_adapt_min_corrections: 50,
            payout_overdue_workdays: 3,
            feed_retention_days: 30,
            platform_webhook: None,
        }
    }
}

impl AppConfig {
    /// The deposit policy of a shop category.
    pub fn deposit_policy_for(&self, category: &str) -> &domain::operations::DepositPolicy {
        self.deposit_policy_overrides
            .iter()
            .find(|(code, _)| code == category)
            .map_or(&self.deposit_policy, |(_, policy)| policy)
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
    guards: Arc<security::Guards>,
    config: Arc<AppConfig>,
    platform: Arc<ledger::PlatformAccounts>,
    engine: ledger::LedgerEngine,
    /// Immutable facts of shops seen recently (merchant, deposit account).
    shop_cache: Arc<shops::ShopCache>,
    /// The secret key, loaded (or created) on first use.
    secret: Arc<OnceLock<secrets::SecretKey>>,
    /// The scheduled backups' last outcome in this process.
    backups: Arc<backup::BackupState>,
    /// The sentiment classifier in use (the newest domain layer), by version.
    sentiment: Arc<sentiment::SentimentCache>,
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
        let platform = Arc::new(ledger::PlatformAccounts::load(&db).await?);
        let engine = ledger::LedgerEngine::start(db.clone(), platform.clone(), clock.clone());
        let guards = Arc::new(security::Guards::new(&config.guards, session_clock.clone()));
        let app = App {
            db,
            clock,
            session_clock,
            calendar: Arc::new(RwLock::new(Arc::new(Calendar::builtin()))),
            tokens: Arc::new(auth::TokenCache::default()),
            guards,
            config: Arc::new(config),
            platform,
            engine,
            shop_cache: Arc::default(),
            secret: Arc::new(OnceLock::new()),
            backups: Arc::default(),
            sentiment: Arc::default(),
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

    pub(crate) fn backups(&self) -> &backup::BackupState {
        &self.backups
    }

    pub(crate) fn sentiment_cache(&self) -> &sentiment::SentimentCache {
        &self.sentiment
    }
}
