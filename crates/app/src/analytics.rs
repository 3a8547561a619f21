//! Engagement analytics: NDJSON event batches from the platform (`service` role) rolled up at
//! ingest in one transaction each (idempotent under an `Idempotency-Key`), and the account and
//! video dashboards read from the rollups: totals and rates, the series by day (and by hour for a
//! video over a short period), traffic-source mix, audience, best publishing hour and weekday,
//! topic tags and week-over-week change. Every member of the merchant and platform roles read.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate};
use domain::analytics::{
    AgeBand, Counts, Dimension, Event, EventKind, EventLineError, GroupFigures, MixEntry, Rollup,
    TrafficSource, VideoFigures, VideoOwner, average, best, by_publishing_hour, by_publishing_weekday,
    check_event_time, check_watch, mix, parse_province, rate_bp, tag_performance,
};
use domain::auth::Role;
use domain::campaigns::check_planner_range;
use domain::limits::{
    ANALYTICS_HOURLY_DAYS_MAX, ANALYTICS_TAGS_LISTED_MAX, EVENT_BATCH_BYTES_MAX, EVENT_BATCH_LINES_MAX,
    EVENT_REJECTIONS_LISTED_MAX,
};
use serde::Deserialize;
use store::analytics::{self as rows, Subject, VideoTotals};

use crate::campaigns::{Metric, day_text, range_error};
use crate::clock::{china_date, china_midnight};
use crate::comments::ndjson_lines;
use crate::ledger::IdempotencyClaim;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// The period a dashboard covers when the caller does not say, in days (ending today).
pub const ANALYTICS_DAYS_DEFAULT: i64 = 30;
/// Videos a dashboard lists, most viewed first.
pub const TOP_VIDEOS_LISTED: usize = 10;

/// One NDJSON line as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    video_id: i64,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(borrow)]
    age: Cow<'a, str>,
    #[serde(borrow)]
    gender: Cow<'a, str>,
    #[serde(borrow)]
    province: Cow<'a, str>,
    #[serde(default)]
    watch_ms: Option<i64>,
    #[serde(default)]
    completed: Option<bool>,
}

/// A refused line of a batch: its 1-based number and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectedEvent {
    pub line: usize,
    pub code: EventLineError,
}

/// What an event batch did. Blank lines are skipped and counted nowhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventBatchOutcome {
    pub lines: usize,
    pub accepted: usize,
    pub rejected_count: usize,
    /// The first `EVENT_REJECTIONS_LISTED_MAX` refused lines, by line number.
    pub rejected: Vec<RejectedEvent>,
    /// The batch was taken before under the same idempotency key: nothing was added again.
    pub replayed: bool,
}

impl EventBatchOutcome {
    /// The stored answer of an idempotent batch: "lines accepted rejected_count line:code,...".
    fn to_record(&self) -> String {
        let rejected: Vec<String> =
            self.rejected.iter().map(|r| format!("{}:{}", r.line, r.code.as_str())).collect();
        format!("{} {} {} {}", self.lines, self.accepted, self.rejected_count, rejected.join(","))
    }

    fn from_record(text: &str) -> Option<EventBatchOutcome> {
        let mut parts = text.splitn(4, ' ');
        let mut number = || parts.next()?.parse::<usize>().ok();
        let (lines, accepted, rejected_count) = (number()?, number()?, number()?);
        let rejected = parts
            .next()
            .unwrap_or("")
            .split(',')
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let (line, code) = entry.split_once(':')?;
                Some(RejectedEvent { line: line.parse().ok()?, code: EventLineError::parse(code)? })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(EventBatchOutcome { lines, accepted, rejected_count, rejected, replayed: true })
    }
}

