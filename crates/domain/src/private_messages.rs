//! Private messages (私信) of enterprise accounts and the auto-replies and leads (线索) drawn from
//! them and from comments: the channels of the one inbox, keyword rules (exact or contains,
//! priority, active period, per channel), the welcome message once per conversation, the away
//! message outside working hours with the next opening from the working-day calendar, never an
//! answer to an automatic message, and the extraction of a mainland mobile number or a WeChat id.
//!
//! Not to be confused with `operations`' buyer conversations, the shop's after-sales chat.

use chrono::{Datelike, Duration, NaiveDate};
use unicode_normalization::UnicodeNormalization;

use crate::calendar::Calendar;
use crate::comments::{WORKING_HOURS_END_HOUR, WORKING_HOURS_START_HOUR};
use crate::limits::{
    AUTO_REPLY_LENGTH_MAX, MESSAGE_IMAGE_REF_LENGTH_MAX, RULE_KEYWORD_LENGTH_MAX, RULE_KEYWORDS_MAX,
    RULE_NAME_LENGTH_MAX,
};
use crate::validators::MobilePhone;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// China is UTC+8 all year.
const CHINA_OFFSET_MS: i64 = 8 * HOUR_MS;

/// The away message when the account has not written its own: `{time}` is the next opening.
pub const AWAY_TEMPLATE_DEFAULT: &str = "您好，现在是非工作时间，我们将在 {time} 后回复您。";
/// Where an away message puts the next opening ("10月8日 09:00").
pub const TIME_PLACEHOLDER: &str = "{time}";

text_enum! {
    /// Where a customer wrote: a public comment on a video, or a private message.
    Channel {
        Comment => "comment", "评论";
        Message => "message", "私信";
    }
}

text_enum! {
    /// Who wrote a private message: the platform user, or the account (its staff on the platform,
    /// a member here, or an auto-reply).
    Sender {
        User => "user", "用户";
        Account => "account", "企业号";
    }
}

text_enum! {
    /// A private conversation's state: a closed one opens again when the user writes.
    ConversationStatus {
        Open => "open", "进行中";
        Closed => "closed", "已关闭";
    }
}

text_enum! {
    /// What an auto-reply rule answers: a new conversation's first message, a keyword, or a
    /// message outside working hours.
    RuleKind {
        Welcome => "welcome", "欢迎语";
        Keyword => "keyword", "关键词回复";
        Away => "away", "非工作时间回复";
    }
}

text_enum! {
    /// How a keyword rule compares: the whole message equals a keyword, or contains one.
    MatchKind {
        Exact => "exact", "完全匹配";
        Contains => "contains", "包含关键词";
    }
}

text_enum! {
    /// A lead's state (线索状态).
    LeadStatus {
        New => "new", "新线索";
        Contacted => "contacted", "已联系";
        Converted => "converted", "已转化";
        Invalid => "invalid", "无效";
    }
}

text_enum! {
    /// What a lead carries to reach the person.
    ContactKind {
        Phone => "phone", "手机号";
        Wechat => "wechat", "微信号";
    }
}

text_enum! {
    /// How the person agreed to be contacted: by writing the contact themselves, or through the
    /// platform's lead card (一键授权).
    Consent {
        LeftInMessage => "left_in_message", "用户主动留下";
        LeadCard => "lead_card", "用户通过线索卡授权";
    }
}

text_enum! {
    /// Why a line of a private-message batch was refused. The text is the stable `code` of the
    /// batch answer's `rejected` entries (docs/errors.md, "Message batch line codes").
    MessageLineError {
        Malformed => "malformed_line", "不是合法的私信 JSON 对象";
        InvalidMessageId => "invalid_message_id", "私信 ID 无效";
        InvalidUserId => "invalid_user_id", "用户 ID 无效";
        InvalidText => "invalid_text", "私信内容为空或过长";
        InvalidImage => "invalid_image", "图片引用无效";
        InvalidTime => "invalid_time", "私信时间无效";
        UnknownAccount => "unknown_account", "企业号不存在";
    }
}

impl LeadStatus {
    /// Whether a lead may move from this status to `next`: a new lead is contacted, converted or
    /// found invalid; a contacted one converted or invalid; an invalid one reopened as new. A
    /// converted lead is final.
    pub fn can_become(self, next: LeadStatus) -> bool {
        use LeadStatus as S;
        matches!(
            (self, next),
            (S::New, S::Contacted | S::Converted | S::Invalid)
                | (S::Contacted, S::Converted | S::Invalid)
                | (S::Invalid, S::New)
        )
    }
}

/// Which channels a rule answers on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    pub comment: bool,
    pub message: bool,
}

