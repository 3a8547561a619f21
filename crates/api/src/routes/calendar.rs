//! The working-day calendar: one day, and "N working days after a date".

use axum::extract::State;
use chrono::NaiveDate;
use domain::calendar::{DayInfo, WorkdayDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Answer;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};
use app::Code;

pub fn add(routes: Routes) -> Routes {
    let day = Doc::new("calendar", "One day: working day or not, kind, holiday name (public)")
        .answer::<CalendarDayBody>();
    let add = Doc::new("calendar", "The date N working days after a date (from, days; public)")
        .query::<AddWorkdaysQuery>()
        .answer::<WorkdayDateBody>();
    routes.add(Method::Get, "/api/v1/calendar/days/{date}", day, get_day).add(
        Method::Get,
        "/api/v1/calendar/add-workdays",
        add,
        add_workdays,
    )
}

pub fn parse_date(text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ApiError::new(Code::InvalidDate, format!("{text:?} is not a date YYYY-MM-DD")))
}

/// One day of the working-day calendar, shared with the CLI's `calendar day`.
#[derive(Serialize, JsonSchema)]
pub struct CalendarDayBody {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub workday: bool,
    /// `workday`, `weekend`, `holiday` or `makeup_workday`.
    pub kind: &'static str,
    /// The holiday's Chinese name, on a holiday.
    pub holiday: Option<String>,
    pub holiday_en: Option<String>,
    /// True when no notice is loaded for the day's year.
    pub provisional: bool,
}

impl From<&DayInfo> for CalendarDayBody {
    fn from(day: &DayInfo) -> CalendarDayBody {
        CalendarDayBody {
            date: day.date.format("%Y-%m-%d").to_string(),
            workday: day.workday,
            kind: day.kind.as_str(),
            holiday: day.holiday.as_ref().map(|name| name.zh.clone()),
            holiday_en: day.holiday.as_ref().map(|name| name.en.clone()),
            provisional: day.provisional,
        }
    }
}

async fn get_day(State(state): State<AppState>, Path(date): Path<String>) -> Answer<CalendarDayBody> {
    let date = parse_date(&date)?;
    Ok(Json(CalendarDayBody::from(&state.app.calendar_day(date))))
}

/// The date a number of working days after another.
#[derive(Serialize, JsonSchema)]
struct WorkdayDateBody {
    /// `YYYY-MM-DD`.
    date: String,
    /// True when a year on the way has no notice loaded.
    provisional: bool,
}

impl From<&WorkdayDate> for WorkdayDateBody {
    fn from(result: &WorkdayDate) -> WorkdayDateBody {
        WorkdayDateBody { date: result.date.format("%Y-%m-%d").to_string(), provisional: result.provisional }
    }
}

/// A date and a number of working days to add to it.
#[derive(Deserialize, JsonSchema)]
struct AddWorkdaysQuery {
    /// `YYYY-MM-DD`.
    from: String,
    days: i64,
}

async fn add_workdays(
    State(state): State<AppState>,
    Query(query): Query<AddWorkdaysQuery>,
) -> Answer<WorkdayDateBody> {
    let from = parse_date(&query.from)?;
    Ok(Json(WorkdayDateBody::from(&state.app.add_workdays(from, query.days)?)))
}
