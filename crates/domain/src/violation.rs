//! Violations (违规): their kinds, severities and beneficiaries, and what a shop input must look like.

use crate::limits::{ENTITY_NAME_LENGTH_MAX, SHOP_NAME_LENGTH_MAX};

text_enum! {
    /// What rule a violation broke.
    ViolationKind {
        MaliciousRefund => "malicious_refund", "恶意退款";
        FalseAdvertising => "false_advertising", "虚假宣传";
        Counterfeit => "counterfeit", "售假";
        FakeTransactions => "fake_transactions", "虚假交易";
        LateShipment => "late_shipment", "延迟发货";
        ProhibitedContent => "prohibited_content", "违禁信息";
        ConsumerHarm => "consumer_harm", "侵害消费者权益";
        Other => "other", "其他";
    }
}

text_enum! {
    Severity {
        Minor => "minor", "轻微";
        General => "general", "一般";
        Serious => "serious", "严重";
    }
}

text_enum! {
    /// Who receives a penalty: the platform, or a buyer as compensation.
    Beneficiary {
        Platform => "platform", "平台";
        Consumer => "consumer", "消费者赔付";
    }
}

text_enum! {
    /// Where a violation stands.
    ViolationStatus {
        Effective => "effective", "已生效";
        Appealed => "appealed", "申诉中";
        Upheld => "upheld", "申诉驳回";
        Overturned => "overturned", "已撤销";
    }
}

text_enum! {
    EntityType {
        Enterprise => "enterprise", "企业";
        Individual => "individual", "个体工商户";
    }
}

/// Trims `text` and checks its length in characters is within `1..=max`.
pub fn bounded_text(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    let length = text.chars().count();
    (length >= 1 && length <= max && !text.chars().any(char::is_control)).then(|| text.to_owned())
}

/// A shop name: normalised (`names::normalize_name`), 1 to `SHOP_NAME_LENGTH_MAX` characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopName(String);

impl ShopName {
    pub fn parse(text: &str) -> Option<ShopName> {
        crate::names::bounded_name(text, SHOP_NAME_LENGTH_MAX).map(ShopName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A registered entity name (company or individual business), normalised, 1 to
/// `ENTITY_NAME_LENGTH_MAX` characters; `key` is what two names are compared by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityName(String);

impl EntityName {
    pub fn key(&self) -> String {
        crate::names::name_key(&self.0)
    }
    pub fn parse(text: &str) -> Option<EntityName> {
        crate::names::bounded_name(text, ENTITY_NAME_LENGTH_MAX).map(EntityName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip() {
        for kind in ViolationKind::ALL {
            assert_eq!(ViolationKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(ViolationKind::parse("speeding"), None);
        assert_eq!(Severity::parse("serious"), Some(Severity::Serious));
        assert_eq!(Beneficiary::parse("consumer"), Some(Beneficiary::Consumer));
    }

    #[test]
    fn names_are_bounded() {
        assert_eq!(ShopName::parse("  小店一号 ").unwrap().as_str(), "小店一号");
        assert!(ShopName::parse("").is_none());
        assert!(ShopName::parse(&"店".repeat(31)).is_none());
        assert!(ShopName::parse(&"店".repeat(30)).is_some());
        assert!(ShopName::parse("a\u{0}b").is_none());
        assert!(EntityName::parse(&"公".repeat(101)).is_none());
    }
}
