//! The guards at the trust boundary: password hashing bounded in concurrency and memory, and the
//! rate limits (failed logins per username and address, per address, webhook pings and
//! verification edits per merchant), all on the session clock so that tests can move them.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::ops::Add;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use governor::clock::{Clock as GovernorClock, Reference};
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use tokio::sync::Semaphore;

use crate::{AppError, AppResult, Clock, Code};

/// Who is calling, as the HTTP layer found out: the client's address (the socket's peer, or the
/// `X-Forwarded-For` of a trusted proxy) and whether the request reached the proxy over https.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInfo {
    pub address: IpAddr,
    pub https: bool,
}

tokio::task_local! {
    /// The user a request authenticated as, for its access-log line (0: nobody).
    static ACCESS_USER: std::cell::Cell<i64>;
}

/// Runs one request with a slot for the user it authenticates as; answers the request's output and
/// that user's id (0 when none).
pub async fn with_access_user<F: std::future::Future>(request: F) -> (F::Output, i64) {
    ACCESS_USER
        .scope(std::cell::Cell::new(0), async move {
            let output = request.await;
            (output, ACCESS_USER.try_with(std::cell::Cell::get).unwrap_or(0))
        })
        .await
}

/// Notes the authenticated user for the access log of the request being served (if any).
pub(crate) fn note_access_user(user_id: i64) {
    let _ = ACCESS_USER.try_with(|slot| slot.set(user_id));
}

/// Limits of the guards; every one is a setting of `serve` with this default.
#[derive(Debug, Clone)]
pub struct GuardConfig {
    /// Password hashes computed at once (each takes argon2id's 19 MiB); default: the cores.
    pub password_hashes_max: usize,
    /// Logins waiting for a hash slot; past it a login is refused with `server_busy`.
    pub password_hash_queue_max: usize,
    /// Login attempts a minute for one username from one client address.
    pub login_attempts_per_minute: u32,
    /// Login attempts a minute from one client address, across usernames.
    pub login_attempts_per_address_per_minute: u32,
    /// Webhook pings a minute for one merchant.
    pub webhook_pings_per_minute: u32,
    /// Verification applications created or edited a minute for one merchant.
    pub verification_edits_per_minute: u32,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            password_hashes_max: std::thread::available_parallelism().map_or(2, |n| n.get()),
            password_hash_queue_max: 32,
            login_attempts_per_minute: 10,
            login_attempts_per_address_per_minute: 100,
            webhook_pings_per_minute: 10,
            verification_edits_per_minute: 30,
        }
    }
}

/// An instant of the session clock, in nanoseconds, for governor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SessionInstant(u64);

impl Add<Nanos> for SessionInstant {
    type Output = Self;
    fn add(self, other: Nanos) -> Self {
        SessionInstant(self.0.saturating_add(other.as_u64()))
    }
}

impl Reference for SessionInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        self.0.saturating_sub(earlier.0).into()
    }
    fn saturating_sub(&self, duration: Nanos) -> Self {
        SessionInstant(self.0.saturating_sub(duration.as_u64()))
    }
}

/// The app's session clock (real time, or the tests' manual one) as a governor clock.
#[derive(Clone)]
pub struct SessionClock(Arc<dyn Clock>);

impl GovernorClock for SessionClock {
    type Instant = SessionInstant;
    fn now(&self) -> SessionInstant {
        SessionInstant(u64::try_from(self.0.now_ms()).unwrap_or(0).saturating_mul(1_000_000))
    }
}

type Limiter<K> =
    RateLimiter<K, DashMapStateStore<K>, SessionClock, governor::middleware::NoOpMiddleware<SessionInstant>>;

/// Keys kept by one limiter before the ones that are full again are dropped.
const LIMITER_KEYS_MAX: usize = 100_000;

fn limiter<K: Hash + Eq + Clone>(per_minute: u32, clock: &SessionClock) -> Limiter<K> {
    let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::new(Quota::per_minute(per_minute), DashMapStateStore::default(), clock.clone())
}

