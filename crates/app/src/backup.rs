//! Backups of the embedded SQLite database: a consistent copy taken while the server keeps writing
//! (`VACUUM INTO`), the manifest of the data directory's files by hash and of the secret key's
//! presence, scheduled backups on the app clock with rotation, and their last outcome for
//! `/metrics` and the admin console.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::App;
use crate::jobs::JobKind;
use crate::secrets::SECRET_KEY_FILE;

/// The folders of the data directory whose files a backup lists (and copies with `--with-files`).
pub const DATA_FILE_DIRS: [&str; 3] = ["documents", "videos", "covers"];
/// What is appended to a backup's file name for its manifest.
pub const MANIFEST_SUFFIX: &str = ".manifest.json";
/// What is appended to a backup's file name for the copy of the secret key (`--include-key`).
pub const KEY_SUFFIX: &str = ".secret.key";
/// The manifest's format, so that a later version can read an older one.
pub const MANIFEST_FORMAT: &str = "xiaodian-backup/1";
/// Names of scheduled backups: this prefix, the app-clock time `YYYYMMDDTHHMMSSZ`, this suffix.
const SCHEDULED_PREFIX: &str = "xiaodian-";
const SCHEDULED_SUFFIX: &str = ".db";
/// Scheduled backups kept at most, whatever `--backup-keep` says.
pub const BACKUP_KEEP_MAX: usize = 1_000;
/// Bytes read at a time while hashing and copying files.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// When and where `serve` takes backups by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSchedule {
    pub dir: PathBuf,
    /// Time between two backups on the app clock, in milliseconds.
    pub every_ms: i64,
    /// Backups kept in `dir`; older ones are removed after a new one succeeded.
    pub keep: usize,
}

/// What one backup is asked to do.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// The database copy; the manifest is written beside it (`FILE.manifest.json`).
    pub out: PathBuf,
    /// Copy the data directory's documents, videos and covers into this folder too.
    pub with_files: Option<PathBuf>,
    /// Copy the secret key beside the backup (`FILE.secret.key`, mode 0600).
    pub include_key: bool,
}

/// Where the secret key of this installation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// `secret.key` in the data directory.
    File,
    /// The `XIAODIAN_SECRET_KEY` environment variable.
    Environment,
    /// No key yet (none was ever needed).
    Absent,
}

impl KeySource {
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::File => "file",
            KeySource::Environment => "environment",
            KeySource::Absent => "absent",
        }
    }
}

/// One file of the data directory, named by the SHA-256 of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Relative to the data directory, for example `documents/3f5a...`.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub out: PathBuf,
    pub manifest: PathBuf,
    pub database_bytes: u64,
    pub database_sha256: String,
    pub schema_version: i64,
    pub files: Vec<DataFile>,
    /// Files copied now with `with_files` (those already there with the same content are skipped).
    pub files_copied: usize,
    pub key: KeySource,
    /// The copy of the key, with `include_key`.
    pub key_copy: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "online backups through xiaodian are for SQLite; back PostgreSQL up with pg_dump (docs/operations.md)"
    )]
    NotSqlite,
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("the database copy failed: {0}")]
    Store(#[from] store::StoreError),
    #[error("{path} does not hold what its name says: its SHA-256 is {actual}")]
    HashMismatch { path: String, actual: String },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// The last outcome of the scheduled backups, for `/metrics` and the console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupStatus {
    /// App-clock time of the newest backup in the backup folder (found at start-up, then each success).
    pub last_success_ms: Option<i64>,
    pub last_success_file: Option<String>,
    pub last_failure_ms: Option<i64>,
    pub last_error: Option<String>,
    /// Backups in the folder after the last rotation.
    pub kept: usize,
}

/// The scheduled backups' state of one server process.
#[derive(Debug, Default)]
pub struct BackupState {
    status: Mutex<BackupStatus>,
}

