//! The content pages of a merchant's team: an enterprise account's content calendar (month and
//! week, with holidays, make-up working days, shopping festivals and the cadence), its videos and the
//! new-video form, the video editor (text, file and cover uploads with a progress bar, and the
//! actions its status and the viewer's team role allow), the approvers' queue, and the owner's team
//! page. Every page calls the same `app` use cases as the API, which decide who may do what.

use app::videos::{CadenceView, PublishingDay, PublishingMonth, VideoInput, VideoRow, tags_of};
use app::{AppError, AppResult, Code};
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use domain::limits::{
    COVER_BYTES_MAX, EXTERNAL_URL_LENGTH_MAX, PAGE_SIZE_MAX, PASSWORD_LENGTH_MAX, USERNAME_LENGTH_MAX,
    VIDEO_COMMENT_LENGTH_MAX, VIDEO_DESCRIPTION_LENGTH_MAX, VIDEO_TITLE_LENGTH_MAX, VIDEOS_PER_WEEK_MAX,
};
use domain::team::{TeamRight, TeamRole};
use domain::videos::VideoStatus;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    FormOutcome, at, error_note, error_page, failed_redirect, is_refusal, name, notice_of, parse_id, refusal,
    render, who,
};
use crate::pages::{day_class, form_viewer, message, not_found_page};
use crate::session::{Viewer, check_csrf, lang, viewer};
use crate::verification::{drain, json_refusal, json_response, read_text_field};

/// What a multipart upload form may carry besides its file (the CSRF field, part headers and
/// boundaries), in bytes. The file part of a body is at least its length minus this.
const UPLOAD_FORM_OVERHEAD_BYTES: u64 = 16 * 1024;
/// The cover upload route's body limit.
pub const COVER_BODY_BYTES_MAX: usize = (COVER_BYTES_MAX + UPLOAD_FORM_OVERHEAD_BYTES) as usize;
/// Videos on one page of a list.
const VIDEOS_PAGE_SIZE: u32 = 50;
/// Pages of `in_review` videos the approval queue reads at most (oldest first across them).
const APPROVAL_PAGES_MAX: usize = 5;
/// Longest publish time a form may send, in bytes (`YYYY-MM-DDTHH:MM:SS`).
const PUBLISH_AT_LENGTH_MAX: usize = 32;
/// The script of the video editor: upload progress. Served from `/console/static` because the
/// content security policy forbids inline scripts; every form works without it.
/// Notices a redirect may ask a page to show (`?notice=KEY`, text `notice_KEY`); others are ignored.
const NOTICES: [&str; 16] = [
    "video_created",
    "video_saved",
    "video_uploaded",
    "cover_uploaded",
    "video_submitted",
    "video_approved",
    "video_sent_back",
    "video_scheduled",
    "video_published",
    "video_withdrawn",
    "video_pinned",
    "video_unpinned",
    "cadence_saved",
    "member_added",
    "role_changed",
    "member_removed",
];

fn notice(lang: Lang, key: Option<&str>) -> Option<Markup> {
    notice_of(lang, key, &NOTICES)
}

/// The video upload route's body limit: the configured largest video and the form around it.
pub fn video_body_bytes_max(app: &app::App) -> usize {
    usize::try_from(app.config().video_bytes_max.saturating_add(UPLOAD_FORM_OVERHEAD_BYTES))
        .unwrap_or(usize::MAX)
}

fn status_badge(lang: Lang, status: &str) -> Markup {
    html! { span class={ "badge video-status status-" (status) } data-status=(status) { (name(lang, "video_status", status)) } }
}

/// A time of day in China (`HH:MM`).
fn china_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&app::clock::china_offset()).format("%H:%M").to_string())
        .unwrap_or_default()
}

/// A time as a `datetime-local` input value in China time.
fn china_input_value(at: DateTime<Utc>) -> String {
    at.with_timezone(&app::clock::china_offset()).format("%Y-%m-%dT%H:%M").to_string()
}

/// A China time as typed into the schedule form (`YYYY-MM-DDTHH:MM`, seconds and a space instead of
/// the `T` allowed) to the instant it names.
fn parse_china_time(text: &str) -> AppResult<DateTime<Utc>> {
    let refused = || AppError::new(Code::InvalidDate, "publish_at: a China time YYYY-MM-DD HH:MM");
    let text = text.trim();
    if text.len() > PUBLISH_AT_LENGTH_MAX {
        return Err(refused());
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .and_then(|local| local.and_local_timezone(app::clock::china_offset()).single())
        .map(|local| local.to_utc())
        .ok_or_else(refused)
}

/// Tags as typed: separated by spaces or commas, each with or without its `#`.
fn split_tags(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect()
}

fn tags_text(video: &VideoRow) -> String {
    tags_of(video).iter().map(|tag| format!("#{tag}")).collect::<Vec<_>>().join(" ")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    #[serde(flatten)]
    outcome: FormOutcome,
}

// ----- the content calendar -----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CalendarQuery {
    month: Option<String>,
    week: Option<String>,
    notice: Option<String>,
}

/// What the calendar shows: a month from its first day, or a week from its Monday.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Span {
    Month(NaiveDate),
    Week(NaiveDate),
}

impl Span {
    /// The span a query asks for (`week` wins over `month`), this month by default. A month is
    /// checked by the app; a week's day here.
    fn of(query: &CalendarQuery, today: NaiveDate) -> AppResult<Span> {
        let text = |value: &Option<String>| {
            value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
        };
        if let Some(week) = text(&query.week) {
            let day = NaiveDate::parse_from_str(&week, "%Y-%m-%d")
                .ok()
                .filter(|day| (2000..=2100).contains(&day.year()))
                .ok_or_else(|| {
                    AppError::new(Code::InvalidDate, format!("week: {week:?} is not a day YYYY-MM-DD"))
                })?;
            return Ok(Span::Week(day - Duration::days(i64::from(day.weekday().num_days_from_monday()))));
        }
        let first = match text(&query.month) {
            Some(month) => NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
                .ok()
                .filter(|day| month.len() == 7 && (2000..=2100).contains(&day.year()))
                .ok_or_else(|| {
                    AppError::new(Code::InvalidDate, format!("month: {month:?} is not a month YYYY-MM"))
                })?,
            None => today.with_day(1).unwrap_or(today),
        };
        Ok(Span::Month(first))
    }

    /// The months (`YYYY-MM`) the span touches.
    fn months(self) -> Vec<String> {
        let month = |day: NaiveDate| day.format("%Y-%m").to_string();
        match self {
            Span::Month(first) => vec![month(first)],
            Span::Week(monday) => {
                let mut months = vec![month(monday)];
                let sunday = month(monday + Duration::days(6));
                if sunday != months[0] {
                    months.push(sunday);
                }
                months
            }
        }
    }

