//! Payouts (打款): money sent out through the payment channel, its statuses, the one rule that
//! decides what a channel report does to a payout (apply it, answer it again, or refuse it as a
//! contradiction), and the reconciliation of the channel's settlement file against the payouts.

use std::collections::{BTreeMap, HashMap};

use crate::limits::NOTE_LENGTH_MAX;

text_enum! {
    /// Where a payout is: `requested` (instruction written, money in flight), `sent` (the channel
    /// took it), `paid` (the channel confirmed it), `failed` (refused before it was sent) or
    /// `returned` (sent, then bounced by the bank). The last three are final.
    PayoutStatus {
        Requested => "requested", "待打款";
        Sent => "sent", "打款中";
        Paid => "paid", "已到账";
        Failed => "failed", "打款失败";
        Returned => "returned", "已退回";
    }
}

impl PayoutStatus {
    /// Whether the money is still in flight (between the source and the payee).
    pub fn is_in_flight(self) -> bool {
        matches!(self, PayoutStatus::Requested | PayoutStatus::Sent)
    }

    /// Failed or returned: the money went back where it came from.
    pub fn is_undone(self) -> bool {
        matches!(self, PayoutStatus::Failed | PayoutStatus::Returned)
    }
}

text_enum! {
    /// What a payout pays.
    PayoutPurpose {
        Refund => "refund", "保证金退还";
        Withdrawal => "withdrawal", "货款提现";
        Commission => "commission", "达人佣金";
    }
}

text_enum! {
    /// Where a deposit refund's money is, as the deposit statement says it next to the refund.
    RefundArrival {
        Paying => "paying", "退款中";
        Paid => "paid", "已到账";
        Failed => "failed", "退款失败，请更新收款账户";
    }
}

/// What a refund's statement line says, from its payouts oldest first, each with the China date
/// of its last change: the newest payout decides. None before any payout.
pub fn refund_arrival(payouts: &[(PayoutStatus, String)]) -> Option<(RefundArrival, String)> {
    let (status, on) = payouts.last()?;
    let arrival = match status {
        PayoutStatus::Requested | PayoutStatus::Sent => RefundArrival::Paying,
        PayoutStatus::Paid => RefundArrival::Paid,
        PayoutStatus::Failed | PayoutStatus::Returned => RefundArrival::Failed,
    };
    Some((arrival, on.clone()))
}

/// The longest channel reference and failure reason accepted.
pub const CHANNEL_REF_LENGTH_MAX: usize = 64;
pub const FAILURE_REASON_LENGTH_MAX: usize = NOTE_LENGTH_MAX;

/// One report of the payment channel about a payout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Sent { channel_ref: String },
    Paid { paid_on: String },
    Failed { reason: String },
}

impl Report {
    pub fn name(&self) -> &'static str {
        match self {
            Report::Sent { .. } => "sent",
            Report::Paid { .. } => "paid",
            Report::Failed { .. } => "failed",
        }
    }
}

/// What the channel already reported about a payout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported<'a> {
    pub status: PayoutStatus,
    pub channel_ref: Option<&'a str>,
    pub paid_on: Option<&'a str>,
    pub failure_reason: Option<&'a str>,
}

/// What a report does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportEffect {
    /// The payout moves to this status.
    Move(PayoutStatus),
    /// The report repeats one already applied: answer the payout as it is, change nothing.
    Repeat,
}

/// A report that contradicts what was reported before; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payout is {status}: a {report} report {why}")]
pub struct ReportConflict {
    pub status: &'static str,
    pub report: &'static str,
    pub why: &'static str,
}

/// Decides a channel report. `sent` moves a requested payout to sent; `paid` moves a requested or
/// sent one to paid; `failed` moves a requested one to failed and a sent one to returned. A report
/// that repeats what happened (the same channel reference, the same paid date, a failure of a
/// failed or returned payout, a late `sent` of a paid one with its reference) answers again; any
/// other report of a final payout is a contradiction.
pub fn decide_report(current: &Reported<'_>, report: &Report) -> Result<ReportEffect, ReportConflict> {
    use PayoutStatus as S;
    let conflict =
        |why: &'static str| ReportConflict { status: current.status.as_str(), report: report.name(), why };
    match (current.status, report) {
        (S::Requested, Report::Sent { .. }) => Ok(ReportEffect::Move(S::Sent)),
        (S::Sent | S::Paid, Report::Sent { channel_ref }) => match current.channel_ref {
            Some(known) if known == channel_ref => Ok(ReportEffect::Repeat),
            None => Err(conflict("comes after it was paid without one")),
            Some(_) => Err(conflict("names another channel reference")),
        },
        (S::Requested | S::Sent, Report::Paid { .. }) => Ok(ReportEffect::Move(S::Paid)),
        (S::Paid, Report::Paid { paid_on }) if current.paid_on == Some(paid_on.as_str()) => {
            Ok(ReportEffect::Repeat)
        }
        (S::Paid, Report::Paid { .. }) => Err(conflict("names another paid date")),
        (S::Requested, Report::Failed { .. }) => Ok(ReportEffect::Move(S::Failed)),
        (S::Sent, Report::Failed { .. }) => Ok(ReportEffect::Move(S::Returned)),
        (S::Failed | S::Returned, Report::Failed { .. }) => Ok(ReportEffect::Repeat),
        (S::Paid, Report::Failed { .. }) => Err(conflict("contradicts the paid report")),
        (S::Failed | S::Returned, Report::Sent { .. } | Report::Paid { .. }) => {
            Err(conflict("comes after the money went back"))
        }
    }
}

