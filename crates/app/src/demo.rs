//! Demo data for `serve --demo`: one user per role on an empty database, then half a year of shop
//! life played through the real use cases on a demo clock that walks from the past to now, running
//! the jobs that fall due on the way (`demo_closure.rs` writes the shops' stories). Nothing is
//! inserted behind the use cases' back: a closed shop is closed by its closure job, a refund is
//! released or sent to review by its release job. `demo_verification.rs` then adds the enterprise
//! accounts with a blue-V application in every state; `demo_content.rs` plays a verified account's videos
//! inside the same walk.

use std::sync::Arc;

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};

pub use crate::demo_content::DEMO_MEMBERS;

use crate::clock::{china_date, china_midnight};
use crate::{Actor, App, AppError, AppResult, Clock, Ctx, ManualClock};

/// A demo login printed at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: &'static str,
    pub password: &'static str,
    pub role: &'static str,
    pub merchant: Option<&'static str>,
}

/// The demo users. Their passwords are public: `--demo` is for trying Xiaodian out, never production.
pub const DEMO_LOGINS: [DemoLogin; 4] = [
    DemoLogin { username: "admin", password: "admin-demo-2026", role: "admin", merchant: None },
    DemoLogin { username: "reviewer", password: "reviewer-demo-2026", role: "reviewer", merchant: None },
    DemoLogin {
        username: "merchant",
        password: "merchant-demo-2026",
        role: "merchant",
        merchant: Some("杭州小店科技有限公司"),
    },
    DemoLogin { username: "service", password: "service-demo-2026", role: "service", merchant: None },
];

/// Days of history the demo plays before now.
pub const DEMO_HISTORY_DAYS: i64 = 200;

/// The demo's own manual clock, walking from `DEMO_HISTORY_DAYS` ago to the app's now one day at
/// a time (10:00 China time each day), running the jobs due on the way as the worker would.
pub(crate) struct DemoHistory {
    /// The app on the demo clock: the same database, settings and caches.
    pub(crate) app: App,
    clock: Arc<ManualClock>,
    end: DateTime<Utc>,
    end_day: NaiveDate,
    days_ago: i64,
    jobs: Ctx,
    /// The enterprise account's content, played a day at a time during the walk.
    content: crate::demo_content::ContentStory,
}

impl DemoHistory {
    fn start(app: &App, days: i64) -> DemoHistory {
        let end = app.clock().now();
        let end_day = china_date(end);
        let clock = Arc::new(ManualClock::new(end));
        let history = DemoHistory {
            app: app.on_clock(clock.clone()),
            clock,
            end,
            end_day,
            days_ago: days,
            jobs: Ctx::system("demo-worker"),
            content: crate::demo_content::ContentStory::default(),
        };
        history.clock.set(history.moment(days));
        history
    }

    /// The China calendar day `days_ago` days before now.
    pub(crate) fn day(&self, days_ago: i64) -> NaiveDate {
        let back = Days::new(days_ago.max(0).unsigned_abs());
        self.end_day.checked_sub_days(back).unwrap_or(self.end_day)
    }

    fn moment(&self, days_ago: i64) -> DateTime<Utc> {
        china_midnight(self.day(days_ago)) + Duration::hours(10)
    }

    /// Walks the clock to 10:00 of the day `days_ago` days before now, day by day, running the
    /// jobs due each day. The clock never goes back.
    pub(crate) async fn walk_to(&mut self, days_ago: i64) -> AppResult<()> {
        if days_ago > self.days_ago {
            return Err(AppError::internal(&format!("the demo history cannot go back to day -{days_ago}")));
        }
        while self.days_ago > days_ago {
            self.days_ago -= 1;
            self.clock.set(self.moment(self.days_ago).min(self.end));
            self.app.run_due_jobs(&self.jobs).await?;
            let day = self.day(self.days_ago);
            self.content.day(&self.app, self.days_ago, day).await?;
        }
        Ok(())
    }

    /// Brings the clock to the app's now and runs what fell due; later jobs stay for the worker.
    async fn finish(mut self) -> AppResult<()> {
        self.walk_to(0).await?;
        self.clock.set(self.end);
        self.app.run_due_jobs(&self.jobs).await?;
        Ok(())
    }
}

impl App {
    /// This app on another clock: the same database, settings and caches, with a ledger engine of
    /// its own on that clock (it stops when the copy is dropped).
    fn on_clock(&self, clock: Arc<dyn Clock>) -> App {
        let engine =
            crate::ledger::LedgerEngine::start(self.db.clone(), self.platform.clone(), clock.clone());
        App { clock, engine, ..self.clone() }
    }

    /// Fills an empty database with demo data; does nothing when any user exists. Answers whether
    /// it created anything.
    pub async fn seed_demo(&self) -> AppResult<bool> {
        let mut conn = self.db().read().await?;
        if store::users::count_users(&mut conn).await? > 0 {
            return Ok(false);
        }
        drop(conn);
        let mut history = DemoHistory::start(self, DEMO_HISTORY_DAYS);
        let ctx = Ctx::system("demo");
        for login in DEMO_LOGINS {
            history.app.create_user(&ctx, login.username, login.role, login.merchant, login.password).await?;
        }
        crate::demo_closure::play(&mut history).await?;
        crate::demo_payouts::play(&mut history).await?;
        history.finish().await?;
        self.seed_demo_verifications().await?;
        Ok(true)
    }

    /// The demo user `username` acting, as if logged in (no session is created).
    pub(crate) async fn demo_ctx(&self, username: &str) -> AppResult<Ctx> {
        let mut conn = self.db().read().await?;
        let user = store::users::find_user_by_username(&mut conn, username)
            .await?
            .ok_or_else(|| AppError::internal(&format!("demo user {username} is missing")))?;
        let actor = Actor::of_user(&user)?;
        Ok(Ctx { actor, request_id: format!("demo-{username}") })
    }
}
