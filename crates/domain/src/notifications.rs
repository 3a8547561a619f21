//! Notification kinds and who in a merchant's team sees each: the one table behind every member's
//! notification centre.

use crate::team::{TeamRight, TeamRole};

text_enum! {
    /// What a notification is about. The text is stable: it is stored, sent in webhooks and filtered on.
    NoticeKind {
        VerificationApproved => "verification.approved", "认证通过";
        VerificationRejected => "verification.rejected", "认证驳回";
        VerificationChangesRequested => "verification.changes_requested", "认证需补充材料";
        VerificationFailed => "verification.failed", "认证失败";
        BadgeExpiring => "badge.expiring", "认证即将到期";
        BadgeExpired => "badge.expired", "认证已到期";
        VideoSubmitted => "video.submitted", "视频待审批";
        VideoSentBack => "video.sent_back", "视频被退回";
        VideoPublished => "video.published", "视频已发布";
        VideoCadence => "video.cadence", "发布节奏提醒";
        CommentsUnanswered => "comments.unanswered", "评论待回复";
        ReputationIncident => "reputation.incident", "舆情事件";
        ReputationOverdue => "reputation.overdue", "舆情事件已超时";
        ShopClosed => "shop.closed", "店铺已注销";
        ClosureHeld => "closure.held", "注销受阻";
        RefundDecided => "refund.decided", "保证金退还结果";
        PayoutFailed => "payout.failed", "打款失败";
        WebhookFailing => "webhook.failing", "Webhook 投递失败";
    }
}

impl NoticeKind {
    /// The team right a member needs to see notifications of this kind: the member who can act on it.
    pub fn audience(self) -> TeamRight {
        use NoticeKind as K;
        match self {
            K::VerificationApproved
            | K::VerificationRejected
            | K::VerificationChangesRequested
            | K::VerificationFailed
            | K::BadgeExpiring
            | K::BadgeExpired
            | K::WebhookFailing => TeamRight::ManageMerchant,
            K::VideoSubmitted => TeamRight::ApproveContent,
            K::VideoSentBack | K::VideoPublished | K::VideoCadence => TeamRight::EditContent,
            K::CommentsUnanswered | K::ReputationIncident | K::ReputationOverdue => TeamRight::Reply,
            K::ShopClosed | K::ClosureHeld | K::RefundDecided | K::PayoutFailed => TeamRight::ViewMoney,
        }
    }

    /// The kinds a member with this team role sees.
    pub fn seen_by(role: TeamRole) -> Vec<NoticeKind> {
        NoticeKind::ALL.iter().copied().filter(|kind| role.holds(kind.audience())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_sees_everything_and_every_kind_has_a_member_besides_the_owner_or_is_the_owners() {
        assert_eq!(NoticeKind::seen_by(TeamRole::Owner).len(), NoticeKind::ALL.len());
        let texts: Vec<&str> = NoticeKind::seen_by(TeamRole::Finance).iter().map(|k| k.as_str()).collect();
        assert_eq!(texts, ["shop.closed", "closure.held", "refund.decided", "payout.failed"]);
        let approver: Vec<&str> =
            NoticeKind::seen_by(TeamRole::Approver).iter().map(|k| k.as_str()).collect();
        assert_eq!(approver, ["video.submitted"]);
        let operator: Vec<&str> =
            NoticeKind::seen_by(TeamRole::Operator).iter().map(|k| k.as_str()).collect();
        assert_eq!(
            operator,
            [
                "video.sent_back",
                "video.published",
                "video.cadence",
                "comments.unanswered",
                "reputation.incident",
                "reputation.overdue"
            ]
        );
    }

    #[test]
    fn kinds_parse_from_their_text() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(NoticeKind::parse("shop_closed"), None);
    }
}
