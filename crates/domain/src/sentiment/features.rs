//! From a comment to the features the linear model scores: normalised text, jieba words with
//! negation scope and degree marks, character n-grams, lexicon hits and a length bucket.
//!
//! The tail of a comment, where the verdict usually is, is marked: everything after the last
//! contrast word (但, 但是, 不过, 就是, 可惜, 只是...), or without one the last clause. Its lexicon
//! hits count again in the `tail` fixed features, and after a contrast word its words get a second
//! feature of their own (`tail:` namespace). Lexicon words after a concession word (虽然, 尽管) up
//! to the contrast are not counted. Mediocrity words (一般, 还行, 凑合) are a fixed feature of their
//! own. Lexicon words are also recognised when jieba
//! glued a degree word or a negator to them (很快, 太慢, 不好吃): each lexicon word's compounds with
//! the common one- and two-character prefixes are looked up with it.
//!
//! Words and n-grams are hashed into `2^bits` buckets (the hashing is part of the model format:
//! changing it changes every model). A handful of fixed features (bias, lexicon counts, length
//! bucket, praise count) live after the hashed buckets, so they never collide with anything.
//!
//! Classification allocates nothing once the caller's `Features` buffers have grown: the
//! normalised text is written into one of them, the segmenter calls back with each word instead
//! of collecting them, and the buckets, duplicates included, are collected and then summed, with
//! no sort.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use jieba_rs::Jieba;

use super::lexicon;
use super::segment::{DictionaryError, SegmentBuffers, Segmenter};

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
/// Count of praise words (`lexicon::PRAISE`, not negated), at most 3; its weight is set, not learnt.
pub const FIXED_PRAISE: u32 = FIXED_LENGTH + LENGTH_BUCKETS.len() as u32 + 1;
/// Count of mediocrity words (`lexicon::MEDIOCRE`, not negated), at most 3; its weight is set,
/// not learnt (`train::MEDIOCRE_WEIGHT`).
pub const FIXED_MEDIOCRE: u32 = FIXED_PRAISE + 1;
/// Positive lexicon hits in the tail (after the last contrast word, else the last clause), at most 3.
pub const FIXED_TAIL_POS: u32 = FIXED_MEDIOCRE + 1;
/// Negative lexicon hits (mediocrity words included) in the tail, at most 3.
pub const FIXED_TAIL_NEG: u32 = FIXED_TAIL_POS + 1;
/// How many fixed features follow the hashed buckets.
pub const FIXED_COUNT: u32 = FIXED_TAIL_NEG + 1;
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
        FeatureConfig { bits: 18, ngram_max: 2, words: true }
    }
}

impl FeatureConfig {
    /// Hashed buckets plus fixed features: the length of the weight vector.
    pub fn dimension(&self) -> usize {
        (1usize << self.bits) + FIXED_COUNT as usize
    }
}

/// The features of one comment: hashed buckets (each scored with the same weight `1/sqrt(n)`,
/// `n` the number of entries; a bucket hit twice is listed twice) and fixed features with their
/// values. Also the buffers classification reuses from one comment to the next: keep one
/// `Features` per thread and pass it to every call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Features {
    pub hashed: Vec<u32>,
    pub fixed: Vec<(u32, f32)>,
    buffers: Buffers,
}

/// Buffers reused from one comment to the next.
#[derive(Clone, Debug, Default, PartialEq)]
struct Buffers {
    normal: String,
    segment: SegmentBuffers,
}

impl Features {
    /// Features from their buckets and fixed values (with fresh buffers).
    pub fn new(hashed: Vec<u32>, fixed: Vec<(u32, f32)>) -> Features {
        Features { hashed, fixed, buffers: Buffers::default() }
    }

    /// The value every hashed feature carries: the hashed part has unit length.
    pub fn hashed_value(&self) -> f32 {
        if self.hashed.is_empty() { 0.0 } else { 1.0 / (self.hashed.len() as f32).sqrt() }
    }

    /// The features without the buffers (what training keeps per example).
    pub fn without_buffers(&self) -> Features {
        Features { hashed: self.hashed.clone(), fixed: self.fixed.clone(), buffers: Buffers::default() }
    }
}

