//! Team roles and videos through the real binary with the manual clock, on SQLite and PostgreSQL:
//! the owner adds members over the API, a 64 MiB video streamed in while the server's peak memory
//! stays flat, an upload broken off midway leaving no file, refusals by content and by size,
//! approval, publication by the job at exactly `publish_at`, pins on a verified account, the
//! month calendar and cadence, and another merchant seeing none of it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use test_support::{Backend, Client, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

const MIB: u64 = 1024 * 1024;

struct Story {
    server: Server,
    data_dir: tempfile::TempDir,
    admin: Client,
    reviewer: Client,
    owner: Client,
    operator: Client,
    approver: Client,
    finance: Client,
    other: Client,
    service: Client,
    _db: TestDb,
}

async fn ok(answer: test_support::http::Answer, what: &str) -> Value {
    assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
    answer.json
}

impl Story {
    async fn at(&self, now: &str) {
        ok(self.admin.put("/api/v1/admin/clock", &json!({ "now": now })).await, "set clock").await;
        ok(self.admin.post("/api/v1/admin/jobs/run", &json!({})).await, "run jobs").await;
    }

    fn files(&self, folder: &str) -> Vec<String> {
        files_in(&self.data_dir.path().join(folder))
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    }
}

async fn start(backend: Backend, extra: &[&str]) -> Story {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_str().unwrap().to_owned();
    let mut args = vec!["--db", &db.url, "--data-dir", &dir, "--clock", "manual=2026-09-07T10:00:00+08:00"];
    args.extend_from_slice(extra);
    let server = Server::start(binary(), &args);
    let login = |name: &'static str| {
        let client = server.client();
        async move { client.login(name, &password(name)).await }
    };
    let owner = login("m1").await;
    for (username, team_role) in
        [("m1-operator", "operator"), ("m1-approver", "approver"), ("m1-finance", "finance")]
    {
        let body = json!({"username": username, "password": password(username), "team_role": team_role});
        let added = ok(owner.post("/api/v1/team/members", &body).await, "add member").await;
        assert_eq!(
            (added["username"].as_str(), added["team_role"].as_str()),
            (Some(username), Some(team_role))
        );
    }
    Story {
        admin: login("admin").await,
        reviewer: login("reviewer").await,
        operator: login("m1-operator").await,
        approver: login("m1-approver").await,
        finance: login("m1-finance").await,
        other: login("m2").await,
        service: login("svc").await,
        owner,
        server,
        data_dir,
        _db: db,
    }
}

/// The bytes of a test video: an MP4 `ftyp` box, then a pattern repeating every 1 MiB, `total`
/// bytes in all, produced in 1 MiB pieces so that no side ever holds the whole file.
fn video_piece(index: u64, total: u64) -> Vec<u8> {
    static PATTERN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let pattern = PATTERN.get_or_init(|| (0..MIB).map(|i| (i % 251) as u8).collect());
    let length = (total - index * MIB).min(MIB) as usize;
    let mut piece = pattern[..length].to_vec();
    if index == 0 {
        let head = b"\0\0\0\x18ftypisom\0\0\x02\0isomavc1\0\0\0\x08free";
        let n = head.len().min(piece.len());
        piece[..n].copy_from_slice(&head[..n]);
    }
    piece
}

/// A PUT of a raw body over a plain socket: the body is written piece by piece, and only
/// `send_bytes` of the declared `total` are sent before the socket is closed when `send_bytes`
/// is less. Answers the status and the body (`None` when the server answered nothing).
fn raw_put(
    base: &str,
    path: &str,
    token: &str,
    total: u64,
    send_bytes: u64,
) -> (Option<(u16, Value)>, String) {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: video/mp4\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut hasher = Sha256::new();
    let mut sent = 0;
    let mut index = 0;
    while sent < send_bytes {
        let mut piece = video_piece(index, total);
        piece.truncate((send_bytes - sent) as usize);
        hasher.update(&piece);
        if stream.write_all(&piece).is_err() {
            break; // The server answered early (a refusal) and closed.
        }
        sent += piece.len() as u64;
        index += 1;
    }
    let sha256 = hex::encode(hasher.finalize());
    if send_bytes < total {
        // Broken off: the client goes away mid-body.
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return (None, sha256);
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok());
    let body =
        text.split("\r\n\r\n").nth(1).and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    (status.map(|s| (s, body)), sha256)
}

