//! Reputation monitoring (舆情): an account's hourly negative-comment rate against a baseline
//! learned from the hours before, the spike rule that opens a reputation incident and its level,
//! the response deadline by level, escalation, the per-account settings and their bounds, and the
//! keyword watch list. Pure: hours and times are passed in.

use std::collections::BTreeMap;

use crate::limits::{WATCH_KEYWORD_LENGTH_MAX, WATCH_KEYWORDS_MAX};

/// One hour, in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;
/// Hours with comments a baseline needs before it is trusted; below it the prior is used.
pub const BASELINE_HOURS_LEARNED_MIN: usize = 24;
/// The negative rate assumed while an account has too little history (the prior's mean).
pub const PRIOR_RATE: f64 = 0.15;
/// The prior's standard deviation.
pub const PRIOR_SIGMA: f64 = 0.10;
/// The smallest standard deviation the spike rule uses, so a very steady history does not turn
/// every small wobble into a spike.
pub const SIGMA_MIN: f64 = 0.05;
/// The smallest baseline mean growth is measured against (a history without negative comments).
pub const GROWTH_MEAN_MIN: f64 = 0.01;

text_enum! {
    /// How serious an incident is, lowest first: blue, yellow, orange, red (蓝、黄、橙、红色预警).
    IncidentLevel {
        Blue => "blue", "蓝色";
        Yellow => "yellow", "黄色";
        Orange => "orange", "橙色";
        Red => "red", "红色";
    }
}

impl IncidentLevel {
    /// 0 for blue up to 3 for red.
    pub fn rank(self) -> usize {
        IncidentLevel::ALL.iter().position(|level| *level == self).unwrap_or(0)
    }
}

text_enum! {
    /// What opened an incident: a spike of the negative rate, or a watched keyword.
    IncidentKind {
        Spike => "spike", "负面激增";
        Keyword => "keyword", "关键词命中";
    }
}

text_enum! {
    /// An incident is open until it is resolved with a summary.
    IncidentStatus {
        Open => "open", "处理中";
        Resolved => "resolved", "已解决";
    }
}

/// The start of the hour `ms` falls in (China time has a whole-hour offset, so this is the China
/// hour too).
pub fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// An account's platform comments of one hour and how many of them are negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HourCount {
    pub hour_ms: i64,
    pub comments: i64,
    pub negative: i64,
}

impl HourCount {
    /// The negative share of the hour's comments; 0 for an hour without comments.
    pub fn rate(&self) -> f64 {
        if self.comments <= 0 { 0.0 } else { self.negative as f64 / self.comments as f64 }
    }
}

/// Adds up comments by hour: (created_at_ms, negative) pairs to one `HourCount` per hour, in order.
pub fn count_by_hour(comments: impl IntoIterator<Item = (i64, bool)>) -> Vec<HourCount> {
    let mut hours: BTreeMap<i64, HourCount> = BTreeMap::new();
    for (created_at_ms, negative) in comments {
        let hour_ms = hour_of(created_at_ms);
        let count = hours.entry(hour_ms).or_insert(HourCount { hour_ms, ..HourCount::default() });
        count.comments += 1;
        count.negative += i64::from(negative);
    }
    hours.into_values().collect()
}

/// The hourly negative rate an account usually has: the comment-weighted mean and standard
/// deviation of the hourly rates of the hours before (hours without comments carry no weight).
/// With fewer than `BASELINE_HOURS_LEARNED_MIN` hours with comments the prior is used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub mean: f64,
    pub sigma: f64,
    /// Hours with comments it was learned from (0 for the prior).
    pub hours: usize,
    pub learned: bool,
}

impl Baseline {
    pub fn prior() -> Baseline {
        Baseline { mean: PRIOR_RATE, sigma: PRIOR_SIGMA, hours: 0, learned: false }
    }

    /// Learns the baseline from the hours before the one judged.
    pub fn learn(history: &[HourCount]) -> Baseline {
        let hours: Vec<&HourCount> = history.iter().filter(|h| h.comments > 0).collect();
        if hours.len() < BASELINE_HOURS_LEARNED_MIN {
            return Baseline { hours: hours.len(), ..Baseline::prior() };
        }
        let total: f64 = hours.iter().map(|h| h.comments as f64).sum();
        let negative: f64 = hours.iter().map(|h| h.negative as f64).sum();
        let mean = negative / total;
        let variance =
            hours.iter().map(|h| h.comments as f64 * (h.rate() - mean).powi(2)).sum::<f64>() / total;
        Baseline { mean, sigma: variance.sqrt(), hours: hours.len(), learned: true }
    }

