//! The security story, as an attacker would try it against the real binary: login floods and
//! lockouts, the cross-merchant ID warning, webhook targets inside the network and unfair delivery,
//! names that impersonate another company, slow clients, metric labels, reads beyond a role, and
//! the small leaks (cookies, file modes, redirects, secrets in logs). Incident → violation races
//! are in `races.rs`.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_support::{Backend, Client, Server, TestDb, both_backends};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{add_users, binary, password};

fn loopback(a: u8, b: u8, c: u8) -> IpAddr {
    IpAddr::from([127, a, b, c])
}

/// The server's peak resident memory (`VmHWM`), in kB.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

async fn login_status(client: &Client, username: &str, password: &str) -> u16 {
    client.post("/api/v1/auth/login", &json!({"username": username, "password": password})).await.status
}

both_backends!(logins_are_bounded_throttled_per_address_and_logged);

async fn logins_are_bounded_throttled_per_address_and_logged(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url]);

    // 200 concurrent logins for unknown users from 200 addresses: hashing is bounded, the rest
    // are refused at once, and memory stays low. The clients are made first and start together.
    let clients: Vec<Client> = (0..200_u16)
        .map(|n| Client::bound_to(&server.base, loopback(1, (n / 250) as u8, (n % 250 + 1) as u8)))
        .collect();
    let start = Arc::new(tokio::sync::Barrier::new(clients.len()));
    let floods: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(n, client)| {
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                login_status(&client, &format!("nobody{n}"), "guess-guess").await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for flood in floods {
        statuses.push(flood.await.unwrap());
    }
    assert!(statuses.iter().all(|s| matches!(s, 401 | 503)), "{statuses:?}");
    assert!(statuses.contains(&503), "the hashing queue refused some: {statuses:?}");
    let peak_mb = peak_rss_kb(server.pid()) / 1024;
    assert!(peak_mb < 300, "peak RSS {peak_mb} MB after 200 concurrent logins");

    // 60 concurrent wrong passwords for one user from one address: at most the limit are checked.
    let attacker = Client::bound_to(&server.base, loopback(0, 0, 1));
    let guesses: Vec<_> = (0..60)
        .map(|_| {
            let attacker = attacker.clone();
            tokio::spawn(async move { login_status(&attacker, "reviewer", "wrong-password").await })
        })
        .collect();
    let mut checked = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            401 => checked += 1,
            429 => {}
            other => panic!("a guess answered {other}"),
        }
    }
    assert!((1..=10).contains(&checked), "{checked} guesses were checked");
    attacker
        .post("/api/v1/auth/login", &json!({"username": "reviewer", "password": password("reviewer")}))
        .await
        .assert_problem(429, "too_many_login_attempts");
    // The real user, from another address, is not locked out.
    let user = Client::bound_to(&server.base, loopback(0, 0, 2));
    assert_eq!(login_status(&user, "reviewer", &password("reviewer")).await, 200);

    let waited = Instant::now();
    while !server.logs().contains("login_throttled") && waited.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs = server.logs();
    assert!(
        logs.contains("login_failed") && logs.contains("username=\"reviewer\""),
        "failed logins are logged"
    );
    assert!(logs.contains("login_throttled") && logs.contains("127.0.0.1"), "throttling is logged");
    assert!(
        !logs.contains("wrong-password") && !logs.contains(&password("reviewer")),
        "no password is logged"
    );
}

/// A receiver on loopback: answers 200 after `delay`, and records each request's arrival.
async fn receiver(delay: Duration) -> (String, Arc<Mutex<Vec<Instant>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for _ in 0..200 {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0_u8; 65536];
                let _ = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buffer)).await;
                log.lock().unwrap().push(Instant::now());
                tokio::time::sleep(delay).await;
                let answer = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

