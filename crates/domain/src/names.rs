//! Names people compare: shop, entity, company and nickname texts normalised (NFKC, invisible
//! characters stripped, whitespace collapsed) before they are stored, and the key two names are
//! compared by.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a name was refused (the `reason` of the field error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing visible is left once invisible characters and spaces are gone.
    #[error("empty")]
    Empty,
    #[error("too_long")]
    TooLong,
    /// A control character, or a bidirectional control that reorders what a reader sees.
    #[error("characters")]
    Characters,
}

/// Bidirectional controls (embeddings, overrides, isolates, marks): they make a name read differently
/// from what it is, so a name holding one is refused rather than cleaned.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A Unicode format character (general category Cf): zero-width spaces and joiners, the byte-order
/// mark, soft hyphens, tags.
fn is_format(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// A name as it is stored: NFKC, format characters removed, every run of white space one space,
/// trimmed, 1 to `length_max` characters. Control and bidirectional control characters are refused.
pub fn normalize_name(text: &str, length_max: usize) -> Result<String, NameError> {
    if text.chars().any(|c| is_bidi_control(c) || (c.is_control() && !c.is_whitespace())) {
        return Err(NameError::Characters);
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkc().filter(|c| !is_format(*c)) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    match out.chars().count() {
        0 => Err(NameError::Empty),
        n if n > length_max => Err(NameError::TooLong),
        _ => Ok(out),
    }
}

/// `normalize_name` for callers that only need to know whether the name is acceptable.
pub fn bounded_name(text: &str, length_max: usize) -> Option<String> {
    normalize_name(text, length_max).ok()
}

/// The key two names are the same by: the normalised name without spaces, Latin letters folded to
/// lower case. `ＡＢＣ 科技` and `abc科技` (and either with a zero-width space) share one key.
pub fn name_key(normalized: &str) -> String {
    normalized.nfkc().filter(|c| !c.is_whitespace() && !is_format(*c)).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, NameError>) {
        assert_eq!(normalize_name(input, 10).as_deref().map_err(|e| *e), expect, "{input:?}");
    }

    #[test]
    fn names_are_normalised() {
        check("  小店  科技 ", Ok("小店 科技"));
        check("ＡＢＣ科技", Ok("ABC科技"));
        check("小店\u{200B}科技", Ok("小店科技"));
        check("小店\u{FEFF}", Ok("小店"));
        check("\t小\n店", Ok("小 店"));
        check("\u{200B}\u{200C}\u{200D}", Err(NameError::Empty));
        check("   ", Err(NameError::Empty));
        check("", Err(NameError::Empty));
        check("小店\u{202E}技科", Err(NameError::Characters));
        check("小店\u{2067}", Err(NameError::Characters));
        check("小店\u{0007}", Err(NameError::Characters));
        check("一二三四五六七八九十一", Err(NameError::TooLong));
        check("一二三四五六七八九十", Ok("一二三四五六七八九十"));
    }

    #[test]
    fn keys_ignore_width_case_spaces_and_invisible_characters() {
        let key = |s: &str| name_key(&normalize_name(s, 100).unwrap());
        assert_eq!(key("ＡＢＣ 科技有限公司"), key("abc科技有限公司"));
        assert_eq!(key("小店科技\u{200B}"), key("小店科技"));
        assert_ne!(key("小店科技"), key("小店科技二"));
    }
}