/// What a comment gives besides its hashed buckets: the fixed features' inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Lexicon hits.
    pub hits: Hits,
    /// The index of the length bucket (`LENGTH_BUCKETS`).
    pub length_bucket: u32,
    /// The comment is a buyer's short question (`is_question`).
    pub question: bool,
}

impl Summary {
    /// The fixed features after the bias, in the order `Features::fixed` lists them.
    fn each_fixed(&self, mut visit: impl FnMut(u32, f32)) {
        let count = |hits: u32| (hits as f32).min(LEXICON_COUNT_MAX);
        if self.hits.positive > 0 {
            visit(FIXED_LEX_POS, count(self.hits.positive));
        }
        if self.hits.negative > 0 {
            visit(FIXED_LEX_NEG, count(self.hits.negative));
        }
        visit(FIXED_LENGTH + self.length_bucket, 1.0);
        if self.hits.praise > 0 {
            visit(FIXED_PRAISE, count(self.hits.praise));
        }
        if self.hits.mediocre > 0 {
            visit(FIXED_MEDIOCRE, count(self.hits.mediocre));
        }
        if self.hits.tail_positive > 0 {
            visit(FIXED_TAIL_POS, count(self.hits.tail_positive));
        }
        if self.hits.tail_negative > 0 {
            visit(FIXED_TAIL_NEG, count(self.hits.tail_negative));
        }
    }
}

/// Lexicon words found in a comment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    /// Positive words (`lexicon::POSITIVE`) and negated negative words.
    pub positive: u32,
    /// Negative words and negated positive or praise words.
    pub negative: u32,
    /// Praise words (`lexicon::PRAISE`), not negated.
    pub praise: u32,
    /// Mediocrity words (`lexicon::MEDIOCRE`), not negated (negated, they count as positive).
    pub mediocre: u32,
    /// Positive hits after the last contrast word.
    pub tail_positive: u32,
    /// Negative and mediocre hits after the last contrast word.
    pub tail_negative: u32,
}

impl Hits {
    /// Counts a word; `tail`: it comes after a contrast word.
    fn count(&mut self, kind: WordKind, negated: bool, tail: bool) {
        let positive = match (kind.polarity, negated) {
            _ if kind.mediocre && !negated => {
                self.mediocre += 1;
                false
            }
            _ if kind.mediocre => {
                self.positive += 1;
                true
            }
            (None, _) => return,
            (Some(true), false) if kind.praise => {
                self.praise += 1;
                true
            }
            (Some(polarity), negated) if polarity != negated => {
                self.positive += 1;
                true
            }
            (Some(_), _) => {
                self.negative += 1;
                false
            }
        };
        if tail {
            if positive {
                self.tail_positive += 1;
            } else {
                self.tail_negative += 1;
            }
        }
    }

    /// A new clause or a contrast word: what came before it is no longer the tail.
    fn start_tail(&mut self) {
        self.tail_positive = 0;
        self.tail_negative = 0;
    }

    /// A contrast word: the lexicon words before it were conceded; the tail's count twice.
    fn contrast(&mut self) {
        *self = Hits::default();
    }

    /// Irony: praise counts as complaint, and the marker itself is the verdict.
    fn sarcastic(&mut self) {
        self.negative += self.positive + self.praise;
        self.tail_negative += self.tail_positive + 1;
        (self.positive, self.praise, self.tail_positive) = (0, 0, 0);
    }

    /// A negative or mediocrity word was found.
    pub fn leans_negative(&self) -> bool {
        self.negative + self.mediocre > 0
    }

    pub fn any(&self) -> bool {
        self.positive + self.negative + self.praise + self.mediocre > 0
    }
}

/// Turns text into features. Owns the segmenter (built from the model's dictionary: build one
/// featurizer and keep it).
pub struct Featurizer {
    segmenter: Segmenter,
    config: FeatureConfig,
    /// Every lexicon word (and its compounds with degree and negation prefixes) with what it
    /// is, by `hash_bytes` of the word (which the word's features need anyway): one lookup per
    /// word, no second pass over its bytes.
    kinds: HashMap<u64, (Box<str>, WordKind), BuildMixed>,
    /// One bit per lexicon word's hash (`KIND_FILTER_BITS` in all): most words are no lexicon
    /// word and are told so without a table lookup.
    kind_filter: Vec<u64>,
}

