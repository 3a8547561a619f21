//! Dashboards: an enterprise account's and a video's engagement, a shop's sales, and the shop's
//! closure-decision report (with its PDF). Every chart is server-rendered SVG with its table and a
//! CSV export beside it; the period is a from/to form (default the last 30 days).

use app::analytics::Period;
use app::reports::{
    KeyedChart, account_charts, bp_text, closure_report_charts, shop_charts, totals_figures, video_charts,
};
use app::{Actor, AppError, AppResult};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use charts::KeyFigure;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{error_page, is_refusal, parse_id, refusal, render, url_escape};
use crate::pages::not_found_page;
use crate::session::{Viewer, viewer};

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    /// The chart a CSV export is for.
    chart: Option<String>,
}

impl PeriodQuery {
    fn query_string(&self) -> String {
        let from = self.from.as_deref().unwrap_or("");
        let to = self.to.as_deref().unwrap_or("");
        format!("from={}&to={}", url_escape(from), url_escape(to))
    }
}

/// One chart: its title, the SVG, the table (folded) and the CSV link.
pub(crate) fn chart_block(lang: Lang, keyed: &KeyedChart, csv_href: &str) -> Markup {
    let chart = &in_page_language(lang, &keyed.chart);
    let title = match lang {
        Lang::Zh => &keyed.chart.title.zh,
        Lang::En => &keyed.chart.title.en,
    };
    html! {
        figure.card.chart id={ "chart-" (keyed.key) } {
            figcaption { strong { (title) } " · " a.csv href=(csv_href) download { (t(lang, "csv_export")) } }
            (PreEscaped(chart_svg(lang, chart)))
            details {
                summary { (t(lang, "chart_table")) }
                table {
                    tr { th { (t(lang, "chart_label")) } @for name in chart.column_names() { th { (name) } } }
                    @for row in chart.table_rows() {
                        tr { td { (row.label) } @for cell in &row.cells { td { (cell) } } }
                    }
                }
            }
        }
    }
}

/// The chart with its title, series names and x labels in the page's language only (the SVG's text,
/// its accessible name and the table beside it).
fn in_page_language(lang: Lang, chart: &charts::Chart) -> charts::Chart {
    let mut chart = chart.clone();
    chart.title = match lang {
        Lang::Zh => charts::Bilingual::new(chart.title.zh.clone(), ""),
        Lang::En => charts::Bilingual::new("", chart.title.en.clone()),
    };
    for series in &mut chart.series {
        series.name = in_lang(lang, &series.name);
    }
    for label in &mut chart.x_labels {
        *label = match (lang, PROVINCES.iter().find(|(zh, _)| zh == label)) {
            (Lang::En, Some((_, en))) => (*en).to_owned(),
            _ => in_lang(lang, label),
        };
    }
    chart
}

/// The SVG of a chart in the page's language: the placeholder of an empty chart in one language.
fn chart_svg(lang: Lang, chart: &charts::Chart) -> String {
    chart.svg().replace(charts::NO_DATA, &in_lang(lang, charts::NO_DATA))
}

/// Viewer regions as the platform reports them, with their English names.
const PROVINCES: [(&str, &str); 34] = [
    ("北京", "Beijing"),
    ("天津", "Tianjin"),
    ("上海", "Shanghai"),
    ("重庆", "Chongqing"),
    ("河北", "Hebei"),
    ("山西", "Shanxi"),
    ("辽宁", "Liaoning"),
    ("吉林", "Jilin"),
    ("黑龙江", "Heilongjiang"),
    ("江苏", "Jiangsu"),
    ("浙江", "Zhejiang"),
    ("安徽", "Anhui"),
    ("福建", "Fujian"),
    ("江西", "Jiangxi"),
    ("山东", "Shandong"),
    ("河南", "Henan"),
    ("湖北", "Hubei"),
    ("湖南", "Hunan"),
    ("广东", "Guangdong"),
    ("海南", "Hainan"),
    ("四川", "Sichuan"),
    ("贵州", "Guizhou"),
    ("云南", "Yunnan"),
    ("陕西", "Shaanxi"),
    ("甘肃", "Gansu"),
    ("青海", "Qinghai"),
    ("台湾", "Taiwan"),
    ("内蒙古", "Inner Mongolia"),
    ("广西", "Guangxi"),
    ("西藏", "Tibet"),
    ("宁夏", "Ningxia"),
    ("新疆", "Xinjiang"),
    ("香港", "Hong Kong"),
    ("澳门", "Macao"),
];

