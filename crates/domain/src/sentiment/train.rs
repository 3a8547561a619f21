//! Training: logistic regression over the hashed features, by AdaGrad with L2 regularisation,
//! a fixed number of passes in a seeded order, so the same corpus always gives the same model.
//!
//! The data is passed in (the CLI reads the corpus files). Duplicate texts count once, and a text
//! found under both labels is dropped. Classes are weighted to count equally, so the model's
//! bias does not carry the corpus's proportion of negative reviews. The regulariser pulls each
//! weight towards its prior: zero, except the two lexicon features, which start from
//! `lexicon_prior` (positive for `lex:pos`, negative for `lex:neg`) because the corpus has too
//! few emoji and too little recent slang to learn them from. The praise feature is left out of
//! training: its weight is `PRAISE_WEIGHT`, added at classification.

use std::collections::{BTreeMap, HashMap};

use super::features::{
    FIXED_BIAS, FIXED_LEX_NEG, FIXED_LEX_POS, FIXED_PRAISE, FeatureConfig, Features, Featurizer, full_jieba,
    is_boundary, normalize,
};
use super::model::Model;

/// Word of the dictionary's last line, which no text contains: it carries the frequency of the
/// default dictionary's words left out, so a word's cost (its log frequency against the total)
/// stays what it is in the full dictionary.
const PADDING_WORD: char = '\u{E000}';

/// The weight of one praise word (`lexicon::PRAISE`), added at classification only: training
/// leaves the praise feature out, so the corpus's words neither learn to offset it nor outweigh
/// it (你们的 and 产品 lean negative there).
pub const PRAISE_WEIGHT: f32 = 2.0;

#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    pub config: FeatureConfig,
    /// Passes over the data.
    pub epochs: u32,
    /// AdaGrad's step size.
    pub learning_rate: f32,
    /// L2 strength (per example seen).
    pub l2: f32,
    /// Prior weight of one lexicon hit (its logit).
    pub lexicon_prior: f32,
    /// Seed of the example order.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            config: FeatureConfig::default(),
            epochs: 8,
            learning_rate: 0.2,
            l2: 1e-6,
            lexicon_prior: 1.0,
            seed: 7,
        }
    }
}

impl TrainOptions {
    /// One line describing the options, for the model file's header.
    pub fn describe(&self) -> String {
        format!(
            "logistic regression, adagrad: epochs {} learning_rate {} l2 {} lexicon_prior {} praise_weight {} seed {}",
            self.epochs, self.learning_rate, self.l2, self.lexicon_prior, PRAISE_WEIGHT, self.seed
        )
    }
}

/// Labelled texts, deduplicated: trimmed, empty lines skipped, a text repeated under one label
/// kept once (first occurrence), a text under both labels dropped. Positives first.
pub fn examples<'a>(positive: &[&'a str], negative: &[&'a str]) -> Vec<(&'a str, bool)> {
    let mut labels: HashMap<&str, Option<bool>> = HashMap::new();
    let mut order = Vec::new();
    for (texts, label) in [(positive, true), (negative, false)] {
        for text in texts {
            let text = text.trim().trim_start_matches('\u{FEFF}');
            if text.is_empty() {
                continue;
            }
            match labels.get_mut(text) {
                None => {
                    labels.insert(text, Some(label));
                    order.push(text);
                }
                Some(seen) => {
                    if *seen != Some(label) {
                        *seen = None;
                    }
                }
            }
        }
    }
    order.into_iter().filter_map(|text| labels[text].map(|label| (text, label))).collect()
}

/// The segmenter's dictionary for a corpus: the words jieba (full default dictionary plus the
/// lexicon) finds in the normalised texts, and every lexicon word, with jieba's frequencies,
/// sorted; then the padding line. Words never seen in training would get no weight anyway, and
/// the small dictionary makes segmentation faster (its trie stays in the cache).
pub fn dictionary(texts: &[&str]) -> String {
    let (jieba, total) = full_jieba();
    let mut words: BTreeMap<String, usize> = BTreeMap::new();
    let mut keep = |word: &str| {
        if !is_boundary(word) && !word.contains(PADDING_WORD) && !words.contains_key(word) {
            words.insert(word.to_owned(), jieba.suggest_freq(word));
        }
    };
    for text in texts {
        for word in jieba.cut(&normalize(text), false) {
            keep(word);
        }
    }
    for word in super::lexicon::words_to_keep_whole() {
        keep(word);
    }
    let kept: usize = words.values().sum();
    let mut out = String::new();
    for (word, freq) in &words {
        out.push_str(&format!("{word} {freq}\n"));
    }
    out.push_str(&format!("{PADDING_WORD} {}\n", total.saturating_sub(kept).max(1)));
    out
}

/// The features of every example (the slow part: jieba), reported to `progress` one by one.
pub fn featurize(
    featurizer: &Featurizer,
    examples: &[(&str, bool)],
    progress: &mut dyn FnMut(u64),
) -> Vec<(Features, bool)> {
    let mut features = Features::default();
    examples
        .iter()
        .map(|&(text, label)| {
            featurizer.features(text, &mut features);
            progress(1);
            (features.without_buffers(), label)
        })
        .collect()
}

