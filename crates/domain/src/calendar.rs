//! The China working-day calendar (工作日): the State Council holiday notices as data, and working-day arithmetic over them.
//!
//! A day is a working day when it is Monday to Friday and not a holiday, or when it is a make-up
//! working day (调休上班) on a weekend. Each year's holidays and make-up days come from the State
//! Council General Office notice (国务院办公厅关于YYYY年部分节假日安排的通知), kept as a text file
//! under `data/calendar/YYYY.txt` and embedded in the binary for 2004 through 2026. Operators load
//! later years with `xiaodian calendar import FILE`. A year without a notice falls back to
//! Monday to Friday and every answer about it is marked provisional.
//!
//! # Notice file format
//!
//! One directive per line; leading and trailing spaces are ignored:
//!
//! ```text
//! # comments start with '#'; blank lines ignored
//! year 2026
//! source 国务院办公厅关于2026年部分节假日安排的通知 (published 2025-11-04)
//! holiday 2026-01-01..2026-01-03 元旦 | New Year's Day
//! holiday 2026-02-15..2026-02-23 春节 | Spring Festival
//! makeup 2026-01-04 元旦 | New Year's Day
//! makeup 2026-02-14 春节 | Spring Festival
//! ```
//!
//! - A line whose first character is `#` is a comment; comments take a whole line.
//! - `year YYYY` comes exactly once, before any `holiday` or `makeup` line.
//! - `source TEXT` comes exactly once and cites the notice (title, document number, address).
//! - `holiday START..END NAME_ZH | NAME_EN` is an inclusive range of days off, weekend days inside
//!   the holiday block included; a single day may be written `holiday DATE NAME_ZH | NAME_EN`.
//!   A range is at most 31 days long.
//! - `makeup DATE NAME_ZH | NAME_EN` is a Saturday or Sunday that is a working day.
//! - Dates are `YYYY-MM-DD`. They lie in the notice's year, except that a New Year block may
//!   reach back into the last week of the year before (the 2012 notice makes 2011-12-31 a
//!   working day, the 2024 notice starts the New Year break on 2023-12-30).
//! - A day is listed at most once in a notice. When two loaded notices list the same day, the
//!   notice of the later year wins, since it was published later.
//! - A file is at most `CALENDAR_NOTICE_BYTES_MAX` bytes.

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::limits::CALENDAR_NOTICE_BYTES_MAX;

/// Upper bound for add_workdays so user input cannot loop for ever.
pub const ADD_WORKDAYS_MAX: u32 = 3660;

/// Longest holiday range accepted on one `holiday` line, in days.
const HOLIDAY_RANGE_DAYS_MAX: i64 = 31;
/// How far into the year before a notice may reach (its New Year block), in days before January 1.
const PREVIOUS_YEAR_DAYS_MAX: i64 = 7;
/// Smallest year a notice may declare: the People's Republic's holiday system starts in 1949.
const NOTICE_YEAR_MIN: i32 = 1949;
/// Largest year a notice may declare.
const NOTICE_YEAR_MAX: i32 = 9999;

/// The embedded notices, one per year from 2004 through 2026.
const BUILTIN_NOTICES: [&str; 23] = [
    include_str!("../../../data/calendar/2004.txt"),
    include_str!("../../../data/calendar/2005.txt"),
    include_str!("../../../data/calendar/2006.txt"),
    include_str!("../../../data/calendar/2007.txt"),
    include_str!("../../../data/calendar/2008.txt"),
    include_str!("../../../data/calendar/2009.txt"),
    include_str!("../../../data/calendar/2010.txt"),
    include_str!("../../../data/calendar/2011.txt"),
    include_str!("../../../data/calendar/2012.txt"),
    include_str!("../../../data/calendar/2013.txt"),
    include_str!("../../../data/calendar/2014.txt"),
    include_str!("../../../data/calendar/2015.txt"),
    include_str!("../../../data/calendar/2016.txt"),
    include_str!("../../../data/calendar/2017.txt"),
    include_str!("../../../data/calendar/2018.txt"),
    include_str!("../../../data/calendar/2019.txt"),
    include_str!("../../../data/calendar/2020.txt"),
    include_str!("../../../data/calendar/2021.txt"),
    include_str!("../../../data/calendar/2022.txt"),
    include_str!("../../../data/calendar/2023.txt"),
    include_str!("../../../data/calendar/2024.txt"),
    include_str!("../../../data/calendar/2025.txt"),
    include_str!("../../../data/calendar/2026.txt"),
];

/// The working-day calendar: the loaded notices and an index of every day they change.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, YearNotice>,
    /// Every day some loaded notice lists, so that a lookup is O(log n) and allocates nothing.
    marks: BTreeMap<NaiveDate, DayMark>,
}