/// A figure of `/proc/PID/status` in bytes (`VmRSS`, `VmHWM`...).
fn proc_status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status.lines().find(|l| l.starts_with(field)).expect(field);
    let kib: u64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number");
    kib * 1024
}

/// The server's peak resident memory since it started or since `reset_peak_rss`, in bytes.
fn peak_rss_bytes(pid: u32) -> u64 {
    proc_status_bytes(pid, "VmHWM:")
}

/// Resets the server's peak resident memory to its current value (`clear_refs` 5) and answers it.
fn reset_peak_rss(pid: u32) -> u64 {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak RSS");
    proc_status_bytes(pid, "VmRSS:")
}

fn token(client: &Client) -> String {
    client.token.clone().expect("logged in")
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend(std::iter::repeat_n(7_u8, 2_000));
    bytes
}

const BOUNDARY: &str = "xiaodian-videos-boundary-4f7a";

/// A verified enterprise account of the owner, through the blue-V flow of the API.
async fn verified_account(s: &Story, nickname: &str) -> i64 {
    let account =
        ok(s.owner.post("/api/v1/enterprise-accounts", &json!({"nickname": nickname})).await, "account")
            .await["id"]
            .as_i64()
            .unwrap();
    let application = json!({
        "account_id": account,
        "company_name": "杭州小店科技有限公司",
        "brand_name": nickname,
        "uscc": "91350100M000100Y43",
        "legal_rep_name": "张三",
        "legal_rep_id_number": "11010519491231002X",
        "industry": "apparel",
        "contact_phone": "13800138000",
        "contact_email": "ops@xiaodian.example",
        "operator_is_legal_rep": true,
    });
    let id =
        ok(s.owner.post("/api/v1/verifications", &application).await, "apply").await["id"].as_i64().unwrap();
    for (kind, bytes, content_type) in [
        ("business_licence", png(), "image/png"),
        ("application_letter", b"%PDF-1.4\n%%EOF\n".to_vec(), "application/pdf"),
    ] {
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n--{BOUNDARY}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let path = format!("/api/v1/verifications/{id}/documents");
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        ok(s.owner.post_raw(&path, &content_type, body).await, kind).await;
    }
    let fee = json!({"amount_fen": 60_000, "payment_ref": format!("fee-{id}")});
    let path = format!("/api/v1/verifications/{id}/fee-payments");
    ok(s.service.post_with(&path, &[("Idempotency-Key", &format!("fee-{id}"))], &fee).await, "fee").await;
    ok(s.owner.post(&format!("/api/v1/verifications/{id}/submit"), &json!({})).await, "submit").await;
    ok(s.reviewer.post(&format!("/api/v1/verifications/{id}/claim"), &json!({})).await, "claim").await;
    let decision = json!({"outcome": "approve"});
    ok(s.reviewer.post(&format!("/api/v1/verifications/{id}/decision"), &decision).await, "approve").await;
    account
}

async fn new_video(s: &Story, account: i64, title: &str) -> i64 {
    let body = json!({"title": title, "description": "年货节限时优惠", "tags": ["#春节", "年货"]});
    let created = s.operator.post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["status"], "draft");
    created.json["id"].as_i64().unwrap()
}

both_backends!(video_story);

/// The acceptance figure: a 1 GiB video streamed into a fresh server (one login, argon2id
/// included) keeps its peak resident memory since start under 100 MB. Memory is the server's, not
/// the database's, so SQLite is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_gib_upload_keeps_the_server_under_100_mb() {
    let db = TestDb::new(Backend::Sqlite).await;
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(binary(), &["--db", &db.url, "--data-dir", &dir]);
    let owner = server.client().login("m1", &password("m1")).await;
    let account =
        ok(owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号企业号"})).await, "account")
            .await["id"]
            .as_i64()
            .unwrap();
    let video = ok(
        owner
            .post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &json!({"title": "1 GiB"}))
            .await,
        "video",
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let pid = server.pid();
    let rss_before = proc_status_bytes(pid, "VmRSS:");
    let total = 1024 * MIB;
    let (base, path, t) = (server.base.clone(), format!("/api/v1/videos/{video}/file"), token(&owner));
    let started = Instant::now();
    let (answer, sha256) =
        tokio::task::spawn_blocking(move || raw_put(&base, &path, &t, total, total)).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let (status, body) = answer.expect("an answer");
    assert_eq!(
        (status, body["sha256"].as_str(), body["bytes"].as_u64()),
        (200, Some(sha256.as_str()), Some(total))
    );
    let peak = peak_rss_bytes(pid);
    println!(
        "1 GiB upload: RSS {:.1} MB before, peak since start {:.1} MB, {seconds:.1} s ({:.0} MiB/s)",
        rss_before as f64 / 1e6,
        peak as f64 / 1e6,
        1024.0 / seconds
    );
    assert!(peak < 100_000_000, "peak RSS {peak} bytes");
    assert_eq!(std::fs::metadata(data_dir.path().join("videos").join(&sha256)).unwrap().len(), total);
}

