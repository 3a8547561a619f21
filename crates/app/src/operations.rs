//! Shop operations a closure depends on: products, orders, after-sales cases, complaints, buyer
//! conversations, settlement of order proceeds through the ledger, withdrawals, creator
//! commissions and invoice requests. Every write that changes what a closure check sees locks the
//! shop's activity row first and updates its counter in the same transaction.

use chrono::{Datelike, Days};
use domain::auth::Role;
use domain::ledger::{AccountCode, Overdraft};
use domain::limits::{
    BUYER_ID_LENGTH_MAX, CONVERSATION_MESSAGES_MAX, INVOICE_NUMBER_LENGTH_MAX, MESSAGE_LENGTH_MAX,
    ORDER_AMOUNT_FEN_MAX, PRODUCT_TITLE_LENGTH_MAX,
};
use domain::money::Amount;
use domain::operations::{
    AfterSalesKind, CaseStatus, CommissionStatus, InvoiceStatus, OrderEvent, OrderStatus, ProductStatus,
    ShopStatus,
};
use domain::payouts::PayoutPurpose;
use domain::team::TeamRight;
use domain::violation::bounded_text;
use store::jobs::JobRow;
use store::operations::{self as rows, ActivityRow, Counter, NewCommission, NewOrder, OpenFirst};
pub use store::operations::{
    CaseRow, CaseTable, ConversationRow, DueRow, DueTable, MessageRow, OrderRow, ProductRow,
};
use store::shops::ShopRow;

use crate::audit::{Page, before_id, cursor_numbers, given, page_size};
use crate::clock::china_date;
use crate::jobs::JobKind;
use crate::ledger::{
    AccountRef, BatchError, IdempotencyClaim, MoneyCommand, MoneyOutcome, Movement, MovementOp,
    retry_on_key_conflict,
};
use crate::payouts::{Payee, PayeeInput, PayoutRequest};
use crate::shops::can_see;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// A shop's order proceeds by stage, in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementView {
    pub settling_fen: i64,
    pub withdrawable_fen: i64,
}

/// One conversation with its latest messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationView {
    pub conversation: ConversationRow,
    pub messages: Vec<MessageRow>,
}

fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    bounded_text(value, max).ok_or_else(|| AppError::invalid(field, &format!("1-{max} characters")))
}

fn amount(field: &str, fen: i64) -> AppResult<Amount> {
    Amount::parse(fen).ok().filter(|a| a.get() <= ORDER_AMOUNT_FEN_MAX).ok_or_else(|| {
        AppError::new(Code::InvalidAmount, format!("{field} must be 1 to {ORDER_AMOUNT_FEN_MAX}"))
    })
}

fn status_conflict(what: &str, status: &str, action: &str) -> AppError {
    AppError::new(Code::StatusConflict, format!("the {what} is {status}; it cannot be {action}"))
}

fn not_operating(shop: &ShopRow) -> AppError {
    AppError::new(Code::ShopNotOperating, format!("the shop is {}", shop.status))
}

fn month_of(at_ms: i64) -> String {
    let at = chrono::DateTime::from_timestamp_millis(at_ms).unwrap_or_default();
    china_date(at).format("%Y-%m").to_string()
}

impl App {
    /// Locks the shop's activity row (ordering this write against closure checks), then reads the
    /// shop; another merchant's shop is "not found".
    pub(crate) async fn lock_shop(
        &self,
        tx: &mut store::Conn,
        actor: &Actor,
        shop_id: i64,
    ) -> AppResult<(ShopRow, ActivityRow)> {
        let activity = rows::lock_activity(tx, self.db().backend(), shop_id).await?;
        let shop = store::shops::find_shop(tx, shop_id).await?;
        match (shop, activity) {
            (Some(shop), Some(activity)) if can_see(actor, &shop) => Ok((shop, activity)),
            _ => Err(AppError::not_found("shop")),
        }
    }

    /// The id of one of a shop's own ledger accounts.
    pub(crate) async fn shop_account(
        &self,
        conn: &mut store::Conn,
        shop_id: i64,
        code: AccountCode,
    ) -> AppResult<i64> {
        let row = store::ledger::find_shop_account(conn, shop_id, code.as_str()).await?;
        row.map(|r| r.id)
            .ok_or_else(|| AppError::internal(&format!("shop {shop_id} has no {} account", code.as_str())))
    }

    async fn account_balance(
        &self,
        conn: &mut store::Conn,
        shop_id: i64,
        code: AccountCode,
    ) -> AppResult<i64> {
        let row = store::ledger::find_shop_account(conn, shop_id, code.as_str()).await?;
        match row {
            Some(row) => Ok(crate::ledger::account_from_row(&row)?.available().get()),
            None => Ok(0),
        }
    }

    // ----- products -----

    pub async fn create_product(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        title: &str,
        price_fen: i64,
    ) -> AppResult<ProductRow> {
        ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let title = text("title", title, PRODUCT_TITLE_LENGTH_MAX)?;
        let price = amount("price_fen", price_fen)?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        if shop.status != ShopStatus::Operating {
            return Err(not_operating(&shop));
        }
        let id =
            rows::insert_product(&mut tx, shop.merchant_id, shop.id, &title, price.get(), now_ms).await?;
        rows::bump(&mut tx, shop.id, Counter::ProductsListed, 1).await?;
        self.audit_for(
            &mut tx,
            ctx,
            "product.create",
            &format!("product:{id}"),
            &title,
            Some(shop.merchant_id),
        )
        .await?;
        let product =
            rows::find_product(&mut tx, id).await?.ok_or_else(|| AppError::internal(&"product vanished"))?;
        tx.commit().await?;
        Ok(product)
    }