/// Parses and checks one non-blank line.
fn parse_line(bytes: &[u8], now_ms: i64) -> Result<Event, EventLineError> {
    let line: Line<'_> = serde_json::from_slice(bytes).map_err(|_| EventLineError::Malformed)?;
    let kind = EventKind::parse(&line.kind).ok_or(EventLineError::InvalidKind)?;
    let at_ms =
        DateTime::parse_from_rfc3339(&line.at).map_err(|_| EventLineError::InvalidTime)?.timestamp_millis();
    check_event_time(at_ms, now_ms)?;
    let (watch_ms, completed) = check_watch(kind, line.watch_ms, line.completed)?;
    Ok(Event {
        video_id: line.video_id,
        kind,
        at_ms,
        source: TrafficSource::parse(&line.source).ok_or(EventLineError::InvalidSource)?,
        age: AgeBand::parse(&line.age).ok_or(EventLineError::InvalidAge)?,
        gender: domain::analytics::Gender::parse(&line.gender).ok_or(EventLineError::InvalidGender)?,
        province: parse_province(&line.province).ok_or(EventLineError::InvalidProvince)?,
        watch_ms,
        completed,
    })
}

/// Splits a batch into its checked events (with their 1-based line numbers) and the answer so
/// far (lines counted, refused lines listed).
fn parse_batch(body: &[u8], now_ms: i64) -> AppResult<(EventBatchOutcome, Vec<(usize, Event)>)> {
    let lines = ndjson_lines(body, EVENT_BATCH_LINES_MAX, Code::EventBatchTooLarge, "an event batch")?;
    let mut outcome = EventBatchOutcome { lines: lines.len(), ..EventBatchOutcome::default() };
    let mut events = Vec::new();
    for (number, bytes) in lines {
        match parse_line(bytes, now_ms) {
            Ok(event) => events.push((number, event)),
            Err(code) => outcome.rejected.push(RejectedEvent { line: number, code }),
        }
    }
    Ok((outcome, events))
}

/// A period of China days, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    fn texts(&self) -> (String, String) {
        (day_text(self.from), day_text(self.to))
    }

    /// `[start, end)` in milliseconds.
    fn ms(&self) -> (i64, i64) {
        (
            china_midnight(self.from).timestamp_millis(),
            china_midnight(self.to + Duration::days(1)).timestamp_millis(),
        )
    }
}

/// Totals over a period with the rates dashboards show (basis points; `None` without views).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub counts: Counts,
    pub comments: i64,
    pub engagements: i64,
    pub completion_rate_bp: Option<i64>,
    pub average_watch_ms: Option<i64>,
    pub engagement_rate_bp: Option<i64>,
}

impl Totals {
    fn of(counts: Counts, comments: i64) -> Totals {
        let engagements = domain::analytics::engagements(&counts, comments);
        Totals {
            counts,
            comments,
            engagements,
            completion_rate_bp: rate_bp(counts.completions, counts.views),
            average_watch_ms: average(counts.watch_ms, counts.views),
            engagement_rate_bp: rate_bp(engagements, counts.views),
        }
    }
}

/// The last 7 days of a period against the 7 days before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekOverWeek {
    pub views: Metric,
    pub engagements: Metric,
    pub follows: Metric,
    pub watch_ms: Metric,
}

/// Views by audience dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    pub age: Vec<MixEntry>,
    pub gender: Vec<MixEntry>,
    pub province: Vec<MixEntry>,
}

/// A video in a dashboard's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoLine {
    pub video_id: i64,
    pub title: String,
    pub published_at_ms: i64,
    pub totals: Totals,
}

/// An enterprise account's dashboard over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAnalytics {
    pub account_id: i64,
    pub period: Period,
    pub totals: Totals,
    /// Every day of the period, zero where nothing happened.
    pub days: Vec<(NaiveDate, Counts)>,
    pub sources: Vec<MixEntry>,
    pub audience: Audience,
    pub publishing_hours: Vec<GroupFigures>,
    pub best_hour: Option<String>,
    pub publishing_weekdays: Vec<GroupFigures>,
    pub best_weekday: Option<String>,
    pub tags: Vec<GroupFigures>,
    pub top_videos: Vec<VideoLine>,
    pub week_over_week: WeekOverWeek,
}

