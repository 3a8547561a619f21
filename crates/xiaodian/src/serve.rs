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
}

impl ServeArgs {
    /// The app settings: the common ones, then the content settings of `serve`.
    fn config(&self) -> anyhow::Result<AppConfig> {
        let mut config = self.db.config()?;
        config.video_bytes_max = self.video_bytes_max;
        config.cadence_lookahead_days = i64::from(self.cadence_lookahead_days.clamp(1, 60));
        config.comments_unanswered_alert = i64::from(self.comments_unanswered_alert);
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
    let router = api::router(app.clone(), console::router(app.clone()));
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    print_banner(&address.to_string(), args.demo, seeded);
    if worker_on {
        tokio::spawn(worker(app.clone(), Duration::from_secs(args.worker_interval_seconds.max(1))));
    }
    tokio::spawn(webhook_sender(app.clone()));
    axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await?;
    app.db().close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

fn print_banner(address: &str, demo: bool, seeded: bool) {
    println!("Xiaodian 小店后台 is listening on http://{address}");
    println!("  console: http://{address}/console");
    println!("  API:     http://{address}/api/v1  (OpenAPI: http://{address}/api/openapi.json)");
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

/// Posts due webhook events, apart from the job worker so that a slow endpoint delays nothing else.
/// It runs on every clock: a retry waits for the app clock (on a manual clock, for the admin to move it).
async fn webhook_sender(app: App) {
    loop {
        match app.send_due_webhooks().await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "webhook events sent"),
            Err(error) => tracing::error!(%error, "webhook sender"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