    /// The rate from which an hour is a spike under `settings`.
    pub fn threshold(&self, settings: &ReputationSettings) -> f64 {
        (self.mean + settings.deviation_sigmas * self.sigma.max(SIGMA_MIN)).max(settings.rate_floor)
    }

    /// How many times the usual rate an hour's rate is.
    pub fn growth(&self, rate: f64) -> f64 {
        rate / self.mean.max(GROWTH_MEAN_MIN)
    }
}

/// When an hour is a spike, what level it reaches, and how long the team has to respond.
/// Every account starts with `ReputationSettings::default()`; its team may change them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReputationSettings {
    /// Negative comments an hour needs at least to be a spike (blue).
    pub negative_min: i64,
    /// How many standard deviations above the baseline mean the rate must be.
    pub deviation_sigmas: f64,
    /// The rate an hour must reach in any case (0 to 1).
    pub rate_floor: f64,
    /// Hours before the judged one the baseline learns from.
    pub baseline_hours: i64,
    /// Negative comments in the hour for yellow, orange and red.
    pub yellow_negative: i64,
    pub orange_negative: i64,
    pub red_negative: i64,
    /// Growth (rate over the baseline mean) for yellow, orange and red; a level needs both.
    pub yellow_growth: f64,
    pub orange_growth: f64,
    pub red_growth: f64,
    /// Response deadline by level, in minutes from detection.
    pub blue_minutes: i64,
    pub yellow_minutes: i64,
    pub orange_minutes: i64,
    pub red_minutes: i64,
}

impl Default for ReputationSettings {
    fn default() -> Self {
        ReputationSettings {
            negative_min: 10,
            deviation_sigmas: 3.0,
            rate_floor: 0.3,
            baseline_hours: 7 * 24,
            yellow_negative: 30,
            orange_negative: 100,
            red_negative: 300,
            yellow_growth: 2.0,
            orange_growth: 3.0,
            red_growth: 4.0,
            blue_minutes: 240,
            yellow_minutes: 120,
            orange_minutes: 60,
            red_minutes: 30,
        }
    }
}

/// Largest volume threshold, in negative comments an hour.
pub const NEGATIVE_THRESHOLD_MAX: i64 = 1_000_000;
/// Largest growth threshold.
pub const GROWTH_MAX: f64 = 100.0;
/// Largest number of standard deviations.
pub const DEVIATION_SIGMAS_MAX: f64 = 10.0;
/// Baseline length bounds, in hours (one day to 30 days).
pub const BASELINE_HOURS_MIN: i64 = 24;
pub const BASELINE_HOURS_MAX: i64 = 30 * 24;
/// Longest response deadline, in minutes (a week).
pub const DEADLINE_MINUTES_MAX: i64 = 7 * 24 * 60;