const KIND_FILTER_BITS: u32 = 1 << 16;

/// Degree words jieba glues to the word after them (很快, 太慢): a lexicon word behind one of
/// them is still that word.
const DEGREE_PREFIXES: &[&str] = &[
    "很", "太", "超", "真", "挺", "好", "特", "巨", "贼", "蛮", "最", "非常", "特别", "超级", "十分", "有点",
    "比较",
];
/// Negators jieba glues to the word after them (不好吃, 没味道): a lexicon word behind one of them
/// is that word negated.
const NEGATION_PREFIXES: &[&str] =
    &["不", "没", "没有", "不太", "不够", "不是很", "不怎么", "一点不", "一点也不"];

fn kind_filter_bit(word_hash: u64) -> usize {
    (fx(0, word_hash) >> (64 - KIND_FILTER_BITS.trailing_zeros() + 6)) as usize
}

fn kind_filter_mask(word_hash: u64) -> u64 {
    // The six bits below those of `kind_filter_bit`.
    1 << ((fx(0, word_hash) >> (64 - KIND_FILTER_BITS.trailing_zeros())) & 63)
}

/// What a lexicon word does to the features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct WordKind {
    negator: bool,
    /// `NS_DEGREE_STRONG` or `NS_DEGREE_WEAK` for degree words.
    degree: Option<u64>,
    polarity: Option<bool>,
    /// A word of `lexicon::PRAISE` (polarity positive).
    praise: bool,
    /// A word of `lexicon::MEDIOCRE`.
    mediocre: bool,
    /// A word of `lexicon::CONTRAST`.
    contrast: bool,
    /// A word of `lexicon::CONCESSION`.
    concession: bool,
    /// A word of `lexicon::SARCASM`.
    sarcasm: bool,
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
/// Added to a word's namespace for its second feature after a contrast word.
const NS_TAIL: u64 = 8;
const NS_NGRAM: u64 = 16;

impl Featurizer {
    /// A featurizer over a dictionary in jieba's format (`word freq` lines), as a model carries.
    pub fn with_dictionary(config: FeatureConfig, dictionary: &str) -> Result<Self, DictionaryError> {
        Ok(Self::with_segmenter(config, Segmenter::new(dictionary)?))
    }

