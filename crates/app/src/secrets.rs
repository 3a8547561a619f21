//! The secret key that protects personal data at rest: sealing (ChaCha20-Poly1305 with a random
//! nonce) and the keyed hash ("blind index") that finds equal values without storing them in clear.
//!
//! The key comes from `AppConfig::secret_key_hex` (the `XIAODIAN_SECRET_KEY` environment variable)
//! or else from `secret.key` in the data directory, created with mode 0600 on first use. Losing
//! the key loses the sealed data; every server sharing a database needs the same key.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::{App, AppError, AppResult};

/// Bytes of the key.
pub const SECRET_KEY_BYTES: usize = 32;
/// The key file's name inside the data directory.
pub const SECRET_KEY_FILE: &str = "secret.key";
/// Prefix of sealed text, naming the scheme so it can change later.
const SEALED_PREFIX: &str = "v1:";
const NONCE_BYTES: usize = 12;

/// A 32-byte key. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey([u8; SECRET_KEY_BYTES]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// Parses 64 hex characters (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Option<SecretKey> {
        let bytes = hex::decode(text.trim()).ok()?;
        let key: [u8; SECRET_KEY_BYTES] = bytes.try_into().ok()?;
        Some(SecretKey(key))
    }

    fn generate() -> SecretKey {
        let mut key = [0_u8; SECRET_KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut key);
        SecretKey(key)
    }

    /// Reads `secret.key` from the data directory, creating it (mode 0600) when it does not exist.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<SecretKey> {
        let path = data_dir.join(SECRET_KEY_FILE);
        let invalid = || {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} does not hold 64 hex characters", path.display()),
            )
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => return SecretKey::from_hex(&text).ok_or_else(invalid),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        std::fs::create_dir_all(data_dir)?;
        // Written whole to a file of its own, then linked into place: a reader never sees a
        // half-written key, and of two creators (threads or processes) the first link wins and
        // the other reads the winner's key.
        let key = SecretKey::generate();
        let staging =
            data_dir.join(format!("{SECRET_KEY_FILE}.{}.tmp", hex::encode(SecretKey::generate().0)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&staging)?;
        file.write_all(format!("{}\n", hex::encode(key.0)).as_bytes())?;
        file.sync_all()?;
        drop(file);
        let linked = std::fs::hard_link(&staging, &path);
        std::fs::remove_file(&staging)?;
        match linked {
            Ok(()) => Ok(key),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                SecretKey::from_hex(&std::fs::read_to_string(&path)?).ok_or_else(invalid)
            }
            Err(error) => Err(error),
        }
    }

    /// A key derived for one purpose, so the sealing key never doubles as the hashing key.
    fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Encrypts `plain`, bound to `context` (a field name), as printable text.
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let key = self.derive("seal");
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
        let mut nonce = [0_u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: context.as_bytes() })
            .expect("ChaCha20-Poly1305 encrypts any message below 256 GiB");
        format!("{SEALED_PREFIX}{}{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// Decrypts what `seal` produced with the same key and context.
    pub fn open(&self, context: &str, sealed: &str) -> Option<String> {
        let body = hex::decode(sealed.strip_prefix(SEALED_PREFIX)?).ok()?;
        if body.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, message) = body.split_at(NONCE_BYTES);
        let key = self.derive("seal");
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: message, aad: context.as_bytes() })
            .ok()?;
        String::from_utf8(plain).ok()
    }

    /// The keyed hash of a value: equal values give equal hashes, and without the key the hash
    /// tells nothing (an ID number's small space cannot be searched).
    pub fn blind_index(&self, context: &str, value: &str) -> String {
        let key = self.derive("blind-index");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl App {
    /// The secret key: from the configuration, else the key file (created on first use).
    pub fn secret_key(&self) -> AppResult<&SecretKey> {
        if let Some(key) = self.secret.get() {
            return Ok(key);
        }
        let key = match &self.config().secret_key_hex {
            Some(text) => SecretKey::from_hex(text)
                .ok_or_else(|| AppError::internal(&"XIAODIAN_SECRET_KEY is not 64 hex characters"))?,
            None => SecretKey::load_or_create(&self.config().data_dir)
                .map_err(|error| AppError::internal(&error))?,
        };
        Ok(self.secret.get_or_init(|| key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let key = SecretKey::from_hex(&"ab".repeat(32)).unwrap();
        let sealed = key.seal("legal_rep_id", "11010519491231002X");
        assert!(!sealed.contains("11010519491231002X"));
        assert_ne!(sealed, key.seal("legal_rep_id", "11010519491231002X"), "random nonce");
        assert_eq!(key.open("legal_rep_id", &sealed).as_deref(), Some("11010519491231002X"));
        assert_eq!(key.open("other", &sealed), None, "bound to its context");
        let other = SecretKey::from_hex(&"cd".repeat(32)).unwrap();
        assert_eq!(other.open("legal_rep_id", &sealed), None);
        assert_eq!(key.open("legal_rep_id", "v1:00"), None);
        assert_eq!(key.blind_index("id", "x"), key.blind_index("id", "x"));
        assert_ne!(key.blind_index("id", "x"), other.blind_index("id", "x"));
        assert!(SecretKey::from_hex("abcd").is_none());
        assert_eq!(format!("{key:?}"), "SecretKey(..)");
    }

    #[test]
    fn key_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretKey::load_or_create(dir.path()).unwrap();
        let second = SecretKey::load_or_create(dir.path()).unwrap();
        assert_eq!(first.0, second.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
