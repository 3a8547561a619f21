//! Engagement analytics: NDJSON event batches from the platform, and the account and video
//! dashboards read from the rollups.

use app::analytics::{
    AccountAnalytics, Audience, EventBatchOutcome, Period, Totals, VideoAnalytics, VideoLine, WeekOverWeek,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use domain::analytics::{Counts, GroupFigures, MixEntry};
use domain::limits::EVENT_BATCH_BYTES_MAX;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::campaigns::MetricBody;
use super::comments::ndjson_body;
use super::{ANY_ROLE, Answer, SERVICE, china_time};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};

pub fn add(routes: Routes) -> Routes {
    let line = r#"{"video_id":1,"kind":"view","at":"2026-03-02T20:15:00+08:00","source":"recommend","age":"24-30","gender":"female","province":"广东"}"#;
    routes
        .add_with_limit(
            Method::Post,
            "/api/v1/events:batch",
            Doc::new("analytics", "Ingest engagement events from the platform: an NDJSON body (Content-Type: application/x-ndjson), one event a line (kind view|like|share|follow|watch; a watch event carries watch_ms and completed), at most 100,000 lines, rolled up at once; refused lines are listed by 1-based number and code. With an Idempotency-Key header a batch is added once and a retry answers the first answer with idempotent-replayed: true")
                .roles(SERVICE)
                .ndjson::<EventLine>()
                .answer::<EventBatchBody>()
                .body(line),
            post_batch,
            EVENT_BATCH_BYTES_MAX,
        )
        .add(
            Method::Get,
            "/api/v1/enterprise-accounts/{id}/analytics",
            Doc::new("analytics", "The account's dashboard over from..to (China dates, both included; default the last 30 days, at most 366): totals and rates in basis points, every day, traffic-source mix, audience, best publishing hour and weekday, topic tags, top videos, week-over-week")
                .roles(ANY_ROLE)
                .answer::<AccountAnalyticsBody>().query::<PeriodQuery>(),
            get_account,
        )
        .add(
            Method::Get,
            "/api/v1/videos/{id}/analytics",
            Doc::new("analytics", "The video's dashboard over from..to: totals and rates, every day (every hour too when the period is at most 7 days), traffic-source mix, audience, week-over-week")
                .roles(ANY_ROLE)
                .answer::<VideoAnalyticsBody>().query::<PeriodQuery>(),
            get_video,
        )
}

