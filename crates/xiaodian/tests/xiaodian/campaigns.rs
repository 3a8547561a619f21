//! Campaigns over HTTP on the real binary, on SQLite and PostgreSQL: a service pushes a trending
//! topic, a merchant's planner proposes it with 国庆 and 双11, the merchant creates a campaign,
//! links a video, reads its results; another merchant hears "not found".

use serde_json::json;
use test_support::{Backend, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

both_backends!(campaign_over_http);

async fn campaign_over_http(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server =
        Server::start(binary(), &["--db", db.url.as_str(), "--clock", "manual=2026-09-20T10:00:00+08:00"]);
    let client = server.client();
    let service = client.login("svc", &password("svc")).await;
    let owner = client.login("m1", &password("m1")).await;
    let other = client.login("m2", &password("m2")).await;

    let topic = json!({"topic": "秋日穿搭", "heat": 98000, "observed_at": "2026-09-20T09:00:00+08:00"});
    let pushed = service.post("/api/v1/trending-topics", &topic).await;
    assert_eq!(pushed.status, 201, "{}", pushed.text);
    owner.post("/api/v1/trending-topics", &topic).await.assert_problem(403, "forbidden");
    let bad = json!({"topic": "x", "heat": -5, "observed_at": "2026-09-20T09:00:00+08:00"});
    service.post("/api/v1/trending-topics", &bad).await.assert_problem(400, "invalid_field");
    let topics = owner.get("/api/v1/trending-topics").await;
    assert_eq!(topics.json["items"][0]["topic"], "秋日穿搭");

    let account = owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号官方"})).await;
    assert_eq!(account.status, 201, "{}", account.text);
    let account_id = account.json["id"].as_i64().unwrap();

    let plan = owner
        .get(&format!(
            "/api/v1/enterprise-accounts/{account_id}/campaigns/suggestions?from=2026-09-20&to=2026-11-30"
        ))
        .await;
    assert_eq!(plan.status, 200, "{}", plan.text);
    let suggestions = plan.json["suggestions"].as_array().unwrap();
    let find = |source: &str, name: &str| {
        suggestions
            .iter()
            .find(|s| s["source"] == source && s["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {source} {name} in {suggestions:?}"))
    };
    let topic = find("topic", "秋日穿搭");
    assert_eq!((topic["starts_on"].as_str(), topic["heat"].as_i64()), (Some("2026-09-20"), Some(98000)));
    let national = find("holiday", "国庆节");
    assert_eq!(
        (national["starts_on"].as_str(), national["ends_on"].as_str()),
        (Some("2026-10-01"), Some("2026-10-07"))
    );
    assert_eq!(national["promote_from"], "2026-09-24");
    assert!(national["reason_zh"].as_str().unwrap().contains("国庆节"));
    assert!(national["reason_en"].as_str().unwrap().contains("National Day"));
    find("festival", "双11");
    owner
        .get(&format!(
            "/api/v1/enterprise-accounts/{account_id}/campaigns/suggestions?from=2026-09-20&to=2027-12-01"
        ))
        .await
        .assert_problem(400, "invalid_date");

    let body = json!({
        "name": "国庆焕新季", "goal": "sales", "starts_on": "2026-10-01", "ends_on": "2026-10-07",
        "budget_fen": 5000000, "tags": ["#国庆"]
    });
    let created = owner.post(&format!("/api/v1/enterprise-accounts/{account_id}/campaigns"), &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        (created.json["status"].as_str(), created.json["goal_zh"].as_str()),
        (Some("planned"), Some("带货"))
    );
    let id = created.json["id"].as_i64().unwrap();
    let mut wrong = body.clone();
    wrong["goal"] = json!("fame");
    owner
        .post(&format!("/api/v1/enterprise-accounts/{account_id}/campaigns"), &wrong)
        .await
        .assert_problem(400, "invalid_field");

    let video = owner
        .post(
            &format!("/api/v1/enterprise-accounts/{account_id}/videos"),
            &json!({"title": "国庆预告", "external_url": "https://v.example.com/1"}),
        )
        .await;
    let video_id = video.json["id"].as_i64().unwrap();
    let linked = owner.post(&format!("/api/v1/campaigns/{id}/videos"), &json!({"video_id": video_id})).await;
    assert_eq!(linked.json["video_ids"], json!([video_id]), "{}", linked.text);
    let mut changed = body.clone();
    changed["budget_fen"] = json!(8000000);
    let put = owner.put(&format!("/api/v1/campaigns/{id}"), &changed).await;
    assert_eq!(put.json["budget_fen"], 8000000, "{}", put.text);

    let results = owner.get(&format!("/api/v1/campaigns/{id}/results")).await;
    assert_eq!(results.status, 200, "{}", results.text);
    assert_eq!(results.json["window_before"], json!({"starts_on": "2026-09-24", "ends_on": "2026-09-30"}));
    assert_eq!(
        results.json["views"],
        json!({"current": 0, "before": 0, "uplift_bp": null, "uplift_percent": null})
    );
    assert_eq!(results.json["gmv_fen"]["current"], 0);

    other.get(&format!("/api/v1/campaigns/{id}")).await.assert_problem(404, "not_found");
    other.get(&format!("/api/v1/campaigns/{id}/results")).await.assert_problem(404, "not_found");
    other
        .get(&format!("/api/v1/enterprise-accounts/{account_id}/campaigns"))
        .await
        .assert_problem(404, "not_found");
    let listed = owner.get(&format!("/api/v1/enterprise-accounts/{account_id}/campaigns")).await;
    assert_eq!(listed.json["items"][0]["id"], id);

    // The console's planner page shows the campaign and the proposed dates with their reasons.
    let page = |client: &test_support::Client, path: String| {
        let cookie = format!("xd_session={}", client.token.clone().unwrap());
        let url = format!("{}{path}", server.base);
        async move { test_support::http::reqwest_client().get(url).header("cookie", cookie).send().await.unwrap() }
    };
    let path = format!("/console/enterprise-accounts/{account_id}/campaigns?from=2026-09-20&to=2026-11-30");
    let planner = page(&owner, path.clone()).await;
    assert_eq!(planner.status(), 200);
    let html = planner.text().await.unwrap();
    for wanted in ["国庆焕新季", "秋日穿搭", "国庆节法定假期", "双11"] {
        assert!(html.contains(wanted), "{wanted} missing from the planner page");
    }
    assert_eq!(page(&other, path.clone()).await.status(), 404);
    assert!(
        html.contains("starts_on=2026-10-01&amp;ends_on=2026-10-07"),
        "a use-this-date link pre-fills the form"
    );
    let prefilled =
        page(&owner, format!("{path}&starts_on=2026-11-01&ends_on=2026-11-11")).await.text().await.unwrap();
    assert!(prefilled.contains(r#"value="2026-11-01""#) && prefilled.contains(r#"value="2026-11-11""#));
    let cookie = format!("xd_session={}; xd_csrf=tok", owner.token.clone().unwrap());
    let form = [
        ("csrf", "tok"),
        ("name", "双11 大促"),
        ("goal", "sales"),
        ("starts_on", "2026-11-01"),
        ("ends_on", "2026-11-11"),
        ("budget_yuan", "1200.50"),
        ("tags", "双11 #大促"),
    ];
    let url = format!("{}/console/enterprise-accounts/{account_id}/campaigns", server.base);
    let posted = test_support::http::post_form(&url, &cookie, &form).await;
    let landed = posted.text().await.unwrap();
    assert!(landed.contains("营销活动已创建") && landed.contains("双11 大促"), "{landed}");
    let listed = owner.get(&format!("/api/v1/enterprise-accounts/{account_id}/campaigns")).await;
    assert_eq!(listed.json["items"][0]["budget_fen"], 120050);
    assert_eq!(listed.json["items"][0]["tags"], json!(["双11", "大促"]));
    let forged = test_support::http::post_form(&url, &cookie, &[("csrf", "other")]).await;
    assert_ne!(forged.status(), 200);

    // The campaign's page: results against the window before, videos linked and unlinked, cancelled.
    let created = listed.json["items"][0]["id"].as_i64().unwrap();
    let campaign_page = page(&owner, format!("/console/campaigns/{created}")).await.text().await.unwrap();
    assert!(campaign_page.contains("campaign-results") && campaign_page.contains("2026-10-21 – 2026-10-31"));
    assert!(campaign_page.contains(&format!(r#"<option value="{video_id}">"#)), "the video can be linked");
    assert_eq!(page(&other, format!("/console/campaigns/{created}")).await.status(), 404);
    let console_post = |path: String, form: Vec<(&'static str, String)>| {
        let url = format!("{}{path}", server.base);
        let cookie = cookie.clone();
        async move {
            let answer = test_support::http::post_form(&url, &cookie, &form).await;
            answer.text().await.unwrap()
        }
    };
    let csrf = || ("csrf", "tok".to_owned());
    let linked_page = console_post(
        format!("/console/campaigns/{created}/videos"),
        vec![csrf(), ("video_id", video_id.to_string())],
    )
    .await;
    assert!(linked_page.contains("视频已关联"), "{linked_page}");
    let api_view = owner.get(&format!("/api/v1/campaigns/{created}")).await;
    assert_eq!(api_view.json["video_ids"], json!([video_id]));
    let unlinked =
        console_post(format!("/console/campaigns/{created}/videos/{video_id}/unlink"), vec![csrf()]).await;
    assert!(unlinked.contains("已取消关联"), "{unlinked}");
    let cancelled_page = console_post(format!("/console/campaigns/{created}/cancel"), vec![csrf()]).await;
    assert!(cancelled_page.contains("活动已取消"), "{cancelled_page}");
    assert_eq!(owner.get(&format!("/api/v1/campaigns/{created}")).await.json["status"], "cancelled");

    let cancelled = owner.post(&format!("/api/v1/campaigns/{id}/cancel"), &json!({})).await;
    assert_eq!(cancelled.json["status"], "cancelled", "{}", cancelled.text);
    owner
        .post(&format!("/api/v1/campaigns/{id}/cancel"), &json!({}))
        .await
        .assert_problem(409, "status_conflict");
}
