//! Training: logistic regression over the hashed features, by AdaGrad with L2 regularisation,
//! a fixed number of passes in a seeded order, so the same corpus always gives the same model.
//!
//! The data is passed in (the CLI reads the corpus files). Duplicate texts count once, and a text
//! found under both labels is dropped. Classes are weighted to count equally, so the model's
//! bias does not carry the corpus's proportion of negative reviews. The regulariser pulls each
//! weight towards zero.
//!
//! The lexicon features (positive and negative words, praise, mediocrity, the tail's words) are
//! left out of training: their weights are set (`LEXICON_WEIGHTS`, scaled by `lexicon_prior`) and
//! added at classification. They are what carries the classifier outside the corpus's domains
//! (books, hotels, computers): learnt on the corpus, they come out weak or even reversed (呵呵 and
//! 还行 lean positive there, and its long reviews often praise after 但是), and the corpus's own
//! words would learn to cancel them. Negative words weigh more than positive ones: in a review a
//! single complaint usually decides (味道很好，送餐非常慢！).
//!
//! The score is calibrated: the logits of each example under a model trained without it
//! (`calibration_folds`-fold cross-fitting) give the Platt scaling (`model::Calibration`) that
//! turns the final model's logit into a probability.

use std::collections::{BTreeMap, HashMap};

use super::features::{
    FIXED_BIAS, FIXED_LEX_NEG, FIXED_LEX_POS, FIXED_MEDIOCRE, FIXED_PRAISE, FIXED_TAIL_NEG, FIXED_TAIL_POS,
    FeatureConfig, Features, Featurizer, full_jieba, is_boundary, normalize,
};
use super::model::{Calibration, Model};

/// Word of the dictionary's last line, which no text contains: it carries the frequency of the
/// default dictionary's words left out, so a word's cost (its log frequency against the total)
/// stays what it is in the full dictionary.
const PADDING_WORD: char = '\u{E000}';

/// The weight of one praise word (`lexicon::PRAISE`): the corpus's words neither learn to offset
/// it nor outweigh it (你们的 and 产品 lean negative there).
pub const PRAISE_WEIGHT: f32 = 2.0;

/// The weight of one mediocrity word (`lexicon::MEDIOCRE`): in the corpus 一般 is as often
/// "ordinary use" as faint praise.
pub const MEDIOCRE_WEIGHT: f32 = -2.0;

/// The set weights of the lexicon features (before `TrainOptions::lexicon_prior` scales them).
pub const LEXICON_WEIGHTS: [(u32, f32); 6] = [
    (FIXED_LEX_POS, 0.6),
    (FIXED_LEX_NEG, -1.2),
    (FIXED_TAIL_POS, 0.6),
    (FIXED_TAIL_NEG, -1.2),
    (FIXED_PRAISE, PRAISE_WEIGHT),
    (FIXED_MEDIOCRE, MEDIOCRE_WEIGHT),
];

/// Whether training leaves a fixed feature at its set weight.
fn unlearnt(index: u32) -> bool {
    LEXICON_WEIGHTS.iter().any(|&(fixed, _)| fixed == index)
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    pub config: FeatureConfig,
    /// Passes over the data.
    pub epochs: u32,
    /// AdaGrad's step size.
    pub learning_rate: f32,
    /// L2 strength (per example seen).
    pub l2: f32,
    /// Scales `LEXICON_WEIGHTS` (1: as they are).
    pub lexicon_prior: f32,
    /// Seed of the example order.
    pub seed: u64,
    /// Folds of the cross-fitting that calibrates the score (0 or 1: no calibration).
    pub calibration_folds: usize,
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
            calibration_folds: 3,
        }
    }
}

impl TrainOptions {
    /// One line describing the options, for the model file's header.
    pub fn describe(&self) -> String {
        format!(
            "logistic regression, adagrad: epochs {} learning_rate {} l2 {} lexicon_prior {} praise_weight {} \
             mediocre_weight {} seed {} calibration_folds {}",
            self.epochs,
            self.learning_rate,
            self.l2,
            self.lexicon_prior,
            PRAISE_WEIGHT,
            MEDIOCRE_WEIGHT,
            self.seed,
            self.calibration_folds
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
    for (index, weight) in LEXICON_WEIGHTS {
        prior.weights[offset + index as usize] = weight * options.lexicon_prior;
    }
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
            // The lexicon features take no part in training (see `LEXICON_WEIGHTS`).
            logit += features
                .fixed
                .iter()
                .filter(|&&(index, _)| !unlearnt(index))
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
                if !unlearnt(index) {
                    step(offset + index as usize, v);
                }
            }
            progress(1);
        }
    }
    Model { weights, notes: vec![options.describe()], ..prior }
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
    let held_out = held_out_logits(&data, options.calibration_folds, options, progress);
    let mut model = fit(&data, &indices, options, progress);
    model.dictionary = dictionary;
    if let Some(logits) = held_out {
        let labels: Vec<f32> = data.iter().map(|(_, label)| if *label { 1.0 } else { 0.0 }).collect();
        model.calibration = platt(&logits, &labels);
        model.notes.push(format!(
            "calibration fitted on the logits of {}-fold cross-fitting",
            options.calibration_folds
        ));
    }
    let positives = examples.iter().filter(|example| example.1).count();
    model.notes.push(format!(
        "{} examples: {} positive, {} negative",
        examples.len(),
        positives,
        examples.len() - positives
    ));
    model
}

