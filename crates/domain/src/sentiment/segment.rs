//! Word segmentation at classification time: jieba's no-HMM algorithm (a DAG of the dictionary's
//! words over each run of Chinese characters, then the path of highest total log-frequency) over
//! the model's own dictionary, the words jieba-rs found in the training corpus.
//!
//! jieba-rs walks a double-array trie of its full 349,000-word dictionary and takes a logarithm
//! per edge; here the dictionary is the corpus's ~35,000 words in a hash table keyed by a running
//! hash of the characters, each entry holding its log-probability and whether longer words start
//! with it, so a position stops looking as soon as no word can continue. Runs of ASCII letters
//! and digits are one word each (as in jieba); any other character is a word of its own; spaces
//! separate words.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Dictionary words longer than this (in characters) are left out.
pub const WORD_CHARS_MAX: usize = 8;

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// ln(freq / total) when the characters so far are a word.
    cost: Option<f32>,
    /// Whether a longer word starts with these characters.
    prefix: bool,
}

/// The segmenter of one dictionary (jieba's `word freq` lines).
#[derive(Debug)]
pub struct Segmenter {
    entries: HashMap<u64, Entry, BuildHasherDefault<Identity>>,
    /// The cost of a character that is no word: ln(1 / total).
    unknown: f32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("dictionary line {line}: {reason}")]
pub struct DictionaryError {
    pub line: usize,
    pub reason: &'static str,
}

impl Segmenter {
    pub fn new(dictionary: &str) -> Result<Self, DictionaryError> {
        let mut words = Vec::new();
        let mut total = 0f64;
        for (index, line) in dictionary.lines().enumerate() {
            let mut parts = line.split_whitespace();
            let Some(word) = parts.next() else { continue };
            let freq: u64 = match parts.next() {
                Some(text) => {
                    text.parse().map_err(|_| DictionaryError { line: index + 1, reason: "bad frequency" })?
                }
                None => return Err(DictionaryError { line: index + 1, reason: "no frequency" }),
            };
            total += freq as f64;
            words.push((word, freq));
        }
        let total = total.max(1.0);
        let mut entries: HashMap<u64, Entry, BuildHasherDefault<Identity>> = HashMap::default();
        for (word, freq) in words {
            let chars: Vec<char> = word.chars().collect();
            if chars.len() > WORD_CHARS_MAX || freq == 0 {
                continue;
            }
            let mut h = SEED;
            for (i, &c) in chars.iter().enumerate() {
                h = step(h, c);
                let entry = entries.entry(h).or_insert(Entry { cost: None, prefix: false });
                if i + 1 == chars.len() {
                    entry.cost = Some(((freq as f64) / total).ln() as f32);
                } else {
                    entry.prefix = true;
                }
            }
        }
        Ok(Segmenter { entries, unknown: (1.0 / total).ln() as f32 })
    }

    /// The words of a text, in order (spaces dropped, punctuation kept as words).
    pub fn cut<'a>(&self, text: &'a str, out: &mut Vec<&'a str>) {
        out.clear();
        let mut chars = text.char_indices().peekable();
        let mut han: Vec<(usize, char)> = Vec::new();
        while let Some(&(start, c)) = chars.peek() {
            if is_han(c) {
                han.clear();
                while let Some(&(i, c)) = chars.peek() {
                    if !is_han(c) {
                        break;
                    }
                    han.push((i, c));
                    chars.next();
                }
                let end = chars.peek().map_or(text.len(), |&(i, _)| i);
                self.cut_han(text, &han, end, out);
            } else if c.is_ascii_alphanumeric() {
                let mut end = text.len();
                while let Some(&(i, c)) = chars.peek() {
                    if !c.is_ascii_alphanumeric() {
                        end = i;
                        break;
                    }
                    chars.next();
                }
                out.push(&text[start..end]);
            } else {
                chars.next();
                if !c.is_whitespace() {
                    out.push(&text[start..start + c.len_utf8()]);
                }
            }
        }
    }

    /// The best path through a run of Chinese characters (`han`: byte offset and character).
    fn cut_han<'a>(&self, text: &'a str, han: &[(usize, char)], end: usize, out: &mut Vec<&'a str>) {
        let n = han.len();
        // best[i]: cost of the best path from character i to the end, and the length of its first word.
        let mut best: Vec<(f32, usize)> = vec![(0.0, 0); n + 1];
        for i in (0..n).rev() {
            let mut choice = (self.unknown + best[i + 1].0, 1);
            let mut h = SEED;
            for j in i..n.min(i + WORD_CHARS_MAX) {
                h = step(h, han[j].1);
                let Some(entry) = self.entries.get(&h) else { break };
                if let Some(cost) = entry.cost {
                    let total = cost + best[j + 1].0;
                    if total > choice.0 || (j == i && total >= choice.0) {
                        choice = (total, j + 1 - i);
                    }
                }
                if !entry.prefix {
                    break;
                }
            }
            best[i] = choice;
        }
        let offset = |i: usize| if i == n { end } else { han[i].0 };
        let mut i = 0;
        while i < n {
            let next = i + best[i].1;
            out.push(&text[offset(i)..offset(next)]);
            i = next;
        }
    }
}

/// CJK ideographs (the basic block and extension A, compatibility ideographs).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

const SEED: u64 = 0x243F_6A88_85A3_08D3;

/// The running hash of a character sequence: one multiply-rotate per character.
fn step(h: u64, c: char) -> u64 {
    let h = (h ^ c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 29)
}

/// The keys are hashes already: the table uses them as they are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words<'a>(segmenter: &Segmenter, text: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        segmenter.cut(text, &mut out);
        out
    }

    #[test]
    fn the_most_probable_path_wins() {
        let segmenter =
            Segmenter::new("质量 1000\n质 10\n量 10\n很 2000\n好 3000\n很好 50\n好用 800\n用 500\n").unwrap();
        assert_eq!(words(&segmenter, "质量很好"), vec!["质量", "很", "好"]);
        assert_eq!(words(&segmenter, "质量好用"), vec!["质量", "好用"]);
        // Unknown characters are words of one character.
        assert_eq!(words(&segmenter, "质量差"), vec!["质量", "差"]);
    }

    #[test]
    fn ascii_runs_punctuation_emoji_and_spaces() {
        let segmenter = Segmenter::new("真香 100\n").unwrap();
        assert_eq!(words(&segmenter, "yyds真香!👍 ok 123"), vec!["yyds", "真香", "!", "👍", "ok", "123"]);
        assert!(words(&segmenter, "").is_empty());
    }

    #[test]
    fn bad_lines_are_refused() {
        assert_eq!(
            Segmenter::new("好 x\n").unwrap_err(),
            DictionaryError { line: 1, reason: "bad frequency" }
        );
        assert_eq!(Segmenter::new("好\n").unwrap_err().reason, "no frequency");
    }
}
