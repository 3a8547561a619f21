//! From a comment to the features the linear model scores: normalised text, jieba words with
//! negation scope and degree marks, character n-grams, lexicon hits and a length bucket.
//!
//! Words and n-grams are hashed into `2^bits` buckets (the hashing is part of the model format:
//! changing it changes every model). A handful of fixed features (bias, lexicon counts, length
//! bucket) live after the hashed buckets, so they never collide with anything.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use jieba_rs::Jieba;

use super::lexicon;
use super::segment::{DictionaryError, Segmenter};

/// The bias feature: always 1.
pub const FIXED_BIAS: u32 = 0;
/// Count of positive slang and emoji (negated hits count for the other side), at most 3.
pub const FIXED_LEX_POS: u32 = 1;
/// Count of negative slang and emoji, at most 3.
pub const FIXED_LEX_NEG: u32 = 2;
/// First of the length buckets (`LENGTH_BUCKETS` upper bounds, in characters, then one more).
pub const FIXED_LENGTH: u32 = 3;
/// Upper bounds of the length buckets, in characters of normalised text.
pub const LENGTH_BUCKETS: [usize; 6] = [5, 10, 20, 50, 100, 200];
/// How many fixed features follow the hashed buckets.
pub const FIXED_COUNT: u32 = FIXED_LENGTH + LENGTH_BUCKETS.len() as u32 + 1;
/// Lexicon counts are capped here.
const LEXICON_COUNT_MAX: f32 = 3.0;

/// Which features a model uses; written in the model file's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureConfig {
    /// Hashed buckets are `2^bits`.
    pub bits: u8,
    /// Character n-grams of length 1 to `ngram_max` (0: none).
    pub ngram_max: u8,
    /// jieba words (with negation and degree marks).
    pub words: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig { bits: 20, ngram_max: 3, words: true }
    }
}

impl FeatureConfig {
    /// Hashed buckets plus fixed features: the length of the weight vector.
    pub fn dimension(&self) -> usize {
        (1usize << self.bits) + FIXED_COUNT as usize
    }
}

/// The features of one comment: hashed buckets (binary, sorted, distinct; each scored with the
/// same weight `1/sqrt(n)`) and fixed features with their values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Features {
    pub hashed: Vec<u32>,
    pub fixed: Vec<(u32, f32)>,
}

impl Features {
    /// The value every hashed feature carries: the hashed part has unit length.
    pub fn hashed_value(&self) -> f32 {
        if self.hashed.is_empty() { 0.0 } else { 1.0 / (self.hashed.len() as f32).sqrt() }
    }
}

/// Turns text into features. Owns the segmenter (built from the model's dictionary: build one
/// featurizer and keep it).
pub struct Featurizer {
    segmenter: Segmenter,
    config: FeatureConfig,
    /// Every lexicon word with what it is (one hash lookup per word instead of list scans).
    kinds: HashMap<&'static str, WordKind, BuildFnv>,
}

/// What a lexicon word does to the features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct WordKind {
    negator: bool,
    /// `NS_DEGREE_STRONG` or `NS_DEGREE_WEAK` for degree words.
    degree: Option<u64>,
    polarity: Option<bool>,
}

impl std::fmt::Debug for Featurizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Featurizer").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Namespaces of hashed features.
const NS_WORD: u64 = 1;
const NS_NEGATED: u64 = 2;
const NS_DEGREE_STRONG: u64 = 3;
const NS_DEGREE_WEAK: u64 = 4;
const NS_NGRAM: u64 = 16;

impl Featurizer {
    /// A featurizer over a dictionary in jieba's format (`word freq` lines), as a model carries.
    pub fn with_dictionary(config: FeatureConfig, dictionary: &str) -> Result<Self, DictionaryError> {
        Ok(Self::with_segmenter(config, Segmenter::new(dictionary)?))
    }

    fn with_segmenter(config: FeatureConfig, segmenter: Segmenter) -> Self {
        let mut kinds: HashMap<&'static str, WordKind, BuildFnv> = HashMap::default();
        for &word in lexicon::NEGATORS {
            kinds.entry(word).or_default().negator = true;
        }
        for (words, namespace) in
            [(lexicon::DEGREE_STRONG, NS_DEGREE_STRONG), (lexicon::DEGREE_WEAK, NS_DEGREE_WEAK)]
        {
            for &word in words {
                kinds.entry(word).or_default().degree = Some(namespace);
            }
        }
        for (words, polarity) in [(lexicon::POSITIVE, true), (lexicon::NEGATIVE, false)] {
            for &word in words {
                kinds.entry(word).or_default().polarity = Some(polarity);
            }
        }
        Featurizer { segmenter, config, kinds }
    }

    fn kind(&self, word: &str) -> WordKind {
        self.kinds.get(word).copied().unwrap_or_default()
    }

    pub fn config(&self) -> FeatureConfig {
        self.config
    }

