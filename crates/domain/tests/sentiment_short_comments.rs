//! Short comments of the kind Douyin carries, written for Xiaodian (never trained on): praise,
//! complaints, questions, emoji, slang and sarcasm, each with the label the shipped model must give.

use domain::sentiment::{Classifier, Label};

const POSITIVE: Label = Label::Positive;
const NEUTRAL: Label = Label::Neutral;
const NEGATIVE: Label = Label::Negative;

const CASES: &[(&str, Label)] = &[
    // Praise.
    ("这件卫衣好看，已下单！", POSITIVE),
    ("太好看了吧", POSITIVE),
    ("绝绝子，已经回购三次了", POSITIVE),
    ("质量很好，物流也快", POSITIVE),
    ("yyds！", POSITIVE),
    ("主播好美，衣服也好看", POSITIVE),
    ("真香👍", POSITIVE),
    ("爱了爱了😍", POSITIVE),
    ("超赞，推荐给朋友了", POSITIVE),
    ("好吃不贵，还会再来", POSITIVE),
    ("性价比超高", POSITIVE),
    ("穿着很舒服", POSITIVE),
    ("发货很快，好评", POSITIVE),
    ("宝贝收到了，很满意", POSITIVE),
    ("666", POSITIVE),
    ("客服小姐姐很耐心", POSITIVE),
    ("包装很精美，送人很有面子", POSITIVE),
    ("👍👍👍", POSITIVE),
    ("种草了", POSITIVE),
    ("送餐很快，饭还是热乎的", POSITIVE),
    ("虽然贵了点，但是质量真的好", POSITIVE),
    // Complaints.
    ("质量太差了", NEGATIVE),
    ("垃圾，退货", NEGATIVE),
    ("踩雷了，别买", NEGATIVE),
    ("发货太慢了", NEGATIVE),
    ("味道一般", NEGATIVE),
    ("还行吧，没有宣传的好", NEGATIVE),
    ("客服不理人", NEGATIVE),
    ("智商税", NEGATIVE),
    ("拉胯👎", NEGATIVE),
    ("买了就后悔", NEGATIVE),
    ("图文不符，差评", NEGATIVE),
    ("衣服起球了", NEGATIVE),
    ("尺码偏小，穿不上", NEGATIVE),
    ("退款一直不到账", NEGATIVE),
    ("太坑了吧", NEGATIVE),
    ("翻车了😡", NEGATIVE),
    ("又贵又难吃", NEGATIVE),
    ("配送很快，味道一般", NEGATIVE),
    ("不值这个价", NEGATIVE),
    ("💩", NEGATIVE),
    ("下头", NEGATIVE),
    ("味道很好，送餐非常慢！", NEGATIVE),
    ("送货速度快，服务不错。就是饭比较难吃", NEGATIVE),
    ("东西还可以，可惜包装压坏了", NEGATIVE),
    ("怎么这么差？", NEGATIVE),
    // Sarcasm.
    ("呵呵，真是好服务", NEGATIVE),
    ("呵呵，又被坑了", NEGATIVE),
    // Questions without a lean.
    ("什么时候发货?", NEUTRAL),
    ("这个颜色还有货吗？", NEUTRAL),
    ("多少钱？", NEUTRAL),
    ("有没有大码？", NEUTRAL),
    ("链接在哪里？", NEUTRAL),
    ("能发顺丰吗？", NEUTRAL),
    ("几号发货呢", NEUTRAL),
    ("身高160穿什么码？", NEUTRAL),
    ("这个好用吗？", NEUTRAL),
];

#[test]
fn short_comments_read_as_a_person_would() {
    assert!(CASES.len() >= 50);
    let classifier = Classifier::builtin().unwrap();
    let misread: Vec<String> = CASES
        .iter()
        .filter_map(|&(text, expected)| {
            let got = classifier.classify(text);
            (got.label != expected).then(|| format!("{text}: expected {}, got {got:?}", expected.as_str()))
        })
        .collect();
    assert!(misread.is_empty(), "{} of {} misread:\n{}", misread.len(), CASES.len(), misread.join("\n"));
}
