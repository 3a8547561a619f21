//! `xiaodian backup` and `xiaodian restore`, and the scheduled-backup settings of `serve`.
//!
//! SQLite is copied online by the app (`VACUUM INTO`); PostgreSQL is dumped by `pg_dump` as plain
//! SQL and restored through `psql`. A restore refuses a database that holds tables unless forced,
//! then migrates the result to this binary's schema and runs `ledger verify` and `audit verify`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{Context, bail};
use app::backup::{BackupOptions, BackupReport, BackupSchedule, KeySource};
use store::{Backend, Db};

use crate::DbArg;
use crate::commands::{open, verify_audit, verify_ledger};

/// The first line pg_dump writes, and its last when the dump is complete.
const PG_DUMP_HEAD: &str = "-- PostgreSQL database dump";
const PG_DUMP_TAIL: &str = "-- PostgreSQL database dump complete";
/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// The shortest and longest interval between scheduled backups.
const BACKUP_EVERY_MIN: Duration = Duration::from_secs(60);
const BACKUP_EVERY_MAX: Duration = Duration::from_secs(366 * 24 * 3600);

#[derive(clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    db: DbArg,
    /// The backup file: a SQLite database, or pg_dump's plain SQL for PostgreSQL. The manifest is
    /// written beside it as FILE.manifest.json.
    #[arg(long)]
    out: PathBuf,
    /// Also copy the data directory's documents, videos and covers into this folder (checked
    /// against their hashes; files already there are skipped).
    #[arg(long)]
    with_files: Option<PathBuf>,
    /// Also copy the secret key beside the backup (FILE.secret.key, mode 0600). Whoever holds the
    /// backup and the key reads the ID numbers: keep them apart.
    #[arg(long)]
    include_key: bool,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// A backup: a SQLite file from `xiaodian backup`, a plain-SQL pg_dump file, or SQLite SQL text.
    file: PathBuf,
    #[command(flatten)]
    db: DbArg,
    /// Overwrite a database that already holds tables (its contents are lost).
    #[arg(long)]
    force: bool,
    /// A folder written by `backup --with-files`: its files are copied into the data directory.
    #[arg(long)]
    files: Option<PathBuf>,
}

/// `serve`'s scheduled backups.
#[derive(clap::Args)]
pub struct ScheduleArgs {
    /// Folder for scheduled backups of the SQLite database (unset: no scheduled backups).
    #[arg(long, env = "XIAODIAN_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
    /// Time between two scheduled backups on the app clock (`30m`, `6h`, `24h`, `7d`).
    #[arg(long, env = "XIAODIAN_BACKUP_EVERY", default_value = "24h", value_parser = humantime::parse_duration)]
    backup_every: Duration,
    /// Scheduled backups kept; the oldest beyond this are removed after each new one.
    #[arg(long, env = "XIAODIAN_BACKUP_KEEP", default_value_t = 7)]
    backup_keep: usize,
}

