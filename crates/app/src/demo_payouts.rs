//! The demo's payment channel: it reads the payout instructions from the platform feed as the
//! `service` role and reports on each through the same use cases as the API. The refund of the
//! first closed shop comes back (the account was closed), the merchant updates the payout account
//! and the second payout is paid; withdrawals are paid, except the newest, which stays in flight.

use domain::feed::{EventType, FEED_PAGE_MAX};
use domain::payouts::Report;

use crate::demo::DemoHistory;
use crate::{AppError, AppResult};

/// Feed pages the demo channel reads at most.
const FEED_PAGES_MAX: usize = 100;

pub(crate) async fn play(history: &mut DemoHistory) -> AppResult<()> {
    let app = history.app.clone();
    let channel = app.demo_ctx("service").await?;
    let merchant = app.demo_ctx("merchant").await?;
    let mut requested = Vec::new();
    let mut after = 0;
    for _ in 0..FEED_PAGES_MAX {
        let page = app.platform_events(&channel.actor, after, Some(FEED_PAGE_MAX), 0).await?;
        if page.events.is_empty() {
            break;
        }
        after = page.next;
        requested.extend(
            page.events
                .iter()
                .filter(|e| e.event_type == EventType::PayoutRequested.as_str())
                .filter_map(|e| e.data["payout_id"].as_i64()),
        );
    }
    let today = history.day(1).to_string();
    let mut refund_returned = false;
    let last_withdrawal = {
        let mut withdrawals = Vec::new();
        for id in &requested {
            if app.payout(&channel.actor, *id).await?.payout.purpose == "withdrawal" {
                withdrawals.push(*id);
            }
        }
        withdrawals.last().copied()
    };
    for id in requested {
        let payout = app.payout(&channel.actor, id).await?.payout;
        let sent = Report::Sent { channel_ref: format!("DEMO-CH-{id:06}") };
        app.report_payout(&channel, id, sent).await?;
        if payout.purpose == "refund" && !refund_returned {
            refund_returned = true;
            let failed = Report::Failed { reason: "收款账户已销户 / account closed".into() };
            app.report_payout(&channel, id, failed).await?;
            let account = app
                .payout_account(&merchant.actor, payout.shop_id)
                .await?
                .ok_or_else(|| AppError::internal(&"the demo shop has a payout account"))?;
            app.set_payout_account(
                &merchant,
                payout.shop_id,
                &account.holder_name,
                "中国工商银行",
                "6212 2610 0200 3456",
            )
            .await?;
            let again = app.refund_payouts(&channel.actor, refund_of(&payout.reference)?).await?;
            let Some(second) =
                again.iter().find(|p| p.payout.status == domain::payouts::PayoutStatus::Requested)
            else {
                return Err(AppError::internal(&"a new payout after the account was fixed"));
            };
            let second = second.payout.id;
            app.report_payout(&channel, second, Report::Sent { channel_ref: format!("DEMO-CH-{second:06}") })
                .await?;
            app.report_payout(&channel, second, Report::Paid { paid_on: today.clone() }).await?;
            continue;
        }
        if Some(id) != last_withdrawal {
            app.report_payout(&channel, id, Report::Paid { paid_on: today.clone() }).await?;
        }
    }
    Ok(())
}

fn refund_of(reference: &str) -> AppResult<i64> {
    reference
        .strip_prefix("refund:")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| AppError::internal(&format!("{reference} names no refund")))
}