/// The part of a bilingual series name (`负面率 Negative rate`) in the page's language; a name
/// that is not bilingual (a shop's name) is user data and shown whole.
pub(crate) fn in_lang(lang: Lang, joined: &str) -> String {
    let cjk = |c: char| ('\u{3400}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c);
    let split = joined.char_indices().find(|(i, c)| {
        c.is_ascii_alphabetic() && *i > 0 && joined[..*i].ends_with(' ') && joined[..*i].chars().any(cjk)
    });
    match split {
        Some((i, _)) if !joined[i..].chars().any(cjk) => {
            if lang == Lang::Zh {
                joined[..i].trim_end_matches([' ', '/']).to_owned()
            } else {
                joined[i..].to_owned()
            }
        }
        _ => joined.to_owned(),
    }
}

/// Milliseconds as 小时/分钟, or a dash when there is nothing to measure.
fn duration_ms(lang: Lang, ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".to_owned(), |ms| crate::kit::format::duration_minutes(lang, ms as f64 / 60_000.0))
}

fn figures_table(lang: Lang, figures: &[KeyFigure]) -> Markup {
    html! {
        table.figures {
            @for figure in figures { tr { th { (in_lang(lang, &figure.label)) } td { (figure.value) } } }
        }
    }
}

fn period_form(lang: Lang, here: &str, from: &str, to: &str) -> Markup {
    html! {
        form.period method="get" action=(here) {
            label { (t(lang, "period_from")) " " input type="date" name="from" value=(from); }
            " "
            label { (t(lang, "period_to")) " " input type="date" name="to" value=(to); }
            " "
            button type="submit" { (t(lang, "show")) }
        }
    }
}

fn charts_markup(lang: Lang, charts: &[KeyedChart], csv_base: &str, query: &str) -> Markup {
    html! {
        div.charts {
            @for keyed in charts {
                (chart_block(lang, keyed, &format!("{csv_base}?chart={}&{query}", keyed.key)))
            }
        }
    }
}

/// A chart's CSV as a download.
pub(crate) fn csv_response(charts: Vec<KeyedChart>, key: Option<&str>, file: &str) -> Response {
    match charts.into_iter().find(|c| Some(c.key) == key) {
        Some(keyed) => {
            let disposition = format!("attachment; filename=\"{file}-{}.csv\"", keyed.key);
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                keyed.chart.csv(),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such chart").into_response(),
    }
}

/// Shows a refusal's page, or the error on the dashboard's page.
fn failed(jar: CookieJar, viewer: &Viewer, title_key: &str, here: &str, error: &AppError) -> Response {
    if is_refusal(error) { refusal(jar, error) } else { error_page(jar, viewer, title_key, here, error) }
}

async fn viewer_and_id(
    state: &ConsoleState,
    jar: &CookieJar,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Viewer, i64), Response> {
    let viewer = viewer(state, jar, headers).await?;
    let id = parse_id(id).ok_or_else(|| not_found_page(jar.clone()))?;
    Ok((viewer, id))
}

pub async fn account_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (viewer, id) = match viewer_and_id(&state, &jar, &headers, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let here = format!("/console/enterprise-accounts/{id}/analytics");
    let loaded: AppResult<_> = async {
        let account = state.app.enterprise_account(&viewer.ctx.actor, id).await?;
        let period = state.app.analytics_period(query.from.as_deref(), query.to.as_deref())?;
        let leads = state.app.lead_summary(&viewer.ctx.actor, id).await?;
        Ok((account, state.app.account_analytics(&viewer.ctx.actor, id, period).await?, leads))
    }
    .await;
    let may_see_leads = crate::kit::may(&viewer.ctx.actor, domain::access::UseCase::ViewLeads);
    let (account, a, leads) = match loaded {
        Ok(found) => found,
        Err(error) => return failed(jar, &viewer, "analytics", &here, &error),
    };
    let charts = account_charts(&a);
    let q = query.query_string();
    let (from, to) = (a.period.from.to_string(), a.period.to.to_string());
    let title = t(crate::session::lang(&jar), "analytics");
    render(jar, &viewer, title, &here, |lang, _| {
        html! {
            div.card {
                p.muted { a href={ "/console/enterprise-accounts/" (id) } { "← " (account.nickname) } }
                h1 #analytics-title { (t(lang, "analytics")) " · " span data-user { (account.nickname) } }
                (period_form(lang, &here, &from, &to))
                (figures_table(lang, &totals_figures(&a.totals)))
                p #week-over-week {
                    (t(lang, "week_over_week")) ": "
                    (t(lang, "metric_views")) " " (uplift(a.week_over_week.views.uplift_bp)) " · "
                    (t(lang, "metric_engagement")) " " (uplift(a.week_over_week.engagements.uplift_bp)) " · "
                    (t(lang, "metric_followers")) " " (uplift(a.week_over_week.follows.uplift_bp))
                }
                p #best-time {
                    (t(lang, "best_hour")) ": " (a.best_hour.as_deref().map_or("—".to_owned(), |h| format!("{h}:00")))
                    " · " (t(lang, "best_weekday")) ": " (a.best_weekday.as_deref().and_then(|d| d.parse::<u32>().ok()).map_or("—", |d| crate::kit::format::weekday(lang, d)))
                }
            }
            (charts_markup(lang, &charts, &format!("{here}.csv"), &q))
            div.card {
                h2 { (t(lang, "top_videos")) }
                table #top-videos {
                    tr { th { (t(lang, "video")) } th { (t(lang, "metric_views")) } th { (t(lang, "completion_rate")) } th { (t(lang, "engagement_rate")) } }
                    @for v in &a.top_videos {
                        tr {
                            td { a href={ "/console/videos/" (v.video_id) "/analytics?" (q) } { (v.title) } }
                            td { (v.totals.counts.views) }
                            td { (bp_text(v.totals.completion_rate_bp)) }
                            td { (bp_text(v.totals.engagement_rate_bp)) }
                        }
                    }
                }
            }
            div.card #lead-summary {
                h2 { (t(lang, "leads_by_source")) }
                table {
                    tr { th { (t(lang, "lead_source")) } th { (t(lang, "leads")) } th { (t(lang, "lead_status_converted")) } th { (t(lang, "conversion_rate")) } }
                    @for source in &leads {
                        tr {
                            td { (t(lang, &format!("channel_{}", source.source.as_str()))) }
                            td { (crate::kit::number(source.leads)) }
                            td { (crate::kit::number(source.converted)) }
                            td { (crate::private_messages::share(source.conversion_permille())) }
                        }
                    }
                }
                @if may_see_leads { p { a href={ "/console/leads?account=" (id) } { (t(lang, "open_leads")) " →" } } }
            }
        }
    })
}

