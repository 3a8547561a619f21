//! The app clock: where every "now" in Xiaodian comes from. System time, or a manual clock that an
//! admin moves through the API so tests and demos can cross weeks in a second.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// The manual clock behind this one, if it is manual.
    fn as_manual(&self) -> Option<&ManualClock> {
        None
    }
    fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

/// The operating system's clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        // This is the one place that reads the system time.
        Utc::now()
    }
}

/// A clock that stands still until it is set.
#[derive(Debug)]
pub struct ManualClock {
    now_ms: AtomicI64,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock { now_ms: AtomicI64::new(start.timestamp_millis()) }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        self.now_ms.store(now.timestamp_millis(), Ordering::SeqCst);
    }

    pub fn advance_ms(&self, ms: i64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let ms = self.now_ms.load(Ordering::SeqCst);
        DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
    }

    fn as_manual(&self) -> Option<&ManualClock> {
        Some(self)
    }
}

/// China standard time, the zone of every calendar rule (UTC+8, no daylight saving since 1991).
pub fn china_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::FixedOffset::east_opt(0).unwrap())
}

/// The calendar date in Asia/Shanghai of an instant.
pub fn china_date(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&china_offset()).date_naive()
}

/// Midnight at the start of a China calendar date, as an instant.
pub fn china_midnight(date: chrono::NaiveDate) -> DateTime<Utc> {
    let local = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    (local - chrono::Duration::hours(8)).and_utc()
}

impl crate::App {
    /// Moves the manual clock (admin only); answers the new time. Refused when the clock is the
    /// system clock. The clock may move backwards, for demos; every move is audited.
    pub async fn set_clock(&self, ctx: &crate::Ctx, now: DateTime<Utc>) -> crate::AppResult<DateTime<Utc>> {
        use crate::{AppError, Code};
        ctx.actor.require(&[domain::auth::Role::Admin])?;
        let manual = self.clock().as_manual().ok_or_else(|| {
            AppError::new(Code::ClockNotManual, "start serve with --clock manual to set the clock")
        })?;
        let before = manual.now();
        manual.set(now);
        let mut tx = self.db().begin().await?;
        let detail = format!("from={} to={}", before.to_rfc3339(), now.to_rfc3339());
        self.audit(&mut tx, ctx, "clock.set", "clock", &detail).await?;
        tx.commit().await?;
        Ok(now)
    }

    /// Figures for the metrics page: (name, help, value).
    pub async fn gauges(&self) -> crate::AppResult<Vec<(String, String, i64)>> {
        let mut conn = self.db().read().await?;
        let mut gauges = Vec::new();
        for status in ["pending", "failed"] {
            let count = store::jobs::count_by_status(&mut conn, status).await?;
            gauges.push((format!("xiaodian_jobs_{status}"), format!("Jobs in status {status}."), count));
        }
        drop(conn);
        let overdue = self.overdue_refunds().await?;
        gauges.push((
            "xiaodian_refunds_overdue".into(),
            "Deposit refunds past their due day without a decision.".into(),
            overdue,
        ));
        gauges.push((
            "xiaodian_webhook_deliveries_failed".into(),
            "Webhook events that failed every attempt.".into(),
            self.db().failed_webhook_deliveries().await?,
        ));
        let (overdue, in_flight, in_flight_fen) = self.payout_gauges().await?;
        gauges.push((
            "xiaodian_payouts_overdue".into(),
            "Payouts still sent, unconfirmed by the channel, past their working-day limit.".into(),
            overdue,
        ));
        gauges.push((
            "xiaodian_payouts_in_flight".into(),
            "Payouts requested or sent, not yet paid or returned.".into(),
            in_flight,
        ));
        gauges.push((
            "xiaodian_payouts_in_flight_fen".into(),
            "Money in flight to payees, in fen.".into(),
            in_flight_fen,
        ));
        gauges.extend(self.backup_gauges());
        Ok(gauges)
    }
}
