//! Campaigns (营销活动): their goals, the planner's proposal rules (statutory holidays, shopping
//! festivals and trending topics become proposed dates with a lead time), a campaign's status by
//! date, and the results arithmetic (the window before, uplift in basis points).

use chrono::{Duration, NaiveDate};

use crate::calendar::Calendar;
use crate::festivals::{Festival, festival_days};
use crate::limits::{CAMPAIGN_DAYS_MAX, PLANNER_RANGE_DAYS_MAX};

text_enum! {
    /// What a campaign is for.
    CampaignGoal {
        Awareness => "awareness", "品牌曝光";
        Engagement => "engagement", "互动";
        Followers => "followers", "涨粉";
        Sales => "sales", "带货";
    }
}

text_enum! {
    /// Where a campaign stands: cancelled is stored, the rest follows from its dates and today.
    CampaignStatus {
        Planned => "planned", "未开始";
        Running => "running", "进行中";
        Ended => "ended", "已结束";
        Cancelled => "cancelled", "已取消";
    }
}

text_enum! {
    /// What a proposed date comes from.
    SuggestionSource {
        Holiday => "holiday", "法定节假日";
        Festival => "festival", "购物节";
        Topic => "topic", "热点话题";
    }
}

impl CampaignStatus {
    /// The status of a campaign running from `starts_on` to `ends_on` (inclusive) on `today`.
    pub fn on(starts_on: NaiveDate, ends_on: NaiveDate, cancelled: bool, today: NaiveDate) -> CampaignStatus {
        if cancelled {
            CampaignStatus::Cancelled
        } else if today < starts_on {
            CampaignStatus::Planned
        } else if today <= ends_on {
            CampaignStatus::Running
        } else {
            CampaignStatus::Ended
        }
    }

    /// Whether the campaign may still change (edit, link videos, cancel).
    pub fn open(self) -> bool {
        matches!(self, CampaignStatus::Planned | CampaignStatus::Running)
    }
}

/// Why a date range is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("the last day is before the first")]
    Reversed,
    #[error("the range is longer than allowed")]
    TooLong,
    #[error("the date is outside the years 2000 to 2100")]
    OutOfYears,
}

fn in_years(date: NaiveDate) -> bool {
    (NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(date)
        ..=NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or(date))
        .contains(&date)
}

/// A planner range: `to` not before `from`, at most `PLANNER_RANGE_DAYS_MAX` days apart.
pub fn check_planner_range(from: NaiveDate, to: NaiveDate) -> Result<(), RangeError> {
    check_range(from, to, PLANNER_RANGE_DAYS_MAX)
}

/// A campaign's dates: `ends_on` not before `starts_on`, at most `CAMPAIGN_DAYS_MAX` days long.
pub fn check_campaign_dates(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<(), RangeError> {
    check_range(starts_on, ends_on, CAMPAIGN_DAYS_MAX - 1)
}

fn check_range(from: NaiveDate, to: NaiveDate, apart_days_max: i64) -> Result<(), RangeError> {
    if !in_years(from) || !in_years(to) {
        Err(RangeError::OutOfYears)
    } else if to < from {
        Err(RangeError::Reversed)
    } else if (to - from).num_days() > apart_days_max {
        Err(RangeError::TooLong)
    } else {
        Ok(())
    }
}

/// Days of promotion before a statutory holiday.
pub const HOLIDAY_LEAD_DAYS: i64 = 7;
/// Days of promotion before a shopping festival.
pub const FESTIVAL_LEAD_DAYS: i64 = 10;
/// How long a campaign riding a trending topic lasts, in days: topics fade fast.
pub const TOPIC_CAMPAIGN_DAYS: i64 = 3;
/// A trending topic is proposed only for a start within this many days of today.
pub const TOPIC_FRESH_DAYS: i64 = 7;

/// A trending topic as the planner sees it: its highest heat lately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicHeat {
    pub topic: String,
    pub heat: i64,
}