async fn post_batch(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    auth.actor().require(&[domain::auth::Role::Service])?;
    let body = ndjson_body(&headers, body)?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let outcome = state.app.ingest_events(&auth.0, &body, key).await?;
    let mut response = Json(EventBatchBody::from(&outcome)).into_response();
    if outcome.replayed {
        response.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// One engagement event, one NDJSON line (the app parses the lines; this describes them).
#[derive(JsonSchema)]
#[allow(dead_code)]
struct EventLine {
    video_id: i64,
    /// view, like, share, follow or watch.
    kind: String,
    /// RFC 3339.
    at: String,
    /// The traffic source.
    source: String,
    /// The viewer's age band.
    age: String,
    gender: String,
    province: String,
    /// Watched milliseconds, for a watch event.
    watch_ms: Option<i64>,
    /// Whether the video was watched to the end, for a watch event.
    completed: Option<bool>,
}

/// What became of an event batch.
#[derive(Serialize, JsonSchema)]
struct EventBatchBody {
    lines: usize,
    accepted: usize,
    rejected_count: usize,
    rejected: Vec<super::LineRejection>,
}

impl From<&EventBatchOutcome> for EventBatchBody {
    fn from(outcome: &EventBatchOutcome) -> EventBatchBody {
        let rejected = outcome
            .rejected
            .iter()
            .map(|r| super::LineRejection { line: r.line, code: r.code.as_str() })
            .collect();
        EventBatchBody {
            lines: outcome.lines,
            accepted: outcome.accepted,
            rejected_count: outcome.rejected_count,
            rejected,
        }
    }
}

/// China dates `from`..`to` (`YYYY-MM-DD`, both included) of a dashboard.
#[derive(Deserialize, JsonSchema)]
pub(crate) struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

impl PeriodQuery {
    pub(crate) fn period(&self, state: &AppState) -> ApiResult<Period> {
        Ok(state.app.analytics_period(self.from.as_deref(), self.to.as_deref())?)
    }
}

async fn get_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<PeriodQuery>,
) -> Answer<AccountAnalyticsBody> {
    let period = query.period(&state)?;
    Ok(Json(AccountAnalyticsBody::from(&state.app.account_analytics(auth.actor(), id, period).await?)))
}

async fn get_video(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<PeriodQuery>,
) -> Answer<VideoAnalyticsBody> {
    let period = query.period(&state)?;
    Ok(Json(VideoAnalyticsBody::from(&state.app.video_analytics(auth.actor(), id, period).await?)))
}

pub(crate) fn day(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The period a dashboard covers: China dates, both included.
#[derive(Serialize, JsonSchema)]
pub(crate) struct AnalyticsPeriodBody {
    from: String,
    to: String,
    days: i64,
}

impl From<&Period> for AnalyticsPeriodBody {
    fn from(period: &Period) -> AnalyticsPeriodBody {
        AnalyticsPeriodBody { from: day(period.from), to: day(period.to), days: period.days() }
    }
}

/// Engagement counts.
#[derive(Serialize, JsonSchema)]
struct EngagementCountsBody {
    views: i64,
    likes: i64,
    shares: i64,
    follows: i64,
    watch_ms: i64,
    completions: i64,
}

impl From<&Counts> for EngagementCountsBody {
    fn from(c: &Counts) -> EngagementCountsBody {
        EngagementCountsBody {
            views: c.views,
            likes: c.likes,
            shares: c.shares,
            follows: c.follows,
            watch_ms: c.watch_ms,
            completions: c.completions,
        }
    }
}

/// Engagement totals of a period, with rates in basis points (null without views).
#[derive(Serialize, JsonSchema)]
struct EngagementTotalsBody {
    #[serde(flatten)]
    counts: EngagementCountsBody,
    comments: i64,
    engagements: i64,
    followers_gained: i64,
    completion_rate_bp: Option<i64>,
    average_watch_ms: Option<i64>,
    engagement_rate_bp: Option<i64>,
}

impl From<&Totals> for EngagementTotalsBody {
    fn from(t: &Totals) -> EngagementTotalsBody {
        EngagementTotalsBody {
            counts: EngagementCountsBody::from(&t.counts),
            comments: t.comments,
            engagements: t.engagements,
            followers_gained: t.counts.follows,
            completion_rate_bp: t.completion_rate_bp,
            average_watch_ms: t.average_watch_ms,
            engagement_rate_bp: t.engagement_rate_bp,
        }
    }
}

/// The engagement counts of one China day.
#[derive(Serialize, JsonSchema)]
struct EngagementDayBody {
    /// `YYYY-MM-DD`.
    day: String,
    #[serde(flatten)]
    counts: EngagementCountsBody,
}

fn days(days: &[(chrono::NaiveDate, Counts)]) -> Vec<EngagementDayBody> {
    days.iter()
        .map(|(date, counts)| EngagementDayBody {
            day: day(*date),
            counts: EngagementCountsBody::from(counts),
        })
        .collect()
}

/// The engagement counts of one hour.
#[derive(Serialize, JsonSchema)]
struct EngagementHourBody {
    /// The hour's start, RFC 3339 in China time.
    hour: Option<String>,
    #[serde(flatten)]
    counts: EngagementCountsBody,
}

/// One key's share of the views (a traffic source, an age band, a gender, a province).
#[derive(Serialize, JsonSchema)]
pub(crate) struct AnalyticsMixBody {
    key: String,
    views: i64,
    share_bp: i64,
}

/// The views of each key with its share in basis points.
pub(crate) fn mix(entries: &[MixEntry]) -> Vec<AnalyticsMixBody> {
    entries
        .iter()
        .map(|e| AnalyticsMixBody { key: e.key.clone(), views: e.count, share_bp: e.share_bp })
        .collect()
}

/// The audience by age band, gender and province.
#[derive(Serialize, JsonSchema)]
struct AudienceBody {
    age: Vec<AnalyticsMixBody>,
    gender: Vec<AnalyticsMixBody>,
    province: Vec<AnalyticsMixBody>,
}

impl From<&Audience> for AudienceBody {
    fn from(a: &Audience) -> AudienceBody {
        AudienceBody { age: mix(&a.age), gender: mix(&a.gender), province: mix(&a.province) }
    }
}

/// The figures of the videos published in one group (an hour, a weekday, a topic tag).
#[derive(Serialize, JsonSchema)]
struct PublishingGroupBody {
    key: String,
    videos: i64,
    views: i64,
    engagements: i64,
    average_views: i64,
    engagement_rate_bp: Option<i64>,
}

impl From<&GroupFigures> for PublishingGroupBody {
    fn from(g: &GroupFigures) -> PublishingGroupBody {
        PublishingGroupBody {
            key: g.key.clone(),
            videos: g.videos,
            views: g.views,
            engagements: g.engagements,
            average_views: g.average_views,
            engagement_rate_bp: g.engagement_rate_bp,
        }
    }
}

fn groups(groups: &[GroupFigures]) -> Vec<PublishingGroupBody> {
    groups.iter().map(PublishingGroupBody::from).collect()
}

/// The last 7 days against the 7 before.
#[derive(Serialize, JsonSchema)]
struct WeekOverWeekBody {
    views: MetricBody,
    engagements: MetricBody,
    follows: MetricBody,
    watch_ms: MetricBody,
}

impl From<&WeekOverWeek> for WeekOverWeekBody {
    fn from(w: &WeekOverWeek) -> WeekOverWeekBody {
        WeekOverWeekBody {
            views: MetricBody::from(&w.views),
            engagements: MetricBody::from(&w.engagements),
            follows: MetricBody::from(&w.follows),
            watch_ms: MetricBody::from(&w.watch_ms),
        }
    }
}

/// One of an account's most viewed videos.
#[derive(Serialize, JsonSchema)]
struct TopVideoBody {
    video_id: i64,
    title: String,
    published_at: Option<String>,
    totals: EngagementTotalsBody,
}

impl From<&VideoLine> for TopVideoBody {
    fn from(v: &VideoLine) -> TopVideoBody {
        TopVideoBody {
            video_id: v.video_id,
            title: v.title.clone(),
            published_at: china_time(v.published_at_ms),
            totals: EngagementTotalsBody::from(&v.totals),
        }
    }
}

/// An enterprise account's dashboard.
#[derive(Serialize, JsonSchema)]
struct AccountAnalyticsBody {
    account_id: i64,
    period: AnalyticsPeriodBody,
    totals: EngagementTotalsBody,
    days: Vec<EngagementDayBody>,
    traffic_sources: Vec<AnalyticsMixBody>,
    audience: AudienceBody,
    publishing_hours: Vec<PublishingGroupBody>,
    best_hour: Option<String>,
    publishing_weekdays: Vec<PublishingGroupBody>,
    best_weekday: Option<String>,
    tags: Vec<PublishingGroupBody>,
    top_videos: Vec<TopVideoBody>,
    week_over_week: WeekOverWeekBody,
}

impl From<&AccountAnalytics> for AccountAnalyticsBody {
    fn from(a: &AccountAnalytics) -> AccountAnalyticsBody {
        AccountAnalyticsBody {
            account_id: a.account_id,
            period: AnalyticsPeriodBody::from(&a.period),
            totals: EngagementTotalsBody::from(&a.totals),
            days: days(&a.days),
            traffic_sources: mix(&a.sources),
            audience: AudienceBody::from(&a.audience),
            publishing_hours: groups(&a.publishing_hours),
            best_hour: a.best_hour.clone(),
            publishing_weekdays: groups(&a.publishing_weekdays),
            best_weekday: a.best_weekday.clone(),
            tags: groups(&a.tags),
            top_videos: a.top_videos.iter().map(TopVideoBody::from).collect(),
            week_over_week: WeekOverWeekBody::from(&a.week_over_week),
        }
    }
}

/// A video's dashboard.
#[derive(Serialize, JsonSchema)]
struct VideoAnalyticsBody {
    video_id: i64,
    account_id: i64,
    title: String,
    tags: Vec<String>,
    published_at: Option<String>,
    period: AnalyticsPeriodBody,
    totals: EngagementTotalsBody,
    days: Vec<EngagementDayBody>,
    /// Every hour, when the period is at most 7 days (null otherwise).
    hours: Option<Vec<EngagementHourBody>>,
    traffic_sources: Vec<AnalyticsMixBody>,
    audience: AudienceBody,
    week_over_week: WeekOverWeekBody,
}

impl From<&VideoAnalytics> for VideoAnalyticsBody {
    fn from(v: &VideoAnalytics) -> VideoAnalyticsBody {
        let hours = v.hours.as_ref().map(|hours| {
            let hour = |(at, counts): &(i64, Counts)| EngagementHourBody {
                hour: china_time(*at),
                counts: EngagementCountsBody::from(counts),
            };
            hours.iter().map(hour).collect()
        });
        VideoAnalyticsBody {
            video_id: v.video_id,
            account_id: v.account_id,
            title: v.title.clone(),
            tags: v.tags.clone(),
            published_at: v.published_at_ms.and_then(china_time),
            period: AnalyticsPeriodBody::from(&v.period),
            totals: EngagementTotalsBody::from(&v.totals),
            days: days(&v.days),
            hours,
            traffic_sources: mix(&v.sources),
            audience: AudienceBody::from(&v.audience),
            week_over_week: WeekOverWeekBody::from(&v.week_over_week),
        }
    }
}
