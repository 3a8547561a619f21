//! The business invariants `xiaodian ledger verify` checks beside the ledger's own: every
//! violation has exactly one penalty transfer (none for a zero penalty) and at most one reversal
//! (exactly one once overturned), a reputation incident is at most one violation (and the two
//! rows name each other), a deposit refund has at most one transfer out of the deposit (of the
//! amount it says it paid), every review fee paid has exactly one transfer, and every payout's
//! money is in exactly one place: one transfer into `payouts_in_flight`, then one out (to
//! `payment_clearing` when paid, back to its source when failed or returned) or none while in
//! flight; a refund or a commission reads paid only with a paid payout, and at most one of its
//! payouts is in flight or paid; `commission_payable` holds exactly the commissions paid by the
//! merchant and not on their way to the creator. Each problem is one line naming
//! the rows; the ledger's own invariants are in `ledger::verify`.

use std::collections::{BTreeMap, HashMap};

use store::invariants::{self as rows, DecisionTransfer};

use crate::AppResult;

/// Problems listed at most; the last line then says how many more there are.
pub const PROBLEMS_MAX: usize = 100;

const PENALTY_REASONS: [&str; 2] = ["penalty", "compensation"];
const REVERSAL_REASON: &str = "penalty_reversal";
const PAYOUT_REASON: &str = "deposit_refund";
const FEE_REASON: &str = "verification_fee";

/// The id in a reference `PREFIX:ID` or `PREFIX:ID:MORE` (a transfer's, a payout's).
pub(crate) fn referenced_id(reference: &str, prefix: &str) -> Option<i64> {
    let rest = reference.strip_prefix(prefix)?.strip_prefix(':')?;
    rest.split(':').next()?.parse().ok()
}

fn seqs(transfers: &[&DecisionTransfer]) -> String {
    let seqs: Vec<String> = transfers.iter().map(|t| t.seq.to_string()).collect();
    format!("seq {}", seqs.join(", "))
}

/// Transfers of some reasons grouped by the id their reference names.
#[derive(Default)]
struct ByOwner<'a> {
    owned: BTreeMap<i64, Vec<&'a DecisionTransfer>>,
}

impl<'a> ByOwner<'a> {
    fn take(&mut self, id: i64) -> Vec<&'a DecisionTransfer> {
        self.owned.remove(&id).unwrap_or_default()
    }
}

