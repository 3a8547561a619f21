//! Engagement analytics: the events the platform pushes (kind, traffic source, audience), the
//! stable codes a refused event line is reported with, the in-memory rollup of a batch (per video
//! per hour and per day, per account per day, views by source and by audience) and the figures
//! dashboards derive from rollups (rates in basis points, mixes, best publishing hour and weekday,
//! tag performance).

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, Timelike};

use crate::limits::{EVENT_AGE_DAYS_MAX, EVENT_WATCH_MS_MAX};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// China is UTC+8 all year.
const CHINA_OFFSET_MS: i64 = 8 * HOUR_MS;
/// How far ahead of the app clock an event's time may be (the platform's clocks drift).
pub const EVENT_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

text_enum! {
    /// What a viewer did.
    EventKind {
        View => "view", "播放";
        Like => "like", "点赞";
        Share => "share", "分享";
        Follow => "follow", "关注";
        Watch => "watch", "观看时长";
    }
}

text_enum! {
    /// Where a view came from.
    TrafficSource {
        Recommend => "recommend", "推荐";
        Follow => "follow", "关注";
        Search => "search", "搜索";
        Profile => "profile", "主页";
        Paid => "paid", "付费推广";
        Other => "other", "其他";
    }
}

text_enum! {
    /// The viewer's age band.
    AgeBand {
        Under18 => "0-17", "18 岁以下";
        From18 => "18-23", "18-23 岁";
        From24 => "24-30", "24-30 岁";
        From31 => "31-40", "31-40 岁";
        From41 => "41-50", "41-50 岁";
        Over50 => "50+", "50 岁以上";
        Unknown => "unknown", "未知";
    }
}

text_enum! {
    /// The viewer's gender as the platform knows it.
    Gender {
        Male => "male", "男";
        Female => "female", "女";
        Unknown => "unknown", "未知";
    }
}

/// The provincial-level divisions by their short names, then "unknown".
pub const PROVINCES: [&str; 35] = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "台湾",
    "香港",
    "澳门",
    "unknown",
];

/// A province's index in `PROVINCES`.
pub fn parse_province(text: &str) -> Option<u8> {
    PROVINCES.iter().position(|p| *p == text).and_then(|i| u8::try_from(i).ok())
}

text_enum! {
    /// An audience dimension of the views.
    Dimension {
        Age => "age", "年龄";
        Gender => "gender", "性别";
        Province => "province", "地域";
    }
}

/// One value of an audience dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudienceValue {
    Age(AgeBand),
    Gender(Gender),
    Province(u8),
}

impl AudienceValue {
    pub fn dimension(self) -> Dimension {
        match self {
            AudienceValue::Age(_) => Dimension::Age,
            AudienceValue::Gender(_) => Dimension::Gender,
            AudienceValue::Province(_) => Dimension::Province,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AudienceValue::Age(band) => band.as_str(),
            AudienceValue::Gender(gender) => gender.as_str(),
            AudienceValue::Province(index) => PROVINCES.get(usize::from(index)).copied().unwrap_or("unknown"),
        }
    }
}

text_enum! {
    /// Why a line of an event batch was refused. The text is the stable `code` of the batch
    /// answer's `rejected` entries (docs/errors.md, "Event batch line codes").
    EventLineError {
        Malformed => "malformed_line", "不是合法的事件 JSON 对象";
        InvalidKind => "invalid_kind", "事件类型无效";
        InvalidTime => "invalid_time", "事件时间无效";
        InvalidSource => "invalid_source", "流量来源无效";
        InvalidAge => "invalid_age", "年龄段无效";
        InvalidGender => "invalid_gender", "性别无效";
        InvalidProvince => "invalid_province", "省份无效";
        InvalidWatchTime => "invalid_watch_time", "观看时长无效";
        UnknownVideo => "unknown_video", "视频不存在";
    }
}