    /// The features of `text` (cleared and refilled, so a caller can reuse the buffers).
    pub fn features(&self, text: &str, out: &mut Features) {
        out.hashed.clear();
        out.fixed.clear();
        out.fixed.push((FIXED_BIAS, 1.0));
        let normal = normalize(text);
        if normal.is_empty() {
            return;
        }
        let mask = (1u64 << self.config.bits) - 1;
        let (mut positive, mut negative) = (0u32, 0u32);
        if self.config.words {
            self.words(&normal, mask, out, &mut positive, &mut negative);
        } else {
            let mut words = Vec::new();
            self.segmenter.cut(&normal, &mut words);
            for word in words {
                match self.kind(word).polarity {
                    Some(true) => positive += 1,
                    Some(false) => negative += 1,
                    None => {}
                }
            }
        }
        if self.config.ngram_max > 0 {
            ngrams(&normal, self.config.ngram_max as usize, mask, &mut out.hashed);
        }
        out.hashed.sort_unstable();
        out.hashed.dedup();
        if positive > 0 {
            out.fixed.push((FIXED_LEX_POS, (positive as f32).min(LEXICON_COUNT_MAX)));
        }
        if negative > 0 {
            out.fixed.push((FIXED_LEX_NEG, (negative as f32).min(LEXICON_COUNT_MAX)));
        }
        let length = normal.chars().count();
        let bucket = LENGTH_BUCKETS.iter().position(|&max| length <= max).unwrap_or(LENGTH_BUCKETS.len());
        out.fixed.push((FIXED_LENGTH + bucket as u32, 1.0));
    }

    /// The words of a normalised text, as the features use them (for tests and tools).
    pub fn words_of<'a>(&self, normal: &'a str) -> Vec<&'a str> {
        let mut words = Vec::new();
        self.segmenter.cut(normal, &mut words);
        words
    }

    fn words(&self, normal: &str, mask: u64, out: &mut Features, positive: &mut u32, negative: &mut u32) {
        // Words left in the current negation scope, and the degree mark for the next word.
        let mut negation_left = 0usize;
        let mut degree: Option<u64> = None;
        let mut words = Vec::with_capacity(normal.len() / 3);
        self.segmenter.cut(normal, &mut words);
        for word in words {
            if is_boundary(word) {
                negation_left = 0;
                degree = None;
                continue;
            }
            let kind = self.kind(word);
            if kind.negator {
                // A second negator inside a scope cancels it (不是不好).
                negation_left = if negation_left > 0 { 0 } else { lexicon::NEGATION_SCOPE_WORDS };
                out.hashed.push(hash_word(NS_WORD, word, mask));
                continue;
            }
            let negated = negation_left > 0;
            if let Some(polarity) = kind.polarity {
                if polarity != negated {
                    *positive += 1;
                } else {
                    *negative += 1;
                }
            }
            out.hashed.push(hash_word(if negated { NS_NEGATED } else { NS_WORD }, word, mask));
            if let Some(namespace) = degree.take() {
                out.hashed.push(hash_word(namespace, word, mask));
            }
            if kind.degree.is_some() {
                degree = kind.degree;
            } else {
                negation_left = negation_left.saturating_sub(1);
            }
        }
    }
}

/// jieba with its default dictionary and the lexicon's multi-character words, and the frequency
/// its dictionary sums to.
pub(super) fn full_jieba() -> (Jieba, usize) {
    let mut jieba = Jieba::new();
    let mut total = JIEBA_DEFAULT_TOTAL;
    for word in lexicon::words_to_keep_whole() {
        if !jieba.has_word(word) {
            total += jieba.add_word(word, None, None);
        }
    }
    (jieba, total)
}

/// The sum of the frequencies in jieba-rs 0.7's default dictionary (`src/data/dict.txt`).
const JIEBA_DEFAULT_TOTAL: usize = 60_101_964;

/// Punctuation and spaces end a negation scope and are no words.
pub(super) fn is_boundary(word: &str) -> bool {
    word.chars().all(|c| c.is_whitespace() || c.is_ascii_punctuation() || is_cjk_punctuation(c))
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '…' | '—' | '“' | '”' | '‘' | '’' | '·')
}

/// Lower-case ASCII, full-width forms to ASCII, spaces collapsed, emoji variation selectors and
/// joiners dropped, a run of one character longer than two cut to two (哈哈哈哈 → 哈哈, ！！！ → !!).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last: Option<char> = None;
    let mut run = 0usize;
    for c in text.chars() {
        let c = match c {
            '\u{FE0F}' | '\u{FE0E}' | '\u{200D}' | '\u{FEFF}' => continue,
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c).to_ascii_lowercase(),
            c if c.is_whitespace() => ' ',
            c => c.to_ascii_lowercase(),
        };
        if Some(c) == last {
            run += 1;
            if run > 2 || c == ' ' {
                continue;
            }
        } else {
            run = 1;
            last = Some(c);
        }
        if c == ' ' && out.is_empty() {
            continue;
        }
        out.push(c);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