impl Channels {
    pub const MESSAGE: Channels = Channels { comment: false, message: true };
    pub const BOTH: Channels = Channels { comment: true, message: true };

    pub fn has(self, channel: Channel) -> bool {
        match channel {
            Channel::Comment => self.comment,
            Channel::Message => self.message,
        }
    }

    /// The stored text: `comment`, `message` or `comment,message`.
    pub fn as_text(self) -> &'static str {
        match (self.comment, self.message) {
            (true, true) => "comment,message",
            (true, false) => "comment",
            (false, true) => "message",
            (false, false) => "",
        }
    }

    /// Parses the stored or submitted text (names separated by commas, at least one).
    pub fn parse(text: &str) -> Option<Channels> {
        let mut channels = Channels { comment: false, message: false };
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match Channel::parse(part)? {
                Channel::Comment => channels.comment = true,
                Channel::Message => channels.message = true,
            }
        }
        (channels.comment || channels.message).then_some(channels)
    }
}

/// One auto-reply rule of an account as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoRule {
    pub id: i64,
    pub kind: RuleKind,
    pub match_kind: MatchKind,
    /// Normalised (`normalize_text`), for keyword rules only.
    pub keywords: Vec<String>,
    pub channels: Channels,
    /// Smaller first: the keyword rule with the smallest priority that matches answers.
    pub priority: i64,
    pub active_from_ms: Option<i64>,
    pub active_until_ms: Option<i64>,
    pub enabled: bool,
    pub reply: String,
}

impl AutoRule {
    /// Enabled and inside its active period (from inclusive, until exclusive) at `at_ms`.
    pub fn is_active(&self, at_ms: i64) -> bool {
        self.enabled
            && self.active_from_ms.is_none_or(|from| at_ms >= from)
            && self.active_until_ms.is_none_or(|until| at_ms < until)
    }

    /// Whether a keyword rule matches a text already normalised.
    pub fn matches(&self, normalized: &str) -> bool {
        match self.match_kind {
            MatchKind::Exact => self.keywords.iter().any(|k| k == normalized),
            MatchKind::Contains => self.keywords.iter().any(|k| normalized.contains(k.as_str())),
        }
    }
}

/// What an incoming text is compared by: NFKC (full-width letters and digits become ASCII),
/// lower case, white space collapsed, and the punctuation at both ends dropped ("多少钱？" is
/// "多少钱").
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkc().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    let edge = |c: char| c.is_ascii_punctuation() || "。，、！？；：…～·「」『』（）【】《》“”‘’".contains(c);
    out.trim_matches(edge).trim().to_owned()
}

/// A message's text as keyword rules compare it (`normalize_text`), worked out once per message,
/// before the batch's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchText(String);