fn uplift(bp: Option<i64>) -> String {
    bp.map_or("—".to_owned(), |bp| {
        format!("{}{}%", if bp >= 0 { "+" } else { "" }, domain::campaigns::percent_text(bp))
    })
}

pub async fn video_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (viewer, id) = match viewer_and_id(&state, &jar, &headers, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let here = format!("/console/videos/{id}/analytics");
    let loaded = async {
        let period = state.app.analytics_period(query.from.as_deref(), query.to.as_deref())?;
        state.app.video_analytics(&viewer.ctx.actor, id, period).await
    }
    .await;
    let v = match loaded {
        Ok(found) => found,
        Err(error) => return failed(jar, &viewer, "analytics", &here, &error),
    };
    let charts = video_charts(&v);
    let q = query.query_string();
    let (from, to) = (v.period.from.to_string(), v.period.to.to_string());
    let title = t(crate::session::lang(&jar), "analytics");
    render(jar, &viewer, title, &here, |lang, _| {
        html! {
            div.card {
                p.muted { a href={ "/console/videos/" (id) } { "← " (v.title) } }
                h1 #analytics-title { (t(lang, "analytics")) " · " span data-user { (v.title) } }
                @if !v.tags.is_empty() { p.muted { @for tag in &v.tags { "#" (tag) " " } } }
                (period_form(lang, &here, &from, &to))
                (figures_table(lang, &totals_figures(&v.totals)))
            }
            (charts_markup(lang, &charts, &format!("{here}.csv"), &q))
        }
    })
}