impl ScheduleArgs {
    /// The schedule for the app, checked: SQLite only, an interval of a minute to a year, 1–1,000 kept.
    pub fn schedule(&self, db_url: &str) -> anyhow::Result<Option<BackupSchedule>> {
        let Some(dir) = &self.backup_dir else { return Ok(None) };
        let (backend, _) = store::db::parse_url(db_url)?;
        if backend != Backend::Sqlite {
            bail!(
                "--backup-dir is for the embedded SQLite database; back PostgreSQL up with pg_dump (docs/operations.md)"
            );
        }
        if !(BACKUP_EVERY_MIN..=BACKUP_EVERY_MAX).contains(&self.backup_every) {
            bail!("--backup-every must be between 1 minute and 366 days");
        }
        if !(1..=app::backup::BACKUP_KEEP_MAX).contains(&self.backup_keep) {
            bail!("--backup-keep must be between 1 and {}", app::backup::BACKUP_KEEP_MAX);
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let every_ms = i64::try_from(self.backup_every.as_millis()).unwrap_or(i64::MAX);
        Ok(Some(BackupSchedule { dir: dir.clone(), every_ms, keep: self.backup_keep }))
    }
}

/// A spinner on a terminal (quiet when piped) naming the step under way.
fn spinner(message: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let (backend, _) = store::db::parse_url(&args.db.db)?;
    let app = open(&args.db).await?;
    let options = BackupOptions {
        out: args.out.clone(),
        with_files: args.with_files.clone(),
        include_key: args.include_key,
    };
    let bar = spinner("backing up");
    let report = match backend {
        Backend::Sqlite => app.take_backup(&options).await?,
        Backend::Postgres => {
            pg_dump(&args.db.db, &args.out)?;
            check_pg_dump(&args.out)?;
            app.record_backup(&options, "postgres").await?
        }
    };
    bar.finish_and_clear();
    print_report(&report, &args.db.db);
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &BackupReport, db_url: &str) {
    println!(
        "backup written: {} ({} bytes, sha256 {}, schema version {})",
        report.out.display(),
        report.database_bytes,
        report.database_sha256,
        report.schema_version
    );
    let bytes: u64 = report.files.iter().map(|file| file.bytes).sum();
    println!(
        "manifest: {} ({} data files, {bytes} bytes; {} copied now)",
        report.manifest.display(),
        report.files.len(),
        report.files_copied
    );
    match (report.key, &report.key_copy) {
        (KeySource::Absent, _) => println!("secret key: none yet"),
        (source, Some(copy)) => {
            println!("secret key ({}): copied to {}", source.as_str(), copy.display());
            eprintln!(
                "warning: {} holds the secret key: whoever has it and the backup can read the ID numbers; store it apart from the backup",
                copy.display()
            );
        }
        (source, None) => println!(
            "secret key ({}): not in the backup; keep a copy of it apart (without it the ID numbers cannot be read)",
            source.as_str()
        ),
    }
    println!("restore with: xiaodian restore {} --db {db_url}", report.out.display());
}

/// The pg_dump command the documentation gives, run here.
fn pg_dump_command(url: &str, out: &Path) -> Command {
    let mut command = Command::new("pg_dump");
    command.args(["--format=plain", "--no-owner", "--no-privileges", "--file"]).arg(out).arg(url);
    command
}

fn pg_dump(url: &str, out: &Path) -> anyhow::Result<()> {
    let status = match pg_dump_command(url, out).status() {
        Ok(status) => status,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => bail!(
            "pg_dump is not installed; run it where it is (the same major version as the server or newer):\n  \
             pg_dump --format=plain --no-owner --no-privileges --file {} 'URL'\nthen `xiaodian backup` is not needed: \
             `xiaodian restore {}` takes that file",
            out.display(),
            out.display()
        ),
        Err(error) => return Err(error).context("cannot run pg_dump"),
    };
    if !status.success() {
        bail!("pg_dump failed ({status})");
    }
    Ok(())
}

/// A plain-SQL dump is complete when pg_dump wrote its closing line, and it is Xiaodian's when it
/// holds the table of applied migrations.
fn check_pg_dump(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !text.get(..200).unwrap_or(&text).contains(PG_DUMP_HEAD) {
        bail!("{} is not a plain-SQL pg_dump file", path.display());
    }
    // pg_dump writes its closing line last, followed at most by a short `\unrestrict` line.
    let complete = text.rfind(PG_DUMP_TAIL).is_some_and(|at| text.len() - at < 200);
    if !complete {
        bail!("{} is cut short: pg_dump's closing line is missing", path.display());
    }
    if !text.contains("_sqlx_migrations") {
        bail!("{} holds no Xiaodian database (no table of applied migrations)", path.display());
    }
    Ok(())
}

/// What a backup file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BackupKind {
    SqliteFile,
    PgDump,
    SqliteSql,
}

fn backup_kind(path: &Path) -> anyhow::Result<BackupKind> {
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .take(64)
        .read_to_end(&mut head)?;
    if head.starts_with(SQLITE_MAGIC) {
        return Ok(BackupKind::SqliteFile);
    }
    let text = String::from_utf8_lossy(&head);
    if text.contains(PG_DUMP_HEAD) {
        Ok(BackupKind::PgDump)
    } else if text.contains('\0') {
        bail!("{} is neither a SQLite database nor SQL text", path.display())
    } else {
        Ok(BackupKind::SqliteSql)
    }
}

/// The SQLite file a URL names.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let (_, sqlx_url) = store::db::parse_url(url)?;
    let path = sqlx_url.trim_start_matches("sqlite://").split('?').next().unwrap_or_default();
    Ok(PathBuf::from(path))
}