/// A proposed campaign date and what is behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub source: SuggestionSource,
    pub name_zh: String,
    pub name_en: String,
    pub reason_zh: String,
    pub reason_en: String,
    /// Days to start promoting before `starts_on` (0: at once).
    pub lead_days: i64,
    /// `starts_on - lead_days`, never before `today`.
    pub promote_from: NaiveDate,
    /// The topic's heat score, for topics.
    pub heat: Option<i64>,
}

fn md(date: NaiveDate) -> String {
    date.format("%-m月%-d日").to_string()
}

fn days_text(first: NaiveDate, last: NaiveDate) -> i64 {
    (last - first).num_days() + 1
}

/// Consecutive days carrying the same name, as (name, first day, last day).
fn spans<T: PartialEq + Clone>(
    days: impl IntoIterator<Item = (NaiveDate, T)>,
) -> Vec<(T, NaiveDate, NaiveDate)> {
    let mut spans: Vec<(T, NaiveDate, NaiveDate)> = Vec::new();
    for (date, name) in days {
        match spans.iter_mut().find(|(n, _, last)| *n == name && *last + Duration::days(1) == date) {
            Some(span) => span.2 = date,
            None => spans.push((name, date, date)),
        }
    }
    spans
}

/// The planner's proposals for campaigns between `from` and `to` (inclusive): each statutory
/// holiday of the working-day calendar, each shopping festival of `festivals`, and each trending
/// topic (already ranked by heat) as a short campaign starting today or on `from`, when that is
/// within `TOPIC_FRESH_DAYS` of `today`. Spans are clipped to the range. Sorted by first day, then
/// holidays, festivals, topics.
pub fn propose(
    calendar: &Calendar,
    festivals: &[Festival],
    topics: &[TopicHeat],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Vec<Suggestion> {
    let promote_from =
        |starts_on: NaiveDate, lead_days: i64| (starts_on - Duration::days(lead_days)).max(today);
    let mut out = Vec::new();
    let holiday_days = from
        .iter_days()
        .take_while(|date| *date <= to)
        .filter_map(|date| calendar.day(date).holiday.map(|name| (date, (name.zh, name.en))));
    for ((zh, en), first, last) in spans(holiday_days) {
        let n = days_text(first, last);
        out.push(Suggestion {
            starts_on: first,
            ends_on: last,
            source: SuggestionSource::Holiday,
            reason_zh: format!(
                "{zh}法定假期 {}至{}，共 {n} 天，出行与消费集中；建议提前 {HOLIDAY_LEAD_DAYS} 天开始预热。",
                md(first),
                md(last)
            ),
            reason_en: format!(
                "{en}: statutory holiday from {first} to {last} ({n} {}), when people travel and spend; start promoting {HOLIDAY_LEAD_DAYS} days before.",
                if n == 1 { "day" } else { "days" }
            ),
            name_zh: zh,
            name_en: en,
            lead_days: HOLIDAY_LEAD_DAYS,
            promote_from: promote_from(first, HOLIDAY_LEAD_DAYS),
            heat: None,
        });
    }
    let festival_days =
        festival_days(festivals, from, to).into_iter().map(|day| (day.date, (day.name_zh, day.name_en)));
    for ((zh, en), first, last) in spans(festival_days) {
        let n = days_text(first, last);
        let when_zh = if n == 1 { md(first) } else { format!("{}至{}", md(first), md(last)) };
        let when_en = if n == 1 { first.to_string() } else { format!("{first} to {last}") };
        out.push(Suggestion {
            starts_on: first,
            ends_on: last,
            source: SuggestionSource::Festival,
            reason_zh: format!("购物节「{zh}」（{when_zh}），平台流量高峰；建议提前 {FESTIVAL_LEAD_DAYS} 天开始预热、囤货。"),
            reason_en: format!(
                "Shopping festival \"{en}\" ({when_en}), a traffic peak; start promoting and stocking up {FESTIVAL_LEAD_DAYS} days before."
            ),
            name_zh: zh,
            name_en: en,
            lead_days: FESTIVAL_LEAD_DAYS,
            promote_from: promote_from(first, FESTIVAL_LEAD_DAYS),
            heat: None,
        });
    }
    let topic_start = from.max(today);
    if topic_start <= to && (topic_start - today).num_days() <= TOPIC_FRESH_DAYS {
        let last = (topic_start + Duration::days(TOPIC_CAMPAIGN_DAYS - 1)).min(to);
        for topic in topics {
            out.push(Suggestion {
                starts_on: topic_start,
                ends_on: last,
                source: SuggestionSource::Topic,
                name_zh: topic.topic.clone(),
                name_en: topic.topic.clone(),
                reason_zh: format!(
                    "热点话题「{}」（热度 {}），热度消退快，建议立即跟进。",
                    topic.topic, topic.heat
                ),
                reason_en: format!(
                    "Trending topic \"{}\" (heat {}); topics fade fast, follow it at once.",
                    topic.topic, topic.heat
                ),
                lead_days: 0,
                promote_from: topic_start,
                heat: Some(topic.heat),
            });
        }
    }
    let order = |s: SuggestionSource| SuggestionSource::ALL.iter().position(|x| *x == s);
    out.sort_by_key(|s| (s.starts_on, order(s.source)));
    out
}

/// The window of the same length just before `[starts_on, ends_on]`.
pub fn window_before(starts_on: NaiveDate, ends_on: NaiveDate) -> (NaiveDate, NaiveDate) {
    let days = (ends_on - starts_on).num_days() + 1;
    (starts_on - Duration::days(days), starts_on - Duration::days(1))
}

/// Basis points as a percentage with two decimals, without floats: 3077 → "30.77", -3333 → "-33.33".
pub fn percent_text(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let abs = bp.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The change from `before` to `now` in basis points (1% = 100), rounded half away from zero;
/// `None` when `before` is zero (no base to compare with).
pub fn uplift_bp(now: i64, before: i64) -> Option<i64> {
    if before == 0 {
        return None;
    }
    let delta = (i128::from(now) - i128::from(before)) * 10_000;
    let base = i128::from(before).abs();
    let rounded = if delta >= 0 { (delta + base / 2) / base } else { -((-delta + base / 2) / base) };
    i64::try_from(rounded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::festivals::default_festivals;

    #[test]
    fn percentages_from_basis_points() {
        for (bp, text) in [
            (5_000, "50.00"),
            (-3_333, "-33.33"),
            (5, "0.05"),
            (-5, "-0.05"),
            (0, "0.00"),
            (12_345, "123.45"),
        ] {
            assert_eq!(percent_text(bp), text, "{bp}");
        }
    }

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges() {
        let check = |from: &str, to: &str, expect: Result<(), RangeError>| {
            assert_eq!(check_planner_range(d(from), d(to)), expect, "{from}..{to}");
        };
        check("2026-01-01", "2026-01-01", Ok(()));
        check("2026-01-01", "2027-01-02", Ok(()));
        check("2026-01-01", "2027-01-03", Err(RangeError::TooLong));
        check("2026-01-02", "2026-01-01", Err(RangeError::Reversed));
        check("1999-12-31", "2000-01-02", Err(RangeError::OutOfYears));
        assert_eq!(check_campaign_dates(d("2026-01-01"), d("2026-12-31")), Ok(()));
        assert_eq!(check_campaign_dates(d("2026-01-01"), d("2027-01-01")), Ok(()));
        assert_eq!(check_campaign_dates(d("2026-01-01"), d("2027-01-02")), Err(RangeError::TooLong));
    }

    #[test]
    fn statuses() {
        let check = |today: &str, cancelled: bool, expect: CampaignStatus| {
            let status = CampaignStatus::on(d("2026-10-01"), d("2026-10-07"), cancelled, d(today));
            assert_eq!(status, expect, "{today}");
        };
        check("2026-09-30", false, CampaignStatus::Planned);
        check("2026-10-01", false, CampaignStatus::Running);
        check("2026-10-07", false, CampaignStatus::Running);
        check("2026-10-08", false, CampaignStatus::Ended);
        check("2026-10-02", true, CampaignStatus::Cancelled);
        assert!(CampaignStatus::Running.open() && !CampaignStatus::Ended.open());
    }

    #[test]
    fn uplift() {
        let check = |now: i64, before: i64, expect: Option<i64>| {
            assert_eq!(uplift_bp(now, before), expect, "{now} vs {before}");
        };
        check(150, 100, Some(5_000));
        check(50, 100, Some(-5_000));
        check(100, 100, Some(0));
        check(0, 100, Some(-10_000));
        check(2, 3, Some(-3_333));
        check(1, 3, Some(-6_667));
        check(4, 3, Some(3_333));
        check(5, 3, Some(6_667));
        check(7, 0, None);
        check(0, 0, None);
        check(i64::MAX, 1, None);
    }

    #[test]
    fn the_window_before_has_the_same_length() {
        assert_eq!(window_before(d("2026-10-01"), d("2026-10-07")), (d("2026-09-24"), d("2026-09-30")));
        assert_eq!(window_before(d("2026-03-01"), d("2026-03-01")), (d("2026-02-28"), d("2026-02-28")));
    }

    fn brief(s: &Suggestion) -> (String, String, &'static str, String, String) {
        (
            s.starts_on.to_string(),
            s.ends_on.to_string(),
            s.source.as_str(),
            s.name_zh.clone(),
            s.promote_from.to_string(),
        )
    }

    #[test]
    fn proposals_from_holidays_festivals_and_topics() {
        let calendar = Calendar::builtin();
        let topics = [TopicHeat { topic: "秋日穿搭".into(), heat: 98_000 }];
        let got = propose(
            &calendar,
            &default_festivals(),
            &topics,
            d("2026-09-20"),
            d("2026-11-15"),
            d("2026-09-20"),
        );
        let got: Vec<_> = got.iter().map(brief).collect();
        let row = |a: &str, b: &str, source: &'static str, name: &str, promote: &str| {
            (a.to_owned(), b.to_owned(), source, name.to_owned(), promote.to_owned())
        };
        assert_eq!(
            got,
            vec![
                row("2026-09-20", "2026-09-22", "topic", "秋日穿搭", "2026-09-20"),
                row("2026-09-25", "2026-09-27", "holiday", "中秋节", "2026-09-20"),
                row("2026-09-25", "2026-09-25", "festival", "中秋", "2026-09-20"),
                row("2026-10-01", "2026-10-07", "holiday", "国庆节", "2026-09-24"),
                row("2026-10-01", "2026-10-01", "festival", "国庆", "2026-09-21"),
                row("2026-11-11", "2026-11-11", "festival", "双11", "2026-11-01"),
            ]
        );
    }

    #[test]
    fn spans_are_clipped_and_topics_only_near_today() {
        let calendar = Calendar::builtin();
        let topics = [TopicHeat { topic: "热点".into(), heat: 1 }];
        // From the middle of the National Day holiday, a month ahead: no topic.
        let got = propose(&calendar, &[], &topics, d("2026-10-03"), d("2026-10-04"), d("2026-09-01"));
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].starts_on, got[0].ends_on), (d("2026-10-03"), d("2026-10-04")));
        assert_eq!(got[0].source, SuggestionSource::Holiday);
        // A one-day range: the topic's campaign is clipped to it.
        let got = propose(&calendar, &[], &topics, d("2026-09-02"), d("2026-09-02"), d("2026-09-01"));
        assert_eq!(got.iter().map(brief).collect::<Vec<_>>()[0].1, "2026-09-02");
        assert!(got[0].reason_zh.contains("热点") && got[0].reason_en.contains("heat 1"));
    }
}
