//! Enterprise (blue V) verification rules: the application's states and what moves it, document
//! kinds and the file types recognised by their content, decisions and reason codes, the warnings
//! a reviewer sees, and the nickname-versus-company comparison.

/// Rejections after which an application fails instead of waiting for a resubmission.
pub const REJECTIONS_MAX: i64 = 3;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerificationStatus {
    /// Being filled in by the merchant.
    Draft,
    /// Waiting in the reviewers' queue.
    Submitted,
    /// Claimed by a reviewer.
    InReview,
    Approved,
    /// Refused with reason codes; the merchant may correct and resubmit.
    Rejected,
    /// The merchant must correct within the deadline and resubmit.
    ChangesRequested,
    /// Over: corrections not made in time, or rejected too often. Ends in a cooldown.
    Failed,
}

impl VerificationStatus {
    pub const ALL: [VerificationStatus; 7] = [
        VerificationStatus::Draft,
        VerificationStatus::Submitted,
        VerificationStatus::InReview,
        VerificationStatus::Approved,
        VerificationStatus::Rejected,
        VerificationStatus::ChangesRequested,
        VerificationStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Draft => "draft",
            VerificationStatus::Submitted => "submitted",
            VerificationStatus::InReview => "in_review",
            VerificationStatus::Approved => "approved",
            VerificationStatus::Rejected => "rejected",
            VerificationStatus::ChangesRequested => "changes_requested",
            VerificationStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<VerificationStatus> {
        VerificationStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the merchant may change the application's data and documents.
    pub fn editable(self) -> bool {
        matches!(
            self,
            VerificationStatus::Draft | VerificationStatus::Rejected | VerificationStatus::ChangesRequested
        )
    }

    /// Whether the application is still going (an account has at most one such application).
    pub fn open(self) -> bool {
        !matches!(self, VerificationStatus::Approved | VerificationStatus::Failed)
    }

    /// Whether a reviewer may decide it now.
    pub fn awaiting_decision(self) -> bool {
        matches!(self, VerificationStatus::Submitted | VerificationStatus::InReview)
    }
}

text_conversions!(VerificationStatus);

/// A reviewer's decision on a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Approve,
    Reject,
    RequestChanges,
}

impl Outcome {
    pub fn parse(text: &str) -> Option<Outcome> {
        match text {
            "approve" => Some(Outcome::Approve),
            "reject" => Some(Outcome::Reject),
            "request_changes" => Some(Outcome::RequestChanges),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::Reject => "reject",
            Outcome::RequestChanges => "request_changes",
        }
    }
}

/// The state a decision leads to, given how many rejections came before: the third rejection
/// fails the application.
pub fn status_after(outcome: Outcome, rejections_before: i64) -> (VerificationStatus, i64) {
    match outcome {
        Outcome::Approve => (VerificationStatus::Approved, rejections_before),
        Outcome::RequestChanges => (VerificationStatus::ChangesRequested, rejections_before),
        Outcome::Reject if rejections_before + 1 >= REJECTIONS_MAX => {
            (VerificationStatus::Failed, rejections_before + 1)
        }
        Outcome::Reject => (VerificationStatus::Rejected, rejections_before + 1),
    }
}

/// An industry an applicant may declare, and the policy for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Industry {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// Whether an `industry_permit` document is required.
    pub permit_required: bool,
    /// Whether the platform verifies companies of this industry at all.
    pub admitted: bool,
}

/// The default industry list: (code, 中文, English, permit required, admitted).
pub fn default_industries() -> Vec<Industry> {
    let rows: &[(&str, &str, &str, bool, bool)] = &[
        ("retail", "零售", "Retail", false, true),
        ("apparel", "服饰", "Apparel", false, true),
        ("food", "食品", "Food", true, true),
        ("catering", "餐饮", "Catering", true, true),
        ("beauty", "美妆", "Beauty", false, true),
        ("electronics", "数码", "Electronics", false, true),
        ("education", "教育", "Education", false, true),
        ("tourism", "旅游", "Tourism", false, true),
        ("medical", "医疗", "Medical", false, false),
        ("finance", "金融", "Finance", false, false),
        ("tobacco", "烟草", "Tobacco and e-cigarettes", false, false),
        ("lottery", "彩票", "Lottery", false, false),
    ];
    rows.iter()
        .map(|(code, zh, en, permit_required, admitted)| Industry {
            code: (*code).to_owned(),
            zh: (*zh).to_owned(),
            en: (*en).to_owned(),
            permit_required: *permit_required,
            admitted: *admitted,
        })
        .collect()
}