pub async fn shop_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (viewer, id) = match viewer_and_id(&state, &jar, &headers, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let here = format!("/console/shops/{id}/analytics");
    let loaded: AppResult<_> = async {
        let shop = state.app.shop(&viewer.ctx.actor, id).await?;
        let period = state.app.analytics_period(query.from.as_deref(), query.to.as_deref())?;
        Ok((shop, state.app.shop_analytics(&viewer.ctx.actor, id, period).await?))
    }
    .await;
    let (shop, s) = match loaded {
        Ok(found) => found,
        Err(error) => return failed(jar, &viewer, "shop_analytics", &here, &error),
    };
    let charts = shop_charts(&s);
    let q = query.query_string();
    let (from, to) = (s.period.from.to_string(), s.period.to.to_string());
    let title = t(crate::session::lang(&jar), "shop_analytics");
    render(jar, &viewer, title, &here, |lang, _| {
        html! {
            div.card {
                p.muted { a href={ "/console/shops/" (id) } { "← " (shop.name) } }
                h1 #analytics-title { (t(lang, "shop_analytics")) " · " span data-user { (shop.name) } }
                (period_form(lang, &here, &from, &to))
                (figures_table(lang, &app::reports::sales_figures(&s.totals)))
                p #first-response {
                    (t(lang, "first_response_buyers")) ": " (duration_ms(lang, s.first_response.median_ms))
                    " · " (t(lang, "p90")) " " (duration_ms(lang, s.first_response.p90_ms))
                    " · " (t(lang, "conversations_counted")) " " (crate::kit::number(s.first_response.count as i64))
                }
                p { a #closure-report-link href={ "/console/shops/" (id) "/closure/report" } { (t(lang, "closure_report")) } }
            }
            (charts_markup(lang, &charts, &format!("{here}.csv"), &q))
        }
    })
}