    fn with_segmenter(config: FeatureConfig, segmenter: Segmenter) -> Self {
        let mut kinds: HashMap<u64, (Box<str>, WordKind), BuildMixed> = HashMap::default();
        fn entry<'a>(
            kinds: &'a mut HashMap<u64, (Box<str>, WordKind), BuildMixed>,
            word: &str,
        ) -> &'a mut WordKind {
            let (known, kind) = kinds.entry(hash_bytes(word)).or_insert((word.into(), WordKind::default()));
            assert_eq!(&**known, word, "two lexicon words with one hash");
            kind
        }
        for &word in lexicon::NEGATORS {
            entry(&mut kinds, word).negator = true;
        }
        for (words, namespace) in
            [(lexicon::DEGREE_STRONG, NS_DEGREE_STRONG), (lexicon::DEGREE_WEAK, NS_DEGREE_WEAK)]
        {
            for &word in words {
                entry(&mut kinds, word).degree = Some(namespace);
            }
        }
        for (words, polarity) in [
            (lexicon::POSITIVE, true),
            (lexicon::SERVICE_POSITIVE, true),
            (lexicon::NEGATIVE, false),
            (lexicon::SERVICE_NEGATIVE, false),
        ] {
            for &word in words {
                entry(&mut kinds, word).polarity = Some(polarity);
            }
        }
        for &word in lexicon::PRAISE {
            let kind = entry(&mut kinds, word);
            kind.polarity = Some(true);
            kind.praise = true;
        }
        for &word in lexicon::MEDIOCRE {
            entry(&mut kinds, word).mediocre = true;
        }
        for &word in lexicon::CONTRAST {
            entry(&mut kinds, word).contrast = true;
        }
        for &word in lexicon::CONCESSION {
            entry(&mut kinds, word).concession = true;
        }
        for &word in lexicon::SARCASM {
            entry(&mut kinds, word).sarcasm = true;
        }
        // Compounds of a prefix and a word with polarity, unless the compound is a lexicon word.
        let mut compounds = Vec::new();
        for (_, (word, kind)) in kinds.iter() {
            if kind.polarity.is_none() && !kind.mediocre {
                continue;
            }
            for prefix in DEGREE_PREFIXES {
                compounds.push((format!("{prefix}{word}"), WordKind { praise: false, ..*kind }));
            }
            for prefix in NEGATION_PREFIXES {
                let negated = match kind.polarity {
                    _ if kind.mediocre => Some(true),
                    Some(polarity) => Some(!polarity),
                    None => None,
                };
                compounds
                    .push((format!("{prefix}{word}"), WordKind { polarity: negated, ..WordKind::default() }));
            }
        }
        // The map's order is no order: sort, so that which of two colliding compounds wins is fixed.
        compounds.sort_by(|a, b| a.0.cmp(&b.0));
        for (compound, kind) in compounds {
            let hash = hash_bytes(&compound);
            kinds.entry(hash).or_insert((compound.into_boxed_str(), kind));
        }
        let mut kind_filter = vec![0u64; KIND_FILTER_BITS as usize / 64];
        for &word_hash in kinds.keys() {
            kind_filter[kind_filter_bit(word_hash)] |= kind_filter_mask(word_hash);
        }
        Featurizer { segmenter, config, kinds, kind_filter }
    }

    /// What the lexicon says of a word whose `hash_bytes` is `word_hash`.
    fn kind(&self, word: &str, word_hash: u64) -> WordKind {
        if self.kind_filter[kind_filter_bit(word_hash)] & kind_filter_mask(word_hash) == 0 {
            return WordKind::default();
        }
        match self.kinds.get(&word_hash) {
            Some((known, kind)) if &**known == word => *kind,
            _ => WordKind::default(),
        }
    }

    pub fn config(&self) -> FeatureConfig {
        self.config
    }

    /// The features of `text` (cleared and refilled, so a caller can reuse the buffers).
    pub fn features(&self, text: &str, out: &mut Features) {
        out.hashed.clear();
        out.fixed.clear();
        out.fixed.push((FIXED_BIAS, 1.0));
        let Features { hashed, fixed, buffers } = out;
        if let Some(summary) = self.visit(text, buffers, &mut |index| hashed.push(index)) {
            summary.each_fixed(|index, value| fixed.push((index, value)));
        }
    }

    /// The logit of `text` under `weights` (a model's, of this featurizer's configuration), the
    /// same as `Model::logit` of its features but without the fixed ones collected (`hashed` is
    /// filled, `fixed` left as it was); `None` when the text gives no hashed feature.
    pub fn logit(&self, text: &str, features: &mut Features, weights: &[f32]) -> Option<(f32, Summary)> {
        let (hashed_weights, fixed_weights) = weights.split_at(1 << self.config.bits);
        // The buckets first, then the weights: the reads of the weights, most of them cache
        // misses, are then independent of each other and the processor overlaps them.
        let Features { hashed, buffers, .. } = features;
        hashed.clear();
        let summary = self.visit(text, buffers, &mut |index| hashed.push(index))?;
        if hashed.is_empty() {
            return None;
        }
        let mut sum = 0f32;
        for &index in hashed.iter() {
            sum += hashed_weights[index as usize];
        }
        let count = hashed.len();
        let mut fixed = fixed_weights[FIXED_BIAS as usize];
        summary.each_fixed(|index, value| fixed += fixed_weights[index as usize] * value);
        Some((sum * (1.0 / (count as f32).sqrt()) + fixed, summary))
    }

    /// Normalises `text` and calls `hashed` with each hashed feature; `None` for a text with
    /// nothing to read.
    fn visit(&self, text: &str, buffers: &mut Buffers, hashed: &mut impl FnMut(u32)) -> Option<Summary> {
        let Buffers { normal, segment } = buffers;
        let length = normalize_into(text, normal);
        if normal.is_empty() {
            return None;
        }
        let bits = self.config.bits;
        let mut hits = Hits::default();
        if self.config.words {
            self.words(normal, segment, bits, hashed, &mut hits);
        } else {
            self.segmenter.each_word(normal, segment, &mut |word| {
                hits.count(self.kind(word, hash_bytes(word)), false, false)
            });
        }
        if self.config.ngram_max > 0 {
            ngrams(normal, self.config.ngram_max as usize, bits, hashed);
        }
        let length_bucket =
            LENGTH_BUCKETS.iter().position(|&max| length <= max).unwrap_or(LENGTH_BUCKETS.len()) as u32;
        Some(Summary { hits, length_bucket, question: is_question(normal) })
    }

    /// The words of a normalised text, as the features use them (for tests and tools).
    pub fn words_of<'a>(&self, normal: &'a str) -> Vec<&'a str> {
        let mut words = Vec::new();
        self.segmenter.cut(normal, &mut words);
        words
    }

    fn words(
        &self,
        normal: &str,
        segment: &mut SegmentBuffers,
        bits: u8,
        hashed: &mut impl FnMut(u32),
        hits: &mut Hits,
    ) {
        // Words left in the current negation scope, the degree mark for the next word, whether a
        // contrast word came, whether a clause ended (the next word starts the tail, unless a
        // contrast word came), and whether we are in a conceded clause.
        let mut negation_left = 0usize;
        let mut degree: Option<u64> = None;
        let mut contrast = false;
        let mut clause_ended = false;
        let mut conceded = false;
        let mut sarcastic = false;
        self.segmenter.each_word(normal, segment, &mut |word| {
            // The segmenter's words of more than one character are never punctuation.
            if word.len() <= 3 && is_boundary(word) {
                negation_left = 0;
                degree = None;
                clause_ended = true;
                conceded = false;
                return;
            }
            if clause_ended && !contrast {
                hits.start_tail();
            }
            clause_ended = false;
            let word_hash = hash_bytes(word);
            let kind = self.kind(word, word_hash);
            sarcastic |= kind.sarcasm;
            if kind.contrast || kind.concession {
                contrast = kind.contrast;
                conceded = kind.concession;
                if kind.contrast {
                    hits.contrast();
                }
                hits.start_tail();
                negation_left = 0;
                degree = None;
                hashed(word_bucket(NS_WORD, word_hash, bits));
                return;
            }
            if kind.negator {
                // A second negator inside a scope cancels it (不是不好).
                negation_left = if negation_left > 0 { 0 } else { lexicon::NEGATION_SCOPE_WORDS };
                hashed(word_bucket(NS_WORD, word_hash, bits));
                return;
            }
            let negated = negation_left > 0;
            if !conceded {
                hits.count(kind, negated, true);
                // After a contrast word the verdict counts twice.
                if contrast {
                    hits.count(kind, negated, true);
                }
            }
            let namespace = if negated { NS_NEGATED } else { NS_WORD };
            hashed(word_bucket(namespace, word_hash, bits));
            if contrast {
                hashed(word_bucket(namespace + NS_TAIL, word_hash, bits));
            }
            if let Some(namespace) = degree.take() {
                hashed(word_bucket(namespace, word_hash, bits));
            }
            if kind.degree.is_some() {
                degree = kind.degree;
            } else {
                negation_left = negation_left.saturating_sub(1);
            }
        });
        if sarcastic {
            hits.sarcastic();
        }
    }
}

