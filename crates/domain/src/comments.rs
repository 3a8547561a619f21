//! Comments on enterprise accounts' videos: the bounds of a comment's fields, the stable codes a
//! refused NDJSON line is reported with, working hours (09:00–18:00 China time on working days)
//! and the first-response statistics (nearest-rank median and p90).

use chrono::{Duration, NaiveDate};

use crate::calendar::Calendar;
use crate::limits::{AUTHOR_ID_LENGTH_MAX, COMMENT_ID_LENGTH_MAX, COMMENT_LENGTH_MAX};

/// Working hours start at this hour of a working day, China time.
pub const WORKING_HOURS_START_HOUR: i64 = 9;
/// Working hours end at this hour of a working day, China time.
pub const WORKING_HOURS_END_HOUR: i64 = 18;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// China is UTC+8 all year.
const CHINA_OFFSET_MS: i64 = 8 * HOUR_MS;
/// The working milliseconds of one working day.
pub const WORKING_DAY_MS: i64 = (WORKING_HOURS_END_HOUR - WORKING_HOURS_START_HOUR) * HOUR_MS;

text_enum! {
    /// Why a line of a comment batch was refused. The text is the stable `code` of the batch
    /// answer's `rejected` entries (docs/errors.md, "Comment batch line codes").
    LineError {
        Malformed => "malformed_line", "不是合法的评论 JSON 对象";
        InvalidCommentId => "invalid_comment_id", "评论 ID 无效";
        InvalidAuthorId => "invalid_author_id", "作者 ID 无效";
        InvalidText => "invalid_text", "评论内容为空或过长";
        InvalidTime => "invalid_time", "评论时间无效";
        InvalidParent => "invalid_parent", "父评论 ID 无效";
        UnknownVideo => "unknown_video", "视频不存在";
    }
}

/// A platform id (comment or author): 1 to `max` bytes of printable ASCII without spaces.
fn platform_id(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_graphic())
}

/// Checks a platform comment id.
pub fn check_comment_id(text: &str) -> Result<(), LineError> {
    if platform_id(text, COMMENT_ID_LENGTH_MAX) { Ok(()) } else { Err(LineError::InvalidCommentId) }
}

/// Checks a platform author id.
pub fn check_author_id(text: &str) -> Result<(), LineError> {
    if platform_id(text, AUTHOR_ID_LENGTH_MAX) { Ok(()) } else { Err(LineError::InvalidAuthorId) }
}

/// A comment's text: trimmed, 1 to `COMMENT_LENGTH_MAX` characters, no control characters but
/// line breaks. Answers the trimmed text (borrowed: the hot path of a batch allocates nothing).
pub fn parse_comment_text(text: &str) -> Option<&str> {
    let text = text.trim();
    if text.is_empty() || text.len() > COMMENT_LENGTH_MAX * 4 {
        return None;
    }
    let mut length = 0;
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            return None;
        }
        length += 1;
    }
    (length <= COMMENT_LENGTH_MAX).then_some(text)
}

/// Checks a comment's time: not before 2000, and at most a day after `now_ms` (clock skew of the
/// platform is tolerated, a date in the future is not).
pub fn check_comment_time(created_at_ms: i64, now_ms: i64) -> Result<(), LineError> {
    const YEAR_2000_MS: i64 = 946_684_800_000;
    if (YEAR_2000_MS..=now_ms.saturating_add(DAY_MS)).contains(&created_at_ms) {
        Ok(())
    } else {
        Err(LineError::InvalidTime)
    }
}

/// The China date of an instant and the milliseconds since its China midnight.
fn china_day(ms: i64) -> (NaiveDate, i64) {
    let local = ms + CHINA_OFFSET_MS;
    let days = local.div_euclid(DAY_MS);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (epoch + Duration::days(days), local.rem_euclid(DAY_MS))
}

/// The working milliseconds of one day between its `from` and `to` (ms since China midnight).
fn working_part(from: i64, to: i64) -> i64 {
    let start = WORKING_HOURS_START_HOUR * HOUR_MS;
    let end = WORKING_HOURS_END_HOUR * HOUR_MS;
    (to.min(end) - from.max(start)).max(0)
}

