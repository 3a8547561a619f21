//! Text helpers shared by charts and reports: bilingual titles, XML escaping, width estimates and wrapping.

/// A text shown in Chinese first, then English.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { zh: zh.into(), en: en.into() }
    }

    /// Both languages on one line: "销售额 / Sales", or the one that is not empty.
    pub fn joined(&self) -> String {
        match (self.zh.trim().is_empty(), self.en.trim().is_empty()) {
            (false, false) => format!("{} / {}", self.zh, self.en),
            (false, true) => self.zh.clone(),
            _ => self.en.clone(),
        }
    }
}

/// The ellipsis that ends a shortened text.
const ELLIPSIS: char = '…';

/// Text escaped for XML content and attribute values. Characters XML 1.0 forbids (control characters
/// other than tab, line feed and carriage return; U+FFFE, U+FFFF) become spaces, so any user text is safe.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The estimated advance of one character in em: narrow for Latin, digits and punctuation, one em for
/// CJK and everything else. Generous on purpose, so estimated text never overflows.
fn char_width_em(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.32,
        'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.9,
        c if c.is_ascii_uppercase() => 0.68,
        c if (c as u32) < 0x1100 => 0.6,
        _ => 1.0,
    }
}

/// The estimated width of `text` at `font_size`.
pub fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().map(char_width_em).sum::<f64>() * font_size
}

/// `text` shortened with an ellipsis so that it fits in `width` at `font_size`.
pub fn fit_width(text: &str, width: f64, font_size: f64) -> String {
    if text_width(text, font_size) <= width {
        return text.to_owned();
    }
    let budget = width - char_width_em(ELLIPSIS) * font_size;
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += char_width_em(c) * font_size;
        if used > budget {
            break;
        }
        out.push(c);
    }
    out.push(ELLIPSIS);
    out
}

/// `text` broken into lines no wider than `width` at `font_size`: Latin words stay whole when they fit
/// on a line, CJK text breaks between any two characters.
pub fn wrap(text: &str, width: f64, font_size: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in words(text) {
        let candidate = format!("{line}{word}");
        if text_width(candidate.trim_end(), font_size) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(line.trim_end().to_owned());
            line = word.trim_start().to_owned();
        }
        while text_width(line.trim_end(), font_size) > width && line.chars().count() > 1 {
            let (head, tail) = split_at_width(&line, width, font_size);
            lines.push(head);
            line = tail;
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// The pieces `wrap` never breaks inside: a run of ASCII letters and digits with its trailing spaces, or
/// any other single character.
fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let glued = c.is_ascii_alphanumeric() || c == ' ' || c.is_ascii_punctuation();
        if glued && !(c != ' ' && current.ends_with(' ')) {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if glued {
            current.push(c);
        } else {
            words.push(c.to_string());
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The longest head of `line` (at least one character) that fits in `width`, and the rest.
fn split_at_width(line: &str, width: f64, font_size: f64) -> (String, String) {
    let mut used = 0.0;
    let mut split = 0;
    for (index, c) in line.char_indices() {
        used += char_width_em(c) * font_size;
        if used > width && index > 0 {
            split = index;
            break;
        }
    }
    if split == 0 {
        split = line.char_indices().nth(1).map_or(line.len(), |(index, _)| index);
    }
    (line[..split].to_owned(), line[split..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_forbidden_characters() {
        let check = |input: &str, expect: &str| assert_eq!(escape_xml(input), expect);
        check("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;");
        check("</text><script>", "&lt;/text&gt;&lt;script&gt;");
        check("新品\u{0}上市\u{1b}\n", "新品 上市  ");
        check("\u{FFFF}", " ");
        check("普通标题 #好物", "普通标题 #好物");
    }

    #[test]
    fn bilingual_joins_what_is_there() {
        assert_eq!(Bilingual::new("销售额", "Sales").joined(), "销售额 / Sales");
        assert_eq!(Bilingual::new("销售额", "").joined(), "销售额");
        assert_eq!(Bilingual::new("", "Sales").joined(), "Sales");
    }

    #[test]
    fn fitting_shortens_with_an_ellipsis() {
        assert_eq!(fit_width("短", 100.0, 10.0), "短");
        let fitted = fit_width("一二三四五六七八九十", 50.0, 10.0);
        assert!(fitted.ends_with('…'));
        assert!(text_width(&fitted, 10.0) <= 50.0);
    }

    #[test]
    fn wrapping_keeps_words_and_breaks_cjk_anywhere() {
        let lines = wrap("hello world again", 40.0, 10.0);
        assert_eq!(lines, vec!["hello", "world", "again"]);
        let lines = wrap("一二三四五六", 30.0, 10.0);
        assert_eq!(lines, vec!["一二三", "四五六"]);
        let long = "x".repeat(50);
        assert!(wrap(&long, 60.0, 10.0).iter().all(|line| text_width(line, 10.0) <= 60.0));
        assert!(wrap("", 60.0, 10.0).is_empty());
    }
}