/// Appends `suffix` to the file name of `path`.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Hashes a file, optionally copying it to `copy_to` on the way; answers (hex SHA-256, bytes).
pub fn hash_file(path: &Path, mut copy_to: Option<&mut std::fs::File>) -> Result<(String, u64), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; COPY_CHUNK_BYTES];
    let mut bytes = 0_u64;
    loop {
        let read = file.read(&mut buffer).map_err(io(format!("cannot read {}", path.display())))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        if let Some(out) = copy_to.as_deref_mut() {
            out.write_all(&buffer[..read]).map_err(io("cannot write the copy"))?;
        }
        bytes += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), bytes))
}

/// Every content-addressed file of the data directory, sorted by path. Names that are not a
/// SHA-256 (leftovers, editor files) are not the app's and are left out.
pub fn list_data_files(data_dir: &Path) -> Result<Vec<DataFile>, BackupError> {
    let mut files = Vec::new();
    for folder in DATA_FILE_DIRS {
        let dir = data_dir.join(folder);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(io(format!("cannot list {}", dir.display()))(error)),
        };
        for entry in entries {
            let entry = entry.map_err(io(format!("cannot list {}", dir.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_hash = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
            let metadata = entry.metadata().map_err(io(format!("cannot read {}", entry.path().display())))?;
            if is_hash && metadata.is_file() {
                files.push(DataFile {
                    path: format!("{folder}/{name}"),
                    sha256: name,
                    bytes: metadata.len(),
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Copies the listed files from `from` into `to` (same layout), skipping those already there with
/// the same size, and checks each copied file's content against its name. Answers how many it copied.
pub fn copy_data_files(files: &[DataFile], from: &Path, to: &Path) -> Result<usize, BackupError> {
    let mut copied = 0;
    for file in files {
        let target = to.join(&file.path);
        if std::fs::metadata(&target).map(|m| m.len() == file.bytes).unwrap_or(false) {
            continue;
        }
        let parent = target.parent().unwrap_or(to);
        std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
        let partial = with_suffix(&target, ".partial");
        let mut out =
            std::fs::File::create(&partial).map_err(io(format!("cannot create {}", partial.display())))?;
        let (sha256, _) = hash_file(&from.join(&file.path), Some(&mut out))?;
        out.sync_all().map_err(io(format!("cannot write {}", partial.display())))?;
        if sha256 != file.sha256 {
            let _ = std::fs::remove_file(&partial);
            return Err(BackupError::HashMismatch { path: file.path.clone(), actual: sha256 });
        }
        std::fs::rename(&partial, &target).map_err(io(format!("cannot write {}", target.display())))?;
        copied += 1;
    }
    Ok(copied)
}

/// Writes `text` to `path` through a temporary file and a rename, so that a reader sees all or nothing.
fn write_atomically(path: &Path, text: &[u8], private: bool) -> Result<(), BackupError> {
    let partial = with_suffix(path, ".partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(&partial).map_err(io(format!("cannot create {}", partial.display())))?;
    file.write_all(text)
        .and_then(|()| file.sync_all())
        .map_err(io(format!("cannot write {}", path.display())))?;
    std::fs::rename(&partial, path).map_err(io(format!("cannot write {}", path.display())))
}

fn scheduled_name(at: DateTime<Utc>) -> String {
    format!("{SCHEDULED_PREFIX}{}{SCHEDULED_SUFFIX}", at.format("%Y%m%dT%H%M%SZ"))
}

/// The app-clock time a scheduled backup's name carries (`xiaodian-20261201T020000Z.db`, possibly
/// with `-N` before `.db` when two were taken in one second).
fn scheduled_time_ms(name: &str) -> Option<i64> {
    let stamp = name.strip_prefix(SCHEDULED_PREFIX)?.strip_suffix(SCHEDULED_SUFFIX)?;
    let stamp = stamp.get(..16)?;
    let at = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").ok()?;
    Some(at.and_utc().timestamp_millis())
}

/// The scheduled backups in a folder, oldest first.
pub fn scheduled_backups(dir: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let mut found: Vec<(i64, String, PathBuf)> = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io(format!("cannot list {}", dir.display()))(error)),
    };
    for entry in entries {
        let entry = entry.map_err(io(format!("cannot list {}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(at_ms) = scheduled_time_ms(&name) {
            found.push((at_ms, name, entry.path()));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, _, path)| path).collect())
}

/// Removes the oldest scheduled backups (with their manifests) beyond `keep`; answers how many are left.
fn rotate(dir: &Path, keep: usize) -> Result<usize, BackupError> {
    let backups = scheduled_backups(dir)?;
    let excess = backups.len().saturating_sub(keep);
    for old in &backups[..excess] {
        std::fs::remove_file(old).map_err(io(format!("cannot remove {}", old.display())))?;
        for suffix in [MANIFEST_SUFFIX, KEY_SUFFIX] {
            let _ = std::fs::remove_file(with_suffix(old, suffix));
        }
    }
    Ok(backups.len() - excess)
}

impl App {
    fn key_source(&self) -> KeySource {
        if self.config().secret_key_hex.is_some() {
            KeySource::Environment
        } else if self.config().data_dir.join(SECRET_KEY_FILE).is_file() {
            KeySource::File
        } else {
            KeySource::Absent
        }
    }

    /// Takes a consistent copy of the SQLite database while the server keeps writing, then the
    /// manifest (see `record_backup`). The copy holds exactly the transactions committed before it
    /// started. It is written under a temporary name first and the manifest last: a backup with a
    /// manifest is complete.
    pub async fn take_backup(&self, options: &BackupOptions) -> Result<BackupReport, BackupError> {
        if self.db().backend() != store::Backend::Sqlite {
            return Err(BackupError::NotSqlite);
        }
        let out = &options.out;
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
        }
        let partial = with_suffix(out, ".partial");
        match std::fs::remove_file(&partial) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(io(format!("cannot remove {}", partial.display()))(error));
            }
            _ => {}
        }
        self.db().vacuum_into(&partial).await?;
        std::fs::rename(&partial, out).map_err(io(format!("cannot write {}", out.display())))?;
        self.record_backup(options, "sqlite").await
    }

    /// Completes a backup whose database copy is at `options.out` (a SQLite copy, or a pg_dump file
    /// of `engine` `postgres`): hashes it, lists the data directory's files by hash (and copies them
    /// with `with_files`), copies the secret key with `include_key`, and writes the manifest
    /// `FILE.manifest.json` last.
    pub async fn record_backup(
        &self,
        options: &BackupOptions,
        engine: &'static str,
    ) -> Result<BackupReport, BackupError> {
        let created_at = self.clock().now();
        let data_dir = self.config().data_dir.clone();
        let key = self.key_source();
        let key_hex = self.config().secret_key_hex.clone();
        let options = options.clone();
        let schema_version = self.db().schema_version();
        let work = move || -> Result<BackupReport, BackupError> {
            let out = options.out.clone();
            let (database_sha256, database_bytes) = hash_file(&out, None)?;
            let files = list_data_files(&data_dir)?;
            let files_copied = match &options.with_files {
                Some(dir) => copy_data_files(&files, &data_dir, dir)?,
                None => 0,
            };
            let key_copy = match (options.include_key, key) {
                (false, _) | (true, KeySource::Absent) => None,
                (true, source) => {
                    let text = match (source, key_hex) {
                        (KeySource::Environment, Some(hex)) => hex,
                        _ => std::fs::read_to_string(data_dir.join(SECRET_KEY_FILE))
                            .map_err(io("cannot read the secret key"))?,
                    };
                    let path = with_suffix(&out, KEY_SUFFIX);
                    write_atomically(&path, text.trim().as_bytes(), true)?;
                    Some(path)
                }
            };
            let manifest = with_suffix(&out, MANIFEST_SUFFIX);
            let document = json!({
                "format": MANIFEST_FORMAT,
                "created_at": created_at.to_rfc3339(),
                "database": {
                    "engine": engine,
                    "file": out.file_name().map(|n| n.to_string_lossy().into_owned()),
                    "bytes": database_bytes,
                    "sha256": database_sha256,
                    "schema_version": schema_version,
                },
                "files": files.iter().map(|f| json!({"path": f.path, "sha256": f.sha256, "bytes": f.bytes})).collect::<Vec<_>>(),
                "files_copied_to": options.with_files.as_ref().map(|d| d.display().to_string()),
                "secret_key": {"source": key.as_str(), "included": key_copy.is_some()},
            });
            let text = serde_json::to_vec_pretty(&document).unwrap_or_default();
            write_atomically(&manifest, &text, false)?;
            Ok(BackupReport {
                out,
                manifest,
                database_bytes,
                database_sha256,
                schema_version,
                files,
                files_copied,
                key,
                key_copy,
            })
        };
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|error| io("the backup task stopped")(std::io::Error::other(error.to_string())))?
    }

    /// The scheduled backups' last outcome.
    pub fn backup_status(&self) -> Option<BackupStatus> {
        self.config().backup.as_ref()?;
        self.backups().status.lock().ok().map(|status| status.clone())
    }

    /// Makes sure one scheduled backup job is pending when backups are scheduled: due now when the
    /// newest backup in the folder is older than the interval (or there is none), else when it is.
    pub(crate) async fn ensure_backup_job(&self, tx: &mut store::WriteTx) -> crate::AppResult<()> {
        let Some(schedule) = self.config().backup.clone() else { return Ok(()) };
        let backups = scheduled_backups(&schedule.dir).map_err(|error| crate::AppError::internal(&error))?;
        let newest =
            backups.last().and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()));
        if let Ok(mut status) = self.backups().status.lock() {
            status.last_success_ms = newest.as_deref().and_then(scheduled_time_ms);
            status.last_success_file = newest.clone();
            status.kept = backups.len();
        }
        let pending = store::jobs::pending_for_subject(tx, "backup").await?;
        if pending.iter().any(|job| job.kind == JobKind::Backup.as_str()) {
            return Ok(());
        }
        let now_ms = self.clock().now_ms();
        let due_ms =
            newest.as_deref().and_then(scheduled_time_ms).map_or(now_ms, |at| at + schedule.every_ms);
        let due = DateTime::from_timestamp_millis(due_ms.max(now_ms)).unwrap_or_else(|| self.clock().now());
        self.enqueue_job(tx, JobKind::Backup, "backup", "", due, None).await?;
        Ok(())
    }

    /// The scheduled backup job's part inside its transaction: plan the next one.
    pub(crate) async fn plan_next_backup(&self, tx: &mut store::WriteTx) -> crate::AppResult<String> {
        let Some(schedule) = self.config().backup.clone() else {
            return Ok("skipped=not_scheduled".to_owned());
        };
        let next = self.clock().now() + chrono::Duration::milliseconds(schedule.every_ms);
        self.enqueue_job(tx, JobKind::Backup, "backup", "", next, None).await?;
        Ok(format!("next_at={}", next.to_rfc3339()))
    }

    /// Takes the scheduled backup now (after its job committed, so that no write waits for it),
    /// rotates the folder to `keep` backups and records the outcome.
    pub(crate) async fn run_scheduled_backup(&self) {
        let Some(schedule) = self.config().backup.clone() else { return };
        let now = self.clock().now();
        let mut name = scheduled_name(now);
        for n in 1..100 {
            if !schedule.dir.join(&name).exists() {
                break;
            }
            name =
                format!("{}-{n}{SCHEDULED_SUFFIX}", scheduled_name(now).trim_end_matches(SCHEDULED_SUFFIX));
        }
        let options = BackupOptions { out: schedule.dir.join(&name), with_files: None, include_key: false };
        let outcome = match self.take_backup(&options).await {
            Ok(report) => rotate(&schedule.dir, schedule.keep).map(|kept| (report, kept)),
            Err(error) => Err(error),
        };
        let Ok(mut status) = self.backups().status.lock() else { return };
        match outcome {
            Ok((report, kept)) => {
                tracing::info!(file = %report.out.display(), bytes = report.database_bytes, kept, "backup taken");
                status.last_success_ms = Some(now.timestamp_millis());
                status.last_success_file = Some(name);
                status.kept = kept;
            }
            Err(error) => {
                tracing::error!(%error, dir = %schedule.dir.display(), "scheduled backup failed");
                status.last_failure_ms = Some(now.timestamp_millis());
                status.last_error = Some(error.to_string());
            }
        }
    }

    /// The scheduled backups' gauges for `/metrics` (none when backups are not scheduled).
    pub(crate) fn backup_gauges(&self) -> Vec<(String, String, i64)> {
        let Some(status) = self.backup_status() else { return Vec::new() };
        let seconds = |ms: Option<i64>| ms.map_or(0, |ms| ms.div_euclid(1000));
        vec![
            (
                "xiaodian_backup_last_success_timestamp_seconds".into(),
                "App-clock time of the newest scheduled backup (0: none yet).".into(),
                seconds(status.last_success_ms),
            ),
            (
                "xiaodian_backup_last_failure_timestamp_seconds".into(),
                "App-clock time of the last failed scheduled backup since start (0: none).".into(),
                seconds(status.last_failure_ms),
            ),
            (
                "xiaodian_backup_kept".into(),
                "Scheduled backups in the backup folder.".into(),
                status.kept as i64,
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_names_carry_their_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T02:03:04Z").unwrap().to_utc();
        assert_eq!(scheduled_name(at), "xiaodian-20261201T020304Z.db");
        assert_eq!(scheduled_time_ms("xiaodian-20261201T020304Z.db"), Some(at.timestamp_millis()));
        assert_eq!(scheduled_time_ms("xiaodian-20261201T020304Z-2.db"), Some(at.timestamp_millis()));
        assert_eq!(scheduled_time_ms("xiaodian-20261201T020304Z.db.partial"), None);
        assert_eq!(scheduled_time_ms("xiaodian-20261201T020304Z.db.manifest.json"), None);
        assert_eq!(scheduled_time_ms("other.db"), None);
    }

    #[test]
    fn data_files_are_listed_and_copied_by_hash() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        let content = b"%PDF-1.4 licence";
        let name = hex::encode(Sha256::digest(content));
        std::fs::create_dir_all(from.path().join("documents")).unwrap();
        std::fs::write(from.path().join("documents").join(&name), content).unwrap();
        std::fs::write(from.path().join("documents").join("notes.txt"), b"not the app's").unwrap();
        let files = list_data_files(from.path()).unwrap();
        assert_eq!(
            files,
            vec![DataFile { path: format!("documents/{name}"), sha256: name.clone(), bytes: 16 }]
        );
        assert_eq!(copy_data_files(&files, from.path(), to.path()).unwrap(), 1);
        assert_eq!(std::fs::read(to.path().join("documents").join(&name)).unwrap(), content);
        assert_eq!(copy_data_files(&files, from.path(), to.path()).unwrap(), 0, "already there");

        // A file whose content no longer matches its name is refused, and nothing is left behind.
        let bad = hex::encode(Sha256::digest(b"other"));
        std::fs::write(from.path().join("documents").join(&bad), b"tampered").unwrap();
        let files = list_data_files(from.path()).unwrap();
        let error = copy_data_files(&files, from.path(), to.path()).unwrap_err();
        assert!(matches!(error, BackupError::HashMismatch { .. }), "{error}");
        assert!(!to.path().join("documents").join(&bad).exists());
    }
}