/// A video's dashboard over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoAnalytics {
    pub video_id: i64,
    pub account_id: i64,
    pub title: String,
    pub tags: Vec<String>,
    pub published_at_ms: Option<i64>,
    pub period: Period,
    pub totals: Totals,
    pub days: Vec<(NaiveDate, Counts)>,
    /// Every hour of the period when it is at most `ANALYTICS_HOURLY_DAYS_MAX` days long.
    pub hours: Option<Vec<(i64, Counts)>>,
    pub sources: Vec<MixEntry>,
    pub audience: Audience,
    pub week_over_week: WeekOverWeek,
}

/// Every day of `period` with its counts (zero where no row).
fn fill_days(period: Period, found: Vec<(String, Counts)>) -> Vec<(NaiveDate, Counts)> {
    let found: HashMap<String, Counts> = found.into_iter().collect();
    (0..period.days())
        .map(|offset| {
            let day = period.from + Duration::days(offset);
            (day, found.get(&day_text(day)).copied().unwrap_or_default())
        })
        .collect()
}

fn sum(days: &[(NaiveDate, Counts)]) -> Counts {
    days.iter().fold(Counts::default(), |mut total, (_, counts)| {
        total.add(counts);
        total
    })
}

fn audience_of(found: Vec<(String, String, i64)>) -> Audience {
    let of = |dimension: Dimension| {
        mix(found
            .iter()
            .filter(|(d, _, _)| d == dimension.as_str())
            .map(|(_, value, views)| (value.clone(), *views)))
    };
    Audience { age: of(Dimension::Age), gender: of(Dimension::Gender), province: of(Dimension::Province) }
}