impl MatchText {
    pub fn of(text: &str) -> Self {
        Self(normalize_text(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a rule as submitted is refused: the field and what it must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleError {
    pub field: &'static str,
    pub expect: &'static str,
}

/// A rule's texts checked and normalised: a name, the reply (1 to 300 characters; an away
/// message may carry `{time}`), and for a keyword rule 1 to 10 keywords of 1 to 30 characters
/// (normalised, duplicates dropped).
pub fn check_rule(
    kind: RuleKind,
    name: &str,
    reply: &str,
    keywords: &[String],
    period: (Option<i64>, Option<i64>),
) -> Result<(String, String, Vec<String>), RuleError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > RULE_NAME_LENGTH_MAX || name.chars().any(char::is_control) {
        return Err(RuleError { field: "name", expect: "1 to 50 characters" });
    }
    let reply = reply.trim();
    let length = reply.chars().count();
    if length == 0 || length > AUTO_REPLY_LENGTH_MAX || reply.chars().any(|c| c.is_control() && c != '\n') {
        return Err(RuleError { field: "reply", expect: "1 to 300 characters" });
    }
    let mut normalized: Vec<String> = Vec::new();
    if kind == RuleKind::Keyword {
        for keyword in keywords {
            let keyword = normalize_text(keyword);
            if keyword.is_empty()
                || keyword.chars().count() > RULE_KEYWORD_LENGTH_MAX
                || keyword.chars().any(char::is_control)
            {
                return Err(RuleError { field: "keywords", expect: "1 to 30 characters each" });
            }
            if !normalized.contains(&keyword) {
                normalized.push(keyword);
            }
        }
        if normalized.is_empty() || normalized.len() > RULE_KEYWORDS_MAX {
            return Err(RuleError { field: "keywords", expect: "1 to 10 keywords" });
        }
    }
    if let (Some(from), Some(until)) = period
        && until <= from
    {
        return Err(RuleError { field: "active_until", expect: "after active_from" });
    }
    Ok((name.to_owned(), reply.to_owned(), normalized))
}

/// An image reference of a message: 1 to 256 bytes of printable ASCII without spaces.
pub fn check_image_ref(text: &str) -> Result<(), MessageLineError> {
    let ok = !text.is_empty()
        && text.len() <= MESSAGE_IMAGE_REF_LENGTH_MAX
        && text.bytes().all(|b| b.is_ascii_graphic());
    if ok { Ok(()) } else { Err(MessageLineError::InvalidImage) }
}

/// An account's rules, ready to answer: the keyword rules in priority order (then by id), and at
/// most one welcome and one away rule (the first of each kind).
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    keyword: Vec<AutoRule>,
    welcome: Option<AutoRule>,
    away: Option<AutoRule>,
}

impl RuleSet {
    pub fn new(rules: Vec<AutoRule>) -> RuleSet {
        let mut set = RuleSet::default();
        for rule in rules {
            match rule.kind {
                RuleKind::Keyword => set.keyword.push(rule),
                RuleKind::Welcome if set.welcome.is_none() => set.welcome = Some(rule),
                RuleKind::Away if set.away.is_none() => set.away = Some(rule),
                RuleKind::Welcome | RuleKind::Away => {}
            }
        }
        set.keyword.sort_by_key(|rule| (rule.priority, rule.id));
        set
    }

    pub fn is_empty(&self) -> bool {
        self.keyword.is_empty() && self.welcome.is_none() && self.away.is_none()
    }

    /// The keyword rule that answers `text` on `channel` at `at_ms`: the active one of the
    /// smallest priority among those that match.
    pub fn keyword_rule(&self, channel: Channel, text: &MatchText, at_ms: i64) -> Option<&AutoRule> {
        self.keyword
            .iter()
            .filter(|rule| rule.channels.has(channel) && rule.is_active(at_ms))
            .find(|rule| rule.matches(text.as_str()))
    }

    fn welcome(&self, at_ms: i64) -> Option<&AutoRule> {
        self.welcome.as_ref().filter(|rule| rule.is_active(at_ms))
    }

    fn away(&self, at_ms: i64) -> Option<&AutoRule> {
        self.away.as_ref().filter(|rule| rule.is_active(at_ms))
    }
}

/// A private message as the auto-replies look at it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub sender: Sender,
    /// The platform marks the message as sent automatically (an auto-reply of the account's own
    /// tools, or a user's bot).
    pub automatic: bool,
    pub text: &'a MatchText,
}

/// What a conversation's auto-replies remember.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConversationMemory {
    /// Messages of the conversation before this one (the welcome answers the first).
    pub messages: i64,
    /// The away message was sent for the off-hours stretch ending at this instant.
    pub away_until_ms: Option<i64>,
}

/// One auto-reply to send: the rule and its text (the away message's `{time}` filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoReply<'r> {
    pub rule: &'r AutoRule,
    pub text: String,
}

/// The auto-replies a private message gets at `now_ms`, and the conversation's memory updated
/// for it. A message of the account or one the platform marks automatic gets none (an
/// auto-reply never answers an auto-reply) but still counts. The first message of a conversation,
/// from the user, gets the welcome; a keyword rule answers a match; without a match, outside
/// working hours, the away message answers once per off-hours stretch.
pub fn plan_auto_replies<'r>(
    rules: &'r RuleSet,
    calendar: &Calendar,
    memory: &mut ConversationMemory,
    incoming: Incoming<'_>,
    now_ms: i64,
) -> Vec<AutoReply<'r>> {
    let first = memory.messages == 0;
    memory.messages += 1;
    if incoming.sender != Sender::User || incoming.automatic || rules.is_empty() {
        return Vec::new();
    }
    let mut replies = Vec::new();
    if first && let Some(rule) = rules.welcome(now_ms) {
        replies.push(AutoReply { rule, text: rule.reply.clone() });
    }
    if let Some(rule) = rules.keyword_rule(Channel::Message, incoming.text, now_ms) {
        replies.push(AutoReply { rule, text: rule.reply.clone() });
    } else if let Some(rule) = rules.away(now_ms)
        && !is_working_time(calendar, now_ms)
        && memory.away_until_ms.is_none_or(|until| now_ms >= until)
    {
        let opening = next_opening(calendar, now_ms);
        memory.away_until_ms = Some(opening);
        replies.push(AutoReply { rule, text: away_text(&rule.reply, opening) });
    }
    replies
}