/// Reason codes a reviewer gives with a rejection or a change request: (code, 中文, English).
pub const REASONS: &[(&str, &str, &str)] = &[
    ("licence_unreadable", "营业执照不清晰", "The business licence is not readable"),
    ("licence_mismatch", "营业执照信息与填写不一致", "The licence does not match the data entered"),
    ("letter_missing_seal", "认证公函未加盖公章", "The application letter has no company seal"),
    ("authorization_invalid", "授权书无效", "The authorisation letter is not valid"),
    ("permit_missing", "缺少行业资质", "The industry permit is missing or invalid"),
    ("nickname_mismatch", "账号名称与企业或品牌名称不符", "The nickname does not match the company or brand"),
    ("false_information", "提交信息虚假", "The information given is false"),
    ("industry_not_admitted", "所属行业暂不支持认证", "The industry is not admitted"),
    ("other", "其他", "Other"),
];

pub fn reason_known(code: &str) -> bool {
    REASONS.iter().any(|(known, _, _)| *known == code)
}

/// A document an application carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKind {
    /// 营业执照, a colour scan.
    BusinessLicence,
    /// 认证公函 with the company seal.
    ApplicationLetter,
    /// 授权书, when the operator is not the legal representative.
    AuthorizationLetter,
    /// 行业资质, for industries that need a permit.
    IndustryPermit,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::BusinessLicence,
        DocumentKind::ApplicationLetter,
        DocumentKind::AuthorizationLetter,
        DocumentKind::IndustryPermit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::BusinessLicence => "business_licence",
            DocumentKind::ApplicationLetter => "application_letter",
            DocumentKind::AuthorizationLetter => "authorization_letter",
            DocumentKind::IndustryPermit => "industry_permit",
        }
    }

    pub fn parse(text: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The documents an application needs.
pub fn required_documents(operator_is_legal_rep: bool, permit_required: bool) -> Vec<DocumentKind> {
    let mut kinds = vec![DocumentKind::BusinessLicence, DocumentKind::ApplicationLetter];
    if !operator_is_legal_rep {
        kinds.push(DocumentKind::AuthorizationLetter);
    }
    if permit_required {
        kinds.push(DocumentKind::IndustryPermit);
    }
    kinds
}

/// A file type accepted for documents, recognised by its first bytes, never by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentType {
    Jpeg,
    Png,
    Pdf,
}

/// Bytes `DocumentType::detect` needs to see.
pub const DOCUMENT_MAGIC_BYTES: usize = 8;

impl DocumentType {
    /// The type of a file from its first bytes; `None` for anything else (executables, archives,
    /// HTML...). A file shorter than its signature is nothing.
    pub fn detect(head: &[u8]) -> Option<DocumentType> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(DocumentType::Jpeg)
        } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(DocumentType::Png)
        } else if head.starts_with(b"%PDF-") {
            Some(DocumentType::Pdf)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            DocumentType::Jpeg => "image/jpeg",
            DocumentType::Png => "image/png",
            DocumentType::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            DocumentType::Jpeg => "jpg",
            DocumentType::Png => "png",
            DocumentType::Pdf => "pdf",
        }
    }

    pub fn from_content_type(text: &str) -> Option<DocumentType> {
        [DocumentType::Jpeg, DocumentType::Png, DocumentType::Pdf]
            .into_iter()
            .find(|t| t.content_type() == text)
    }
}

/// What a reviewer is warned of on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Warning {
    /// The USCC is well formed but its check character does not match (early pilot codes).
    UsccChecksumMismatch,
    /// The account nickname matches neither the company name nor the brand.
    NicknameMismatch,
    /// The legal representative's ID number is on another company's application.
    ResidentIdSeenElsewhere,
}

