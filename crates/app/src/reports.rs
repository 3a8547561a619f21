//! The charts of every dashboard and the report documents, built from the analytics use cases'
//! answers: one list of keyed charts per dashboard (the console draws each with its table and CSV
//! export, `xiaodian report` and the closure report's PDF put the same charts in a document).

use charts::{Bilingual, Chart, ChartKind, KeyFigure, Report, Section, Series, ValueFormat};
use domain::analytics::{Counts, GroupFigures, MixEntry, TrafficSource};
use domain::campaigns::percent_text;
use domain::sales::{SalesFigures, Standing, yuan_text};

use crate::analytics::{AccountAnalytics, Audience, Period, Totals, VideoAnalytics};
use crate::sales::{ClosureReport, ShopAnalytics};

/// A chart with the stable key its CSV export is addressed by.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedChart {
    pub key: &'static str,
    pub chart: Chart,
}

fn chart(kind: ChartKind, zh: &str, en: &str, format: ValueFormat) -> Chart {
    Chart::new(kind, Bilingual::new(zh, en), format)
}

fn keyed(key: &'static str, chart: Chart) -> KeyedChart {
    KeyedChart { key, chart }
}

fn day_label(date: chrono::NaiveDate) -> String {
    date.format("%m-%d").to_string()
}

/// A series of one count per day.
fn daily(days: &[(chrono::NaiveDate, Counts)], name: &str, f: fn(&Counts) -> i64) -> Series {
    Series::new(name, days.iter().map(|(_, c)| f(c) as f64).collect())
}

fn engagement_trend(days: &[(chrono::NaiveDate, Counts)]) -> Chart {
    let mut trend =
        chart(ChartKind::Line, "每日播放与互动", "Views and engagement by day", ValueFormat::Integer);
    trend.x_labels = days.iter().map(|(d, _)| day_label(*d)).collect();
    trend.series = vec![
        daily(days, "播放 Views", |c| c.views),
        daily(days, "点赞 Likes", |c| c.likes),
        daily(days, "分享 Shares", |c| c.shares),
        daily(days, "新增粉丝 Followers", |c| c.follows),
    ];
    trend
}

/// A source's or audience value's label: its Chinese name where it has one.
fn mix_label(key: &str) -> String {
    match TrafficSource::parse(key) {
        Some(source) => format!("{} {}", source.name_zh(), key),
        None => key.to_owned(),
    }
}

fn mix_chart(kind: ChartKind, entries: &[MixEntry], zh: &str, en: &str, limit: usize) -> Chart {
    let mut chart = chart(kind, zh, en, ValueFormat::Integer);
    let shown = &entries[..entries.len().min(limit)];
    chart.x_labels = shown.iter().map(|e| mix_label(&e.key)).collect();
    chart.series = vec![Series::new("播放 Views", shown.iter().map(|e| e.count as f64).collect())];
    chart
}

fn audience_charts(audience: &Audience) -> Vec<KeyedChart> {
    vec![
        keyed("age", mix_chart(ChartKind::Bar, &audience.age, "观众年龄", "Audience by age", 8)),
        keyed("gender", mix_chart(ChartKind::Pie, &audience.gender, "观众性别", "Audience by gender", 8)),
        keyed(
            "province",
            mix_chart(
                ChartKind::Bar,
                &audience.province,
                "观众地域（前 10）",
                "Audience by province (top 10)",
                10,
            ),
        ),
    ]
}

fn groups_chart(groups: &[GroupFigures], zh: &str, en: &str, label: fn(&str) -> String) -> Chart {
    let mut chart = chart(ChartKind::Bar, zh, en, ValueFormat::Integer);
    chart.x_labels = groups.iter().map(|g| label(&g.key)).collect();
    chart.series = vec![
        Series::new("平均播放 Avg views", groups.iter().map(|g| g.average_views as f64).collect()),
        Series::new("视频数 Videos", groups.iter().map(|g| g.videos as f64).collect()),
    ];
    chart
}

fn weekday_label(key: &str) -> String {
    let names = ["周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat", "周日 Sun"];
    key.parse::<usize>()
        .ok()
        .and_then(|n| names.get(n.wrapping_sub(1)))
        .map_or(key.to_owned(), |n| (*n).to_owned())
}

