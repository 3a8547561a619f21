//! Shopping festivals (购物节) for the publishing calendar: fixed dates (双11, 618...) and dates
//! of the Chinese calendar (春节, 七夕, 中秋) from a committed table, the default list, and the
//! text format operators configure their own list in.

use chrono::{Datelike, Duration, NaiveDate};

use crate::limits::{FESTIVAL_DAYS_MAX, FESTIVAL_NAME_LENGTH_MAX, FESTIVALS_MAX};

text_enum! {
    /// Days of the Chinese (lunisolar) calendar a festival may be counted from.
    LunarDay {
        SpringFestival => "spring_festival", "春节（正月初一）";
        Qixi => "qixi", "七夕（七月初七）";
        MidAutumn => "mid_autumn", "中秋（八月十五）";
    }
}

/// A Gregorian (month, day).
type MonthDay = (u32, u32);

/// The Gregorian dates of 正月初一, 七月初七 and 八月十五, by year. Source: the Chinese calendar
/// as computed under GB/T 33661-2017《农历的编算和颁行》 (Purple Mountain Observatory); the 春节 and
/// 中秋 dates agree with the State Council holiday notices of 2020–2026 (a test checks it). Years
/// outside the table have no lunar festivals until a row is added.
const LUNAR_TABLE: &[(i32, MonthDay, MonthDay, MonthDay)] = &[
    (2020, (1, 25), (8, 25), (10, 1)),
    (2021, (2, 12), (8, 14), (9, 21)),
    (2022, (2, 1), (8, 4), (9, 10)),
    (2023, (1, 22), (8, 22), (9, 29)),
    (2024, (2, 10), (8, 10), (9, 17)),
    (2025, (1, 29), (8, 29), (10, 6)),
    (2026, (2, 17), (8, 19), (9, 25)),
    (2027, (2, 6), (8, 8), (9, 15)),
    (2028, (1, 26), (8, 26), (10, 3)),
    (2029, (2, 13), (8, 16), (9, 22)),
    (2030, (2, 3), (8, 5), (9, 12)),
    (2031, (1, 23), (8, 24), (10, 1)),
];

impl LunarDay {
    /// The Gregorian date of this day in `year`, when the table has the year.
    pub fn date_in(self, year: i32) -> Option<NaiveDate> {
        let (_, spring, qixi, mid_autumn) = LUNAR_TABLE.iter().find(|row| row.0 == year)?;
        let (month, day) = match self {
            LunarDay::SpringFestival => spring,
            LunarDay::Qixi => qixi,
            LunarDay::MidAutumn => mid_autumn,
        };
        NaiveDate::from_ymd_opt(year, *month, *day)
    }

    /// The years the table covers.
    pub fn years() -> std::ops::RangeInclusive<i32> {
        let first = LUNAR_TABLE.first().map_or(0, |row| row.0);
        let last = LUNAR_TABLE.last().map_or(0, |row| row.0);
        first..=last
    }
}

/// Where a festival starts in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FestivalStart {
    /// The same month and day every year.
    Fixed { month: u32, day: u32 },
    /// A number of days before (negative) or after a day of the Chinese calendar.
    Lunar { day: LunarDay, offset_days: i64 },
}

/// A shopping festival: a name in both languages, where it starts, and how many days it lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Festival {
    pub name_zh: String,
    pub name_en: String,
    pub start: FestivalStart,
    pub days: u32,
}

/// One day of a festival, as a calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FestivalDay {
    pub date: NaiveDate,
    pub name_zh: String,
    pub name_en: String,
    /// Whether this is the festival's first day.
    pub first_day: bool,
}

impl Festival {
    /// The first and last day of the festival counted from `year` (a festival counted from a
    /// Chinese-calendar day may start in the year before, like 年货节 before an early 春节).
    pub fn span_in(&self, year: i32) -> Option<(NaiveDate, NaiveDate)> {
        let first = match self.start {
            FestivalStart::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day)?,
            FestivalStart::Lunar { day, offset_days } => day.date_in(year)? + Duration::days(offset_days),
        };
        Some((first, first + Duration::days(i64::from(self.days.max(1)) - 1)))
    }
}

/// Every festival day of `festivals` from `from` to `to` inclusive, by date then list order.
pub fn festival_days(festivals: &[Festival], from: NaiveDate, to: NaiveDate) -> Vec<FestivalDay> {
    let mut days = Vec::new();
    // A festival counted from the next year's calendar can reach back into this one, and one that
    // started last year can run into it.
    for year in (from.year() - 1)..=(to.year() + 1) {
        for festival in festivals {
            let Some((first, last)) = festival.span_in(year) else { continue };
            let mut date = first.max(from);
            while date <= last.min(to) {
                days.push(FestivalDay {
                    date,
                    name_zh: festival.name_zh.clone(),
                    name_en: festival.name_en.clone(),
                    first_day: date == first,
                });
                date += Duration::days(1);
            }
        }
    }
    days.sort_by_key(|day| day.date);
    days
}