/// An event with every field checked (its video not yet looked up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub video_id: i64,
    pub kind: EventKind,
    pub at_ms: i64,
    pub source: TrafficSource,
    pub age: AgeBand,
    pub gender: Gender,
    pub province: u8,
    /// Watch time of a `watch` event; 0 for the other kinds.
    pub watch_ms: i64,
    /// A `watch` event that reached the end of the video.
    pub completed: bool,
}

/// An event's time: not ahead of the app clock by more than `EVENT_CLOCK_SKEW_MS`, not older
/// than `EVENT_AGE_DAYS_MAX` days.
pub fn check_event_time(at_ms: i64, now_ms: i64) -> Result<(), EventLineError> {
    let oldest = now_ms - EVENT_AGE_DAYS_MAX * DAY_MS;
    if at_ms > now_ms + EVENT_CLOCK_SKEW_MS || at_ms < oldest {
        return Err(EventLineError::InvalidTime);
    }
    Ok(())
}

/// A `watch` event's watch time: 1 ms to `EVENT_WATCH_MS_MAX`; the other kinds carry none.
pub fn check_watch(
    kind: EventKind,
    watch_ms: Option<i64>,
    completed: Option<bool>,
) -> Result<(i64, bool), EventLineError> {
    match (kind, watch_ms) {
        (EventKind::Watch, Some(ms)) if (1..=EVENT_WATCH_MS_MAX).contains(&ms) => {
            Ok((ms, completed.unwrap_or(false)))
        }
        (EventKind::Watch, _) => Err(EventLineError::InvalidWatchTime),
        (_, None) if completed.is_none() => Ok((0, false)),
        _ => Err(EventLineError::InvalidWatchTime),
    }
}

/// The China day an instant falls on, as days since 1970-01-01.
pub fn china_day_number(at_ms: i64) -> i64 {
    (at_ms + CHINA_OFFSET_MS).div_euclid(DAY_MS)
}

/// The date of a day number.
pub fn day_date(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + Duration::days(day)
}

/// The start of the hour an instant falls in (China hours start on whole UTC hours).
pub fn hour_start(at_ms: i64) -> i64 {
    at_ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// The China hour of day (0–23) and weekday (0 = Monday) of an instant.
pub fn china_hour_and_weekday(at_ms: i64) -> (u32, u32) {
    let local =
        chrono::DateTime::from_timestamp_millis(at_ms + CHINA_OFFSET_MS).unwrap_or_default().naive_utc();
    (local.hour(), local.weekday().num_days_from_monday())
}

/// Engagement counts of one rollup row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub views: i64,
    pub likes: i64,
    pub shares: i64,
    pub follows: i64,
    pub watch_ms: i64,
    pub completions: i64,
}

impl Counts {
    fn add_event(&mut self, event: &Event) {
        match event.kind {
            EventKind::View => self.views += 1,
            EventKind::Like => self.likes += 1,
            EventKind::Share => self.shares += 1,
            EventKind::Follow => self.follows += 1,
            EventKind::Watch => {
                self.watch_ms += event.watch_ms;
                self.completions += i64::from(event.completed);
            }
        }
    }

    pub fn add(&mut self, other: &Counts) {
        self.views += other.views;
        self.likes += other.likes;
        self.shares += other.shares;
        self.follows += other.follows;
        self.watch_ms += other.watch_ms;
        self.completions += other.completions;
    }
}

/// The account a video belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoOwner {
    pub account_id: i64,
    pub merchant_id: i64,
}

/// A batch's events summed by every rollup key: what the ingest adds to the rollup tables.
/// Days are `china_day_number`s, hours `hour_start`s.
#[derive(Debug, Default)]
pub struct Rollup {
    pub video_hours: HashMap<(i64, i64), Counts>,
    pub video_days: HashMap<(i64, i64), (VideoOwner, Counts)>,
    pub account_days: HashMap<(i64, i64), (i64, Counts)>,
    pub video_sources: HashMap<(i64, i64, TrafficSource), i64>,
    pub account_sources: HashMap<(i64, i64, TrafficSource), i64>,
    pub video_audience: HashMap<(i64, i64, AudienceValue), i64>,
    pub account_audience: HashMap<(i64, i64, AudienceValue), i64>,
    pub events: usize,
}