async fn video_story(backend: Backend) {
    // The content settings of serve: a smaller file limit, and a festival list of our own.
    let festivals = tempfile::NamedTempFile::new().unwrap();
    let list =
        "# ours\nlunar mid_autumn 0 1 中秋 | Mid-Autumn Festival\nfixed 09-09 1 99公益日 | 99 Giving Day\n";
    std::fs::write(festivals.path(), list).unwrap();
    let festivals_path = festivals.path().to_str().unwrap().to_owned();
    let s = start(backend, &["--video-bytes-max", "100000000", "--festivals", &festivals_path]).await;
    let base = s.server.base.clone();

    // The team: the owner manages it, the others cannot; /me names each one's team role.
    let me = ok(s.operator.get("/api/v1/me").await, "me").await;
    assert_eq!(
        (me["team_role"].as_str(), me["team_rights"].clone()),
        (Some("operator"), json!(["edit_content", "reply"]))
    );
    assert_eq!(ok(s.owner.get("/api/v1/me").await, "me").await["team_role"], "owner");
    assert!(ok(s.admin.get("/api/v1/me").await, "me").await["team_role"].is_null());
    let members = ok(s.owner.get("/api/v1/team/members").await, "members").await;
    assert_eq!(members["items"].as_array().unwrap().len(), 4);
    s.operator.get("/api/v1/team/members").await.assert_problem(403, "forbidden");
    let bad = json!({"username": "x-1", "password": "long-enough-1", "team_role": "boss"});
    s.owner.post("/api/v1/team/members", &bad).await.assert_problem(400, "unknown_team_role");
    let owner_id = members["items"][0]["user_id"].as_i64().unwrap();
    let demote = json!({"team_role": "finance"});
    s.owner.put(&format!("/api/v1/team/members/{owner_id}"), &demote).await.assert_problem(409, "last_owner");
    s.owner.delete(&format!("/api/v1/team/members/{owner_id}")).await.assert_problem(409, "last_owner");
    s.other.put(&format!("/api/v1/team/members/{owner_id}"), &demote).await.assert_problem(404, "not_found");
    let temp = json!({"username": "m1-temp", "password": password("m1-temp"), "team_role": "approver"});
    let temp_id =
        ok(s.owner.post("/api/v1/team/members", &temp).await, "temp").await["user_id"].as_i64().unwrap();
    let temp_client = s.server.client().login("m1-temp", &password("m1-temp")).await;
    assert_eq!(ok(temp_client.get("/api/v1/me").await, "me").await["team_role"], "approver");
    let changed = ok(s.owner.put(&format!("/api/v1/team/members/{temp_id}"), &demote).await, "change").await;
    assert_eq!(changed["team_rights"], json!(["view_money"]));
    assert_eq!(ok(temp_client.get("/api/v1/me").await, "me").await["team_role"], "finance", "at once");
    assert_eq!(s.owner.delete(&format!("/api/v1/team/members/{temp_id}")).await.status, 204);
    temp_client.get("/api/v1/me").await.assert_problem(401, "unauthorized");

    // A draft with a 64 MiB file streamed in: the server's peak memory stays far below the file.
    let account = verified_account(&s, "一号企业号").await;
    let video = new_video(&s, account, "春节上新 第一集").await;
    s.finance
        .post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &json!({"title": "x"}))
        .await
        .assert_problem(403, "forbidden");
    let pid = s.server.pid();
    let rss_before = reset_peak_rss(pid);
    let path = format!("/api/v1/videos/{video}/file");
    let (t, b, p) = (token(&s.operator), base.clone(), path.clone());
    let total = 64 * MIB;
    let (answer, sha256) =
        tokio::task::spawn_blocking(move || raw_put(&b, &p, &t, total, total)).await.unwrap();
    let (status, body) = answer.expect("an answer");
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["sha256"].as_str(), body["bytes"].as_u64()), (Some(sha256.as_str()), Some(total)));
    assert_eq!(body["type"], "mp4");
    let peak = peak_rss_bytes(pid);
    println!("64 MiB upload: RSS {} MB before, peak {} MB during", rss_before / 1_000_000, peak / 1_000_000);
    assert!(
        peak.saturating_sub(rss_before) < 32_000_000,
        "the upload grew the server by {} bytes",
        peak - rss_before
    );
    let stored = s.data_dir.path().join("videos").join(&sha256);
    assert_eq!(std::fs::metadata(&stored).unwrap().len(), total);
    assert!(s.files("tmp").is_empty());

    // An upload broken off midway leaves no file behind, and the earlier file stays.
    let (t, b, p) = (token(&s.operator), base.clone(), path.clone());
    let (answer, _) =
        tokio::task::spawn_blocking(move || raw_put(&b, &p, &t, 32 * MIB, 9 * MIB)).await.unwrap();
    assert!(answer.is_none());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.files("tmp").is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(s.files("tmp").is_empty(), "the broken upload's temporary file is gone");
    assert_eq!(s.files("videos"), std::slice::from_ref(&sha256));
    let draft = ok(s.finance.get(&format!("/api/v1/videos/{video}")).await, "get").await;
    assert_eq!(draft["file"]["sha256"], sha256.as_str());

    // Refused by content, and by declared size before a byte is read.
    let pdf = b"%PDF-1.7\nnot a video at all, whatever its name says\n".repeat(10);
    s.operator.post_raw(&path, "video/mp4", pdf.clone()).await.assert_problem(405, "method_not_allowed");
    let put = |client: &Client, path: &str, body: Vec<u8>| {
        let request = test_support::http::reqwest_client().put(format!("{base}{path}")).body(body);
        let client = client.clone();
        async move { client.send(request).await }
    };
    put(&s.operator, &path, pdf).await.assert_problem(415, "unsupported_video_type");
    let huge = {
        let address = base.trim_start_matches("http://").to_owned();
        let head = format!(
            "PUT {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
            token(&s.operator),
            100_000_001
        );
        tokio::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            stream.write_all(head.as_bytes()).unwrap();
            let mut answer = vec![0_u8; 4096];
            let n = stream.read(&mut answer).unwrap_or(0);
            String::from_utf8_lossy(&answer[..n]).into_owned()
        })
        .await
        .unwrap()
    };
    assert!(huge.starts_with("HTTP/1.1 413") && huge.contains("video_too_large"), "{huge}");
    put(&s.approver, &path, b"\0\0\0\x18ftypisom".to_vec()).await.assert_problem(403, "forbidden");
    let cover = put(&s.operator, &format!("/api/v1/videos/{video}/cover"), png()).await;
    assert_eq!(
        (cover.status, cover.json["content_type"].as_str()),
        (200, Some("image/png")),
        "{}",
        cover.text
    );
    let cover = s.finance.get(&format!("/api/v1/videos/{video}/cover")).await;
    assert_eq!((cover.status, cover.content_type.as_str()), (200, "image/png"));

    // Approval, then publication by the job at exactly publish_at.
    let video_path = format!("/api/v1/videos/{video}");
    let schedule = json!({"publish_at": "2026-09-10T20:00:00+08:00"});
    s.operator
        .post(&format!("{video_path}/schedule"), &schedule)
        .await
        .assert_problem(409, "video_status_conflict");
    ok(s.operator.post(&format!("{video_path}/submit"), &json!({})).await, "submit").await;
    s.operator.post(&format!("{video_path}/approve"), &json!({})).await.assert_problem(403, "forbidden");
    s.operator
        .post(&format!("{video_path}/schedule"), &schedule)
        .await
        .assert_problem(409, "video_status_conflict");
    s.approver
        .post(&format!("{video_path}/send-back"), &json!({}))
        .await
        .assert_problem(400, "invalid_field");
    let approve = s
        .approver
        .send(test_support::http::reqwest_client().post(format!("{base}{video_path}/approve")))
        .await;
    assert_eq!(
        (approve.status, approve.json["status"].as_str()),
        (200, Some("approved")),
        "{}",
        approve.text
    );
    let past = json!({"publish_at": "2026-09-07T09:00:00+08:00"});
    s.operator
        .post(&format!("{video_path}/schedule"), &past)
        .await
        .assert_problem(400, "invalid_publish_time");
    let garbled = json!({"publish_at": "next friday"});
    s.operator.post(&format!("{video_path}/schedule"), &garbled).await.assert_problem(400, "invalid_date");
    let scheduled = ok(s.operator.post(&format!("{video_path}/schedule"), &schedule).await, "schedule").await;
    assert_eq!(scheduled["publish_at"], "2026-09-10T20:00:00+08:00");
    s.at("2026-09-10T19:59:59.999+08:00").await;
    assert_eq!(ok(s.finance.get(&video_path).await, "get").await["status"], "scheduled", "not one ms early");
    s.at("2026-09-10T20:00:00+08:00").await;
    let published = ok(s.finance.get(&video_path).await, "get").await;
    assert_eq!(
        (published["status"].as_str(), published["published_at"].as_str()),
        (Some("published"), Some("2026-09-10T20:00:00+08:00"))
    );

    // Pins on the verified account; an unverified account cannot pin.
    ok(s.operator.post(&format!("{video_path}/pin"), &json!({})).await, "pin").await;
    let plain =
        ok(s.owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "二号企业号"})).await, "plain")
            .await["id"]
            .as_i64()
            .unwrap();
    let unverified = new_video(&s, plain, "未认证号的视频").await;
    let body = json!({"title": "未认证号的视频", "external_url": "https://v.example.com/1"});
    ok(s.operator.put(&format!("/api/v1/videos/{unverified}"), &body).await, "edit").await;
    for step in ["submit", "approve", "publish"] {
        let client = if step == "approve" { &s.approver } else { &s.operator };
        ok(client.post(&format!("/api/v1/videos/{unverified}/{step}"), &json!({})).await, step).await;
    }
    let pin = s.operator.post(&format!("/api/v1/videos/{unverified}/pin"), &json!({})).await;
    pin.assert_problem(409, "account_not_verified");

    // The calendar and the cadence.
    let cadence = ok(
        s.operator
            .put(&format!("/api/v1/enterprise-accounts/{account}/cadence"), &json!({"videos_per_week": 3}))
            .await,
        "cadence",
    )
    .await;
    assert_eq!((cadence["videos_per_week"].as_i64(), cadence["behind"].as_bool()), (Some(3), Some(true)));
    let calendar = ok(
        s.finance.get(&format!("/api/v1/enterprise-accounts/{account}/calendar?month=2026-09")).await,
        "calendar",
    )
    .await;
    let days = calendar["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[9]["videos"][0]["id"], video);
    assert_eq!(days[9]["videos"][0]["pinned"], true);
    assert_eq!(days[24]["holiday"], "中秋节");
    assert_eq!(days[24]["festivals"][0]["name"], "中秋");
    assert_eq!(
        days[8]["festivals"],
        json!([{"name": "99公益日", "name_en": "99 Giving Day", "first_day": true}])
    );
    assert_eq!(calendar["cadence"]["videos_per_week"], 3);
    s.finance
        .get(&format!("/api/v1/enterprise-accounts/{account}/calendar?month=2026-9"))
        .await
        .assert_problem(400, "invalid_date");

    // Another merchant sees none of it.
    s.other.get(&video_path).await.assert_problem(404, "not_found");
    s.other
        .get(&format!("/api/v1/enterprise-accounts/{account}/calendar"))
        .await
        .assert_problem(404, "not_found");
    s.other.post(&format!("{video_path}/withdraw"), &json!({})).await.assert_problem(404, "not_found");
    let theirs = ok(s.other.get("/api/v1/videos").await, "list").await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let queue = ok(s.approver.get("/api/v1/videos?status=published").await, "list").await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 2);
    let document = ok(s.server.client().get("/api/openapi.json").await, "openapi").await;
    assert_eq!(
        document["paths"]["/api/v1/videos/{id}/approve"]["post"]["x-team-rights"],
        json!(["approve_content"])
    );
}