/// Fits a model on the examples at `indices` of `data`; `progress` hears of each example seen.
pub fn fit(
    data: &[(Features, bool)],
    indices: &[usize],
    options: &TrainOptions,
    progress: &mut dyn FnMut(u64),
) -> Model {
    let config = options.config;
    let offset = 1usize << config.bits;
    let mut prior = Model::zero(config);
    prior.weights[offset + FIXED_LEX_POS as usize] = options.lexicon_prior;
    prior.weights[offset + FIXED_LEX_NEG as usize] = -options.lexicon_prior;
    prior.weights[offset + FIXED_PRAISE as usize] = PRAISE_WEIGHT;
    let mut weights = prior.weights.clone();
    let mut squares = vec![0f32; weights.len()];
    let positives = indices.iter().filter(|&&i| data[i].1).count().max(1) as f32;
    let negatives = (indices.len() as f32 - positives).max(1.0);
    let total = indices.len() as f32;
    let (weight_positive, weight_negative) = (total / (2.0 * positives), total / (2.0 * negatives));
    let mut order = indices.to_vec();
    let mut random = SplitMix(options.seed);
    let bias = offset + FIXED_BIAS as usize;
    for _ in 0..options.epochs {
        shuffle(&mut order, &mut random);
        for &i in &order {
            let (features, label) = &data[i];
            let value = features.hashed_value();
            let mut logit: f32 =
                features.hashed.iter().map(|&index| weights[index as usize]).sum::<f32>() * value;
            // The praise feature takes no part in training (see `PRAISE_WEIGHT`).
            logit += features
                .fixed
                .iter()
                .filter(|&&(index, _)| index != FIXED_PRAISE)
                .map(|&(index, v)| weights[offset + index as usize] * v)
                .sum::<f32>();
            let p = sigmoid(logit);
            let (target, class_weight) = if *label { (1.0, weight_positive) } else { (0.0, weight_negative) };
            let error = (p - target) * class_weight;
            let mut step = |index: usize, x: f32| {
                let mut gradient = error * x;
                if index != bias {
                    gradient += options.l2 * (weights[index] - prior.weights[index]);
                }
                squares[index] += gradient * gradient;
                weights[index] -= options.learning_rate * gradient / (squares[index].sqrt() + 1e-6);
            };
            for &index in &features.hashed {
                step(index as usize, value);
            }
            for &(index, v) in &features.fixed {
                if index != FIXED_PRAISE {
                    step(offset + index as usize, v);
                }
            }
            progress(1);
        }
    }
    Model { config, weights, dictionary: prior.dictionary, notes: vec![options.describe()] }
}

/// The dictionary of the examples and the featurizer over it.
pub fn featurizer(examples: &[(&str, bool)], config: FeatureConfig) -> (String, Featurizer) {
    let texts: Vec<&str> = examples.iter().map(|example| example.0).collect();
    let dictionary = dictionary(&texts);
    let featurizer =
        Featurizer::with_dictionary(config, &dictionary).expect("the dictionary we write parses");
    (dictionary, featurizer)
}

/// Trains on all examples: the dictionary, the features, then the fit.
pub fn train(examples: &[(&str, bool)], options: &TrainOptions, progress: &mut dyn FnMut(u64)) -> Model {
    let (dictionary, featurizer) = featurizer(examples, options.config);
    let data = featurize(&featurizer, examples, progress);
    let indices: Vec<usize> = (0..data.len()).collect();
    let mut model = fit(&data, &indices, options, progress);
    model.dictionary = dictionary;
    let positives = examples.iter().filter(|example| example.1).count();
    model.notes.push(format!(
        "{} examples: {} positive, {} negative",
        examples.len(),
        positives,
        examples.len() - positives
    ));
    model
}

/// k-fold cross-validation on featurized data (folds by a seeded shuffle): each fold's accuracy
/// at the 0.5 threshold.
pub fn cross_validate(
    data: &[(Features, bool)],
    folds: usize,
    options: &TrainOptions,
    progress: &mut dyn FnMut(u64),
) -> Vec<f64> {
    let folds = folds.max(2);
    let mut order: Vec<usize> = (0..data.len()).collect();
    shuffle(&mut order, &mut SplitMix(options.seed ^ 0x5EED));
    (0..folds)
        .map(|fold| {
            let (mut test, mut train) = (Vec::new(), Vec::new());
            for (position, &i) in order.iter().enumerate() {
                if position % folds == fold { test.push(i) } else { train.push(i) }
            }
            let model = fit(data, &train, options, progress);
            let correct = test.iter().filter(|&&i| (model.logit(&data[i].0) >= 0.0) == data[i].1).count();
            correct as f64 / test.len().max(1) as f64
        })
        .collect()
}

pub(super) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// SplitMix64: a small, fixed pseudo-random sequence (the order of examples).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn shuffle(items: &mut [usize], random: &mut SplitMix) {
    for i in (1..items.len()).rev() {
        let j = (random.next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
