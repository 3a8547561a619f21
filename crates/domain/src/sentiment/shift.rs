//! The domain-shift check: how the classifier does on a kind of review it was never trained on,
//! and how fast a domain layer (`adapt.rs`) recovers it.
//!
//! The training corpus is split by topic keywords (hotels, books, computers, everything else).
//! For each topic a model is trained on the other topics only (its own dictionary, features and
//! calibration, as `train::train` does) and tested on the topic. The adaptation curve then takes
//! the held-out topic's examples in a seeded order, keeps the first `ADAPT_POOL_MAX` (at most half)
//! as the corrections a merchant would make and the rest as the test, and fits layers on the first
//! 0, 100, 300, 500 and 1,000 of them.

use super::Classifier;
use super::adapt::{self, AdaptOptions, Example};
use super::train::{self, SplitMix, TrainOptions};

/// Topics and the keywords that put a review in them (the first topic with a keyword wins).
pub const TOPICS: &[(&str, &[&str])] = &[
    (
        "hotel",
        &[
            "酒店",
            "宾馆",
            "房间",
            "入住",
            "前台",
            "客房",
            "住宿",
            "大堂",
            "携程",
            "早餐",
            "服务员",
            "标准间",
            "床",
        ],
    ),
    ("book", &["书", "作者", "小说", "读", "故事", "文字", "出版", "章节", "译", "作品", "文章"]),
    (
        "computer",
        &[
            "电脑",
            "笔记本",
            "本本",
            "屏幕",
            "键盘",
            "系统",
            "硬盘",
            "内存",
            "散热",
            "驱动",
            "电池",
            "显卡",
            "cpu",
            "vista",
            "xp",
            "光驱",
            "触摸板",
            "风扇",
            "摄像头",
            "联想",
            "戴尔",
            "华硕",
            "惠普",
            "机器",
            "配置",
        ],
    ),
];
/// The topic of reviews no keyword places.
pub const OTHER: &str = "other";

/// The adaptation curve's numbers of corrections.
pub const CURVE: [usize; 5] = [0, 100, 300, 500, 1000];
/// The held-out topic's examples kept as corrections, at most.
pub const ADAPT_POOL_MAX: usize = 1000;

/// Labelled texts (positive: true).
type Labelled<'a> = Vec<(&'a str, bool)>;

/// The topic of a review.
pub fn topic_of(text: &str) -> &'static str {
    let lower = text.to_lowercase();
    TOPICS
        .iter()
        .find(|(_, keywords)| keywords.iter().any(|keyword| lower.contains(keyword)))
        .map_or(OTHER, |(name, _)| name)
}

/// One held-out topic.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicReport {
    pub topic: &'static str,
    pub trained_on: usize,
    pub tested_on: usize,
    /// Accuracy on the whole topic by score ≥ 0.5.
    pub accuracy_by_score: f64,
    /// Accuracy on the whole topic counting neutral as not negative.
    pub accuracy_neutral_not_negative: f64,
    /// Share of the topic's negative reviews in the neutral band.
    pub negatives_neutral: f64,
    /// (corrections, accuracy by score on the topic's test part), for `CURVE`.
    pub curve: Vec<(usize, f64)>,
    pub curve_tested_on: usize,
}

/// Runs the check for every topic (or only `only`); `progress` hears of training work.
pub fn run(
    examples: &[(&str, bool)],
    options: &TrainOptions,
    adapt_options: &AdaptOptions,
    only: Option<&str>,
    progress: &mut dyn FnMut(u64),
) -> Vec<TopicReport> {
    let topics: Vec<&'static str> = TOPICS
        .iter()
        .map(|(name, _)| *name)
        .chain([OTHER])
        .filter(|t| only.is_none_or(|o| o == *t))
        .collect();
    topics
        .into_iter()
        .map(|topic| {
            let (held, rest): (Labelled<'_>, Labelled<'_>) =
                examples.iter().partition(|(text, _)| topic_of(text) == topic);
            let model = train::train(&rest, options, progress);
            let classifier = Classifier::new(model).expect("a trained model loads");
            let scores: Vec<f32> = held.iter().map(|(text, _)| classifier.classify(text).score).collect();
            let count = held.len().max(1) as f64;
            let by_score =
                held.iter().zip(&scores).filter(|((_, label), score)| (**score >= 0.5) == *label).count();
            let not_negative = held
                .iter()
                .zip(&scores)
                .filter(|((_, label), score)| (**score >= super::NEUTRAL_LOW) == *label)
                .count();
            let negatives = held.iter().filter(|(_, label)| !label).count().max(1) as f64;
            let neutral_negatives = held
                .iter()
                .zip(&scores)
                .filter(|((_, label), score)| {
                    !label && (super::NEUTRAL_LOW..=super::NEUTRAL_HIGH).contains(*score)
                })
                .count();
            let (curve, curve_tested_on) = curve(&classifier, &held, adapt_options);
            TopicReport {
                topic,
                trained_on: rest.len(),
                tested_on: held.len(),
                accuracy_by_score: by_score as f64 / count,
                accuracy_neutral_not_negative: not_negative as f64 / count,
                negatives_neutral: neutral_negatives as f64 / negatives,
                curve,
                curve_tested_on,
            }
        })
        .collect()
}

/// The adaptation curve of one held-out topic.
fn curve(base: &Classifier, held: &[(&str, bool)], options: &AdaptOptions) -> (Vec<(usize, f64)>, usize) {
    let mut order: Vec<usize> = (0..held.len()).collect();
    train::shuffle(&mut order, &mut SplitMix::new(0xC0FFEE));
    let pool = ADAPT_POOL_MAX.min(held.len() / 2);
    let (corrections, test) = order.split_at(pool);
    let points = CURVE
        .iter()
        .filter(|&&n| n <= pool)
        .map(|&n| {
            let examples: Vec<Example> = corrections[..n]
                .iter()
                .map(|&i| Example { text: held[i].0.to_owned(), target: if held[i].1 { 1.0 } else { 0.0 } })
                .collect();
            let layer = adapt::fit(base, &examples, options);
            let adapted = Classifier::new(layer.apply(base.model()).expect("fitted on this model"))
                .expect("an adapted model loads");
            let correct =
                test.iter().filter(|&&i| (adapted.classify(held[i].0).score >= 0.5) == held[i].1).count();
            (n, correct as f64 / test.len().max(1) as f64)
        })
        .collect();
    (points, test.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_by_keyword() {
        assert_eq!(topic_of("酒店的房间很干净"), "hotel");
        assert_eq!(topic_of("这本书的作者写得好"), "book");
        assert_eq!(topic_of("屏幕很亮，键盘手感好"), "computer");
        assert_eq!(topic_of("水果很新鲜"), OTHER);
    }
}