/// What a notice says about one day.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DayMark {
    Holiday(HolidayName),
    Makeup,
}

impl Calendar {
    /// The calendar with every embedded year, 2004 through 2026.
    pub fn builtin() -> Calendar {
        let mut calendar = Calendar::empty();
        for text in BUILTIN_NOTICES {
            // The embedded files are part of the program, and a test parses each of them: a
            // failure here is a bug, not an input error.
            let notice = YearNotice::parse(text).expect("an embedded calendar notice is valid");
            calendar.years.insert(notice.year, notice);
        }
        calendar.rebuild_marks();
        calendar
    }

    /// A calendar without any notice: every year falls back to Monday to Friday.
    pub fn empty() -> Calendar {
        Calendar::default()
    }

    /// Adds the notice of a year, or replaces the notice already loaded for that year.
    pub fn insert_notice(&mut self, notice: YearNotice) {
        self.years.insert(notice.year, notice);
        self.rebuild_marks();
    }

    /// The years that have a notice loaded, in increasing order.
    pub fn loaded_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// True when no notice is loaded for `year`, so its answers assume Monday to Friday.
    pub fn is_provisional(&self, year: i32) -> bool {
        !self.years.contains_key(&year)
    }

    /// Everything the calendar knows about one day.
    pub fn day(&self, date: NaiveDate) -> DayInfo {
        let (workday, kind, holiday) = match self.marks.get(&date) {
            Some(DayMark::Holiday(name)) => (false, DayKind::Holiday, Some(name.clone())),
            Some(DayMark::Makeup) => (true, DayKind::MakeupWorkday, None),
            None if is_weekend(date) => (false, DayKind::Weekend, None),
            None => (true, DayKind::Workday, None),
        };
        DayInfo { date, workday, kind, holiday, provisional: self.is_provisional(date.year()) }
    }

    /// True when `date` is a working day.
    pub fn is_workday(&self, date: NaiveDate) -> bool {
        match self.marks.get(&date) {
            Some(DayMark::Holiday(_)) => false,
            Some(DayMark::Makeup) => true,
            None => !is_weekend(date),
        }
    }

    /// The N-th working day strictly after `from`; days == 0 returns `from`. `provisional` is true when any year crossed (including from's and the result's) has no notice loaded.
    ///
    /// Callers clamp `days` to `ADD_WORKDAYS_MAX`. The walk stops at the last date chrono can
    /// represent, which no real deadline comes near.
    pub fn add_workdays(&self, from: NaiveDate, days: u32) -> WorkdayDate {
        debug_assert!(
            days <= ADD_WORKDAYS_MAX,
            "add_workdays called with {days} days, above ADD_WORKDAYS_MAX"
        );
        let mut date = from;
        let mut remaining = days;
        while remaining > 0 {
            let Some(next) = date.succ_opt() else {
                break;
            };
            date = next;
            if self.is_workday(date) {
                remaining -= 1;
            }
        }
        let provisional = (from.year()..=date.year()).any(|year| self.is_provisional(year));
        WorkdayDate { date, provisional }
    }

    /// Working days in the half-open range (from, to]: the number of working days strictly after `from` up to and including `to`.
    ///
    /// When `to` is before `from` the answer is the negated count of (to, from], so that
    /// `workdays_between(a, b) + workdays_between(b, c) == workdays_between(a, c)` always holds.
    /// The cost does not grow with the length of the range: Monday to Friday are counted by
    /// arithmetic, then corrected by the listed days inside the range.
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.workdays_between(to, from);
        }
        let mut count = weekdays_through(to) - weekdays_through(from);
        let range = (Bound::Excluded(from), Bound::Included(to));
        for (date, mark) in self.marks.range(range) {
            let marked_workday = matches!(mark, DayMark::Makeup);
            let plain_workday = !is_weekend(*date);
            count += i64::from(marked_workday) - i64::from(plain_workday);
        }
        count
    }

    /// Every day of `year` in order; empty when chrono cannot represent the year.
    pub fn year_days(&self, year: i32) -> Vec<DayInfo> {
        let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            return Vec::new();
        };
        first.iter_days().take_while(|date| date.year() == year).map(|date| self.day(date)).collect()
    }

    /// Recomputes the day index from the loaded notices, earlier years first so that a later
    /// notice wins a day that two notices list.
    fn rebuild_marks(&mut self) {
        self.marks.clear();
        for notice in self.years.values() {
            for range in &notice.holidays {
                for date in range.first.iter_days().take_while(|date| *date <= range.last) {
                    self.marks.insert(date, DayMark::Holiday(range.name.clone()));
                }
            }
            for makeup in &notice.makeups {
                self.marks.insert(makeup.date, DayMark::Makeup);
            }
        }
    }
}

