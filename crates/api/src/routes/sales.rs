//! Sales analytics of shops and the closure-decision report.

use app::sales::{ClosureReport, Peers, ShopAnalytics};
use axum::extract::State;
use domain::sales::{SalesFigures, Standing};
use serde_json::{Value, json};

use super::ANY_ROLE;
use super::analytics::{PeriodQuery, day, mix_json, period_json};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Path, Query};
use crate::openapi::{Doc, Method, Routes};

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/v1/shops/{id}/analytics",
            Doc::new("analytics", "The shop's sales over from..to (China dates, default the last 30 days, at most 366): orders and GMV (cancelled orders left out), average order value, refund, after-sales and complaint rates in basis points, by day and by month, and the first-response time to buyer messages")
                .roles(ANY_ROLE),
            get_shop,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/closure/report",
            Doc::new("closure", "The closure-decision report: the current month and the 11 before by month, the traffic sources of the merchant's accounts, the shop's percentile among the shops of its category, and a plain summary of the trend (numbers only)")
                .roles(ANY_ROLE),
            get_report,
        )
        .add(
            Method::Get,
            "/api/v1/shops/{id}/closure/report.pdf",
            Doc::new("closure", "The closure-decision report as an A4 PDF document (the same numbers and charts)")
                .roles(ANY_ROLE),
            get_report_pdf,
        )
}

pub(crate) fn figures_json(f: &SalesFigures) -> Value {
    json!({
        "orders": f.orders,
        "gmv_fen": f.gmv_fen,
        "cancelled": f.cancelled,
        "average_order_fen": f.average_order_fen(),
        "refunds": f.refunds,
        "refund_rate_bp": f.refund_rate_bp(),
        "after_sales": f.after_sales,
        "after_sales_rate_bp": f.after_sales_rate_bp(),
        "complaints": f.complaints,
        "complaint_rate_bp": f.complaint_rate_bp(),
    })
}

fn keyed(key: &str, value: &str, f: &SalesFigures) -> Value {
    let mut json = figures_json(f);
    if let Some(object) = json.as_object_mut() {
        object.insert(key.into(), Value::String(value.to_owned()));
    }
    json
}

fn shop_json(a: &ShopAnalytics) -> Value {
    json!({
        "shop_id": a.shop_id,
        "period": period_json(&a.period),
        "totals": figures_json(&a.totals),
        "days": a.days.iter().map(|(d, f)| keyed("day", &day(*d), f)).collect::<Vec<_>>(),
        "months": a.months.iter().map(|(m, f)| keyed("month", m, f)).collect::<Vec<_>>(),
        "first_response": {
            "answered": a.first_response.count,
            "median_ms": a.first_response.median_ms,
            "p90_ms": a.first_response.p90_ms,
        },
    })
}

fn standing_json(s: &Standing) -> Value {
    json!({
        "value": s.value,
        "percentile_bp": s.percentile_bp,
        "category_p25": s.p25,
        "category_median": s.median,
        "category_p75": s.p75,
    })
}

fn peers_json(p: &Peers) -> Value {
    json!({
        "category": p.category,
        "shops": p.shops,
        "gmv_fen": standing_json(&p.gmv_fen),
        "orders": standing_json(&p.orders),
        "refund_rate_bp": p.refund_rate_bp.as_ref().map(standing_json),
        "complaint_rate_bp": p.complaint_rate_bp.as_ref().map(standing_json),
    })
}

pub(crate) fn report_json(r: &ClosureReport) -> Value {
    json!({
        "shop_id": r.shop.id,
        "shop_name": r.shop.name,
        "period": period_json(&r.period),
        "months": r.months.iter().map(|(m, f)| keyed("month", m, f)).collect::<Vec<_>>(),
        "totals": figures_json(&r.totals),
        "traffic_sources": mix_json(&r.traffic_sources),
        "peers": peers_json(&r.peers),
        "summary": { "zh": r.summary_zh, "en": r.summary_en },
    })
}

async fn get_shop(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(query): Query<PeriodQuery>,
) -> ApiResult<axum::Json<Value>> {
    let period = query.period(&state)?;
    Ok(axum::Json(shop_json(&state.app.shop_analytics(auth.actor(), id, period).await?)))
}

async fn get_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(report_json(&state.app.closure_report(auth.actor(), id).await?)))
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
