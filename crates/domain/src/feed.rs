//! The platform feed (平台事件流): the kinds of event the platform must act on, each written in the
//! transaction of the decision that causes it, and the bounds of reading the feed.

text_enum! {
    /// One kind of platform event. The text is stable: consumers switch on it.
    EventType {
        PayoutRequested => "payout.requested", "打款指令";
        CommentReplyCreated => "comment.reply_created", "评论回复";
        CommentHidden => "comment.hidden", "评论隐藏";
        CommentUnhidden => "comment.unhidden", "评论取消隐藏";
        CommentPinned => "comment.pinned", "评论置顶";
        CommentUnpinned => "comment.unpinned", "评论取消置顶";
        MessageReplyCreated => "message.reply_created", "私信回复";
        VideoPublished => "video.published", "视频发布";
        VideoWithdrawn => "video.withdrawn", "视频下架";
        BadgeGranted => "badge.granted", "认证标识授予";
        BadgeRenewed => "badge.renewed", "认证标识续期";
        BadgeExpired => "badge.expired", "认证标识到期";
        ShopNoticeStarted => "shop.notice_started", "注销公示开始";
        ShopNoticeWithdrawn => "shop.notice_withdrawn", "注销公示撤回";
        ShopClosed => "shop.closed", "店铺注销";
        DepositShortfall => "deposit.shortfall", "保证金不足";
    }
}

/// Events one read answers at most, and by default.
pub const FEED_PAGE_MAX: i64 = 500;
pub const FEED_PAGE_DEFAULT: i64 = 100;
/// The longest long-poll wait, in milliseconds.
pub const FEED_WAIT_MS_MAX: u64 = 30_000;

/// A read's `wait` parameter: whole seconds with an optional `s` (`30s`, `5`), at most 30 s.
pub fn parse_wait_ms(text: &str) -> Option<u64> {
    let digits = text.trim().strip_suffix('s').unwrap_or(text.trim());
    let seconds: u64 = digits.parse().ok()?;
    let ms = seconds.checked_mul(1_000)?;
    (ms <= FEED_WAIT_MS_MAX).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_bounded_seconds() {
        assert_eq!(parse_wait_ms("30s"), Some(30_000));
        assert_eq!(parse_wait_ms("0"), Some(0));
        assert_eq!(parse_wait_ms("31s"), None);
        assert_eq!(parse_wait_ms("-1"), None);
        assert_eq!(parse_wait_ms("1.5s"), None);
        assert_eq!(EventType::parse("shop.notice_started"), Some(EventType::ShopNoticeStarted));
        assert_eq!(EventType::ALL.len(), 16);
    }
}