/// Whether a normalised text is a buyer's short question (什么时候发货?): it ends as a question
/// (`?`, or the particle `吗` or `呢` last), has at most `lexicon::QUESTION_CHARS_MAX` characters,
/// and asks with a question word without a rhetorical cue (为什么, 几个意思). Longer texts that end
/// in `?` are reviews, mostly complaints, and a `?` alone is often an emoji the shop's export lost.
fn is_question(normal: &str) -> bool {
    let trimmed = normal.trim_end_matches([' ', '~', '.']);
    matches!(trimmed.chars().next_back(), Some('?' | '吗' | '呢'))
        && trimmed.chars().count() <= lexicon::QUESTION_CHARS_MAX
        && lexicon::QUESTION_WORDS.iter().any(|word| trimmed.contains(word))
        && !lexicon::RHETORICAL.iter().any(|word| trimmed.contains(word))
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
    let mut out = String::new();
    normalize_into(text, &mut out);
    out
}

/// `normalize` into a reused buffer; returns the length of the result in characters.
pub fn normalize_into(text: &str, out: &mut String) -> usize {
    out.clear();
    out.reserve(text.len());
    let mut last: Option<char> = None;
    let mut run = 0usize;
    let mut length = 0usize;
    for c in text.chars() {
        let c = match c {
            c if c.is_ascii() => {
                if c.is_ascii_whitespace() || c == '\u{0B}' {
                    ' '
                } else {
                    c.to_ascii_lowercase()
                }
            }
            // Chinese characters and the blocks up to U+FDFF: no spaces, nothing to fold or drop.
            '\u{3400}'..='\u{FDFF}' => c,
            '\u{FE0F}' | '\u{FE0E}' | '\u{200D}' | '\u{FEFF}' => continue,
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c).to_ascii_lowercase(),
            c if c.is_whitespace() => ' ',
            c => c,
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
        length += 1;
    }
    while out.ends_with(' ') {
        out.pop();
        length -= 1;
    }
    length
}