impl Rollup {
    /// Adds one event of a video owned by `owner`. Sources and audience count views.
    pub fn add(&mut self, event: &Event, owner: VideoOwner) {
        self.events += 1;
        let day = china_day_number(event.at_ms);
        let (video, account) = (event.video_id, owner.account_id);
        self.video_hours.entry((video, hour_start(event.at_ms))).or_default().add_event(event);
        self.video_days.entry((video, day)).or_insert((owner, Counts::default())).1.add_event(event);
        self.account_days
            .entry((account, day))
            .or_insert((owner.merchant_id, Counts::default()))
            .1
            .add_event(event);
        if event.kind != EventKind::View {
            return;
        }
        *self.video_sources.entry((video, day, event.source)).or_default() += 1;
        *self.account_sources.entry((account, day, event.source)).or_default() += 1;
        let audience = [
            AudienceValue::Age(event.age),
            AudienceValue::Gender(event.gender),
            AudienceValue::Province(event.province),
        ];
        for value in audience {
            *self.video_audience.entry((video, day, value)).or_default() += 1;
            *self.account_audience.entry((account, day, value)).or_default() += 1;
        }
    }
}

/// `part / whole` in basis points (1% = 100), rounded half up; `None` when `whole` is zero.
pub fn rate_bp(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    let scaled = i128::from(part) * 10_000;
    let whole = i128::from(whole);
    i64::try_from((scaled + whole / 2).div_euclid(whole)).ok()
}

/// `total / count` rounded half up; `None` when `count` is zero.
pub fn average(total: i64, count: i64) -> Option<i64> {
    if count <= 0 {
        return None;
    }
    let (total, count) = (i128::from(total), i128::from(count));
    i64::try_from((total + count / 2).div_euclid(count)).ok()
}

/// Engagement of a set of counts: likes, comments and shares (follows are counted apart).
pub fn engagements(counts: &Counts, comments: i64) -> i64 {
    counts.likes + counts.shares + comments
}

/// A share of a mix: the value, its count and its share of the total in basis points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixEntry {
    pub key: String,
    pub count: i64,
    pub share_bp: i64,
}

/// Counts by key as shares of their total, largest first (ties by key); zero counts left out.
pub fn mix(counts: impl IntoIterator<Item = (String, i64)>) -> Vec<MixEntry> {
    let mut summed: HashMap<String, i64> = HashMap::new();
    for (key, count) in counts {
        *summed.entry(key).or_default() += count;
    }
    let total: i64 = summed.values().sum();
    let mut entries: Vec<MixEntry> = summed
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(key, count)| MixEntry { share_bp: rate_bp(count, total).unwrap_or(0), key, count })
        .collect();
    entries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    entries
}

/// A published video's figures over a period, for the publishing-time and tag tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFigures {
    pub video_id: i64,
    pub published_at_ms: i64,
    pub tags: Vec<String>,
    pub views: i64,
    pub engagements: i64,
}

/// Videos grouped by one key (a publishing hour, a weekday, a tag): how many, their views and
/// engagements, and the average views per video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFigures {
    pub key: String,
    pub videos: i64,
    pub views: i64,
    pub engagements: i64,
    pub average_views: i64,
    pub engagement_rate_bp: Option<i64>,
}

