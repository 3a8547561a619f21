//! Sales analytics of shops and the closure-decision report. The shop dashboard: orders, GMV,
//! average order value, refund, after-sales and complaint rates by day and by month, and the
//! first-response time to buyer messages. The closure report: the last 12 months by month, the
//! traffic sources of the merchant's accounts, the shop's percentile among the shops of its
//! category, and a plain summary of the trend (numbers only, no advice).

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use domain::analytics::{MixEntry, day_date, mix};
use domain::comments::{ResponseTimes, response_times};
use domain::sales::{SalesFigures, Standing, first_responses, standing, trend_summary};
use store::shops::ShopRow;

use crate::analytics::Period;
use crate::campaigns::day_text;
use crate::clock::{china_date, china_midnight};
use crate::{Actor, App, AppResult};

/// Messages the first-response time looks at, at most.
pub const FIRST_RESPONSE_MESSAGES_MAX: i64 = 100_000;
/// Months the closure report covers, the current one included.
pub const REPORT_MONTHS: u32 = 12;

/// A shop's dashboard over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopAnalytics {
    pub shop_id: i64,
    pub period: Period,
    pub totals: SalesFigures,
    /// Every day of the period, zero where nothing happened.
    pub days: Vec<(NaiveDate, SalesFigures)>,
    /// Every calendar month the period touches ("YYYY-MM"), its days within the period.
    pub months: Vec<(String, SalesFigures)>,
    /// From a buyer's message to the shop's reply, in milliseconds (natural time).
    pub first_response: ResponseTimes,
}

/// The shop's standing among the shops of its category over the report's months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peers {
    pub category: String,
    /// Shops of the category, this one included.
    pub shops: usize,
    pub gmv_fen: Standing,
    pub orders: Standing,
    /// Rates in basis points; shops without orders are left out of the rate peers.
    pub refund_rate_bp: Option<Standing>,
    pub complaint_rate_bp: Option<Standing>,
}

/// The closure-decision report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureReport {
    pub shop: ShopRow,
    /// The first day of the first month and the report's last day (today).
    pub period: Period,
    pub months: Vec<(String, SalesFigures)>,
    pub totals: SalesFigures,
    /// Views of the merchant's enterprise accounts by traffic source over the same months.
    pub traffic_sources: Vec<MixEntry>,
    pub peers: Peers,
    pub summary_zh: String,
    pub summary_en: String,
}

fn month_of(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

/// The first day of the month `back` months before `date`'s.
fn month_start(date: NaiveDate, back: u32) -> NaiveDate {
    let index = date.year() * 12 + date.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1).unwrap_or(date)
}

/// Days of `period` (zero-filled) and the months they make.
fn by_day_and_month(
    period: Period,
    found: &BTreeMap<i64, SalesFigures>,
) -> (Vec<(NaiveDate, SalesFigures)>, Vec<(String, SalesFigures)>) {
    let first = (period.from - day_date(0)).num_days();
    let days: Vec<(NaiveDate, SalesFigures)> = (0..period.days())
        .map(|offset| {
            (period.from + Duration::days(offset), found.get(&(first + offset)).copied().unwrap_or_default())
        })
        .collect();
    let mut months: Vec<(String, SalesFigures)> = Vec::new();
    for (date, figures) in &days {
        let month = month_of(*date);
        match months.last_mut() {
            Some((last, total)) if *last == month => total.add(figures),
            _ => months.push((month, *figures)),
        }
    }
    (days, months)
}

fn total(days: &[(NaiveDate, SalesFigures)]) -> SalesFigures {
    days.iter().fold(SalesFigures::default(), |mut total, (_, f)| {
        total.add(f);
        total
    })
}

fn ms_range(period: Period) -> (i64, i64) {
    (
        china_midnight(period.from).timestamp_millis(),
        china_midnight(period.to + Duration::days(1)).timestamp_millis(),
    )
}