/// Takes one cell of `key`'s quota: counting and comparing are one step, so a burst cannot slip
/// past. Answers whether the key was still within its quota.
fn take<K: Hash + Eq + Clone>(limiter: &Limiter<K>, key: &K) -> bool {
    if limiter.len() > LIMITER_KEYS_MAX {
        limiter.retain_recent();
    }
    limiter.check_key(key).is_ok()
}

/// Every guard of one server (the limits are per server: several servers each apply them).
pub(crate) struct Guards {
    hashing: PasswordHashing,
    login_by_user_address: Limiter<(String, IpAddr)>,
    login_by_address: Limiter<IpAddr>,
    webhook_pings: Limiter<i64>,
    verification_edits: Limiter<i64>,
}

impl Guards {
    pub(crate) fn new(config: &GuardConfig, session_clock: Arc<dyn Clock>) -> Guards {
        let clock = SessionClock(session_clock);
        Guards {
            hashing: PasswordHashing::new(config.password_hashes_max, config.password_hash_queue_max),
            login_by_user_address: limiter(config.login_attempts_per_minute, &clock),
            login_by_address: limiter(config.login_attempts_per_address_per_minute, &clock),
            webhook_pings: limiter(config.webhook_pings_per_minute, &clock),
            verification_edits: limiter(config.verification_edits_per_minute, &clock),
        }
    }

    /// One login attempt for `username` from `address`; refused past either quota.
    pub(crate) fn login_attempt(&self, username: &str, address: IpAddr) -> AppResult<()> {
        let within = take(&self.login_by_user_address, &(username.to_owned(), address))
            && take(&self.login_by_address, &address);
        if within {
            return Ok(());
        }
        tracing::info!(target: "security", event = "login_throttled", username, %address, "login throttled");
        Err(AppError::new(Code::TooManyLoginAttempts, "too many login attempts; wait a minute"))
    }

    pub(crate) fn webhook_ping(&self, merchant_id: i64) -> AppResult<()> {
        if take(&self.webhook_pings, &merchant_id) {
            return Ok(());
        }
        tracing::info!(target: "security", event = "ping_throttled", merchant_id, "webhook pings throttled");
        Err(AppError::new(Code::TooManyRequests, "too many webhook pings; wait a minute"))
    }

    pub(crate) fn verification_edit(&self, merchant_id: i64) -> AppResult<()> {
        if take(&self.verification_edits, &merchant_id) {
            return Ok(());
        }
        tracing::info!(
            target: "security",
            event = "verification_edits_throttled",
            merchant_id,
            "verification edits throttled"
        );
        Err(AppError::new(Code::TooManyRequests, "too many verification edits; wait a minute"))
    }

    pub(crate) fn hashing(&self) -> &PasswordHashing {
        &self.hashing
    }
}

/// Password hashing with at most `slots` argon2id computations at once, each in a memory buffer
/// allocated once and reused, and at most `queue_max` more waiting.
pub(crate) struct PasswordHashing {
    slots: Semaphore,
    slots_max: usize,
    queue_max: usize,
    /// Computations running or waiting.
    busy: AtomicUsize,
    buffers: Mutex<Vec<Vec<Block>>>,
}