/// A date reached by working-day arithmetic, and whether it rests on a year without a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkdayDate {
    pub date: NaiveDate,
    pub provisional: bool,
}

/// Everything the calendar knows about one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub workday: bool,
    pub kind: DayKind,
    /// The holiday the day belongs to; `Some` only when `kind` is `DayKind::Holiday`.
    pub holiday: Option<HolidayName>,
    /// True when no notice is loaded for the day's year.
    pub provisional: bool,
}

/// Why a day is, or is not, a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not a make-up working day.
    Weekend,
    /// A day off listed by a notice.
    Holiday,
    /// A Saturday or Sunday worked in exchange for a day off (调休上班).
    MakeupWorkday,
}

impl DayKind {
    /// The stable snake_case name used in the API, the console and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Workday => "workday",
            DayKind::Weekend => "weekend",
            DayKind::Holiday => "holiday",
            DayKind::MakeupWorkday => "makeup_workday",
        }
    }
}

/// The name of a holiday in Chinese and in English, as a notice gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayName {
    pub zh: String,
    pub en: String,
}

/// One year's State Council notice: its days off and its make-up working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearNotice {
    pub year: i32,
    pub source: String,
    holidays: Vec<HolidayRange>,
    makeups: Vec<MakeupDay>,
}

/// An inclusive range of days off belonging to one holiday.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HolidayRange {
    first: NaiveDate,
    last: NaiveDate,
    name: HolidayName,
}

/// A weekend day worked in exchange for a day off of the named holiday.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MakeupDay {
    date: NaiveDate,
    name: HolidayName,
}

/// Why a notice text was refused. Line numbers count from 1.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoticeError {
    #[error("the notice is {size_bytes} bytes long, more than the {max_bytes} bytes allowed")]
    TooLong { size_bytes: usize, max_bytes: usize },
    #[error("line {line}: unknown directive `{directive}` (expected year, source, holiday or makeup)")]
    UnknownDirective { line: usize, directive: String },
    #[error("line {line}: `{text}` is not a year between {NOTICE_YEAR_MIN} and {NOTICE_YEAR_MAX}")]
    BadYear { line: usize, text: String },
    #[error("line {line}: the year is declared a second time")]
    DuplicateYear { line: usize },
    #[error("line {line}: `{directive}` comes before the `year` line")]
    MissingYear { line: usize, directive: String },
    #[error("the notice has no `year` line")]
    NoYear,
    #[error("line {line}: the source is given a second time")]
    DuplicateSource { line: usize },
    #[error("line {line}: `source` needs the title of the notice")]
    EmptySource { line: usize },
    #[error("the notice has no `source` line")]
    NoSource,
    #[error("line {line}: `{text}` is not a date written YYYY-MM-DD")]
    BadDate { line: usize, text: String },
    #[error("line {line}: {date} is outside the notice's year {year}")]
    DateOutsideYear { line: usize, date: NaiveDate, year: i32 },
    #[error("line {line}: the range ends on {last}, before it starts on {first}")]
    RangeReversed { line: usize, first: NaiveDate, last: NaiveDate },
    #[error("line {line}: the range is {days} days long, more than the {max_days} days allowed")]
    RangeTooLong { line: usize, days: i64, max_days: i64 },
    #[error("line {line}: expected the holiday name as `NAME_ZH | NAME_EN`")]
    MissingName { line: usize },
    #[error("line {line}: make-up working day {date} is a {weekday}, not a Saturday or Sunday")]
    MakeupNotWeekend { line: usize, date: NaiveDate, weekday: Weekday },
    #[error("line {line}: {date} is already listed on line {first_line}")]
    DayListedTwice { line: usize, date: NaiveDate, first_line: usize },
}

