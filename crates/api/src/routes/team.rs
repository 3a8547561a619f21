//! The merchant's team: members and their team roles (owners only).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{MERCHANT, china_time};
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
                .team_rights(MANAGE_TEAM),
            list_members,
        )
        .add(
            Method::Post,
            "/api/v1/team/members",
            Doc::new("team", "Add a member: a new merchant user with this username, password and team role")
                .roles(MERCHANT)
                .team_rights(MANAGE_TEAM)
                .status(201)
                .body(r#"{"username":"xiaoli","password":"a-long-secret","team_role":"operator"}"#),
            add_member,
        )
        .add(
            Method::Put,
            "/api/v1/team/members/{user_id}",
            Doc::new("team", "Change a member's team role (the last owner keeps it)")
                .roles(MERCHANT)
                .team_rights(MANAGE_TEAM)
                .body(r#"{"team_role":"approver"}"#),
            change_member,
        )
        .add(
            Method::Delete,
            "/api/v1/team/members/{user_id}",
            Doc::new("team", "Remove a member: it is logged out and cannot log in again")
                .roles(MERCHANT)
                .team_rights(MANAGE_TEAM)
                .status(204),
            remove_member,
        )
}

fn member_json(member: &UserRow) -> Value {
    let team_role = member.team_role.as_deref().and_then(domain::team::TeamRole::parse);
    let rights: Vec<&str> =
        team_role.map(|role| role.rights().iter().map(|right| right.as_str()).collect()).unwrap_or_default();
    json!({
        "user_id": member.id,
        "username": member.username,
        "team_role": member.team_role,
        "team_rights": rights,
        "created_at": china_time(member.created_at_ms),
    })
}

async fn list_members(State(state): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Value>> {
    let items: Vec<Value> = state.app.team_members(auth.actor()).await?.iter().map(member_json).collect();
    Ok(axum::Json(json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMember {
    username: String,
    password: String,
    team_role: String,
}

async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewMember>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let member = state.app.add_team_member(&auth.0, &body.username, &body.password, &body.team_role).await?;
    Ok((StatusCode::CREATED, axum::Json(member_json(&member))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleChange {
    team_role: String,
}

async fn change_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<i64>,
    Json(body): Json<RoleChange>,
) -> ApiResult<axum::Json<Value>> {
    let member = state.app.change_team_role(&auth.0, user_id, &body.team_role).await?;
    Ok(axum::Json(member_json(&member)))
}

async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.app.remove_team_member(&auth.0, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