    /// The days shown, in rows of seven from a Monday; `None` pads a month's first and last week.
    fn rows(self, days: &[PublishingDay]) -> Vec<Vec<Option<&PublishingDay>>> {
        let (from, to) = match self {
            Span::Month(first) => {
                let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
                (first, next.pred_opt().unwrap_or(first))
            }
            Span::Week(monday) => (monday, monday + Duration::days(6)),
        };
        let mut cells: Vec<Option<&PublishingDay>> =
            vec![None; from.weekday().num_days_from_monday() as usize];
        cells.extend(
            from.iter_days().take_while(|day| *day <= to).map(|day| days.iter().find(|d| d.day.date == day)),
        );
        while !cells.len().is_multiple_of(7) {
            cells.push(None);
        }
        cells.chunks(7).map(<[_]>::to_vec).collect()
    }

    /// The query of the span before and after this one.
    fn neighbours(self) -> (String, String) {
        match self {
            Span::Month(first) => {
                let previous = first.pred_opt().unwrap_or(first).format("%Y-%m");
                let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first).format("%Y-%m");
                (format!("month={previous}"), format!("month={next}"))
            }
            Span::Week(monday) => (
                format!("week={}", (monday - Duration::days(7)).format("%Y-%m-%d")),
                format!("week={}", (monday + Duration::days(7)).format("%Y-%m-%d")),
            ),
        }
    }
}

pub async fn calendar_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<CalendarQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    let note = notice(lang(&jar), query.notice.as_deref());
    calendar_response(&state, jar, &viewer, account_id, &query, note).await
}

/// Everything the calendar page shows.
struct CalendarData {
    nickname: String,
    span: Span,
    days: Vec<PublishingDay>,
    cadence: CadenceView,
}

async fn load_calendar(
    state: &ConsoleState,
    actor: &app::Actor,
    account_id: i64,
    query: &CalendarQuery,
) -> AppResult<CalendarData> {
    let account = state.app.enterprise_account(actor, account_id).await?;
    let today = app::clock::china_date(state.app.clock().now());
    let span = Span::of(query, today)?;
    let mut days = Vec::new();
    let mut cadence = None;
    for month in span.months() {
        let PublishingMonth { days: month_days, cadence: month_cadence, .. } =
            state.app.publishing_calendar(actor, account.id, &month).await?;
        days.extend(month_days);
        cadence = Some(month_cadence);
    }
    let cadence = match cadence {
        Some(cadence) => cadence,
        None => state.app.cadence(actor, account.id).await?,
    };
    Ok(CalendarData { nickname: account.nickname, span, days, cadence })
}

async fn calendar_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    account_id: i64,
    query: &CalendarQuery,
    note: Option<Markup>,
) -> Response {
    let here = format!("/console/enterprise-accounts/{account_id}/calendar");
    let actor = &viewer.ctx.actor;
    let data = match load_calendar(state, actor, account_id, query).await {
        Ok(data) => data,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => {
            let lang = lang(&jar);
            return render(jar, viewer, t(lang, "content_calendar"), &here, |lang, _| {
                html! { div.card { (error_note(lang, &error))
                p { a href=(here) { (t(lang, "content_calendar")) } } } }
            });
        }
    };
    let today = app::clock::china_date(state.app.clock().now());
    let may_edit = actor.may(TeamRight::EditContent);
    let (previous, next) = data.span.neighbours();
    let title = format!("{} · {}", data.nickname, t(lang(&jar), "content_calendar"));
    let (heading, month_view) = match data.span {
        Span::Month(first) => (first.format("%Y-%m").to_string(), true),
        Span::Week(monday) => (
            format!("{} – {}", monday.format("%Y-%m-%d"), (monday + Duration::days(6)).format("%Y-%m-%d")),
            false,
        ),
    };
    let switch = match data.span {
        Span::Month(first) => {
            let monday_of_first = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
            let in_month = if today.year() == first.year() && today.month() == first.month() {
                today
            } else {
                monday_of_first
            };
            format!("week={}", in_month.format("%Y-%m-%d"))
        }
        Span::Week(monday) => format!("month={}", monday.format("%Y-%m")),
    };
    render(jar, viewer, &title.clone(), &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                p.muted {
                    a href={ "/console/enterprise-accounts/" (account_id) } { "← " span data-user { (data.nickname) } }
                    " · " a #account-videos href={ "/console/enterprise-accounts/" (account_id) "/videos" } { (t(lang, "videos")) }
                    " · " a #account-campaigns href={ "/console/enterprise-accounts/" (account_id) "/campaigns" } { (t(lang, "campaign_planner")) }
                }
                h1 { span data-user { (data.nickname) } " · " (t(lang, "content_calendar")) }
                p #calendar-nav {
                    strong #calendar-span data-view=(if month_view { "month" } else { "week" }) { (heading) } " · "
                    a #calendar-prev href={ (here) "?" (previous) } { "← " (t(lang, if month_view { "prev_month" } else { "prev_week" })) }
                    " · "
                    a #calendar-next href={ (here) "?" (next) } { (t(lang, if month_view { "next_month" } else { "next_week" })) " →" }
                    " · "
                    a #calendar-switch href={ (here) "?" (switch) } { (t(lang, if month_view { "calendar_week" } else { "calendar_month" })) }
                }
                table.cal #content-calendar {
                    tr { @for day_name in t(lang, "weekdays").split(',') { th { (day_name) } } }
                    @for row in data.span.rows(&data.days) {
                        tr {
                            @for cell in row {
                                @match cell {
                                    Some(day) => (day_cell(lang, day, today, month_view)),
                                    None => td {},
                                }
                            }
                        }
                    }
                }
                p.muted { (t(lang, "calendar_legend")) }
            }
            (cadence_card(lang, csrf, account_id, &data.cadence, may_edit))
        }
    })
}

fn day_cell(lang: Lang, day: &PublishingDay, today: NaiveDate, month_view: bool) -> Markup {
    let info = &day.day;
    let class = format!("{}{}", day_class(info.kind), if info.date == today { " today" } else { "" });
    html! {
        td class=(class) data-date=(info.date.format("%Y-%m-%d")) data-kind=(info.kind.as_str()) {
            strong.day-number { @if month_view { (info.date.day()) } @else { (info.date.format("%m-%d")) } }
            " " span.muted.day-kind { (t(lang, info.kind.as_str())) }
            @if let Some(holiday) = &info.holiday {
                br; span.holiday { (if lang == Lang::Zh { &holiday.zh } else { &holiday.en }) }
            }
            @for festival in &day.festivals {
                br; span.festival { (if lang == Lang::Zh { &festival.name_zh } else { &festival.name_en }) }
            }
            @if !day.videos.is_empty() {
                ul.day-videos {
                    @for video in &day.videos {
                        li.day-video data-video-id=(video.id) data-status=(video.status) {
                            a.video-link href={ "/console/videos/" (video.id) } {
                                @if let Some(ms) = video.published_at_ms.or(video.publish_at_ms) { span.muted { (china_time(ms)) } " " }
                                (video.title)
                            }
                            " " (status_badge(lang, video.status.as_str()))
                        }
                    }
                }
            }
        }
    }
}

