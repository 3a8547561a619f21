//! `xiaodian serve`: the HTTP server, the job worker, the webhook sender and graceful shutdown.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use app::{App, AppConfig, Clock, Ctx, ManualClock, SystemClock};
use chrono::{DateTime, Utc};
use store::Db;

use crate::{DEFAULT_LISTEN, DbArg};

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArg,
    /// Address to listen on.
    #[arg(long, env = "XIAODIAN_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: String,
    /// `system`, or `manual[=RFC3339]` for a clock an admin moves through the API.
    #[arg(long, default_value = "system")]
    clock: String,
    /// Fill an empty database with demo data and print the demo logins.
    #[arg(long)]
    demo: bool,
    /// The job worker: `auto` runs it on the system clock and leaves it off on a manual clock
    /// (jobs then run through POST /api/v1/admin/jobs/run), `on` or `off`.
    #[arg(long, default_value = "auto")]
    worker: String,
    /// Seconds between two looks for due jobs.
    #[arg(long, default_value_t = 1)]
    worker_interval_seconds: u64,
    /// The largest video file accepted, in bytes (default 2 GiB).
    #[arg(long, env = "XIAODIAN_VIDEO_BYTES_MAX", default_value_t = domain::limits::VIDEO_BYTES_MAX_DEFAULT)]
    video_bytes_max: u64,
    /// A file listing the shopping festivals the publishing calendar shows, replacing the default
    /// list (format in `domain::festivals::parse_festivals`).
    #[arg(long, env = "XIAODIAN_FESTIVALS")]
    festivals: Option<std::path::PathBuf>,
    /// Days ahead the daily cadence check looks for a scheduled video.
    #[arg(long, env = "XIAODIAN_CADENCE_LOOKAHEAD_DAYS", default_value_t = 3)]
    cadence_lookahead_days: u32,
    /// Comments awaiting a reply at which an account's merchant is notified (0: never).
    #[arg(long, env = "XIAODIAN_COMMENTS_UNANSWERED_ALERT", default_value_t = 100)]
    comments_unanswered_alert: u32,
    /// Post every platform feed event to this address, signed with `--platform-webhook-secret`
    /// (the merchant webhook's `x-xiaodian-signature`), retried with its backoff.
    #[arg(long, env = "XIAODIAN_PLATFORM_WEBHOOK")]
    platform_webhook: Option<String>,
    /// The platform webhook's signing secret.
    #[arg(long, env = "XIAODIAN_PLATFORM_WEBHOOK_SECRET")]
    platform_webhook_secret: Option<String>,
    #[command(flatten)]
    security: SecurityArgs,
    #[command(flatten)]
    backup: crate::backup::ScheduleArgs,
}

/// The settings of the trust boundary (docs/security.md).
#[derive(clap::Args)]
pub struct SecurityArgs {
    /// A proxy (CIDR, repeatable) whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    #[arg(long = "trusted-proxy", env = "XIAODIAN_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// The address people reach the console at; `https://...` makes its cookies `Secure`.
    #[arg(long, env = "XIAODIAN_PUBLIC_URL")]
    public_url: Option<String>,
    /// Serve `/metrics` on this address instead of the main one.
    #[arg(long, env = "XIAODIAN_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// Let webhooks go to loopback, private and other non-public addresses (intranet installs).
    #[arg(long, env = "XIAODIAN_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool,
    /// Password hashes computed at once (default: the number of cores).
    #[arg(long, env = "XIAODIAN_PASSWORD_HASHES_MAX")]
    password_hashes_max: Option<usize>,
    /// Logins waiting for a hashing slot before more are refused with 503.
    #[arg(long, env = "XIAODIAN_PASSWORD_HASH_QUEUE_MAX", default_value_t = 32)]
    password_hash_queue_max: usize,
    /// Login attempts a minute for one username from one address.
    #[arg(long, env = "XIAODIAN_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 10)]
    login_attempts_per_minute: u32,
    /// Login attempts a minute from one address, across usernames.
    #[arg(long, env = "XIAODIAN_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE", default_value_t = 100)]
    login_attempts_per_address_per_minute: u32,
    /// Bytes of video and cover files one merchant may keep (default 50 GiB).
    #[arg(long, env = "XIAODIAN_STORAGE_QUOTA_BYTES", default_value_t = 50 * 1024 * 1024 * 1024)]
    storage_quota_bytes: u64,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "XIAODIAN_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10)]
    header_read_timeout_seconds: u64,
    /// Longest pause, in seconds, between two pieces of a request body.
    #[arg(long, env = "XIAODIAN_BODY_IDLE_TIMEOUT_SECONDS", default_value_t = 10)]
    body_idle_timeout_seconds: u64,
    /// Connections open at once.
    #[arg(long, env = "XIAODIAN_CONNECTIONS_MAX", default_value_t = 1000)]
    connections_max: usize,
}

