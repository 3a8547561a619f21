//! Authentication and roles: users, argon2id passwords, login tokens stored only as hashes,
//! the failed-login limit, and who the caller is (`Actor`).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use domain::auth::{NewPassword, Role, Username};
use domain::limits::{LOGIN_FAILURE_WINDOW_SECONDS, LOGIN_FAILURES_MAX, MERCHANT_NAME_LENGTH_MAX};
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::audit::NewAudit;
use store::users::{self, NewUser};

use crate::{App, AppError, AppResult, Code};

/// Who is asking: a logged-in user, or the system itself (CLI, jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub merchant_id: Option<i64>,
}

impl Actor {
    /// The operator at the command line, or the job worker: acts with admin rights.
    pub fn system(name: &str) -> Actor {
        Actor { user_id: 0, username: format!("system:{name}"), role: Role::Admin, merchant_id: None }
    }

    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) { Ok(()) } else { Err(AppError::forbidden()) }
    }

    /// How the audit log names this actor.
    pub fn label(&self) -> String {
        if self.user_id == 0 { self.username.clone() } else { format!("user:{}", self.username) }
    }
}

/// The caller and the request being served, passed to every use case that changes state.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub request_id: String,
}

impl Ctx {
    pub fn system(name: &str) -> Ctx {
        Ctx { actor: Actor::system(name), request_id: format!("{name}-{}", random_hex(6)) }
    }
}

#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// Shown to the caller once; only its hash is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub actor: Actor,
}

/// Tokens seen recently, by hash, so that authenticating does not cost a database round trip.
#[derive(Default)]
pub(crate) struct TokenCache {
    entries: RwLock<HashMap<String, CachedSession>>,
}

#[derive(Clone)]
struct CachedSession {
    actor: Actor,
    expires_at_ms: i64,
    cached_at: Instant,
}

/// Bound on cached tokens; the cache is emptied when it would grow past it.
const TOKEN_CACHE_ENTRIES_MAX: usize = 100_000;

impl TokenCache {
    fn get(&self, hash: &str, ttl: Duration) -> Option<CachedSession> {
        let entries = self.entries.read().ok()?;
        let cached = entries.get(hash)?;
        (cached.cached_at.elapsed() < ttl).then(|| cached.clone())
    }

    fn put(&self, hash: String, session: CachedSession) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= TOKEN_CACHE_ENTRIES_MAX {
                entries.clear();
            }
            entries.insert(hash, session);
        }
    }

    fn remove(&self, hash: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(hash);
        }
    }
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    rand::thread_rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id and a random salt (CPU-heavy: call from a blocking thread).
fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::internal(&error))
}

fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A valid hash of a random password, checked against when the username does not exist so that
/// the answer takes as long as for a real user.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_hex(16)).unwrap_or_default())
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|error| AppError::internal(&error))
}

fn parse_role(text: &str) -> AppResult<Role> {
    Role::parse(text).map_err(|_| AppError::internal(&format!("stored role {text:?} is unknown")))
}