fn ngrams(normal: &str, n_max: usize, mask: u64, out: &mut Vec<u32>) {
    let mut window = [0u64; 8];
    let n_max = n_max.min(window.len());
    for (i, c) in normal.chars().enumerate() {
        window.copy_within(0..n_max - 1, 1);
        window[0] = c as u64;
        for n in 1..=n_max.min(i + 1) {
            if n == 1 && c == ' ' {
                continue;
            }
            let mut h = mix(NS_NGRAM + n as u64, 0);
            for &code in window[..n].iter().rev() {
                h = mix(h, code);
            }
            out.push(bucket(h, mask));
        }
    }
}

/// FNV-1a: the lexicon map's hasher (short keys, no adversary: the words are ours).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type BuildFnv = BuildHasherDefault<Fnv>;

fn hash_word(namespace: u64, word: &str, mask: u64) -> u32 {
    // FNV-1a over the bytes, then mixed with the namespace.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in word.as_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    bucket(mix(mix(namespace, 0), h), mask)
}

fn mix(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_add(0x9E37_79B9_7F4A_7C15).wrapping_mul(0xBF58_476D_1CE4_E5B9).rotate_left(29)
}

fn bucket(h: u64, mask: u64) -> u32 {
    let mut h = h ^ (h >> 33);
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    (h & mask) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A featurizer whose dictionary holds the words of a few sentences.
    fn featurizer(config: FeatureConfig) -> Featurizer {
        let dictionary =
            crate::sentiment::train::dictionary(&["不喜欢，非常满意，有点贵，质量不好用，不是不喜欢"]);
        Featurizer::with_dictionary(config, &dictionary).unwrap()
    }

    #[test]
    fn normalize_folds_width_case_repeats_and_spaces() {
        assert_eq!(normalize("  ＡＢＣ　好好好好！！！！ 👍\u{FE0F}  "), "abc 好好!! 👍");
        assert_eq!(normalize("哈哈哈哈哈"), "哈哈");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" \t\n"), "");
    }

    #[test]
    fn ngrams_cover_one_to_three_characters() {
        let mut out = Vec::new();
        ngrams("好用", 3, (1 << 20) - 1, &mut out);
        // 好, 用, 好用.
        assert_eq!(out.len(), 3);
        let mut again = Vec::new();
        ngrams("用好", 3, (1 << 20) - 1, &mut again);
        out.sort_unstable();
        again.sort_unstable();
        // Same unigrams, different bigram.
        assert_ne!(out, again);
    }

    #[test]
    fn negation_scope_changes_the_word_features() {
        let featurizer = featurizer(FeatureConfig { bits: 20, ngram_max: 0, words: true });
        let mask = (1u64 << 20) - 1;
        let mut features = Features::default();
        featurizer.features("质量不好用", &mut features);
        let words = featurizer.words_of("质量不好用");
        assert!(words.contains(&"不") || words.contains(&"不好"), "{words:?}");
        featurizer.features("不 喜欢", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_NEGATED, "喜欢", mask)));
        assert!(!features.hashed.contains(&hash_word(NS_WORD, "喜欢", mask)));
        // Punctuation ends the scope.
        featurizer.features("不，喜欢", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_WORD, "喜欢", mask)));
        // Two negators cancel.
        featurizer.features("不是 不 喜欢", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_WORD, "喜欢", mask)));
    }

    #[test]
    fn degree_words_mark_the_next_word() {
        let featurizer = featurizer(FeatureConfig { bits: 20, ngram_max: 0, words: true });
        let mask = (1u64 << 20) - 1;
        let mut features = Features::default();
        featurizer.features("非常 满意", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_DEGREE_STRONG, "满意", mask)));
        featurizer.features("有点 贵", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_DEGREE_WEAK, "贵", mask)));
    }

    #[test]
    fn lexicon_hits_and_negated_hits() {
        let featurizer = featurizer(FeatureConfig::default());
        let mut features = Features::default();
        featurizer.features("绝绝子👍👍", &mut features);
        assert!(features.fixed.contains(&(FIXED_LEX_POS, 3.0)), "{:?}", features.fixed);
        featurizer.features("这次翻车了💩", &mut features);
        assert!(features.fixed.contains(&(FIXED_LEX_NEG, 2.0)), "{:?}", features.fixed);
        featurizer.features("一点都不拉胯", &mut features);
        assert!(features.fixed.contains(&(FIXED_LEX_POS, 1.0)), "{:?}", features.fixed);
    }

    #[test]
    fn features_are_sorted_distinct_and_bounded() {
        let config = FeatureConfig { bits: 12, ngram_max: 3, words: true };
        let featurizer = featurizer(config);
        let mut features = Features::default();
        featurizer.features("好好好，真的好好好，非常好！", &mut features);
        assert!(features.hashed.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(features.hashed.iter().all(|&index| index < 1 << 12));
        assert_eq!(features.fixed[0], (FIXED_BIAS, 1.0));
        featurizer.features("   ", &mut features);
        assert!(features.hashed.is_empty());
        assert_eq!(features.fixed, vec![(FIXED_BIAS, 1.0)]);
    }
}