impl ReputationSettings {
    /// Checks the bounds and the order of the levels; names the first rule broken.
    pub fn check(&self) -> Result<(), &'static str> {
        let s = self;
        if !(1..=NEGATIVE_THRESHOLD_MAX).contains(&s.negative_min) {
            return Err("negative_min: 1 to 1000000");
        }
        if !(s.negative_min <= s.yellow_negative
            && s.yellow_negative <= s.orange_negative
            && s.orange_negative <= s.red_negative
            && s.red_negative <= NEGATIVE_THRESHOLD_MAX)
        {
            return Err("negative_min <= yellow_negative <= orange_negative <= red_negative <= 1000000");
        }
        if !(s.deviation_sigmas.is_finite() && (0.0..=DEVIATION_SIGMAS_MAX).contains(&s.deviation_sigmas)) {
            return Err("deviation_sigmas: 0 to 10");
        }
        if !(s.rate_floor.is_finite() && (0.0..=1.0).contains(&s.rate_floor)) {
            return Err("rate_floor: 0 to 1");
        }
        if !(BASELINE_HOURS_MIN..=BASELINE_HOURS_MAX).contains(&s.baseline_hours) {
            return Err("baseline_hours: 24 to 720");
        }
        let growths = [s.yellow_growth, s.orange_growth, s.red_growth];
        if !(growths.iter().all(|g| g.is_finite() && (1.0..=GROWTH_MAX).contains(g))
            && s.yellow_growth <= s.orange_growth
            && s.orange_growth <= s.red_growth)
        {
            return Err("1 <= yellow_growth <= orange_growth <= red_growth <= 100");
        }
        if !(s.red_minutes >= 1
            && s.red_minutes <= s.orange_minutes
            && s.orange_minutes <= s.yellow_minutes
            && s.yellow_minutes <= s.blue_minutes
            && s.blue_minutes <= DEADLINE_MINUTES_MAX)
        {
            return Err("1 <= red_minutes <= orange_minutes <= yellow_minutes <= blue_minutes <= 10080");
        }
        Ok(())
    }

    /// Minutes the team has to respond to an incident of `level`.
    pub fn response_minutes(&self, level: IncidentLevel) -> i64 {
        match level {
            IncidentLevel::Blue => self.blue_minutes,
            IncidentLevel::Yellow => self.yellow_minutes,
            IncidentLevel::Orange => self.orange_minutes,
            IncidentLevel::Red => self.red_minutes,
        }
    }

    /// The response deadline of an incident of `level` detected at `now_ms`.
    pub fn deadline_ms(&self, level: IncidentLevel, now_ms: i64) -> i64 {
        now_ms + self.response_minutes(level) * 60_000
    }
}

/// Judges one hour against the baseline: a spike when the hour has at least `negative_min`
/// negative comments and its rate is above the baseline mean and at least
/// `max(rate_floor, mean + deviation_sigmas * max(sigma, SIGMA_MIN))`. The level is the highest
/// whose volume and growth the hour both reach (blue for any spike).
pub fn detect(hour: &HourCount, baseline: &Baseline, settings: &ReputationSettings) -> Option<IncidentLevel> {
    if hour.negative < settings.negative_min || hour.comments <= 0 {
        return None;
    }
    let rate = hour.rate();
    if rate <= baseline.mean || rate < baseline.threshold(settings) {
        return None;
    }
    let growth = baseline.growth(rate);
    let s = settings;
    let level = if hour.negative >= s.red_negative && growth >= s.red_growth {
        IncidentLevel::Red
    } else if hour.negative >= s.orange_negative && growth >= s.orange_growth {
        IncidentLevel::Orange
    } else if hour.negative >= s.yellow_negative && growth >= s.yellow_growth {
        IncidentLevel::Yellow
    } else {
        IncidentLevel::Blue
    };
    Some(level)
}

/// What a new detection does to an open incident: raise its level and bring its deadline
/// forward (never later than it was), or nothing when it is not higher.
pub fn escalate(
    current: IncidentLevel,
    current_deadline_ms: i64,
    detected: IncidentLevel,
    settings: &ReputationSettings,
    now_ms: i64,
) -> Option<(IncidentLevel, i64)> {
    (detected.rank() > current.rank())
        .then(|| (detected, settings.deadline_ms(detected, now_ms).min(current_deadline_ms)))
}

/// Why a watch list is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeywordError {
    TooMany,
    /// A keyword is empty, too long, or holds a control character (its 0-based position).
    Invalid(usize),
}

impl std::fmt::Display for KeywordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeywordError::TooMany => write!(f, "a watch list holds at most {WATCH_KEYWORDS_MAX} keywords"),
            KeywordError::Invalid(index) => write!(
                f,
                "keyword {}: 1-{WATCH_KEYWORD_LENGTH_MAX} characters, no control characters",
                index + 1
            ),
        }
    }
}

