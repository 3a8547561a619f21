//! The business invariants `xiaodian ledger verify` checks beside the ledger's own: every
//! violation has exactly one penalty transfer (none for a zero penalty) and at most one reversal
//! (exactly one once overturned), a reputation incident is at most one violation (and the two
//! rows name each other), a deposit refund has at most one payout transfer (of the amount it says
//! it paid), and every review fee paid has exactly one transfer. Each problem is one line naming
//! the rows; the ledger's own invariants are in `ledger::verify`.

use std::collections::{BTreeMap, HashMap};

use store::invariants::{self as rows, DecisionTransfer};

use crate::AppResult;

/// Problems listed at most; the last line then says how many more there are.
pub const PROBLEMS_MAX: usize = 100;

const PENALTY_REASONS: [&str; 2] = ["penalty", "compensation"];
const REVERSAL_REASON: &str = "penalty_reversal";
const PAYOUT_REASON: &str = "refund_payout";
const FEE_REASON: &str = "verification_fee";

/// The id in a transfer reference `PREFIX:ID` or `PREFIX:ID:MORE`.
fn referenced_id(reference: &str, prefix: &str) -> Option<i64> {
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
        let overturned = v.status == domain::violation::ViolationStatus::Overturned.as_str();
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
                "refund {} says {paid_fen} fen were paid out but has no payout transfer",
                refund.id
            )),
            [] => {}
            [payout] if payout.amount_fen != paid_fen => problems.push(format!(
                "refund {}'s payout transfer seq={} moves {} fen, the refund says {paid_fen} fen",
                refund.id, payout.seq, payout.amount_fen
            )),
            [_] => {}
            more => problems.push(format!(
                "refund {} has {} payout transfers ({}), at most 1",
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

    if problems.len() > PROBLEMS_MAX {
        let more = problems.len() - PROBLEMS_MAX;
        problems.truncate(PROBLEMS_MAX);
        problems.push(format!("... and {more} more"));
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