fn split_tags(tags: &str) -> Vec<String> {
    tags.split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

impl App {
    /// Ingests an NDJSON batch of engagement events (`service` only). Each line is checked on its
    /// own: a refused line is reported by its 1-based number and stable code and the rest are
    /// rolled up, all in one transaction with one audit row. With an idempotency key a batch is
    /// added once; the same key and body again answer the first answer (`replayed`), the same key
    /// with another body is refused.
    pub async fn ingest_events(
        &self,
        ctx: &Ctx,
        body: &[u8],
        idempotency_key: Option<&str>,
    ) -> AppResult<EventBatchOutcome> {
        ctx.actor.require(&[Role::Service])?;
        if body.len() > EVENT_BATCH_BYTES_MAX {
            return Err(AppError::new(
                Code::PayloadTooLarge,
                format!("an event batch is at most {EVENT_BATCH_BYTES_MAX} bytes"),
            ));
        }
        let claim = idempotency_key
            .map(|key| {
                IdempotencyClaim::parse(
                    format!("user:{}", ctx.actor.user_id),
                    Some(key),
                    "POST",
                    "/api/v1/events:batch",
                    body,
                )
            })
            .transpose()?;
        let now_ms = self.clock().now_ms();
        let (mut outcome, events) = parse_batch(body, now_ms)?;
        let mut video_ids: Vec<i64> = events.iter().map(|(_, event)| event.video_id).collect();
        video_ids.sort_unstable();
        video_ids.dedup();

        let mut tx = self.db().begin().await?;
        let record_key = claim.as_ref().map(|claim| format!("{}|{}", claim.scope, claim.key));
        if let (Some(claim), Some(key)) = (&claim, &record_key)
            && let Some((hash, answer)) = rows::find_batch(&mut tx, key).await?
        {
            if hash != claim.request_hash {
                return Err(AppError::new(
                    Code::IdempotencyKeyReused,
                    "this Idempotency-Key was used with another batch",
                ));
            }
            return EventBatchOutcome::from_record(&answer)
                .ok_or_else(|| AppError::internal(&format!("event batch answer {answer:?} unreadable")));
        }
        let owners: HashMap<i64, VideoOwner> = store::comments::video_owners(&mut tx, &video_ids)
            .await?
            .into_iter()
            .map(|o| (o.video_id, VideoOwner { account_id: o.account_id, merchant_id: o.merchant_id }))
            .collect();
        let mut rollup = Rollup::default();
        let mut rejected = std::mem::take(&mut outcome.rejected);
        for (line, event) in &events {
            match owners.get(&event.video_id) {
                Some(owner) => rollup.add(event, *owner),
                None => rejected.push(RejectedEvent { line: *line, code: EventLineError::UnknownVideo }),
            }
        }
        rows::add_rollup(&mut tx, &rollup).await?;
        outcome.accepted = rollup.events;
        outcome.rejected_count = rejected.len();
        rejected.sort_by_key(|r| r.line);
        rejected.truncate(EVENT_REJECTIONS_LISTED_MAX);
        outcome.rejected = rejected;
        if let (Some(claim), Some(key)) = (&claim, &record_key) {
            rows::insert_batch(&mut tx, key, &claim.request_hash, &outcome.to_record(), now_ms).await?;
        }
        if outcome.lines > 0 {
            let detail = format!(
                "lines={} accepted={} rejected={}",
                outcome.lines, outcome.accepted, outcome.rejected_count
            );
            self.audit_for(&mut tx, ctx, "events.ingest", "events:batch", &detail, None).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The period of a dashboard: `from`/`to` China dates (both included), by default the last
    /// `ANALYTICS_DAYS_DEFAULT` days up to today; at most 366 days.
    pub fn analytics_period(&self, from: Option<&str>, to: Option<&str>) -> AppResult<Period> {
        let today = china_date(self.clock().now());
        let to = match to.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => crate::campaigns::parse_day("to", text)?,
            None => today,
        };
        let from = match from.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => crate::campaigns::parse_day("from", text)?,
            None => to - Duration::days(ANALYTICS_DAYS_DEFAULT - 1),
        };
        check_planner_range(from, to).map_err(|error| range_error(error, "from..to"))?;
        Ok(Period { from, to })
    }

    /// An enterprise account's dashboard over `period`, from the rollups only.
    pub async fn account_analytics(
        &self,
        actor: &Actor,
        account_id: i64,
        period: Period,
    ) -> AppResult<AccountAnalytics> {
        let account = self.enterprise_account(actor, account_id).await?;
        let (from_day, to_day) = period.texts();
        let (from_ms, to_ms) = period.ms();
        let mut conn = self.db().read().await?;
        let days = fill_days(period, rows::account_days(&mut conn, account.id, &from_day, &to_day).await?);
        let subject = Subject::Account(account.id);
        let sources = mix(rows::sources(&mut conn, subject, &from_day, &to_day).await?);
        let audience = audience_of(rows::audience(&mut conn, subject, &from_day, &to_day).await?);
        let videos = rows::account_videos(&mut conn, account.id, &from_day, &to_day).await?;
        let ids: Vec<i64> = videos.iter().map(|v| v.video_id).collect();
        let comments: HashMap<i64, i64> =
            rows::comments_by_video(&mut conn, &ids, from_ms, to_ms).await?.into_iter().collect();
        let week_over_week = self.week_over_week(&mut conn, subject, period, &ids).await?;
        drop(conn);

        let figures: Vec<VideoFigures> = videos.iter().map(|v| video_figures(v, &comments)).collect();
        let publishing_hours = by_publishing_hour(&figures);
        let publishing_weekdays = by_publishing_weekday(&figures);
        let top_videos = videos
            .iter()
            .take(TOP_VIDEOS_LISTED)
            .map(|v| VideoLine {
                video_id: v.video_id,
                title: v.title.clone(),
                published_at_ms: v.published_at_ms,
                totals: Totals::of(v.counts, comments.get(&v.video_id).copied().unwrap_or(0)),
            })
            .collect();
        Ok(AccountAnalytics {
            account_id: account.id,
            period,
            totals: Totals::of(sum(&days), comments.values().sum()),
            days,
            sources,
            audience,
            best_hour: best(&publishing_hours).map(|g| g.key.clone()),
            publishing_hours,
            best_weekday: best(&publishing_weekdays).map(|g| g.key.clone()),
            publishing_weekdays,
            tags: tag_performance(&figures, ANALYTICS_TAGS_LISTED_MAX),
            top_videos,
            week_over_week,
        })
    }

    /// A video's dashboard over `period`, from the rollups only.
    pub async fn video_analytics(
        &self,
        actor: &Actor,
        video_id: i64,
        period: Period,
    ) -> AppResult<VideoAnalytics> {
        let video = self.video(actor, video_id).await?;
        let (from_day, to_day) = period.texts();
        let (from_ms, to_ms) = period.ms();
        let mut conn = self.db().read().await?;
        let days = fill_days(period, rows::video_days(&mut conn, video.id, &from_day, &to_day).await?);
        let hours = if period.days() <= ANALYTICS_HOURLY_DAYS_MAX {
            let found: HashMap<i64, Counts> =
                rows::video_hours(&mut conn, video.id, from_ms, to_ms).await?.into_iter().collect();
            Some(
                (from_ms..to_ms)
                    .step_by(3_600_000)
                    .map(|hour| (hour, found.get(&hour).copied().unwrap_or_default()))
                    .collect(),
            )
        } else {
            None
        };
        let subject = Subject::Video(video.id);
        let sources = mix(rows::sources(&mut conn, subject, &from_day, &to_day).await?);
        let audience = audience_of(rows::audience(&mut conn, subject, &from_day, &to_day).await?);
        let comments: i64 = rows::comments_by_video(&mut conn, &[video.id], from_ms, to_ms)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum();
        let week_over_week = self.week_over_week(&mut conn, subject, period, &[video.id]).await?;
        Ok(VideoAnalytics {
            video_id: video.id,
            account_id: video.account_id,
            title: video.title.clone(),
            tags: split_tags(&video.tags),
            published_at_ms: video.published_at_ms,
            period,
            totals: Totals::of(sum(&days), comments),
            days,
            hours,
            sources,
            audience,
            week_over_week,
        })
    }

    /// The last 7 days of `period` against the 7 days before them.
    async fn week_over_week(
        &self,
        conn: &mut store::Conn,
        subject: Subject,
        period: Period,
        video_ids: &[i64],
    ) -> AppResult<WeekOverWeek> {
        let week = |ends: NaiveDate| Period { from: ends - Duration::days(6), to: ends };
        let (this, before) = (week(period.to), week(period.to - Duration::days(7)));
        let mut totals = Vec::with_capacity(2);
        for week in [this, before] {
            let (from_day, to_day) = week.texts();
            let found = match subject {
                Subject::Account(id) => rows::account_days(conn, id, &from_day, &to_day).await?,
                Subject::Video(id) => rows::video_days(conn, id, &from_day, &to_day).await?,
            };
            let (from_ms, to_ms) = week.ms();
            let comments: i64 =
                rows::comments_by_video(conn, video_ids, from_ms, to_ms).await?.iter().map(|(_, n)| n).sum();
            totals.push(Totals::of(sum(&fill_days(week, found)), comments));
        }
        let (now, then) = (totals[0], totals[1]);
        Ok(WeekOverWeek {
            views: Metric::of(now.counts.views, then.counts.views),
            engagements: Metric::of(now.engagements, then.engagements),
            follows: Metric::of(now.counts.follows, then.counts.follows),
            watch_ms: Metric::of(now.counts.watch_ms, then.counts.watch_ms),
        })
    }
}

fn video_figures(video: &VideoTotals, comments: &HashMap<i64, i64>) -> VideoFigures {
    let comments = comments.get(&video.video_id).copied().unwrap_or(0);
    VideoFigures {
        video_id: video.video_id,
        published_at_ms: video.published_at_ms,
        tags: split_tags(&video.tags),
        views: video.counts.views,
        engagements: domain::analytics::engagements(&video.counts, comments),
    }
}