/// Every business invariant broken now, one line each (empty: all hold).
pub async fn check(conn: &mut store::Conn) -> AppResult<Vec<String>> {
    let mut reasons: Vec<&str> = PENALTY_REASONS.to_vec();
    reasons.extend([REVERSAL_REASON, PAYOUT_REASON, FEE_REASON]);
    let transfers = rows::decision_transfers(conn, &reasons).await?;
    let violations = rows::violations(conn).await?;
    let incidents = rows::incident_violations(conn).await?;
    let refunds = rows::refunds(conn).await?;
    let fees = rows::fees(conn).await?;

    let mut problems = Vec::new();
    let (mut penalties, mut reversals, mut payouts, mut fee_transfers) =
        (ByOwner::default(), ByOwner::default(), ByOwner::default(), ByOwner::default());
    for transfer in &transfers {
        let (group, prefix) = match transfer.reason.as_str() {
            REVERSAL_REASON => (&mut reversals, "violation"),
            PAYOUT_REASON => (&mut payouts, "refund"),
            FEE_REASON => (&mut fee_transfers, "verification"),
            _ => (&mut penalties, "violation"),
        };
        match referenced_id(&transfer.reference, prefix) {
            Some(id) => group.owned.entry(id).or_default().push(transfer),
            None => problems.push(format!(
                "transfer seq={} ({}) names no {prefix}: reference {:?}",
                transfer.seq, transfer.reason, transfer.reference
            )),
        }
    }

    for v in &violations {
        let booked = penalties.take(v.id);
        let expected = usize::from(v.penalty_fen > 0);
        if booked.len() != expected {
            problems.push(format!(
                "violation {} has {} penalty transfers ({}), expected {expected} for a penalty of {} fen",
                v.id,
                booked.len(),
                seqs(&booked),
                v.penalty_fen
            ));
        } else if let Some(penalty) = booked.first() {
            if penalty.amount_fen != v.penalty_fen {
                problems.push(format!(
                    "violation {}'s penalty transfer seq={} moves {} fen, the violation says {} fen",
                    v.id, penalty.seq, penalty.amount_fen, v.penalty_fen
                ));
            } else if v.penalty_seq != Some(penalty.seq) {
                problems.push(format!(
                    "violation {} records penalty seq={:?}, its penalty transfer is seq={}",
                    v.id, v.penalty_seq, penalty.seq
                ));
            }
        }
        let reversed = reversals.take(v.id);
        let overturned = v.status == domain::violation::ViolationStatus::Overturned;
        if reversed.len() > 1 {
            problems.push(format!(
                "violation {} has {} reversals ({}), at most 1",
                v.id,
                reversed.len(),
                seqs(&reversed)
            ));
        } else if !reversed.is_empty() && !overturned {
            problems.push(format!(
                "violation {} was reversed ({}) but is {}",
                v.id,
                seqs(&reversed),
                v.status
            ));
        } else if reversed.is_empty() && overturned && v.penalty_fen > 0 {
            problems.push(format!("violation {} is overturned but its penalty was never reversed", v.id));
        } else if let Some(reversal) = reversed.first()
            && v.reversal_seq != Some(reversal.seq)
        {
            problems.push(format!(
                "violation {} records reversal seq={:?}, its reversal transfer is seq={}",
                v.id, v.reversal_seq, reversal.seq
            ));
        }
    }
    for (id, orphans) in penalties.owned.iter().chain(&reversals.owned) {
        problems.push(format!("{} book money for violation {id}, which does not exist", seqs(orphans)));
    }

    let mut by_incident: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for v in &violations {
        if let Some(incident_id) = v.incident_id {
            by_incident.entry(incident_id).or_default().push(v.id);
        }
    }
    let linked: HashMap<i64, i64> = incidents.iter().copied().collect();
    for (incident_id, ids) in &by_incident {
        if ids.len() > 1 {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            problems.push(format!(
                "reputation incident {incident_id} has {} violations ({}), at most 1",
                ids.len(),
                ids.join(", ")
            ));
        }
        for id in ids {
            if linked.get(incident_id) != Some(id) {
                let holds =
                    linked.get(incident_id).map_or("no violation".to_owned(), |v| format!("violation {v}"));
                problems.push(format!(
                    "violation {id} was recorded from reputation incident {incident_id}, which names {holds}"
                ));
            }
        }
    }
    for (incident_id, violation_id) in &incidents {
        if !by_incident.get(incident_id).is_some_and(|ids| ids.contains(violation_id)) {
            problems.push(format!(
                "reputation incident {incident_id} names violation {violation_id}, which was not recorded from it"
            ));
        }
    }

    for refund in &refunds {
        let paid = payouts.take(refund.id);
        let paid_fen = refund.paid_fen.unwrap_or(0);
        match paid.as_slice() {
            [] if paid_fen > 0 => problems.push(format!(
                "refund {} says {paid_fen} fen were paid out but has no deposit refund transfer",
                refund.id
            )),
            [] => {}
            [payout] if payout.amount_fen != paid_fen => problems.push(format!(
                "refund {}'s deposit refund transfer seq={} moves {} fen, the refund says {paid_fen} fen",
                refund.id, payout.seq, payout.amount_fen
            )),
            [_] => {}
            more => problems.push(format!(
                "refund {} has {} deposit refund transfers ({}), at most 1",
                refund.id,
                more.len(),
                seqs(more)
            )),
        }
    }
    for (id, orphans) in &payouts.owned {
        problems.push(format!("{} pay out refund {id}, which does not exist", seqs(orphans)));
    }

    for fee in &fees {
        let booked = fee_transfers.take(fee.id);
        match (fee.fee_paid_at_ms, booked.as_slice()) {
            (None, []) => {}
            (None, some) => problems.push(format!(
                "verification {} has fee transfers ({}) but no fee payment recorded",
                fee.id,
                seqs(some)
            )),
            (Some(_), [one]) if fee.fee_transfer_id != Some(one.seq) => problems.push(format!(
                "verification {} records fee transfer {:?}, its fee transfer is seq={}",
                fee.id, fee.fee_transfer_id, one.seq
            )),
            (Some(_), [_]) => {}
            (Some(_), other) => problems.push(format!(
                "verification {}'s fee payment has {} transfers ({}), expected 1",
                fee.id,
                other.len(),
                seqs(other)
            )),
        }
    }
    for (id, orphans) in &fee_transfers.owned {
        problems.push(format!("{} pay the fee of verification {id}, which does not exist", seqs(orphans)));
    }

    problems.extend(check_payouts(conn, &refunds).await?);
    problems.extend(check_commissions(conn).await?);

    if problems.len() > PROBLEMS_MAX {
        let more = problems.len() - PROBLEMS_MAX;
        problems.truncate(PROBLEMS_MAX);
        problems.push(format!("... and {more} more"));
    }
    Ok(problems)
}

