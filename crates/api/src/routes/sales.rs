//! Sales analytics of shops and the closure-decision report.

use app::sales::{ClosureReport, Peers, ShopAnalytics};
use axum::extract::State;
use domain::sales::{SalesFigures, Standing};
use schemars::JsonSchema;
use serde::Serialize;

use super::analytics::{AnalyticsMixBody, AnalyticsPeriodBody, PeriodQuery, day, mix};
use super::{ANY_ROLE, Answer};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path, Query};
use crate::openapi::{Doc, Method, Routes};

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/v1/shops/{id}/analytics",
            Doc::new("analytics", "The shop's sales over from..to (China dates, default the last 30 days, at most 366): orders and GMV (cancelled orders left out), average order value, refund, after-sales and complaint rates in basis points, by day and by month, and the first-response time to buyer messages")
                .roles(ANY_ROLE)
                .answer::<ShopAnalyticsBody>().query::<PeriodQuery>(),
            get_shop,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/closure/report",
            Doc::new("closure", "The closure-decision report: the current month and the 11 before by month, the traffic sources of the merchant's accounts, the shop's percentile among the shops of its category, and a plain summary of the trend (numbers only)")
                .roles(ANY_ROLE)
                .answer::<ClosureReportBody>(),
            get_report,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/closure/report.pdf",
            Doc::new("closure", "The closure-decision report as an A4 PDF document (the same numbers and charts)")
                .roles(ANY_ROLE)
                .file(&["application/pdf"]),
            get_report_pdf,
        )
}

/// A shop's sales figures, rates in basis points (null without orders).
#[derive(Serialize, JsonSchema)]
struct SalesFiguresBody {
    orders: i64,
    gmv_fen: i64,
    cancelled: i64,
    average_order_fen: Option<i64>,
    refunds: i64,
    refund_rate_bp: Option<i64>,
    after_sales: i64,
    after_sales_rate_bp: Option<i64>,
    complaints: i64,
    complaint_rate_bp: Option<i64>,
}

impl From<&SalesFigures> for SalesFiguresBody {
    fn from(f: &SalesFigures) -> SalesFiguresBody {
        SalesFiguresBody {
            orders: f.orders,
            gmv_fen: f.gmv_fen,
            cancelled: f.cancelled,
            average_order_fen: f.average_order_fen(),
            refunds: f.refunds,
            refund_rate_bp: f.refund_rate_bp(),
            after_sales: f.after_sales,
            after_sales_rate_bp: f.after_sales_rate_bp(),
            complaints: f.complaints,
            complaint_rate_bp: f.complaint_rate_bp(),
        }
    }
}

/// A shop's sales figures of one China day.
#[derive(Serialize, JsonSchema)]
struct SalesDayBody {
    /// `YYYY-MM-DD`.
    day: String,
    #[serde(flatten)]
    figures: SalesFiguresBody,
}

/// A shop's sales figures of one calendar month.
#[derive(Serialize, JsonSchema)]
struct SalesMonthBody {
    /// `YYYY-MM`.
    month: String,
    #[serde(flatten)]
    figures: SalesFiguresBody,
}

fn months(months: &[(String, SalesFigures)]) -> Vec<SalesMonthBody> {
    months
        .iter()
        .map(|(m, f)| SalesMonthBody { month: m.clone(), figures: SalesFiguresBody::from(f) })
        .collect()
}

/// From a buyer's message to the shop's reply, in milliseconds.
#[derive(Serialize, JsonSchema)]
struct ShopFirstResponseBody {
    /// Messages answered.
    answered: usize,
    median_ms: Option<i64>,
    p90_ms: Option<i64>,
}

/// A shop's sales dashboard.
#[derive(Serialize, JsonSchema)]
struct ShopAnalyticsBody {
    shop_id: i64,
    period: AnalyticsPeriodBody,
    totals: SalesFiguresBody,
    days: Vec<SalesDayBody>,
    months: Vec<SalesMonthBody>,
    first_response: ShopFirstResponseBody,
}

