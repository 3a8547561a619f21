//! Shop operations as small state machines (products, orders, after-sales cases, complaints,
//! commissions, invoice requests) and the deposit policy that turns sales into a required deposit.

text_enum! {
    /// Where a shop stands in its life: it operates, gives notice of closing, or is closed for good.
    ShopStatus {
        Operating => "operating", "营业中";
        NoticePeriod => "notice_period", "注销公示期";
        Closed => "closed", "已注销";
    }
}

text_enum! {
    ProductStatus {
        Listed => "listed", "在售";
        Delisted => "delisted", "已下架";
    }
}

text_enum! {
    /// `paid` → `shipped` → `completed`, or `paid` → `cancelled`.
    OrderStatus {
        Paid => "paid", "待发货";
        Shipped => "shipped", "运输中";
        Completed => "completed", "已完成";
        Cancelled => "cancelled", "已取消";
    }
}

/// What can happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    Ship,
    Complete,
    Cancel,
}

impl OrderStatus {
    /// The status after `event`, or `None` when the order cannot take it from here.
    pub fn after(self, event: OrderEvent) -> Option<OrderStatus> {
        match (self, event) {
            (OrderStatus::Paid, OrderEvent::Ship) => Some(OrderStatus::Shipped),
            (OrderStatus::Paid, OrderEvent::Cancel) => Some(OrderStatus::Cancelled),
            (OrderStatus::Shipped, OrderEvent::Complete) => Some(OrderStatus::Completed),
            _ => None,
        }
    }

    /// Completed and cancelled orders never change again.
    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Completed | OrderStatus::Cancelled)
    }
}

text_enum! {
    /// What a buyer asks for after a sale (售后).
    AfterSalesKind {
        Refund => "refund", "仅退款";
        Return => "return", "退货退款";
        Exchange => "exchange", "换货";
    }
}

text_enum! {
    /// After-sales cases and complaints are `open` until resolved.
    CaseStatus {
        Open => "open", "处理中";
        Resolved => "resolved", "已解决";
    }
}

text_enum! {
    /// A creator's commission: `owed` until the merchant pays it from the shop's proceeds; then
    /// the money waits in `commission_payable` for the creator's payee (`awaiting_payee`) or is
    /// on its way to them (`paying`); `paid` only when the channel reports the payout paid. A
    /// failed or returned payout puts the money back (`payout_failed`) until the platform gives
    /// a payee again.
    CommissionStatus {
        Owed => "owed", "待支付";
        AwaitingPayee => "awaiting_payee", "待达人提供收款账户";
        Paying => "paying", "打款中";
        PayoutFailed => "payout_failed", "打款失败，待更新达人收款账户";
        Paid => "paid", "已到账";
    }
}

impl CommissionStatus {
    /// Whether the platform may (re)direct the commission's payout to a new payee now.
    pub fn takes_payee(self) -> bool {
        matches!(
            self,
            CommissionStatus::Owed | CommissionStatus::AwaitingPayee | CommissionStatus::PayoutFailed
        )
    }
}

text_enum! {
    InvoiceStatus {
        Pending => "pending", "待开票";
        Issued => "issued", "已开票";
    }
}

/// The status of a commission or an invoice request, the two things a shop owes after a sale
/// (they share one row shape in the store). Their texts are disjoint, so the text alone says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DueStatus {
    Commission(CommissionStatus),
    Invoice(InvoiceStatus),
}

impl DueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DueStatus::Commission(status) => status.as_str(),
            DueStatus::Invoice(status) => status.as_str(),
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            DueStatus::Commission(status) => status.name_zh(),
            DueStatus::Invoice(status) => status.name_zh(),
        }
    }

    pub fn parse(text: &str) -> Option<DueStatus> {
        CommissionStatus::parse(text)
            .map(DueStatus::Commission)
            .or_else(|| InvoiceStatus::parse(text).map(DueStatus::Invoice))
    }

    /// Whether the merchant still has to act: a commission not yet paid from the shop, an
    /// invoice not yet issued.
    pub fn waits_for_merchant(self) -> bool {
        matches!(
            self,
            DueStatus::Commission(CommissionStatus::Owed) | DueStatus::Invoice(InvoiceStatus::Pending)
        )
    }

    /// The commission status, when this is one.
    pub fn commission(self) -> Option<CommissionStatus> {
        match self {
            DueStatus::Commission(status) => Some(status),
            DueStatus::Invoice(_) => None,
        }
    }
}