/// A commission reads paying with exactly one payout in flight, paid with exactly one paid (or,
/// paid before payouts existed, with none), and otherwise with none in flight or paid; what
/// `commission_payable` holds is what was charged and is not out.
async fn check_commissions(conn: &mut store::Conn) -> AppResult<Vec<String>> {
    use domain::operations::CommissionStatus;
    use domain::payouts::PayoutStatus;
    let mut problems = Vec::new();
    let mut of_commission: HashMap<i64, Vec<PayoutStatus>> = HashMap::new();
    for p in store::payouts::all_payouts(conn).await? {
        if let Some(id) = referenced_id(&p.reference, "commission") {
            of_commission.entry(id).or_default().push(p.status);
        }
    }
    let mut held_fen = 0;
    for c in rows::commissions(conn).await? {
        let payouts = of_commission.remove(&c.id).unwrap_or_default();
        let in_flight = payouts.iter().filter(|s| s.is_in_flight()).count();
        let paid = payouts.iter().filter(|s| **s == PayoutStatus::Paid).count();
        let legacy = c.charged_at_ms.is_none();
        let expect = match c.status {
            CommissionStatus::Paying => (1, 0),
            CommissionStatus::Paid if legacy && payouts.is_empty() => (0, 0),
            CommissionStatus::Paid => (0, 1),
            CommissionStatus::Owed | CommissionStatus::AwaitingPayee | CommissionStatus::PayoutFailed => {
                (0, 0)
            }
        };
        if (in_flight, paid) != expect {
            problems.push(format!(
                "commission {} is {} with {in_flight} payouts in flight and {paid} paid, expected {expect:?}",
                c.id, c.status
            ));
        }
        let held = match c.status.as_str() {
            "awaiting_payee" | "payout_failed" => true,
            "paid" => legacy && payouts.is_empty(),
            _ => false,
        };
        if held {
            held_fen += c.amount_fen;
        }
    }
    for id in of_commission.keys() {
        problems.push(format!("payouts pay commission {id}, which does not exist"));
    }
    let payable_fen: i64 = store::ledger::all_accounts(conn)
        .await?
        .iter()
        .filter(|a| a.code == domain::ledger::AccountCode::CommissionPayable.as_str())
        .map(|a| crate::ledger::account_from_row(a).map(|a| a.balance().get()))
        .sum::<AppResult<i64>>()?;
    if payable_fen != held_fen {
        problems.push(format!(
            "commission_payable holds {payable_fen} fen, the commissions paid and not on their way {held_fen} fen"
        ));
    }
    Ok(problems)
}

fn payout_seqs(transfers: &[&store::payouts::PayoutTransfer]) -> String {
    let seqs: Vec<String> = transfers.iter().map(|t| t.seq.to_string()).collect();
    format!("seq {}", seqs.join(", "))
}