impl YearNotice {
    /// Parses a notice written in the format described at the top of this module.
    pub fn parse(text: &str) -> Result<YearNotice, NoticeError> {
        if text.len() > CALENDAR_NOTICE_BYTES_MAX {
            return Err(NoticeError::TooLong {
                size_bytes: text.len(),
                max_bytes: CALENDAR_NOTICE_BYTES_MAX,
            });
        }
        // Editors on Windows may save a byte-order mark; it is not part of the first directive.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);

        let mut year: Option<i32> = None;
        let mut source: Option<String> = None;
        let mut holidays = Vec::new();
        let mut makeups = Vec::new();
        // The line on which each day was first listed, to report a day listed twice.
        let mut listed: BTreeMap<NaiveDate, usize> = BTreeMap::new();

        for (index, raw_line) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw_line.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let (directive, rest) = match content.split_once(char::is_whitespace) {
                Some((directive, rest)) => (directive, rest.trim()),
                None => (content, ""),
            };
            match directive {
                "year" => {
                    if year.is_some() {
                        return Err(NoticeError::DuplicateYear { line });
                    }
                    year = Some(parse_year(line, rest)?);
                }
                "source" => {
                    if source.is_some() {
                        return Err(NoticeError::DuplicateSource { line });
                    }
                    if rest.is_empty() {
                        return Err(NoticeError::EmptySource { line });
                    }
                    source = Some(rest.to_string());
                }
                "holiday" | "makeup" => {
                    let Some(year) = year else {
                        return Err(NoticeError::MissingYear { line, directive: directive.to_string() });
                    };
                    let (dates, names) = match rest.split_once(char::is_whitespace) {
                        Some((dates, names)) => (dates, names.trim()),
                        None => (rest, ""),
                    };
                    let (first, last) = parse_dates(line, dates, directive == "holiday")?;
                    for date in [first, last] {
                        check_date_in_notice_year(line, date, year)?;
                    }
                    let name = parse_name(line, names)?;
                    for date in first.iter_days().take_while(|date| *date <= last) {
                        if let Some(first_line) = listed.insert(date, line) {
                            return Err(NoticeError::DayListedTwice { line, date, first_line });
                        }
                    }
                    if directive == "holiday" {
                        holidays.push(HolidayRange { first, last, name });
                    } else {
                        if !is_weekend(first) {
                            return Err(NoticeError::MakeupNotWeekend {
                                line,
                                date: first,
                                weekday: first.weekday(),
                            });
                        }
                        makeups.push(MakeupDay { date: first, name });
                    }
                }
                other => {
                    return Err(NoticeError::UnknownDirective { line, directive: other.to_string() });
                }
            }
        }

        let year = year.ok_or(NoticeError::NoYear)?;
        let source = source.ok_or(NoticeError::NoSource)?;
        Ok(YearNotice { year, source, holidays, makeups })
    }

    /// The number of days off the notice lists, each day of every range counted once.
    pub fn holiday_count(&self) -> usize {
        self.holidays
            .iter()
            .map(|range| range.first.iter_days().take_while(|date| *date <= range.last).count())
            .sum()
    }

    /// The number of make-up working days the notice lists.
    pub fn makeup_count(&self) -> usize {
        self.makeups.len()
    }
}

/// Parses the argument of `year`: four digits within the accepted years.
fn parse_year(line: usize, text: &str) -> Result<i32, NoticeError> {
    let bad_year = || NoticeError::BadYear { line, text: text.to_string() };
    if text.len() != 4 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(bad_year());
    }
    let year: i32 = text.parse().map_err(|_| bad_year())?;
    if !(NOTICE_YEAR_MIN..=NOTICE_YEAR_MAX).contains(&year) {
        return Err(bad_year());
    }
    Ok(year)
}

/// Parses `DATE` or, when `range_allowed`, `START..END`, into the first and last day.
fn parse_dates(line: usize, text: &str, range_allowed: bool) -> Result<(NaiveDate, NaiveDate), NoticeError> {
    let (first_text, last_text) = match text.split_once("..") {
        Some((first, last)) if range_allowed => (first, last),
        _ => (text, text),
    };
    let first = parse_date(line, first_text)?;
    let last = parse_date(line, last_text)?;
    if last < first {
        return Err(NoticeError::RangeReversed { line, first, last });
    }
    let days = (last - first).num_days() + 1;
    if days > HOLIDAY_RANGE_DAYS_MAX {
        return Err(NoticeError::RangeTooLong { line, days, max_days: HOLIDAY_RANGE_DAYS_MAX });
    }
    Ok((first, last))
}

/// Parses exactly `YYYY-MM-DD`, refusing signs, short fields and impossible days.
fn parse_date(line: usize, text: &str) -> Result<NaiveDate, NoticeError> {
    let bad_date = || NoticeError::BadDate { line, text: text.to_string() };
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if !shape_ok {
        return Err(bad_date());
    }
    let year: i32 = text[0..4].parse().map_err(|_| bad_date())?;
    let month: u32 = text[5..7].parse().map_err(|_| bad_date())?;
    let day: u32 = text[8..10].parse().map_err(|_| bad_date())?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad_date)
}

/// Accepts a date in the notice's year or in the last week of the year before.
fn check_date_in_notice_year(line: usize, date: NaiveDate, year: i32) -> Result<(), NoticeError> {
    let in_year = date.year() == year;
    let in_previous_week = date.year() == year - 1
        && NaiveDate::from_ymd_opt(year, 1, 1)
            .is_some_and(|new_year| (new_year - date).num_days() <= PREVIOUS_YEAR_DAYS_MAX);
    if in_year || in_previous_week { Ok(()) } else { Err(NoticeError::DateOutsideYear { line, date, year }) }
}