impl SecurityArgs {
    fn apply(&self, config: &mut AppConfig) {
        config.trusted_proxies = self.trusted_proxies.clone();
        config.public_url_https =
            self.public_url.as_deref().is_some_and(|url| url.to_ascii_lowercase().starts_with("https://"));
        config.webhook_allow_private = self.webhook_allow_private;
        if let Some(max) = self.password_hashes_max {
            config.guards.password_hashes_max = max.max(1);
        }
        config.guards.password_hash_queue_max = self.password_hash_queue_max;
        config.guards.login_attempts_per_minute = self.login_attempts_per_minute.max(1);
        config.guards.login_attempts_per_address_per_minute =
            self.login_attempts_per_address_per_minute.max(1);
        config.storage_quota_bytes = self.storage_quota_bytes;
    }

    fn http_limits(&self) -> crate::http::HttpLimits {
        crate::http::HttpLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_seconds.clamp(1, 600)),
            body_idle_timeout: Duration::from_secs(self.body_idle_timeout_seconds.clamp(1, 600)),
            connections_max: self.connections_max.max(1),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl ServeArgs {
    /// The app settings: the common ones, then the content settings of `serve`.
    fn config(&self) -> anyhow::Result<AppConfig> {
        let mut config = self.db.config()?;
        config.video_bytes_max = self.video_bytes_max;
        config.cadence_lookahead_days = i64::from(self.cadence_lookahead_days.clamp(1, 60));
        config.comments_unanswered_alert = i64::from(self.comments_unanswered_alert);
        self.security.apply(&mut config);
        config.backup = self.backup.schedule(&self.db.db)?;
        if let Some(url) = &self.platform_webhook {
            let url = domain::webhooks::WebhookUrl::parse(url)
                .map_err(|e| anyhow::anyhow!("--platform-webhook: {e}"))?;
            let Some(secret) = self.platform_webhook_secret.clone().filter(|s| s.len() >= 16) else {
                bail!("--platform-webhook needs --platform-webhook-secret of at least 16 characters");
            };
            config.platform_webhook = Some((url, secret));
        }
        if let Some(path) = &self.festivals {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the festival list {}", path.display()))?;
            config.festivals = domain::festivals::parse_festivals(&text)
                .with_context(|| format!("the festival list {} does not parse", path.display()))?;
        }
        Ok(config)
    }
}

fn parse_clock(text: &str) -> anyhow::Result<Arc<dyn Clock>> {
    match text {
        "system" => Ok(Arc::new(SystemClock)),
        "manual" => Ok(Arc::new(ManualClock::new(SystemClock.now()))),
        other => match other.strip_prefix("manual=") {
            Some(start) => {
                let start = DateTime::parse_from_rfc3339(start)
                    .with_context(|| format!("{start:?} is not an RFC 3339 time"))?;
                Ok(Arc::new(ManualClock::new(start.with_timezone(&Utc))))
            }
            None => bail!("--clock takes system, manual or manual=RFC3339"),
        },
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    crate::init_logging();
    let clock = parse_clock(&args.clock)?;
    let worker_on = match args.worker.as_str() {
        "on" => true,
        "off" => false,
        "auto" => clock.as_manual().is_none(),
        other => bail!("--worker takes auto, on or off, not {other:?}"),
    };
    let config = args.config()?;
    let db =
        Db::connect(&args.db.db).await.with_context(|| format!("cannot open the database {}", args.db.db))?;
    let app = App::new(db, clock, Arc::new(SystemClock), config).await?;
    // The sentiment model is parsed once, now, rather than by the first comment batch.
    tokio::task::spawn_blocking(app::comments::classifier).await?;
    // And the newest adapted version of this deployment, if there is one.
    app.sentiment_classifier().await?;
    let seeded = if args.demo { app.seed_demo().await? } else { false };
    app.ensure_housekeeping_jobs().await?;
    let metrics_apart = args.security.metrics_listen.is_some();
    let (router, metrics_router) = api::routers(app.clone(), console::router(app.clone()), metrics_apart);
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let limits = args.security.http_limits();
    if let Some(metrics_listen) = &args.security.metrics_listen {
        let metrics_listener = tokio::net::TcpListener::bind(metrics_listen)
            .await
            .with_context(|| format!("cannot listen on {metrics_listen} for metrics"))?;
        println!("  metrics: http://{}/metrics", metrics_listener.local_addr()?);
        let never = std::future::pending::<()>();
        tokio::spawn(crate::http::serve(metrics_listener, metrics_router, limits, never));
    }
    let shutdown = shutdown_signal();
    print_banner(&address.to_string(), args.demo, seeded);
    if worker_on {
        tokio::spawn(worker(app.clone(), Duration::from_secs(args.worker_interval_seconds.max(1))));
    }
    tokio::spawn(webhook_sender(app.clone()));
    if app.config().platform_webhook.is_some() {
        tokio::spawn(platform_webhook_sender(app.clone()));
    }
    crate::http::serve(listener, router, limits, shutdown).await?;
    app.db().close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

fn print_banner(address: &str, demo: bool, seeded: bool) {
    println!("Xiaodian 小店后台 is listening on http://{address}");
    println!("  console: http://{address}/console");
    println!(
        "  API:     http://{address}/api/v1  (reference: http://{address}/api/docs, OpenAPI: /api/openapi.json)"
    );
    if demo {
        let note = if seeded { "created now" } else { "already present" };
        println!("  demo logins ({note}; public passwords, for trying Xiaodian out only):");
        for login in app::demo::DEMO_LOGINS {
            println!("    {:<10} {:<22} {}", login.username, login.password, login.role);
        }
        println!("  the demo merchant's team members (team role):");
        for (username, password, team_role) in app::demo::DEMO_MEMBERS {
            println!("    {username:<10} {password:<22} merchant ({team_role})");
        }
    }
}

async fn worker(app: App, interval: Duration) {
    let ctx = Ctx::system("worker");
    loop {
        match app.run_due_jobs(&ctx).await {
            Ok(0) => {}
            Ok(ran) => tracing::info!(ran, "jobs ran"),
            Err(error) => tracing::error!(%error, "job worker"),
        }
        tokio::time::sleep(interval).await;
    }
}

/// Posts due webhook events, apart from the job worker so that a slow endpoint delays nothing else:
/// each round starts deliveries without waiting for the ones in flight (one merchant's slow endpoint
/// holds only its own slot). It runs on every clock: a retry waits for the app clock (on a manual
/// clock, for the admin to move it).
async fn webhook_sender(app: App) {
    let sender = app::webhooks::WebhookSender::new(app.config());
    loop {
        match sender.round(&app).await {
            Ok(started) if started.is_empty() => {}
            Ok(started) => tracing::debug!(started = started.len(), "webhook deliveries started"),
            Err(error) => tracing::error!(%error, "webhook sender"),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Posts the platform feed to the platform webhook; after a failure, waits (on the app clock) the
/// merchant webhook's backoff before the next try.
async fn platform_webhook_sender(app: App) {
    let mut failures: i64 = 0;
    let mut next_try_ms = 0;
    loop {
        if app.clock().now_ms() >= next_try_ms {
            match app.send_platform_events().await {
                Ok(Ok(_)) => failures = 0,
                Ok(Err(why)) => {
                    failures = failures.saturating_add(1);
                    // The platform's feed never gives up: past the last attempt it keeps the longest wait.
                    let last = domain::limits::WEBHOOK_ATTEMPTS_MAX - 1;
                    let wait = domain::webhooks::retry_after_seconds(failures.min(last)).unwrap_or(6 * 3_600);
                    next_try_ms = app.clock().now_ms() + wait * 1_000;
                    tracing::warn!(%why, failures, wait_seconds = wait, "platform webhook");
                }
                Err(error) => tracing::error!(%error, "platform webhook"),
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Completes on SIGINT or SIGTERM. The handlers are installed when this is called (not when it is
/// first awaited), so a signal that arrives right after the banner is not lost.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt()).ok();
    let terminate = signal(SignalKind::terminate()).ok();
    async move {
        let wait = |signal: Option<tokio::signal::unix::Signal>| async move {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = wait(interrupt) => {},
            () = wait(terminate) => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
