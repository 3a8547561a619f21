//! The one access table: which roles, and for merchant users which team rights, may run each use
//! case. `app` enforces it, the console reads it to decide which links, forms and buttons to show
//! (a link or form a person sees is one they may use).

use crate::auth::Role;
use crate::team::{TeamRight, TeamRole};

text_enum! {
    /// A use case a person can start from the console or the API.
    UseCase {
        ViewHome => "view_home", "首页";
        ViewCalendar => "view_calendar", "查看工作日历";
        ListShops => "list_shops", "查看店铺";
        CreateShop => "create_shop", "开设店铺";
        OperateShop => "operate_shop", "经营店铺：商品、订单、售后、消息、结算与发票";
        ViewMoney => "view_money", "查看保证金与结算";
        RequestClosure => "request_closure", "申请注销店铺";
        SetPayoutAccount => "set_payout_account", "设置收款账户";
        RecordViolation => "record_violation", "记录违规";
        AppealViolation => "appeal_violation", "对违规提出申诉";
        DecideAppeal => "decide_appeal", "审核申诉";
        ListEnterpriseAccounts => "list_enterprise_accounts", "查看企业号";
        ManageEnterpriseAccount => "manage_enterprise_account", "管理企业号与蓝V认证";
        ReviewVerification => "review_verification", "审核蓝V认证";
        ConfirmFee => "confirm_fee", "确认认证审核费";
        DecideRefund => "decide_refund", "审核保证金退还";
        ListPayouts => "list_payouts", "查看打款";
        ReconcilePayouts => "reconcile_payouts", "打款对账";
        ResolveComplaint => "resolve_complaint", "处理投诉";
        ListVideos => "list_videos", "查看视频";
        EditContent => "edit_content", "创作与发布视频";
        ApproveVideo => "approve_video", "审批视频";
        PublishVideo => "publish_video", "排期、发布或撤回已审批的视频";
        ViewReputation => "view_reputation", "舆情监测与评论回复";
        AnswerInbox => "answer_inbox", "私信与评论收件箱、自动回复";
        ViewLeads => "view_leads", "查看与跟进线索";
        ContactLeads => "contact_leads", "查看线索的完整联系方式";
        ListNotifications => "list_notifications", "查看消息通知";
        ManageTeam => "manage_team", "管理团队成员";
        ManageWebhook => "manage_webhook", "管理事件推送";
        ViewAudit => "view_audit", "查看审计日志";
        SetClock => "set_clock", "设置时钟与运行任务";
    }
}

/// Who may run a use case: the platform roles, and whether merchant users may, holding at least
/// one of `team_rights` (empty: every member of the merchant's team).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub roles: &'static [Role],
    pub team_rights: &'static [TeamRight],
}

const PLATFORM: &[Role] = &[Role::Reviewer, Role::Admin];
const MERCHANT: &[Role] = &[Role::Merchant];
const EVERYONE: &[Role] = &[Role::Admin, Role::Reviewer, Role::Merchant, Role::Service];
const MERCHANT_AND_PLATFORM: &[Role] = &[Role::Merchant, Role::Reviewer, Role::Admin];
const ANY_MEMBER: &[TeamRight] = &[];