pub async fn closure_report_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (viewer, id) = match viewer_and_id(&state, &jar, &headers, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let here = format!("/console/shops/{id}/closure/report");
    let r = match state.app.closure_report(&viewer.ctx.actor, id).await {
        Ok(found) => found,
        Err(error) => return failed(jar, &viewer, "closure_report", &here, &error),
    };
    let charts = closure_report_charts(&r);
    let document = app::reports::closure_document(&r);
    let title = t(crate::session::lang(&jar), "closure_report");
    render(jar, &viewer, title, &here, |lang, _| {
        html! {
            div.card {
                p.muted { a href={ "/console/shops/" (id) "/closure" } { "← " (t(lang, "closure")) } }
                h1 #report-title { (t(lang, "closure_report")) " · " span data-user { (r.shop.name) } }
                p.muted { (r.period.from) " – " (r.period.to) }
                p #report-summary { (match lang { Lang::Zh => &r.summary_zh, Lang::En => &r.summary_en }) }
                p { a #report-pdf href={ (here) ".pdf" } { (t(lang, "download_pdf")) } }
                @for section in &document.sections {
                    @if !section.figures.is_empty() {
                        h2 { (match lang { Lang::Zh => &section.heading.zh, Lang::En => &section.heading.en }) }
                        (figures_table(lang, &section.figures))
                    }
                }
            }
            (charts_markup(lang, &charts, &format!("{here}.csv"), &query.query_string()))
        }
    })
}

/// A dashboard chart's CSV (`?chart=KEY`): the viewer and the id checked, the dashboard's charts
/// loaded by `charts` over the period asked for, the one asked for answered as a download.
async fn chart_csv(
    state: &ConsoleState,
    jar: CookieJar,
    headers: &HeaderMap,
    id: &str,
    query: &PeriodQuery,
    file: &str,
    charts: impl AsyncFnOnce(&Actor, i64, Period) -> AppResult<Vec<KeyedChart>>,
) -> Response {
    let (viewer, id) = match viewer_and_id(state, &jar, headers, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let loaded = async {
        let period = state.app.analytics_period(query.from.as_deref(), query.to.as_deref())?;
        charts(&viewer.ctx.actor, id, period).await
    }
    .await;
    match loaded {
        Ok(charts) => csv_response(charts, query.chart.as_deref(), &format!("{file}-{id}")),
        Err(error) => failed(jar, &viewer, "analytics", "/console", &error),
    }
}

pub async fn account_csv(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let app = &state.app;
    chart_csv(&state, jar, &headers, &id, &query, "account", async |actor, id, period| {
        Ok(account_charts(&app.account_analytics(actor, id, period).await?))
    })
    .await
}

pub async fn video_csv(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let app = &state.app;
    chart_csv(&state, jar, &headers, &id, &query, "video", async |actor, id, period| {
        Ok(video_charts(&app.video_analytics(actor, id, period).await?))
    })
    .await
}

pub async fn shop_csv(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let app = &state.app;
    chart_csv(&state, jar, &headers, &id, &query, "shop", async |actor, id, period| {
        Ok(shop_charts(&app.shop_analytics(actor, id, period).await?))
    })
    .await
}

/// The closure report always covers its own twelve months; the period is checked and not used.
pub async fn closure_report_csv(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let app = &state.app;
    chart_csv(&state, jar, &headers, &id, &query, "closure-report", async |actor, id, _period| {
        Ok(closure_report_charts(&app.closure_report(actor, id).await?))
    })
    .await
}

pub async fn closure_report_pdf(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (viewer, id) = match viewer_and_id(&state, &jar, &headers, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let report = match state.app.closure_report(&viewer.ctx.actor, id).await {
        Ok(found) => found,
        Err(error) => return failed(jar, &viewer, "closure_report", "/console/shops", &error),
    };
    let pdf = match tokio::task::spawn_blocking(move || app::reports::closure_document(&report).pdf()).await {
        Ok(pdf) => pdf,
        Err(error) => {
            return failed(jar, &viewer, "closure_report", "/console/shops", &AppError::internal(&error));
        }
    };
    let disposition = format!("attachment; filename=\"closure-report-shop-{id}.pdf\"");
    ([(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, disposition)], pdf)
        .into_response()
}

#[cfg(test)]
mod language_tests {
    use super::*;

    #[test]
    fn bilingual_names_show_the_page_language_and_user_data_stays_whole() {
        assert_eq!(in_lang(Lang::Zh, "负面率 Negative rate"), "负面率");
        assert_eq!(in_lang(Lang::En, "负面率 Negative rate"), "Negative rate");
        assert_eq!(in_lang(Lang::En, "周一 Mon"), "Mon");
        assert_eq!(in_lang(Lang::Zh, "搜索 search"), "搜索");
        assert_eq!(in_lang(Lang::Zh, "无数据 / No data"), "无数据");
        assert_eq!(in_lang(Lang::En, "小店A"), "小店A");
        assert_eq!(in_lang(Lang::En, "杭州小店 旗舰店"), "杭州小店 旗舰店");
        assert_eq!(in_lang(Lang::En, "Views"), "Views");
    }
}