fn cadence_card(lang: Lang, csrf: &str, account_id: i64, cadence: &CadenceView, may_edit: bool) -> Markup {
    let lookahead = cadence.lookahead_days.to_string();
    html! {
        div.card #cadence {
            h2 { (t(lang, "cadence")) }
            table {
                tr { th { (t(lang, "videos_per_week")) } td #cadence-target {
                    @if cadence.videos_per_week > 0 { (cadence.videos_per_week) } @else { span.muted { (t(lang, "cadence_no_target")) } }
                } }
                tr { th { (t(lang, "published_last_7_days")) } td #cadence-published { (cadence.published_last_7_days) } }
                tr { th { (t(lang, "scheduled_ahead").replace("{n}", &lookahead)) } td #cadence-scheduled { (cadence.scheduled_ahead) } }
                tr { th { (t(lang, "status")) } td #cadence-status {
                    @if cadence.videos_per_week == 0 {
                        span.badge { (t(lang, "cadence_no_target")) }
                    } @else if cadence.status.behind {
                        span.badge.failing data-status="behind" { (t(lang, "cadence_behind")) }
                    } @else {
                        span.badge.passed data-status="ok" { (t(lang, "cadence_ok")) }
                    }
                } }
                @if let Some(next) = cadence.next_check_at_ms {
                    tr { th { (t(lang, "next_check")) } td { (at(next)) } }
                }
            }
            @if cadence.status.nothing_scheduled {
                div.error #nothing-scheduled role="alert" { (t(lang, "cadence_nothing_scheduled").replace("{n}", &lookahead)) }
            }
            @if may_edit {
                form #cadence-form method="post" action={ "/console/enterprise-accounts/" (account_id) "/cadence" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="videos-per-week" { (t(lang, "set_cadence")) }
                    input #videos-per-week name="videos_per_week" type="number" min="0" max=(VIDEOS_PER_WEEK_MAX)
                        required value=(cadence.videos_per_week);
                    " " span.muted { (t(lang, "cadence_hint")) }
                    div { button.primary #save-cadence type="submit" { (t(lang, "save")) } }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CadenceForm {
    csrf: String,
    videos_per_week: String,
}

pub async fn set_cadence(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CadenceForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    let outcome = match form.videos_per_week.trim().parse::<i64>() {
        Ok(target) => state.app.set_cadence(&viewer.ctx, account_id, target).await,
        Err(_) => Err(AppError::new(Code::InvalidField, "videos_per_week: 0 (no target) to 100")),
    };
    match outcome {
        Ok(_) => {
            Redirect::to(&format!("/console/enterprise-accounts/{account_id}/calendar?notice=cadence_saved"))
                .into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let note = error_note(lang(&jar), &error);
            calendar_response(&state, jar, &viewer, account_id, &CalendarQuery::default(), Some(note)).await
        }
    }
}

// ----- video lists -----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
    notice: Option<String>,
}

/// What the video form sent (or what it is filled with).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct VideoForm {
    csrf: String,
    title: String,
    description: String,
    tags: String,
    external_url: String,
}

impl VideoForm {
    fn from_video(video: &VideoRow) -> VideoForm {
        VideoForm {
            title: video.title.clone(),
            description: video.description.clone(),
            tags: tags_text(video),
            external_url: video.external_url.clone().unwrap_or_default(),
            ..VideoForm::default()
        }
    }

    fn input(&self) -> VideoInput {
        VideoInput {
            title: self.title.clone(),
            description: self.description.clone(),
            tags: split_tags(&self.tags),
            external_url: Some(self.external_url.clone()),
        }
    }
}

fn video_form(lang: Lang, csrf: &str, action: &str, draft: &VideoForm, button: &str) -> Markup {
    html! {
        form #video-form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            label for="video-title" { (t(lang, "video_title")) }
            input #video-title name="title" required maxlength=(VIDEO_TITLE_LENGTH_MAX) size="50" value=(draft.title);
            label for="video-description" { (t(lang, "video_description")) }
            textarea #video-description name="description" maxlength=(VIDEO_DESCRIPTION_LENGTH_MAX) rows="4" cols="60" { (draft.description) }
            label for="video-tags" { (t(lang, "video_tags")) }
            input #video-tags name="tags" size="50" value=(draft.tags) placeholder="#春节 #年货";
            " " span.muted { (t(lang, "video_tags_hint")) }
            label for="external-url" { (t(lang, "external_url")) }
            input #external-url name="external_url" type="url" maxlength=(EXTERNAL_URL_LENGTH_MAX) size="50" value=(draft.external_url) placeholder="https://";
            p.muted { (t(lang, "external_url_hint")) }
            div { button.primary #save-video type="submit" { (button) } }
        }
    }
}

fn videos_table(
    lang: Lang,
    videos: &[VideoRow],
    accounts: Option<&[app::verification::AccountRow]>,
) -> Markup {
    html! {
        table #videos {
            tr {
                th { "#" } th { (t(lang, "video_title")) }
                @if accounts.is_some() { th { (t(lang, "enterprise_account")) } }
                th { (t(lang, "status")) } th { (t(lang, "publish_time")) } th { (t(lang, "updated_at")) }
            }
            @for video in videos {
                tr.video data-video-id=(video.id) data-status=(video.status) {
                    td { (video.id) }
                    td { a.video-link href={ "/console/videos/" (video.id) } { (video.title) }
                        @if video.pinned_at_ms.is_some() { " " span.badge.pinned { (t(lang, "pinned")) } } }
                    @if let Some(accounts) = accounts {
                        td { @if let Some(account) = accounts.iter().find(|a| a.id == video.account_id) {
                            a href={ "/console/enterprise-accounts/" (account.id) "/videos" } { (account.nickname) }
                        } }
                    }
                    td.status { (status_badge(lang, video.status.as_str())) }
                    td { (video.published_at_ms.or(video.publish_at_ms).map(at).unwrap_or_default()) }
                    td { (at(video.updated_at_ms)) }
                }
            }
        }
    }
}

fn status_filter(lang: Lang, here: &str, current: Option<&str>) -> Markup {
    html! {
        p #status-filter {
            @if current.is_none() { strong { (t(lang, "all_statuses")) } } @else { a href=(here) { (t(lang, "all_statuses")) } }
            @for status in VideoStatus::ALL {
                " · "
                @if current == Some(status.as_str()) { strong { (name(lang, "video_status", status.as_str())) } }
                @else { a href={ (here) "?status=" (status.as_str()) } { (name(lang, "video_status", status.as_str())) } }
            }
        }
    }
}

/// The merchant's videos across its accounts.
pub async fn all_videos(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    videos_response(&state, jar, &viewer, None, &query, None, &VideoForm::default()).await
}

/// An enterprise account's videos and the new-video form.
pub async fn account_videos(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    videos_response(&state, jar, &viewer, Some(account_id), &query, None, &VideoForm::default()).await
}