fn group_by(videos: &[VideoFigures], keys: impl Fn(&VideoFigures) -> Vec<String>) -> Vec<GroupFigures> {
    let mut groups: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for video in videos {
        for key in keys(video) {
            let group = groups.entry(key).or_default();
            group.0 += 1;
            group.1 += video.views;
            group.2 += video.engagements;
        }
    }
    groups
        .into_iter()
        .map(|(key, (count, views, engagements))| GroupFigures {
            key,
            videos: count,
            views,
            engagements,
            average_views: average(views, count).unwrap_or(0),
            engagement_rate_bp: rate_bp(engagements, views),
        })
        .collect()
}

/// Videos by the China hour they were published at ("00".."23"), in hour order.
pub fn by_publishing_hour(videos: &[VideoFigures]) -> Vec<GroupFigures> {
    let mut groups =
        group_by(videos, |v| vec![format!("{:02}", china_hour_and_weekday(v.published_at_ms).0)]);
    groups.sort_by(|a, b| a.key.cmp(&b.key));
    groups
}

/// Videos by the weekday they were published on ("1" Monday .. "7" Sunday), in weekday order.
pub fn by_publishing_weekday(videos: &[VideoFigures]) -> Vec<GroupFigures> {
    let mut groups =
        group_by(videos, |v| vec![(china_hour_and_weekday(v.published_at_ms).1 + 1).to_string()]);
    groups.sort_by(|a, b| a.key.cmp(&b.key));
    groups
}

/// The group whose videos average the most views (ties: the earlier key); none without videos.
pub fn best(groups: &[GroupFigures]) -> Option<&GroupFigures> {
    groups.iter().fold(None, |best: Option<&GroupFigures>, group| match best {
        Some(b) if b.average_views >= group.average_views => Some(b),
        _ => Some(group),
    })
}

