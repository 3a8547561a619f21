//! Word segmentation at classification time: jieba's no-HMM algorithm (a DAG of the dictionary's
//! words over each run of Chinese characters, then the path of highest total log-frequency) over
//! the model's own dictionary, the words jieba-rs found in the training corpus.
//!
//! jieba-rs walks a double-array trie of its full 349,000-word dictionary and takes a logarithm
//! per edge; here the dictionary is the corpus's ~35,000 words in a small trie: the first
//! character of a word indexes an array, each longer sequence is a slot of one open-addressing
//! table (8 bytes a slot, 512 KB in all) keyed by its parent and its last character, each node
//! holding its log-probability and whether longer words start with it, so a position stops
//! looking as soon as no word can continue. Runs of ASCII letters and digits are one word each
//! (as in jieba); any other character is a word of its own; spaces separate words.

/// Dictionary words longer than this (in characters) are left out.
pub const WORD_CHARS_MAX: usize = 8;

/// At most this many sequences of two to `WORD_CHARS_MAX` Chinese characters (words and the
/// beginnings of longer words) in a dictionary: three quarters of the table.
pub const PREFIXES_MAX: usize = TABLE_SLOTS / 4 * 3;

/// Slots of the table of sequences (a power of two: node numbers and keys fit in `u32`).
const TABLE_SLOTS: usize = 1 << 16;

/// A node of the trie, packed: bit 31 set when a longer word starts with the sequence; bits 0–30
/// the `f32` bits of minus the word's cost (a non-negative float), or `NO_WORD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Node(u32);

const PREFIX_BIT: u32 = 1 << 31;
/// A NaN's bits: no cost has them.
const NO_WORD: u32 = 0x7FFF_FFFF;

impl Node {
    const EMPTY: Node = Node(NO_WORD);

    /// ln(freq / total) when the sequence is a word.
    fn cost(self) -> Option<f32> {
        let bits = self.0 & !PREFIX_BIT;
        if bits == NO_WORD { None } else { Some(-f32::from_bits(bits)) }
    }

    fn prefix(self) -> bool {
        self.0 & PREFIX_BIT != 0
    }

    fn set_cost(&mut self, cost: f32) {
        debug_assert!(cost <= 0.0 && cost.is_finite());
        self.0 = (self.0 & PREFIX_BIT) | cost.abs().to_bits();
    }

    fn set_prefix(&mut self) {
        self.0 |= PREFIX_BIT;
    }
}