// ----- reconciliation -----

/// Lines of a settlement file read at most.
pub const RECONCILE_LINES_MAX: usize = 100_000;
/// The header line of a settlement file.
pub const RECONCILE_HEADER: &str = "payout_id,channel_ref,amount_fen,status,date";

/// One line of the channel's settlement file: `payout_id,channel_ref,amount_fen,status,date`,
/// status `paid`, `failed` or `returned`, date `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementLine {
    pub line: usize,
    pub payout_id: i64,
    pub channel_ref: String,
    pub amount_fen: i64,
    pub status: PayoutStatus,
    pub date: String,
}

/// A line of a settlement file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}")]
pub struct SettlementLineError {
    pub line: usize,
    pub why: String,
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Reads a settlement file: an optional header line, then one payout per line. Blank lines are
/// skipped; a line that does not parse is an error naming it (the whole file is refused, since a
/// report over part of a file would mislead).
pub fn parse_settlement(text: &str) -> Result<Vec<SettlementLine>, SettlementLineError> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        if number > RECONCILE_LINES_MAX {
            return Err(SettlementLineError {
                line: number,
                why: format!("at most {RECONCILE_LINES_MAX} lines"),
            });
        }
        let raw = raw.trim().trim_start_matches('\u{feff}');
        if raw.is_empty() || (number == 1 && raw.eq_ignore_ascii_case(RECONCILE_HEADER)) {
            continue;
        }
        let err = |why: &str| SettlementLineError { line: number, why: why.to_owned() };
        let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
        let [id, channel_ref, amount, status, date] = fields.as_slice() else {
            return Err(err("expected 5 fields: payout_id,channel_ref,amount_fen,status,date"));
        };
        let payout_id = id.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| err("payout_id"))?;
        let amount_fen = amount.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| err("amount_fen"))?;
        if channel_ref.is_empty() || channel_ref.chars().count() > CHANNEL_REF_LENGTH_MAX {
            return Err(err("channel_ref must be 1-64 characters"));
        }
        let status = PayoutStatus::parse(status)
            .filter(|s| !s.is_in_flight())
            .ok_or_else(|| err("status must be paid, failed or returned"))?;
        if !is_date(date) {
            return Err(err("date must be YYYY-MM-DD"));
        }
        lines.push(SettlementLine {
            line: number,
            payout_id,
            channel_ref: (*channel_ref).to_owned(),
            amount_fen,
            status,
            date: (*date).to_owned(),
        });
    }
    Ok(lines)
}

/// A payout as Xiaodian knows it, for reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPayout {
    pub id: i64,
    pub amount_fen: i64,
    pub status: PayoutStatus,
    pub channel_ref: Option<String>,
}

text_enum! {
    /// One kind of difference between the settlement file and the payouts.
    DifferenceKind {
        UnknownPayout => "unknown_payout", "文件中的打款在系统中不存在";
        AmountDiffers => "amount_differs", "金额不一致";
        PaidOnlyInFile => "paid_only_in_file", "文件显示已到账，系统未到账";
        PaidOnlyHere => "paid_only_here", "系统显示已到账，文件未到账";
        PaidTwice => "paid_twice", "文件中重复到账";
    }
}

/// One difference, naming the file line (when the file has one) and the payout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub kind: DifferenceKind,
    pub payout_id: i64,
    pub line: Option<usize>,
    pub file_amount_fen: Option<i64>,
    pub our_amount_fen: Option<i64>,
    pub our_status: Option<PayoutStatus>,
    pub file_status: Option<PayoutStatus>,
}

