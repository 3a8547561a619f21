//! The working-day calendar the app uses: the built-in years plus notices operators imported.

use std::sync::Arc;

use chrono::NaiveDate;
use domain::auth::Role;
use domain::calendar::{ADD_WORKDAYS_MAX, Calendar, DayInfo, WorkdayDate, YearNotice};
use domain::limits::CALENDAR_NOTICE_BYTES_MAX;

use crate::{App, AppError, AppResult, Code, Ctx};

impl App {
    /// The calendar as it stands now (cheap: a shared pointer).
    pub fn calendar(&self) -> Arc<Calendar> {
        match self.calendar.read() {
            Ok(calendar) => calendar.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn calendar_day(&self, date: NaiveDate) -> DayInfo {
        self.calendar().day(date)
    }

    pub fn add_workdays(&self, from: NaiveDate, days: i64) -> AppResult<WorkdayDate> {
        let days = u32::try_from(days).ok().filter(|days| *days <= ADD_WORKDAYS_MAX).ok_or_else(|| {
            AppError::new(Code::InvalidField, format!("days must be 0 to {ADD_WORKDAYS_MAX}"))
        })?;
        Ok(self.calendar().add_workdays(from, days))
    }

    /// Loads a year's State Council notice (admin only), replacing an earlier one for that year.
    /// Answers the year loaded.
    pub async fn import_calendar_notice(&self, ctx: &Ctx, text: &str) -> AppResult<i32> {
        ctx.actor.require(&[Role::Admin])?;
        if text.len() > CALENDAR_NOTICE_BYTES_MAX {
            return Err(AppError::new(Code::InvalidCalendarNotice, "the notice is larger than 64 KiB"));
        }
        let notice = YearNotice::parse(text)
            .map_err(|error| AppError::new(Code::InvalidCalendarNotice, error.to_string()))?;
        let mut tx = self.db().begin().await?;
        store::calendar::upsert_notice(&mut tx, notice.year, &notice.source, text, self.clock().now_ms())
            .await?;
        let detail = format!(
            "holidays={} makeups={} source={}",
            notice.holiday_count(),
            notice.makeup_count(),
            notice.source
        );
        self.audit(&mut tx, ctx, "calendar.import", &format!("calendar:{}", notice.year), &detail).await?;
        tx.commit().await?;
        self.reload_calendar().await?;
        Ok(notice.year)
    }

    /// Rebuilds the calendar from the built-in years and every imported notice.
    pub(crate) async fn reload_calendar(&self) -> AppResult<()> {
        let mut calendar = Calendar::builtin();
        let mut conn = self.db().read().await?;
        for text in store::calendar::all_notices(&mut conn).await? {
            match YearNotice::parse(&text) {
                Ok(notice) => calendar.insert_notice(notice),
                Err(error) => tracing::error!(%error, "a stored calendar notice no longer parses; skipped"),
            }
        }
        match self.calendar.write() {
            Ok(mut slot) => *slot = Arc::new(calendar),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(calendar),
        }
        Ok(())
    }
}
