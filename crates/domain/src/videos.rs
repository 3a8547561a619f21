//! Videos of enterprise accounts: the state machine (draft → in_review → approved → scheduled →
//! published, withdrawn), tags, the checks on a publish time and on pinning, the video file type
//! by content, and whether an account keeps up with its publishing cadence.

use crate::limits::{
    EXTERNAL_URL_LENGTH_MAX, PINNED_VIDEOS_MAX, SCHEDULE_HORIZON_DAYS_MAX, TAG_LENGTH_MAX,
    TAGS_PER_VIDEO_MAX, VIDEO_DESCRIPTION_LENGTH_MAX,
};
use crate::verification::DocumentType;

text_enum! {
    /// Where a video stands. `draft` → `in_review` (submitted) → `approved` → `scheduled` (a
    /// publish time) → `published`; an approved or scheduled video may also be published at once;
    /// an approved, scheduled or published video may be withdrawn, for good. An approver sends an
    /// `in_review` video back to `draft` with a comment.
    VideoStatus {
        Draft => "draft", "草稿";
        InReview => "in_review", "待审批";
        Approved => "approved", "已通过";
        Scheduled => "scheduled", "定时发布";
        Published => "published", "已发布";
        Withdrawn => "withdrawn", "已撤回";
    }
}

text_enum! {
    /// What can happen to a video. `edit` changes its text, file, cover or reference;
    /// `publish` is a member publishing at once; `publish_due` is the job at the publish time.
    VideoEvent {
        Edit => "edit", "编辑";
        Submit => "submit", "提交审批";
        Approve => "approve", "审批通过";
        SendBack => "send_back", "退回修改";
        Schedule => "schedule", "定时发布";
        Publish => "publish", "立即发布";
        PublishDue => "publish_due", "到点发布";
        Withdraw => "withdraw", "撤回";
    }
}

impl VideoStatus {
    /// The status after `event`, or `None` when the video cannot take it from here. Only a draft
    /// changes its content, so what was approved is what is published.
    pub fn after(self, event: VideoEvent) -> Option<VideoStatus> {
        use VideoEvent as E;
        use VideoStatus as S;
        match (self, event) {
            (S::Draft, E::Edit) => Some(S::Draft),
            (S::Draft, E::Submit) => Some(S::InReview),
            (S::InReview, E::Approve) => Some(S::Approved),
            (S::InReview, E::SendBack) => Some(S::Draft),
            (S::Approved | S::Scheduled, E::Schedule) => Some(S::Scheduled),
            (S::Approved | S::Scheduled, E::Publish) => Some(S::Published),
            (S::Scheduled, E::PublishDue) => Some(S::Published),
            (S::Approved | S::Scheduled | S::Published, E::Withdraw) => Some(S::Withdrawn),
            _ => None,
        }
    }
}

/// A topic tag (话题), stored without its `#`: 1 to `TAG_LENGTH_MAX` characters, no spaces, no `#`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag(String);