/// Character n-grams of length 1 to `n_max` (a lone space is no unigram), hashed into `2^bits`.
fn ngrams(normal: &str, n_max: usize, bits: u8, out: &mut impl FnMut(u32)) {
    let mut window = [0u64; NGRAM_WINDOW];
    let n_max = n_max.min(NGRAM_WINDOW);
    let mut seen = 0usize;
    for c in normal.chars() {
        window.copy_within(0..n_max - 1, 1);
        window[0] = c as u64;
        seen += 1;
        for n in 1..=n_max.min(seen) {
            if n == 1 && c == ' ' {
                continue;
            }
            let mut h = NGRAM_SEEDS[n];
            for &code in window[..n].iter().rev() {
                h = fx(h, code);
            }
            out(bucket(h, bits));
        }
    }
}

/// The longest n-gram `ngrams` forms (`model::NGRAM_MAX` is within it).
const NGRAM_WINDOW: usize = 8;

/// The starting hash of each n-gram length: its namespace hashed.
const NGRAM_SEEDS: [u64; NGRAM_WINDOW + 1] = {
    let mut seeds = [0u64; NGRAM_WINDOW + 1];
    let mut n = 0;
    while n <= NGRAM_WINDOW {
        seeds[n] = fx(fx(SEED, NS_NGRAM), n as u64);
        n += 1;
    }
    seeds
};

const SEED: u64 = 0x243F_6A88_85A3_08D3;

/// The lexicon map's hasher: its keys are `hash_bytes` already; one multiply spreads their
/// bits (the table indexes by the low bits, which FNV mixes least).
#[derive(Default)]
struct Mixed(u64);

impl Hasher for Mixed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = fx(self.0, b as u64);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = fx(self.0, value ^ (value >> 32));
    }
}