/// Compares the file with the payouts whose ids it names plus every payout Xiaodian holds paid in
/// the period (`paid_here`): each difference once, in file order, then the payouts paid here that
/// the file does not show paid, by id.
pub fn reconcile(
    file: &[SettlementLine],
    known: &HashMap<i64, KnownPayout>,
    paid_here: &[KnownPayout],
) -> Vec<Difference> {
    let mut differences = Vec::new();
    let mut paid_lines: BTreeMap<i64, usize> = BTreeMap::new();
    for line in file {
        let base = Difference {
            kind: DifferenceKind::UnknownPayout,
            payout_id: line.payout_id,
            line: Some(line.line),
            file_amount_fen: Some(line.amount_fen),
            our_amount_fen: None,
            our_status: None,
            file_status: Some(line.status),
        };
        let Some(ours) = known.get(&line.payout_id) else {
            differences.push(base);
            continue;
        };
        let base =
            Difference { our_amount_fen: Some(ours.amount_fen), our_status: Some(ours.status), ..base };
        if line.status == PayoutStatus::Paid {
            let seen = paid_lines.entry(line.payout_id).or_insert(0);
            *seen += 1;
            if *seen > 1 {
                differences.push(Difference { kind: DifferenceKind::PaidTwice, ..base });
                continue;
            }
        }
        if ours.amount_fen != line.amount_fen {
            differences.push(Difference { kind: DifferenceKind::AmountDiffers, ..base.clone() });
        }
        if line.status == PayoutStatus::Paid && ours.status != PayoutStatus::Paid {
            differences.push(Difference { kind: DifferenceKind::PaidOnlyInFile, ..base.clone() });
        }
        if line.status != PayoutStatus::Paid && ours.status == PayoutStatus::Paid {
            differences.push(Difference { kind: DifferenceKind::PaidOnlyHere, ..base });
        }
    }
    let mut missing: Vec<&KnownPayout> = paid_here
        .iter()
        .filter(|p| p.status == PayoutStatus::Paid && !file.iter().any(|l| l.payout_id == p.id))
        .collect();
    missing.sort_by_key(|p| p.id);
    missing.dedup_by_key(|p| p.id);
    for p in missing {
        differences.push(Difference {
            kind: DifferenceKind::PaidOnlyHere,
            payout_id: p.id,
            line: None,
            file_amount_fen: None,
            our_amount_fen: Some(p.amount_fen),
            our_status: Some(p.status),
            file_status: None,
        });
    }
    differences
}