async fn videos_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    account_id: Option<i64>,
    query: &ListQuery,
    error: Option<Markup>,
    draft: &VideoForm,
) -> Response {
    let here = match account_id {
        Some(id) => format!("/console/enterprise-accounts/{id}/videos"),
        None => "/console/videos".to_owned(),
    };
    let actor = &viewer.ctx.actor;
    let status = query.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let cursor = query.cursor.as_deref().and_then(parse_id);
    let loaded = async {
        let account = match account_id {
            Some(id) => Some(state.app.enterprise_account(actor, id).await?),
            None => None,
        };
        let accounts = match account {
            Some(_) => None,
            None => Some(state.app.enterprise_accounts(actor).await?),
        };
        let page = state.app.videos(actor, account_id, status, Some(VIDEOS_PAGE_SIZE), cursor).await?;
        Ok::<_, AppError>((account, accounts, page))
    }
    .await;
    let (account, accounts, page) = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "videos", &here, &error),
    };
    let note = error.or_else(|| notice(lang(&jar), query.notice.as_deref()));
    let may_edit = actor.may(TeamRight::EditContent);
    let title = match &account {
        Some(account) => format!("{} · {}", account.nickname, t(lang(&jar), "videos")),
        None => t(lang(&jar), "videos").to_owned(),
    };
    render(jar, viewer, &title.clone(), &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                @if let Some(account) = &account {
                    p.muted {
                        a href={ "/console/enterprise-accounts/" (account.id) } { "← " (account.nickname) }
                        " · " a #calendar-link href={ "/console/enterprise-accounts/" (account.id) "/calendar" } { (t(lang, "content_calendar")) }
                    }
                }
                h1 {
                    @if let Some(account) = &account { span data-user { (account.nickname) } " · " (t(lang, "videos")) }
                    @else { (title) }
                }
                (status_filter(lang, &here, status))
                @if page.items.is_empty() {
                    p.muted #no-videos { (t(lang, "no_videos")) }
                } @else {
                    (videos_table(lang, &page.items, accounts.as_deref()))
                }
                p {
                    @if cursor.is_some() { a href=(here) { (t(lang, "first_page")) } " · " }
                    @if let Some(next) = &page.next_cursor {
                        a href={ (here) "?cursor=" (next) @if let Some(s) = status { "&status=" (s) } } { (t(lang, "next_page")) " →" }
                    }
                }
                @if let Some(accounts) = &accounts {
                    @if !accounts.is_empty() {
                        p.muted { (t(lang, "videos_by_account")) ": "
                            @for account in accounts {
                                a href={ "/console/enterprise-accounts/" (account.id) "/videos" } { (account.nickname) } " "
                            }
                        }
                    }
                }
            }
            @if let (Some(account), true) = (&account, may_edit) {
                div.card #new-video {
                    h2 { (t(lang, "new_video")) }
                    (video_form(lang, csrf, &format!("/console/enterprise-accounts/{}/videos", account.id), draft, t(lang, "create_video")))
                }
            }
        }
    })
}

pub async fn create_video(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<VideoForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(account_id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.create_video(&viewer.ctx, account_id, &form.input()).await {
        Ok(video) => {
            Redirect::to(&format!("/console/videos/{}?notice=video_created", video.id)).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => {
            let note = error_note(lang(&jar), &error);
            let query = ListQuery::default();
            videos_response(&state, jar, &viewer, Some(account_id), &query, Some(note), &form).await
        }
    }
}

// ----- the video editor -----

pub async fn video_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    video_response(&state, jar, &viewer, id, note).await
}

async fn video_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    id: i64,
    note: Option<Markup>,
) -> Response {
    let here = format!("/console/videos/{id}");
    let actor = &viewer.ctx.actor;
    let loaded = async {
        let video = state.app.video(actor, id).await?;
        let account = state.app.enterprise_account(actor, video.account_id).await?;
        Ok::<_, AppError>((video, account))
    }
    .await;
    let (video, account) = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "video", &here, &error),
    };
    let status = Some(video.status);
    let draft_status = status == Some(VideoStatus::Draft);
    let may_edit = actor.may(TeamRight::EditContent);
    let prefill = VideoForm::from_video(&video);
    let suggested = china_input_value(
        video
            .publish_at_ms
            .and_then(DateTime::from_timestamp_millis)
            .unwrap_or_else(|| state.app.clock().now() + Duration::days(1)),
    );
    let bytes_max = state.app.config().video_bytes_max;
    let title = format!("{} #{id}", t(lang(&jar), "video"));
    render(jar, viewer, &title, &here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            (summary_card(lang, &video, &account))
            (actions_card(lang, csrf, actor, &video, &suggested))
            @if draft_status && may_edit {
                div.card #upload-card {
                    h2 { (t(lang, "files")) }
                    (upload_form(lang, csrf, &video, "file", bytes_max, ".mp4,.mov,video/mp4,video/quicktime"))
                    (upload_form(lang, csrf, &video, "cover", COVER_BYTES_MAX, ".jpg,.jpeg,.png,image/jpeg,image/png"))
                }
                div.card #edit-card {
                    h2 { (t(lang, "edit_video")) }
                    (video_form(lang, csrf, &format!("/console/videos/{id}"), &prefill, t(lang, "save")))
                }
            } @else if !draft_status {
                div.card { p.muted #only-drafts { (t(lang, "edit_only_draft")) } }
            }
            script src=(crate::kit::UPLOAD_SCRIPT_PATH) defer {}
        }
    })
}