/// The account dashboard's charts.
pub fn account_charts(a: &AccountAnalytics) -> Vec<KeyedChart> {
    let mut charts = vec![
        keyed("trend", engagement_trend(&a.days)),
        keyed("sources", mix_chart(ChartKind::Pie, &a.sources, "流量来源", "Traffic sources", 8)),
    ];
    charts.extend(audience_charts(&a.audience));
    charts.push(keyed(
        "hours",
        groups_chart(
            &a.publishing_hours,
            "发布时段与平均播放",
            "Publishing hour and average views",
            |k| format!("{k}:00"),
        ),
    ));
    charts.push(keyed(
        "weekdays",
        groups_chart(
            &a.publishing_weekdays,
            "发布星期与平均播放",
            "Publishing weekday and average views",
            weekday_label,
        ),
    ));
    let mut tags = chart(ChartKind::Bar, "话题表现", "Topic tags", ValueFormat::Integer);
    tags.x_labels = a.tags.iter().map(|g| format!("#{}", g.key)).collect();
    tags.series = vec![
        Series::new("播放 Views", a.tags.iter().map(|g| g.views as f64).collect()),
        Series::new("互动 Engagements", a.tags.iter().map(|g| g.engagements as f64).collect()),
    ];
    charts.push(keyed("tags", tags));
    charts
}

/// The video dashboard's charts (the hourly curve when the period is short).
pub fn video_charts(v: &VideoAnalytics) -> Vec<KeyedChart> {
    let mut charts = vec![keyed("trend", engagement_trend(&v.days))];
    if let Some(hours) = &v.hours {
        let mut hourly = chart(ChartKind::Line, "每小时播放", "Views by hour", ValueFormat::Integer);
        hourly.x_labels = hours
            .iter()
            .map(|(ms, _)| {
                chrono::DateTime::from_timestamp_millis(*ms)
                    .unwrap_or_default()
                    .with_timezone(&crate::clock::china_offset())
                    .format("%m-%d %H:00")
                    .to_string()
            })
            .collect();
        hourly.series = vec![Series::new("播放 Views", hours.iter().map(|(_, c)| c.views as f64).collect())];
        charts.push(keyed("hours", hourly));
    }
    charts.push(keyed("sources", mix_chart(ChartKind::Pie, &v.sources, "流量来源", "Traffic sources", 8)));
    charts.extend(audience_charts(&v.audience));
    charts
}

fn sales_series(name: &str, figures: &[&SalesFigures], f: fn(&SalesFigures) -> Option<i64>) -> Series {
    Series::new(name, figures.iter().map(|x| f(x).map_or(f64::NAN, |v| v as f64)).collect())
}

fn rates_chart(labels: Vec<String>, figures: &[&SalesFigures], zh: &str, en: &str) -> Chart {
    let mut rates = chart(ChartKind::Line, zh, en, ValueFormat::PercentBp);
    rates.x_labels = labels;
    rates.series = vec![
        sales_series("退款率 Refunds", figures, SalesFigures::refund_rate_bp),
        sales_series("售后率 After-sales", figures, SalesFigures::after_sales_rate_bp),
        sales_series("投诉率 Complaints", figures, SalesFigures::complaint_rate_bp),
    ];
    rates
}

fn money_chart(kind: ChartKind, labels: Vec<String>, figures: &[&SalesFigures], zh: &str, en: &str) -> Chart {
    let mut gmv = chart(kind, zh, en, ValueFormat::MoneyFen);
    gmv.x_labels = labels;
    gmv.series = vec![sales_series("GMV", figures, |f| Some(f.gmv_fen))];
    gmv
}

fn orders_chart(labels: Vec<String>, figures: &[&SalesFigures], zh: &str, en: &str) -> Chart {
    let mut orders = chart(ChartKind::Bar, zh, en, ValueFormat::Integer);
    orders.x_labels = labels;
    orders.series = vec![
        sales_series("订单 Orders", figures, |f| Some(f.orders)),
        sales_series("取消 Cancelled", figures, |f| Some(f.cancelled)),
    ];
    orders
}

/// The shop dashboard's charts.
pub fn shop_charts(s: &ShopAnalytics) -> Vec<KeyedChart> {
    let day_labels: Vec<String> = s.days.iter().map(|(d, _)| day_label(*d)).collect();
    let days: Vec<&SalesFigures> = s.days.iter().map(|(_, f)| f).collect();
    let month_labels: Vec<String> = s.months.iter().map(|(m, _)| m.clone()).collect();
    let months: Vec<&SalesFigures> = s.months.iter().map(|(_, f)| f).collect();
    let mut aov =
        chart(ChartKind::Bar, "客单价（按月）", "Average order value by month", ValueFormat::MoneyFen);
    aov.x_labels = month_labels.clone();
    aov.series = vec![sales_series("客单价 AOV", &months, SalesFigures::average_order_fen)];
    vec![
        keyed("gmv", money_chart(ChartKind::Line, day_labels.clone(), &days, "每日 GMV", "GMV by day")),
        keyed("orders", orders_chart(day_labels, &days, "每日订单", "Orders by day")),
        keyed(
            "months",
            money_chart(ChartKind::Bar, month_labels.clone(), &months, "每月 GMV", "GMV by month"),
        ),
        keyed("aov", aov),
        keyed(
            "rates",
            rates_chart(
                month_labels,
                &months,
                "退款、售后与投诉率（按月）",
                "Refund, after-sales and complaint rates by month",
            ),
        ),
    ]
}