/// Parses a watch list: each keyword trimmed, 1 to `WATCH_KEYWORD_LENGTH_MAX` characters without
/// control characters; repeats (ignoring case) are dropped, the first kept; at most
/// `WATCH_KEYWORDS_MAX` remain.
pub fn parse_watch_list(keywords: &[String]) -> Result<Vec<String>, KeywordError> {
    let mut list: Vec<String> = Vec::new();
    for (index, keyword) in keywords.iter().enumerate() {
        let trimmed = keyword.trim();
        if trimmed.is_empty()
            || trimmed.chars().count() > WATCH_KEYWORD_LENGTH_MAX
            || trimmed.chars().any(char::is_control)
        {
            return Err(KeywordError::Invalid(index));
        }
        let folded = trimmed.to_lowercase();
        if !list.iter().any(|k| k.to_lowercase() == folded) {
            list.push(trimmed.to_owned());
        }
    }
    if list.len() > WATCH_KEYWORDS_MAX {
        return Err(KeywordError::TooMany);
    }
    Ok(list)
}

/// The watched keywords `text` contains, ignoring case.
pub fn matching_keywords<'k>(text: &str, keywords: &'k [String]) -> Vec<&'k str> {
    if keywords.is_empty() {
        return Vec::new();
    }
    let text = text.to_lowercase();
    keywords.iter().filter(|k| text.contains(&k.to_lowercase())).map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn hour(comments: i64, negative: i64) -> HourCount {
        HourCount { hour_ms: 0, comments, negative }
    }

    /// A week of ordinary hours: 40 comments, 4 negative (10 %), with a little wobble.
    fn ordinary_week() -> Vec<HourCount> {
        (0..168).map(|i| HourCount { hour_ms: i * HOUR_MS, comments: 40, negative: 3 + i % 3 }).collect()
    }

    #[test]
    fn hours_and_counts() {
        assert_eq!(hour_of(HOUR_MS * 5 + 1), HOUR_MS * 5);
        assert_eq!(hour_of(-1), -HOUR_MS);
        let counts = count_by_hour([(10, true), (HOUR_MS + 1, false), (20, false), (HOUR_MS * 2, true)]);
        assert_eq!(
            counts,
            [
                HourCount { hour_ms: 0, comments: 2, negative: 1 },
                HourCount { hour_ms: HOUR_MS, comments: 1, negative: 0 },
                HourCount { hour_ms: 2 * HOUR_MS, comments: 1, negative: 1 },
            ]
        );
        assert_eq!(hour(0, 0).rate(), 0.0);
    }

    #[test]
    fn baselines() {
        let prior = Baseline::learn(&[hour(10, 1); 23]);
        assert_eq!(
            (prior.mean, prior.sigma, prior.hours, prior.learned),
            (PRIOR_RATE, PRIOR_SIGMA, 23, false)
        );
        let steady = Baseline::learn(&[hour(10, 1); 24]);
        assert!(steady.learned && (steady.mean - 0.1).abs() < 1e-12 && steady.sigma < 1e-12);
        // Hours without comments carry no weight.
        let mut gappy = vec![hour(10, 1); 24];
        gappy.extend([hour(0, 0); 100]);
        assert_eq!(Baseline::learn(&gappy).hours, 24);
        let week = Baseline::learn(&ordinary_week());
        assert!((week.mean - 0.1).abs() < 1e-9, "{week:?}");
        assert!(week.sigma > 0.01 && week.sigma < 0.03, "{week:?}");
        let s = ReputationSettings::default();
        // 0.1 + 3 * 0.05 is below the floor.
        assert_eq!(week.threshold(&s), 0.3);
    }

    #[test]
    fn levels_and_deadlines() {
        let s = ReputationSettings::default();
        let week = Baseline::learn(&ordinary_week());
        let check = |comments: i64, negative: i64, expect: Option<IncidentLevel>| {
            assert_eq!(detect(&hour(comments, negative), &week, &s), expect, "{negative}/{comments}");
        };
        check(40, 4, None);
        check(20, 9, None); // below the volume
        check(100, 25, None); // below the rate floor
        check(30, 10, Some(IncidentLevel::Blue));
        check(40, 30, Some(IncidentLevel::Yellow));
        check(200, 100, Some(IncidentLevel::Orange));
        check(400, 300, Some(IncidentLevel::Red));
        // Volume without growth stays low: 35 % is 3.5 times the usual 10 %, not 4.
        check(1000, 350, Some(IncidentLevel::Orange));
        let now = 1_000_000;
        let minutes: Vec<i64> =
            IncidentLevel::ALL.iter().map(|l| (s.deadline_ms(*l, now) - now) / 60_000).collect();
        assert_eq!(minutes, [240, 120, 60, 30]);
        assert_eq!(escalate(IncidentLevel::Blue, now + 10, IncidentLevel::Blue, &s, now), None);
        assert_eq!(escalate(IncidentLevel::Yellow, now, IncidentLevel::Blue, &s, now), None);
        assert_eq!(
            escalate(IncidentLevel::Blue, now + 240 * 60_000, IncidentLevel::Red, &s, now),
            Some((IncidentLevel::Red, now + 30 * 60_000))
        );
        // Never later than the deadline already set.
        assert_eq!(
            escalate(IncidentLevel::Blue, now + 10, IncidentLevel::Yellow, &s, now),
            Some((IncidentLevel::Yellow, now + 10))
        );
    }

    #[test]
    fn settings_bounds() {
        assert_eq!(ReputationSettings::default().check(), Ok(()));
        let bad = [
            ReputationSettings { negative_min: 0, ..ReputationSettings::default() },
            ReputationSettings { yellow_negative: 5, ..ReputationSettings::default() },
            ReputationSettings { deviation_sigmas: f64::NAN, ..ReputationSettings::default() },
            ReputationSettings { rate_floor: 1.5, ..ReputationSettings::default() },
            ReputationSettings { baseline_hours: 2, ..ReputationSettings::default() },
            ReputationSettings { orange_growth: 1.5, ..ReputationSettings::default() },
            ReputationSettings { red_minutes: 90, ..ReputationSettings::default() },
            ReputationSettings { blue_minutes: 20_000, ..ReputationSettings::default() },
        ];
        for settings in bad {
            assert!(settings.check().is_err(), "{settings:?}");
        }
    }

    #[test]
    fn watch_lists() {
        let list =
            |words: &[&str]| parse_watch_list(&words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>());
        assert_eq!(list(&[" 小店 ", "XiaoDian", "xiaodian", "张总"]).unwrap(), ["小店", "XiaoDian", "张总"]);
        assert_eq!(list(&["a", " "]), Err(KeywordError::Invalid(1)));
        assert_eq!(list(&[&"长".repeat(WATCH_KEYWORD_LENGTH_MAX + 1)]), Err(KeywordError::Invalid(0)));
        assert_eq!(list(&["a\u{7}"]), Err(KeywordError::Invalid(0)));
        let many: Vec<String> = (0..=WATCH_KEYWORDS_MAX).map(|i| format!("k{i}")).collect();
        assert_eq!(parse_watch_list(&many), Err(KeywordError::TooMany));
        let keywords = list(&["XiaoDian", "张总"]).unwrap();
        assert_eq!(matching_keywords("xiaodian 的张总太坑了", &keywords), ["XiaoDian", "张总"]);
        assert!(matching_keywords("好看", &keywords).is_empty());
    }

    proptest! {
        /// An hour whose rate is not above the baseline mean never opens an incident, whatever
        /// the settings and the volume.
        #[test]
        fn no_incident_at_or_below_the_baseline(
            mean in 0.0f64..1.0,
            sigma in 0.0f64..0.5,
            comments in 1i64..10_000,
            share in 0.0f64..=1.0,
            sigmas in 0.0f64..10.0,
            floor in 0.0f64..=1.0,
            negative_min in 1i64..100,
        ) {
            let negative = ((comments as f64) * mean * share).floor() as i64;
            let baseline = Baseline { mean, sigma, hours: 168, learned: true };
            let settings = ReputationSettings {
                deviation_sigmas: sigmas,
                rate_floor: floor,
                negative_min,
                ..ReputationSettings::default()
            };
            prop_assert_eq!(detect(&hour(comments, negative), &baseline, &settings), None);
        }

        /// More negative comments in the same hour never lower the level.
        #[test]
        fn the_level_grows_with_the_volume(comments in 1i64..2_000, negative in 0i64..2_000, more in 0i64..500) {
            let negative = negative.min(comments);
            let baseline = Baseline::learn(&ordinary_week());
            let s = ReputationSettings::default();
            let before = detect(&hour(comments + more, negative), &baseline, &s).map(IncidentLevel::rank);
            let after = detect(&hour(comments + more, negative + more), &baseline, &s).map(IncidentLevel::rank);
            prop_assert!(after >= before);
        }
    }
}
