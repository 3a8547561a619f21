//! The HTTP API of the real binary, on SQLite and on PostgreSQL.

use serde_json::json;
use test_support::{Backend, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

struct Running {
    server: Server,
    _db: TestDb,
}

async fn start(backend: Backend, extra: &[&str]) -> Running {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let mut args = vec!["--db", db.url.as_str()];
    args.extend_from_slice(extra);
    Running { server: Server::start(binary(), &args), _db: db }
}

both_backends!(auth_roles_and_tokens, bad_input_gets_problem_json, manual_clock_and_jobs, service_surface);

async fn auth_roles_and_tokens(backend: Backend) {
    let running = start(backend, &[]).await;
    let client = running.server.client();
    let wrong =
        client.post("/api/v1/auth/login", &json!({"username": "admin", "password": "nope-nope-nope"})).await;
    wrong.assert_problem(401, "invalid_credentials");

    let admin = client.login("admin", &password("admin")).await;
    let me = admin.get("/api/v1/me").await;
    assert_eq!(
        me.json,
        json!({"username": "admin", "role": "admin", "merchant_id": null, "team_role": null, "team_rights": null})
    );

    let merchant = client.login("m1", &password("m1")).await;
    let me = merchant.get("/api/v1/me").await;
    assert_eq!(me.json["role"], "merchant");
    assert!(me.json["merchant_id"].is_i64());
    merchant.post("/api/v1/admin/jobs/run", &json!({})).await.assert_problem(403, "forbidden");
    merchant.get("/api/v1/admin/audit").await.assert_problem(403, "forbidden");
    merchant
        .put("/api/v1/admin/clock", &json!({"now": "2026-11-23T10:00:00+08:00"}))
        .await
        .assert_problem(403, "forbidden");

    client.get("/api/v1/me").await.assert_problem(401, "unauthorized");
    client.with_token("forged-token").get("/api/v1/me").await.assert_problem(401, "unauthorized");
    let logout = merchant.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(logout.status, 204);
    merchant.get("/api/v1/me").await.assert_problem(401, "unauthorized");

    for _ in 0..10 {
        let answer = client
            .post("/api/v1/auth/login", &json!({"username": "reviewer", "password": "guess-guess"}))
            .await;
        answer.assert_problem(401, "invalid_credentials");
    }
    let limited = client
        .post("/api/v1/auth/login", &json!({"username": "reviewer", "password": password("reviewer")}))
        .await;
    limited.assert_problem(429, "too_many_login_attempts");

    let audit = admin.get("/api/v1/admin/audit?limit=5").await;
    assert_eq!(audit.status, 200);
    assert_eq!(audit.json["items"].as_array().unwrap().len(), 5);
    let cursor = audit.json["next_cursor"].as_str().unwrap();
    let older = admin.get(&format!("/api/v1/admin/audit?limit=5&cursor={cursor}")).await;
    assert!(
        older.json["items"][0]["seq"].as_i64().unwrap() < audit.json["items"][4]["seq"].as_i64().unwrap() + 1
    );

    let logs = running.server.logs();
    for secret in ["admin-password-1", "m1-password-1", &admin.token.clone().unwrap()] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}

async fn bad_input_gets_problem_json(backend: Backend) {
    let running = start(backend, &["--clock", "manual=2026-11-23T10:00:00+08:00"]).await;
    let client = running.server.client();
    let admin = client.login("admin", &password("admin")).await;
    let login = "/api/v1/auth/login";
    client
        .post_raw(login, "application/json", b"{\"username\": ".to_vec())
        .await
        .assert_problem(400, "malformed_json");
    client
        .post_raw(login, "application/json", br#"{"username": 5, "password": []}"#.to_vec())
        .await
        .assert_problem(400, "invalid_field");
    client
        .post_raw(login, "application/json", br#"{"username": "a"}"#.to_vec())
        .await
        .assert_problem(400, "invalid_field");
    client
        .post_raw(login, "text/plain", br#"{"username":"a","password":"b"}"#.to_vec())
        .await
        .assert_problem(415, "unsupported_media_type");
    let huge = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(2 * 1024 * 1024));
    // The server answers 413 before reading the whole body and closes that connection, so the
    // oversized request gets a client (and connection) of its own.
    let separate = test_support::Client::new(&client.base);
    separate
        .post_raw(login, "application/json", huge.into_bytes())
        .await
        .assert_problem(413, "payload_too_large");
    client.get("/api/v1/no-such-route").await.assert_problem(404, "not_found");
    client.get("/nowhere").await.assert_problem(404, "not_found");
    client.delete("/api/v1/auth/login").await.assert_problem(405, "method_not_allowed");
    client.get("/api/v1/calendar/days/2026-13-01").await.assert_problem(400, "invalid_date");
    client
        .get("/api/v1/calendar/add-workdays?from=2026-02-13&days=x")
        .await
        .assert_problem(400, "invalid_field");
    client
        .get("/api/v1/calendar/add-workdays?from=2026-02-13&days=99999")
        .await
        .assert_problem(400, "invalid_field");
    admin.put("/api/v1/admin/clock", &json!({"now": "yesterday"})).await.assert_problem(400, "invalid_date");
    admin.put("/api/v1/admin/clock", &json!({"later": 1})).await.assert_problem(400, "invalid_field");
    let notice = admin
        .send(
            test_support::http::reqwest_client()
                .post(format!("{}/api/v1/admin/calendar/notices", client.base))
                .body("year 2027\nbogus line\n"),
        )
        .await;
    notice.assert_problem(400, "invalid_calendar_notice");
    // The server is still healthy after all of it.
    assert_eq!(client.get("/healthz").await.status, 200);
}

async fn manual_clock_and_jobs(backend: Backend) {
    let running = start(backend, &["--clock", "manual=2026-11-23T10:00:00+08:00"]).await;
    let admin = running.server.client().login("admin", &password("admin")).await;
    let set = admin.put("/api/v1/admin/clock", &json!({"now": "2026-12-01T09:30:00+08:00"})).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json["now"], "2026-12-01T09:30:00+08:00");
    assert_eq!(admin.get("/api/v1/admin/clock").await.json["manual"], true);
    // The housekeeping jobs (sessions, audit chain, unreferenced files, sentiment adaptation, feed
    // retention) were scheduled a day after start-up; a week later all five are due, and each
    // plans its next run.
    let ran = admin.post("/api/v1/admin/jobs/run", &json!({})).await;
    assert_eq!(ran.status, 200);
    assert_eq!(ran.json["ran"], 5, "{}", ran.text);
    assert_eq!(admin.post("/api/v1/admin/jobs/run", &json!({})).await.json["ran"], 0);
    let day = running.server.client().get("/api/v1/calendar/days/2026-10-01").await;
    assert_eq!(day.json["kind"], "holiday");
    assert_eq!(day.json["holiday"], "国庆节");
    let merged = running.server.client().get("/api/v1/calendar/days/2025-10-06").await;
    assert_eq!(merged.json["holiday"], "国庆节、中秋节", "2025 merged the two holidays");
}

async fn service_surface(backend: Backend) {
    let mut running = start(backend, &[]).await;
    let client = running.server.client();
    let health = client.get("/healthz").await;
    assert_eq!(health.status, 200);
    let request_id = health.headers.get("x-request-id").expect("a request id on every response");
    assert!(!request_id.is_empty());
    let echoed = client
        .send(
            test_support::http::reqwest_client()
                .get(format!("{}/healthz", client.base))
                .header("x-request-id", "trace-abc-1"),
        )
        .await;
    assert_eq!(echoed.headers.get("x-request-id").unwrap(), "trace-abc-1");

    let openapi = client.get("/api/openapi.json").await;
    let paths = openapi.json["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/admin/clock",
        "/api/v1/admin/jobs/run",
        "/api/v1/admin/audit",
        "/api/v1/calendar/days/{date}",
        "/api/v1/calendar/add-workdays",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the OpenAPI document");
    }
    let reference = client.get("/api/docs").await;
    assert_eq!((reference.status, reference.content_type.as_str()), (200, "text/html; charset=utf-8"));
    assert!(reference.text.contains(r#"<script src="/api/docs.js">"#), "{}", reference.text);
    let policy = reference.headers.get("content-security-policy").expect("a policy").to_str().unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let script = client.get("/api/docs.js").await;
    assert!(script.status == 200 && script.text.contains("fetch(\"/api/openapi.json\")"), "{}", script.text);
    let metrics = client.get("/metrics").await;
    assert!(
        metrics
            .text
            .contains("xiaodian_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
        "{}",
        metrics.text
    );
    assert!(metrics.text.contains("xiaodian_http_request_duration_seconds_bucket"));
    assert!(metrics.text.contains("xiaodian_jobs_pending"));

    let code = running.server.terminate(std::time::Duration::from_secs(10));
    assert_eq!(code, Some(0), "SIGTERM shuts down gracefully");
}