/// The backup's manifest, when it lies beside it, must name the same content.
fn check_manifest(file: &Path) -> anyhow::Result<()> {
    let manifest_path = app::backup::with_suffix(file, app::backup::MANIFEST_SUFFIX);
    let Ok(text) = std::fs::read_to_string(&manifest_path) else { return Ok(()) };
    let manifest: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} does not parse", manifest_path.display()))?;
    let Some(expected) = manifest["database"]["sha256"].as_str() else { return Ok(()) };
    let (actual, _) = app::backup::hash_file(file, None)?;
    if actual != expected {
        bail!(
            "{} does not match its manifest (sha256 {actual}, the manifest says {expected}): the backup is damaged",
            file.display()
        );
    }
    println!("backup matches its manifest: sha256 {actual}");
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let kind = backup_kind(&args.file)?;
    let (backend, _) = store::db::parse_url(&args.db.db)?;
    match (kind, backend) {
        (BackupKind::SqliteFile | BackupKind::SqliteSql, Backend::Postgres) => {
            bail!("{} is a SQLite backup: restore it into a SQLite database", args.file.display())
        }
        (BackupKind::PgDump, Backend::Sqlite) => {
            bail!("{} is a PostgreSQL dump: restore it into a PostgreSQL database", args.file.display())
        }
        _ => {}
    }
    check_manifest(&args.file)?;
    if kind == BackupKind::PgDump {
        check_pg_dump(&args.file)?;
    }
    let target = Db::open_unmigrated(&args.db.db, 2)
        .await
        .with_context(|| format!("cannot open the database {}", args.db.db))?;
    if !target.is_empty().await? {
        if !args.force {
            target.close().await;
            bail!(
                "{} already holds tables: restore writes only into an empty database (add --force to overwrite it and lose what it holds)",
                args.db.db
            );
        }
        if backend == Backend::Postgres {
            target.drop_everything().await?;
        }
    }
    let bar = spinner("restoring");
    match (kind, backend) {
        (BackupKind::SqliteFile, _) => {
            target.close().await;
            let path = sqlite_path(&args.db.db)?;
            let partial = app::backup::with_suffix(&path, ".partial");
            std::fs::copy(&args.file, &partial)
                .with_context(|| format!("cannot copy {} to {}", args.file.display(), partial.display()))?;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(app::backup::with_suffix(&path, suffix));
            }
            std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
        }
        (BackupKind::SqliteSql, _) => {
            if args.force {
                target.close().await;
                let path = sqlite_path(&args.db.db)?;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(app::backup::with_suffix(&path, suffix));
                }
            }
            let target = Db::open_unmigrated(&args.db.db, 2).await?;
            let sql = std::fs::read_to_string(&args.file)
                .with_context(|| format!("cannot read {}", args.file.display()))?;
            target.run_script(&sql).await.context("the SQL of the backup failed")?;
            target.close().await;
        }
        (BackupKind::PgDump, _) => {
            target.close().await;
            let status = Command::new("psql")
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-o", "/dev/null", "-f"])
                .arg(&args.file)
                .arg(&args.db.db)
                .status();
            match status {
                Ok(status) if status.success() => {}
                Ok(status) => bail!("psql failed ({status}) restoring {}", args.file.display()),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    bail!("psql is not installed: run psql -v ON_ERROR_STOP=1 -f FILE 'URL' where it is")
                }
                Err(error) => return Err(error).context("cannot run psql"),
            }
        }
    }
    let copied = match &args.files {
        Some(files) => {
            let listed = app::backup::list_data_files(files)?;
            Some((app::backup::copy_data_files(&listed, files, &args.db.data_dir)?, listed.len()))
        }
        None => None,
    };
    bar.finish_and_clear();
    if let Some((copied, listed)) = copied {
        println!("data files: {copied} of {listed} copied into {}", args.db.data_dir.display());
    }
    // Opening migrates an older backup forward to this binary's schema.
    let app = open(&args.db).await?;
    println!(
        "restored {} into {} (schema version {})",
        args.file.display(),
        args.db.db,
        app.db().schema_version()
    );
    let ledger = verify_ledger(&app).await?;
    let audit = verify_audit(&app).await?;
    app.db().close().await;
    if ledger && audit {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: the restored database does not pass its checks");
        Ok(ExitCode::FAILURE)
    }
}
