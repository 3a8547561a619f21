//! Analytics through the real binary, on SQLite and PostgreSQL: the platform posts an NDJSON event
//! batch (refused lines by number, a retry under its Idempotency-Key answered from the record), the
//! account and video dashboards answer the hand-counted figures, the shop dashboard and the
//! closure-decision report answer JSON and a PDF, the console pages draw every chart as SVG with
//! its table and CSV export, and `xiaodian report` writes a PDF and a PNG.

use serde_json::{Value, json};
use test_support::{Backend, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

async fn ok(answer: test_support::http::Answer, what: &str) -> Value {
    assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
    answer.json
}

/// An event of `video` an hour ago, in China time.
fn event(video: i64, kind: &str, source: &str, extra: &str) -> String {
    let at = (app::Clock::now(&app::SystemClock) - chrono::Duration::hours(1))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .to_rfc3339();
    format!(
        "{{\"video_id\":{video},\"kind\":\"{kind}\",\"at\":\"{at}\",\"source\":\"{source}\",\"age\":\"31-40\",\"gender\":\"male\",\"province\":\"浙江\"{extra}}}"
    )
}

both_backends!(events_dashboards_and_reports_over_http);

async fn events_dashboards_and_reports_over_http(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(binary(), &["--db", &db.url, "--data-dir", &dir]);
    let login = |name: &'static str| {
        let client = server.client();
        async move { client.login(name, &password(name)).await }
    };
    let (owner, other, service) = (login("m1").await, login("m2").await, login("svc").await);
    let account =
        ok(owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "数据号"})).await, "account").await
            ["id"]
            .as_i64()
            .unwrap();
    let video = ok(
        owner
            .post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &json!({"title": "冬季上新"}))
            .await,
        "video",
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let batch = [
        event(video, "view", "search", ""),
        event(video, "view", "recommend", ""),
        event(video, "view", "search", ""),
        "{broken".to_owned(),
        event(video, "like", "search", ""),
        event(video, "watch", "search", ",\"watch_ms\":20000,\"completed\":true"),
        event(video + 1000, "view", "search", ""),
    ]
    .join("\n");
    let path = "/api/v1/events:batch";
    let headers = |key: &str| {
        test_support::http::reqwest_client()
            .post(format!("{}{path}", server.base))
            .header("content-type", "application/x-ndjson")
            .header("idempotency-key", key.to_owned())
    };
    let first = service.send(headers("ev-1").body(batch.clone())).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(
        first.json,
        json!({"lines": 7, "accepted": 5, "rejected_count": 2,
               "rejected": [{"line": 4, "code": "malformed_line"}, {"line": 7, "code": "unknown_video"}]})
    );
    let retry = service.send(headers("ev-1").body(batch.clone())).await;
    assert_eq!((retry.status, &retry.json), (200, &first.json));
    assert_eq!(retry.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    service.send(headers("ev-1").body("{}")).await.assert_problem(422, "idempotency_key_reused");
    owner
        .post_raw(path, "application/x-ndjson", batch.clone().into_bytes())
        .await
        .assert_problem(403, "forbidden");
    service
        .post_raw(path, "text/plain", batch.into_bytes())
        .await
        .assert_problem(415, "unsupported_media_type");

    let dashboard =
        ok(owner.get(&format!("/api/v1/enterprise-accounts/{account}/analytics")).await, "account").await;
    assert_eq!(dashboard["period"]["days"], 30);
    let totals = &dashboard["totals"];
    assert_eq!(
        (totals["views"].as_i64(), totals["likes"].as_i64(), totals["watch_ms"].as_i64()),
        (Some(3), Some(1), Some(20_000))
    );
    assert_eq!(totals["completion_rate_bp"], 3333);
    assert_eq!(totals["engagement_rate_bp"], 3333);
    assert_eq!(dashboard["traffic_sources"][0], json!({"key": "search", "views": 2, "share_bp": 6667}));
    assert_eq!(dashboard["audience"]["province"][0]["key"], "浙江");
    let video_dashboard = ok(owner.get(&format!("/api/v1/videos/{video}/analytics")).await, "video").await;
    assert_eq!(video_dashboard["totals"]["views"], 3);
    other
        .get(&format!("/api/v1/enterprise-accounts/{account}/analytics"))
        .await
        .assert_problem(404, "not_found");
    owner
        .get(&format!("/api/v1/enterprise-accounts/{account}/analytics?from=2026-02-30"))
        .await
        .assert_problem(400, "invalid_date");

    let shop = ok(
        owner
            .post(
                "/api/v1/shops",
                &json!({"name": "数据店", "entity_type": "enterprise", "entity_name": "数据店有限公司", "category": "apparel"}),
            )
            .await,
        "shop",
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let sales = ok(owner.get(&format!("/api/v1/shops/{shop}/analytics")).await, "shop analytics").await;
    assert_eq!(sales["totals"]["orders"], 0);
    assert_eq!(sales["days"].as_array().unwrap().len(), 30);
    let report = ok(owner.get(&format!("/api/v1/shops/{shop}/closure/report")).await, "report").await;
    assert_eq!(report["months"].as_array().unwrap().len(), 12);
    assert_eq!(report["peers"]["category"], "apparel");
    assert_eq!(report["summary"]["zh"], "近 12 个月没有成交。");
    let pdf = owner.get(&format!("/api/v1/shops/{shop}/closure/report.pdf")).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.text.starts_with("%PDF"), "a PDF document");
    other.get(&format!("/api/v1/shops/{shop}/closure/report")).await.assert_problem(404, "not_found");

    // The console draws every chart as SVG, with its table and a CSV export of the same numbers.
    let page = |client: &test_support::Client, path: String| {
        let cookie = format!("xd_session={}", client.token.clone().unwrap());
        let url = format!("{}{path}", server.base);
        async move { test_support::http::reqwest_client().get(url).header("cookie", cookie).send().await.unwrap() }
    };
    for path in [
        format!("/console/enterprise-accounts/{account}/analytics"),
        format!("/console/videos/{video}/analytics"),
        format!("/console/shops/{shop}/analytics"),
        format!("/console/shops/{shop}/closure/report"),
    ] {
        let answer = page(&owner, path.clone()).await;
        assert_eq!(answer.status(), 200, "{path}");
        let html = answer.text().await.unwrap();
        let charts = html.matches("<figure class=\"card chart\"").count();
        assert!(charts >= 4, "{path} shows {charts} charts");
        assert_eq!(html.matches("<svg").count(), charts, "{path}: one SVG per chart");
        assert_eq!(html.matches("download>").count(), charts, "{path}: one CSV link per chart");
        assert_eq!(page(&other, path.clone()).await.status(), 404, "{path} for another merchant");
    }
    // The comment inbox filters by sentiment (API and console).
    let comment = json!({"video_id": video, "comment_id": "s1", "author_id": "u-1", "text": "质量太差了，退货", "created_at": "2026-01-05T10:00:00+08:00"});
    assert_eq!(service.post("/api/v1/comments", &comment).await.status, 201);
    let inbox = format!("/api/v1/enterprise-accounts/{account}/comments");
    let negative = ok(owner.get(&format!("{inbox}?sentiment=negative")).await, "negative").await;
    assert_eq!(negative["items"][0]["comment_id"], "s1");
    let positive = ok(owner.get(&format!("{inbox}?sentiment=positive")).await, "positive").await;
    assert_eq!(positive["items"], json!([]));
    owner.get(&format!("{inbox}?sentiment=angry")).await.assert_problem(400, "invalid_field");
    let filtered =
        page(&owner, format!("/console/enterprise-accounts/{account}/comments?sentiment=negative")).await;
    let filtered = filtered.text().await.unwrap();
    assert!(
        filtered.contains("质量太差了") && filtered.contains(r#"<option value="negative" selected>"#),
        "{filtered}"
    );
    let none =
        page(&owner, format!("/console/enterprise-accounts/{account}/comments?sentiment=positive")).await;
    assert!(!none.text().await.unwrap().contains("质量太差了"));

    let csv =
        page(&owner, format!("/console/enterprise-accounts/{account}/analytics.csv?chart=sources")).await;
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("label,"), "{csv}");
    assert!(csv.contains("搜索 search,2") && csv.contains("推荐 recommend,1"), "{csv}");
    let pdf = page(&owner, format!("/console/shops/{shop}/closure/report.pdf")).await;
    assert_eq!(pdf.headers().get("content-type").unwrap(), "application/pdf");
    let closure = page(&owner, format!("/console/shops/{shop}/closure")).await.text().await.unwrap();
    assert!(
        closure.contains("closure-decision") && closure.contains("近 12 个月没有成交"),
        "the closure page sums the report up"
    );

    // `xiaodian report` writes the same charts to PDF and PNG files.
    let out = tempfile::tempdir().unwrap();
    for name in ["account.pdf", "account.png"] {
        let file = out.path().join(name);
        let (code, stdout, stderr) = test_support::server::run(
            binary(),
            &[
                "report",
                "--db",
                &db.url,
                "--data-dir",
                &dir,
                "--account",
                &account.to_string(),
                "--out",
                file.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(code, 0, "{stdout}{stderr}");
        let bytes = std::fs::read(&file).unwrap();
        let magic: &[u8] = if name.ends_with("pdf") { b"%PDF" } else { b"\x89PNG" };
        assert!(bytes.starts_with(magic), "{name}");
    }
    let file = out.path().join("closure.pdf");
    let (code, _, stderr) = test_support::server::run(
        binary(),
        &[
            "report",
            "--db",
            &db.url,
            "--data-dir",
            &dir,
            "--shop",
            &shop.to_string(),
            "--closure",
            "--out",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = test_support::server::run(
        binary(),
        &["report", "--db", &db.url, "--data-dir", &dir, "--shop", &shop.to_string(), "--out", "report.txt"],
        None,
    );
    assert_ne!(code, 0);
    assert!(stderr.contains(".pdf or .png"), "{stderr}");
}
