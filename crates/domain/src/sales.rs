//! Sales analytics of shops: the figures of a day, month or period (orders, GMV, average order
//! value, refund, after-sales and complaint rates), a shop's standing among the shops of its
//! category (percentile ranks) and the plain, numbers-only summary of a trend.

use crate::analytics::{average, rate_bp};
use crate::campaigns::{percent_text, uplift_bp};
use crate::comments::nearest_rank;

/// What a shop sold and what went wrong, over some period. Orders and GMV leave out cancelled
/// orders; refunds count after-sales cases asking for money back (refund or return).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SalesFigures {
    pub orders: i64,
    pub gmv_fen: i64,
    pub cancelled: i64,
    pub refunds: i64,
    pub after_sales: i64,
    pub complaints: i64,
}

impl SalesFigures {
    pub fn add(&mut self, other: &SalesFigures) {
        self.orders += other.orders;
        self.gmv_fen += other.gmv_fen;
        self.cancelled += other.cancelled;
        self.refunds += other.refunds;
        self.after_sales += other.after_sales;
        self.complaints += other.complaints;
    }

    /// Average order value in fen; `None` without orders.
    pub fn average_order_fen(&self) -> Option<i64> {
        average(self.gmv_fen, self.orders)
    }

    /// Refunds per order, in basis points.
    pub fn refund_rate_bp(&self) -> Option<i64> {
        rate_bp(self.refunds, self.orders)
    }

    /// After-sales cases per order, in basis points.
    pub fn after_sales_rate_bp(&self) -> Option<i64> {
        rate_bp(self.after_sales, self.orders)
    }

    /// Complaints per order, in basis points.
    pub fn complaint_rate_bp(&self) -> Option<i64> {
        rate_bp(self.complaints, self.orders)
    }
}

/// Where a value stands among its peers (the shop itself included): the percentage of peers
/// below it, ties counting half, in basis points (0 = lowest, 10,000 would be above everyone).
/// `None` without peers.
pub fn percentile_rank_bp(value: i64, peers: &[i64]) -> Option<i64> {
    if peers.is_empty() {
        return None;
    }
    let below = peers.iter().filter(|p| **p < value).count() as i64;
    let equal = peers.iter().filter(|p| **p == value).count() as i64;
    // (below + equal / 2) / n, in basis points, rounded half up: (2·below + equal)·5000 / n.
    rate_bp(2 * below + equal, 2 * peers.len() as i64)
}

/// One metric's standing: the shop's value, its percentile rank and the category's quartiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub value: i64,
    pub percentile_bp: Option<i64>,
    pub p25: Option<i64>,
    pub median: Option<i64>,
    pub p75: Option<i64>,
}

/// A metric's standing among `peers` (unsorted; the shop's own value among them).
pub fn standing(value: i64, peers: &[i64]) -> Standing {
    let mut sorted = peers.to_vec();
    sorted.sort_unstable();
    Standing {
        value,
        percentile_bp: percentile_rank_bp(value, &sorted),
        p25: nearest_rank(&sorted, 25),
        median: nearest_rank(&sorted, 50),
        p75: nearest_rank(&sorted, 75),
    }
}

/// Fen as yuan with two decimals: 123456 → "1234.56".
pub fn yuan_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A plain summary of twelve months (oldest first) in Chinese and English: the last three months
/// against the three before, for GMV, orders and the refund rate; the best and worst month.
/// Numbers only; no advice.
pub fn trend_summary(months: &[(String, SalesFigures)]) -> (String, String) {
    if months.iter().all(|(_, m)| m.orders == 0 && m.gmv_fen == 0) {
        return ("近 12 个月没有成交。".into(), "No sales in the last 12 months.".into());
    }
    let sum = |part: &[(String, SalesFigures)]| {
        part.iter().fold(SalesFigures::default(), |mut total, (_, m)| {
            total.add(m);
            total
        })
    };
    let n = months.len();
    let recent = sum(&months[n.saturating_sub(3)..]);
    let before = sum(&months[n.saturating_sub(6)..n.saturating_sub(3)]);
    let change = |now: i64, then: i64, zh: &str, en: &str| match uplift_bp(now, then) {
        Some(bp) if bp >= 0 => {
            (format!("{zh}上升 {}%", percent_text(bp)), format!("{en} up {}%", percent_text(bp)))
        }
        Some(bp) => (format!("{zh}下降 {}%", percent_text(-bp)), format!("{en} down {}%", percent_text(-bp))),
        None => (format!("{zh}此前为 0"), format!("{en} was 0 before")),
    };
    let gmv = change(recent.gmv_fen, before.gmv_fen, "GMV ", "GMV");
    let orders = change(recent.orders, before.orders, "订单数", "orders");
    let rate = |f: &SalesFigures| {
        f.refund_rate_bp().map_or("—".to_string(), |bp| format!("{}%", percent_text(bp)))
    };
    let best = months.iter().rev().max_by_key(|(_, m)| m.gmv_fen).map(|(k, m)| (k.clone(), m.gmv_fen));
    let worst = months.iter().min_by_key(|(_, m)| m.gmv_fen).map(|(k, m)| (k.clone(), m.gmv_fen));
    let (best, worst) = (best.unwrap_or_default(), worst.unwrap_or_default());
    let zh = format!(
        "近 3 个月与此前 3 个月相比：{}，{}；退款率 {} → {}。GMV 最高的月份 {}（¥{}），最低 {}（¥{}）。",
        gmv.0,
        orders.0,
        rate(&before),
        rate(&recent),
        best.0,
        yuan_text(best.1),
        worst.0,
        yuan_text(worst.1)
    );
    let en = format!(
        "Last 3 months against the 3 before: {}, {}; refund rate {} → {}. Highest GMV month {} (¥{}), lowest {} (¥{}).",
        gmv.1,
        orders.1,
        rate(&before),
        rate(&recent),
        best.0,
        yuan_text(best.1),
        worst.0,
        yuan_text(worst.1)
    );
    (zh, en)
}

