//! Operating Xiaodian through the real binary: an online backup taken while `serve` writes and its
//! restore, scheduled backups rotating on the manual clock, `/readyz` while PostgreSQL goes away and
//! comes back, JSON log lines with the request id, the upgrade from the first schema on both
//! engines, and the refusal of a database migrated by a newer version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection;
use test_support::{Backend, Client, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

/// Runs the binary with arguments; answers (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    test_support::server::run(binary(), args, None)
}

async fn login(server: &Server, username: &str) -> Client {
    server.client().login(username, &password(username)).await
}

async fn created(answer: test_support::http::Answer, what: &str) -> i64 {
    assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
    answer.json["id"].as_i64().unwrap_or_else(|| panic!("{what}: no id in {}", answer.text))
}

/// Opens a shop of this merchant; answers its id.
async fn open_shop(merchant: &Client, name: &str) -> i64 {
    let body = json!({"name": name, "entity_type": "enterprise", "entity_name": format!("{name}有限公司"), "category": "food"});
    created(merchant.post("/api/v1/shops", &body).await, "shop").await
}

/// The SQLite file of a `sqlite:PATH` URL.
fn sqlite_file(url: &str) -> PathBuf {
    PathBuf::from(url.trim_start_matches("sqlite:"))
}

/// Every idempotency key of the top-ups in a database, read straight from the store's table.
async fn top_up_keys(url: &str) -> Vec<String> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", sqlite_file(url).display()))
        .await
        .expect("open the copy");
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT idem_key FROM idempotency_keys WHERE idem_key LIKE 'op-%'")
            .fetch_all(&mut conn)
            .await
            .expect("read the keys");
    let _ = conn.close().await;
    keys
}

fn comment_batch(video: i64, batch: usize) -> Vec<u8> {
    let mut body = String::new();
    for n in 0..200 {
        body.push_str(
            &json!({"video_id": video, "comment_id": format!("b{batch}-{n}"), "author_id": "u-1",
                    "text": "多少钱？有优惠吗", "created_at": "2026-01-05T10:00:00+08:00"})
            .to_string(),
        );
        body.push('\n');
    }
    body.into_bytes()
}

