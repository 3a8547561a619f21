//! A merchant's team: the owner lists, adds, re-roles and removes members. Adding a member creates
//! a new merchant user with the password the owner chose; a removed member is disabled (its row
//! stays for the audit log) and its sessions end at once. A role change takes effect at the
//! member's next request: this server forgets its cached sessions, others within the token cache
//! time (`AppConfig::token_cache_ttl_ms`).

use domain::auth::{NewPassword, Role, Username};
use domain::limits::TEAM_MEMBERS_MAX;
use domain::team::{TeamRight, TeamRole};
use store::team;
pub use store::users::UserRow;
use store::users::{self, NewUser};

use crate::{Actor, App, AppError, AppResult, Code, Ctx};

fn parse_team_role(text: &str) -> AppResult<TeamRole> {
    TeamRole::parse(text.trim()).ok_or_else(|| {
        AppError::new(Code::UnknownTeamRole, "team_role: one of owner, operator, approver, finance")
    })
}

fn last_owner() -> AppError {
    AppError::new(Code::LastOwner, "the merchant keeps at least one owner: make another member owner first")
}

/// Who lists, adds, changes and removes the merchant's members (the access table's `manage_team`).
const TEAM_RIGHTS: &[TeamRight] = domain::access::rule(domain::access::UseCase::ManageTeam).team_rights;

impl App {
    /// The members of the caller's merchant, owner or not, in the order they joined.
    pub async fn team_members(&self, actor: &Actor) -> AppResult<Vec<UserRow>> {
        let merchant_id = actor.require_team(TEAM_RIGHTS)?;
        let mut conn = self.db().read().await?;
        Ok(team::members(&mut conn, merchant_id, TEAM_MEMBERS_MAX).await?)
    }

    /// Adds a member to the caller's merchant: a new merchant user with this username, password and
    /// team role. An existing username (of this merchant or any other) is refused: users belong to
    /// one merchant for good.
    pub async fn add_team_member(
        &self,
        ctx: &Ctx,
        username: &str,
        password: &str,
        team_role: &str,
    ) -> AppResult<UserRow> {
        let merchant_id = ctx.actor.require_team(TEAM_RIGHTS)?;
        let username = Username::parse(username)?;
        let password = NewPassword::parse(password)?;
        let team_role = parse_team_role(team_role)?;
        let hash = self.hash_password(password).await?;
        let mut tx = self.db().begin().await?;
        team::lock_merchant(&mut tx, self.db().backend(), merchant_id).await?;
        if team::count_members(&mut tx, merchant_id).await? >= TEAM_MEMBERS_MAX {
            return Err(AppError::new(Code::InvalidField, "a team has at most 200 members"));
        }
        let new_user = NewUser {
            username: username.as_str(),
            password_hash: &hash,
            role: Role::Merchant.as_str(),
            merchant_id: Some(merchant_id),
            team_role: Some(team_role.as_str()),
            now_ms: self.clock().now_ms(),
        };
        let Some(id) = users::conflict_as_none(users::insert_user(&mut tx, &new_user).await)? else {
            return Err(AppError::new(
                Code::UsernameTaken,
                format!("username {} is taken", username.as_str()),
            ));
        };
        let subject = format!("user:{}", username.as_str());
        self.audit(&mut tx, ctx, "team.add", &subject, &format!("team_role={}", team_role.as_str())).await?;
        let member = team::find_member(&mut tx, merchant_id, id)
            .await?
            .ok_or_else(|| AppError::internal(&"new member vanished"))?;
        tx.commit().await?;
        Ok(member)
    }

    /// Gives a member of the caller's merchant another team role. The last owner keeps its role.
    pub async fn change_team_role(&self, ctx: &Ctx, user_id: i64, team_role: &str) -> AppResult<UserRow> {
        let merchant_id = ctx.actor.require_team(TEAM_RIGHTS)?;
        let team_role = parse_team_role(team_role)?;
        let mut tx = self.db().begin().await?;
        team::lock_merchant(&mut tx, self.db().backend(), merchant_id).await?;
        let member = team::find_member(&mut tx, merchant_id, user_id)
            .await?
            .ok_or_else(|| AppError::not_found("team member"))?;
        let current = member.team_role.as_deref().and_then(TeamRole::parse);
        if current == Some(team_role) {
            return Ok(member);
        }
        if current == Some(TeamRole::Owner)
            && team::count_with_role(&mut tx, merchant_id, "owner").await? <= 1
        {
            return Err(last_owner());
        }
        team::set_team_role(&mut tx, user_id, team_role.as_str()).await?;
        let detail = format!("from={} to={}", current.map_or("none", TeamRole::as_str), team_role.as_str());
        self.audit(&mut tx, ctx, "team.change_role", &format!("user:{}", member.username), &detail).await?;
        let member = team::find_member(&mut tx, merchant_id, user_id)
            .await?
            .ok_or_else(|| AppError::internal(&"member vanished"))?;
        tx.commit().await?;
        self.forget_sessions(user_id);
        Ok(member)
    }

    /// Removes a member from the caller's merchant: it can no longer log in and its sessions end.
    /// The last owner stays.
    pub async fn remove_team_member(&self, ctx: &Ctx, user_id: i64) -> AppResult<()> {
        let merchant_id = ctx.actor.require_team(TEAM_RIGHTS)?;
        let mut tx = self.db().begin().await?;
        team::lock_merchant(&mut tx, self.db().backend(), merchant_id).await?;
        let member = team::find_member(&mut tx, merchant_id, user_id)
            .await?
            .ok_or_else(|| AppError::not_found("team member"))?;
        let owner = member.team_role.as_deref() == Some(TeamRole::Owner.as_str());
        if owner && team::count_with_role(&mut tx, merchant_id, "owner").await? <= 1 {
            return Err(last_owner());
        }
        team::disable_member(&mut tx, user_id, self.session_clock.now_ms()).await?;
        let detail = format!("team_role={}", member.team_role.as_deref().unwrap_or("none"));
        self.audit(&mut tx, ctx, "team.remove", &format!("user:{}", member.username), &detail).await?;
        tx.commit().await?;
        self.forget_sessions(user_id);
        Ok(())
    }
}