    pub async fn delist_product(&self, ctx: &Ctx, product_id: i64) -> AppResult<ProductRow> {
        ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let now_ms = self.clock().now_ms();
        let shop_id = self.product(&ctx.actor, product_id).await?.shop_id;
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let (from, to) = (ProductStatus::Listed.as_str(), ProductStatus::Delisted.as_str());
        if !rows::transition(&mut tx, "products", product_id, from, to, "updated_at_ms", now_ms).await? {
            return Err(status_conflict("product", "delisted", "delisted again"));
        }
        rows::bump(&mut tx, shop.id, Counter::ProductsListed, -1).await?;
        self.audit_for(
            &mut tx,
            ctx,
            "product.delist",
            &format!("product:{product_id}"),
            "",
            Some(shop.merchant_id),
        )
        .await?;
        let product =
            rows::find_product(&mut tx, product_id).await?.ok_or_else(|| AppError::not_found("product"))?;
        tx.commit().await?;
        Ok(product)
    }

    pub async fn product(&self, actor: &Actor, product_id: i64) -> AppResult<ProductRow> {
        let mut conn = self.db().read().await?;
        let product =
            rows::find_product(&mut conn, product_id).await?.ok_or_else(|| AppError::not_found("product"))?;
        drop(conn);
        self.shop(actor, product.shop_id).await.map_err(|_| AppError::not_found("product"))?;
        Ok(product)
    }