impl Warning {
    pub const ALL: [Warning; 3] =
        [Warning::UsccChecksumMismatch, Warning::NicknameMismatch, Warning::ResidentIdSeenElsewhere];

    pub fn as_str(self) -> &'static str {
        match self {
            Warning::UsccChecksumMismatch => "uscc_checksum_mismatch",
            Warning::NicknameMismatch => "nickname_mismatch",
            Warning::ResidentIdSeenElsewhere => "resident_id_seen_elsewhere",
        }
    }

    pub fn parse(text: &str) -> Option<Warning> {
        Warning::ALL.into_iter().find(|w| w.as_str() == text)
    }
}

/// Legal-form suffixes stripped from a company name, longest first.
const COMPANY_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "合伙企业",
    "个体工商户",
    "工作室",
    "集团",
    "公司",
];

/// Provinces, autonomous regions and municipalities, as written without their suffix.
const PROVINCES: &[&str] = &[
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

/// Cities that commonly open a company name.
const CITIES: &[&str] = &[
    "杭州",
    "宁波",
    "温州",
    "嘉兴",
    "湖州",
    "绍兴",
    "金华",
    "义乌",
    "台州",
    "深圳",
    "广州",
    "东莞",
    "佛山",
    "珠海",
    "中山",
    "惠州",
    "汕头",
    "成都",
    "武汉",
    "南京",
    "苏州",
    "无锡",
    "常州",
    "南通",
    "西安",
    "长沙",
    "郑州",
    "青岛",
    "济南",
    "烟台",
    "合肥",
    "福州",
    "厦门",
    "泉州",
    "沈阳",
    "大连",
    "哈尔滨",
    "长春",
    "石家庄",
    "太原",
    "南昌",
    "南宁",
    "贵阳",
    "昆明",
    "兰州",
    "西宁",
    "银川",
    "乌鲁木齐",
    "拉萨",
    "呼和浩特",
    "海口",
    "三亚",
    "保定",
    "唐山",
    "洛阳",
    "徐州",
    "扬州",
];

/// Suffixes of a region name.
const REGION_SUFFIXES: &[&str] =
    &["壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市"];

/// Strips one leading region name (with its optional suffix) from `text`.
fn strip_region_once(text: &str) -> Option<&str> {
    let names = PROVINCES.iter().chain(CITIES);
    let mut best: Option<&str> = None;
    for name in names {
        if let Some(rest) = text.strip_prefix(name) {
            let rest = REGION_SUFFIXES.iter().find_map(|s| rest.strip_prefix(s)).unwrap_or(rest);
            if best.is_none_or(|b| rest.len() < b.len()) {
                best = Some(rest);
            }
        }
    }
    // Never strip the whole name: "上海" alone stays "上海".
    best.filter(|rest| !rest.is_empty())
}

/// Lower case without white space, punctuation and parenthesised parts such as "（北京）".
fn simplify(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0_u32;
    for c in text.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
}

/// The distinctive part of a company name: without the region prefix (杭州, 杭州市, 浙江省杭州市...)
/// and the legal-form suffix (有限公司, 股份有限公司, 有限责任公司...).
pub fn company_core(name: &str) -> String {
    let mut core = simplify(name);
    while let Some(rest) = strip_region_once(&core) {
        core = rest.to_owned();
    }
    loop {
        let stripped = COMPANY_SUFFIXES.iter().find_map(|suffix| core.strip_suffix(suffix));
        match stripped {
            Some(rest) if !rest.is_empty() => core = rest.to_owned(),
            _ => break,
        }
    }
    core
}

/// Words an account name commonly adds to its company or brand name.
const NICKNAME_DECORATIONS: &[&str] =
    &["官方旗舰店", "官方账号", "旗舰店", "官方号", "官方", "企业号", "专营店", "官方店"];

/// Whether an account nickname matches the company name or the brand: after stripping the region
/// prefix and legal-form suffix from both sides, one contains the other (at least two characters).
pub fn nickname_matches(nickname: &str, company_name: &str, brand_name: Option<&str>) -> bool {
    let mut nick = simplify(nickname);
    for decoration in NICKNAME_DECORATIONS {
        if let Some(rest) = nick.strip_suffix(decoration).filter(|rest| !rest.is_empty()) {
            nick = rest.to_owned();
        }
    }
    let nick_core = company_core(&nick);
    let matches = |name: &str| {
        let core = company_core(name);
        let contains = |a: &str, b: &str| b.chars().count() >= 2 && a.contains(b);
        !core.is_empty()
            && (contains(&nick, &core)
                || contains(&core, &nick)
                || contains(&nick_core, &core)
                || contains(&core, &nick_core))
    };
    matches(company_name) || brand_name.is_some_and(matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_cores() {
        let check = |name: &str, expect: &str| assert_eq!(company_core(name), expect, "{name}");
        check("杭州小店科技有限公司", "小店科技");
        check("杭州市小店科技有限公司", "小店科技");
        check("浙江省杭州市小店科技股份有限公司", "小店科技");
        check("浙江小店科技有限责任公司", "小店科技");
        check("小米科技（北京）有限公司", "小米科技");
        check("上海", "上海");
        check("北京字节跳动科技有限公司", "字节跳动科技");
        check("Acme Trading Co", "acmetradingco");
        check("  杭州 小店 科技 有限公司 ", "小店科技");
    }

    #[test]
    fn nicknames() {
        let check = |nick: &str, company: &str, brand: Option<&str>, expect: bool| {
            assert_eq!(nickname_matches(nick, company, brand), expect, "{nick} / {company} / {brand:?}");
        };
        check("小店科技", "杭州小店科技有限公司", None, true);
        check("小店科技官方", "杭州小店科技有限公司", None, true);
        check("杭州小店科技", "浙江省杭州市小店科技有限公司", None, true);
        check("小店", "杭州小店科技有限公司", None, true);
        check("大店", "杭州小店科技有限公司", None, false);
        check("完全无关", "杭州小店科技有限公司", None, false);
        check("喵喵零食", "杭州小店科技有限公司", Some("喵喵零食"), true);
        check("喵喵零食旗舰店", "杭州小店科技有限公司", Some("喵喵"), true);
        check("店", "杭州小店科技有限公司", None, false);
        check("", "杭州小店科技有限公司", None, false);
    }

    #[test]
    fn decisions() {
        use VerificationStatus as S;
        assert_eq!(status_after(Outcome::Approve, 2), (S::Approved, 2));
        assert_eq!(status_after(Outcome::RequestChanges, 0), (S::ChangesRequested, 0));
        assert_eq!(status_after(Outcome::Reject, 0), (S::Rejected, 1));
        assert_eq!(status_after(Outcome::Reject, 1), (S::Rejected, 2));
        assert_eq!(status_after(Outcome::Reject, 2), (S::Failed, 3));
        for status in S::ALL {
            assert_eq!(S::parse(status.as_str()), Some(status));
        }
        assert!(S::Draft.editable() && !S::Submitted.editable() && !S::Approved.editable());
        assert!(!S::Failed.open() && !S::Approved.open() && S::Rejected.open());
    }

    #[test]
    fn file_types_by_content() {
        let check =
            |head: &[u8], expect: Option<DocumentType>| assert_eq!(DocumentType::detect(head), expect);
        check(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'], Some(DocumentType::Jpeg));
        check(b"\x89PNG\r\n\x1a\n\0\0", Some(DocumentType::Png));
        check(b"%PDF-1.7\n", Some(DocumentType::Pdf));
        check(b"\x7fELF\x02\x01\x01\0", None);
        check(b"MZ\x90\0", None);
        check(b"<html>", None);
        check(b"\x89PNG", None);
        check(b"", None);
    }

    #[test]
    fn documents_needed() {
        use DocumentKind as K;
        assert_eq!(required_documents(true, false), vec![K::BusinessLicence, K::ApplicationLetter]);
        assert_eq!(
            required_documents(false, true),
            vec![K::BusinessLicence, K::ApplicationLetter, K::AuthorizationLetter, K::IndustryPermit]
        );
        for kind in K::ALL {
            assert_eq!(K::parse(kind.as_str()), Some(kind));
        }
        assert!(reason_known("other") && !reason_known("nope"));
    }
}