/// The table. This match is the whole rule; `allows` reads it.
pub const fn rule(use_case: UseCase) -> Rule {
    use TeamRight as R;
    use UseCase as U;
    let (roles, team_rights): (&'static [Role], &'static [TeamRight]) = match use_case {
        U::ViewHome | U::ViewCalendar => (EVERYONE, ANY_MEMBER),
        U::ListShops | U::ListEnterpriseAccounts => (MERCHANT_AND_PLATFORM, ANY_MEMBER),
        U::CreateShop
        | U::OperateShop
        | U::AppealViolation
        | U::RequestClosure
        | U::SetPayoutAccount
        | U::ManageWebhook => (MERCHANT, &[R::ManageMerchant]),
        U::ManageEnterpriseAccount => (MERCHANT, &[R::ManageMerchant]),
        U::ViewMoney => (MERCHANT_AND_PLATFORM, &[R::ViewMoney]),
        U::ListPayouts => (EVERYONE, &[R::ViewMoney]),
        U::ReconcilePayouts => (PLATFORM, ANY_MEMBER),
        U::RecordViolation | U::DecideAppeal | U::ReviewVerification | U::DecideRefund => {
            (PLATFORM, ANY_MEMBER)
        }
        U::ResolveComplaint => (PLATFORM, ANY_MEMBER),
        U::ConfirmFee => (&[Role::Service], ANY_MEMBER),
        U::ListVideos | U::ListNotifications => (MERCHANT, ANY_MEMBER),
        U::EditContent => (MERCHANT, &[R::EditContent]),
        U::ApproveVideo => (MERCHANT, &[R::ApproveContent]),
        U::PublishVideo => (MERCHANT, &[R::EditContent, R::ApproveContent]),
        U::ViewReputation | U::AnswerInbox | U::ViewLeads => (MERCHANT, &[R::Reply]),
        U::ContactLeads => (MERCHANT, &[R::ManageMerchant]),
        U::ManageTeam => (MERCHANT, &[R::ManageTeam]),
        U::ViewAudit | U::SetClock => (&[Role::Admin], ANY_MEMBER),
    };
    Rule { roles, team_rights }
}

/// Whether a user of `role` (and, for a merchant user, `team_role`) may run `use_case`. A merchant
/// user without a team role may run nothing.
pub fn allows(use_case: UseCase, role: Role, team_role: Option<TeamRole>) -> bool {
    let rule = rule(use_case);
    if !rule.roles.contains(&role) {
        return false;
    }
    if role != Role::Merchant {
        return true;
    }
    match team_role {
        None => false,
        Some(team_role) => {
            rule.team_rights.is_empty() || rule.team_rights.iter().any(|right| team_role.holds(*right))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Who may run what, written out by hand for the merchant team, so that a change to the table
    /// must change this too.
    #[test]
    fn each_team_role_may_run_exactly_its_use_cases() {
        let check = |team_role: TeamRole, expect: &[&str]| {
            let got: Vec<&str> = UseCase::ALL
                .iter()
                .filter(|u| allows(**u, Role::Merchant, Some(team_role)))
                .map(|u| u.as_str())
                .collect();
            assert_eq!(got, expect, "{}", team_role.as_str());
        };
        let common = [
            "view_home",
            "view_calendar",
            "list_shops",
            "list_enterprise_accounts",
            "list_videos",
            "list_notifications",
        ];
        let with = |extra: &[&'static str]| -> Vec<&'static str> {
            UseCase::ALL
                .iter()
                .map(|u| u.as_str())
                .filter(|u| common.contains(u) || extra.contains(u))
                .collect()
        };
        check(
            TeamRole::Operator,
            &with(&["edit_content", "publish_video", "view_reputation", "answer_inbox", "view_leads"]),
        );
        check(TeamRole::Approver, &with(&["approve_video", "publish_video"]));
        check(TeamRole::Finance, &with(&["view_money", "list_payouts"]));
        let owner: Vec<&str> = UseCase::ALL
            .iter()
            .filter(|u| rule(**u).roles.contains(&Role::Merchant))
            .map(|u| u.as_str())
            .collect();
        check(TeamRole::Owner, &owner);
    }

    #[test]
    fn platform_roles_run_platform_work_and_nothing_of_a_team() {
        assert!(allows(UseCase::DecideRefund, Role::Reviewer, None));
        assert!(allows(UseCase::SetClock, Role::Admin, None));
        assert!(!allows(UseCase::SetClock, Role::Reviewer, None));
        assert!(allows(UseCase::ConfirmFee, Role::Service, None));
        assert!(!allows(UseCase::ConfirmFee, Role::Admin, None));
        assert!(allows(UseCase::ListPayouts, Role::Service, None));
        assert!(allows(UseCase::ReconcilePayouts, Role::Reviewer, None));
        assert!(!allows(UseCase::ReconcilePayouts, Role::Service, None));
        assert!(!allows(UseCase::EditContent, Role::Admin, None));
        assert!(!allows(UseCase::ManageTeam, Role::Reviewer, None));
        assert!(!allows(UseCase::ViewHome, Role::Merchant, None), "a merchant user needs a team role");
    }
}