/// The working time between two instants, in milliseconds: the part of `[from_ms, to_ms]` that
/// falls within 09:00–18:00 China time on working days of `calendar` (make-up days count,
/// statutory holidays and weekends do not). Zero when `to_ms` is not after `from_ms`. The cost
/// does not grow with the span: whole days between are counted with `workdays_between`.
pub fn working_ms_between(calendar: &Calendar, from_ms: i64, to_ms: i64) -> i64 {
    if to_ms <= from_ms {
        return 0;
    }
    let (first_day, first_ms) = china_day(from_ms);
    let (last_day, last_ms) = china_day(to_ms);
    if first_day == last_day {
        return if calendar.is_workday(first_day) { working_part(first_ms, last_ms) } else { 0 };
    }
    let mut total = 0;
    if calendar.is_workday(first_day) {
        total += working_part(first_ms, DAY_MS);
    }
    if calendar.is_workday(last_day) {
        total += working_part(0, last_ms);
    }
    // Whole days strictly between the first and the last.
    let whole = calendar.workdays_between(first_day, last_day) - i64::from(calendar.is_workday(last_day));
    total + whole * WORKING_DAY_MS
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `percent`% of
/// the values at or below it. `None` for no values.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    debug_assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "nearest_rank needs sorted values");
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (n * percent.min(100) as usize).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The fast answer the share `within_fast` counts: 3 minutes.
pub const FAST_ANSWER_MS: i64 = 3 * 60 * 1000;
/// The answer within half a day the share `within_half_day` counts: 12 hours.
pub const HALF_DAY_ANSWER_MS: i64 = 12 * HOUR_MS;

/// First-response figures of a set of answered comments or messages, in (working) milliseconds:
/// how many, the median and p90, and how many were answered within `FAST_ANSWER_MS` and within
/// `HALF_DAY_ANSWER_MS` (both counted at or under the limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTimes {
    pub count: usize,
    pub median_ms: Option<i64>,
    pub p90_ms: Option<i64>,
    pub within_fast: usize,
    pub within_half_day: usize,
}

impl ResponseTimes {
    /// The share of answers within `FAST_ANSWER_MS` in per mille (rounded down; `None` for none).
    pub fn fast_share_permille(&self) -> Option<i64> {
        permille(self.within_fast, self.count)
    }

    /// The share of answers within `HALF_DAY_ANSWER_MS` in per mille (rounded down).
    pub fn half_day_share_permille(&self) -> Option<i64> {
        permille(self.within_half_day, self.count)
    }
}

fn permille(part: usize, whole: usize) -> Option<i64> {
    (whole > 0).then(|| i64::try_from(part * 1000 / whole).unwrap_or(1000))
}