/// The closure report's charts.
pub fn closure_report_charts(r: &ClosureReport) -> Vec<KeyedChart> {
    let labels: Vec<String> = r.months.iter().map(|(m, _)| m.clone()).collect();
    let months: Vec<&SalesFigures> = r.months.iter().map(|(_, f)| f).collect();
    vec![
        keyed(
            "gmv",
            money_chart(ChartKind::Bar, labels.clone(), &months, "近 12 个月 GMV", "GMV, last 12 months"),
        ),
        keyed("orders", orders_chart(labels.clone(), &months, "近 12 个月订单", "Orders, last 12 months")),
        keyed(
            "rates",
            rates_chart(labels, &months, "退款、售后与投诉率", "Refund, after-sales and complaint rates"),
        ),
        keyed(
            "sources",
            mix_chart(
                ChartKind::Pie,
                &r.traffic_sources,
                "流量来源（商家企业号）",
                "Traffic sources (the merchant's accounts)",
                8,
            ),
        ),
    ]
}

/// The reputation page's chart: the hourly negative rate against the spike threshold and the
/// baseline, in basis points (hours without comments have no rate).
pub fn negative_rate_chart(series: &crate::reputation::ReputationSeries) -> KeyedChart {
    let bp = |rate: f64| (rate * 10_000.0).round();
    let mut rates =
        chart(ChartKind::Line, "每小时负面评论率", "Negative comments by hour", ValueFormat::PercentBp);
    rates.x_labels = series
        .hours
        .iter()
        .map(|p| {
            chrono::DateTime::from_timestamp_millis(p.hour.hour_ms)
                .unwrap_or_default()
                .with_timezone(&crate::clock::china_offset())
                .format("%m-%d %H:00")
                .to_string()
        })
        .collect();
    let each = |value: f64| series.hours.iter().map(|_| value).collect::<Vec<f64>>();
    rates.series = vec![
        Series::new(
            "负面率 Negative rate",
            series.hours.iter().map(|p| if p.hour.comments > 0 { bp(p.rate) } else { f64::NAN }).collect(),
        ),
        Series::new("预警线 Spike threshold", each(bp(series.threshold))),
        Series::new("基线 Baseline", each(bp(series.baseline.mean))),
    ];
    keyed("negative_rate", rates)
}

/// Basis points as a percentage ("12.50%"), "—" for none.
pub fn bp_text(bp: Option<i64>) -> String {
    bp.map_or("—".to_owned(), |bp| format!("{}%", percent_text(bp)))
}

fn fen_text(fen: Option<i64>) -> String {
    fen.map_or("—".to_owned(), |fen| format!("¥{}", yuan_text(fen)))
}

/// Milliseconds as minutes with one decimal ("2.5 min"), "—" for none.
pub fn minutes_text(ms: Option<i64>) -> String {
    ms.map_or("—".to_owned(), |ms| format!("{:.1} min", ms as f64 / 60_000.0))
}

fn period_text(period: &Period) -> String {
    format!("{} – {}", period.from, period.to)
}

/// The key figures of engagement totals.
pub fn totals_figures(t: &Totals) -> Vec<KeyFigure> {
    vec![
        KeyFigure::new("播放 Views", t.counts.views.to_string()),
        KeyFigure::new("完播率 Completion rate", bp_text(t.completion_rate_bp)),
        KeyFigure::new(
            "平均观看时长 Avg watch time",
            t.average_watch_ms.map_or("—".into(), |ms| format!("{:.1} s", ms as f64 / 1000.0)),
        ),
        KeyFigure::new("互动率 Engagement rate", bp_text(t.engagement_rate_bp)),
        KeyFigure::new("点赞 Likes", t.counts.likes.to_string()),
        KeyFigure::new("评论 Comments", t.comments.to_string()),
        KeyFigure::new("分享 Shares", t.counts.shares.to_string()),
        KeyFigure::new("新增粉丝 Followers gained", t.counts.follows.to_string()),
    ]
}

/// The key figures of sales figures.
pub fn sales_figures(f: &SalesFigures) -> Vec<KeyFigure> {
    vec![
        KeyFigure::new("GMV", fen_text(Some(f.gmv_fen))),
        KeyFigure::new("订单 Orders", f.orders.to_string()),
        KeyFigure::new("客单价 Average order value", fen_text(f.average_order_fen())),
        KeyFigure::new("退款率 Refund rate", bp_text(f.refund_rate_bp())),
        KeyFigure::new("售后率 After-sales rate", bp_text(f.after_sales_rate_bp())),
        KeyFigure::new("投诉率 Complaint rate", bp_text(f.complaint_rate_bp())),
    ]
}