impl Tag {
    /// Accepts `#春节` and `春节` alike.
    pub fn parse(text: &str) -> Option<Tag> {
        let text = text.trim();
        let text = text.strip_prefix('#').unwrap_or(text);
        let length = text.chars().count();
        let clean = !text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '#' || c == ',');
        ((1..=TAG_LENGTH_MAX).contains(&length) && clean).then(|| Tag(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A video's tags: each valid, duplicates dropped (first kept), at most `TAGS_PER_VIDEO_MAX`.
/// Answers the index of the first bad tag otherwise.
pub fn parse_tags(texts: &[String]) -> Result<Vec<Tag>, TagError> {
    let mut tags: Vec<Tag> = Vec::new();
    for (index, text) in texts.iter().enumerate() {
        let tag = Tag::parse(text).ok_or(TagError::Invalid { index })?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_PER_VIDEO_MAX {
        return Err(TagError::TooMany);
    }
    Ok(tags)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagError {
    Invalid { index: usize },
    TooMany,
}

/// A description: up to `VIDEO_DESCRIPTION_LENGTH_MAX` characters, line breaks allowed, other
/// control characters not; surrounding space trimmed.
pub fn parse_description(text: &str) -> Option<String> {
    let text = text.trim();
    let ok = text.chars().count() <= VIDEO_DESCRIPTION_LENGTH_MAX
        && !text.chars().any(|c| c.is_control() && c != '\n' && c != '\r');
    ok.then(|| text.to_owned())
}

/// Where a video lives when its file is not uploaded: an `https://` address of at most
/// `EXTERNAL_URL_LENGTH_MAX` bytes, printable ASCII without spaces, with a host.
pub fn parse_external_url(text: &str) -> Option<String> {
    let text = text.trim();
    let rest = text.strip_prefix("https://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let printable = text.bytes().all(|b| b.is_ascii_graphic());
    (text.len() <= EXTERNAL_URL_LENGTH_MAX && printable && !host.is_empty() && !host.starts_with('@'))
        .then(|| text.to_owned())
}

/// The container of an uploaded video, judged by its `ftyp` box, never by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoFileType {
    Mp4,
    Mov,
}

/// Bytes `VideoFileType::detect` needs to see (the `ftyp` box with its first compatible brands).
pub const VIDEO_MAGIC_BYTES: usize = 64;

/// Brands of the ISO base media family that carry video.
const MP4_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VH",
    b"M4VP", b"dash", b"msnv", b"XAVC", b"mmp4", b"f4v ",
];
/// Major brands of audio-only or image files that also list ISO brands.
const NOT_VIDEO_BRANDS: &[&[u8; 4]] =
    &[b"M4A ", b"M4B ", b"M4P ", b"heic", b"heix", b"mif1", b"msf1", b"avif"];

impl VideoFileType {
    /// The type from the file's first bytes: an `ftyp` box first, whose major brand is `qt  `
    /// (QuickTime) or whose major or compatible brands name an MP4 video brand. `None` otherwise.
    pub fn detect(head: &[u8]) -> Option<VideoFileType> {
        if head.len() < 16 || &head[4..8] != b"ftyp" {
            return None;
        }
        let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        if !(16..=4096).contains(&size) || !size.is_multiple_of(4) {
            return None;
        }
        let major = &head[8..12];
        let compatible = head[16..size.min(head.len())].chunks_exact(4);
        let brands: Vec<&[u8]> = std::iter::once(major).chain(compatible).collect();
        if NOT_VIDEO_BRANDS.iter().any(|brand| major == *brand) {
            None
        } else if major == b"qt  " {
            Some(VideoFileType::Mov)
        } else if brands.iter().any(|brand| MP4_BRANDS.iter().any(|known| *brand == *known)) {
            Some(VideoFileType::Mp4)
        } else if brands.contains(&&b"qt  "[..]) {
            Some(VideoFileType::Mov)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VideoFileType::Mp4 => "mp4",
            VideoFileType::Mov => "mov",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            VideoFileType::Mp4 => "video/mp4",
            VideoFileType::Mov => "video/quicktime",
        }
    }

    pub fn parse(text: &str) -> Option<VideoFileType> {
        [VideoFileType::Mp4, VideoFileType::Mov].into_iter().find(|t| t.as_str() == text)
    }
}

/// A cover image: JPEG or PNG by content.
pub fn detect_cover(head: &[u8]) -> Option<DocumentType> {
    DocumentType::detect(head).filter(|t| matches!(t, DocumentType::Jpeg | DocumentType::Png))
}

/// Why a publish time is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleError {
    NotInFuture,
    TooFar,
}

/// A publish time must lie strictly after `now_ms` and at most `SCHEDULE_HORIZON_DAYS_MAX` days on.
pub fn check_publish_at(now_ms: i64, publish_at_ms: i64) -> Result<(), ScheduleError> {
    let horizon_ms = SCHEDULE_HORIZON_DAYS_MAX * 24 * 3600 * 1000;
    if publish_at_ms <= now_ms {
        Err(ScheduleError::NotInFuture)
    } else if publish_at_ms - now_ms > horizon_ms {
        Err(ScheduleError::TooFar)
    } else {
        Ok(())
    }
}

/// Why a video cannot be pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinError {
    NotPublished,
    AccountNotVerified,
    LimitReached,
}

/// Whether a video may be pinned: published, on a verified account, which pins fewer than
/// `PINNED_VIDEOS_MAX` other videos. Pinning a pinned video again is allowed (nothing changes).
pub fn check_pin(
    status: VideoStatus,
    account_verified: bool,
    already_pinned: bool,
    pinned_on_account: i64,
) -> Result<(), PinError> {
    if !account_verified {
        Err(PinError::AccountNotVerified)
    } else if status != VideoStatus::Published {
        Err(PinError::NotPublished)
    } else if !already_pinned && pinned_on_account >= PINNED_VIDEOS_MAX {
        Err(PinError::LimitReached)
    } else {
        Ok(())
    }
}

/// How an account stands against its cadence (a target of videos a week).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CadenceStatus {
    /// Fewer videos published in the last 7 days than the weekly target.
    pub behind: bool,
    /// Nothing scheduled within the look-ahead window.
    pub nothing_scheduled: bool,
}

impl CadenceStatus {
    /// The status of an account with a weekly target (0: none, so never behind).
    pub fn evaluate(videos_per_week: i64, published_last_7_days: i64, scheduled_ahead: i64) -> CadenceStatus {
        let target = videos_per_week > 0;
        CadenceStatus {
            behind: target && published_last_7_days < videos_per_week,
            nothing_scheduled: target && scheduled_ahead == 0,
        }
    }