/// The China date of an instant and the milliseconds since its China midnight.
fn china_day(ms: i64) -> (NaiveDate, i64) {
    let local = ms + CHINA_OFFSET_MS;
    let days = local.div_euclid(DAY_MS);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (epoch + Duration::days(days), local.rem_euclid(DAY_MS))
}

/// The China date of an instant (one public comment auto-reply per user, video and this day).
pub fn china_date(ms: i64) -> NaiveDate {
    china_day(ms).0
}

/// The instant a China date's hour begins.
fn china_instant(date: NaiveDate, hour: i64) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (date - epoch).num_days() * DAY_MS + hour * HOUR_MS - CHINA_OFFSET_MS
}

/// Whether `ms` falls within working hours (09:00–18:00 China time on a working day).
pub fn is_working_time(calendar: &Calendar, ms: i64) -> bool {
    let (day, time) = china_day(ms);
    calendar.is_workday(day)
        && (WORKING_HOURS_START_HOUR * HOUR_MS..WORKING_HOURS_END_HOUR * HOUR_MS).contains(&time)
}

/// When someone will answer: `ms` itself within working hours, else 09:00 of today (a working
/// day before 09:00) or of the next working day of the calendar (holidays skipped, make-up days
/// counted).
pub fn next_opening(calendar: &Calendar, ms: i64) -> i64 {
    if is_working_time(calendar, ms) {
        return ms;
    }
    let (day, time) = china_day(ms);
    if calendar.is_workday(day) && time < WORKING_HOURS_START_HOUR * HOUR_MS {
        return china_instant(day, WORKING_HOURS_START_HOUR);
    }
    let next = calendar.add_workdays(day, 1).date;
    china_instant(next, WORKING_HOURS_START_HOUR)
}

/// An instant as the away message writes it, China time: "10月8日 09:00".
pub fn opening_text(ms: i64) -> String {
    let (day, time) = china_day(ms);
    let minutes = time / 60_000;
    format!("{}月{}日 {:02}:{:02}", day.month(), day.day(), minutes / 60, minutes % 60)
}

/// The away message with its `{time}` filled in.
pub fn away_text(template: &str, opening_ms: i64) -> String {
    template.replace(TIME_PLACEHOLDER, &opening_text(opening_ms))
}

/// A contact found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    Phone(MobilePhone),
    /// A WeChat id (微信号): 6 to 20 letters, digits, `_` or `-`, starting with a letter.
    Wechat(String),
}

impl Contact {
    pub fn kind(&self) -> ContactKind {
        match self {
            Contact::Phone(_) => ContactKind::Phone,
            Contact::Wechat(_) => ContactKind::Wechat,
        }
    }

    /// The contact as stored (sealed): the 11 digits, or the WeChat id as written.
    pub fn value(&self) -> &str {
        match self {
            Contact::Phone(phone) => phone.as_str(),
            Contact::Wechat(id) => id,
        }
    }

    /// What two contacts are the same by: the digits, or the WeChat id in lower case.
    pub fn key(&self) -> String {
        match self {
            Contact::Phone(phone) => phone.as_str().to_owned(),
            Contact::Wechat(id) => id.to_ascii_lowercase(),
        }
    }

    /// The contact as a member without the right to contact sees it: "138****5678", "ab****yz".
    pub fn masked(&self) -> String {
        mask(self.value(), self.kind())
    }
}

/// Masks a stored contact value: a phone keeps its first three and last four digits, a WeChat id
/// its first two and last two characters.
pub fn mask(value: &str, kind: ContactKind) -> String {
    let chars: Vec<char> = value.chars().collect();
    let (head, tail) = match kind {
        ContactKind::Phone => (3, 4),
        ContactKind::Wechat => (2, 2),
    };
    if chars.len() <= head + tail {
        return "*".repeat(chars.len().max(4));
    }
    let head: String = chars[..head].iter().collect();
    let tail: String = chars[chars.len() - tail..].iter().collect();
    format!("{head}****{tail}")
}

/// Words after which a WeChat id follows ("微信：abc123", "加V abc123", "wx abc123").
const WECHAT_MARKERS: &[&str] =
    &["微信号", "微信", "薇信", "v信", "威信", "weixin", "wechat", "vx", "wx", "加v"];