async fn delivery(client: &Client, id: i64) -> Value {
    let answer = client.get(&format!("/api/v1/webhook/deliveries/{id}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json
}

both_backends!(webhook_targets_are_public_and_delivery_is_fair);

async fn webhook_targets_are_public_and_delivery_is_fair(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let strict = Server::start(binary(), &["--db", &db.url]);
    let owner = strict.client().login("m1", &password("m1")).await;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1:6379/",
        "http://[::1]:22/",
        "http://localhost:5432/",
        "http://0x7f000001:18101/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
    ] {
        owner
            .put("/api/v1/webhook", &json!({"url": url}))
            .await
            .assert_problem(400, "webhook_target_not_public");
    }
    assert_eq!(owner.get("/api/v1/webhook").await.json["webhook"], Value::Null, "nothing was set");

    // A name that passed the first check but points at this machine when the event goes out (a
    // DNS change): refused at delivery, and the log says only that.
    let (local_url, local_seen) = receiver(Duration::ZERO).await;
    let secret_url = "http://93.184.216.34/hook?token=s3cr3t-in-query";
    let set = owner.put("/api/v1/webhook", &json!({"url": secret_url})).await;
    assert_eq!(set.status, 200, "{}", set.text);
    let port = local_url.rsplit(':').next().unwrap().trim_end_matches("/hook");
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&db.url).await.unwrap();
    sqlx::query("UPDATE webhooks SET url = $1")
        .bind(format!("http://localhost:{port}/hook"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let ping = owner.post("/api/v1/webhook/ping", &json!({})).await;
    assert_eq!(ping.status, 202, "{}", ping.text);
    let id = ping.json["id"].as_i64().unwrap();
    let started = Instant::now();
    let refused = loop {
        let d = delivery(&owner, id).await;
        if d["attempts"].as_i64() == Some(1) {
            break d;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "no attempt: {d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(refused["log"][0]["status_code"], Value::Null);
    assert!(refused["log"][0]["error"].as_str().unwrap().starts_with("refused"), "{refused}");
    assert!(local_seen.lock().unwrap().is_empty(), "nothing reached the local address");
    let logs = strict.logs();
    assert!(!logs.contains("s3cr3t-in-query"), "the query of a webhook address is never logged");
    let admin = strict.client().login("admin", &password("admin")).await;
    let audit = admin.get("/api/v1/admin/audit?limit=200").await;
    assert!(
        !audit.text.contains("s3cr3t-in-query") && audit.text.contains("93.184.216.34/hook"),
        "audit redacted"
    );
    drop(strict);

    // An intranet install allows private targets: one merchant's slow endpoint delays only itself.
    let server = Server::start(binary(), &["--db", &db.url, "--webhook-allow-private"]);
    let m1 = server.client().login("m1", &password("m1")).await;
    let m2 = server.client().login("m2", &password("m2")).await;
    let (slow_url, slow_seen) = receiver(Duration::from_secs(4)).await;
    let (fast_url, _) = receiver(Duration::ZERO).await;
    assert_eq!(m1.put("/api/v1/webhook", &json!({"url": slow_url})).await.status, 200);
    assert_eq!(m2.put("/api/v1/webhook", &json!({"url": fast_url})).await.status, 200);
    for _ in 0..6 {
        assert_eq!(m1.post("/api/v1/webhook/ping", &json!({})).await.status, 202);
    }
    let started = Instant::now();
    while slow_seen.lock().unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the slow endpoint was never reached");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let asked = Instant::now();
    let fast = m2.post("/api/v1/webhook/ping", &json!({})).await.json["id"].as_i64().unwrap();
    loop {
        if delivery(&m2, fast).await["status"] == "delivered" {
            break;
        }
        assert!(
            asked.elapsed() < Duration::from_secs(3),
            "another merchant's slow endpoint delayed this one"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(slow_seen.lock().unwrap().len(), 1, "one delivery in flight per merchant");
    // Pings are rate limited per merchant: 10 a minute, and m1 has sent 6 already.
    let mut answers = Vec::new();
    for _ in 0..6 {
        answers.push(m1.post("/api/v1/webhook/ping", &json!({})).await.status);
    }
    assert!(answers.contains(&429), "pings are limited: {answers:?}");
}

both_backends!(names_are_normalised_and_entities_held_by_one_merchant);

async fn names_are_normalised_and_entities_held_by_one_merchant(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url]);
    let m1 = server.client().login("m1", &password("m1")).await;
    let m2 = server.client().login("m2", &password("m2")).await;
    let shop = |name: &str, entity: &str| json!({"name": name, "entity_type": "enterprise", "entity_name": entity, "category": "food"});
    let first = m1.post("/api/v1/shops", &shop("一号小店", "  一号商家科技 有限公司 ")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.json["entity_name"], "一号商家科技 有限公司", "spaces collapsed and trimmed");
    // The same company, written wider, with a zero-width space: held by m1.
    for entity in ["一号商家科技有限公司\u{200B}", "一号商家科技有限公司", "一号商家科技　有限公司"]
    {
        let taken = m2.post("/api/v1/shops", &shop("冒名小店", entity)).await;
        taken.assert_problem(409, "entity_held_elsewhere");
        assert!(
            !taken.text.contains("一号"),
            "the refusal names nothing of the other merchant: {}",
            taken.text
        );
    }
    for (name, entity) in [
        ("\u{200B}\u{200C}", "二号商家有限公司"),
        ("二号\u{202E}店", "二号商家有限公司"),
        ("二号店", "\u{2060}"),
    ] {
        m2.post("/api/v1/shops", &shop(name, entity)).await.assert_problem(400, "invalid_field");
    }
    let own = m2.post("/api/v1/shops", &shop("ＡＢＣ小店", "二号商家有限公司")).await;
    assert_eq!(own.status, 201, "{}", own.text);
    assert_eq!(own.json["name"], "ABC小店", "NFKC");
    // The holder opens another shop of its own entity.
    assert_eq!(m1.post("/api/v1/shops", &shop("一号二店", "一号商家科技有限公司")).await.status, 201);
}

/// Sends `head` and then nothing; answers how long the server took to close the connection.
async fn time_to_close(base: &str, head: &[u8]) -> Duration {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head).await.unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "still open after 20 s");
    started.elapsed()
}

both_backends!(slow_clients_odd_methods_and_small_leaks);

async fn slow_clients_odd_methods_and_small_leaks(backend: Backend) {
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
            "--public-url",
            "https://xiaodian.example",
            "--header-read-timeout-seconds",
            "3",
            "--body-idle-timeout-seconds",
            "3",
        ],
    );

    // Half-sent headers and a half-sent body are both closed within 15 s.
    let half_headers = time_to_close(&server.base, b"GET /healthz HTTP/1.1\r\nhost: x\r\n").await;
    assert!(half_headers < Duration::from_secs(15), "{half_headers:?}");
    let half_body = time_to_close(
        &server.base,
        b"POST /api/v1/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"user",
    )
    .await;
    assert!(half_body < Duration::from_secs(15), "{half_body:?}");

    // Made-up methods add no series to /metrics.
    let client = server.client();
    let series = |text: &str| text.lines().filter(|l| l.starts_with("xiaodian_http_requests_total{")).count();
    let before = series(&client.get("/metrics").await.text);
    for n in 0..3000 {
        let method = reqwest::Method::from_bytes(format!("X{n}").as_bytes()).unwrap();
        let answer = client.request(method, "/api/v1/me").await;
        assert!(answer.status >= 400);
    }
    let after = series(&client.get("/metrics").await.text);
    assert!(after <= before + 3, "series grew from {before} to {after}");

    // The language switch follows only console paths.
    let bad = client.get("/console/lang?to=en&back=//evil.example/").await;
    assert_eq!(bad.status, 400);
    let crlf = client.get("/console/lang?to=en&back=/console/home%0d%0aSet-Cookie:%20x=1").await;
    assert_eq!(crlf.status, 400);

    // The session cookie is Secure behind an https public address.
    let login_page =
        test_support::http::reqwest_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = login_page.get(format!("{}/console/login", server.base)).send().await.unwrap();
    let csrf_cookie = page.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    let csrf = csrf_cookie.split(';').next().unwrap().split('=').nth(1).unwrap().to_owned();
    let login = login_page
        .post(format!("{}/console/login", server.base))
        .header("cookie", format!("xd_csrf={csrf}"))
        .form(&[("username", "m1"), ("password", &password("m1")), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    let session = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("xd_session="))
        .expect("a session cookie");
    assert!(session.contains("Secure") && session.contains("HttpOnly"), "{session}");

    // Reads beyond a role: the payment channel reads no application, finance no documents.
    let m1 = server.client().login("m1", &password("m1")).await;
    let service = server.client().login("svc", &password("svc")).await;
    let account = m1.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号商家"})).await;
    let body = json!({
        "account_id": account.json["id"], "company_name": "一号商家", "uscc": "91350100M000100Y43",
        "legal_rep_name": "张三", "legal_rep_id_number": "11010519491231002X", "industry": "food",
        "contact_phone": "13800138000", "contact_email": "ops@xiaodian.example", "operator_is_legal_rep": true,
    });
    let applied = m1.post("/api/v1/verifications", &body).await;
    assert_eq!(applied.status, 201, "{}", applied.text);
    let id = applied.json["id"].as_i64().unwrap();
    service.get(&format!("/api/v1/verifications/{id}")).await.assert_problem(403, "forbidden");
    let member =
        json!({"username": "m1-finance", "password": password("m1-finance"), "team_role": "finance"});
    assert_eq!(m1.post("/api/v1/team/members", &member).await.status, 201);
    let finance = server.client().login("m1-finance", &password("m1-finance")).await;
    finance.get(&format!("/api/v1/verifications/{id}")).await.assert_problem(403, "forbidden");

    // One access line per request, with its request id; the embedded database is private.
    server.client().get("/api/v1/me").await.assert_problem(401, "unauthorized");
    let logged = |logs: &str| {
        logs.contains("request_id=") && logs.contains("route=\"/api/v1/me\"") && logs.contains("status=401")
    };
    // The line reaches the test through the server's standard error a moment after the answer.
    let waited = Instant::now();
    while !logged(&server.logs()) {
        assert!(waited.elapsed() < Duration::from_secs(10), "no access line: {}", server.logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if backend == Backend::Sqlite {
        use std::os::unix::fs::PermissionsExt;
        let path = db.url.trim_start_matches("sqlite:").split('?').next().unwrap().to_owned();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path} is {mode:o}");
    }
}