fn summary_card(lang: Lang, video: &VideoRow, account: &app::verification::AccountRow) -> Markup {
    html! {
        div.card #video-summary {
            p.muted {
                a href={ "/console/enterprise-accounts/" (account.id) "/videos" } { "← " (account.nickname) }
                " · " a href={ "/console/enterprise-accounts/" (account.id) "/calendar" } { (t(lang, "content_calendar")) }
                " · " a #video-analytics href={ "/console/videos/" (video.id) "/analytics" } { (t(lang, "analytics")) }
            }
            h1 { span #video-title-text data-user { (video.title) } " " span #video-status { (status_badge(lang, video.status.as_str())) }
                @if video.pinned_at_ms.is_some() { " " span.badge.pinned #pinned { (t(lang, "pinned")) } } }
            table {
                tr { th { (t(lang, "video_description")) } td #video-description-text { (video.description) } }
                tr { th { (t(lang, "video_tags")) } td #video-tags-text {
                    @for tag in tags_of(video) { span.badge.tag data-user { "#" (tag) } " " }
                } }
                tr { th { (t(lang, "video_file")) } td #video-file {
                    @match (&video.file_type, video.file_bytes) {
                        (Some(file_type), Some(bytes)) => {
                            span.badge.passed { (file_type.to_uppercase()) } " " span #video-file-bytes data-bytes=(bytes) { (crate::kit::format::bytes(bytes)) }
                            @if let Some(sha) = &video.file_sha256 { " " span.muted { "sha256 " (sha.get(..12).unwrap_or(sha)) "…" } }
                        }
                        _ => { span.muted { (t(lang, "no_video_file")) } }
                    }
                } }
                @if let Some(url) = &video.external_url {
                    tr { th { (t(lang, "external_url")) } td #external-url-text { a href=(url) rel="noopener noreferrer" target="_blank" { (url) } } }
                }
                tr { th { (t(lang, "cover")) } td #video-cover {
                    @if video.cover_sha256.is_some() {
                        img.cover src={ "/console/videos/" (video.id) "/cover?v=" (video.cover_sha256.as_deref().unwrap_or_default()) }
                            alt=(t(lang, "cover")) style="max-height:160px";
                    } @else { span.muted { (t(lang, "no_cover")) } }
                } }
                tr { th { (t(lang, "created_by")) } td { (who(lang, &video.created_by)) " · " (at(video.created_at_ms)) } }
                @if let (Some(by), Some(when)) = (&video.submitted_by, video.submitted_at_ms) {
                    tr { th { (t(lang, "submitted_at")) } td #submitted { (by) " · " (at(when)) } }
                }
                @if let Some(outcome) = &video.decision_outcome {
                    tr { th { (t(lang, "video_decision")) } td #video-decision {
                        span.outcome data-outcome=(outcome) { (name(lang, "video_outcome", outcome)) }
                        @if let Some(by) = &video.decided_by { " · " (who(lang, by)) }
                        @if let Some(when) = video.decided_at_ms { " · " (at(when)) }
                        @if let Some(comment) = video.decision_comment.as_deref().filter(|c| !c.is_empty()) {
                            br; span.comment #decision-comment { (comment) }
                        }
                    } }
                }
                @if let Some(publish_at) = video.publish_at_ms.filter(|_| video.status == VideoStatus::Scheduled) {
                    tr { th { (t(lang, "scheduled_for")) } td #scheduled-for { (at(publish_at)) } }
                }
                @if let Some(published) = video.published_at_ms {
                    tr { th { (t(lang, "published_at")) } td #published-at { (at(published))
                        @if let Some(by) = &video.published_by { " · " (who(lang, by)) } } }
                }
                @if let Some(withdrawn) = video.withdrawn_at_ms {
                    tr { th { (t(lang, "withdrawn_at")) } td #withdrawn-at { (at(withdrawn)) } }
                }
            }
        }
    }
}

/// A form of one action: a CSRF field, maybe more fields, one button.
fn action_form(csrf: &str, video_id: i64, action: &str, button: Markup) -> Markup {
    html! {
        form.action-form.inline id={ (action) "-form" } method="post" action={ "/console/videos/" (video_id) "/" (action) } {
            input type="hidden" name="csrf" value=(csrf);
            (button)
        }
    }
}

/// The actions the video's status allows, for the viewer's team rights; the app checks both again.
fn actions_card(lang: Lang, csrf: &str, actor: &app::Actor, video: &VideoRow, suggested: &str) -> Markup {
    let status = Some(video.status);
    let may_edit = actor.may(TeamRight::EditContent);
    let may_approve = actor.may(TeamRight::ApproveContent);
    let may_publish = may_edit || may_approve;
    let id = video.id;
    let schedulable = matches!(status, Some(VideoStatus::Approved | VideoStatus::Scheduled));
    let withdrawable =
        matches!(status, Some(VideoStatus::Approved | VideoStatus::Scheduled | VideoStatus::Published));
    let published = status == Some(VideoStatus::Published);
    let any = (status == Some(VideoStatus::Draft) && may_edit)
        || (status == Some(VideoStatus::InReview) && may_approve)
        || ((schedulable || withdrawable) && may_publish);
    html! {
        div.card #video-actions {
            h2 { (t(lang, "video_actions")) }
            @if !any { p.muted #no-actions { (t(lang, "no_actions")) } }
            @if status == Some(VideoStatus::Draft) && may_edit {
                p.muted { (t(lang, "submit_hint")) }
                (action_form(csrf, id, "submit", html! { button.primary #submit-video type="submit" { (t(lang, "submit_for_approval")) } }))
            }
            @if status == Some(VideoStatus::InReview) && may_approve {
                (decision_forms(lang, csrf, id, ""))
            }
            @if schedulable && may_publish {
                form #schedule-form method="post" action={ "/console/videos/" (id) "/schedule" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="publish-at" { (t(lang, "publish_at")) }
                    input #publish-at name="publish_at" type="datetime-local" required value=(suggested);
                    " " button.primary #schedule-video type="submit" { (t(lang, if status == Some(VideoStatus::Scheduled) { "reschedule" } else { "schedule" })) }
                }
                p { (action_form(csrf, id, "publish", html! { button.small #publish-video type="submit" { (t(lang, "publish_now")) } })) }
            }
            @if published && may_edit {
                p {
                    @if video.pinned_at_ms.is_some() {
                        (action_form(csrf, id, "unpin", html! { button.small #unpin-video type="submit" { (t(lang, "unpin")) } }))
                    } @else {
                        (action_form(csrf, id, "pin", html! { button.small #pin-video type="submit" { (t(lang, "pin")) } }))
                        " " span.muted { (t(lang, "pin_hint")) }
                    }
                }
            }
            @if withdrawable && may_publish {
                p { (action_form(csrf, id, "withdraw", html! { button.small #withdraw-video type="submit" { (t(lang, "withdraw_video")) } }))
                    " " span.muted { (t(lang, "withdraw_hint")) } }
            }
        }
    }
}

/// The approve and send-back forms; `back` is `queue` when they sit in the approval queue.
fn decision_forms(lang: Lang, csrf: &str, id: i64, back: &str) -> Markup {
    html! {
        div.decision data-video-id=(id) {
            form.approve-form method="post" action={ "/console/videos/" (id) "/approve" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="back" value=(back);
                label for={ "approve-comment-" (id) } { (t(lang, "video_comment")) " " span.muted { (t(lang, "optional")) } }
                input.approve-comment id={ "approve-comment-" (id) } name="comment" maxlength=(VIDEO_COMMENT_LENGTH_MAX) size="40";
                " " button.primary.approve type="submit" { (t(lang, "video_approve")) }
            }
            form.send-back-form method="post" action={ "/console/videos/" (id) "/send-back" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="back" value=(back);
                label for={ "send-back-comment-" (id) } { (t(lang, "send_back_comment")) }
                input.send-back-comment id={ "send-back-comment-" (id) } name="comment" required maxlength=(VIDEO_COMMENT_LENGTH_MAX) size="40";
                " " button.small.send-back type="submit" { (t(lang, "send_back")) }
            }
        }
    }
}

/// An upload form of the draft's video file (`what` = `file`) or cover: multipart with the CSRF
/// field first; the script shows the progress and answers come as JSON, a plain form redirects.
fn upload_form(lang: Lang, csrf: &str, video: &VideoRow, what: &str, bytes_max: u64, accept: &str) -> Markup {
    let too_large = if what == "file" { Code::VideoTooLarge } else { Code::CoverTooLarge };
    html! {
        form.xd-upload id={ (what) "-upload-form" } method="post" enctype="multipart/form-data"
            action={ "/console/videos/" (video.id) "/" (what) }
            data-page={ "/console/videos/" (video.id) }
            data-refresh="video-summary video-actions"
            data-bytes-max=(bytes_max)
            data-msg-uploading=(t(lang, "uploading")) data-msg-failed=(t(lang, "upload_failed"))
            data-msg-choose=(t(lang, "choose_file"))
            data-msg-too-large=(message(lang, &AppError::new(too_large, ""))) {
            input type="hidden" name="csrf" value=(csrf);
            label for={ (what) "-input" } { (t(lang, if what == "file" { "upload_video_file" } else { "upload_cover" })) }
            input id={ (what) "-input" } type="file" name="file" required accept=(accept);
            " " button.primary id={ (what) "-upload-submit" } type="submit" { (t(lang, "upload")) }
            p.muted { (t(lang, if what == "file" { "video_upload_limits" } else { "cover_upload_limits" })) }
            div.progress-row {
                progress.upload-progress id={ (what) "-progress" } max="100" value="0" { "0%" }
                " " span.upload-percent id={ (what) "-percent" } { "" }
                " " span.upload-status id={ (what) "-status" } role="status" aria-live="polite" {}
            }
        }
    }
}

pub async fn update_video(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<VideoForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.update_video(&viewer.ctx, id, &form.input()).await {
        Ok(_) => Redirect::to(&format!("/console/videos/{id}?notice=video_saved")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&format!("/console/videos/{id}"), &error),
    }
}

/// A video's cover image, for those who may see the video.
pub async fn cover(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let (content_type, bytes) = match state.app.cover(&viewer.ctx.actor, id).await {
        Ok(found) => found,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "video", &format!("/console/videos/{id}"), &error),
    };
    let mut response = bytes.into_response();
    let content_type =
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

// ----- uploads -----

/// What an upload form carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Video,
    Cover,
}

impl FileKind {
    fn too_large(self, state: &ConsoleState) -> AppError {
        match self {
            FileKind::Video => AppError::new(
                Code::VideoTooLarge,
                format!("video files are at most {} bytes", state.app.config().video_bytes_max),
            ),
            FileKind::Cover => AppError::new(Code::CoverTooLarge, "cover images are at most 5 MiB"),
        }
    }

    fn notice(self) -> &'static str {
        match self {
            FileKind::Video => "video_uploaded",
            FileKind::Cover => "cover_uploaded",
        }
    }
}

fn multipart_error(state: &ConsoleState, kind: FileKind, error: &MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        kind.too_large(state)
    } else {
        AppError::new(Code::UploadIncomplete, "the upload broke off or is not a well-formed multipart form")
    }
}

/// Why an upload did not happen: before the viewer is known (CSRF, login), or an app refusal.
enum UploadFailure {
    Csrf,
    Login,
    Refused(AppError),
}

/// The one `file` field after the CSRF token, streamed chunk by chunk into the app's upload (never
/// held whole), then attached to the draft.
async fn receive_file(
    state: &ConsoleState,
    viewer: &Viewer,
    id: i64,
    kind: FileKind,
    declared_bytes: Option<u64>,
    multipart: &mut Multipart,
) -> AppResult<VideoRow> {
    let mut field = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("file") => field,
        Ok(Some(field)) => {
            drop(field);
            drain(multipart).await;
            return Err(AppError::new(Code::InvalidField, "the fields are csrf and file"));
        }
        Ok(None) => return Err(AppError::new(Code::InvalidField, "file: required")),
        Err(error) => return Err(multipart_error(state, kind, &error)),
    };
    // A form sent without a chosen file carries an empty file part.
    if field.file_name().is_some_and(str::is_empty) {
        drop(field);
        drain(multipart).await;
        return Err(AppError::new(Code::InvalidField, "file: required"));
    }
    let actor = &viewer.ctx.actor;
    let begun = match kind {
        FileKind::Video => state.app.begin_video_upload(actor, id, declared_bytes).await,
        FileKind::Cover => state.app.begin_cover_upload(actor, id, declared_bytes).await,
    };
    let mut upload = match begun {
        Ok(upload) => upload,
        Err(error) => {
            // A declared size past the limit is answered before the body is read.
            if !matches!(error.code, Code::VideoTooLarge | Code::CoverTooLarge) {
                drop(field);
                drain(multipart).await;
            }
            return Err(error);
        }
    };
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if let Err(error) = upload.write(&chunk).await {
                    // Nothing is kept: dropping the upload deletes its temporary file.
                    drop(upload);
                    drop(field);
                    drain(multipart).await;
                    return Err(error);
                }
            }
            Ok(None) => break,
            Err(error) => return Err(multipart_error(state, kind, &error)),
        }
    }
    drop(field);
    match multipart.next_field().await {
        Ok(None) => {}
        Ok(Some(_)) => {
            drain(multipart).await;
            return Err(AppError::new(Code::InvalidField, "the fields are csrf and file"));
        }
        Err(error) => return Err(multipart_error(state, kind, &error)),
    }
    match kind {
        FileKind::Video => state.app.attach_video_file(&viewer.ctx, id, upload).await,
        FileKind::Cover => state.app.attach_cover(&viewer.ctx, id, upload).await,
    }
}

async fn upload(
    state: &ConsoleState,
    jar: &CookieJar,
    headers: &HeaderMap,
    id: i64,
    kind: FileKind,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Viewer, VideoRow), UploadFailure> {
    // The CSRF token is the first field; nothing is read further without it.
    let mut multipart = multipart.map_err(|_| UploadFailure::Csrf)?;
    let token = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf") => read_text_field(field).await.unwrap_or_default(),
        _ => String::new(),
    };
    if check_csrf(jar, &token).is_err() {
        drain(&mut multipart).await;
        return Err(UploadFailure::Csrf);
    }
    let Ok(viewer) = viewer(state, jar, headers).await else {
        drain(&mut multipart).await;
        return Err(UploadFailure::Login);
    };
    // The file part is at least the body's length less the rest of the form.
    let declared_bytes = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(|bytes| bytes.saturating_sub(UPLOAD_FORM_OVERHEAD_BYTES));
    match receive_file(state, &viewer, id, kind, declared_bytes, &mut multipart).await {
        Ok(video) => Ok((viewer, video)),
        Err(error) => Err(UploadFailure::Refused(error)),
    }
}

async fn upload_response(
    state: &ConsoleState,
    jar: CookieJar,
    headers: &HeaderMap,
    id: &str,
    kind: FileKind,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    let lang = lang(&jar);
    let Some(id) = parse_id(id) else { return not_found_page(jar) };
    match upload(state, &jar, headers, id, kind, multipart).await {
        Ok((_, video)) if wants_json => json_response(
            StatusCode::CREATED,
            &json!({
                "ok": true,
                "id": video.id,
                "bytes": video.file_bytes,
                "message": t(lang, &format!("notice_{}", kind.notice())),
            }),
        ),
        Ok(_) => Redirect::to(&format!("/console/videos/{id}?notice={}", kind.notice())).into_response(),
        Err(UploadFailure::Csrf) if wants_json => json_refusal(lang, &AppError::new(Code::CsrfFailed, "")),
        Err(UploadFailure::Csrf) => crate::pages::forbidden(jar, Code::CsrfFailed),
        Err(UploadFailure::Login) if wants_json => json_refusal(lang, &AppError::new(Code::Unauthorized, "")),
        Err(UploadFailure::Login) => Redirect::to("/console/login").into_response(),
        Err(UploadFailure::Refused(error)) if wants_json => json_refusal(lang, &error),
        Err(UploadFailure::Refused(error)) if is_refusal(&error) => refusal(jar, &error),
        Err(UploadFailure::Refused(error)) => failed_redirect(&format!("/console/videos/{id}"), &error),
    }
}

/// A member uploads a draft's video file: multipart `csrf`, `file`.
pub async fn upload_file(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    upload_response(&state, jar, &headers, &id, FileKind::Video, multipart).await
}

/// A member uploads a draft's cover image: multipart `csrf`, `file`.
pub async fn upload_cover(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    upload_response(&state, jar, &headers, &id, FileKind::Cover, multipart).await
}

// ----- actions -----

/// What an action form sent: the comment of a decision, the time of a schedule, and where to go
/// back to (`queue`: the approval queue).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    comment: String,
    publish_at: String,
    back: String,
}

#[derive(Clone, Copy)]
enum Action {
    Submit,
    Approve,
    SendBack,
    Schedule,
    Publish,
    Withdraw,
    Pin,
    Unpin,
}

impl Action {
    fn notice(self) -> &'static str {
        match self {
            Action::Submit => "video_submitted",
            Action::Approve => "video_approved",
            Action::SendBack => "video_sent_back",
            Action::Schedule => "video_scheduled",
            Action::Publish => "video_published",
            Action::Withdraw => "video_withdrawn",
            Action::Pin => "video_pinned",
            Action::Unpin => "video_unpinned",
        }
    }
}

async fn act(
    state: &ConsoleState,
    jar: CookieJar,
    headers: &HeaderMap,
    id: &str,
    form: &ActionForm,
    action: Action,
) -> Response {
    let viewer = match form_viewer(state, &jar, headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(id) else { return not_found_page(jar) };
    let ctx = &viewer.ctx;
    let app = &state.app;
    let outcome = match action {
        Action::Submit => app.submit_video(ctx, id).await,
        Action::Approve => app.approve_video(ctx, id, &form.comment).await,
        Action::SendBack => app.send_back_video(ctx, id, &form.comment).await,
        Action::Schedule => match parse_china_time(&form.publish_at) {
            Ok(publish_at) => app.schedule_video(ctx, id, publish_at).await,
            Err(error) => Err(error),
        },
        Action::Publish => app.publish_video(ctx, id).await,
        Action::Withdraw => app.withdraw_video(ctx, id).await,
        Action::Pin => app.pin_video(ctx, id).await,
        Action::Unpin => app.unpin_video(ctx, id).await,
    };
    let to_queue = form.back == "queue";
    match outcome {
        Ok(_) if to_queue => {
            Redirect::to(&format!("/console/approvals?notice={}", action.notice())).into_response()
        }
        Ok(_) => Redirect::to(&format!("/console/videos/{id}?notice={}", action.notice())).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) if to_queue => failed_redirect("/console/approvals", &error),
        Err(error) => failed_redirect(&format!("/console/videos/{id}"), &error),
    }
}

macro_rules! action_handler {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            State(state): State<ConsoleState>,
            jar: CookieJar,
            headers: HeaderMap,
            Path(id): Path<String>,
            Form(form): Form<ActionForm>,
        ) -> Response {
            act(&state, jar, &headers, &id, &form, $action).await
        }
    };
}

action_handler!(submit, Action::Submit);
action_handler!(approve, Action::Approve);
action_handler!(send_back, Action::SendBack);
action_handler!(schedule, Action::Schedule);
action_handler!(publish, Action::Publish);
action_handler!(withdraw, Action::Withdraw);
action_handler!(pin, Action::Pin);
action_handler!(unpin, Action::Unpin);

// ----- the approval queue -----

/// Videos waiting for approval in the viewer's merchant, oldest submission first, with the
/// decision forms; for members who approve content.
pub async fn approvals(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    approvals_response(&state, jar, &viewer, note).await
}

async fn approval_queue(state: &ConsoleState, actor: &app::Actor) -> AppResult<Vec<VideoRow>> {
    actor.require_team(app::videos::APPROVE_RIGHTS)?;
    let mut videos = Vec::new();
    let mut cursor = None;
    for _ in 0..APPROVAL_PAGES_MAX {
        let page = state.app.videos(actor, None, Some("in_review"), Some(PAGE_SIZE_MAX), cursor).await?;
        videos.extend(page.items);
        match page.next_cursor.as_deref().and_then(parse_id) {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    videos.sort_by_key(|video| (video.submitted_at_ms, video.id));
    Ok(videos)
}

async fn approvals_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    note: Option<Markup>,
) -> Response {
    let here = "/console/approvals";
    let actor = &viewer.ctx.actor;
    let loaded = async {
        let videos = approval_queue(state, actor).await?;
        let accounts = state.app.enterprise_accounts(actor).await?;
        Ok::<_, AppError>((videos, accounts))
    }
    .await;
    let (videos, accounts) = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "approvals", here, &error),
    };
    let title = t(lang(&jar), "approvals");
    render(jar, viewer, title, here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (title) }
                p.muted { (t(lang, "approvals_intro")) }
                @if videos.is_empty() {
                    p.muted #approvals-empty { (t(lang, "approvals_empty")) }
                } @else {
                    table #approvals {
                        tr {
                            th { "#" } th { (t(lang, "video_title")) } th { (t(lang, "enterprise_account")) }
                            th { (t(lang, "submitted_at")) } th { (t(lang, "video_decision")) }
                        }
                        @for video in &videos {
                            tr.approval data-video-id=(video.id) {
                                td { (video.id) }
                                td { a.video-link href={ "/console/videos/" (video.id) } { (video.title) }
                                    br; span.muted { @for tag in tags_of(video) { "#" (tag) " " } } }
                                td { (accounts.iter().find(|a| a.id == video.account_id).map_or("", |a| a.nickname.as_str())) }
                                td { (who(lang, video.submitted_by.as_deref().unwrap_or_default())) br;
                                    span.muted { (video.submitted_at_ms.map(at).unwrap_or_default()) } }
                                td { (decision_forms(lang, csrf, video.id, "queue")) }
                            }
                        }
                    }
                }
            }
        }
    })
}