text_conversions!(DueStatus);

/// The basic deposit by sales (DESIGN §2.2), in fen. Tiers are by the previous calendar month's
/// GMV; a new shop needs no deposit until it passes either start threshold (when enabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositPolicy {
    /// (GMV from, required deposit), ascending by GMV; the first tier starts at 0.
    pub tiers: Vec<(i64, i64)>,
    /// Whether new shops start with no deposit.
    pub no_deposit_start: bool,
    /// Lifetime paid orders after which the start ends.
    pub start_orders_max: i64,
    /// Lifetime GMV after which the start ends, in fen.
    pub start_gmv_fen_max: i64,
}

impl Default for DepositPolicy {
    fn default() -> Self {
        DepositPolicy {
            tiers: vec![(0, 50_000), (5_000_000, 200_000), (10_000_000, 500_000)],
            no_deposit_start: true,
            start_orders_max: 200,
            start_gmv_fen_max: 1_000_000,
        }
    }
}

/// What the deposit policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SalesFacts {
    pub paid_orders_total: i64,
    pub gmv_total_fen: i64,
    pub previous_month_gmv_fen: i64,
}

impl DepositPolicy {
    /// The deposit a shop with these sales must hold.
    pub fn required_fen(&self, sales: SalesFacts) -> i64 {
        let in_start = self.no_deposit_start
            && sales.paid_orders_total < self.start_orders_max
            && sales.gmv_total_fen < self.start_gmv_fen_max;
        if in_start {
            return 0;
        }
        self.tiers
            .iter()
            .rev()
            .find(|(from, _)| sales.previous_month_gmv_fen >= *from)
            .map_or(0, |(_, required)| *required)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_status_text_names_one_status_only() {
        for commission in CommissionStatus::ALL {
            assert_eq!(
                InvoiceStatus::parse(commission.as_str()),
                None,
                "{commission} is also an invoice status"
            );
            assert_eq!(DueStatus::parse(commission.as_str()), Some(DueStatus::Commission(*commission)));
        }
        for invoice in InvoiceStatus::ALL {
            assert_eq!(DueStatus::parse(invoice.as_str()), Some(DueStatus::Invoice(*invoice)));
        }
        assert_eq!(
            DueStatus::try_from("refunded".to_owned()),
            Err(crate::UnknownText { kind: "DueStatus", text: "refunded".into() })
        );
    }

    #[test]
    fn orders_follow_their_state_machine() {
        use OrderEvent::*;
        use OrderStatus::*;
        assert_eq!(Paid.after(Ship), Some(Shipped));
        assert_eq!(Paid.after(Cancel), Some(Cancelled));
        assert_eq!(Shipped.after(Complete), Some(Completed));
        assert_eq!(Paid.after(Complete), None, "an order is shipped before it completes");
        assert_eq!(Shipped.after(Cancel), None, "a shipped order goes through after-sales instead");
        for status in [Completed, Cancelled] {
            assert!(status.is_final());
            for event in [Ship, Complete, Cancel] {
                assert_eq!(status.after(event), None);
            }
        }
    }

    fn sales(orders: i64, gmv: i64, previous: i64) -> SalesFacts {
        SalesFacts { paid_orders_total: orders, gmv_total_fen: gmv, previous_month_gmv_fen: previous }
    }

    #[test]
    fn deposit_follows_the_tiers_after_the_start() {
        let policy = DepositPolicy::default();
        assert_eq!(policy.required_fen(sales(0, 0, 0)), 0, "a new shop starts without a deposit");
        assert_eq!(policy.required_fen(sales(199, 999_999, 0)), 0);
        assert_eq!(policy.required_fen(sales(200, 10, 0)), 50_000, "200 paid orders end the start");
        assert_eq!(policy.required_fen(sales(3, 1_000_000, 0)), 50_000, "¥10,000 GMV ends the start");
        assert_eq!(policy.required_fen(sales(500, 9_000_000, 4_999_999)), 50_000);
        assert_eq!(policy.required_fen(sales(500, 9_000_000, 5_000_000)), 200_000);
        assert_eq!(policy.required_fen(sales(500, 9_000_000, 9_999_999)), 200_000);
        assert_eq!(policy.required_fen(sales(500, 90_000_000, 10_000_000)), 500_000);
        let without_start = DepositPolicy { no_deposit_start: false, ..DepositPolicy::default() };
        assert_eq!(without_start.required_fen(sales(0, 0, 0)), 50_000);
    }
}