fn wechat_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The mainland mobile numbers (11 digits from 13 to 19, optionally after +86; spaces or hyphens
/// between digits allowed) and WeChat ids (after a marker such as 微信 or vx) in a text, each once,
/// in order. A longer run of digits (an order number) is no phone.
pub fn extract_contacts(text: &str) -> Vec<Contact> {
    if !may_hold_contact(text) {
        return Vec::new();
    }
    let text: String = text.nfkc().collect();
    let mut found: Vec<Contact> = Vec::new();
    for (_, contact) in contact_spans(&text) {
        if !found.iter().any(|c| c.key() == contact.key() && c.kind() == contact.kind()) {
            found.push(contact);
        }
    }
    found
}

/// Whether a text has a digit or a letter a WeChat marker starts with: most messages have
/// neither and need no closer look.
fn may_hold_contact(text: &str) -> bool {
    text.chars().any(|c| {
        c.is_ascii_digit()
            || ('０'..='９').contains(&c)
            || matches!(c, '微' | '薇' | '威' | 'v' | 'V' | 'w' | 'W' | 'ｖ' | 'Ｖ' | 'ｗ' | 'Ｗ' | '加')
    })
}

/// A text as a member without the right to contact leads reads it: every phone number and
/// WeChat id `extract_contacts` finds is replaced by its masked form; the rest stays as written.
pub fn mask_contacts(text: &str) -> String {
    if !may_hold_contact(text) {
        return text.to_owned();
    }
    // Normalised char by char, each normalised byte knowing the written char it came from.
    let mut normalized = String::with_capacity(text.len());
    let mut origin: Vec<(usize, usize)> = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        let written = (at, at + c.len_utf8());
        for n in std::iter::once(c).nfkc() {
            origin.extend(std::iter::repeat_n(written, n.len_utf8()));
            normalized.push(n);
        }
    }
    let mut spans = contact_spans(&normalized);
    spans.sort_by_key(|(range, _)| range.start);
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for (range, contact) in spans {
        let (Some(first), Some(last)) = (origin.get(range.start), origin.get(range.end.saturating_sub(1)))
        else {
            continue;
        };
        if first.0 < at {
            continue;
        }
        masked.push_str(&text[at..first.0]);
        masked.push_str(&contact.masked());
        at = last.1;
    }
    masked.push_str(&text[at..]);
    masked
}

/// Where the contacts of an NFKC-normalised text are (byte ranges), phones first, then WeChat ids.
fn contact_spans(text: &str) -> Vec<(std::ops::Range<usize>, Contact)> {
    let mut spans = Vec::new();
    // Phones: runs of digits, '+', spaces and hyphens that start with a digit or '+'.
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |index: usize| chars.get(index).map_or(text.len(), |(at, _)| *at);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let starts =
            c.is_ascii_digit() || (c == '+' && chars.get(i + 1).is_some_and(|(_, c)| c.is_ascii_digit()));
        let glued = i > 0 && (chars[i - 1].1.is_ascii_alphanumeric() || chars[i - 1].1 == '_');
        if !starts || glued {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (chars[j].1.is_ascii_digit() || matches!(chars[j].1, '+' | ' ' | '-')) {
            j += 1;
        }
        // The run without the separators it ends with.
        let mut end = j;
        while end > i && matches!(chars[end - 1].1, ' ' | '-') {
            end -= 1;
        }
        let (from, to) = (byte_at(i), byte_at(end));
        let run = &text[from..to];
        let glued_after = chars.get(j).is_some_and(|(_, c)| c.is_ascii_alphabetic() || *c == '_');
        if !glued_after {
            match phone_of(run) {
                Some(phone) => spans.push((from..to, Contact::Phone(phone))),
                None => {
                    let mut offset = from;
                    for part in run.split(' ') {
                        if let Some(phone) = phone_of(part).filter(|_| !part.is_empty()) {
                            spans.push((offset..offset + part.len(), Contact::Phone(phone)));
                        }
                        offset += part.len() + 1;
                    }
                }
            }
        }
        i = j.max(i + 1);
    }
    // WeChat ids after a marker.
    let lower = text.to_lowercase();
    for marker in WECHAT_MARKERS {
        let mut from = 0;
        while let Some(at) = lower[from..].find(marker) {
            let start = from + at;
            from = start + marker.len();
            let before_ok = lower[..start].chars().next_back().is_none_or(|c| !c.is_ascii_alphanumeric());
            if !before_ok {
                continue;
            }
            if let Some((offset, id)) = wechat_after(text, &lower, from) {
                spans.push((offset..offset + id.len(), Contact::Wechat(id)));
            }
        }
    }
    spans
}

/// A mainland mobile number written with optional separators, when the digits are exactly one.
fn phone_of(run: &str) -> Option<MobilePhone> {
    let compact: String = run.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact.trim_start_matches('+').len();
    if !(11..=13).contains(&digits) {
        return None;
    }
    MobilePhone::parse(&compact).ok()
}