/// The fold (of `folds`) each example falls in: a seeded shuffle, then every `folds`-th.
pub(super) fn fold_of(count: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    shuffle(&mut order, &mut SplitMix(seed ^ 0x5EED));
    let mut fold = vec![0; count];
    for (position, &i) in order.iter().enumerate() {
        fold[i] = position % folds;
    }
    fold
}

/// Each example's logit under a model fitted on the other folds; `None` for fewer than 2 folds.
pub fn held_out_logits(
    data: &[(Features, bool)],
    folds: usize,
    options: &TrainOptions,
    progress: &mut dyn FnMut(u64),
) -> Option<Vec<f32>> {
    if folds < 2 || data.len() < folds {
        return None;
    }
    let fold = fold_of(data.len(), folds, options.seed);
    let mut logits = vec![0f32; data.len()];
    for k in 0..folds {
        let train: Vec<usize> = (0..data.len()).filter(|&i| fold[i] != k).collect();
        let model = fit(data, &train, options, progress);
        for i in (0..data.len()).filter(|&i| fold[i] == k) {
            logits[i] = model.logit(&data[i].0);
        }
    }
    Some(logits)
}

/// Platt scaling: the `scale × logit + offset` that minimises the log loss of `targets` (in
/// [0, 1]), with the two classes weighted to count equally, by Newton's method (a fixed number
/// of steps at most, each halved until the loss falls).
pub fn platt(logits: &[f32], targets: &[f32]) -> Calibration {
    let positives: f64 = targets.iter().map(|&t| f64::from(t)).sum::<f64>().max(1e-9);
    let negatives = (targets.len() as f64 - positives).max(1e-9);
    let total = targets.len() as f64;
    let (weight_pos, weight_neg) = (total / (2.0 * positives), total / (2.0 * negatives));
    let loss = |a: f64, b: f64| -> f64 {
        logits
            .iter()
            .zip(targets)
            .map(|(&z, &t)| {
                let (z, t) = (f64::from(z), f64::from(t));
                let u = a * z + b;
                // log(1 + e^u) - t·u, stably.
                let softplus = if u > 0.0 { u + (-u).exp().ln_1p() } else { u.exp().ln_1p() };
                weight_pos * t * (softplus - u) + weight_neg * (1.0 - t) * softplus
            })
            .sum()
    };
    let (mut a, mut b) = (1.0f64, 0.0f64);
    let mut current = loss(a, b);
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (&z, &t) in logits.iter().zip(targets) {
            let (z, t) = (f64::from(z), f64::from(t));
            let p = 1.0 / (1.0 + (-(a * z + b)).exp());
            // Weighted gradient and Hessian of the two-class loss.
            let g = weight_pos * t * (p - 1.0) + weight_neg * (1.0 - t) * p;
            let h = (weight_pos * t + weight_neg * (1.0 - t)) * p * (1.0 - p);
            ga += g * z;
            gb += g;
            haa += h * z * z;
            hab += h * z;
            hbb += h;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        let mut step = 1.0;
        let mut improved = false;
        while step > 1e-4 {
            let (na, nb) = (a - step * da, b - step * db);
            let next = loss(na, nb);
            if next < current {
                (a, b, current, improved) = (na, nb, next, true);
                break;
            }
            step /= 2.0;
        }
        if !improved || (da.abs() + db.abs()) < 1e-7 {
            break;
        }
    }
    if a <= 0.0 || !a.is_finite() || !b.is_finite() {
        return Calibration::IDENTITY;
    }
    Calibration { scale: a as f32, offset: b as f32 }
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
    let fold_of = fold_of(data.len(), folds, options.seed);
    (0..folds)
        .map(|fold| {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..data.len()).partition(|&i| fold_of[i] == fold);
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
pub(super) struct SplitMix(u64);

impl SplitMix {
    pub(super) fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

pub(super) fn shuffle(items: &mut [usize], random: &mut SplitMix) {
    for i in (1..items.len()).rev() {
        let j = (random.next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
