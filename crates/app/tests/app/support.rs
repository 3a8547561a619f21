//! What every story module shares: times written as text, and a user with a ready `Ctx`.

use app::{Actor, App, Ctx};
use chrono::{DateTime, Utc};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// An RFC 3339 time, for clocks and expectations.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// The `Ctx` of an existing user, as a request of theirs would carry it.
pub async fn ctx_of(app: &App, username: &str) -> Ctx {
    let mut conn = app.db().read().await.unwrap();
    let row = store::users::find_user_by_username(&mut conn, username).await.unwrap().unwrap();
    Ctx { actor: Actor::of_user(&row).unwrap(), request_id: format!("req-{username}") }
}

/// A new user with `role` (and `merchant`), and their `Ctx`.
pub async fn user(app: &App, username: &str, role: &str, merchant: Option<&str>) -> Ctx {
    app.create_user(&Ctx::system("test"), username, role, merchant, PASSWORD).await.unwrap();
    ctx_of(app, username).await
}