/// Decrements the busy count when a computation ends or its caller goes away.
struct BusyGuard<'a>(&'a AtomicUsize);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordHashing {
    fn new(slots: usize, queue_max: usize) -> PasswordHashing {
        let slots = slots.max(1);
        PasswordHashing {
            slots: Semaphore::new(slots),
            slots_max: slots,
            queue_max,
            busy: AtomicUsize::new(0),
            buffers: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` with a hashing buffer on a blocking thread once a slot is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> AppResult<T> {
        let busy = self.busy.fetch_add(1, Ordering::AcqRel);
        let _busy = BusyGuard(&self.busy);
        if busy >= self.slots_max + self.queue_max {
            tracing::info!(target: "security", event = "hashing_busy", busy, "password hashing queue full");
            return Err(AppError::new(Code::ServerBusy, "too many logins at once; try again in a moment"));
        }
        let _slot = self.slots.acquire().await.map_err(|error| AppError::internal(&error))?;
        let mut buffer = self.buffers.lock().ok().and_then(|mut buffers| buffers.pop()).unwrap_or_default();
        let (result, buffer) = tokio::task::spawn_blocking(move || {
            let blocks = Params::DEFAULT_M_COST as usize;
            if buffer.len() != blocks {
                buffer = vec![Block::default(); blocks];
            }
            let result = work(&mut buffer);
            (result, buffer)
        })
        .await
        .map_err(|error| AppError::internal(&error))?;
        if let Ok(mut buffers) = self.buffers.lock() {
            buffers.push(buffer);
        }
        Ok(result)
    }

    /// A new argon2id hash (PHC string) of `password` with a random salt.
    pub(crate) async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move |blocks| hash_with(&password, blocks)).await?
    }

    /// Whether `password` matches a stored PHC hash.
    pub(crate) async fn verify(&self, password: String, stored: String) -> AppResult<bool> {
        self.run(move |blocks| verify_with(&password, &stored, blocks)).await
    }
}

/// The hashing settings of new passwords: argon2id, version 0x13, 19 MiB, 2 passes, 1 lane.
fn default_argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

fn hash_with(password: &str, blocks: &mut [Block]) -> AppResult<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_bytes = [0_u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|error| AppError::internal(&error))?;
    let mut output = [0_u8; 32];
    default_argon2()
        .hash_password_into_with_memory(password.as_bytes(), salt_raw, &mut output, &mut *blocks)
        .map_err(|error| AppError::internal(&error))?;
    let params = Params::default();
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(|error| AppError::internal(&error))?,
        salt: Some(salt.as_salt()),
        hash: Some(output.as_slice().try_into().map_err(|error| AppError::internal(&error))?),
    };
    Ok(phc.to_string())
}

fn verify_with(password: &str, stored: &str, blocks: &mut [Block]) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) =
        (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let version = parsed.version.and_then(|v| Version::try_from(v).ok()).unwrap_or(Version::V0x13);
    let mut salt_bytes = [0_u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let expected = expected.as_bytes();
    if expected.len() > 64 || params.block_count() > blocks.len() {
        // Stronger settings than this server's buffer: hash the usual way.
        return argon2::PasswordVerifier::verify_password(
            &Argon2::new(algorithm, version, params),
            password.as_bytes(),
            &parsed,
        )
        .is_ok();
    }
    let mut output = vec![0_u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let count = params.block_count();
    if argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut output, &mut blocks[..count])
        .is_err()
    {
        return false;
    }
    constant_time_eq(&output, expected)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHasher;

    #[tokio::test]
    async fn hashes_verify_both_ways_with_the_standard_implementation() {
        let hashing = PasswordHashing::new(2, 4);
        let ours = hashing.hash("correct horse".to_owned()).await.unwrap();
        assert!(hashing.verify("correct horse".to_owned(), ours.clone()).await.unwrap());
        assert!(!hashing.verify("wrong horse".to_owned(), ours.clone()).await.unwrap());
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2::PasswordVerifier::verify_password(&Argon2::default(), b"correct horse", &parsed).is_ok()
        );
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let standard = Argon2::default().hash_password(b"battery staple", &salt).unwrap().to_string();
        assert!(hashing.verify("battery staple".to_owned(), standard.clone()).await.unwrap());
        assert!(!hashing.verify("battery".to_owned(), standard).await.unwrap());
        assert!(!hashing.verify("x".to_owned(), "not a hash".to_owned()).await.unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        let hashing = Arc::new(PasswordHashing::new(1, 1));
        let stored = hashing.hash("pw".to_owned()).await.unwrap();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let hashing = hashing.clone();
                let stored = stored.clone();
                tokio::spawn(async move { hashing.verify("pw".to_owned(), stored).await })
            })
            .collect();
        let mut busy = 0;
        let mut checked = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(true) => checked += 1,
                Err(error) if error.code == Code::ServerBusy => busy += 1,
                other => panic!("{other:?}"),
            }
        }
        assert!(checked >= 2 && busy >= 1 && checked + busy == 6, "checked {checked}, busy {busy}");
        assert_eq!(hashing.busy.load(Ordering::Acquire), 0);
    }
}
