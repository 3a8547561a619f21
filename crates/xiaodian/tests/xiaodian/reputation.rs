//! Reputation monitoring through the real binary with the manual clock, on SQLite and PostgreSQL:
//! a normal day of comments opens nothing, a burst opens a yellow incident due in 2 hours, another
//! merchant hears `not_found`, the deadline job flags it overdue, it is assigned and resolved, the
//! console shows it, and a reviewer turns it into a violation.

use serde_json::{Value, json};
use test_support::{Backend, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

async fn ok(answer: test_support::http::Answer, what: &str) -> Value {
    assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
    answer.json
}

fn line(video_id: i64, comment_id: &str, text: &str, created_at: &str) -> String {
    json!({"video_id": video_id, "comment_id": comment_id, "author_id": "u-1", "text": text, "created_at": created_at})
        .to_string()
}

both_backends!(a_burst_opens_an_incident_over_http);

async fn a_burst_opens_an_incident_over_http(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(
        binary(),
        &["--db", &db.url, "--data-dir", &dir, "--clock", "manual=2026-03-02T10:30:00+08:00"],
    );
    let login = |name: &'static str| {
        let client = server.client();
        async move { client.login(name, &password(name)).await }
    };
    let (owner, other, service) = (login("m1").await, login("m2").await, login("svc").await);
    let (admin, reviewer) = (login("admin").await, login("reviewer").await);
    let account =
        ok(owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号企业号"})).await, "account")
            .await["id"]
            .as_i64()
            .unwrap();
    let video = ok(
        owner
            .post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &json!({"title": "春节上新"}))
            .await,
        "video",
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let batch = |lines: Vec<String>| {
        let service = service.clone();
        async move {
            let body = lines.join("\n").into_bytes();
            let answer =
                ok(service.post_raw("/api/v1/comments:batch", "application/x-ndjson", body).await, "batch")
                    .await;
            assert_eq!(answer["rejected_count"], 0, "{answer}");
        }
    };

    // A normal day: each hour 18 happy comments and 2 angry ones.
    let mut day = Vec::new();
    for hour in 0..24 {
        let (d, h) = if hour < 14 { (1, hour + 10) } else { (2, hour - 14) };
        for n in 0..20 {
            let text = if n < 2 {
                "质量太差了，做工粗糙，退货！"
            } else {
                "非常好用，物流很快，好评"
            };
            let at = format!("2026-03-0{d}T{h:02}:{n:02}:00+08:00");
            day.push(line(video, &format!("d{hour}-{n}"), text, &at));
        }
    }
    batch(day).await;
    let incidents = format!("/api/v1/enterprise-accounts/{account}/incidents");
    let all = ok(owner.get(&format!("{incidents}?status=all")).await, "incidents").await;
    assert_eq!(all["items"], json!([]), "a normal day opens no incident");

    // A burst: 40 angry comments since 10:00.
    let burst: Vec<String> = (0..40)
        .map(|n| {
            let at = format!("2026-03-02T10:{:02}:00+08:00", n % 30);
            line(video, &format!("b-{n}"), "质量太差了，做工粗糙，退货！", &at)
        })
        .collect();
    batch(burst).await;
    let open = ok(owner.get(&format!("{incidents}?status=open")).await, "open").await;
    let items = open["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let incident = &items[0];
    assert_eq!((incident["kind"].as_str(), incident["level"].as_str()), (Some("spike"), Some("yellow")));
    assert_eq!(incident["deadline_at"], "2026-03-02T12:30:00+08:00");
    assert_eq!(incident["overdue"], false);
    let id = incident["id"].as_i64().unwrap();
    other.get(&incidents).await.assert_problem(404, "not_found");
    other.get(&format!("/api/v1/incidents/{id}")).await.assert_problem(404, "not_found");
    owner.get(&format!("{incidents}?status=maybe")).await.assert_problem(400, "invalid_field");
    let one = ok(owner.get(&format!("/api/v1/incidents/{id}")).await, "incident").await;
    assert_eq!(one["comments"].as_array().unwrap().len(), 40);
    assert_eq!(one["replies"], json!([]));

    // The series, the settings and the watch list.
    let series = ok(
        owner
            .get(&format!(
                "/api/v1/enterprise-accounts/{account}/reputation?from=2026-03-02T09:00:00%2B08:00&to=2026-03-02T11:00:00%2B08:00"
            ))
            .await,
        "series",
    )
    .await;
    let hours: Vec<(i64, i64)> = series["hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["comments"].as_i64().unwrap(), h["negative"].as_i64().unwrap()))
        .collect();
    assert_eq!(hours, [(20, 2), (40, 40)]);
    assert_eq!(series["baseline"]["learned"], true);
    let settings = format!("/api/v1/enterprise-accounts/{account}/reputation/settings");
    assert_eq!(ok(owner.get(&settings).await, "settings").await["red_minutes"], 30);
    owner
        .put(&settings, &json!({"red_minutes": 500}))
        .await
        .assert_problem(400, "invalid_reputation_settings");
    assert_eq!(
        ok(owner.put(&settings, &json!({"blue_minutes": 300})).await, "put").await["blue_minutes"],
        300
    );
    let keywords = format!("/api/v1/enterprise-accounts/{account}/reputation/keywords");
    owner.put(&keywords, &json!({"keywords": [""]})).await.assert_problem(400, "invalid_keyword");
    let saved = ok(owner.put(&keywords, &json!({"keywords": ["一号", "张总"]})).await, "keywords").await;
    assert_eq!(saved["keywords"], json!(["一号", "张总"]));
    other.put(&keywords, &json!({"keywords": ["x"]})).await.assert_problem(404, "not_found");

    // 12:31: past the deadline; the job flags it.
    ok(admin.put("/api/v1/admin/clock", &json!({"now": "2026-03-02T12:31:00+08:00"})).await, "clock").await;
    ok(admin.post("/api/v1/admin/jobs/run", &json!({})).await, "jobs").await;
    let flagged = ok(owner.get(&format!("/api/v1/incidents/{id}")).await, "flagged").await;
    assert_eq!(
        (flagged["overdue"].as_bool(), flagged["overdue_at"].as_str()),
        (Some(true), Some("2026-03-02T12:31:00+08:00"))
    );

    let assigned =
        ok(owner.post(&format!("/api/v1/incidents/{id}/assign"), &json!({"assignee": "m1"})).await, "assign")
            .await;
    assert_eq!(assigned["assignee"], "m1");
    owner
        .post(&format!("/api/v1/incidents/{id}/assign"), &json!({"assignee": "m2"}))
        .await
        .assert_problem(400, "assignee_not_member");
    owner
        .post(&format!("/api/v1/incidents/{id}/resolve"), &json!({"summary": ""}))
        .await
        .assert_problem(400, "invalid_field");
    let resolved = ok(
        owner.post(&format!("/api/v1/incidents/{id}/resolve"), &json!({"summary": "逐条回复并退换"})).await,
        "resolve",
    )
    .await;
    assert_eq!(
        (resolved["status"].as_str(), resolved["summary"].as_str()),
        (Some("resolved"), Some("逐条回复并退换"))
    );
    owner
        .post(&format!("/api/v1/incidents/{id}/resolve"), &json!({"summary": "again"}))
        .await
        .assert_problem(409, "incident_resolved");
    assert_eq!(ok(owner.get(&format!("{incidents}?status=open")).await, "open").await["items"], json!([]));
    assert_eq!(
        ok(owner.get(&format!("{incidents}?status=resolved")).await, "resolved").await["items"][0]["id"],
        id
    );

    // The console pages.
    let page = |client: &test_support::Client, path: String| {
        let cookie = format!("xd_session={}", client.token.clone().unwrap());
        let url = format!("{}{path}", server.base);
        async move { test_support::http::reqwest_client().get(url).header("cookie", cookie).send().await.unwrap() }
    };
    let html = page(&owner, format!("/console/reputation?account={account}")).await.text().await.unwrap();
    for wanted in ["舆情监测", "张总", "每小时负面评论率", "逐条回复并退换", "/console/reputation"]
    {
        assert!(html.contains(wanted), "{wanted} missing from the reputation page");
    }
    // The live negative-rate chart: SVG, its table and its CSV (the hour of the burst over the threshold).
    assert!(html.contains(r#"id="chart-negative_rate""#) && html.contains("<svg"), "the chart is drawn");
    let csv = page(&owner, format!("/console/reputation.csv?account={account}")).await.text().await.unwrap();
    assert!(csv.starts_with("label,负面率 Negative rate,预警线 Spike threshold,基线 Baseline"), "{csv}");
    assert_eq!(page(&other, format!("/console/reputation.csv?account={account}")).await.status(), 404);
    let detail = page(&owner, format!("/console/incidents/{id}")).await;
    assert_eq!(detail.status(), 200);
    let detail = detail.text().await.unwrap();
    assert!(
        detail.contains("黄色") && detail.contains("逐条回复并退换") && detail.contains("已超期"),
        "{detail}"
    );
    assert_eq!(page(&other, format!("/console/incidents/{id}")).await.status(), 404);
    // The watch-list form (CSRF field first), one keyword a line.
    let cookie = format!("xd_session={}; xd_csrf=tok", owner.token.clone().unwrap());
    let url = format!("{}/console/reputation/{account}/keywords", server.base);
    let form = [("csrf", "tok"), ("keywords", "一号\n小店科技\n")];
    let posted = test_support::http::post_form(&url, &cookie, &form).await;
    let landed = posted.text().await.unwrap();
    assert!(landed.contains("关键词已保存") && landed.contains("小店科技"), "{landed}");
    let forged = test_support::http::post_form(&url, &cookie, &[("csrf", "x")]).await;
    assert_eq!(forged.status(), 403);
    let kept = ok(owner.get(&keywords).await, "keywords").await;
    assert_eq!(kept["keywords"], json!(["一号", "小店科技"]));

    // A reviewer turns it into a violation of the merchant's shop.
    let shop = ok(
        owner
            .post(
                "/api/v1/shops",
                &json!({"name": "一号小店", "entity_type": "enterprise", "entity_name": "一号商家科技有限公司", "category": "apparel"}),
            )
            .await,
        "shop",
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // In the console: the reviewer's incident page offers the merchant's shops; a bad penalty is
    // refused and changes nothing; the form then records the violation and the page shows it.
    let reviewer_page = page(&reviewer, format!("/console/incidents/{id}")).await.text().await.unwrap();
    assert!(
        reviewer_page.contains("incident-violation-form") && reviewer_page.contains("一号小店"),
        "{reviewer_page}"
    );
    let owner_page = page(&owner, format!("/console/incidents/{id}")).await.text().await.unwrap();
    assert!(!owner_page.contains("incident-violation-form"), "only reviewers turn incidents into violations");
    let reviewer_cookie = format!("xd_session={}; xd_csrf=tok", reviewer.token.clone().unwrap());
    let url = format!("{}/console/incidents/{id}/violation", server.base);
    let shop_text = shop.to_string();
    let form = |penalty: &'static str, token: &'static str| {
        vec![
            ("csrf", "tok".to_owned()),
            ("form_token", token.to_owned()),
            ("shop_id", shop_text.clone()),
            ("kind", "false_advertising".to_owned()),
            ("severity", "general".to_owned()),
            ("penalty_yuan", penalty.to_owned()),
            ("beneficiary", "platform".to_owned()),
            ("buyer_id", String::new()),
            ("evidence", "评论集中反映商品与宣传不符".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let (url, cookie) = (url.clone(), reviewer_cookie.clone());
        async move { test_support::http::post_form(&url, &cookie, &fields).await }
    };
    let refused = post(form("abc", "f1")).await.text().await.unwrap();
    assert!(refused.contains("invalid_amount") || refused.contains("金额"), "{refused}");
    let unchanged = ok(reviewer.get(&format!("/api/v1/incidents/{id}")).await, "incident").await;
    assert_eq!(unchanged["incident"]["violation_id"].as_i64().or(unchanged["violation_id"].as_i64()), None);
    let recorded = post(form("500.00", "f2")).await.text().await.unwrap();
    assert!(
        recorded.contains("incident-status") && !recorded.contains("incident-violation-form"),
        "{recorded}"
    );
    let incident = ok(reviewer.get(&format!("/api/v1/incidents/{id}")).await, "incident").await;
    let violation_id = incident["incident"]["violation_id"]
        .as_i64()
        .or(incident["violation_id"].as_i64())
        .expect("a violation");
    assert!(recorded.contains(&format!("#{violation_id}")), "the page shows the violation");

    // Through the API: the key is required, only reviewers may, and the incident is a violation already.
    let violation = json!({"shop_id": shop, "kind": "false_advertising", "severity": "general", "penalty_fen": 50000, "beneficiary": "platform", "evidence": "评论集中反映商品与宣传不符"});
    let path = format!("/api/v1/incidents/{id}/violation");
    reviewer.post(&path, &violation).await.assert_problem(400, "idempotency_key_required");
    owner.post_with(&path, &[("idempotency-key", "k1")], &violation).await.assert_problem(403, "forbidden");
    reviewer
        .post_with(&path, &[("idempotency-key", "k2")], &violation)
        .await
        .assert_problem(409, "incident_violation_exists");
    let listed = ok(owner.get(&format!("/api/v1/shops/{shop}/violations")).await, "violations").await;
    assert_eq!(listed["items"].as_array().map(Vec::len).or(listed.as_array().map(Vec::len)), Some(1));
}