/// The default list (DESIGN §1 item 4): 元旦, 年货节 (from 30 days before 春节, for 22 days, until
/// couriers stop for the holiday), 春节, 情人节, 妇女节/女神节, 618, 七夕, 中秋, 国庆, 双11, 双12.
pub fn default_festivals() -> Vec<Festival> {
    let fixed = |month, day| FestivalStart::Fixed { month, day };
    let lunar = |day, offset_days| FestivalStart::Lunar { day, offset_days };
    let rows = [
        ("元旦", "New Year's Day", fixed(1, 1), 1),
        ("年货节", "New Year Shopping Festival", lunar(LunarDay::SpringFestival, -30), 22),
        ("春节", "Spring Festival", lunar(LunarDay::SpringFestival, 0), 1),
        ("情人节", "Valentine's Day", fixed(2, 14), 1),
        ("妇女节/女神节", "Women's Day", fixed(3, 8), 1),
        ("618", "618 Shopping Festival", fixed(6, 18), 1),
        ("七夕", "Qixi Festival", lunar(LunarDay::Qixi, 0), 1),
        ("中秋", "Mid-Autumn Festival", lunar(LunarDay::MidAutumn, 0), 1),
        ("国庆", "National Day", fixed(10, 1), 1),
        ("双11", "Singles' Day (Double 11)", fixed(11, 11), 1),
        ("双12", "Double 12", fixed(12, 12), 1),
    ];
    rows.into_iter()
        .map(|(zh, en, start, days)| Festival { name_zh: zh.into(), name_en: en.into(), start, days })
        .collect()
}

/// Why a festival list does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FestivalListError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: &'static str },
    #[error("a festival list holds at most {FESTIVALS_MAX} festivals")]
    TooMany,
}

/// Parses a festival list, one festival a line (`#` starts a comment):
///
/// ```text
/// fixed 11-11 1 双11 | Singles' Day
/// lunar spring_festival -30 22 年货节 | New Year Shopping Festival
/// ```
///
/// `fixed MM-DD DAYS NAME_ZH | NAME_EN` or `lunar DAY OFFSET DAYS NAME_ZH | NAME_EN`, where DAY is
/// `spring_festival`, `qixi` or `mid_autumn` and OFFSET a number of days (negative: before).
pub fn parse_festivals(text: &str) -> Result<Vec<Festival>, FestivalListError> {
    let mut festivals = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let festival =
            parse_line(line).map_err(|reason| FestivalListError::Line { line: index + 1, reason })?;
        festivals.push(festival);
        if festivals.len() > FESTIVALS_MAX {
            return Err(FestivalListError::TooMany);
        }
    }
    Ok(festivals)
}