/// The median and p90 (nearest rank) of response times given in any order, and how many fall
/// within the fast and the half-day limits.
pub fn response_times(mut values: Vec<i64>) -> ResponseTimes {
    values.sort_unstable();
    ResponseTimes {
        count: values.len(),
        median_ms: nearest_rank(&values, 50),
        p90_ms: nearest_rank(&values, 90),
        within_fast: values.partition_point(|v| *v <= FAST_ANSWER_MS),
        within_half_day: values.partition_point(|v| *v <= HALF_DAY_ANSWER_MS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Milliseconds of an instant written in China time, "YYYY-MM-DD HH:MM".
    fn at(text: &str) -> i64 {
        let (date, time) = text.split_once(' ').unwrap();
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let (h, m) = time.split_once(':').unwrap();
        let local = date.and_hms_opt(h.parse().unwrap(), m.parse().unwrap(), 0).unwrap();
        local.and_utc().timestamp_millis() - CHINA_OFFSET_MS
    }

    fn hours(h: f64) -> i64 {
        (h * HOUR_MS as f64) as i64
    }

    #[test]
    fn working_hours_between_instants() {
        let calendar = Calendar::builtin();
        let check = |from: &str, to: &str, expect: f64| {
            assert_eq!(working_ms_between(&calendar, at(from), at(to)), hours(expect), "{from} → {to}");
        };
        // 2026-03-02 is a Monday.
        check("2026-03-02 10:00", "2026-03-02 11:30", 1.5);
        check("2026-03-02 07:00", "2026-03-02 09:30", 0.5);
        check("2026-03-02 17:00", "2026-03-02 23:00", 1.0);
        check("2026-03-02 19:00", "2026-03-03 10:00", 1.0);
        check("2026-03-02 10:00", "2026-03-04 10:00", 18.0);
        // Friday evening to Monday morning: the weekend does not count.
        check("2026-03-06 17:00", "2026-03-09 10:00", 2.0);
        check("2026-03-07 10:00", "2026-03-08 15:00", 0.0);
        // 春节 2026: 2026-02-15 to 2026-02-23 are holidays; 2026-02-14 (Saturday) and 2026-02-28
        // (Saturday) are make-up working days.
        check("2026-02-13 17:00", "2026-02-14 10:00", 2.0);
        check("2026-02-14 17:00", "2026-02-24 10:00", 2.0);
        check("2026-02-28 09:00", "2026-02-28 18:00", 9.0);
        // Backwards or empty: nothing.
        check("2026-03-02 11:00", "2026-03-02 10:00", 0.0);
        check("2026-03-02 11:00", "2026-03-02 11:00", 0.0);
        // A whole working week.
        check("2026-03-02 00:00", "2026-03-09 00:00", 45.0);
    }

    #[test]
    fn working_hours_add_up_over_any_split() {
        let calendar = Calendar::builtin();
        let start = at("2026-01-20 13:17");
        let end = at("2026-03-05 08:41");
        let whole = working_ms_between(&calendar, start, end);
        let mut middle = start;
        while middle < end {
            let parts =
                working_ms_between(&calendar, start, middle) + working_ms_between(&calendar, middle, end);
            assert_eq!(parts, whole, "split at {middle}");
            middle += 7 * HOUR_MS + 13 * 60_000;
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5], 50), Some(3));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 90), Some(10));
        assert_eq!(nearest_rank(&ten, 100), Some(10));
        assert_eq!(
            response_times(vec![30, 10, 20]),
            ResponseTimes {
                count: 3,
                median_ms: Some(20),
                p90_ms: Some(30),
                within_fast: 3,
                within_half_day: 3
            }
        );
        let mixed = response_times(vec![HALF_DAY_ANSWER_MS + 1, FAST_ANSWER_MS, FAST_ANSWER_MS + 1, 0]);
        assert_eq!((mixed.within_fast, mixed.within_half_day), (2, 3));
        assert_eq!((mixed.fast_share_permille(), mixed.half_day_share_permille()), (Some(500), Some(750)));
        assert_eq!(response_times(Vec::new()).fast_share_permille(), None);
    }

    #[test]
    fn comment_fields() {
        assert_eq!(parse_comment_text("  好看！\n多少钱？ "), Some("好看！\n多少钱？"));
        assert_eq!(parse_comment_text("   "), None);
        assert_eq!(parse_comment_text("a\u{7}b"), None);
        assert_eq!(
            parse_comment_text(&"评".repeat(COMMENT_LENGTH_MAX)).map(|t| t.chars().count()),
            Some(COMMENT_LENGTH_MAX)
        );
        assert_eq!(parse_comment_text(&"评".repeat(COMMENT_LENGTH_MAX + 1)), None);
        assert_eq!(check_comment_id("c-123"), Ok(()));
        let long = "x".repeat(COMMENT_ID_LENGTH_MAX + 1);
        for bad in ["", "a b", "评论", long.as_str()] {
            assert_eq!(check_comment_id(bad), Err(LineError::InvalidCommentId), "{bad:?}");
        }
        assert_eq!(check_author_id("u\t1"), Err(LineError::InvalidAuthorId));
        let now = at("2026-03-02 10:00");
        assert_eq!(check_comment_time(now, now), Ok(()));
        assert_eq!(check_comment_time(now + DAY_MS, now), Ok(()));
        assert_eq!(check_comment_time(now + DAY_MS + 1, now), Err(LineError::InvalidTime));
        assert_eq!(check_comment_time(0, now), Err(LineError::InvalidTime));
    }

    #[test]
    fn line_codes_are_stable() {
        let codes: Vec<&str> = LineError::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "malformed_line",
                "invalid_comment_id",
                "invalid_author_id",
                "invalid_text",
                "invalid_time",
                "invalid_parent",
                "unknown_video"
            ]
        );
    }
}