type BuildMixed = BuildHasherDefault<Mixed>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a over a word's bytes.
fn hash_bytes(word: &str) -> u64 {
    let mut h = FNV_OFFSET;
    for &b in word.as_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The bucket of a word (its `hash_bytes`) in a namespace.
fn word_bucket(namespace: u64, word_hash: u64, bits: u8) -> u32 {
    bucket(fx(fx(SEED, namespace), word_hash), bits)
}

#[cfg(test)]
fn hash_word(namespace: u64, word: &str, bits: u8) -> u32 {
    word_bucket(namespace, hash_bytes(word), bits)
}

/// One step of the Fx hash (rustc's): rotate, xor, multiply.
const fn fx(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(0x517C_C1B7_2722_0A95)
}

/// The top `bits` bits of a hash: after a multiply, the best mixed.
fn bucket(h: u64, bits: u8) -> u32 {
    (h >> (64 - bits as u32)) as u32
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

    fn ngrams_of(normal: &str, n_max: usize) -> Vec<u32> {
        let mut out = Vec::new();
        ngrams(normal, n_max, 20, &mut |index| out.push(index));
        out
    }

    #[test]
    fn ngrams_cover_one_to_three_characters() {
        let mut out = ngrams_of("好用", 3);
        // 好, 用, 好用.
        assert_eq!(out.len(), 3);
        let mut again = ngrams_of("用好", 3);
        out.sort_unstable();
        again.sort_unstable();
        // Same unigrams, different bigram.
        assert_ne!(out, again);
        // 好, 用, 吗, 好用, 用吗 (and 好用吗 with trigrams).
        assert_eq!(ngrams_of("好用吗", 2).len(), 5);
        assert_eq!(ngrams_of("好用吗", 3).len(), 6);
        // A lone space is no unigram, but n-grams run across it.
        assert_eq!(ngrams_of("好 用", 2).len(), 4);
    }

    #[test]
    fn questions_are_told_by_their_end() {
        for (text, question) in [
            ("还有货吗?", true),
            ("什么时候发货呢", true),
            ("好用吗 ", true),
            ("好用吗? 好用", false),
            ("很好", false),
            ("很好?", false),
            ("为什么还不发货?", false),
            ("这件衣服收到了质量还可以就是不知道会不会起球有人知道吗?", false),
        ] {
            assert_eq!(is_question(text), question, "{text}");
        }
    }

    #[test]
    fn negation_scope_changes_the_word_features() {
        let featurizer = featurizer(FeatureConfig { bits: 20, ngram_max: 0, words: true });
        let bits = 20;
        let mut features = Features::default();
        featurizer.features("质量不好用", &mut features);
        let words = featurizer.words_of("质量不好用");
        // 不好用 is a lexicon word, kept whole (and known as negative).
        assert!(words.contains(&"不好用"), "{words:?}");
        featurizer.features("不 喜欢", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_NEGATED, "喜欢", bits)));
        assert!(!features.hashed.contains(&hash_word(NS_WORD, "喜欢", bits)));
        // Punctuation ends the scope.
        featurizer.features("不，喜欢", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_WORD, "喜欢", bits)));
        // Two negators cancel.
        featurizer.features("不是 不 喜欢", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_WORD, "喜欢", bits)));
    }

    #[test]
    fn degree_words_mark_the_next_word() {
        let featurizer = featurizer(FeatureConfig { bits: 20, ngram_max: 0, words: true });
        let bits = 20;
        let mut features = Features::default();
        featurizer.features("非常 满意", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_DEGREE_STRONG, "满意", bits)));
        featurizer.features("有点 贵", &mut features);
        assert!(features.hashed.contains(&hash_word(NS_DEGREE_WEAK, "贵", bits)));
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
    fn features_are_bounded_and_repeats_count() {
        let config = FeatureConfig { bits: 12, ngram_max: 3, words: true };
        let featurizer = featurizer(config);
        let mut features = Features::default();
        featurizer.features("好好好，真的好好好，非常好！", &mut features);
        assert!(features.hashed.iter().all(|&index| index < 1 << 12));
        let unigram = ngrams_of("好", 1)[0] >> 8;
        assert!(features.hashed.iter().filter(|&&index| index == unigram).count() >= 5);
        assert_eq!(features.fixed[0], (FIXED_BIAS, 1.0));
        featurizer.features("   ", &mut features);
        assert!(features.hashed.is_empty());
        assert_eq!(features.fixed, vec![(FIXED_BIAS, 1.0)]);
    }

    #[test]
    fn the_logit_without_collecting_is_the_models() {
        let config = FeatureConfig { bits: 12, ngram_max: 2, words: true };
        let featurizer = featurizer(config);
        let mut model = crate::sentiment::model::Model::zero(config);
        for (index, weight) in model.weights.iter_mut().enumerate() {
            *weight = ((index * 7919) % 1000) as f32 / 1000.0 - 0.5;
        }
        let mut features = Features::default();
        for text in ["不喜欢，非常满意", "有点贵👍", "  A  "] {
            featurizer.features(text, &mut features);
            let (logit, _) = featurizer.logit(text, &mut features, &model.weights).unwrap();
            assert_eq!(logit, model.logit(&features), "{text}");
        }
        assert_eq!(featurizer.logit(" ", &mut features, &model.weights), None);
    }
}