    pub fn needs_attention(self) -> bool {
        self.behind || self.nothing_scheduled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever happens to a video, it is scheduled or published only with an approval since
        /// its last draft, and nothing happens after it is withdrawn.
        #[test]
        fn no_publication_without_approval(events in proptest::collection::vec(0..VideoEvent::ALL.len(), 0..40)) {
            let mut status = VideoStatus::Draft;
            let mut approved = false;
            for index in events {
                let event = VideoEvent::ALL[index];
                let Some(next) = status.after(event) else { continue };
                prop_assert_ne!(status, VideoStatus::Withdrawn);
                if next == VideoStatus::Draft {
                    approved = false;
                }
                if event == VideoEvent::Approve {
                    approved = true;
                }
                if matches!(next, VideoStatus::Scheduled | VideoStatus::Published) {
                    prop_assert!(approved, "{} without approval", next.as_str());
                }
                status = next;
            }
        }
    }

    /// Every (status, event) pair, written out: the whole state machine in one table.
    #[test]
    fn every_transition() {
        use VideoEvent as E;
        use VideoStatus as S;
        let allowed: &[(S, E, S)] = &[
            (S::Draft, E::Edit, S::Draft),
            (S::Draft, E::Submit, S::InReview),
            (S::InReview, E::Approve, S::Approved),
            (S::InReview, E::SendBack, S::Draft),
            (S::Approved, E::Schedule, S::Scheduled),
            (S::Approved, E::Publish, S::Published),
            (S::Approved, E::Withdraw, S::Withdrawn),
            (S::Scheduled, E::Schedule, S::Scheduled),
            (S::Scheduled, E::Publish, S::Published),
            (S::Scheduled, E::PublishDue, S::Published),
            (S::Scheduled, E::Withdraw, S::Withdrawn),
            (S::Published, E::Withdraw, S::Withdrawn),
        ];
        let mut pairs = 0;
        for status in S::ALL {
            for event in E::ALL {
                let expect = allowed.iter().find(|(s, e, _)| s == status && e == event).map(|(_, _, to)| *to);
                assert_eq!(status.after(*event), expect, "{} + {}", status.as_str(), event.as_str());
                pairs += 1;
            }
        }
        assert_eq!(pairs, 48);
    }