/// The report as CSV (RFC 4180; no field can hold a comma or a quote).
pub fn differences_csv(differences: &[Difference]) -> String {
    let mut out = String::from("kind,payout_id,line,file_amount_fen,our_amount_fen,file_status,our_status\n");
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for d in differences {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            d.kind.as_str(),
            d.payout_id,
            d.line.map(|l| l.to_string()).unwrap_or_default(),
            opt(d.file_amount_fen),
            opt(d.our_amount_fen),
            d.file_status.map(PayoutStatus::as_str).unwrap_or_default(),
            d.our_status.map(PayoutStatus::as_str).unwrap_or_default(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_payout_says_where_a_refund_is() {
        let day = |d: &str| d.to_owned();
        assert_eq!(refund_arrival(&[]), None);
        assert_eq!(
            refund_arrival(&[(PayoutStatus::Sent, day("2026-11-02"))]),
            Some((RefundArrival::Paying, day("2026-11-02")))
        );
        let returned_then_paid =
            [(PayoutStatus::Returned, day("2026-11-03")), (PayoutStatus::Paid, day("2026-11-06"))];
        assert_eq!(refund_arrival(&returned_then_paid), Some((RefundArrival::Paid, day("2026-11-06"))));
        assert_eq!(
            refund_arrival(&[(PayoutStatus::Failed, day("2026-11-03"))]),
            Some((RefundArrival::Failed, day("2026-11-03")))
        );
    }

    fn reported(
        status: PayoutStatus,
        channel_ref: Option<&'static str>,
        paid_on: Option<&'static str>,
    ) -> Reported<'static> {
        Reported { status, channel_ref, paid_on, failure_reason: None }
    }

    fn sent(r: &str) -> Report {
        Report::Sent { channel_ref: r.into() }
    }
    fn paid(d: &str) -> Report {
        Report::Paid { paid_on: d.into() }
    }
    fn failed() -> Report {
        Report::Failed { reason: "账户已销户".into() }
    }

    #[test]
    fn reports_move_repeat_or_conflict() {
        use PayoutStatus as S;
        use ReportEffect::{Move, Repeat};
        let check = |current: Reported<'static>, report: Report, expect: Option<ReportEffect>| {
            assert_eq!(decide_report(&current, &report).ok(), expect, "{current:?} {report:?}");
        };
        check(reported(S::Requested, None, None), sent("C1"), Some(Move(S::Sent)));
        check(reported(S::Sent, Some("C1"), None), sent("C1"), Some(Repeat));
        check(reported(S::Sent, Some("C1"), None), sent("C2"), None);
        check(reported(S::Requested, None, None), paid("2026-10-20"), Some(Move(S::Paid)));
        check(reported(S::Sent, Some("C1"), None), paid("2026-10-20"), Some(Move(S::Paid)));
        check(reported(S::Paid, Some("C1"), Some("2026-10-20")), paid("2026-10-20"), Some(Repeat));
        check(reported(S::Paid, Some("C1"), Some("2026-10-20")), paid("2026-10-21"), None);
        check(reported(S::Paid, Some("C1"), Some("2026-10-20")), sent("C1"), Some(Repeat));
        check(reported(S::Paid, None, Some("2026-10-20")), sent("C1"), None);
        check(reported(S::Paid, Some("C1"), Some("2026-10-20")), failed(), None);
        check(reported(S::Requested, None, None), failed(), Some(Move(S::Failed)));
        check(reported(S::Sent, Some("C1"), None), failed(), Some(Move(S::Returned)));
        check(reported(S::Returned, Some("C1"), None), failed(), Some(Repeat));
        check(reported(S::Failed, None, None), failed(), Some(Repeat));
        check(reported(S::Returned, Some("C1"), None), paid("2026-10-20"), None);
        check(reported(S::Failed, None, None), sent("C1"), None);
    }

    #[test]
    fn settlement_files_parse_line_by_line() {
        let text = "payout_id,channel_ref,amount_fen,status,date\n1,C1,5000,paid,2026-10-20\n\n2,C2,300,returned,2026-10-21\n";
        let lines = parse_settlement(text).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[1].line, lines[1].status), (4, PayoutStatus::Returned));
        let bad = |text: &str, line: usize| {
            assert_eq!(parse_settlement(text).unwrap_err().line, line, "{text}");
        };
        bad("1,C1,5000,paid", 1);
        bad("1,C1,5000,sent,2026-10-20", 1);
        bad("1,C1,-5,paid,2026-10-20", 1);
        bad("x,C1,5,paid,2026-10-20", 1);
        bad("1,C1,5,paid,2026/10/20", 1);
        bad("1,C1,5,paid,2026-10-20\n2,,5,paid,2026-10-20", 2);
    }

    #[test]
    fn reconciliation_lists_each_planted_difference_once() {
        let known = |id, amount_fen, status| KnownPayout { id, amount_fen, status, channel_ref: None };
        let ours: HashMap<i64, KnownPayout> = [
            known(1, 5_000, PayoutStatus::Paid),
            known(2, 7_000, PayoutStatus::Paid),
            known(3, 9_000, PayoutStatus::Sent),
            known(4, 1_000, PayoutStatus::Paid),
            known(5, 2_000, PayoutStatus::Paid),
        ]
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
        let file = parse_settlement(
            "1,C1,5000,paid,2026-10-20\n2,C2,7001,paid,2026-10-20\n3,C3,9000,paid,2026-10-20\n\
             99,C9,100,paid,2026-10-20\n1,C1,5000,paid,2026-10-21\n4,C4,1000,returned,2026-10-21\n",
        )
        .unwrap();
        let paid_here: Vec<KnownPayout> =
            ours.values().filter(|p| p.status == PayoutStatus::Paid).cloned().collect();
        let found: Vec<(DifferenceKind, i64)> =
            reconcile(&file, &ours, &paid_here).iter().map(|d| (d.kind, d.payout_id)).collect();
        use DifferenceKind as K;
        assert_eq!(
            found,
            [
                (K::AmountDiffers, 2),
                (K::PaidOnlyInFile, 3),
                (K::UnknownPayout, 99),
                (K::PaidTwice, 1),
                (K::PaidOnlyHere, 4),
                (K::PaidOnlyHere, 5),
            ]
        );
        let matching = parse_settlement("1,C1,5000,paid,2026-10-20").unwrap();
        let only_one: HashMap<i64, KnownPayout> =
            [(1, known(1, 5_000, PayoutStatus::Paid))].into_iter().collect();
        assert!(reconcile(&matching, &only_one, &[known(1, 5_000, PayoutStatus::Paid)]).is_empty());
        assert!(differences_csv(&[]).starts_with("kind,payout_id"));
    }
}
