//! Shops and their deposits: creating shops, who may see them, top-ups, the deposit view and statement.

use domain::auth::Role;
use domain::closure::{DepositReason, EntryKind};
use domain::ledger::{AccountCode, Overdraft};
use domain::limits::PAYMENT_REF_LENGTH_MAX;
use domain::money::Amount;
use domain::payouts::{PayoutStatus, RefundArrival, refund_arrival};
use domain::team::TeamRight;
use domain::violation::{EntityName, EntityType, ShopName, bounded_text};
use store::ledger::TransferRow;
pub use store::shops::ShopRow;

use crate::audit::{Page, page_size};
use crate::ledger::{AccountRef, IdempotencyClaim, MoneyCommand, MoneyOutcome, Movement, MovementOp};
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

#[derive(Debug, Clone)]
pub struct NewShopInput {
    pub name: String,
    pub entity_type: String,
    pub entity_name: String,
    pub category: String,
}

/// A shop's deposit as the merchant sees it, in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositView {
    pub balance_fen: i64,
    pub held_fen: i64,
    pub available_fen: i64,
    pub required_fen: i64,
    pub shortfall_fen: i64,
    /// What the shop owes the platform when penalties took the balance below zero.
    pub owed_fen: i64,
    /// The refund of a closed shop's deposit.
    pub refund: Option<crate::closure::RefundView>,
}

/// One line of a deposit statement: what a transfer did to this shop's deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub kind: String,
    pub reason: String,
    pub reference: String,
    /// Change of the posted balance (negative for deductions).
    pub amount_fen: i64,
    /// Change of the held amount.
    pub held_change_fen: i64,
    pub balance_after_fen: i64,
    /// A deposit refund's line: where its money is (paying, arrived, failed) and since when (a
    /// China date), from its payouts.
    pub arrival: Option<(RefundArrival, String)>,
}

/// The immutable facts of shops seen recently: (merchant id, deposit account id) by shop id.
#[derive(Debug, Default)]
pub struct ShopCache {
    entries: std::sync::RwLock<std::collections::HashMap<i64, (i64, i64)>>,
}

/// Shops remembered at most; the cache is emptied when it would grow past it.
const SHOP_CACHE_ENTRIES_MAX: usize = 100_000;

impl ShopCache {
    fn get(&self, shop_id: i64) -> Option<(i64, i64)> {
        self.entries.read().ok()?.get(&shop_id).copied()
    }

    fn put(&self, shop: &ShopRow) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= SHOP_CACHE_ENTRIES_MAX {
                entries.clear();
            }
            entries.insert(shop.id, (shop.merchant_id, shop.deposit_account_id));
        }
    }
}

/// Who may credit a payment to a deposit: the payment channel.
pub const TOP_UP_ROLES: &[Role] = &[Role::Service];

/// Whether an actor may see a shop: its own merchant, or any platform role.
pub fn can_see(actor: &Actor, shop: &ShopRow) -> bool {
    match actor.role {
        Role::Merchant => actor.merchant_id == Some(shop.merchant_id),
        Role::Admin | Role::Reviewer | Role::Service => true,
    }
}

fn entry_of(account_id: i64, row: &TransferRow) -> DepositEntry {
    let is_debit = row.debit_account_id == account_id;
    let (amount_fen, held_change_fen) = match (row.kind.as_str(), is_debit) {
        ("posted", true) => (-row.amount_fen, 0),
        ("posted", false) => (row.amount_fen, 0),
        ("hold_created", true) => (0, row.amount_fen),
        ("hold_posted", true) => (-row.amount_fen, -(row.amount_fen + row.released_fen)),
        ("hold_voided", true) => (0, -row.amount_fen),
        ("hold_posted", false) => (row.amount_fen, 0),
        _ => (0, 0),
    };
    let balance_after_fen = if is_debit { row.debit_balance_after_fen } else { row.credit_balance_after_fen };
    DepositEntry {
        seq: row.seq,
        at_ms: row.at_ms,
        kind: row.kind.clone(),
        reason: row.reason.clone(),
        reference: row.reference.clone(),
        amount_fen,
        held_change_fen,
        balance_after_fen,
        arrival: None,
    }
}

