//! Value formats: how a chart's numbers read on its axis, in its table and in its CSV.

/// How the values of a chart are written. Values are `f64` so that a chart can show any measure, but
/// every format rounds to whole units first (fen, basis points, counts): money is only drawn, never
/// computed with, and `f64` holds whole numbers exactly up to 2^53.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ValueFormat {
    /// Whole numbers with thousands separators: 12345 → "12,345".
    #[default]
    Integer,
    /// Basis points (1% = 100) as a percentage: 1250 → "12.50%".
    PercentBp,
    /// Fen as yuan: 123456 → "¥1,234.56".
    MoneyFen,
}

impl ValueFormat {
    /// The value as the table shows it.
    pub fn text(self, value: f64) -> String {
        let units = whole_units(value);
        match self {
            Self::Integer => grouped(units),
            Self::PercentBp => format!("{}%", hundredths(units, false)),
            Self::MoneyFen => money(units, false),
        }
    }

    /// The value as an axis tick shows it: like `text`, without zero decimals.
    pub fn tick_text(self, value: f64) -> String {
        let units = whole_units(value);
        match self {
            Self::Integer => grouped(units),
            Self::PercentBp => format!("{}%", trim_zero_decimals(&hundredths(units, false))),
            Self::MoneyFen => trim_zero_decimals(&money(units, false)),
        }
    }

    /// The value as the CSV holds it: a plain number, percent for percentages and yuan for money.
    pub fn csv_text(self, value: f64) -> String {
        let units = whole_units(value);
        match self {
            Self::Integer => units.to_string(),
            Self::PercentBp | Self::MoneyFen => hundredths(units, true),
        }
    }

    /// The smallest step between two axis ticks: one whole unit.
    pub(crate) fn step_min(self) -> f64 {
        1.0
    }
}

/// The value rounded to a whole number of units (saturating at the ends of `i64`).
fn whole_units(value: f64) -> i64 {
    if value.is_finite() { value.round() as i64 } else { 0 }
}

/// Thousands separators: -1234567 → "-1,234,567".
fn grouped(units: i64) -> String {
    let sign = if units < 0 { "-" } else { "" };
    format!("{sign}{}", group_digits(units.unsigned_abs()))
}

fn group_digits(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Hundredths as a decimal with two places: 12345 → "123.45" ("1,234.56" unless `plain`).
fn hundredths(units: i64, plain: bool) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let whole = if plain { (abs / 100).to_string() } else { group_digits(abs / 100) };
    format!("{sign}{whole}.{:02}", abs % 100)
}

/// Fen as "¥1,234.56", the sign before the currency sign.
fn money(fen: i64, plain: bool) -> String {
    let text = hundredths(fen, plain);
    match text.strip_prefix('-') {
        Some(rest) => format!("-¥{rest}"),
        None => format!("¥{text}"),
    }
}

/// "12.50" → "12.5", "500.00" → "500".
fn trim_zero_decimals(text: &str) -> String {
    if !text.contains('.') {
        return text.to_owned();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::ValueFormat::{self, Integer, MoneyFen, PercentBp};

    fn check(format: ValueFormat, value: f64, text: &str, tick: &str, csv: &str) {
        assert_eq!(format.text(value), text, "text of {value}");
        assert_eq!(format.tick_text(value), tick, "tick of {value}");
        assert_eq!(format.csv_text(value), csv, "csv of {value}");
    }

    #[test]
    fn formats_read_as_people_expect() {
        check(Integer, 0.0, "0", "0", "0");
        check(Integer, 1234567.4, "1,234,567", "1,234,567", "1234567");
        check(Integer, -1000.0, "-1,000", "-1,000", "-1000");
        check(PercentBp, 1250.0, "12.50%", "12.5%", "12.50");
        check(PercentBp, 10000.0, "100.00%", "100%", "100.00");
        check(PercentBp, -5.0, "-0.05%", "-0.05%", "-0.05");
        check(MoneyFen, 123456.0, "¥1,234.56", "¥1,234.56", "1234.56");
        check(MoneyFen, 50000.0, "¥500.00", "¥500", "500.00");
        check(MoneyFen, -50.0, "-¥0.50", "-¥0.5", "-0.50");
        check(MoneyFen, f64::NAN, "¥0.00", "¥0", "0.00");
    }
}