    /// A shop's products, newest first, a page at a time (the cursor: the last product id seen).
    pub async fn products(
        &self,
        actor: &Actor,
        shop_id: i64,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> AppResult<Page<ProductRow>> {
        let shop = self.shop(actor, shop_id).await?;
        let mut conn = self.db().read().await?;
        let (before, limit) = (before_id(cursor)?, page_size(limit));
        let items = rows::products(&mut conn, shop.id, before, i64::from(limit)).await?;
        Ok(Page::after_last(items, limit, |product| product.id.to_string()))
    }

    // ----- orders -----

    /// The platform's order system records a paid order; only an operating shop accepts one.
    pub async fn create_order(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        product_id: i64,
        buyer_id: &str,
        amount_fen: i64,
    ) -> AppResult<OrderRow> {
        ctx.actor.require(&[Role::Service])?;
        let buyer_id = text("buyer_id", buyer_id, BUYER_ID_LENGTH_MAX)?;
        let amount = amount("amount_fen", amount_fen)?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        if shop.status != ShopStatus::Operating {
            let detail = format!("the shop is {} and accepts no new orders", shop.status);
            return Err(AppError::new(Code::ShopNotAcceptingOrders, detail));
        }
        let product = rows::find_product(&mut tx, product_id).await?.filter(|p| p.shop_id == shop.id);
        match product {
            Some(p) if p.status == ProductStatus::Listed => {}
            Some(_) => return Err(status_conflict("product", "delisted", "ordered")),
            None => return Err(AppError::not_found("product")),
        }
        let order = NewOrder {
            merchant_id: shop.merchant_id,
            shop_id: shop.id,
            product_id,
            buyer_id: &buyer_id,
            amount_fen: amount.get(),
            now_ms,
        };
        let id = rows::insert_order(&mut tx, &order).await?;
        rows::bump(&mut tx, shop.id, Counter::OrdersUnshipped, 1).await?;
        rows::record_sale(&mut tx, shop.merchant_id, shop.id, &month_of(now_ms), 1, amount.get()).await?;
        let detail = format!("amount_fen={} product={product_id}", amount.get());
        self.audit_for(&mut tx, ctx, "order.create", &format!("order:{id}"), &detail, Some(shop.merchant_id))
            .await?;
        let order =
            rows::find_order(&mut tx, id).await?.ok_or_else(|| AppError::internal(&"order vanished"))?;
        tx.commit().await?;
        Ok(order)
    }

    pub async fn order(&self, actor: &Actor, order_id: i64) -> AppResult<OrderRow> {
        let mut conn = self.db().read().await?;
        let order =
            rows::find_order(&mut conn, order_id).await?.ok_or_else(|| AppError::not_found("order"))?;
        drop(conn);
        self.shop(actor, order.shop_id).await.map_err(|_| AppError::not_found("order"))?;
        Ok(order)
    }

    /// A shop's orders, newest first, a page at a time, optionally in one status. The cursor is the
    /// last order id of the page before: keyset, so orders placed meanwhile neither repeat nor hide one.
    pub async fn orders(
        &self,
        actor: &Actor,
        shop_id: i64,
        status: Option<&str>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> AppResult<Page<OrderRow>> {
        let shop = self.shop(actor, shop_id).await?;
        if let Some(status) = status {
            OrderStatus::parse(status)
                .ok_or_else(|| AppError::invalid("status", "paid, shipped, completed or cancelled"))?;
        }
        let before = before_id(cursor)?;
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items = rows::orders(&mut conn, shop.id, status, before, i64::from(limit)).await?;
        Ok(Page::after_last(items, limit, |order| order.id.to_string()))
    }

    /// The merchant ships a paid order.
    pub async fn ship_order(&self, ctx: &Ctx, order_id: i64) -> AppResult<OrderRow> {
        ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        self.order_event(ctx, order_id, OrderEvent::Ship).await
    }

    /// The buyer confirmed receipt (reported by the order system): the proceeds start settling.
    pub async fn complete_order(&self, ctx: &Ctx, order_id: i64) -> AppResult<OrderRow> {
        ctx.actor.require(&[Role::Service])?;
        self.order_event(ctx, order_id, OrderEvent::Complete).await
    }

    /// A paid order is cancelled before shipping (by the order system or the merchant).
    pub async fn cancel_order(&self, ctx: &Ctx, order_id: i64) -> AppResult<OrderRow> {
        ctx.actor.require(&[Role::Service, Role::Merchant])?;
        ctx.actor.require_team_when_member(&[TeamRight::ManageMerchant])?;
        self.order_event(ctx, order_id, OrderEvent::Cancel).await
    }

    async fn order_event(&self, ctx: &Ctx, order_id: i64, event: OrderEvent) -> AppResult<OrderRow> {
        let shop_id = self.order(&ctx.actor, order_id).await?.shop_id;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let order = rows::find_order(&mut tx, order_id).await?.ok_or_else(|| AppError::not_found("order"))?;
        let from = order.status;
        let (verb, at_column) = match event {
            OrderEvent::Ship => ("shipped", "shipped_at_ms"),
            OrderEvent::Complete => ("completed", "closed_at_ms"),
            OrderEvent::Cancel => ("cancelled", "closed_at_ms"),
        };
        let to = from.after(event).ok_or_else(|| status_conflict("order", from.as_str(), verb))?;
        if !rows::transition(&mut tx, "orders", order.id, from.as_str(), to.as_str(), at_column, now_ms)
            .await?
        {
            return Err(status_conflict("order", from.as_str(), verb));
        }
        match event {
            OrderEvent::Ship => {
                rows::bump(&mut tx, shop.id, Counter::OrdersUnshipped, -1).await?;
                rows::bump(&mut tx, shop.id, Counter::OrdersInTransit, 1).await?;
            }
            OrderEvent::Complete => {
                rows::bump(&mut tx, shop.id, Counter::OrdersInTransit, -1).await?;
                rows::order_closed(&mut tx, shop.id, now_ms).await?;
                self.start_settling(&mut tx, &shop, &order, now_ms).await?;
            }
            OrderEvent::Cancel => {
                rows::bump(&mut tx, shop.id, Counter::OrdersUnshipped, -1).await?;
                rows::order_closed(&mut tx, shop.id, now_ms).await?;
                rows::record_sale(
                    &mut tx,
                    shop.merchant_id,
                    shop.id,
                    &month_of(order.created_at_ms),
                    -1,
                    -order.amount_fen,
                )
                .await?;
            }
        }
        let action = format!(
            "order.{}",
            match event {
                OrderEvent::Ship => "ship",
                OrderEvent::Complete => "complete",
                OrderEvent::Cancel => "cancel",
            }
        );
        self.audit_for(&mut tx, ctx, &action, &format!("order:{order_id}"), "", Some(shop.merchant_id))
            .await?;
        let order = rows::find_order(&mut tx, order_id).await?.ok_or_else(|| AppError::not_found("order"))?;
        tx.commit().await?;
        Ok(order)
    }

    /// Credits a completed order's amount to the shop's settling proceeds and schedules the day
    /// they become withdrawable.
    async fn start_settling(
        &self,
        tx: &mut store::WriteTx,
        shop: &ShopRow,
        order: &OrderRow,
        now_ms: i64,
    ) -> AppResult<()> {
        let settling = self.shop_account(tx, shop.id, AccountCode::ShopSettling).await?;
        let movement = Movement {
            op: MovementOp::Post {
                debit: AccountRef::Platform(AccountCode::PaymentClearing, shop.id as u64),
                credit: AccountRef::Row(settling),
                amount: amount("amount_fen", order.amount_fen)?,
                overdraft: Overdraft::Allowed,
            },
            reason: "order_completed",
            reference: format!("order:{}", order.id),
            shop_id: Some(shop.id),
            merchant_id: Some(shop.merchant_id),
        };
        self.apply_one(tx, MoneyCommand::single(movement, shop.merchant_id), now_ms).await?;
        let delay = self.config().settlement_delay_days;
        let due_at = self.clock().now() + chrono::Duration::days(delay);
        let settle_on = china_date(due_at).to_string();
        rows::set_settle_on(tx, order.id, &settle_on).await?;
        let subject = format!("order:{}", order.id);
        self.enqueue_job(tx, JobKind::OrderSettlement, &subject, "", due_at, Some(shop.merchant_id)).await?;
        Ok(())
    }

    /// The settlement delay of an order ended: its proceeds become withdrawable.
    pub(crate) async fn run_order_settlement(
        &self,
        tx: &mut store::WriteTx,
        job: &JobRow,
    ) -> AppResult<String> {
        let order_id: i64 = job
            .subject
            .strip_prefix("order:")
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| AppError::internal(&format!("job {} has a bad subject", job.id)))?;
        let now_ms = self.clock().now_ms();
        let order = rows::find_order(tx, order_id).await?.ok_or_else(|| AppError::not_found("order"))?;
        let (shop, _) = self.lock_shop(tx, &Actor::system("jobs"), order.shop_id).await?;
        if !rows::mark_settled(tx, order.id, now_ms).await? {
            return Ok("already settled".into());
        }
        let movement = Movement {
            op: MovementOp::Post {
                debit: AccountRef::Row(self.shop_account(tx, shop.id, AccountCode::ShopSettling).await?),
                credit: AccountRef::Row(self.shop_account(tx, shop.id, AccountCode::ShopSettlement).await?),
                amount: amount("amount_fen", order.amount_fen)?,
                overdraft: Overdraft::Refused,
            },
            reason: "order_settled",
            reference: format!("order:{}", order.id),
            shop_id: Some(shop.id),
            merchant_id: Some(shop.merchant_id),
        };
        self.apply_one(tx, MoneyCommand::single(movement, shop.merchant_id), now_ms).await?;
        Ok(format!("order={} amount_fen={}", order.id, order.amount_fen))
    }

    pub async fn settlement(&self, actor: &Actor, shop_id: i64) -> AppResult<SettlementView> {
        actor.require_team_when_member(&[TeamRight::ViewMoney])?;
        let shop = self.shop(actor, shop_id).await?;
        let mut conn = self.db().read().await?;
        Ok(SettlementView {
            settling_fen: self.account_balance(&mut conn, shop.id, AccountCode::ShopSettling).await?,
            withdrawable_fen: self.account_balance(&mut conn, shop.id, AccountCode::ShopSettlement).await?,
        })
    }

    /// The merchant withdraws settled proceeds to the payout account (idempotent by key).
    pub async fn withdraw(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        amount_fen: i64,
        claim: IdempotencyClaim,
    ) -> AppResult<MoneyOutcome> {
        retry_on_key_conflict(|| self.withdraw_once(ctx, shop_id, amount_fen, claim.clone())).await
    }

    async fn withdraw_once(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        amount_fen: i64,
        claim: IdempotencyClaim,
    ) -> Result<MoneyOutcome, BatchError> {
        ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let amount = Amount::parse(amount_fen)
            .map_err(|_| AppError::new(Code::InvalidAmount, "amount_fen must be a positive number of fen"))?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let payout = store::closure::find_payout(&mut tx, shop.id).await?.ok_or_else(|| {
            AppError::new(Code::PayoutAccountMissing, "set the shop's payout account first")
        })?;
        let withdrawable = self.shop_account(&mut tx, shop.id, AccountCode::ShopSettlement).await?;
        // The withdrawal is a payout: its money is in flight until the channel confirms it, and
        // goes back to the withdrawable proceeds when the payout fails or is returned.
        let request = PayoutRequest {
            shop: &shop,
            purpose: PayoutPurpose::Withdrawal,
            reference: format!("withdrawal:{}", shop.id),
            amount,
            source: AccountRef::Row(withdrawable),
            payee: &payout,
            claim: Some(claim),
            report_account: Some(withdrawable),
        };
        let (created, outcome) = self.request_payout(&mut tx, ctx, request, now_ms).await?;
        if created.is_none() {
            return Ok(outcome);
        }
        let detail = format!("amount_fen={}", amount.get());
        self.audit_for(
            &mut tx,
            ctx,
            "settlement.withdraw",
            &format!("shop:{}", shop.id),
            &detail,
            Some(shop.merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    // ----- after-sales cases and complaints -----

    /// A buyer asks for a refund, return or exchange on a shipped or completed order.
    pub async fn open_after_sales(
        &self,
        ctx: &Ctx,
        order_id: i64,
        kind: &str,
        reason: &str,
    ) -> AppResult<CaseRow> {
        ctx.actor.require(&[Role::Service])?;
        let kind = AfterSalesKind::parse(kind)
            .ok_or_else(|| AppError::invalid("kind", "refund, return or exchange"))?;
        let reason = text("reason", reason, MESSAGE_LENGTH_MAX)?;
        let shop_id = self.order(&ctx.actor, order_id).await?.shop_id;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let order = rows::find_order(&mut tx, order_id).await?.ok_or_else(|| AppError::not_found("order"))?;
        if !matches!(order.status, OrderStatus::Shipped | OrderStatus::Completed) {
            return Err(status_conflict(
                "order",
                order.status.as_str(),
                "given an after-sales case (cancel it instead)",
            ));
        }
        let id = rows::insert_after_sales(&mut tx, shop.merchant_id, &order, kind.as_str(), &reason, now_ms)
            .await?;
        rows::bump(&mut tx, shop.id, Counter::AfterSalesOpen, 1).await?;
        self.audit_for(
            &mut tx,
            ctx,
            "after_sales.open",
            &format!("after_sales:{id}"),
            kind.as_str(),
            Some(shop.merchant_id),
        )
        .await?;
        let case = rows::find_case(&mut tx, CaseTable::AfterSales, id)
            .await?
            .ok_or_else(|| AppError::internal(&"case vanished"))?;
        tx.commit().await?;
        Ok(case)
    }

    /// A buyer complains about a shop (any time, even after closure: it then weighs on the refund).
    pub async fn open_complaint(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        buyer_id: &str,
        complaint: &str,
    ) -> AppResult<CaseRow> {
        ctx.actor.require(&[Role::Service])?;
        let buyer_id = text("buyer_id", buyer_id, BUYER_ID_LENGTH_MAX)?;
        let complaint = text("text", complaint, MESSAGE_LENGTH_MAX)?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let id =
            rows::insert_complaint(&mut tx, shop.merchant_id, shop.id, &buyer_id, &complaint, now_ms).await?;
        rows::bump(&mut tx, shop.id, Counter::ComplaintsOpen, 1).await?;
        self.audit_for(
            &mut tx,
            ctx,
            "complaint.open",
            &format!("complaint:{id}"),
            "",
            Some(shop.merchant_id),
        )
        .await?;
        let case = rows::find_case(&mut tx, CaseTable::Complaints, id)
            .await?
            .ok_or_else(|| AppError::internal(&"case vanished"))?;
        tx.commit().await?;
        Ok(case)
    }

    /// The merchant resolves an after-sales case; a reviewer resolves a complaint.
    pub async fn resolve_case(
        &self,
        ctx: &Ctx,
        table: CaseTable,
        id: i64,
        resolution: &str,
    ) -> AppResult<CaseRow> {
        let (role, counter, what) = match table {
            CaseTable::AfterSales => (Role::Merchant, Counter::AfterSalesOpen, "after_sales"),
            CaseTable::Complaints => (Role::Reviewer, Counter::ComplaintsOpen, "complaint"),
        };
        ctx.actor.require(&[role])?;
        ctx.actor.require_team_when_member(&[TeamRight::ManageMerchant])?;
        let resolution = text("resolution", resolution, MESSAGE_LENGTH_MAX)?;
        let shop_id = self.case(&ctx.actor, table, id).await?.shop_id;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let (open, resolved) = (CaseStatus::Open.as_str(), CaseStatus::Resolved.as_str());
        if !rows::transition(&mut tx, table.table(), id, open, resolved, "resolved_at_ms", now_ms).await? {
            return Err(status_conflict(what, "resolved", "resolved again"));
        }
        rows::set_text(&mut tx, table.table(), "resolution", id, &resolution).await?;
        rows::bump(&mut tx, shop.id, counter, -1).await?;
        self.audit_for(
            &mut tx,
            ctx,
            &format!("{what}.resolve"),
            &format!("{what}:{id}"),
            "",
            Some(shop.merchant_id),
        )
        .await?;
        let case = rows::find_case(&mut tx, table, id).await?.ok_or_else(|| AppError::not_found(what))?;
        tx.commit().await?;
        Ok(case)
    }

    pub async fn case(&self, actor: &Actor, table: CaseTable, id: i64) -> AppResult<CaseRow> {
        let what = if table == CaseTable::AfterSales { "after-sales case" } else { "complaint" };
        let mut conn = self.db().read().await?;
        let case = rows::find_case(&mut conn, table, id).await?.ok_or_else(|| AppError::not_found(what))?;
        drop(conn);
        self.shop(actor, case.shop_id).await.map_err(|_| AppError::not_found(what))?;
        Ok(case)
    }

    /// A shop's after-sales cases or complaints, open first, newest first, a page at a time (the
    /// cursor: `RANK.ID` of the last one seen, rank 0 open and 1 resolved).
    pub async fn cases(
        &self,
        actor: &Actor,
        table: CaseTable,
        shop_id: i64,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> AppResult<Page<CaseRow>> {
        let shop = self.shop(actor, shop_id).await?;
        let (after, limit) = (open_first(cursor)?, page_size(limit));
        let mut conn = self.db().read().await?;
        let items = rows::cases(&mut conn, table, shop.id, after, i64::from(limit)).await?;
        Ok(Page::after_last(items, limit, |case| open_first_cursor(OpenFirst::of_case(case))))
    }

    /// How many complaints are open (reviewers; the home page's todo).
    pub async fn open_complaint_count(&self, actor: &Actor) -> AppResult<i64> {
        actor.require(&[Role::Reviewer, Role::Admin])?;
        let mut conn = self.db().read().await?;
        Ok(rows::count_open_complaints(&mut conn).await?)
    }

    /// Every open complaint, oldest first, a page at a time (reviewers; the cursor: the last id).
    pub async fn open_complaints(
        &self,
        actor: &Actor,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> AppResult<Page<CaseRow>> {
        actor.require(&[Role::Reviewer, Role::Admin])?;
        let after = given(cursor).map(cursor_numbers::<1>).transpose()?.map_or(0, |[id]| id);
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items = rows::open_complaints(&mut conn, after, i64::from(limit)).await?;
        Ok(Page::after_last(items, limit, |case| case.id.to_string()))
    }

    // ----- buyer conversations -----

    /// A buyer writes to a shop; the conversation waits for the merchant's reply.
    pub async fn buyer_message(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        buyer_id: &str,
        message: &str,
    ) -> AppResult<MessageRow> {
        ctx.actor.require(&[Role::Service])?;
        let buyer_id = text("buyer_id", buyer_id, BUYER_ID_LENGTH_MAX)?;
        let message = text("text", message, MESSAGE_LENGTH_MAX)?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        if shop.status == ShopStatus::Closed {
            return Err(not_operating(&shop));
        }
        let conversation_id = match rows::conversation_with(&mut tx, shop.id, &buyer_id).await? {
            Some(conversation) => conversation.id,
            None => rows::insert_conversation(&mut tx, shop.merchant_id, shop.id, &buyer_id, now_ms).await?,
        };
        let id = rows::insert_message(&mut tx, shop.merchant_id, conversation_id, "buyer", &message, now_ms)
            .await?;
        if rows::set_unanswered(&mut tx, conversation_id, true, now_ms).await? {
            rows::bump(&mut tx, shop.id, Counter::ConversationsUnanswered, 1).await?;
        }
        tx.commit().await?;
        Ok(MessageRow { id, conversation_id, sender: "buyer".into(), text: message, at_ms: now_ms })
    }

    /// The merchant replies; the conversation is answered.
    pub async fn reply(&self, ctx: &Ctx, conversation_id: i64, message: &str) -> AppResult<MessageRow> {
        ctx.actor.require_team(&[TeamRight::Reply])?;
        let message = text("text", message, MESSAGE_LENGTH_MAX)?;
        let shop_id = self.conversation(&ctx.actor, conversation_id).await?.conversation.shop_id;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let id =
            rows::insert_message(&mut tx, shop.merchant_id, conversation_id, "merchant", &message, now_ms)
                .await?;
        if rows::set_unanswered(&mut tx, conversation_id, false, now_ms).await? {
            rows::bump(&mut tx, shop.id, Counter::ConversationsUnanswered, -1).await?;
        }
        let subject = format!("conversation:{conversation_id}");
        self.audit_for(&mut tx, ctx, "conversation.reply", &subject, "", Some(shop.merchant_id)).await?;
        tx.commit().await?;
        Ok(MessageRow { id, conversation_id, sender: "merchant".into(), text: message, at_ms: now_ms })
    }

    pub async fn conversation(&self, actor: &Actor, id: i64) -> AppResult<ConversationView> {
        let mut conn = self.db().read().await?;
        let conversation = rows::find_conversation(&mut conn, id)
            .await?
            .ok_or_else(|| AppError::not_found("conversation"))?;
        drop(conn);
        self.shop(actor, conversation.shop_id).await.map_err(|_| AppError::not_found("conversation"))?;
        let mut conn = self.db().read().await?;
        let messages = rows::messages(&mut conn, id, CONVERSATION_MESSAGES_MAX).await?;
        Ok(ConversationView { conversation, messages })
    }

    /// A shop's buyer conversations, unanswered first, latest first, a page at a time (the cursor:
    /// `UNANSWERED.LAST_MESSAGE_AT_MS.ID` of the last one seen).
    pub async fn conversations(
        &self,
        actor: &Actor,
        shop_id: i64,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> AppResult<Page<ConversationRow>> {
        let shop = self.shop(actor, shop_id).await?;
        let after = given(cursor).map(cursor_numbers::<3>).transpose()?.map(|[u, at, id]| (u, at, id));
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items = rows::conversations(&mut conn, shop.id, after, i64::from(limit)).await?;
        Ok(Page::after_last(items, limit, |c| format!("{}.{}.{}", c.unanswered, c.last_message_at_ms, c.id)))
    }

    // ----- commissions and invoices -----

    /// The platform records a creator's commission on a shop's sales, with where the creator is
    /// paid when it knows (it can give that later: `set_commission_payee`).
    pub async fn record_commission(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        creator_id: &str,
        amount_fen: i64,
        order_id: Option<i64>,
        payee: Option<&PayeeInput>,
    ) -> AppResult<DueRow> {
        ctx.actor.require(&[Role::Service])?;
        let creator_id = text("creator_id", creator_id, BUYER_ID_LENGTH_MAX)?;
        let amount = amount("amount_fen", amount_fen)?;
        let payee = payee.map(|p| self.parse_payee(p)).transpose()?;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        if let Some(order_id) = order_id {
            rows::find_order(&mut tx, order_id)
                .await?
                .filter(|o| o.shop_id == shop.id)
                .ok_or_else(|| AppError::not_found("order"))?;
        }
        let commission = NewCommission {
            merchant_id: shop.merchant_id,
            shop_id: shop.id,
            order_id,
            creator_id: &creator_id,
            amount_fen: amount.get(),
            payee: payee.as_ref(),
            now_ms,
        };
        let id = rows::insert_commission(&mut tx, &commission).await?;
        rows::bump(&mut tx, shop.id, Counter::CommissionsOwed, 1).await?;
        let payee_detail =
            payee.as_ref().map(|p| format!(" payee=****{}", p.account_last4)).unwrap_or_default();
        let detail = format!("creator={creator_id} amount_fen={}{payee_detail}", amount.get());
        self.audit_for(
            &mut tx,
            ctx,
            "commission.record",
            &format!("commission:{id}"),
            &detail,
            Some(shop.merchant_id),
        )
        .await?;
        let due = rows::find_due(&mut tx, DueTable::Commissions, id)
            .await?
            .ok_or_else(|| AppError::internal(&"vanished"))?;
        tx.commit().await?;
        Ok(due)
    }

    /// The merchant pays a commission from the shop's withdrawable proceeds (idempotent by key).
    /// The money goes to `commission_payable` and from there out to the creator as a payout when
    /// the creator's payee is known; the commission reads paid only when that payout is paid.
    pub async fn pay_commission(
        &self,
        ctx: &Ctx,
        id: i64,
        claim: IdempotencyClaim,
    ) -> AppResult<MoneyOutcome> {
        retry_on_key_conflict(|| self.pay_commission_once(ctx, id, claim.clone())).await
    }

    async fn pay_commission_once(
        &self,
        ctx: &Ctx,
        id: i64,
        claim: IdempotencyClaim,
    ) -> Result<MoneyOutcome, BatchError> {
        ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let shop_id = self.due(&ctx.actor, DueTable::Commissions, id).await?.shop_id;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let due = rows::find_due(&mut tx, DueTable::Commissions, id)
            .await?
            .ok_or_else(|| AppError::not_found("commission"))?;
        let withdrawable = self.shop_account(&mut tx, shop.id, AccountCode::ShopSettlement).await?;
        let movement = Movement {
            op: MovementOp::Post {
                debit: AccountRef::Row(withdrawable),
                credit: AccountRef::Platform(AccountCode::CommissionPayable, shop.id as u64),
                amount: amount("amount_fen", due.amount_fen)?,
                overdraft: Overdraft::Refused,
            },
            reason: "commission",
            reference: format!("commission:{id}"),
            shop_id: Some(shop.id),
            merchant_id: Some(shop.merchant_id),
        };
        let command = MoneyCommand {
            claim: Some(claim),
            report_account: Some(withdrawable),
            subject_id: Some(id),
            ..MoneyCommand::single(movement, shop.merchant_id)
        };
        let outcome = self.apply_one(&mut tx, command, now_ms).await?;
        if outcome.replayed {
            return Ok(outcome);
        }
        let payee = rows::commission_payee(&mut tx, id).await?;
        let next = if payee.is_some() { CommissionStatus::Paying } else { CommissionStatus::AwaitingPayee };
        let owed = CommissionStatus::Owed.as_str();
        if !rows::move_commission(&mut tx, id, owed, next.as_str(), Some(now_ms), None).await? {
            return Err(status_conflict("commission", due.status.as_str(), "paid again").into());
        }
        if let Some(seq) = outcome.transfer_ids.first() {
            rows::set_commission_transfer(&mut tx, id, *seq).await?;
        }
        if let Some(payee) = &payee {
            self.pay_out_commission(&mut tx, ctx, &shop, &due, payee, now_ms).await?;
        }
        rows::bump(&mut tx, shop.id, Counter::CommissionsOwed, -1).await?;
        self.audit_for(
            &mut tx,
            ctx,
            "commission.pay",
            &format!("commission:{id}"),
            "",
            Some(shop.merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The platform gives (or corrects) where a creator's commission is paid. When the merchant
    /// has paid and the money waits for a payee, or its payout failed, a new payout goes out now.
    pub async fn set_commission_payee(&self, ctx: &Ctx, id: i64, input: &PayeeInput) -> AppResult<DueRow> {
        ctx.actor.require(&[Role::Service])?;
        let payee = self.parse_payee(input)?;
        let shop_id = self.due(&ctx.actor, DueTable::Commissions, id).await?.shop_id;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let due = rows::find_due(&mut tx, DueTable::Commissions, id)
            .await?
            .ok_or_else(|| AppError::not_found("commission"))?;
        let status = due
            .status
            .commission()
            .ok_or_else(|| AppError::internal(&format!("commission {id} has status {}", due.status)))?;
        if !status.takes_payee() {
            return Err(status_conflict("commission", due.status.as_str(), "given a new payee"));
        }
        rows::set_commission_payee(&mut tx, id, &payee).await?;
        if status != CommissionStatus::Owed {
            let paying = CommissionStatus::Paying.as_str();
            if !rows::move_commission(&mut tx, id, status.as_str(), paying, None, None).await? {
                return Err(AppError::new(Code::StatusConflict, "the commission changed meanwhile"));
            }
            self.pay_out_commission(&mut tx, ctx, &shop, &due, &payee, now_ms).await?;
        }
        let detail = format!("bank={} account=****{}", payee.bank_name, payee.account_last4);
        self.audit_for(
            &mut tx,
            ctx,
            "commission.payee",
            &format!("commission:{id}"),
            &detail,
            Some(shop.merchant_id),
        )
        .await?;
        let due = rows::find_due(&mut tx, DueTable::Commissions, id)
            .await?
            .ok_or_else(|| AppError::internal(&"vanished"))?;
        tx.commit().await?;
        Ok(due)
    }

    /// Sends a paid commission's money from `commission_payable` to the creator, in the caller's
    /// transaction (the commission already reads `paying`).
    async fn pay_out_commission(
        &self,
        tx: &mut store::WriteTx,
        ctx: &Ctx,
        shop: &ShopRow,
        due: &DueRow,
        payee: &Payee,
        now_ms: i64,
    ) -> AppResult<()> {
        let account = payee.account_row(shop.id, now_ms);
        let request = PayoutRequest {
            shop,
            purpose: PayoutPurpose::Commission,
            reference: format!("commission:{}", due.id),
            amount: amount("amount_fen", due.amount_fen)?,
            source: AccountRef::Platform(AccountCode::CommissionPayable, shop.id as u64),
            payee: &account,
            claim: None,
            report_account: None,
        };
        self.request_payout(tx, ctx, request, now_ms).await?;
        Ok(())
    }

    /// A buyer asks for an invoice for an order.
    pub async fn request_invoice(&self, ctx: &Ctx, order_id: i64, title: &str) -> AppResult<DueRow> {
        ctx.actor.require(&[Role::Service])?;
        let title = text("title", title, PRODUCT_TITLE_LENGTH_MAX)?;
        let shop_id = self.order(&ctx.actor, order_id).await?.shop_id;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let order = rows::find_order(&mut tx, order_id).await?.ok_or_else(|| AppError::not_found("order"))?;
        if order.status == OrderStatus::Cancelled {
            return Err(status_conflict("order", "cancelled", "invoiced"));
        }
        let id = rows::insert_invoice_request(&mut tx, shop.merchant_id, &order, &title, now_ms).await?;
        rows::bump(&mut tx, shop.id, Counter::InvoicesPending, 1).await?;
        self.audit_for(&mut tx, ctx, "invoice.request", &format!("invoice:{id}"), "", Some(shop.merchant_id))
            .await?;
        let due = rows::find_due(&mut tx, DueTable::Invoices, id)
            .await?
            .ok_or_else(|| AppError::internal(&"vanished"))?;
        tx.commit().await?;
        Ok(due)
    }

    /// The merchant records the number of the invoice issued.
    pub async fn issue_invoice(&self, ctx: &Ctx, id: i64, invoice_number: &str) -> AppResult<DueRow> {
        ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let number = text("invoice_number", invoice_number, INVOICE_NUMBER_LENGTH_MAX)?;
        let shop_id = self.due(&ctx.actor, DueTable::Invoices, id).await?.shop_id;
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let (shop, _) = self.lock_shop(&mut tx, &ctx.actor, shop_id).await?;
        let (pending, issued) = (InvoiceStatus::Pending.as_str(), InvoiceStatus::Issued.as_str());
        if !rows::transition(&mut tx, "invoice_requests", id, pending, issued, "issued_at_ms", now_ms).await?
        {
            return Err(status_conflict("invoice", "issued", "issued again"));
        }
        rows::set_text(&mut tx, "invoice_requests", "invoice_number", id, &number).await?;
        rows::bump(&mut tx, shop.id, Counter::InvoicesPending, -1).await?;
        self.audit_for(
            &mut tx,
            ctx,
            "invoice.issue",
            &format!("invoice:{id}"),
            &number,
            Some(shop.merchant_id),
        )
        .await?;
        let due = rows::find_due(&mut tx, DueTable::Invoices, id)
            .await?
            .ok_or_else(|| AppError::not_found("invoice"))?;
        tx.commit().await?;
        Ok(due)
    }

    pub async fn due(&self, actor: &Actor, table: DueTable, id: i64) -> AppResult<DueRow> {
        let what = if table == DueTable::Commissions { "commission" } else { "invoice" };
        let mut conn = self.db().read().await?;
        let due = rows::find_due(&mut conn, table, id).await?.ok_or_else(|| AppError::not_found(what))?;
        // The connection goes back first: holding it while `shop` takes another would let
        // enough concurrent callers empty the pool and wait for each other.
        drop(conn);
        self.shop(actor, due.shop_id).await.map_err(|_| AppError::not_found(what))?;
        Ok(due)
    }

    /// A shop's commissions or invoice requests, open first (owed, pending), newest first, a page
    /// at a time (the cursor as for cases).
    pub async fn dues(
        &self,
        actor: &Actor,
        table: DueTable,
        shop_id: i64,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> AppResult<Page<DueRow>> {
        let shop = self.shop(actor, shop_id).await?;
        let mut conn = self.db().read().await?;
        let (after, limit) = (open_first(cursor)?, page_size(limit));
        let items = rows::dues(&mut conn, table, shop.id, after, i64::from(limit)).await?;
        Ok(Page::after_last(items, limit, |due| open_first_cursor(OpenFirst::of_due(due))))
    }

    // ----- the deposit policy -----

    /// The deposit this shop must hold under the policy, from its counted sales.
    pub(crate) async fn required_deposit_fen(
        &self,
        conn: &mut store::Conn,
        shop: &ShopRow,
    ) -> AppResult<i64> {
        let activity = rows::activity(conn, shop.id).await?.unwrap_or_default();
        let today = china_date(self.clock().now());
        let first_of_month = today.with_day0(0).unwrap_or(today);
        let previous = first_of_month.checked_sub_days(Days::new(1)).unwrap_or(first_of_month);
        let previous_month_gmv_fen =
            rows::month_gmv(conn, shop.id, &previous.format("%Y-%m").to_string()).await?;
        let sales = domain::operations::SalesFacts {
            paid_orders_total: activity.paid_orders_total,
            gmv_total_fen: activity.gmv_total_fen,
            previous_month_gmv_fen,
        };
        Ok(self.config().deposit_policy_for(&shop.category).required_fen(sales))
    }
}

/// Where a page of an open-first list starts: `RANK.ID` from the cursor, or the first row.
fn open_first(cursor: Option<&str>) -> AppResult<OpenFirst> {
    Ok(match given(cursor) {
        None => OpenFirst::START,
        Some(cursor) => {
            let [rank, id] = cursor_numbers::<2>(cursor)?;
            OpenFirst { rank, id }
        }
    })
}

fn open_first_cursor(position: OpenFirst) -> String {
    format!("{}.{}", position.rank, position.id)
}