/// Parses `NAME_ZH | NAME_EN`; both names are required.
fn parse_name(line: usize, text: &str) -> Result<HolidayName, NoticeError> {
    let Some((zh, en)) = text.split_once('|') else {
        return Err(NoticeError::MissingName { line });
    };
    let (zh, en) = (zh.trim(), en.trim());
    if zh.is_empty() || en.is_empty() {
        return Err(NoticeError::MissingName { line });
    }
    Ok(HolidayName { zh: zh.to_string(), en: en.to_string() })
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The number of Mondays to Fridays from an arbitrary origin up to and including `date`.
///
/// Only differences of this count mean anything. Day 1 of the common era (0001-01-01) is a
/// Monday, so within each week counted from it the days numbered 1 to 5 are Monday to Friday.
fn weekdays_through(date: NaiveDate) -> i64 {
    let day_number = i64::from(date.num_days_from_ce());
    let weeks = day_number.div_euclid(7);
    let day_in_week = day_number.rem_euclid(7);
    5 * weeks + day_in_week.min(5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn builtin() -> &'static Calendar {
        static CALENDAR: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
        CALENDAR.get_or_init(Calendar::builtin)
    }

    /// A made-up notice for 2027, standing in for the one the State Council has not published
    /// when this test was written.
    const NOTICE_2027: &str = "\
# A test notice, not the real one.
year 2027
source test notice for 2027
holiday 2027-01-01..2027-01-03 元旦 | New Year's Day
holiday 2027-02-06..2027-02-13 春节 | Spring Festival
makeup 2027-02-14 春节 | Spring Festival
";

    #[test]
    fn add_workdays_vectors() {
        #[track_caller]
        fn check(from: &str, days: u32, expect: &str, expect_provisional: bool) {
            let result = builtin().add_workdays(date(from), days);
            assert_eq!(
                (result.date.to_string(), result.provisional),
                (expect.to_string(), expect_provisional),
                "{from} + {days} working days"
            );
        }
        // The test vectors of DESIGN.md section 2.4.
        check("2026-02-13", 3, "2026-02-25", false);
        check("2025-09-26", 5, "2025-10-10", false);
        // Zero days is the day itself, even on a holiday.
        check("2026-02-16", 0, "2026-02-16", false);
        check("2026-02-13", 1, "2026-02-14", false);
        check("2026-02-14", 1, "2026-02-24", false);
        // 2011-12-31 is a make-up day listed by the 2012 notice.
        check("2011-12-30", 1, "2011-12-31", false);
        check("2011-12-31", 1, "2012-01-04", false);
        check("2007-12-28", 1, "2007-12-29", false);
        check("2007-12-29", 1, "2008-01-02", false);
        check("2020-01-23", 1, "2020-02-03", false);
        check("2015-09-02", 1, "2015-09-06", false);
        check("2007-04-30", 1, "2007-05-08", false);
        check("2004-01-01", 1, "2004-01-02", false);
        // Crossing into 2027, which has no notice, is provisional.
        check("2026-12-30", 1, "2026-12-31", false);
        check("2026-12-31", 1, "2027-01-01", true);
        check("2026-12-30", 2, "2027-01-01", true);
        check("2003-12-31", 1, "2004-01-02", true);
        check("2027-03-01", 5, "2027-03-08", true);
        // The 2026 Spring Festival: ten working days from the last day before it, counting both
        // make-up Saturdays (February 14 and 28).
        check("2026-02-13", 10, "2026-03-05", false);
        check("2025-01-01", 248, "2025-12-31", false);
    }

    #[test]
    fn working_days_per_year() {
        // Checked against 365 or 366 days minus weekends minus holidays on weekdays plus make-up
        // days, from the State Council notices.
        let table: [(i32, usize); 23] = [
            (2004, 252),
            (2005, 251),
            (2006, 251),
            (2007, 249),
            (2008, 251),
            (2009, 250),
            (2010, 250),
            (2011, 250),
            (2012, 249),
            (2013, 250),
            (2014, 250),
            (2015, 249),
            (2016, 250),
            (2017, 249),
            (2018, 250),
            (2019, 250),
            (2020, 249),
            (2021, 250),
            (2022, 249),
            (2023, 249),
            (2024, 251),
            (2025, 248),
            (2026, 248),
        ];
        let calendar = builtin();
        let mut actual = Vec::new();
        for (year, _) in table {
            let days = calendar.year_days(year);
            assert!(days.iter().all(|day| !day.provisional));
            let count = days.iter().filter(|day| day.workday).count();
            let last_of_previous = NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap();
            let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
            assert_eq!(
                calendar.workdays_between(last_of_previous, last),
                i64::try_from(count).unwrap(),
                "{year}"
            );
            actual.push((year, count));
        }
        assert_eq!(actual, table);
    }

    #[test]
    fn known_days() {
        #[track_caller]
        fn check(day: &str, expect_kind: &str, expect_holiday: Option<&str>) {
            let info = builtin().day(date(day));
            assert_eq!(
                (info.kind.as_str(), info.holiday.as_ref().map(|name| name.zh.as_str())),
                (expect_kind, expect_holiday),
                "{day}"
            );
            assert_eq!(info.workday, matches!(info.kind, DayKind::Workday | DayKind::MakeupWorkday));
            assert_eq!(info.workday, builtin().is_workday(date(day)));
            assert!(!info.provisional);
        }
        check("2026-02-14", "makeup_workday", None);
        check("2026-02-15", "holiday", Some("春节"));
        check("2026-02-16", "holiday", Some("春节"));
        check("2026-02-23", "holiday", Some("春节"));
        check("2026-02-24", "workday", None);
        check("2026-02-28", "makeup_workday", None);
        check("2026-03-01", "weekend", None);
        check("2026-01-04", "makeup_workday", None);
        check("2026-10-07", "holiday", Some("国庆节"));
        check("2026-10-10", "makeup_workday", None);
        check("2025-01-28", "holiday", Some("春节"));
        check("2025-05-02", "holiday", Some("劳动节"));
        check("2025-10-06", "holiday", Some("国庆节、中秋节"));
        check("2025-10-11", "makeup_workday", None);
        check("2024-02-18", "makeup_workday", None);
        check("2023-12-30", "holiday", Some("元旦"));
        check("2023-10-06", "holiday", Some("中秋节、国庆节"));
        check("2023-04-05", "holiday", Some("清明节"));
        check("2023-04-06", "workday", None);
        check("2022-12-31", "holiday", Some("元旦"));
        check("2020-02-02", "holiday", Some("春节"));
        check("2020-02-01", "holiday", Some("春节"));
        check("2020-02-03", "workday", None);
        check("2020-01-19", "makeup_workday", None);
        check("2019-05-03", "holiday", Some("劳动节"));
        check("2019-05-05", "makeup_workday", None);
        check("2018-12-29", "makeup_workday", None);
        check("2015-09-03", "holiday", Some("中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"));
        check("2015-09-04", "holiday", Some("中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"));
        check("2015-09-06", "makeup_workday", None);
        check("2012-01-03", "holiday", Some("元旦"));
        check("2012-01-04", "workday", None);
        check("2011-12-31", "makeup_workday", None);
        check("2012-10-01", "holiday", Some("中秋节、国庆节"));
        check("2009-10-08", "holiday", Some("国庆节、中秋节"));
        check("2008-06-09", "holiday", Some("端午节"));
        check("2008-04-04", "holiday", Some("清明节"));
        check("2007-12-31", "holiday", Some("元旦"));
        check("2007-12-29", "makeup_workday", None);
        check("2007-05-07", "holiday", Some("劳动节"));
        check("2007-06-19", "workday", None);
        check("2006-12-30", "makeup_workday", None);
        check("2005-12-31", "makeup_workday", None);
        check("2004-01-02", "workday", None);
        check("2004-05-07", "holiday", Some("劳动节"));
        check("2004-05-08", "makeup_workday", None);
    }

    #[test]
    fn builtin_years_and_counts() {
        let calendar = builtin();
        assert_eq!(calendar.loaded_years(), (2004..=2026).collect::<Vec<_>>());
        for text in BUILTIN_NOTICES {
            let notice = YearNotice::parse(text).unwrap();
            assert!(
                notice.source.starts_with(&format!("国务院办公厅关于{}年部分节假日安排的通知", notice.year))
            );
            assert!(notice.holiday_count() > 0 && notice.makeup_count() > 0);
        }
        let notice_2026 = YearNotice::parse(BUILTIN_NOTICES[22]).unwrap();
        assert_eq!(
            (notice_2026.year, notice_2026.holiday_count(), notice_2026.makeup_count()),
            (2026, 33, 6)
        );
        assert!(!calendar.is_provisional(2004));
        assert!(calendar.is_provisional(2003));
        assert!(calendar.is_provisional(2027));
    }

    #[test]
    fn years_without_notice_are_monday_to_friday_and_provisional() {
        let mut calendar = builtin().clone();
        let new_year = date("2027-01-01");
        let info = calendar.day(new_year);
        assert_eq!((info.kind, info.workday, info.provisional), (DayKind::Workday, true, true));
        assert_eq!(calendar.day(date("2027-01-02")).kind, DayKind::Weekend);
        assert_eq!(calendar.year_days(2027).iter().filter(|day| day.workday).count(), 261);
        assert_eq!(
            calendar.add_workdays(date("2027-02-05"), 1),
            WorkdayDate { date: date("2027-02-08"), provisional: true }
        );

        calendar.insert_notice(YearNotice::parse(NOTICE_2027).unwrap());
        assert!(!calendar.is_provisional(2027));
        assert_eq!(calendar.loaded_years().last(), Some(&2027));
        let info = calendar.day(new_year);
        assert_eq!((info.kind, info.workday, info.provisional), (DayKind::Holiday, false, false));
        assert_eq!(calendar.day(date("2027-02-14")).kind, DayKind::MakeupWorkday);
        assert_eq!(
            calendar.add_workdays(date("2027-02-05"), 1),
            WorkdayDate { date: date("2027-02-14"), provisional: false }
        );
        assert_eq!(calendar.year_days(2027).iter().filter(|day| day.workday).count(), 261 - 1 - 5 + 1);

        // Replacing a year's notice drops every day the old notice listed.
        calendar.insert_notice(YearNotice::parse("year 2027\nsource empty test notice\n").unwrap());
        assert_eq!(calendar.day(new_year).kind, DayKind::Workday);
        assert_eq!(calendar.day(date("2027-02-14")).kind, DayKind::Weekend);

        let empty = Calendar::empty();
        assert!(empty.loaded_years().is_empty());
        assert_eq!(empty.day(date("2026-02-16")).kind, DayKind::Workday);
        assert!(empty.add_workdays(date("2026-02-13"), 3).provisional);
    }

    #[test]
    fn notice_parse_errors() {
        #[track_caller]
        fn check(text: &str, expect: NoticeError) {
            assert_eq!(YearNotice::parse(text), Err(expect), "{text}");
        }
        let head = "year 2026\nsource test\n";
        check(
            &format!("{head}holiday 2026-13-01 元旦 | New Year's Day\n"),
            NoticeError::BadDate { line: 3, text: "2026-13-01".to_string() },
        );
        check(
            &format!("{head}holiday 2026-1-01 元旦 | New Year's Day\n"),
            NoticeError::BadDate { line: 3, text: "2026-1-01".to_string() },
        );
        check(
            &format!("{head}holiday 2026-02-30 元旦 | New Year's Day\n"),
            NoticeError::BadDate { line: 3, text: "2026-02-30".to_string() },
        );
        check(
            &format!("{head}# comment\n\nvacation 2026-01-01 元旦 | New Year's Day\n"),
            NoticeError::UnknownDirective { line: 5, directive: "vacation".to_string() },
        );
        check(
            "source test\nholiday 2026-01-01 元旦 | New Year's Day\nyear 2026\n",
            NoticeError::MissingYear { line: 2, directive: "holiday".to_string() },
        );
        check("source test\n", NoticeError::NoYear);
        check("year 2026\n", NoticeError::NoSource);
        check("year 2026\nsource\n", NoticeError::EmptySource { line: 2 });
        check("year 2026\nsource a\nsource b\n", NoticeError::DuplicateSource { line: 3 });
        check("year 2026\nyear 2027\n", NoticeError::DuplicateYear { line: 2 });
        check("year 26\n", NoticeError::BadYear { line: 1, text: "26".to_string() });
        check("year +2026\n", NoticeError::BadYear { line: 1, text: "+2026".to_string() });
        check(
            &format!("{head}holiday 2027-01-01 元旦 | New Year's Day\n"),
            NoticeError::DateOutsideYear { line: 3, date: date("2027-01-01"), year: 2026 },
        );
        check(
            &format!("{head}makeup 2025-12-20 元旦 | New Year's Day\n"),
            NoticeError::DateOutsideYear { line: 3, date: date("2025-12-20"), year: 2026 },
        );
        check(
            &format!("{head}holiday 2026-02-23..2026-02-15 春节 | Spring Festival\n"),
            NoticeError::RangeReversed { line: 3, first: date("2026-02-23"), last: date("2026-02-15") },
        );
        check(
            &format!("{head}holiday 2026-01-01..2026-02-01 春节 | Spring Festival\n"),
            NoticeError::RangeTooLong { line: 3, days: 32, max_days: 31 },
        );
        check(&format!("{head}holiday 2026-01-01 元旦\n"), NoticeError::MissingName { line: 3 });
        check(&format!("{head}holiday 2026-01-01 元旦 |\n"), NoticeError::MissingName { line: 3 });
        check(&format!("{head}makeup 2026-01-04\n"), NoticeError::MissingName { line: 3 });
        check(
            &format!("{head}makeup 2026-01-05 元旦 | New Year's Day\n"),
            NoticeError::MakeupNotWeekend { line: 3, date: date("2026-01-05"), weekday: Weekday::Mon },
        );
        check(
            &format!("{head}makeup 2026-01-03..2026-01-04 元旦 | New Year's Day\n"),
            NoticeError::BadDate { line: 3, text: "2026-01-03..2026-01-04".to_string() },
        );
        check(
            &format!(
                "{head}holiday 2026-02-15..2026-02-23 春节 | Spring Festival\nholiday 2026-02-23 春节 | Spring Festival\n"
            ),
            NoticeError::DayListedTwice { line: 4, date: date("2026-02-23"), first_line: 3 },
        );
        check(
            &format!(
                "{head}holiday 2026-02-14 春节 | Spring Festival\nmakeup 2026-02-14 春节 | Spring Festival\n"
            ),
            NoticeError::DayListedTwice { line: 4, date: date("2026-02-14"), first_line: 3 },
        );
        let long = format!("{head}{}", "#".repeat(CALENDAR_NOTICE_BYTES_MAX));
        check(&long, NoticeError::TooLong { size_bytes: long.len(), max_bytes: CALENDAR_NOTICE_BYTES_MAX });
        assert_eq!(
            NoticeError::BadDate { line: 7, text: "x".to_string() }.to_string(),
            "line 7: `x` is not a date written YYYY-MM-DD"
        );
    }

    #[test]
    fn notice_parse_accepts_the_documented_format() {
        let text = "\u{feff}# comments start with '#'; blank lines ignored\r\n\r\n  year 2026\r\nsource 国务院办公厅关于2026年部分节假日安排的通知\r\nholiday 2026-01-01..2026-01-03 元旦 | New Year's Day\r\nholiday 2026-02-15..2026-02-23 春节 | Spring Festival\r\nmakeup 2026-01-04 元旦 | New Year's Day\r\nmakeup 2026-02-14 春节 | Spring Festival\r\nholiday 2026-04-05 清明节|Qingming Festival\r\n";
        let notice = YearNotice::parse(text).unwrap();
        assert_eq!(notice.year, 2026);
        assert_eq!(notice.source, "国务院办公厅关于2026年部分节假日安排的通知");
        assert_eq!((notice.holiday_count(), notice.makeup_count()), (13, 2));
        // A New Year block may start in the last week of the year before.
        let notice = YearNotice::parse(
            "year 2024\nsource test\nholiday 2023-12-31..2024-01-01 元旦 | New Year's Day\nmakeup 2023-12-30 元旦 | New Year's Day\n",
        )
        .unwrap();
        assert_eq!((notice.holiday_count(), notice.makeup_count()), (2, 1));
    }

    #[test]
    fn workdays_between_matches_counting_day_by_day() {
        let calendar = builtin();
        let start = date("2003-12-20");
        let end = date("2027-01-10");
        let mut count = 0_i64;
        let mut previous = start;
        for day in start.iter_days().skip(1).take_while(|day| *day <= end) {
            if calendar.is_workday(day) {
                count += 1;
            }
            assert_eq!(calendar.workdays_between(start, day), count, "{day}");
            assert_eq!(calendar.workdays_between(day, start), -count, "{day}");
            assert_eq!(
                calendar.workdays_between(previous, day),
                i64::from(calendar.is_workday(day)),
                "{day}"
            );
            previous = day;
        }
        assert_eq!(calendar.workdays_between(end, end), 0);
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        // From 2002 to 2029, so that the walk crosses loaded and provisional years.
        (0_u64..(28 * 366)).prop_map(|offset| date("2002-01-01") + chrono::Days::new(offset))
    }

    proptest! {
        #[test]
        fn add_workdays_lands_on_the_nth_working_day(from in any_date(), days in 0..=ADD_WORKDAYS_MAX) {
            let calendar = builtin();
            let result = calendar.add_workdays(from, days);
            if days == 0 {
                prop_assert_eq!(result.date, from);
            } else {
                prop_assert!(result.date > from);
                prop_assert!(calendar.is_workday(result.date));
            }
            prop_assert_eq!(calendar.workdays_between(from, result.date), i64::from(days));
            let crosses_unloaded = (from.year()..=result.date.year()).any(|year| !(2004..=2026).contains(&year));
            prop_assert_eq!(result.provisional, crosses_unloaded);
        }
    }
}