    #[test]
    fn nothing_leaves_withdrawn_and_only_drafts_change_content() {
        for event in VideoEvent::ALL {
            assert_eq!(VideoStatus::Withdrawn.after(*event), None);
        }
        for status in VideoStatus::ALL {
            assert_eq!(status.after(VideoEvent::Edit).is_some(), *status == VideoStatus::Draft);
        }
        // Nothing reaches `scheduled` or `published` without passing `approved`.
        for status in [VideoStatus::Draft, VideoStatus::InReview] {
            for event in [VideoEvent::Schedule, VideoEvent::Publish, VideoEvent::PublishDue] {
                assert_eq!(status.after(event), None);
            }
        }
    }

    #[test]
    fn tags() {
        let tags = |texts: &[&str]| parse_tags(&texts.iter().map(|t| t.to_string()).collect::<Vec<_>>());
        let ok = tags(&["#春节", "年货", "春节", " #618 "]).unwrap();
        assert_eq!(ok.iter().map(Tag::as_str).collect::<Vec<_>>(), ["春节", "年货", "618"]);
        assert_eq!(tags(&["a", "#", "b"]), Err(TagError::Invalid { index: 1 }));
        assert_eq!(tags(&["two words"]), Err(TagError::Invalid { index: 0 }));
        assert_eq!(tags(&["##x"]), Err(TagError::Invalid { index: 0 }));
        assert_eq!(tags(&["a,b"]), Err(TagError::Invalid { index: 0 }));
        assert_eq!(tags(&[&"长".repeat(TAG_LENGTH_MAX)]).map(|t| t.len()), Ok(1));
        assert_eq!(tags(&[&"长".repeat(TAG_LENGTH_MAX + 1)]), Err(TagError::Invalid { index: 0 }));
        let many: Vec<String> = (0..=TAGS_PER_VIDEO_MAX).map(|i| format!("t{i}")).collect();
        assert_eq!(parse_tags(&many), Err(TagError::TooMany));
        assert_eq!(parse_tags(&many[..TAGS_PER_VIDEO_MAX]).map(|t| t.len()), Ok(TAGS_PER_VIDEO_MAX));
        assert_eq!(tags(&[]), Ok(vec![]));
    }