impl App {
    /// Exchanges a username and password for a token. Wrong credentials and unknown users get the
    /// same answer; more than `LOGIN_FAILURES_MAX` failures a minute for one username are refused
    /// before the password is even checked.
    pub async fn login(&self, username: &str, password: &str, request_id: &str) -> AppResult<LoginOutcome> {
        let invalid = || AppError::new(Code::InvalidCredentials, "wrong username or password");
        let username = Username::parse(username).map_err(|_| invalid())?;
        let now_ms = self.session_clock.now_ms();
        let mut conn = self.db.read().await?;
        let window_start_ms = now_ms - LOGIN_FAILURE_WINDOW_SECONDS * 1000;
        let failures = users::count_login_failures(&mut conn, username.as_str(), window_start_ms).await?;
        if failures >= LOGIN_FAILURES_MAX {
            return Err(AppError::new(Code::TooManyLoginAttempts, "too many failed logins; wait a minute"));
        }
        let user = users::find_user_by_username(&mut conn, username.as_str()).await?;
        drop(conn);
        let stored =
            user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| decoy_hash().to_owned());
        let password = password.to_owned();
        let matches = blocking(move || verify_password(&password, &stored)).await?;
        let mut tx = self.db.begin().await?;
        let Some(user) = user.filter(|_| matches) else {
            users::record_login_failure(&mut tx, username.as_str(), now_ms).await?;
            tx.commit().await?;
            return Err(invalid());
        };
        let token = random_hex(32);
        let expires_at_ms = now_ms + self.config.session_ttl_seconds * 1000;
        users::insert_session(&mut tx, &token_hash(&token), &user, now_ms, expires_at_ms).await?;
        users::clear_login_failures(&mut tx, username.as_str()).await?;
        let actor = Actor {
            user_id: user.id,
            username: user.username.clone(),
            role: parse_role(&user.role)?,
            merchant_id: user.merchant_id,
        };
        let ctx = Ctx { actor: actor.clone(), request_id: request_id.to_owned() };
        self.audit(&mut tx, &ctx, "auth.login", &format!("user:{}", user.username), "").await?;
        tx.commit().await?;
        let expires_at = DateTime::from_timestamp_millis(expires_at_ms).unwrap_or_default();
        Ok(LoginOutcome { token, expires_at, actor })
    }

    /// Who holds this token. Answers from the cache when it can; a token is valid until it expires
    /// or is revoked.
    pub async fn authenticate(&self, token: &str) -> AppResult<Actor> {
        let unauthorized = || AppError::new(Code::Unauthorized, "missing, expired or revoked token");
        let hash = token_hash(token);
        let now_ms = self.session_clock.now_ms();
        let ttl = Duration::from_millis(self.config.token_cache_ttl_ms);
        if let Some(cached) = self.tokens.get(&hash, ttl) {
            return if cached.expires_at_ms > now_ms { Ok(cached.actor) } else { Err(unauthorized()) };
        }
        let mut conn = self.db.read().await?;
        let session = users::find_session(&mut conn, &hash).await?.ok_or_else(unauthorized)?;
        if session.revoked_at_ms.is_some() || session.expires_at_ms <= now_ms {
            return Err(unauthorized());
        }
        let actor = Actor {
            user_id: session.user_id,
            username: session.username,
            role: parse_role(&session.role)?,
            merchant_id: session.merchant_id,
        };
        let cached = CachedSession {
            actor: actor.clone(),
            expires_at_ms: session.expires_at_ms,
            cached_at: Instant::now(),
        };
        self.tokens.put(hash, cached);
        Ok(actor)
    }

    /// Revokes the caller's token at once, on this server and (within the cache time) on others.
    pub async fn logout(&self, ctx: &Ctx, token: &str) -> AppResult<()> {
        let hash = token_hash(token);
        self.tokens.remove(&hash);
        let mut tx = self.db.begin().await?;
        if users::revoke_session(&mut tx, &hash, self.session_clock.now_ms()).await? {
            self.audit(&mut tx, ctx, "auth.logout", &format!("user:{}", ctx.actor.username), "").await?;
        }
        tx.commit().await?;
        // A request that read the session before the commit may have cached it again meanwhile.
        self.tokens.remove(&hash);
        Ok(())
    }

    /// Creates a user (admin only). A merchant user needs a merchant name; the merchant is created
    /// when it does not exist yet.
    pub async fn create_user(
        &self,
        ctx: &Ctx,
        username: &str,
        role: &str,
        merchant_name: Option<&str>,
        password: &str,
    ) -> AppResult<i64> {
        ctx.actor.require(&[Role::Admin])?;
        let username = Username::parse(username)?;
        let role = Role::parse(role)?;
        let password = NewPassword::parse(password)?;
        let merchant_name = merchant_name.map(str::trim).filter(|name| !name.is_empty());
        let merchant_name = match (role, merchant_name) {
            (Role::Merchant, None) => {
                return Err(AppError::new(Code::MerchantRequired, "a merchant user needs --merchant NAME"));
            }
            (Role::Merchant, Some(name)) if name.chars().count() > MERCHANT_NAME_LENGTH_MAX => {
                return Err(AppError::new(Code::InvalidField, "merchant name is longer than 100 characters"));
            }
            (Role::Merchant, Some(name)) => Some(name),
            (_, Some(_)) => {
                return Err(AppError::new(Code::InvalidField, "only merchant users belong to a merchant"));
            }
            (_, None) => None,
        };
        let hash = blocking(move || hash_password(password.expose())).await??;
        let now_ms = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        let merchant_id = match merchant_name {
            None => None,
            Some(name) => Some(match users::find_merchant_by_name(&mut tx, name).await? {
                Some(merchant) => merchant.id,
                None => {
                    let id = users::insert_merchant(&mut tx, name, now_ms).await?;
                    self.audit(&mut tx, ctx, "merchant.create", &format!("merchant:{id}"), name).await?;
                    id
                }
            }),
        };
        let new_user = NewUser {
            username: username.as_str(),
            password_hash: &hash,
            role: role.as_str(),
            merchant_id,
            now_ms,
        };
        let Some(id) = users::conflict_as_none(users::insert_user(&mut tx, &new_user).await)? else {
            return Err(AppError::new(
                Code::UsernameTaken,
                format!("username {} is taken", username.as_str()),
            ));
        };
        let detail = format!("role={}", role.as_str());
        self.audit_for(
            &mut tx,
            ctx,
            "user.create",
            &format!("user:{}", username.as_str()),
            &detail,
            merchant_id,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes sessions and failed-login records that ended more than a day ago.
    pub(crate) async fn purge_sessions(&self, tx: &mut store::WriteTx) -> AppResult<u64> {
        let before_ms = self.session_clock.now_ms() - 24 * 3600 * 1000;
        Ok(users::purge_sessions(tx, before_ms).await?)
    }

    /// Appends an audit row inside the caller's transaction.
    pub async fn audit(
        &self,
        tx: &mut store::Conn,
        ctx: &Ctx,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> AppResult<()> {
        self.audit_for(tx, ctx, action, subject, detail, ctx.actor.merchant_id).await
    }

    /// Appends an audit row that belongs to a given merchant.
    pub async fn audit_for(
        &self,
        tx: &mut store::Conn,
        ctx: &Ctx,
        action: &str,
        subject: &str,
        detail: &str,
        merchant_id: Option<i64>,
    ) -> AppResult<()> {
        let entry = NewAudit {
            at_ms: self.clock.now_ms(),
            actor: &ctx.actor.label(),
            action,
            subject,
            request_id: &ctx.request_id,
            detail,
            merchant_id,
        };
        store::audit::append(tx, &entry).await?;
        Ok(())
    }
}