impl From<&ShopAnalytics> for ShopAnalyticsBody {
    fn from(a: &ShopAnalytics) -> ShopAnalyticsBody {
        let days =
            a.days.iter().map(|(d, f)| SalesDayBody { day: day(*d), figures: SalesFiguresBody::from(f) });
        ShopAnalyticsBody {
            shop_id: a.shop_id,
            period: AnalyticsPeriodBody::from(&a.period),
            totals: SalesFiguresBody::from(&a.totals),
            days: days.collect(),
            months: months(&a.months),
            first_response: ShopFirstResponseBody {
                answered: a.first_response.count,
                median_ms: a.first_response.median_ms,
                p90_ms: a.first_response.p90_ms,
            },
        }
    }
}

/// The shop's value of one metric, its percentile rank and the category's quartiles.
#[derive(Serialize, JsonSchema)]
struct PeerStandingBody {
    value: i64,
    percentile_bp: Option<i64>,
    category_p25: Option<i64>,
    category_median: Option<i64>,
    category_p75: Option<i64>,
}

impl From<&Standing> for PeerStandingBody {
    fn from(s: &Standing) -> PeerStandingBody {
        PeerStandingBody {
            value: s.value,
            percentile_bp: s.percentile_bp,
            category_p25: s.p25,
            category_median: s.median,
            category_p75: s.p75,
        }
    }
}

/// The shop's standing among the shops of its category.
#[derive(Serialize, JsonSchema)]
struct ShopPeersBody {
    category: String,
    /// Shops of the category, this one included.
    shops: usize,
    gmv_fen: PeerStandingBody,
    orders: PeerStandingBody,
    /// Null when no shop of the category has orders.
    refund_rate_bp: Option<PeerStandingBody>,
    complaint_rate_bp: Option<PeerStandingBody>,
}

impl From<&Peers> for ShopPeersBody {
    fn from(p: &Peers) -> ShopPeersBody {
        ShopPeersBody {
            category: p.category.clone(),
            shops: p.shops,
            gmv_fen: PeerStandingBody::from(&p.gmv_fen),
            orders: PeerStandingBody::from(&p.orders),
            refund_rate_bp: p.refund_rate_bp.as_ref().map(PeerStandingBody::from),
            complaint_rate_bp: p.complaint_rate_bp.as_ref().map(PeerStandingBody::from),
        }
    }
}

/// The report's plain summary of the trend, in Chinese and English.
#[derive(Serialize, JsonSchema)]
struct ClosureReportSummaryBody {
    zh: String,
    en: String,
}

/// The closure-decision report.
#[derive(Serialize, JsonSchema)]
struct ClosureReportBody {
    shop_id: i64,
    shop_name: String,
    period: AnalyticsPeriodBody,
    months: Vec<SalesMonthBody>,
    totals: SalesFiguresBody,
    traffic_sources: Vec<AnalyticsMixBody>,
    peers: ShopPeersBody,
    summary: ClosureReportSummaryBody,
}

impl From<&ClosureReport> for ClosureReportBody {
    fn from(r: &ClosureReport) -> ClosureReportBody {
        ClosureReportBody {
            shop_id: r.shop.id,
            shop_name: r.shop.name.clone(),
            period: AnalyticsPeriodBody::from(&r.period),
            months: months(&r.months),
            totals: SalesFiguresBody::from(&r.totals),
            traffic_sources: mix(&r.traffic_sources),
            peers: ShopPeersBody::from(&r.peers),
            summary: ClosureReportSummaryBody { zh: r.summary_zh.clone(), en: r.summary_en.clone() },
        }
    }
}

async fn get_shop(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<PeriodQuery>,
) -> Answer<ShopAnalyticsBody> {
    let period = query.period(&state)?;
    Ok(Json(ShopAnalyticsBody::from(&state.app.shop_analytics(auth.actor(), id, period).await?)))
}

async fn get_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Answer<ClosureReportBody> {
    Ok(Json(ClosureReportBody::from(&state.app.closure_report(auth.actor(), id).await?)))
}

async fn get_report_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let report = state.app.closure_report(auth.actor(), id).await?;
    let name = format!("closure-report-shop-{}.pdf", report.shop.id);
    let pdf = tokio::task::spawn_blocking(move || app::reports::closure_document(&report).pdf())
        .await
        .map_err(|error| app::AppError::internal(&error))?;
    let headers = [
        (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
        (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
    ];
    Ok((headers, pdf).into_response())
}