    #[test]
    fn descriptions_and_external_urls() {
        assert_eq!(parse_description("  第一行\n第二行 ").as_deref(), Some("第一行\n第二行"));
        assert_eq!(parse_description(""), Some(String::new()));
        assert_eq!(parse_description("bell\u{7}"), None);
        assert!(parse_description(&"字".repeat(VIDEO_DESCRIPTION_LENGTH_MAX)).is_some());
        assert!(parse_description(&"字".repeat(VIDEO_DESCRIPTION_LENGTH_MAX + 1)).is_none());
        let check = |text: &str, ok: bool| assert_eq!(parse_external_url(text).is_some(), ok, "{text}");
        check("https://v.douyin.com/abc123/", true);
        check("https://cdn.example.com/v.mp4?sig=1", true);
        check("http://cdn.example.com/v.mp4", false);
        check("javascript:alert(1)", false);
        check("https://", false);
        check("https:///path", false);
        check("https://a b.com/", false);
        check("https://例子.com/", false);
        check(&format!("https://a.com/{}", "x".repeat(EXTERNAL_URL_LENGTH_MAX)), false);
    }

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len() as u32;
        let mut bytes = size.to_be_bytes().to_vec();
        bytes.extend_from_slice(b"ftyp");
        bytes.extend_from_slice(major);
        bytes.extend_from_slice(&[0, 0, 2, 0]);
        for brand in compatible {
            bytes.extend_from_slice(*brand);
        }
        bytes.extend_from_slice(&[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
        bytes.resize(bytes.len().max(VIDEO_MAGIC_BYTES), 0);
        bytes
    }

    #[test]
    fn video_types_by_content() {
        use VideoFileType::{Mov, Mp4};
        let check = |bytes: &[u8], expect: Option<VideoFileType>| {
            assert_eq!(VideoFileType::detect(bytes), expect, "{:?}", &bytes[..bytes.len().min(24)]);
        };
        check(&ftyp(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"]), Some(Mp4));
        check(&ftyp(b"mp42", &[]), Some(Mp4));
        check(&ftyp(b"XYZ1", &[b"mp42"]), Some(Mp4));
        check(&ftyp(b"qt  ", &[b"qt  "]), Some(Mov));
        check(&ftyp(b"XYZ1", &[b"qt  "]), Some(Mov));
        check(&ftyp(b"M4A ", &[b"M4A ", b"mp42", b"isom"]), None);
        check(&ftyp(b"heic", &[b"mif1", b"heic"]), None);
        check(&ftyp(b"XYZ1", &[b"XYZ2"]), None);
        let mut bad_size = ftyp(b"isom", &[]);
        bad_size[3] = 7;
        check(&bad_size, None);
        check(b"\0\0\0\x18ftypisom", None);
        check(b"RIFF\0\0\0\0AVI LIST", None);
        check(&[0x1A, 0x45, 0xDF, 0xA3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], None);
        check(b"%PDF-1.4 and some more bytes", None);
        check(b"", None);
        assert_eq!(VideoFileType::parse("mov"), Some(Mov));
        assert_eq!(Mp4.content_type(), "video/mp4");
        assert_eq!(detect_cover(b"\x89PNG\r\n\x1a\n...."), Some(DocumentType::Png));
        assert_eq!(detect_cover(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(DocumentType::Jpeg));
        assert_eq!(detect_cover(b"%PDF-1.7"), None);
    }

    #[test]
    fn publish_times() {
        let day_ms = 24 * 3600 * 1000;
        assert_eq!(check_publish_at(1_000, 1_000), Err(ScheduleError::NotInFuture));
        assert_eq!(check_publish_at(1_000, 999), Err(ScheduleError::NotInFuture));
        assert_eq!(check_publish_at(1_000, 1_001), Ok(()));
        assert_eq!(check_publish_at(0, SCHEDULE_HORIZON_DAYS_MAX * day_ms), Ok(()));
        assert_eq!(check_publish_at(0, SCHEDULE_HORIZON_DAYS_MAX * day_ms + 1), Err(ScheduleError::TooFar));
    }

    #[test]
    fn pins() {
        use VideoStatus as S;
        assert_eq!(check_pin(S::Published, true, false, 0), Ok(()));
        assert_eq!(check_pin(S::Published, true, false, PINNED_VIDEOS_MAX - 1), Ok(()));
        assert_eq!(check_pin(S::Published, true, false, PINNED_VIDEOS_MAX), Err(PinError::LimitReached));
        assert_eq!(check_pin(S::Published, true, true, PINNED_VIDEOS_MAX), Ok(()));
        assert_eq!(check_pin(S::Published, false, false, 0), Err(PinError::AccountNotVerified));
        for status in VideoStatus::ALL.iter().filter(|s| **s != S::Published) {
            assert_eq!(check_pin(*status, true, false, 0), Err(PinError::NotPublished));
            assert_eq!(check_pin(*status, false, false, 0), Err(PinError::AccountNotVerified));
        }
    }

    #[test]
    fn cadence() {
        let check = |target, published, scheduled, behind, nothing| {
            assert_eq!(
                CadenceStatus::evaluate(target, published, scheduled),
                CadenceStatus { behind, nothing_scheduled: nothing },
                "{target} {published} {scheduled}"
            );
        };
        check(0, 0, 0, false, false);
        check(3, 2, 1, true, false);
        check(3, 3, 0, false, true);
        check(3, 5, 2, false, false);
        check(1, 0, 0, true, true);
        assert!(!CadenceStatus::evaluate(3, 3, 1).needs_attention());
        assert!(CadenceStatus::evaluate(3, 3, 0).needs_attention());
    }
}