/// Topic tags by the views their videos brought, most first (ties by tag), at most `limit`.
pub fn tag_performance(videos: &[VideoFigures], limit: usize) -> Vec<GroupFigures> {
    let mut groups = group_by(videos, |v| v.tags.clone());
    groups.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.key.cmp(&b.key)));
    groups.truncate(limit);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, at_ms: i64) -> Event {
        Event {
            video_id: 7,
            kind,
            at_ms,
            source: TrafficSource::Search,
            age: AgeBand::From24,
            gender: Gender::Female,
            province: parse_province("广东").unwrap(),
            watch_ms: if kind == EventKind::Watch { 12_000 } else { 0 },
            completed: kind == EventKind::Watch,
        }
    }

    #[test]
    fn days_and_hours_follow_china_time() {
        // 2026-03-01 16:30 UTC is 2026-03-02 00:30 in China.
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T16:30:00Z").unwrap().timestamp_millis();
        assert_eq!(day_date(china_day_number(at)).to_string(), "2026-03-02");
        assert_eq!(china_hour_and_weekday(at), (0, 0));
        assert_eq!(hour_start(at), at - 30 * 60 * 1000);
    }

    #[test]
    fn event_time_is_bounded_by_the_clock() {
        let now = 1_800_000_000_000;
        assert!(check_event_time(now, now).is_ok());
        assert!(check_event_time(now + EVENT_CLOCK_SKEW_MS, now).is_ok());
        assert_eq!(check_event_time(now + EVENT_CLOCK_SKEW_MS + 1, now), Err(EventLineError::InvalidTime));
        assert_eq!(
            check_event_time(now - (EVENT_AGE_DAYS_MAX + 1) * DAY_MS, now),
            Err(EventLineError::InvalidTime)
        );
    }

    #[test]
    fn only_watch_events_carry_watch_time() {
        assert_eq!(check_watch(EventKind::Watch, Some(1500), Some(true)), Ok((1500, true)));
        assert_eq!(check_watch(EventKind::Watch, None, None), Err(EventLineError::InvalidWatchTime));
        assert_eq!(check_watch(EventKind::Watch, Some(0), None), Err(EventLineError::InvalidWatchTime));
        assert_eq!(check_watch(EventKind::View, None, None), Ok((0, false)));
        assert_eq!(check_watch(EventKind::View, Some(10), None), Err(EventLineError::InvalidWatchTime));
        assert_eq!(check_watch(EventKind::Like, None, Some(true)), Err(EventLineError::InvalidWatchTime));
    }

    #[test]
    fn a_rollup_sums_by_every_key() {
        let owner = VideoOwner { account_id: 3, merchant_id: 2 };
        let hour = 1_800_000_000_000 - 1_800_000_000_000 % HOUR_MS;
        let mut rollup = Rollup::default();
        for kind in [EventKind::View, EventKind::View, EventKind::Like, EventKind::Watch, EventKind::Follow] {
            rollup.add(&event(kind, hour + 10), owner);
        }
        rollup.add(&event(EventKind::View, hour + HOUR_MS), owner);
        assert_eq!(rollup.events, 6);
        assert_eq!(rollup.video_hours.len(), 2);
        let first = rollup.video_hours[&(7, hour)];
        assert_eq!(
            first,
            Counts { views: 2, likes: 1, shares: 0, follows: 1, watch_ms: 12_000, completions: 1 }
        );
        let day = china_day_number(hour);
        assert_eq!(rollup.account_days[&(3, day)].1.views, 3);
        assert_eq!(rollup.account_sources[&(3, day, TrafficSource::Search)], 3);
        let guangdong = AudienceValue::Province(parse_province("广东").unwrap());
        assert_eq!(rollup.account_audience[&(3, day, guangdong)], 3);
        assert_eq!(rollup.video_audience[&(7, day, AudienceValue::Gender(Gender::Female))], 3);
    }

    #[test]
    fn rates_round_and_refuse_a_zero_whole() {
        assert_eq!(rate_bp(1, 3), Some(3333));
        assert_eq!(rate_bp(2, 3), Some(6667));
        assert_eq!(rate_bp(5, 0), None);
        assert_eq!(average(10, 4), Some(3));
        assert_eq!(average(1, 0), None);
    }

    #[test]
    fn a_mix_sorts_and_shares() {
        let entries =
            mix([("b".to_string(), 1), ("a".to_string(), 3), ("c".to_string(), 0), ("a".to_string(), 0)]);
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].key.as_str(), entries[0].count, entries[0].share_bp), ("a", 3, 7500));
        assert_eq!(entries[1].share_bp, 2500);
    }

    #[test]
    fn publishing_hours_weekdays_and_tags() {
        // Monday 2026-03-02 20:00 China time and Tuesday 2026-03-03 09:00.
        let monday_evening =
            chrono::DateTime::parse_from_rfc3339("2026-03-02T20:00:00+08:00").unwrap().timestamp_millis();
        let tuesday_morning =
            chrono::DateTime::parse_from_rfc3339("2026-03-03T09:00:00+08:00").unwrap().timestamp_millis();
        let video = |id, at, tags: &[&str], views, engagements| VideoFigures {
            video_id: id,
            published_at_ms: at,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            views,
            engagements,
        };
        let videos = [
            video(1, monday_evening, &["秋冬", "穿搭"], 900, 90),
            video(2, monday_evening, &["穿搭"], 300, 30),
            video(3, tuesday_morning, &["开箱"], 700, 7),
        ];
        let hours = by_publishing_hour(&videos);
        assert_eq!(hours.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(), ["09", "20"]);
        assert_eq!(best(&hours).unwrap().key, "09");
        assert_eq!(hours[1].average_views, 600);
        let days = by_publishing_weekday(&videos);
        assert_eq!((days[0].key.as_str(), days[0].videos), ("1", 2));
        let tags = tag_performance(&videos, 2);
        assert_eq!(
            tags.iter().map(|g| (g.key.as_str(), g.views)).collect::<Vec<_>>(),
            [("穿搭", 1200), ("秋冬", 900)]
        );
        assert_eq!(tags[0].engagement_rate_bp, Some(1000));
        assert!(best(&[]).is_none());
    }
}
