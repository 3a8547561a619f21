//! Authentication and roles: users, argon2id passwords, login tokens stored only as hashes,
//! the failed-login limit, and who the caller is (`Actor`, with the one check of team rights,
//! `Actor::require_team`).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::auth::{NewPassword, Role, Username};
use domain::limits::MERCHANT_NAME_LENGTH_MAX;
use domain::team::{TeamRight, TeamRole};
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::audit::NewAudit;
use store::users::{self, NewUser, UserRow};

use crate::{App, AppError, AppResult, Code};

/// Who is asking: a logged-in user, or the system itself (CLI, jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub merchant_id: Option<i64>,
    /// A merchant user's place in its merchant's team; `None` for every other role.
    pub team_role: Option<TeamRole>,
}

impl Actor {
    /// The operator at the command line, or the job worker: acts with admin rights.
    pub fn system(name: &str) -> Actor {
        Actor {
            user_id: 0,
            username: format!("system:{name}"),
            role: Role::Admin,
            merchant_id: None,
            team_role: None,
        }
    }

    /// The actor a stored user acts as.
    pub fn of_user(user: &UserRow) -> AppResult<Actor> {
        actor_from(user.id, &user.username, &user.role, user.merchant_id, user.team_role.as_deref())
    }

    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) { Ok(()) } else { Err(AppError::forbidden()) }
    }

    /// Whether the actor is a member of a merchant's team whose role holds `right`
    /// (`TeamRole::holds` is the table).
    pub fn may(&self, right: TeamRight) -> bool {
        self.role == Role::Merchant
            && self.merchant_id.is_some()
            && self.team_role.is_some_and(|team_role| team_role.holds(right))
    }

    /// The one check of team rights: the actor is a member of a merchant's team holding at least
    /// one of `rights`. Answers the merchant's id. Platform roles are refused: they are no team's
    /// members.
    pub fn require_team(&self, rights: &[TeamRight]) -> AppResult<i64> {
        match self.merchant_id {
            Some(merchant_id) if rights.iter().any(|right| self.may(*right)) => Ok(merchant_id),
            _ if self.role != Role::Merchant => Err(AppError::forbidden()),
            _ => {
                let needs: Vec<&str> = rights.iter().map(|right| right.as_str()).collect();
                let team_role = self.team_role.map_or("none", TeamRole::as_str);
                Err(AppError::refused(format!(
                    "your team role ({team_role}) may not do this; it needs {}",
                    needs.join(" or ")
                )))
            }
        }
    }

    /// For a merchant user, `require_team`; platform roles pass here (what they may see is decided
    /// by their role where they are let in).
    pub fn require_team_when_member(&self, rights: &[TeamRight]) -> AppResult<()> {
        if self.role == Role::Merchant { self.require_team(rights).map(|_| ()) } else { Ok(()) }
    }

    /// How the audit log names this actor.
    pub fn label(&self) -> String {
        if self.user_id == 0 { self.username.clone() } else { format!("user:{}", self.username) }
    }
}