/// One line of a festival list.
fn parse_line(line: &str) -> Result<Festival, &'static str> {
    let (spec, name_en) = line.split_once('|').ok_or("expected NAME_ZH | NAME_EN")?;
    let words: Vec<&str> = spec.split_whitespace().collect();
    let (start, rest) = match words.as_slice() {
        ["fixed", date, rest @ ..] => {
            let (month, day) = date.split_once('-').ok_or("expected MM-DD")?;
            let month: u32 = month.parse().map_err(|_| "expected MM-DD")?;
            let day: u32 = day.parse().map_err(|_| "expected MM-DD")?;
            // 2024 is a leap year, so 02-29 is accepted (it exists in leap years only).
            NaiveDate::from_ymd_opt(2024, month, day).ok_or("no such month and day")?;
            (FestivalStart::Fixed { month, day }, rest)
        }
        ["lunar", day, offset, rest @ ..] => {
            let day = LunarDay::parse(day).ok_or("expected spring_festival, qixi or mid_autumn")?;
            let offset_days: i64 = offset
                .parse()
                .ok()
                .filter(|offset: &i64| offset.abs() <= 366)
                .ok_or("expected an offset in days (-366 to 366)")?;
            (FestivalStart::Lunar { day, offset_days }, rest)
        }
        _ => return Err("expected fixed MM-DD or lunar DAY OFFSET"),
    };
    let [days, name_zh @ ..] = rest else { return Err("expected a number of days") };
    let days: u32 = days
        .parse()
        .ok()
        .filter(|days| (1..=FESTIVAL_DAYS_MAX).contains(days))
        .ok_or("expected a number of days (1 to 60)")?;
    let (name_zh, name_en) = (name_zh.join(" "), name_en.trim().to_owned());
    let length_ok = |name: &str| (1..=FESTIVAL_NAME_LENGTH_MAX).contains(&name.chars().count());
    if !length_ok(&name_zh) || !length_ok(&name_en) || name_en.chars().any(char::is_control) {
        return Err("names are 1 to 30 characters");
    }
    Ok(Festival { name_zh, name_en, start, days })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_lunar_table_agrees_with_the_statutory_holidays() {
        let calendar = Calendar::builtin();
        for year in 2020..=2026 {
            for (day, name) in [(LunarDay::SpringFestival, "春节"), (LunarDay::MidAutumn, "中秋")] {
                let on = day.date_in(year).unwrap();
                let info = calendar.day(on);
                let holiday = info.holiday.map(|h| h.zh).unwrap_or_default();
                assert!(!info.workday && holiday.contains(name), "{year} {name} on {on}: {holiday:?}");
            }
        }
    }

    #[test]
    fn qixi_is_37_or_38_days_before_mid_autumn() {
        for year in LunarDay::years() {
            let qixi = LunarDay::Qixi.date_in(year).unwrap();
            let mid_autumn = LunarDay::MidAutumn.date_in(year).unwrap();
            let gap = (mid_autumn - qixi).num_days();
            assert!(gap == 37 || gap == 38, "{year}: {gap}");
        }
        assert_eq!(LunarDay::SpringFestival.date_in(2019), None);
        assert_eq!(LunarDay::SpringFestival.date_in(2026), Some(date("2026-02-17")));
    }

    #[test]
    fn festival_days_of_a_month() {
        let festivals = default_festivals();
        let names = |from: &str, to: &str| -> Vec<(String, String, bool)> {
            festival_days(&festivals, date(from), date(to))
                .into_iter()
                .map(|d| (d.date.to_string(), d.name_zh, d.first_day))
                .collect()
        };
        let february = names("2026-02-01", "2026-02-28");
        assert_eq!(february[0], ("2026-02-01".into(), "年货节".into(), false));
        assert!(february.contains(&("2026-02-08".into(), "年货节".into(), false)));
        assert!(!february.iter().any(|(d, n, _)| d == "2026-02-09" && n == "年货节"), "22 days from 01-18");
        assert!(february.contains(&("2026-02-14".into(), "情人节".into(), true)));
        assert!(february.contains(&("2026-02-17".into(), "春节".into(), true)));
        assert_eq!(names("2026-01-18", "2026-01-18"), [("2026-01-18".into(), "年货节".into(), true)]);
        // 2025's 年货节 started in 2024, counted from the 2025 Spring Festival (29 January).
        assert_eq!(names("2024-12-30", "2024-12-30"), [("2024-12-30".into(), "年货节".into(), true)]);
        assert_eq!(
            names("2026-08-01", "2026-11-30").iter().map(|(d, n, _)| format!("{d} {n}")).collect::<Vec<_>>(),
            ["2026-08-19 七夕", "2026-09-25 中秋", "2026-10-01 国庆", "2026-11-11 双11"]
        );
        assert_eq!(names("2026-06-18", "2026-06-18")[0].1, "618");
        assert_eq!(names("2026-03-08", "2026-03-08")[0].1, "妇女节/女神节");
        assert_eq!(names("2026-12-01", "2026-12-31")[0].1, "双12");
        assert_eq!(names("2026-01-01", "2026-01-01")[0].1, "元旦");
        // No lunar row for 2040: only the fixed festivals show.
        assert_eq!(names("2040-02-01", "2040-02-29").len(), 1);
    }

    #[test]
    fn festival_lists_parse_or_say_which_line_is_wrong() {
        let text = "# my list\nfixed 11-11 1 双11 | Singles' Day\n\nlunar spring_festival -30 22 年货节 | New Year Shopping\nfixed 02-29 1 闰日 | Leap Day\n";
        let list = parse_festivals(text).unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].start, FestivalStart::Fixed { month: 11, day: 11 });
        assert_eq!(list[1].start, FestivalStart::Lunar { day: LunarDay::SpringFestival, offset_days: -30 });
        assert_eq!(
            (list[1].days, list[1].name_zh.as_str(), list[1].name_en.as_str()),
            (22, "年货节", "New Year Shopping")
        );
        assert_eq!(list[2].span_in(2026), None, "no 29 February in 2026");
        let check = |text: &str, line: usize| {
            assert!(
                matches!(parse_festivals(text), Err(FestivalListError::Line { line: l, .. }) if l == line),
                "{text:?}: {:?}",
                parse_festivals(text)
            );
        };
        check("weekly 1 1 a | b", 1);
        check("fixed 13-01 1 a | b", 1);
        check("fixed 02-30 1 a | b", 1);
        check("fixed 11-11 0 a | b", 1);
        check("fixed 11-11 61 a | b", 1);
        check("fixed 11-11 1 no english", 1);
        check("fixed 11-11 1  | b", 1);
        check("#\nlunar easter 0 1 a | b", 2);
        check("lunar qixi x 1 a | b", 1);
        check("lunar qixi 400 1 a | b", 1);
        check("lunar qixi 0 1", 1);
        let many = "fixed 01-01 1 a | b\n".repeat(FESTIVALS_MAX + 1);
        assert_eq!(parse_festivals(&many), Err(FestivalListError::TooMany));
        assert_eq!(
            parse_festivals(&"fixed 01-01 1 a | b\n".repeat(FESTIVALS_MAX)).unwrap().len(),
            FESTIVALS_MAX
        );
    }
}