/// First-response times of buyer messages: for each run of buyer messages in a conversation,
/// the time from its first message to the shop's next reply (a run still waiting counts nowhere).
/// `messages` are `(conversation_id, from_buyer, at_ms)` sorted by conversation then time.
pub fn first_responses(messages: &[(i64, bool, i64)]) -> Vec<i64> {
    let mut times = Vec::new();
    let mut waiting: Option<(i64, i64)> = None;
    for &(conversation, from_buyer, at_ms) in messages {
        if waiting.is_some_and(|(c, _)| c != conversation) {
            waiting = None;
        }
        match (from_buyer, waiting) {
            (true, None) => waiting = Some((conversation, at_ms)),
            (false, Some((_, since))) => {
                times.push(at_ms - since);
                waiting = None;
            }
            _ => {}
        }
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_ranks_on_a_known_distribution() {
        let peers: Vec<i64> = (1..=100).collect();
        // 49 below, one equal: 49.5%.
        assert_eq!(percentile_rank_bp(50, &peers), Some(4950));
        assert_eq!(percentile_rank_bp(1, &peers), Some(50));
        assert_eq!(percentile_rank_bp(100, &peers), Some(9950));
        assert_eq!(percentile_rank_bp(1000, &peers), Some(10_000));
        assert_eq!(percentile_rank_bp(0, &peers), Some(0));
        // All equal: the middle.
        assert_eq!(percentile_rank_bp(7, &[7, 7, 7, 7]), Some(5000));
        assert_eq!(percentile_rank_bp(7, &[]), None);
        let s = standing(50, &peers);
        assert_eq!((s.p25, s.median, s.p75), (Some(25), Some(50), Some(75)));
    }

    #[test]
    fn first_responses_follow_runs_of_buyer_messages() {
        let messages = [
            (1, true, 100),
            (1, true, 150),
            (1, false, 400),
            (1, false, 500),
            (1, true, 900),
            (2, true, 10),
            (2, false, 70),
            (3, true, 5),
        ];
        assert_eq!(first_responses(&messages), vec![300, 60]);
    }

    #[test]
    fn figures_derive_rates() {
        let f = SalesFigures {
            orders: 8,
            gmv_fen: 10_000,
            cancelled: 1,
            refunds: 2,
            after_sales: 3,
            complaints: 1,
        };
        assert_eq!(f.average_order_fen(), Some(1250));
        assert_eq!(f.refund_rate_bp(), Some(2500));
        assert_eq!(f.after_sales_rate_bp(), Some(3750));
        assert_eq!(f.complaint_rate_bp(), Some(1250));
        assert_eq!(SalesFigures::default().refund_rate_bp(), None);
        assert_eq!(yuan_text(123_456), "1234.56");
        assert_eq!(yuan_text(-5), "-0.05");
    }

    #[test]
    fn the_summary_states_the_numbers() {
        let month = |k: &str, orders, gmv_fen, refunds| {
            (k.to_string(), SalesFigures { orders, gmv_fen, refunds, ..SalesFigures::default() })
        };
        let months = vec![
            month("2026-01", 10, 100_000, 1),
            month("2026-02", 10, 100_000, 1),
            month("2026-03", 10, 100_000, 1),
            month("2026-04", 5, 50_000, 1),
            month("2026-05", 5, 50_000, 1),
            month("2026-06", 5, 50_000, 2),
        ];
        let (zh, en) = trend_summary(&months);
        assert!(zh.contains("GMV 下降 50.00%"), "{zh}");
        assert!(zh.contains("订单数下降 50.00%"), "{zh}");
        assert!(zh.contains("退款率 10.00% → 26.67%"), "{zh}");
        assert!(zh.contains("最高的月份 2026-01（¥1000.00）"), "{zh}");
        assert!(en.contains("GMV down 50.00%"), "{en}");
        let (zh, _) = trend_summary(&[month("2026-01", 0, 0, 0)]);
        assert_eq!(zh, "近 12 个月没有成交。");
    }
}