/// Says on each deposit refund line where the refund's money is, from the refund's payouts.
async fn add_arrivals(conn: &mut store::Conn, entries: &mut [DepositEntry]) -> AppResult<()> {
    for entry in entries {
        if entry.reason != DepositReason::DepositRefund.as_str() || !entry.reference.starts_with("refund:") {
            continue;
        }
        let payouts = store::payouts::payouts_of(conn, &entry.reference).await?;
        let changes: Vec<(PayoutStatus, String)> = payouts
            .iter()
            .map(|p| {
                let status = p.status;
                let day = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).map(crate::clock::china_date);
                let on = match status {
                    PayoutStatus::Paid => p.paid_on.clone(),
                    PayoutStatus::Failed | PayoutStatus::Returned => {
                        p.settled_at_ms.and_then(day).map(|d| d.to_string())
                    }
                    PayoutStatus::Requested | PayoutStatus::Sent => {
                        day(p.requested_at_ms).map(|d| d.to_string())
                    }
                };
                (status, on.unwrap_or_default())
            })
            .collect();
        entry.arrival = refund_arrival(&changes);
    }
    Ok(())
}

/// Fen as yuan with two decimals, without floating point: 12345 → "123.45".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Fen as yuan for people, with thousands separators: `12,345.00` (notifications and reports).
pub fn yuan_grouped(fen: i64) -> String {
    let text = yuan(fen);
    let (sign, rest) = text.strip_prefix('-').map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, cents) = rest.split_once('.').unwrap_or((rest, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{cents}")
}

/// One CSV field, quoted, with formula-looking text defused for spreadsheets.
pub(crate) fn csv_field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

impl App {
    /// Opens a shop for the caller's merchant, with its deposit account.
    pub async fn create_shop(&self, ctx: &Ctx, input: &NewShopInput) -> AppResult<ShopRow> {
        let merchant_id = ctx.actor.require_team(&[TeamRight::ManageMerchant])?;
        let name =
            ShopName::parse(&input.name).ok_or_else(|| AppError::invalid("name", "1-30 characters"))?;
        let entity_type = EntityType::parse(&input.entity_type)
            .ok_or_else(|| AppError::invalid("entity_type", "enterprise or individual"))?;
        let entity_name = EntityName::parse(&input.entity_name)
            .ok_or_else(|| AppError::invalid("entity_name", "1-100 characters"))?;
        if !self.config().shop_categories.iter().any(|(code, _, _)| *code == input.category) {
            return Err(AppError::new(
                Code::UnknownCategory,
                format!("category {:?} is not offered", input.category),
            ));
        }
        let now_ms = self.clock().now_ms();
        let entity_key = entity_name.key();
        let mut tx = self.db().begin().await?;
        let holder =
            store::entities::claim(&mut tx, &entity_key, merchant_id, entity_name.as_str(), None, now_ms)
                .await?;
        if holder != merchant_id {
            return Err(AppError::new(
                Code::EntityHeldElsewhere,
                "another merchant's shops or verified company use this registered entity",
            ));
        }
        self.check_reopen_wait(&mut tx, merchant_id, &entity_key).await?;
        let new_shop = store::shops::NewShop {
            merchant_id,
            name: name.as_str(),
            entity_type: entity_type.as_str(),
            entity_name: entity_name.as_str(),
            entity_key: &entity_key,
            category: &input.category,
            status: domain::operations::ShopStatus::Operating,
            now_ms,
        };
        let shop_id = store::shops::insert_shop(&mut tx, &new_shop).await?;
        let account_id = store::ledger::insert_shop_account(
            &mut tx,
            AccountCode::ShopDeposit.as_str(),
            shop_id,
            merchant_id,
        )
        .await?;
        store::shops::set_deposit_account(&mut tx, shop_id, account_id).await?;
        for code in [AccountCode::ShopSettling, AccountCode::ShopSettlement] {
            store::ledger::insert_shop_account(&mut tx, code.as_str(), shop_id, merchant_id).await?;
        }
        store::operations::insert_activity(&mut tx, merchant_id, shop_id).await?;
        self.audit(&mut tx, ctx, "shop.create", &format!("shop:{shop_id}"), name.as_str()).await?;
        let shop = store::shops::find_shop(&mut tx, shop_id)
            .await?
            .ok_or_else(|| AppError::internal(&"shop vanished"))?;
        tx.commit().await?;
        Ok(shop)
    }

    /// A shop the actor may see; another merchant's shop is "not found".
    pub async fn shop(&self, actor: &Actor, shop_id: i64) -> AppResult<ShopRow> {
        let mut conn = self.db().read().await?;
        match store::shops::find_shop(&mut conn, shop_id).await? {
            Some(shop) if can_see(actor, &shop) => Ok(shop),
            _ => Err(AppError::not_found("shop")),
        }
    }

    /// The caller's shops (every shop for platform roles), by id; the cursor is the last id seen.
    pub async fn list_shops(
        &self,
        actor: &Actor,
        limit: Option<u32>,
        cursor: Option<i64>,
    ) -> AppResult<Page<ShopRow>> {
        let merchant = match actor.role {
            Role::Merchant => Some(actor.merchant_id.ok_or_else(AppError::forbidden)?),
            _ => None,
        };
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items =
            store::shops::list_shops(&mut conn, merchant, cursor.unwrap_or(0), i64::from(limit)).await?;
        let next_cursor =
            (items.len() == limit as usize).then(|| items.last().map(|s| s.id.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }

    pub async fn deposit(&self, actor: &Actor, shop_id: i64) -> AppResult<DepositView> {
        actor.require_team_when_member(&[TeamRight::ViewMoney])?;
        let shop = self.shop(actor, shop_id).await?;
        let mut conn = self.db().read().await?;
        let row = store::ledger::find_account(&mut conn, shop.deposit_account_id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("shop {shop_id} has no deposit account")))?;
        let account = crate::ledger::account_from_row(&row)?;
        let (balance_fen, held_fen) = (account.balance().get(), account.held().get());
        let available_fen = balance_fen - held_fen;
        let required_fen = self.required_deposit_fen(&mut conn, &shop).await?;
        let refund = self.refund_of_shop(&mut conn, shop.id).await?;
        Ok(DepositView {
            balance_fen,
            held_fen,
            available_fen,
            required_fen,
            shortfall_fen: (required_fen - available_fen).max(0),
            owed_fen: (-balance_fen).max(0),
            refund,
        })
    }

    /// Credits a payment to a shop's deposit (service role; idempotent by key). A shop that owes
    /// the platform pays its debt first, since the debt is the negative balance.
    pub async fn top_up(
        &self,
        ctx: &Ctx,
        shop_id: i64,
        amount_fen: i64,
        payment_ref: &str,
        claim: IdempotencyClaim,
    ) -> AppResult<MoneyOutcome> {
        ctx.actor.require(TOP_UP_ROLES)?;
        let amount = Amount::parse(amount_fen)
            .ok()
            .filter(|a| a.get() <= self.config().top_up_fen_max)
            .ok_or_else(|| {
                AppError::new(
                    Code::InvalidAmount,
                    format!("amount_fen must be 1 to {}", self.config().top_up_fen_max),
                )
            })?;
        let payment_ref = bounded_text(payment_ref, PAYMENT_REF_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("payment_ref", "1-64 characters"))?;
        // The payment channel may credit any shop; only which shop it is matters here.
        let (merchant_id, deposit_account_id) = match self.shop_cache.get(shop_id) {
            Some(known) => known,
            None => {
                let shop = self.shop(&ctx.actor, shop_id).await?;
                self.shop_cache.put(&shop);
                (shop.merchant_id, shop.deposit_account_id)
            }
        };
        let movement = Movement {
            op: MovementOp::Post {
                debit: AccountRef::Platform(AccountCode::PaymentClearing, shop_id as u64),
                credit: AccountRef::Row(deposit_account_id),
                amount,
                overdraft: Overdraft::Allowed,
            },
            reason: "top_up",
            reference: payment_ref,
            shop_id: Some(shop_id),
            merchant_id: Some(merchant_id),
        };
        let command = MoneyCommand {
            movements: vec![movement],
            claim: Some(claim),
            report_account: Some(deposit_account_id),
            subject_id: None,
            merchant_id: Some(merchant_id),
        };
        self.engine.submit(command).await
    }

    /// A page of the deposit's entries, newest first; the cursor is the last `seq` seen.
    pub async fn deposit_entries(
        &self,
        actor: &Actor,
        shop_id: i64,
        limit: Option<u32>,
        cursor: Option<i64>,
    ) -> AppResult<Page<DepositEntry>> {
        actor.require_team_when_member(&[TeamRight::ViewMoney])?;
        let shop = self.shop(actor, shop_id).await?;
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let rows = store::ledger::account_transfers(
            &mut conn,
            shop.id,
            shop.deposit_account_id,
            cursor.unwrap_or(i64::MAX),
            i64::from(limit),
        )
        .await?;
        let mut items: Vec<DepositEntry> =
            rows.iter().map(|row| entry_of(shop.deposit_account_id, row)).collect();
        add_arrivals(&mut conn, &mut items).await?;
        let next_cursor =
            (items.len() == limit as usize).then(|| items.last().map(|e| e.seq.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }

    /// The whole statement as CSV (UTF-8 with a byte-order mark so that Excel reads Chinese), oldest first.
    pub async fn deposit_statement_csv(&self, actor: &Actor, shop_id: i64) -> AppResult<String> {
        actor.require_team_when_member(&[TeamRight::ViewMoney])?;
        let shop = self.shop(actor, shop_id).await?;
        let mut conn = self.db().read().await?;
        let mut entries = Vec::new();
        let mut before = i64::MAX;
        loop {
            let rows =
                store::ledger::account_transfers(&mut conn, shop.id, shop.deposit_account_id, before, 1_000)
                    .await?;
            let Some(last) = rows.last() else { break };
            before = last.seq;
            entries.extend(rows.iter().map(|row| entry_of(shop.deposit_account_id, row)));
        }
        entries.reverse();
        add_arrivals(&mut conn, &mut entries).await?;
        let mut csv = String::from(
            "\u{feff}时间 Time,流水号 Entry,类型 Type,原因 Reason,参考 Reference,退款到账 Payout,金额(元) Amount,冻结变动(元) Held change,余额(元) Balance\n",
        );
        for entry in &entries {
            let at = chrono::DateTime::from_timestamp_millis(entry.at_ms)
                .map(|t| {
                    t.with_timezone(&crate::clock::china_offset()).format("%Y-%m-%d %H:%M:%S").to_string()
                })
                .unwrap_or_default();
            let kind = EntryKind::parse(&entry.kind).map(EntryKind::name_zh).unwrap_or(&entry.kind);
            let reason =
                DepositReason::parse(&entry.reason).map(DepositReason::name_zh).unwrap_or(&entry.reason);
            let arrival =
                entry.arrival.as_ref().map(|(a, on)| format!("{} {on}", a.name_zh())).unwrap_or_default();
            csv.push_str(&format!(
                "{at},{},{},{},{},{},{},{},{}\n",
                entry.seq,
                csv_field(kind),
                csv_field(reason),
                csv_field(&entry.reference),
                csv_field(&arrival),
                yuan(entry.amount_fen),
                yuan(entry.held_change_fen),
                yuan(entry.balance_after_fen)
            ));
        }
        Ok(csv)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn yuan_has_two_decimals_and_a_sign() {
        let check = |fen: i64, expect: &str| assert_eq!(super::yuan(fen), expect);
        check(0, "0.00");
        check(5, "0.05");
        check(12345, "123.45");
        check(-50, "-0.50");
        check(i64::MIN, "-92233720368547758.08");
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(super::csv_field("pay-1"), "\"pay-1\"");
        assert_eq!(super::csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
