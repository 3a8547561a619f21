//! Numbers for people: money with thousands separators (`¥12,345.00`), counts, durations in
//! 小时/分钟, sizes in KB/MB, weekdays as 周一; and the parsing of
//! money typed into a form (`1,000`, `1000.5`, `¥1,000.50`) without floating point.

use app::shops::yuan;

use crate::i18n::Lang;

/// Digits grouped by three with commas: `1234567` → `1,234,567` (the sign kept in front).
pub(crate) fn grouped(text: &str) -> String {
    let (sign, digits) = text.strip_prefix('-').map_or(("", text), |rest| ("-", rest));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// A count with thousands separators.
pub(crate) fn number(value: i64) -> String {
    grouped(&value.to_string())
}

/// Fen as yuan with separators and two decimals, no currency sign: `12,345.00`, `-1,000.50`.
pub(crate) fn yuan_grouped(fen: i64) -> String {
    let text = yuan(fen);
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    format!("{}.{cents}", grouped(whole))
}

/// Fen as `¥12,345.67` (or `-¥12,345.67`), without floating point.
pub(crate) fn money(fen: i64) -> String {
    let text = yuan_grouped(fen);
    match text.strip_prefix('-') {
        Some(magnitude) => format!("-¥{magnitude}"),
        None => format!("¥{text}"),
    }
}

/// A change of money with its sign: `+¥100.00`, `-¥100.00`, `¥0.00`.
pub(crate) fn change(fen: i64) -> String {
    if fen > 0 { format!("+{}", money(fen)) } else { money(fen) }
}

/// Yuan as typed into a form (`100`, `1,000`, `1000.5`, `¥1,000.50`, full-width ￥ too) to fen,
/// without floating point. None unless it is a non-negative amount with at most two decimals and
/// commas, if any, between groups of three digits.
pub(crate) fn parse_yuan(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text.strip_prefix(['¥', '￥']).unwrap_or(text).trim();
    let (whole, cents) = text.split_once('.').unwrap_or((text, "00"));
    let whole = if whole.contains(',') {
        let mut groups = whole.split(',');
        let first = groups.next()?;
        if first.is_empty() || first.len() > 3 {
            return None;
        }
        let rest: Vec<&str> = groups.collect();
        if rest.iter().any(|group| group.len() != 3) {
            return None;
        }
        let mut joined = first.to_owned();
        rest.iter().for_each(|group| joined.push_str(group));
        joined
    } else {
        whole.to_owned()
    };
    let digits =
        |part: &str| !part.is_empty() && part.len() <= 15 && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(&whole) || !digits(cents) || cents.len() > 2 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(cents)
}

/// Minutes as `3 小时 20 分钟` / `3 h 20 min`; under an hour only minutes, whole days of hours kept
/// as hours (a review SLA reads 24 小时).
pub(crate) fn duration_minutes(lang: Lang, minutes: f64) -> String {
    let total = if minutes.is_finite() && minutes > 0.0 { minutes.round() as i64 } else { 0 };
    let (hours, rest) = (total / 60, total % 60);
    match (lang, hours, rest) {
        (Lang::Zh, 0, m) => format!("{m} 分钟"),
        (Lang::Zh, h, 0) => format!("{} 小时", number(h)),
        (Lang::Zh, h, m) => format!("{} 小时 {m} 分钟", number(h)),
        (Lang::En, 0, m) => format!("{m} min"),
        (Lang::En, h, 0) => format!("{} h", number(h)),
        (Lang::En, h, m) => format!("{} h {m} min", number(h)),
    }
}

/// Bytes as `512 B`, `19.5 KB`, `3.1 MB`, `1.1 GB` (steps of 1,024, one decimal, truncated;
/// integers only).
pub(crate) fn bytes(value: i64) -> String {
    let value = value.max(0);
    let one_decimal = |unit: i64| format!("{}.{}", value / unit, value % unit * 10 / unit);
    if value < 1024 {
        format!("{value} B")
    } else if value < 1024 * 1024 {
        format!("{} KB", one_decimal(1024))
    } else if value < 1024 * 1024 * 1024 {
        format!("{} MB", one_decimal(1024 * 1024))
    } else {
        format!("{} GB", one_decimal(1024 * 1024 * 1024))
    }
}

/// A weekday from 1 (Monday) to 7 (Sunday) as `周一` / `Mon`.
pub(crate) fn weekday(lang: Lang, day: u32) -> &'static str {
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let index = (day.clamp(1, 7) - 1) as usize;
    if lang == Lang::Zh { ZH[index] } else { EN[index] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_carries_thousands_separators() {
        let check = |fen: i64, expect: &str| assert_eq!(money(fen), expect, "{fen}");
        check(0, "¥0.00");
        check(5, "¥0.05");
        check(99_999, "¥999.99");
        check(190_000, "¥1,900.00");
        check(3_000_000, "¥30,000.00");
        check(123_456_789, "¥1,234,567.89");
        check(-100_050, "-¥1,000.50");
        assert_eq!(change(100_000), "+¥1,000.00");
        assert_eq!(number(4765), "4,765");
        assert_eq!(number(-1_000_000), "-1,000,000");
        assert_eq!(number(999), "999");
    }

    #[test]
    fn money_inputs_accept_what_people_type() {
        let check = |text: &str, expect: Option<i64>| assert_eq!(parse_yuan(text), expect, "{text:?}");
        check("1000", Some(100_000));
        check("1,000", Some(100_000));
        check("1000.5", Some(100_050));
        check("¥1,000.50", Some(100_050));
        check("￥ 12,345,678.9", Some(1_234_567_890));
        check("0.05", Some(5));
        check(" 100 ", Some(10_000));
        for bad in ["", "-1", "1.234", "1,00", "10,0000", ",100", "1,,000", "1e3", "abc", "1 000", "1000,"] {
            check(bad, None);
        }
    }

    #[test]
    fn durations_sizes_percentages_and_weekdays_read_as_words() {
        assert_eq!(duration_minutes(Lang::Zh, 1440.0), "24 小时");
        assert_eq!(duration_minutes(Lang::Zh, 200.0), "3 小时 20 分钟");
        assert_eq!(duration_minutes(Lang::Zh, 45.4), "45 分钟");
        assert_eq!(duration_minutes(Lang::En, 90.0), "1 h 30 min");
        assert_eq!(bytes(20_040), "19.5 KB");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 * 1024 * 1024 + 200_000), "3.1 MB");
        assert_eq!(weekday(Lang::Zh, 1), "周一");
        assert_eq!(weekday(Lang::En, 7), "Sun");
    }
}