impl App {
    /// A shop's sales dashboard over `period` (the shop's merchant and platform roles).
    pub async fn shop_analytics(
        &self,
        actor: &Actor,
        shop_id: i64,
        period: Period,
    ) -> AppResult<ShopAnalytics> {
        let shop = self.shop(actor, shop_id).await?;
        let (from_ms, to_ms) = ms_range(period);
        let mut conn = self.db().read().await?;
        let found = store::sales::shop_days(&mut conn, shop.id, from_ms, to_ms).await?;
        let messages =
            store::sales::shop_messages(&mut conn, shop.id, from_ms, to_ms, FIRST_RESPONSE_MESSAGES_MAX)
                .await?;
        let (days, months) = by_day_and_month(period, &found);
        Ok(ShopAnalytics {
            shop_id: shop.id,
            period,
            totals: total(&days),
            days,
            months,
            first_response: response_times(first_responses(&messages)),
        })
    }

    /// The closure-decision report of a shop: the current month and the 11 before it.
    pub async fn closure_report(&self, actor: &Actor, shop_id: i64) -> AppResult<ClosureReport> {
        let shop = self.shop(actor, shop_id).await?;
        let today = china_date(self.clock().now());
        let period = Period { from: month_start(today, REPORT_MONTHS - 1), to: today };
        let (from_ms, to_ms) = ms_range(period);
        let mut conn = self.db().read().await?;
        let found = store::sales::shop_days(&mut conn, shop.id, from_ms, to_ms).await?;
        let peers = store::sales::category_shops(&mut conn, &shop.category, from_ms, to_ms).await?;
        let sources = store::analytics::merchant_sources(
            &mut conn,
            shop.merchant_id,
            &day_text(period.from),
            &day_text(period.to),
        )
        .await?;
        drop(conn);
        let (days, months) = by_day_and_month(period, &found);
        let totals = total(&days);
        let (summary_zh, summary_en) = trend_summary(&months);
        Ok(ClosureReport {
            peers: peers_of(&shop.category, &totals, &peers),
            shop,
            period,
            months,
            totals,
            traffic_sources: mix(sources),
            summary_zh,
            summary_en,
        })
    }
}

/// The shop's standing among `peers` (which hold the shop itself).
fn peers_of(category: &str, totals: &SalesFigures, peers: &BTreeMap<i64, SalesFigures>) -> Peers {
    let values = |f: fn(&SalesFigures) -> Option<i64>| peers.values().filter_map(f).collect::<Vec<i64>>();
    let rate =
        |value: Option<i64>, f: fn(&SalesFigures) -> Option<i64>| value.map(|v| standing(v, &values(f)));
    Peers {
        category: category.to_owned(),
        shops: peers.len(),
        gmv_fen: standing(totals.gmv_fen, &values(|f| Some(f.gmv_fen))),
        orders: standing(totals.orders, &values(|f| Some(f.orders))),
        refund_rate_bp: rate(totals.refund_rate_bp(), SalesFigures::refund_rate_bp),
        complaint_rate_bp: rate(totals.complaint_rate_bp(), SalesFigures::complaint_rate_bp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_count_back_across_years() {
        assert_eq!(month_start(d("2026-11-24"), 11), d("2025-12-01"));
        assert_eq!(month_start(d("2026-01-31"), 1), d("2025-12-01"));
        assert_eq!(month_start(d("2026-03-15"), 0), d("2026-03-01"));
    }

    #[test]
    fn days_fill_and_make_months() {
        let period = Period { from: d("2026-01-30"), to: d("2026-02-02") };
        let day = (d("2026-01-31") - day_date(0)).num_days();
        let found =
            BTreeMap::from([(day, SalesFigures { orders: 2, gmv_fen: 300, ..SalesFigures::default() })]);
        let (days, months) = by_day_and_month(period, &found);
        assert_eq!(days.len(), 4);
        assert_eq!(days[1].1.orders, 2);
        assert_eq!(
            months.iter().map(|(m, f)| (m.as_str(), f.orders)).collect::<Vec<_>>(),
            [("2026-01", 2), ("2026-02", 0)]
        );
    }
}