/// Top-ups this many at most, for at most this long, until told to stop.
const STREAM_TOP_UPS_MAX: usize = 5_000;
const STREAM_SECONDS_MAX: u64 = 120;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_backup_restores_into_a_verified_copy() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_owned();
    let server = Server::start(binary(), &["--db", &db.url, "--data-dir", &data_dir]);
    let (merchant, service) = (login(&server, "m1").await, login(&server, "svc").await);
    let shop = open_shop(&merchant, "备份一号店").await;
    let account = created(
        merchant.post("/api/v1/enterprise-accounts", &json!({"nickname": "备份企业号"})).await,
        "account",
    )
    .await;
    let video = created(
        merchant
            .post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &json!({"title": "备份"}))
            .await,
        "video",
    )
    .await;
    // One file in the data directory, so that the manifest lists it and --with-files copies it.
    let mut cover = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    cover.extend(std::iter::repeat_n(7_u8, 2_000));
    let put = merchant
        .send(
            test_support::http::reqwest_client()
                .put(format!("{}/api/v1/videos/{video}/cover", server.base))
                .body(cover),
        )
        .await;
    assert_eq!(put.status, 200, "cover: {}", put.text);

    // The stream: top-ups one after another (each answer timed), comment batches beside them.
    let stop = Arc::new(AtomicBool::new(false));
    let top_ups = {
        let (service, stop) = (service.clone(), stop.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let mut answered: HashMap<String, Instant> = HashMap::new();
            for n in 0..STREAM_TOP_UPS_MAX {
                if stop.load(Ordering::SeqCst) || started.elapsed() > Duration::from_secs(STREAM_SECONDS_MAX)
                {
                    break;
                }
                let key = format!("op-{n}");
                let body = json!({"amount_fen": 100 + n as i64, "payment_ref": format!("pay-{n}")});
                let answer = service
                    .post_with(
                        &format!("/api/v1/shops/{shop}/deposit/top-ups"),
                        &[("Idempotency-Key", &key)],
                        &body,
                    )
                    .await;
                assert_eq!(answer.status, 201, "top-up {n}: {}", answer.text);
                answered.insert(key, Instant::now());
            }
            answered
        })
    };
    let comments = {
        let (service, stop) = (service.clone(), stop.clone());
        tokio::spawn(async move {
            let mut batches = 0;
            while !stop.load(Ordering::SeqCst) && batches < 200 {
                let answer = service
                    .post_raw("/api/v1/comments:batch", "application/x-ndjson", comment_batch(video, batches))
                    .await;
                assert_eq!(answer.status, 200, "batch {batches}: {}", answer.text);
                assert_eq!(answer.json["stored"], 200, "{}", answer.text);
                batches += 1;
            }
            batches
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while top_up_keys(&db.url).await.len() < 100 {
        assert!(Instant::now() < deadline, "the stream did not get going");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let out = tempfile::tempdir().unwrap();
    let backup = out.path().join("xiaodian-backup.db");
    let files = out.path().join("files");
    let (code, stdout, stderr) = run(&[
        "backup",
        "--db",
        &db.url,
        "--data-dir",
        &data_dir,
        "--out",
        backup.to_str().unwrap(),
        "--with-files",
        files.to_str().unwrap(),
    ]);
    let backup_finished = Instant::now();
    assert_eq!(code, 0, "backup: {stdout}{stderr}");
    assert!(stdout.contains("backup written: "), "{stdout}");
    // The server goes on writing after the backup: a few more top-ups are answered.
    let keys_at_backup = top_up_keys(&db.url).await.len();
    let deadline = Instant::now() + Duration::from_secs(60);
    while top_up_keys(&db.url).await.len() < keys_at_backup + 20 {
        assert!(Instant::now() < deadline, "the server stopped writing after the backup");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let answered = top_ups.await.unwrap();
    let batches = comments.await.unwrap();
    assert!(batches > 0, "comment batches ran beside the top-ups");

    // The manifest names the copy by hash and lists the cover, which --with-files copied.
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("xiaodian-backup.db.manifest.json")).unwrap(),
    )
    .unwrap();
    let (sha256, bytes) = app::backup::hash_file(&backup, None).unwrap();
    assert_eq!(manifest["database"]["sha256"], sha256.as_str());
    assert_eq!(manifest["database"]["bytes"], bytes);
    assert_eq!(manifest["database"]["engine"], "sqlite");
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{manifest}");
    let cover_path = listed[0]["path"].as_str().unwrap();
    assert!(cover_path.starts_with("covers/"), "{cover_path}");
    assert_eq!(
        std::fs::read(files.join(cover_path)).unwrap(),
        std::fs::read(data.path().join(cover_path)).unwrap()
    );
    assert_eq!(manifest["secret_key"]["included"], false);

    // Restore into a fresh database: the ledger and the audit chain verify.
    let fresh = TestDb::sqlite();
    let restored_data = tempfile::tempdir().unwrap();
    let restored_dir = restored_data.path().to_str().unwrap();
    let (code, stdout, stderr) = run(&[
        "restore",
        backup.to_str().unwrap(),
        "--db",
        &fresh.url,
        "--data-dir",
        restored_dir,
        "--files",
        files.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "restore: {stdout}{stderr}");
    assert!(stdout.contains("backup matches its manifest"), "{stdout}");
    assert!(stdout.contains("ledger ok: "), "{stdout}");
    assert!(stdout.contains("audit chain intact: "), "{stdout}");
    assert!(restored_data.path().join(cover_path).is_file(), "the cover came back");

    // Every top-up the copy holds was answered before the backup finished.
    let copied = top_up_keys(&fresh.url).await;
    assert!(copied.len() >= 100, "the copy holds the top-ups before the backup: {}", copied.len());
    assert!(copied.len() < answered.len(), "the stream went on after the backup");
    for key in &copied {
        let at = answered.get(key).unwrap_or_else(|| panic!("{key} is in the copy but was never answered"));
        assert!(*at < backup_finished, "{key} is in the copy but was answered after the backup finished");
    }
    eprintln!(
        "online backup: {} of {} top-ups in the copy, {batches} comment batches, {bytes} bytes",
        copied.len(),
        answered.len()
    );

    // A database that holds tables is not overwritten without --force.
    let (code, stdout, stderr) = run(&["restore", backup.to_str().unwrap(), "--db", &fresh.url]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("already holds tables"), "{stderr}");
    let (code, stdout, stderr) = run(&["restore", backup.to_str().unwrap(), "--db", &fresh.url, "--force"]);
    assert_eq!(code, 0, "restore --force: {stdout}{stderr}");
    // A damaged backup is refused before anything is written.
    let mut damaged = std::fs::read(&backup).unwrap();
    let last = damaged.len() - 1;
    damaged[last] ^= 0xff;
    std::fs::write(&backup, damaged).unwrap();
    let empty = TestDb::sqlite();
    let (code, _, stderr) = run(&["restore", backup.to_str().unwrap(), "--db", &empty.url]);
    assert_eq!(code, 1);
    assert!(stderr.contains("does not match its manifest"), "{stderr}");
    assert!(!sqlite_file(&empty.url).exists(), "nothing was written");
}

fn metric(text: &str, name: &str) -> Option<i64> {
    text.lines().find_map(|line| line.strip_prefix(&format!("{name} ")).and_then(|v| v.trim().parse().ok()))
}

fn backups_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".db"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_rotate_on_the_manual_clock() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let backup_dir = dir.path().to_str().unwrap();
    let server = Server::start(
        binary(),
        &[
            "--db",
            &db.url,
            "--clock",
            "manual=2026-11-23T02:00:00Z",
            "--backup-dir",
            backup_dir,
            "--backup-every",
            "24h",
            "--backup-keep",
            "3",
        ],
    );
    let admin = login(&server, "admin").await;
    let anonymous = server.client();
    let console = |path: &str| {
        let request = test_support::http::reqwest_client()
            .get(format!("{}{path}", server.base))
            .header("cookie", format!("xd_session={}; xd_lang=en", admin.token.as_deref().unwrap()));
        anonymous.send(request)
    };
    let page = console("/console/admin/clock").await;
    assert!(page.text.contains("Last success"), "{}", page.text);
    assert_eq!(admin.post("/api/v1/admin/jobs/run", &json!({})).await.status, 200);
    assert_eq!(backups_in(dir.path()), ["xiaodian-20261123T020000Z.db"], "the first backup runs at once");

    let start = chrono::DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").unwrap();
    for day in 1..=5 {
        let now = start + chrono::Duration::days(day);
        let set = admin.put("/api/v1/admin/clock", &json!({"now": now.to_rfc3339()})).await;
        assert_eq!(set.status, 200, "{}", set.text);
        assert_eq!(admin.post("/api/v1/admin/jobs/run", &json!({})).await.status, 200);
    }
    assert_eq!(
        backups_in(dir.path()),
        ["xiaodian-20261126T020000Z.db", "xiaodian-20261127T020000Z.db", "xiaodian-20261128T020000Z.db"],
        "rotated to --backup-keep"
    );
    let manifests = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".manifest.json"))
        .count();
    assert_eq!(manifests, 3, "each kept backup has its manifest, the removed ones none");
    let metrics = server.client().get("/metrics").await.text;
    let last = (start + chrono::Duration::days(5)).timestamp();
    assert_eq!(metric(&metrics, "xiaodian_backup_last_success_timestamp_seconds"), Some(last), "{metrics}");
    assert_eq!(metric(&metrics, "xiaodian_backup_last_failure_timestamp_seconds"), Some(0));
    assert_eq!(metric(&metrics, "xiaodian_backup_kept"), Some(3));

    // Half a day later nothing is due; a day later the backup cannot be written (a folder stands
    // where its temporary file goes): the failure shows on /metrics and in the console, and the
    // backups already there stay.
    let later = start + chrono::Duration::days(5) + chrono::Duration::hours(12);
    admin.put("/api/v1/admin/clock", &json!({"now": later.to_rfc3339()})).await;
    admin.post("/api/v1/admin/jobs/run", &json!({})).await;
    assert_eq!(backups_in(dir.path()).len(), 3);
    let failing = start + chrono::Duration::days(6) + chrono::Duration::hours(12);
    std::fs::create_dir(dir.path().join("xiaodian-20261129T140000Z.db.partial")).unwrap();
    admin.put("/api/v1/admin/clock", &json!({"now": failing.to_rfc3339()})).await;
    admin.post("/api/v1/admin/jobs/run", &json!({})).await;
    let metrics = server.client().get("/metrics").await.text;
    assert_eq!(metric(&metrics, "xiaodian_backup_last_failure_timestamp_seconds"), Some(failing.timestamp()));
    assert_eq!(metric(&metrics, "xiaodian_backup_last_success_timestamp_seconds"), Some(last));
    assert_eq!(backups_in(dir.path()).len(), 3);
    let page = console("/console/admin/clock").await;
    assert!(page.text.contains("xiaodian-20261128T020000Z.db"), "{}", page.text);
    assert!(page.text.contains("2026-11-29 22:00:00"), "the failure's time in China time: {}", page.text);
    assert!(server.logs().contains("scheduled backup failed"), "{}", server.logs());

    // Scheduled backups are for SQLite; on PostgreSQL serve refuses the setting.
    let (code, _, stderr) =
        run(&["serve", "--db", "postgres://postgres@127.0.0.1:1/x", "--backup-dir", backup_dir]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--backup-dir is for the embedded SQLite database"), "{stderr}");
}

/// A TCP relay to PostgreSQL that can be cut (every connection dropped, new ones refused) and
/// restored, standing for a database server that goes away and comes back.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    cut: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(upstream: &'static str) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(tokio::sync::Notify::new());
        let task = {
            let (up, cut) = (up.clone(), cut.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((mut client, _)) = listener.accept().await else { return };
                    if !up.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let cut = cut.clone();
                    tokio::spawn(async move {
                        let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else { return };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            () = cut.notified() => {}
                        }
                    });
                }
            })
        };
        Relay { port, up, cut, task }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.cut.notify_waiters();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Polls `/readyz` until it answers `status` (bounded); answers the last answer.