/// An actor from a user's stored fields. A merchant user always has a team role.
fn actor_from(
    user_id: i64,
    username: &str,
    role: &str,
    merchant_id: Option<i64>,
    team_role: Option<&str>,
) -> AppResult<Actor> {
    let role = parse_role(role)?;
    let team_role = match (role, team_role) {
        (Role::Merchant, Some(text)) => Some(
            TeamRole::parse(text)
                .ok_or_else(|| AppError::internal(&format!("user {user_id} has team role {text:?}")))?,
        ),
        (Role::Merchant, None) => {
            return Err(AppError::internal(&format!("merchant user {user_id} has no team role")));
        }
        (_, _) => None,
    };
    Ok(Actor { user_id, username: username.to_owned(), role, merchant_id, team_role })
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

    /// Drops every cached session of a user, so that its next request reads its role again.
    pub(crate) fn forget_user(&self, user_id: i64) {
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, session| session.actor.user_id != user_id);
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

fn parse_role(text: &str) -> AppResult<Role> {
    Role::parse(text).map_err(|_| AppError::internal(&format!("stored role {text:?} is unknown")))
}

impl App {
    /// Exchanges a username and password for a token, for a caller whose address is not known (the
    /// command line, tests): `login_from` with the unspecified address.
    pub async fn login(&self, username: &str, password: &str, request_id: &str) -> AppResult<LoginOutcome> {
        self.login_from(username, password, IpAddr::V4(Ipv4Addr::UNSPECIFIED), request_id).await
    }

    /// Exchanges a username and password for a token. Wrong credentials and unknown users get the
    /// same answer. Every attempt takes one cell of two quotas before the password is checked (per
    /// username and client address, and per address), so a burst cannot slip past and failures
    /// from one address never lock a user out of another. Hashing waits for a bounded slot.
    pub async fn login_from(
        &self,
        username: &str,
        password: &str,
        address: IpAddr,
        request_id: &str,
    ) -> AppResult<LoginOutcome> {
        let invalid = || AppError::new(Code::InvalidCredentials, "wrong username or password");
        let Ok(username) = Username::parse(username) else {
            tracing::info!(target: "security", event = "login_failed", %address, "login with a malformed username");
            return Err(invalid());
        };
        self.guards.login_attempt(username.as_str(), address)?;
        let now_ms = self.session_clock.now_ms();
        let mut conn = self.db.read().await?;
        // A member removed from its team cannot log in; it hears what a wrong password hears.
        let user = users::find_user_by_username(&mut conn, username.as_str())
            .await?
            .filter(|user| user.disabled_at_ms.is_none());
        drop(conn);
        let stored = match &user {
            Some(user) => user.password_hash.clone(),
            None => self.decoy_hash().await?,
        };
        let matches = self.guards.hashing().verify(password.to_owned(), stored).await?;
        let Some(user) = user.filter(|_| matches) else {
            tracing::info!(
                target: "security",
                event = "login_failed",
                username = username.as_str(),
                %address,
                request_id,
                "login failed"
            );
            return Err(invalid());
        };
        let mut tx = self.db.begin().await?;
        let token = random_hex(32);
        let expires_at_ms = now_ms + self.config.session_ttl_seconds * 1000;
        users::insert_session(&mut tx, &token_hash(&token), &user, now_ms, expires_at_ms).await?;
        let actor = Actor::of_user(&user)?;
        let ctx = Ctx { actor: actor.clone(), request_id: request_id.to_owned() };
        self.audit(&mut tx, &ctx, "auth.login", &format!("user:{}", user.username), "").await?;
        tx.commit().await?;
        let expires_at = DateTime::from_timestamp_millis(expires_at_ms).unwrap_or_default();
        Ok(LoginOutcome { token, expires_at, actor })
    }

    /// A valid hash of a random password, checked against when the username does not exist so that
    /// the answer takes as long as for a real user. Made once.
    async fn decoy_hash(&self) -> AppResult<String> {
        static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        let hash = DECOY.get_or_try_init(|| self.guards.hashing().hash(random_hex(16))).await?;
        Ok(hash.clone())
    }

    /// Hashes a new password in a bounded hashing slot.
    pub(crate) async fn hash_password(&self, password: NewPassword) -> AppResult<String> {
        self.guards.hashing().hash(password.expose().to_owned()).await
    }

    /// Who holds this token. Answers from the cache when it can; a token is valid until it expires
    /// or is revoked.
    pub async fn authenticate(&self, token: &str) -> AppResult<Actor> {
        let unauthorized = || AppError::new(Code::Unauthorized, "missing, expired or revoked token");
        let hash = token_hash(token);
        let now_ms = self.session_clock.now_ms();
        let ttl = Duration::from_millis(self.config.token_cache_ttl_ms);
        if let Some(cached) = self.tokens.get(&hash, ttl) {
            if cached.expires_at_ms <= now_ms {
                return Err(unauthorized());
            }
            crate::security::note_access_user(cached.actor.user_id);
            return Ok(cached.actor);
        }
        let mut conn = self.db.read().await?;
        let session = users::find_session(&mut conn, &hash).await?.ok_or_else(unauthorized)?;
        let ended = session.revoked_at_ms.is_some() || session.expires_at_ms <= now_ms;
        if ended || session.disabled_at_ms.is_some() {
            return Err(unauthorized());
        }
        let actor = actor_from(
            session.user_id,
            &session.username,
            &session.role,
            session.merchant_id,
            session.team_role.as_deref(),
        )?;
        let cached = CachedSession {
            actor: actor.clone(),
            expires_at_ms: session.expires_at_ms,
            cached_at: Instant::now(),
        };
        self.tokens.put(hash, cached);
        crate::security::note_access_user(actor.user_id);
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
    /// when it does not exist yet. A merchant user made here is its merchant's owner (it holds
    /// every team right); owners add the other members (`App::add_team_member`).
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
        let hash = self.hash_password(password).await?;
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
            team_role: merchant_id.map(|_| TeamRole::Owner.as_str()),
            now_ms,
        };
        let Some(id) = users::conflict_as_none(users::insert_user(&mut tx, &new_user).await)? else {
            return Err(AppError::new(
                Code::UsernameTaken,
                format!("username {} is taken", username.as_str()),
            ));
        };
        let detail = match merchant_id {
            Some(_) => format!("role={} team_role={}", role.as_str(), TeamRole::Owner.as_str()),
            None => format!("role={}", role.as_str()),
        };
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

    /// Forgets this server's cached sessions of a user, so that its next request reads its role
    /// (or its removal) from the database.
    pub(crate) fn forget_sessions(&self, user_id: i64) {
        self.tokens.forget_user(user_id);
    }

    /// Deletes sessions (and failed-login records of earlier versions) that ended more than a day ago.
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
