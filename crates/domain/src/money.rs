//! Money as whole fen (分): signed balances (`Fen`) and strictly positive transfer amounts (`Amount`).
//!
//! Floats never touch money. A balance may be negative (a shop that owes the platform); a transfer
//! amount is parsed once into an `Amount`, which cannot hold zero, a negative value or more than
//! `AMOUNT_FEN_MAX`.

use std::fmt;

/// Fen in one yuan (元).
pub const FEN_PER_YUAN: i64 = 100;

/// Largest single transfer accepted, in fen: ¥100,000,000.
pub const AMOUNT_FEN_MAX: i64 = 100_000_000 * FEN_PER_YUAN;

/// A signed amount of money in fen, for balances and totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: i64) -> Fen {
        Fen(fen)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// The sum, or `None` when it does not fit in an `i64`.
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// The difference, or `None` when it does not fit in an `i64`.
    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// Shows yuan with thousands separators and two decimals: `¥1,234.50`, `-¥12.00`.
impl fmt::Display for Fen {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `unsigned_abs` keeps `i64::MIN` printable.
        let magnitude = self.0.unsigned_abs();
        let fen_per_yuan = FEN_PER_YUAN.unsigned_abs();
        let yuan_digits: Vec<char> = (magnitude / fen_per_yuan).to_string().chars().collect();
        let cents = magnitude % fen_per_yuan;
        let sign = if self.0 < 0 { "-" } else { "" };
        // Groups of three digits from the right, joined by commas.
        let groups: Vec<String> = yuan_digits.rchunks(3).rev().map(|group| group.iter().collect()).collect();
        let grouped = groups.join(",");
        write!(formatter, "{sign}¥{grouped}.{cents:02}")
    }
}

/// A transfer amount in fen: at least 1 and at most `AMOUNT_FEN_MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(i64);

impl Amount {
    pub fn parse(fen: i64) -> Result<Amount, AmountError> {
        if fen <= 0 {
            return Err(AmountError::NotPositive { fen });
        }
        if fen > AMOUNT_FEN_MAX {
            return Err(AmountError::TooLarge { fen });
        }
        Ok(Amount(fen))
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub const fn fen(self) -> Fen {
        Fen(self.0)
    }
}

impl From<Amount> for Fen {
    fn from(amount: Amount) -> Fen {
        amount.fen()
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fen().fmt(formatter)
    }
}

/// Why a number of fen is not a transfer amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("an amount must be positive, got {fen} fen")]
    NotPositive { fen: i64 },
    #[error("an amount must be at most {AMOUNT_FEN_MAX} fen, got {fen} fen")]
    TooLarge { fen: i64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_display() {
        #[track_caller]
        fn check(fen: i64, expect: &str) {
            assert_eq!(Fen::new(fen).to_string(), expect, "{fen} fen");
        }
        check(0, "¥0.00");
        check(1, "¥0.01");
        check(10, "¥0.10");
        check(99, "¥0.99");
        check(100, "¥1.00");
        check(123_450, "¥1,234.50");
        check(99_999, "¥999.99");
        check(100_000, "¥1,000.00");
        check(100_000_000, "¥1,000,000.00");
        check(AMOUNT_FEN_MAX, "¥100,000,000.00");
        check(-1, "-¥0.01");
        check(-1_200, "-¥12.00");
        check(-123_456_789, "-¥1,234,567.89");
        check(i64::MAX, "¥92,233,720,368,547,758.07");
        check(i64::MIN, "-¥92,233,720,368,547,758.08");
    }

    #[test]
    fn fen_arithmetic() {
        #[track_caller]
        fn check(a: i64, b: i64, expect_sum: Option<i64>, expect_difference: Option<i64>) {
            let (a_fen, b_fen) = (Fen::new(a), Fen::new(b));
            assert_eq!(
                (a_fen.checked_add(b_fen).map(Fen::get), a_fen.checked_sub(b_fen).map(Fen::get)),
                (expect_sum, expect_difference),
                "{a} and {b}"
            );
        }
        check(0, 0, Some(0), Some(0));
        check(500, 200, Some(700), Some(300));
        check(200, 500, Some(700), Some(-300));
        check(-5, -7, Some(-12), Some(2));
        check(i64::MAX, 1, None, Some(i64::MAX - 1));
        check(i64::MIN, 1, Some(i64::MIN + 1), None);
        check(i64::MAX, -1, Some(i64::MAX - 1), None);
        check(i64::MIN, -1, None, Some(i64::MIN + 1));
        assert_eq!(Fen::ZERO, Fen::default());
        assert!(Fen::new(-1).is_negative() && !Fen::ZERO.is_negative());
        assert!(Fen::new(-1) < Fen::ZERO && Fen::ZERO < Fen::new(1));
    }

    #[test]
    fn amount_parse() {
        #[track_caller]
        fn check(fen: i64, expect: Result<i64, AmountError>) {
            assert_eq!(Amount::parse(fen).map(Amount::get), expect, "{fen} fen");
        }
        check(1, Ok(1));
        check(50_000, Ok(50_000));
        check(AMOUNT_FEN_MAX, Ok(AMOUNT_FEN_MAX));
        check(0, Err(AmountError::NotPositive { fen: 0 }));
        check(-1, Err(AmountError::NotPositive { fen: -1 }));
        check(i64::MIN, Err(AmountError::NotPositive { fen: i64::MIN }));
        check(AMOUNT_FEN_MAX + 1, Err(AmountError::TooLarge { fen: AMOUNT_FEN_MAX + 1 }));
        check(i64::MAX, Err(AmountError::TooLarge { fen: i64::MAX }));
    }

    #[test]
    fn amount_conversions_and_display() {
        let amount = Amount::parse(123_450).unwrap();
        assert_eq!(amount.fen(), Fen::new(123_450));
        assert_eq!(Fen::from(amount), Fen::new(123_450));
        assert_eq!(amount.to_string(), "¥1,234.50");
        assert_eq!(AMOUNT_FEN_MAX, 10_000_000_000);
        assert_eq!(
            AmountError::TooLarge { fen: AMOUNT_FEN_MAX + 1 }.to_string(),
            "an amount must be at most 10000000000 fen, got 10000000001 fen"
        );
    }
}