/// The payout invariants: each payout's money in exactly one place, by its transfers.
async fn check_payouts(conn: &mut store::Conn, refunds: &[rows::RefundFacts]) -> AppResult<Vec<String>> {
    use domain::payouts::PayoutStatus;
    let payouts = store::payouts::all_payouts(conn).await?;
    let transfers = store::payouts::payout_transfers(conn).await?;
    let mut problems = Vec::new();
    let mut by_payout: BTreeMap<i64, Vec<&store::payouts::PayoutTransfer>> = BTreeMap::new();
    for t in &transfers {
        match referenced_id(&t.reference, "payout") {
            Some(id) => by_payout.entry(id).or_default().push(t),
            None => problems
                .push(format!("transfer seq={} ({}) names no payout: {:?}", t.seq, t.reason, t.reference)),
        }
    }
    let mut refund_payouts: HashMap<String, Vec<(i64, PayoutStatus)>> = HashMap::new();
    for p in &payouts {
        let status = p.status;
        refund_payouts.entry(p.reference.clone()).or_default().push((p.id, status));
        let moved = by_payout.remove(&p.id).unwrap_or_default();
        let of = |reason: &str| moved.iter().filter(|t| t.reason == reason).copied().collect::<Vec<_>>();
        let (requested, paid, returned) = (of("payout_requested"), of("payout_paid"), of("payout_returned"));
        let expect = match status {
            PayoutStatus::Requested | PayoutStatus::Sent => (1, 0, 0),
            PayoutStatus::Paid => (1, 1, 0),
            PayoutStatus::Failed | PayoutStatus::Returned => (1, 0, 1),
        };
        if (requested.len(), paid.len(), returned.len()) != expect {
            problems.push(format!(
                "payout {} is {} with {} in, {} paid and {} returned transfers ({}), expected {expect:?}",
                p.id,
                p.status,
                requested.len(),
                paid.len(),
                returned.len(),
                payout_seqs(&moved)
            ));
            continue;
        }
        let in_flight = requested[0].credit_account_id;
        if requested[0].debit_account_id != p.source_account_id {
            problems.push(format!(
                "payout {}'s money came from account {}, it says {}",
                p.id, requested[0].debit_account_id, p.source_account_id
            ));
        }
        for t in &moved {
            if t.amount_fen != p.amount_fen {
                problems.push(format!(
                    "payout {}'s transfer seq={} moves {} fen, the payout is {} fen",
                    p.id, t.seq, t.amount_fen, p.amount_fen
                ));
            }
        }
        if let Some(back) = returned.first()
            && (back.debit_account_id != in_flight || back.credit_account_id != p.source_account_id)
        {
            problems.push(format!(
                "payout {}'s money went back to account {}, not its source",
                p.id, back.credit_account_id
            ));
        }
        if let Some(out) = paid.first()
            && out.debit_account_id != in_flight
        {
            problems.push(format!(
                "payout {} was paid from account {}, not from in flight",
                p.id, out.debit_account_id
            ));
        }
    }
    for (id, orphans) in &by_payout {
        problems.push(format!("{} move money of payout {id}, which does not exist", payout_seqs(orphans)));
    }
    // What is in flight is exactly the payouts still requested or sent.
    let in_flight_fen: i64 = store::ledger::all_accounts(conn)
        .await?
        .iter()
        .filter(|a| a.code == domain::ledger::AccountCode::PayoutsInFlight.as_str())
        .map(|a| crate::ledger::account_from_row(a).map(|a| a.balance().get()))
        .sum::<AppResult<i64>>()?;
    let owed_fen: i64 = payouts.iter().filter(|p| p.status.is_in_flight()).map(|p| p.amount_fen).sum();
    if in_flight_fen != owed_fen {
        problems.push(format!(
            "payouts_in_flight holds {in_flight_fen} fen, the payouts requested or sent {owed_fen} fen"
        ));
    }
    for refund in refunds {
        let list = refund_payouts.remove(&format!("refund:{}", refund.id)).unwrap_or_default();
        let live = list.iter().filter(|(_, s)| s.is_in_flight() || *s == PayoutStatus::Paid).count();
        let paid = list.iter().any(|(_, s)| *s == PayoutStatus::Paid);
        if live > 1 {
            problems.push(format!("refund {} has {live} payouts in flight or paid, at most 1", refund.id));
        }
        let reads_paid =
            matches!(refund.status.as_str(), "paid" | "partially_paid") && refund.paid_fen.unwrap_or(0) > 0;
        if reads_paid != paid {
            problems.push(format!(
                "refund {} is {} but {} of its payouts is paid",
                refund.id,
                refund.status,
                if paid { "one" } else { "none" }
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    #[test]
    fn references_name_their_owner() {
        let check = |reference: &str, prefix: &str, expect: Option<i64>| {
            assert_eq!(super::referenced_id(reference, prefix), expect, "{reference}");
        };
        check("violation:12", "violation", Some(12));
        check("refund:3", "refund", Some(3));
        check("verification:7:pay:2026:01", "verification", Some(7));
        check("violation:", "violation", None);
        check("violations:12", "violation", None);
        check("shop:12", "violation", None);
    }
}
