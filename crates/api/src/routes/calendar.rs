//! The working-day calendar: one day, and "N working days after a date".

use axum::extract::State;
use chrono::NaiveDate;
use domain::calendar::DayInfo;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::openapi::{Doc, Method, Routes};
use app::Code;

pub fn add(routes: Routes) -> Routes {
    let day = Doc::new("calendar", "One day: working day or not, kind, holiday name (public)");
    let add = Doc::new("calendar", "The date N working days after a date (from, days; public)");
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

/// The JSON shape of a day, shared with the CLI's `calendar day`.
pub fn day_json(day: &DayInfo) -> Value {
    json!({
        "date": day.date.format("%Y-%m-%d").to_string(),
        "workday": day.workday,
        "kind": day.kind.as_str(),
        "holiday": day.holiday.as_ref().map(|name| name.zh.clone()),
        "holiday_en": day.holiday.as_ref().map(|name| name.en.clone()),
        "provisional": day.provisional,
    })
}

async fn get_day(State(state): State<AppState>, Path(date): Path<String>) -> ApiResult<axum::Json<Value>> {
    let date = parse_date(&date)?;
    Ok(axum::Json(day_json(&state.app.calendar_day(date))))
}

#[derive(Deserialize)]
struct AddQuery {
    from: String,
    days: i64,
}

async fn add_workdays(
    State(state): State<AppState>,
    Query(query): Query<AddQuery>,
) -> ApiResult<axum::Json<Value>> {
    let from = parse_date(&query.from)?;
    let result = state.app.add_workdays(from, query.days)?;
    Ok(axum::Json(
        json!({ "date": result.date.format("%Y-%m-%d").to_string(), "provisional": result.provisional }),
    ))
}