/// The segmenter of one dictionary (jieba's `word freq` lines).
#[derive(Debug)]
pub struct Segmenter {
    /// The single Chinese characters, by `han_index`: node numbers 0 to `HAN_COUNT - 1`.
    singles: Vec<Node>,
    /// Longer sequences by `key` (0: an empty slot), linear probing: slot `s` is node number
    /// `HAN_COUNT + s`.
    table: Vec<(u32, Node)>,
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
            words.push((index + 1, word, freq));
        }
        let total = total.max(1.0);
        let mut segmenter = Segmenter {
            singles: vec![Node::EMPTY; HAN_COUNT],
            table: vec![(0, Node::EMPTY); TABLE_SLOTS],
            unknown: (1.0 / total).ln() as f32,
        };
        let mut prefixes = 0usize;
        let mut indices = Vec::with_capacity(WORD_CHARS_MAX);
        for (line, word, freq) in words {
            indices.clear();
            indices.extend(word.chars().map(han_index));
            if indices.len() > WORD_CHARS_MAX || freq == 0 || indices.iter().any(Option::is_none) {
                // Segmentation looks words up in runs of Chinese characters only.
                continue;
            }
            let cost = ((freq as f64) / total).ln() as f32;
            let mut node = indices[0].expect("checked") as u32;
            for index in &indices[1..] {
                segmenter.node_mut(node).set_prefix();
                let (child, new) = segmenter.insert(node, index.expect("checked") as u32);
                prefixes += usize::from(new);
                if prefixes > PREFIXES_MAX {
                    return Err(DictionaryError { line, reason: "too many words (PREFIXES_MAX)" });
                }
                node = child;
            }
            segmenter.node_mut(node).set_cost(cost);
        }
        Ok(segmenter)
    }

    fn node_mut(&mut self, number: u32) -> &mut Node {
        match (number as usize).checked_sub(HAN_COUNT) {
            None => &mut self.singles[number as usize],
            Some(slot) => &mut self.table[slot].1,
        }
    }

    /// The node number of a sequence: its parent's followed by a character; whether it is new.
    fn insert(&mut self, parent: u32, han: u32) -> (u32, bool) {
        let key = key(parent, han);
        let mut slot = slot_of(key);
        loop {
            match self.table[slot].0 {
                0 => {
                    self.table[slot].0 = key;
                    return ((HAN_COUNT + slot) as u32, true);
                }
                found if found == key => return ((HAN_COUNT + slot) as u32, false),
                _ => slot = (slot + 1) % TABLE_SLOTS,
            }
        }
    }

    /// The node of a sequence (its number and itself), if the dictionary has it.
    fn find(&self, parent: u32, han: u32) -> Option<(u32, Node)> {
        let key = key(parent, han);
        let mut slot = slot_of(key);
        loop {
            let (found, node) = self.table[slot];
            if found == key {
                return Some(((HAN_COUNT + slot) as u32, node));
            }
            if found == 0 {
                return None;
            }
            slot = (slot + 1) % TABLE_SLOTS;
        }
    }

    /// The words of a text, in order (spaces dropped, punctuation kept as words).
    pub fn cut<'a>(&self, text: &'a str, out: &mut Vec<&'a str>) {
        out.clear();
        self.each_word(text, &mut SegmentBuffers::default(), &mut |word| out.push(word));
    }

    /// Calls `visit` with each word of `text`, in order, reusing `buffers` (no allocation once
    /// they have grown to the longest run of Chinese characters seen).
    pub fn each_word<'a>(
        &self,
        text: &'a str,
        buffers: &mut SegmentBuffers,
        visit: &mut impl FnMut(&'a str),
    ) {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let b = bytes[at];
            if b < 0x80 {
                if b.is_ascii_alphanumeric() {
                    let start = at;
                    while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
                        at += 1;
                    }
                    visit(&text[start..at]);
                } else {
                    if !(b as char).is_whitespace() {
                        visit(&text[at..at + 1]);
                    }
                    at += 1;
                }
                continue;
            }
            let c = text[at..].chars().next().expect("at is a character boundary");
            if is_han(c) {
                let start = at;
                buffers.han.clear();
                for (i, c) in text[start..].char_indices() {
                    let Some(index) = han_index(c) else { break };
                    buffers.han.push(((start + i) as u32, c, index as u32));
                }
                let &(last, last_char, _) = buffers.han.last().expect("one character at least");
                at = last as usize + last_char.len_utf8();
                self.cut_han(text, buffers, at, visit);
            } else {
                let end = at + c.len_utf8();
                if !c.is_whitespace() {
                    visit(&text[at..end]);
                }
                at = end;
            }
        }
    }

    /// The best path through a run of Chinese characters (`buffers.han`: byte offset and
    /// character), ending at byte `end`.
    fn cut_han<'a>(
        &self,
        text: &'a str,
        buffers: &mut SegmentBuffers,
        end: usize,
        visit: &mut impl FnMut(&'a str),
    ) {
        let han = &buffers.han;
        let n = han.len();
        // best[i]: cost of the best path from character i to the end, and the length of its first word.
        // Touch the table slot of every two-character sequence that may be a word first: the
        // reads are independent, so their cache misses overlap instead of coming one by one in
        // the dynamic programme below.
        let mut touched = 0u32;
        for pair in han.windows(2) {
            if self.singles[pair[0].2 as usize].prefix() {
                touched ^= self.table[slot_of(key(pair[0].2, pair[1].2))].0;
            }
        }
        std::hint::black_box(touched);
        let best = &mut buffers.best;
        best.clear();
        best.resize(n + 1, (0.0, 0));
        for i in (0..n).rev() {
            let mut choice = (self.unknown + best[i + 1].0, 1u32);
            let single = self.singles[han[i].2 as usize];
            if let Some(cost) = single.cost() {
                let total = cost + best[i + 1].0;
                if total >= choice.0 {
                    choice = (total, 1);
                }
            }
            if single.prefix() {
                let mut parent = han[i].2;
                for j in i + 1..n.min(i + WORD_CHARS_MAX) {
                    let Some((number, node)) = self.find(parent, han[j].2) else { break };
                    if let Some(cost) = node.cost() {
                        let total = cost + best[j + 1].0;
                        if total > choice.0 {
                            choice = (total, (j + 1 - i) as u32);
                        }
                    }
                    if !node.prefix() {
                        break;
                    }
                    parent = number;
                }
            }
            best[i] = choice;
        }
        let offset = |i: usize| if i == n { end } else { han[i].0 as usize };
        let mut i = 0;
        while i < n {
            let next = i + best[i].1 as usize;
            visit(&text[offset(i)..offset(next)]);
            i = next;
        }
    }
}

/// Buffers the segmenter reuses from one text to the next.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SegmentBuffers {
    /// The current run of Chinese characters: byte offset, character and `han_index`.
    han: Vec<(u32, char, u32)>,
    /// The dynamic programme over that run.
    best: Vec<(f32, u32)>,
}

/// CJK ideographs (the basic block and extension A, compatibility ideographs).
fn is_han(c: char) -> bool {
    han_index(c).is_some()
}

/// How many characters `han_index` numbers.
const HAN_COUNT: usize = 0x5200 + 0x19C0 + 0x200;

/// The number of a Chinese character: the basic block, extension A, then the compatibility
/// ideographs, one after the other.
fn han_index(c: char) -> Option<usize> {
    let code = c as usize;
    match c {
        '\u{4E00}'..='\u{9FFF}' => Some(code - 0x4E00),
        '\u{3400}'..='\u{4DBF}' => Some(0x5200 + code - 0x3400),
        '\u{F900}'..='\u{FAFF}' => Some(0x5200 + 0x19C0 + code - 0xF900),
        _ => None,
    }
}

/// The table key of a sequence: its parent's node number and its last character's `han_index`
/// (never 0: that marks an empty slot).
fn key(parent: u32, han: u32) -> u32 {
    debug_assert!((parent as usize) < HAN_COUNT + TABLE_SLOTS && (han as usize) < HAN_COUNT);
    ((parent + 1) << 15) | han
}

/// Where a key's probe starts: the top bits of a multiplicative hash.
fn slot_of(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - TABLE_SLOTS.trailing_zeros())) as usize
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