fn charts_of(keyed: Vec<KeyedChart>) -> Vec<Chart> {
    keyed.into_iter().map(|k| k.chart).collect()
}

/// An account's report over a period (what `xiaodian report --account` renders).
pub fn account_document(a: &AccountAnalytics, nickname: &str) -> Report {
    let w = &a.week_over_week;
    let change = |m: &crate::campaigns::Metric| bp_text(m.uplift_bp);
    Report {
        title: Bilingual::new("企业号数据报告", "Enterprise account report"),
        subtitle: format!("{nickname} · {}", period_text(&a.period)),
        sections: vec![
            Section {
                heading: Bilingual::new("概览", "Overview"),
                paragraphs: vec![format!(
                    "最近 7 天对比前 7 天 Last 7 days against the 7 before: 播放 views {}，互动 engagements {}，新增粉丝 followers {}。",
                    change(&w.views),
                    change(&w.engagements),
                    change(&w.follows)
                )],
                figures: totals_figures(&a.totals),
                charts: Vec::new(),
            },
            Section {
                heading: Bilingual::new("趋势、流量与观众", "Trends, traffic and audience"),
                charts: charts_of(account_charts(a)),
                ..Section::default()
            },
        ],
    }
}

/// A shop's report over a period (what `xiaodian report --shop` renders).
pub fn shop_document(s: &ShopAnalytics, shop_name: &str) -> Report {
    let mut figures = sales_figures(&s.totals);
    figures.push(KeyFigure::new(
        "买家消息首次响应中位数 First response, median",
        minutes_text(s.first_response.median_ms),
    ));
    figures.push(KeyFigure::new("首次响应 p90 First response, p90", minutes_text(s.first_response.p90_ms)));
    Report {
        title: Bilingual::new("店铺经营报告", "Shop report"),
        subtitle: format!("{shop_name} · {}", period_text(&s.period)),
        sections: vec![
            Section { heading: Bilingual::new("概览", "Overview"), figures, ..Section::default() },
            Section {
                heading: Bilingual::new("销售与售后", "Sales and after-sales"),
                charts: charts_of(shop_charts(s)),
                ..Section::default()
            },
        ],
    }
}

fn standing_figure(label: &str, s: Option<&Standing>, value: fn(i64) -> String) -> KeyFigure {
    let text = match s {
        Some(s) => format!(
            "{} · P{} · 中位数 median {}",
            value(s.value),
            s.percentile_bp.map_or("—".into(), percent_text),
            s.median.map_or("—".into(), value)
        ),
        None => "—（无订单）".to_owned(),
    };
    KeyFigure::new(label, text)
}

/// The closure-decision report as a document (the PDF on the closure page).
pub fn closure_document(r: &ClosureReport) -> Report {
    let p = &r.peers;
    let money = |fen: i64| format!("¥{}", yuan_text(fen));
    let count = |n: i64| n.to_string();
    let rate = |bp: i64| format!("{}%", percent_text(bp));
    Report {
        title: Bilingual::new("店铺注销决策报告", "Closure-decision report"),
        subtitle: format!("{} · {} · {}", r.shop.name, r.shop.category, period_text(&r.period)),
        sections: vec![
            Section {
                heading: Bilingual::new("趋势摘要", "Trend summary"),
                paragraphs: vec![r.summary_zh.clone(), r.summary_en.clone()],
                figures: sales_figures(&r.totals),
                charts: Vec::new(),
            },
            Section {
                heading: Bilingual::new("同类目对比", "Among shops of the category"),
                paragraphs: vec![format!(
                    "类目「{}」共 {} 家店铺；百分位为低于本店的店铺占比（并列计一半）。Percentile: the share of the category's {} shops below this one (ties count half).",
                    p.category, p.shops, p.shops
                )],
                figures: vec![
                    standing_figure("GMV", Some(&p.gmv_fen), money),
                    standing_figure("订单 Orders", Some(&p.orders), count),
                    standing_figure("退款率 Refund rate", p.refund_rate_bp.as_ref(), rate),
                    standing_figure("投诉率 Complaint rate", p.complaint_rate_bp.as_ref(), rate),
                ],
                charts: Vec::new(),
            },
            Section {
                heading: Bilingual::new("近 12 个月", "Last 12 months"),
                charts: charts_of(closure_report_charts(r)),
                ..Section::default()
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_rates_read_well() {
        assert_eq!(weekday_label("1"), "周一 Mon");
        assert_eq!(weekday_label("7"), "周日 Sun");
        assert_eq!(weekday_label("9"), "9");
        assert_eq!(mix_label("search"), "搜索 search");
        assert_eq!(mix_label("广东"), "广东");
        assert_eq!(bp_text(Some(1250)), "12.50%");
        assert_eq!(bp_text(None), "—");
        assert_eq!(fen_text(Some(123_456)), "¥1234.56");
    }
}
