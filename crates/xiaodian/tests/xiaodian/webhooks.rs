//! The notification centre and webhooks through the real binary with the manual clock, on SQLite and
//! PostgreSQL: the owner sets an endpoint over the API, the server's own sender posts signed events
//! (a slow endpoint holding nobody's request), retries on the app clock, and keeps the log.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_support::{Backend, Client, Server, TestDb, both_backends};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{add_users, binary, password};

async fn ok(answer: test_support::http::Answer, what: &str) -> Value {
    assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
    answer.json
}

/// Requests the endpoint received: (signature header, body).
pub(crate) type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// An endpoint answering `first` to its first request and 200 afterwards; with `hang_first`, the first
/// request gets no answer for 20 s instead.
pub(crate) async fn endpoint(first: u16, hang_first: bool) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut count = 0;
        while let Ok((mut socket, _)) = listener.accept().await {
            count += 1;
            let log = log.clone();
            let (status, hang) = if count == 1 { (first, hang_first) } else { (200, false) };
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                let mut buffer = [0_u8; 8192];
                let (head, body) = loop {
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    bytes.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let head = text[..end].to_ascii_lowercase();
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse().unwrap());
                        if bytes.len() >= end + 4 + length {
                            break (
                                head,
                                String::from_utf8_lossy(&bytes[end + 4..end + 4 + length]).into_owned(),
                            );
                        }
                    }
                };
                let signature = head
                    .lines()
                    .find_map(|l| l.strip_prefix("x-xiaodian-signature:"))
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                log.lock().unwrap().push((signature, body));
                if hang {
                    tokio::time::sleep(Duration::from_secs(20)).await;
                }
                let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

/// Polls the delivery until `done` holds (the sender runs every second), at most 15 s.
async fn delivery_until(owner: &Client, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let delivery = ok(owner.get(&format!("/api/v1/webhook/deliveries/{id}")).await, "delivery").await;
        if done(&delivery) {
            return delivery;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "delivery {id} stayed {delivery}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

both_backends!(webhooks_through_the_binary);

async fn webhooks_through_the_binary(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(
        binary(),
        &[
            "--db",
            &db.url,
            "--data-dir",
            &dir,
            "--clock",
            "manual=2026-09-07T10:00:00+08:00",
            "--webhook-allow-private",
        ],
    );
    let owner = server.client().login("m1", &password("m1")).await;
    let admin = server.client().login("admin", &password("admin")).await;
    let body = json!({"username": "m1-finance", "password": password("m1-finance"), "team_role": "finance"});
    ok(owner.post("/api/v1/team/members", &body).await, "add finance").await;
    let finance = server.client().login("m1-finance", &password("m1-finance")).await;

    // Refusals: a bad address, a member without the right; nothing is set.
    owner
        .put("/api/v1/webhook", &json!({"url": "ftp://x.example"}))
        .await
        .assert_problem(400, "invalid_field");
    finance
        .put("/api/v1/webhook", &json!({"url": "http://127.0.0.1:9/h"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(ok(owner.get("/api/v1/webhook").await, "no webhook").await["webhook"], Value::Null);

    // The endpoint answers 503 once: the ping is retried 30 s later on the app clock.
    let (url, seen) = endpoint(503, false).await;
    let set = ok(owner.put("/api/v1/webhook", &json!({"url": url})).await, "set webhook").await;
    let secret = set["secret"].as_str().unwrap().to_owned();
    assert_eq!(set["url"], url.as_str());
    let ping = owner.post("/api/v1/webhook/ping", &json!({})).await;
    assert_eq!(ping.status, 202, "{}", ping.text);
    let id = ping.json["id"].as_i64().unwrap();
    let failed_once = delivery_until(&owner, id, |d| d["attempts"] == 1).await;
    assert_eq!(
        (failed_once["status"].as_str(), failed_once["last_status_code"].as_i64()),
        (Some("pending"), Some(503))
    );
    assert_eq!(failed_once["next_attempt_at"], "2026-09-07T10:00:30+08:00");
    ok(admin.put("/api/v1/admin/clock", &json!({"now": "2026-09-07T10:00:30+08:00"})).await, "clock").await;
    let delivered = delivery_until(&owner, id, |d| d["status"] == "delivered").await;
    let log: Vec<Option<i64>> =
        delivered["log"].as_array().unwrap().iter().map(|a| a["status_code"].as_i64()).collect();
    assert_eq!(log, [Some(503), Some(200)]);
    assert_eq!(delivered["payload"]["event"], "ping");
    for (signature, body) in seen.lock().unwrap().iter() {
        let t: i64 = signature.strip_prefix("t=").and_then(|s| s.split(',').next()).unwrap().parse().unwrap();
        assert_eq!(signature, &app::webhooks::signature(&secret, t, body), "signed with the secret");
    }

    // A hanging endpoint holds no request: the action that notifies answers at once, and the event
    // waits in the log while the sender is stuck on its own.
    let (slow_url, slow_seen) = endpoint(200, true).await;
    ok(owner.put("/api/v1/webhook", &json!({"url": slow_url})).await, "slow webhook").await;
    ok(owner.post("/api/v1/webhook/ping", &json!({})).await, "ping slow").await;
    let started = Instant::now();
    while slow_seen.lock().unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the sender never reached the slow endpoint");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let account =
        ok(owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号小店"})).await, "account")
            .await;
    let video =
        json!({"title": "上新", "description": "", "tags": [], "external_url": "https://v.example.com/1"});
    let path = format!("/api/v1/enterprise-accounts/{}/videos", account["id"]);
    let video = ok(owner.post(&path, &video).await, "video").await;
    let asked = Instant::now();
    ok(owner.post(&format!("/api/v1/videos/{}/submit", video["id"]), &json!({})).await, "submit").await;
    assert!(asked.elapsed() < Duration::from_secs(5), "the request waited for the endpoint");
    let deliveries = ok(owner.get("/api/v1/webhook/deliveries").await, "deliveries").await;
    let newest = &deliveries["items"][0];
    assert_eq!(
        (newest["event"].as_str(), newest["status"].as_str()),
        (Some("notification.created"), Some("pending"))
    );
    let notes = ok(owner.get("/api/v1/notifications?unread=true").await, "notifications").await;
    assert_eq!(notes["unread_count"], 1);
    assert_eq!(notes["items"][0]["kind"], "video.submitted");
    let finance_notes = ok(finance.get("/api/v1/notifications").await, "finance notifications").await;
    assert_eq!(finance_notes["unread_count"], 0, "finance does not approve videos");
    drop(server);
}
