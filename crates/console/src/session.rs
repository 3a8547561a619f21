//! Who is looking at the console: the session cookie (a bearer token, HttpOnly), the language
//! cookie and the CSRF cookie that every form echoes back (double submit).

use app::{Code, Ctx};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rand::RngCore;

use crate::ConsoleState;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "xd_session";
pub const LANG_COOKIE: &str = "xd_lang";
pub const CSRF_COOKIE: &str = "xd_csrf";

/// Language from the cookie, Chinese when none.
pub fn lang(jar: &CookieJar) -> Lang {
    jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())).unwrap_or(Lang::Zh)
}

/// The CSRF token for forms on this page, creating the cookie when the browser has none yet.
pub fn csrf(jar: CookieJar) -> (CookieJar, String) {
    if let Some(existing) = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() == 32) {
        return (jar, existing);
    }
    let mut bytes = [0_u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let cookie = Cookie::build((CSRF_COOKIE, token.clone()))
        .path("/console")
        .http_only(true)
        .same_site(SameSite::Strict);
    (jar.add(cookie), token)
}

/// A form's CSRF field must equal the cookie.
pub fn check_csrf(jar: &CookieJar, submitted: &str) -> Result<(), Code> {
    match jar.get(CSRF_COOKIE) {
        Some(cookie) if !submitted.is_empty() && cookie.value() == submitted => Ok(()),
        _ => Err(Code::CsrfFailed),
    }
}

/// The session cookie; `Secure` when the console is served over https (`--public-url https://…`
/// or a trusted proxy's `X-Forwarded-Proto`).
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/console")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

pub fn request_id(headers: &HeaderMap) -> String {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("console").to_owned()
}

/// A logged-in viewer; pages that need one redirect to the login page otherwise.
pub struct Viewer {
    pub ctx: Ctx,
    pub token: String,
    /// A merchant user's unread notifications (the badge in the navigation).
    pub unread: Option<i64>,
}

pub async fn viewer(state: &ConsoleState, jar: &CookieJar, headers: &HeaderMap) -> Result<Viewer, Response> {
    let to_login = || Redirect::to("/console/login").into_response();
    let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).ok_or_else(to_login)?;
    let actor = state.app.authenticate(&token).await.map_err(|_| to_login())?;
    let unread = state.app.unread_notifications(&actor).await.ok();
    Ok(Viewer { ctx: Ctx { actor, request_id: request_id(headers) }, token, unread })
}
