//! The merchant's team: members and their team roles (owners only).

use axum::extract::State;
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Answer, MERCHANT, china_time};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Path};
use crate::openapi::{Doc, Method, Routes};
use app::team::UserRow;

const MANAGE_TEAM: &[&str] = &["manage_team"];

pub fn add(routes: Routes) -> Routes {
    routes
        .add(
            Method::Get,
            "/api/v1/team/members",
            Doc::new("team", "The members of the caller's merchant with their team roles and rights")
                .roles(MERCHANT)
                .team_rights(MANAGE_TEAM)
                .answer::<TeamMembersBody>(),
            list_members,
        )
        .add(
            Method::Post,
            "/api/v1/team/members",
            Doc::new("team", "Add a member: a new merchant user with this username, password and team role")
                .roles(MERCHANT)
                .team_rights(MANAGE_TEAM)
                .status(201)
                .request::<NewTeamMember>()
                .answer::<TeamMemberBody>()
                .body(r#"{"username":"xiaoli","password":"a-long-secret","team_role":"operator"}"#),
            add_member,
        )
        .add(
            Method::Put,
            "/api/v1/team/members/{user_id}",
            Doc::new("team", "Change a member's team role (the last owner keeps it)")
                .roles(MERCHANT)
                .team_rights(MANAGE_TEAM)
                .request::<TeamRoleChange>()
                .answer::<TeamMemberBody>()
                .body(r#"{"team_role":"approver"}"#),
            change_member,
        )
        .add(
            Method::Delete,
            "/api/v1/team/members/{user_id}",
            Doc::new("team", "Remove a member: it is logged out and cannot log in again")
                .roles(MERCHANT)
                .team_rights(MANAGE_TEAM)
                .no_content(),
            remove_member,
        )
}

/// A member of the merchant's team.
#[derive(Serialize, JsonSchema)]
struct TeamMemberBody {
    user_id: i64,
    username: String,
    /// `owner`, `operator`, `approver` or `finance`.
    team_role: Option<String>,
    /// The rights the team role grants.
    team_rights: Vec<&'static str>,
    created_at: Option<String>,
}

impl From<&UserRow> for TeamMemberBody {
    fn from(member: &UserRow) -> TeamMemberBody {
        let team_role = member.team_role.as_deref().and_then(domain::team::TeamRole::parse);
        let team_rights = team_role
            .map(|role| role.rights().iter().map(|right| right.as_str()).collect())
            .unwrap_or_default();
        TeamMemberBody {
            user_id: member.id,
            username: member.username.clone(),
            team_role: member.team_role.clone(),
            team_rights,
            created_at: china_time(member.created_at_ms),
        }
    }
}

/// Every member of the team.
#[derive(Serialize, JsonSchema)]
struct TeamMembersBody {
    items: Vec<TeamMemberBody>,
}

async fn list_members(State(state): State<AppState>, auth: Auth) -> Answer<TeamMembersBody> {
    let members = state.app.team_members(auth.actor()).await?;
    Ok(Json(TeamMembersBody { items: members.iter().map(TeamMemberBody::from).collect() }))
}

/// A new member: its login and team role.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewTeamMember {
    username: String,
    password: String,
    team_role: String,
}

async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewTeamMember>,
) -> ApiResult<(StatusCode, Json<TeamMemberBody>)> {
    let member = state.app.add_team_member(&auth.0, &body.username, &body.password, &body.team_role).await?;
    Ok((StatusCode::CREATED, Json(TeamMemberBody::from(&member))))
}

/// A member's new team role.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TeamRoleChange {
    team_role: String,
}

async fn change_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<i64>,
    Json(body): Json<TeamRoleChange>,
) -> Answer<TeamMemberBody> {
    let member = state.app.change_team_role(&auth.0, user_id, &body.team_role).await?;
    Ok(Json(TeamMemberBody::from(&member)))
}

async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.app.remove_team_member(&auth.0, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