// ----- the team -----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    csrf: String,
    username: String,
    password: String,
    team_role: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    csrf: String,
    team_role: String,
}

fn role_options(lang: Lang, selected: &str) -> Markup {
    html! {
        @for role in TeamRole::ALL {
            option value=(role.as_str()) selected[selected == role.as_str()] { (name(lang, "team_role", role.as_str())) }
        }
    }
}

/// The owner's team page: members with their roles, the add form, role changes and removal.
pub async fn team(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let note = query.outcome.note(lang(&jar), &NOTICES);
    team_response(&state, jar, &viewer, note).await
}

async fn team_response(
    state: &ConsoleState,
    jar: CookieJar,
    viewer: &Viewer,
    note: Option<Markup>,
) -> Response {
    let here = "/console/team";
    let actor = &viewer.ctx.actor;
    let members = match state.app.team_members(actor).await {
        Ok(members) => members,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, viewer, "team", here, &error),
    };
    let title = t(lang(&jar), "team");
    let new_role = TeamRole::Operator.as_str();
    render(jar, viewer, title, here, |lang, csrf| {
        html! {
            @if let Some(note) = note { (note) }
            div.card {
                h1 { (title) }
                p.muted { (t(lang, "team_intro")) }
                table #members {
                    tr { th { (t(lang, "username")) } th { (t(lang, "team_role")) } th { (t(lang, "created_at")) } th {} }
                    @for member in &members {
                        @let role = member.team_role.as_deref().unwrap_or_default();
                        tr.member data-username=(member.username) data-role=(role) {
                            td { (member.username) @if member.id == actor.user_id { " " span.muted { (t(lang, "you")) } } }
                            td.role { (name(lang, "team_role", role)) }
                            td { (at(member.created_at_ms)) }
                            td {
                                form.role-form.inline method="post" action={ "/console/team/" (member.id) "/role" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    select name="team_role" aria-label=(t(lang, "team_role")) { (role_options(lang, role)) }
                                    " " button.small.change-role type="submit" { (t(lang, "change_role")) }
                                }
                                " "
                                form.remove-form.inline method="post" action={ "/console/team/" (member.id) "/remove" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.small.remove-member type="submit" { (t(lang, "remove_member")) }
                                }
                            }
                        }
                    }
                }
            }
            div.card {
                h2 { (t(lang, "add_member")) }
                form #member-form method="post" action="/console/team" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="member-username" { (t(lang, "username")) }
                    input #member-username name="username" required maxlength=(USERNAME_LENGTH_MAX) autocomplete="off";
                    label for="member-password" { (t(lang, "password")) }
                    input #member-password name="password" type="password" required minlength="8" maxlength=(PASSWORD_LENGTH_MAX) autocomplete="new-password";
                    label for="member-role" { (t(lang, "team_role")) }
                    select #member-role name="team_role" { (role_options(lang, new_role)) }
                    div { button.primary #add-member type="submit" { (t(lang, "add_member")) } }
                }
            }
        }
    })
}