/// The WeChat id starting after `from` (byte offset, the same in `text` and `lower` for the
/// ASCII the id consists of), after separators such as "：", "号", "是".
fn wechat_after(text: &str, lower: &str, from: usize) -> Option<(usize, String)> {
    if text.len() != lower.len() {
        // Lower-casing changed the byte lengths (rare letters): look in the original by its own
        // offsets instead of risking a wrong cut.
        return None;
    }
    let rest = &text[from..];
    let skipped = rest.trim_start_matches(|c: char| c.is_whitespace() || ":：号是为=-~".contains(c));
    let offset = from + (rest.len() - skipped.len());
    let id: String = skipped.chars().take_while(|c| wechat_id_char(*c)).collect();
    let length = id.chars().count();
    let starts_with_letter = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    ((6..=20).contains(&length) && starts_with_letter).then_some((offset, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Milliseconds of an instant written in China time, "YYYY-MM-DD HH:MM".
    fn at(text: &str) -> i64 {
        let (date, time) = text.split_once(' ').unwrap();
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let (h, m) = time.split_once(':').unwrap();
        let local = date.and_hms_opt(h.parse().unwrap(), m.parse().unwrap(), 0).unwrap();
        local.and_utc().timestamp_millis() - CHINA_OFFSET_MS
    }

    fn keyword(id: i64, priority: i64, kind: MatchKind, words: &[&str], reply: &str) -> AutoRule {
        AutoRule {
            id,
            kind: RuleKind::Keyword,
            match_kind: kind,
            keywords: words.iter().map(|w| normalize_text(w)).collect(),
            channels: Channels::BOTH,
            priority,
            active_from_ms: None,
            active_until_ms: None,
            enabled: true,
            reply: reply.to_owned(),
        }
    }

    fn simple(id: i64, kind: RuleKind, reply: &str) -> AutoRule {
        AutoRule { kind, keywords: Vec::new(), ..keyword(id, 0, MatchKind::Exact, &[], reply) }
    }

    fn user(text: &MatchText) -> Incoming<'_> {
        Incoming { sender: Sender::User, automatic: false, text }
    }

    #[test]
    fn texts_compare_normalised() {
        assert_eq!(normalize_text("  多少钱？ "), "多少钱");
        assert_eq!(normalize_text("ＸＬ  有吗!"), "xl 有吗");
        assert_eq!(normalize_text("【包邮】"), "包邮");
        assert_eq!(normalize_text("？？"), "");
    }

    #[test]
    fn keyword_rules_by_priority_period_and_channel() {
        let now = at("2026-03-02 10:00");
        let mut price = keyword(1, 20, MatchKind::Contains, &["价格", "多少钱"], "价格见橱窗");
        price.channels = Channels::MESSAGE;
        let ship = keyword(2, 10, MatchKind::Contains, &["发货", "多少钱"], "48 小时内发货");
        let exact = keyword(3, 5, MatchKind::Exact, &["在吗"], "在的");
        let mut later = keyword(4, 1, MatchKind::Contains, &["价格"], "限时价");
        later.active_from_ms = Some(now + 1);
        let mut off = keyword(5, 0, MatchKind::Contains, &["价格"], "停用");
        off.enabled = false;
        let rules = RuleSet::new(vec![price, ship, exact, later, off]);
        let fired = |channel, text: &str, at_ms| {
            rules.keyword_rule(channel, &MatchText::of(text), at_ms).map(|r| r.id)
        };
        // "多少钱" matches rules 1 and 2: 2 has the smaller priority.
        assert_eq!(fired(Channel::Message, "这个多少钱？", now), Some(2));
        assert_eq!(fired(Channel::Message, "价格多少", now), Some(1));
        // Rule 1 answers private messages only; rule 4 starts later, rule 5 is off.
        assert_eq!(fired(Channel::Comment, "价格多少", now), None);
        assert_eq!(fired(Channel::Message, "价格多少", now + 1), Some(4));
        // Exact: the whole message, punctuation and width aside.
        assert_eq!(fired(Channel::Message, "在吗？", now), Some(3));
        assert_eq!(fired(Channel::Message, "老板在吗", now), None);
        assert_eq!(fired(Channel::Message, "你好", now), None);
        // The active period ends before `active_until`.
        let mut until = keyword(6, 0, MatchKind::Contains, &["券"], "领券");
        until.active_until_ms = Some(now);
        let rules = RuleSet::new(vec![until]);
        assert_eq!(
            rules.keyword_rule(Channel::Message, &MatchText::of("有券吗"), now - 1).map(|r| r.id),
            Some(6)
        );
        assert_eq!(rules.keyword_rule(Channel::Message, &MatchText::of("有券吗"), now).map(|r| r.id), None);
    }

    #[test]
    fn welcome_once_keyword_and_never_an_auto_reply() {
        let calendar = Calendar::builtin();
        let now = at("2026-03-02 10:00");
        let rules = RuleSet::new(vec![
            simple(1, RuleKind::Welcome, "欢迎光临"),
            keyword(2, 1, MatchKind::Contains, &["多少钱"], "价格见橱窗"),
            simple(3, RuleKind::Away, AWAY_TEMPLATE_DEFAULT),
        ]);
        let mut memory = ConversationMemory::default();
        let texts = |replies: Vec<AutoReply<'_>>| replies.into_iter().map(|r| r.text).collect::<Vec<_>>();
        let first = plan_auto_replies(&rules, &calendar, &mut memory, user(&MatchText::of("多少钱")), now);
        assert_eq!(texts(first), ["欢迎光临", "价格见橱窗"]);
        let second = plan_auto_replies(&rules, &calendar, &mut memory, user(&MatchText::of("你好")), now);
        assert!(second.is_empty(), "the welcome comes once, the away message not in working hours");
        // An automatic message (or the account's own) is never answered, not even by a keyword.
        let bot = Incoming { sender: Sender::User, automatic: true, text: &MatchText::of("多少钱") };
        assert!(plan_auto_replies(&rules, &calendar, &mut memory, bot, now).is_empty());
        let own = Incoming { sender: Sender::Account, automatic: false, text: &MatchText::of("多少钱") };
        assert!(plan_auto_replies(&rules, &calendar, &mut memory, own, now).is_empty());
        assert_eq!(memory.messages, 4);
        // A conversation the account opened gets no welcome.
        let mut opened = ConversationMemory::default();
        plan_auto_replies(&rules, &calendar, &mut opened, own, now);
        assert!(
            plan_auto_replies(&rules, &calendar, &mut opened, user(&MatchText::of("好的")), now).is_empty()
        );
    }

    #[test]
    fn away_message_names_the_next_working_day() {
        let calendar = Calendar::builtin();
        let rules = RuleSet::new(vec![simple(1, RuleKind::Away, AWAY_TEMPLATE_DEFAULT)]);
        let away = |memory: &mut ConversationMemory, now: &str| {
            plan_auto_replies(&rules, &calendar, memory, user(&MatchText::of("你好")), at(now))
                .into_iter()
                .map(|r| r.text)
                .next()
        };
        let mut memory = ConversationMemory { messages: 3, away_until_ms: None };
        // Friday 2026-04-03 20:00, before 清明 (04-04..04-06): Tuesday 4月7日.
        assert_eq!(
            away(&mut memory, "2026-04-03 20:00").as_deref(),
            Some("您好，现在是非工作时间，我们将在 4月7日 09:00 后回复您。")
        );
        // Once per off-hours stretch.
        assert_eq!(away(&mut memory, "2026-04-05 11:00"), None);
        assert_eq!(memory.away_until_ms, Some(at("2026-04-07 09:00")));
        // In working hours nothing; the next evening again.
        assert_eq!(away(&mut memory, "2026-04-07 10:00"), None);
        assert!(away(&mut memory, "2026-04-07 18:00").is_some_and(|t| t.contains("4月8日 09:00")));
        // Before 国庆 (10-01..10-07): 10月8日.
        let opening = next_opening(&calendar, at("2026-09-30 20:00"));
        assert_eq!(away_text("我们将在 {time} 后回复您", opening), "我们将在 10月8日 09:00 后回复您");
        // Before 09:00 of a working day: the same day; a make-up Saturday counts (2026-02-14).
        assert_eq!(next_opening(&calendar, at("2026-03-02 07:30")), at("2026-03-02 09:00"));
        assert_eq!(next_opening(&calendar, at("2026-02-13 19:00")), at("2026-02-14 09:00"));
        assert_eq!(next_opening(&calendar, at("2026-03-02 17:59")), at("2026-03-02 17:59"));
        assert!(!is_working_time(&calendar, at("2026-03-02 18:00")));
        assert!(is_working_time(&calendar, at("2026-03-02 09:00")));
    }

    #[test]
    fn contacts_in_texts() {
        let phones = |text: &str| -> Vec<String> {
            extract_contacts(text).iter().map(|c| format!("{}:{}", c.kind().as_str(), c.value())).collect()
        };
        assert_eq!(phones("我的电话13812345678，尽快联系"), ["phone:13812345678"]);
        assert_eq!(phones("电话 138 1234 5678"), ["phone:13812345678"]);
        assert_eq!(phones("+86 139-1234-5678"), ["phone:13912345678"]);
        assert_eq!(phones("全角１３８１２３４５６７８"), ["phone:13812345678"]);
        assert_eq!(phones("13812345678 13912345678 13812345678"), ["phone:13812345678", "phone:13912345678"]);
        // Not phones: an order number, 12 digits, a landline, a number glued to letters.
        assert!(phones("订单号 202603021381234567890").is_empty());
        assert!(phones("138123456789").is_empty());
        assert!(phones("010-12345678").is_empty());
        assert!(phones("12812345678").is_empty());
        assert!(phones("sku13812345678").is_empty());
        assert_eq!(phones("加我微信：Xiaodian_88 谢谢"), ["wechat:Xiaodian_88"]);
        assert_eq!(phones("vx abc-12345"), ["wechat:abc-12345"]);
        assert_eq!(phones("微信号是 shop2026 电话 13712345678"), ["phone:13712345678", "wechat:shop2026"]);
        // Too short, starting with a digit, or a marker inside a word.
        assert!(phones("微信 abc").is_empty());
        assert!(phones("微信 1abcdefg").is_empty());
        assert!(phones("newx abcdefgh").is_empty());
        assert_eq!(Contact::Phone(MobilePhone::parse("13812345678").unwrap()).masked(), "138****5678");
        assert_eq!(mask("Xiaodian_88", ContactKind::Wechat), "Xi****88");
        assert_eq!(mask("abc", ContactKind::Wechat), "****");
    }

    #[test]
    fn contacts_masked_in_texts() {
        assert_eq!(mask_contacts("我的电话 138 1234 5678，明天联系"), "我的电话 138****5678，明天联系");
        assert_eq!(mask_contacts("13812345678 13912345678"), "138****5678 139****5678");
        assert_eq!(mask_contacts("加我微信：Xiaodian_88 谢谢"), "加我微信：Xi****88 谢谢");
        assert_eq!(
            mask_contacts("微信号是 shop2026 电话 13712345678。"),
            "微信号是 sh****26 电话 137****5678。"
        );
        assert_eq!(
            mask_contacts("订单号 202603021381234567890 到了吗"),
            "订单号 202603021381234567890 到了吗"
        );
        assert_eq!(mask_contacts("没有联系方式"), "没有联系方式");
        assert_eq!(mask_contacts("全角１３８１２３４５６７８"), "全角138****5678");
    }

    #[test]
    fn rules_as_submitted() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = check_rule(
            RuleKind::Keyword,
            " 价格 ",
            "见橱窗",
            &words(&["价格？", "价格", "ＸＬ"]),
            (None, None),
        );
        assert_eq!(ok, Ok(("价格".into(), "见橱窗".into(), vec!["价格".into(), "xl".into()])));
        let refused = |kind, reply: &str, keywords: &[&str], period| {
            check_rule(kind, "名", reply, &words(keywords), period).unwrap_err().field
        };
        assert_eq!(refused(RuleKind::Keyword, "r", &[], (None, None)), "keywords");
        assert_eq!(refused(RuleKind::Keyword, "r", &["？"], (None, None)), "keywords");
        assert_eq!(refused(RuleKind::Keyword, &"字".repeat(301), &["a"], (None, None)), "reply");
        assert_eq!(refused(RuleKind::Welcome, "r", &[], (Some(5), Some(5))), "active_until");
        assert!(check_rule(RuleKind::Away, "下班", AWAY_TEMPLATE_DEFAULT, &[], (None, None)).is_ok());
        let eleven: Vec<String> = (0..11).map(|i| format!("k{i}")).collect();
        assert_eq!(
            check_rule(RuleKind::Keyword, "n", "r", &eleven, (None, None)).unwrap_err().field,
            "keywords"
        );
        assert_eq!(Channels::parse("message, comment"), Some(Channels::BOTH));
        assert_eq!(Channels::parse(""), None);
        assert_eq!(Channels::parse("email"), None);
        assert_eq!(Channels::BOTH.as_text(), "comment,message");
    }

    #[test]
    fn lead_statuses() {
        use LeadStatus as S;
        assert!(S::New.can_become(S::Contacted));
        assert!(S::Contacted.can_become(S::Converted));
        assert!(S::Invalid.can_become(S::New));
        assert!(!S::Converted.can_become(S::New));
        assert!(!S::New.can_become(S::New));
        assert!(!S::Contacted.can_become(S::New));
        let codes: Vec<&str> = MessageLineError::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "malformed_line",
                "invalid_message_id",
                "invalid_user_id",
                "invalid_text",
                "invalid_image",
                "invalid_time",
                "unknown_account"
            ]
        );
    }
}
