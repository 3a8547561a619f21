//! Team roles inside a merchant and the one table of what each may do (`TeamRole::holds`).

text_enum! {
    /// A merchant user's place in its merchant's team. Every merchant user has exactly one; the
    /// user an operator creates with `xiaodian user add --role merchant` is an owner.
    TeamRole {
        Owner => "owner", "所有者";
        Operator => "operator", "运营";
        Approver => "approver", "审批人";
        Finance => "finance", "财务";
    }
}

text_enum! {
    /// What a team member may do. Use cases name the right they need; `TeamRole::holds` says who
    /// has it. `manage_team`: list, add, change and remove the merchant's members.
    /// `manage_merchant`: shops and their operations, closure, payout accounts, enterprise accounts
    /// and their verification (everything a merchant did before team roles existed).
    /// `view_money`: deposits, statements, settlements, payout accounts and deposit refunds.
    /// `edit_content`: create and edit videos, upload their files, submit, schedule, publish,
    /// withdraw, pin, and set the publishing cadence. `approve_content`: approve a submitted video
    /// or send it back with a comment; schedule, publish or withdraw an approved one. `reply`:
    /// answer buyers and commenters.
    TeamRight {
        ManageTeam => "manage_team", "管理成员";
        ManageMerchant => "manage_merchant", "管理店铺与企业号";
        ViewMoney => "view_money", "查看保证金与退款";
        EditContent => "edit_content", "创作与发布内容";
        ApproveContent => "approve_content", "审批内容";
        Reply => "reply", "回复";
    }
}

impl TeamRole {
    /// Whether a member with this role holds `right`. This match is the whole rule: an owner holds
    /// every right, an operator creates content and replies, an approver approves content, finance
    /// sees money.
    pub fn holds(self, right: TeamRight) -> bool {
        use TeamRight as R;
        match self {
            TeamRole::Owner => true,
            TeamRole::Operator => matches!(right, R::EditContent | R::Reply),
            TeamRole::Approver => matches!(right, R::ApproveContent),
            TeamRole::Finance => matches!(right, R::ViewMoney),
        }
    }

    /// The rights this role holds, in table order.
    pub fn rights(self) -> Vec<TeamRight> {
        TeamRight::ALL.iter().copied().filter(|right| self.holds(*right)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table written out by hand, so that a change to `holds` must change this too.
    #[test]
    fn every_role_holds_exactly_its_rights() {
        let check = |role: TeamRole, expect: &[&str]| {
            let got: Vec<&str> = role.rights().iter().map(|r| r.as_str()).collect();
            assert_eq!(got, expect, "{}", role.as_str());
        };
        check(
            TeamRole::Owner,
            &["manage_team", "manage_merchant", "view_money", "edit_content", "approve_content", "reply"],
        );
        check(TeamRole::Operator, &["edit_content", "reply"]);
        check(TeamRole::Approver, &["approve_content"]);
        check(TeamRole::Finance, &["view_money"]);
    }

    #[test]
    fn the_owner_holds_every_right_and_alone_manages_the_team() {
        for right in TeamRight::ALL {
            let holders: Vec<TeamRole> = TeamRole::ALL.iter().copied().filter(|r| r.holds(*right)).collect();
            assert!(holders.contains(&TeamRole::Owner), "the owner holds {}", right.as_str());
        }
        assert!(TeamRole::ALL.iter().filter(|r| r.holds(TeamRight::ManageTeam)).eq([TeamRole::Owner].iter()));
    }

    #[test]
    fn roles_parse_from_their_text_only() {
        for role in TeamRole::ALL {
            assert_eq!(TeamRole::parse(role.as_str()), Some(*role));
        }
        for text in ["", "Owner", "admin", "merchant", " owner"] {
            assert_eq!(TeamRole::parse(text), None, "{text:?}");
        }
    }
}