pub async fn add_member(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<MemberForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    match state.app.add_team_member(&viewer.ctx, &form.username, &form.password, &form.team_role).await {
        Ok(_) => Redirect::to("/console/team?notice=member_added").into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect("/console/team", &error),
    }
}

pub async fn change_role(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(user_id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.change_team_role(&viewer.ctx, user_id, &form.team_role).await {
        Ok(_) => Redirect::to("/console/team?notice=role_changed").into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect("/console/team", &error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn remove_member(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(user_id) = parse_id(&id) else { return not_found_page(jar) };
    match state.app.remove_team_member(&viewer.ctx, user_id).await {
        Ok(()) => Redirect::to("/console/team?notice=member_removed").into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect("/console/team", &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::lookup;

    #[test]
    fn china_times_become_instants() {
        let expect = DateTime::parse_from_rfc3339("2026-05-01T02:00:00Z").unwrap().to_utc();
        for text in ["2026-05-01T10:00", "2026-05-01 10:00", " 2026-05-01T10:00:00 "] {
            assert_eq!(parse_china_time(text).unwrap(), expect, "{text}");
        }
        for bad in ["", "2026-05-01", "2026-13-01T10:00", "10:00", &"9".repeat(40)] {
            assert_eq!(parse_china_time(bad).map_err(|e| e.code), Err(Code::InvalidDate), "{bad}");
        }
        assert_eq!(china_input_value(expect), "2026-05-01T10:00");
    }

    #[test]
    fn tags_split_on_spaces_and_commas() {
        assert_eq!(split_tags(" #春节  年货，#好物,x、y "), ["#春节", "年货", "#好物", "x", "y"]);
        assert!(split_tags("  ").is_empty());
    }

    #[test]
    fn spans_of_the_calendar() {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let today = day("2026-04-28");
        let query = |month: Option<&str>, week: Option<&str>| CalendarQuery {
            month: month.map(str::to_owned),
            week: week.map(str::to_owned),
            notice: None,
        };
        assert_eq!(Span::of(&query(None, None), today).unwrap(), Span::Month(day("2026-04-01")));
        assert_eq!(Span::of(&query(Some("2026-05"), None), today).unwrap(), Span::Month(day("2026-05-01")));
        // A week starts on its Monday; 2026-05-03 is a Sunday.
        let week = Span::of(&query(Some("2026-05"), Some("2026-05-03")), today).unwrap();
        assert_eq!(week, Span::Week(day("2026-04-27")));
        assert_eq!(week.months(), ["2026-04", "2026-05"]);
        assert_eq!(week.neighbours(), ("week=2026-04-20".to_owned(), "week=2026-05-04".to_owned()));
        assert_eq!(
            Span::Month(day("2026-01-01")).neighbours(),
            ("month=2025-12".to_owned(), "month=2026-02".to_owned())
        );
        for bad in [
            query(Some("2026-5"), None),
            query(Some("x"), None),
            query(None, Some("2026-02-30")),
            query(None, Some("1999-01-01")),
        ] {
            assert_eq!(Span::of(&bad, today).map_err(|e| e.code), Err(Code::InvalidDate));
        }
        // May 2026 starts on a Friday: four blanks, then 31 days, padded to five full weeks.
        let rows = Span::Month(day("2026-05-01")).rows(&[]);
        assert_eq!(rows.len(), 5);
        assert!(rows.iter().all(|row| row.len() == 7));
    }

    #[test]
    fn every_notice_and_name_has_both_languages() {
        for key in NOTICES {
            assert!(lookup(Lang::Zh, &format!("notice_{key}")).is_some(), "{key}");
            assert!(lookup(Lang::En, &format!("notice_{key}")).is_some(), "{key}");
        }
        assert!(notice(Lang::Zh, Some("<script>")).is_none());
        for status in VideoStatus::ALL {
            let key = format!("video_status_{}", status.as_str());
            assert_eq!(lookup(Lang::Zh, &key), Some(status.name_zh()), "{key}");
            assert!(lookup(Lang::En, &key).is_some(), "{key}");
        }
        for role in TeamRole::ALL {
            let key = format!("team_role_{}", role.as_str());
            assert_eq!(lookup(Lang::Zh, &key), Some(role.name_zh()), "{key}");
            assert!(lookup(Lang::En, &key).is_some(), "{key}");
        }
        for outcome in ["approved", "sent_back"] {
            assert!(lookup(Lang::En, &format!("video_outcome_{outcome}")).is_some());
        }
    }
}