async fn readyz_until(client: &Client, status: u16, request_id: &str) -> test_support::http::Answer {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let request = test_support::http::reqwest_client()
            .get(format!("{}/readyz", client.base))
            .header("x-request-id", request_id)
            .timeout(Duration::from_secs(10));
        let answer = client.send(request).await;
        if answer.status == status {
            return answer;
        }
        assert!(Instant::now() < deadline, "/readyz still answers {}: {}", answer.status, answer.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What a terminated server wrote to standard error, once its last line ("stopped") was read.
fn stderr_once_stopped(server: &Server) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = server.stderr.lock().unwrap().clone();
        if text.contains("stopped") || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The JSON log lines of a server; every line must be one JSON object.
fn json_lines(logs: &str) -> Vec<Value> {
    logs.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_postgresql_going_away_and_coming_back() {
    let db = TestDb::postgres().await;
    let relay = Relay::start("127.0.0.1:5432").await;
    let url = db.url.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", relay.port));
    assert_ne!(url, db.url, "the test database is reached through the relay");
    let mut server = Server::start(binary(), &["--db", &url, "--log-format", "json", "--worker", "off"]);
    let client = server.client();
    let ready = readyz_until(&client, 200, "ready-1").await;
    assert_eq!(ready.json["status"], "ready");
    assert!(ready.json["schema_version"].as_i64().unwrap() >= 10, "{}", ready.text);

    relay.set_up(false);
    let started = Instant::now();
    let down = readyz_until(&client, 503, "down-1").await;
    assert_eq!(down.json["code"], "not_ready", "{}", down.text);
    assert!(started.elapsed() < Duration::from_secs(30), "noticed within the probe's timeout");
    assert_eq!(client.get("/healthz").await.status, 200, "liveness does not depend on the database");

    relay.set_up(true);
    readyz_until(&client, 200, "back-1").await;
    server.terminate(Duration::from_secs(10));
    let lines = json_lines(&stderr_once_stopped(&server));
    let warning = lines
        .iter()
        .find(|line| line["fields"]["message"] == "not ready")
        .unwrap_or_else(|| panic!("no not-ready line: {lines:?}"));
    assert_eq!(warning["level"], "WARN");
    assert_eq!(warning["span"]["request_id"], "down-1", "{warning}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id_and_text_logs_have_no_colours_in_a_pipe() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let mut server = Server::start(binary(), &["--db", &db.url, "--log-format", "json"]);
    let client = server.client();
    let ready = readyz_until(&client, 200, "json-ready").await;
    assert_eq!(ready.headers["x-request-id"], "json-ready");
    // Another binary stamps a migration this one does not know: no longer ready.
    stamp_newer(&db).await;
    let refused = readyz_until(&client, 503, "json-newer").await;
    assert!(refused.json["detail"].as_str().unwrap().contains("newer version"), "{}", refused.text);
    assert_eq!(refused.json["code"], "not_ready");
    assert_eq!(refused.content_type, "application/problem+json");
    server.terminate(Duration::from_secs(10));
    let lines = json_lines(&stderr_once_stopped(&server));
    assert!(lines.len() >= 2, "{lines:?}");
    let line =
        lines.iter().find(|line| line["span"]["request_id"] == "json-newer").expect("the request's line");
    assert_eq!(line["fields"]["message"], "not ready");
    assert!(line["timestamp"].is_string() && line["target"].is_string(), "{line}");

    // In text: no ANSI colours when standard error is a pipe.
    let text_db = TestDb::sqlite();
    let mut text_server = Server::start(binary(), &["--db", &text_db.url, "--log-format", "text"]);
    text_server.terminate(Duration::from_secs(10));
    let logs = stderr_once_stopped(&text_server);
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(!logs.contains('\u{1b}'), "no escape codes in a pipe: {logs:?}");
}

/// Records a migration version no binary of this repository has, as a newer Xiaodian would.
async fn stamp_newer(db: &TestDb) {
    const SQL: &str = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                       VALUES (99990101000000, 'from the future', TRUE, $1, 0)";
    match db.backend {
        Backend::Sqlite => {
            let mut conn =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", sqlite_file(&db.url).display()))
                    .await
                    .unwrap();
            sqlx::query(SQL).bind(vec![0_u8; 48]).execute(&mut conn).await.unwrap();
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query(SQL).bind(vec![0_u8; 48]).execute(&mut conn).await.unwrap();
        }
    }
}

both_backends!(a_database_of_a_newer_version_is_refused_at_start, the_first_schema_upgrades_and_verifies);

async fn a_database_of_a_newer_version_is_refused_at_start(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (code, out, err) = run(&["migrate", "--db", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    stamp_newer(&db).await;
    for args in [
        vec!["serve", "--db", &db.url, "--listen", "127.0.0.1:0"],
        vec!["migrate", "--db", &db.url],
        vec!["ledger", "verify", "--db", &db.url],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 3, "{args:?}: the distinct exit code of a newer schema: {out}{err}");
        assert!(
            err.contains(
                "the database was migrated by a newer version of Xiaodian (schema version 99990101000000"
            ),
            "{args:?}: {err}"
        );
    }
}

/// The migrations this source tree carries for an engine, by version.
fn migration_versions(engine: &str) -> Vec<i64> {
    let dir = test_support::server::workspace_root().join("crates/store/migrations").join(engine);
    let mut versions: Vec<i64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            name.split('_').next().and_then(|v| v.parse().ok())
        })
        .collect();
    versions.sort_unstable();
    versions
}

async fn applied_versions(db: &TestDb) -> Vec<i64> {
    const SQL: &str = "SELECT version FROM _sqlx_migrations ORDER BY version";
    match db.backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", sqlite_file(&db.url).display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar(SQL).fetch_all(&mut conn).await.unwrap()
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(SQL).fetch_all(&mut conn).await.unwrap()
        }
    }
}

async fn the_first_schema_upgrades_and_verifies(backend: Backend) {
    let db = TestDb::empty(backend).await;
    let fixtures = test_support::server::workspace_root().join("crates/xiaodian/tests/fixtures/upgrade");
    // Load the dump of the first schema as it is, without migrating.
    match backend {
        Backend::Sqlite => {
            let sql = std::fs::read_to_string(fixtures.join("sqlite.sql")).unwrap();
            let url = format!("sqlite://{}?mode=rwc", sqlite_file(&db.url).display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::raw_sql(&sql).execute(&mut conn).await.expect("load the SQLite fixture");
            let _ = conn.close().await;
        }
        Backend::Postgres => {
            let status = std::process::Command::new("psql")
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-f"])
                .arg(fixtures.join("postgres.sql"))
                .arg(&db.url)
                .status()
                .expect("psql runs (apt-get install postgresql-client)");
            assert!(status.success(), "load the PostgreSQL fixture");
        }
    }
    assert_eq!(applied_versions(&db).await, (1..=10).collect::<Vec<i64>>(), "the first schema: 0001-0010");

    let (code, out, err) = run(&["migrate", "--db", &db.url]);
    assert_eq!(code, 0, "migrate: {out}{err}");
    let engine = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    assert_eq!(applied_versions(&db).await, migration_versions(engine), "migrated to the current schema");
    let (code, out, err) = run(&["ledger", "verify", "--db", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ledger ok: 4 transfers"), "{out}");
    let (code, out, err) = run(&["audit", "verify", "--db", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("audit chain intact: "), "{out}");

    // The old data reads through today's API: the users log in, the shop holds its deposit, the
    // comments are in the inbox.
    let server = Server::start(binary(), &["--db", &db.url]);
    let merchant = login(&server, "m1").await;
    let shops = merchant.get("/api/v1/shops").await;
    let items = shops.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", shops.text);
    let shop = items[0]["id"].as_i64().unwrap();
    let deposit = merchant.get(&format!("/api/v1/shops/{shop}/deposit")).await;
    assert_eq!(deposit.json["balance_fen"], 595_000, "{}", deposit.text);
    let accounts = merchant.get("/api/v1/enterprise-accounts").await;
    let account = accounts.json["items"][0]["id"].as_i64().unwrap();
    let inbox = merchant.get(&format!("/api/v1/enterprise-accounts/{account}/comments")).await;
    assert_eq!(inbox.json["items"].as_array().map(Vec::len), Some(2), "{}", inbox.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_backs_up_with_pg_dump_and_restores_verified() {
    let db = TestDb::postgres().await;
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url]);
    let (merchant, service) = (login(&server, "m1").await, login(&server, "svc").await);
    let shop = open_shop(&merchant, "备份二号店").await;
    for n in 0..5 {
        let key = format!("pg-{n}");
        let body = json!({"amount_fen": 1_000, "payment_ref": key});
        let answer = service
            .post_with(&format!("/api/v1/shops/{shop}/deposit/top-ups"), &[("Idempotency-Key", &key)], &body)
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text);
    }
    let out = tempfile::tempdir().unwrap();
    let dump = out.path().join("xiaodian.sql");
    let (code, stdout, stderr) = run(&["backup", "--db", &db.url, "--out", dump.to_str().unwrap()]);
    assert_eq!(code, 0, "backup: {stdout}{stderr}");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("xiaodian.sql.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["database"]["engine"], "postgres");

    let fresh = TestDb::postgres_empty().await;
    let (code, stdout, stderr) = run(&["restore", dump.to_str().unwrap(), "--db", &fresh.url]);
    assert_eq!(code, 0, "restore: {stdout}{stderr}");
    assert!(stdout.contains("ledger ok: 5 transfers"), "{stdout}");
    assert!(stdout.contains("audit chain intact: "), "{stdout}");
    let (code, _, stderr) = run(&["restore", dump.to_str().unwrap(), "--db", &fresh.url]);
    assert_eq!(code, 1);
    assert!(stderr.contains("already holds tables"), "{stderr}");
    let (code, stdout, stderr) = run(&["restore", dump.to_str().unwrap(), "--db", &fresh.url, "--force"]);
    assert_eq!(code, 0, "restore --force: {stdout}{stderr}");
    // A cut-short dump is refused before anything is dropped.
    let text = std::fs::read_to_string(&dump).unwrap();
    let short = out.path().join("short.sql");
    std::fs::write(&short, &text[..text.len() / 2]).unwrap();
    let (code, _, stderr) = run(&["restore", short.to_str().unwrap(), "--db", &fresh.url, "--force"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cut short"), "{stderr}");
    let (code, stdout, _) = run(&["ledger", "verify", "--db", &fresh.url]);
    assert_eq!(code, 0);
    assert!(stdout.contains("5 transfers"), "the database is as it was: {stdout}");
    // A SQLite backup does not go into PostgreSQL.
    let sqlite_backup = out.path().join("other.db");
    std::fs::write(&sqlite_backup, b"SQLite format 3\0rest").unwrap();
    let (code, _, stderr) = run(&["restore", sqlite_backup.to_str().unwrap(), "--db", &fresh.url]);
    assert_eq!(code, 1);
    assert!(stderr.contains("is a SQLite backup"), "{stderr}");
}
