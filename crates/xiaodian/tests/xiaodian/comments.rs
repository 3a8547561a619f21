//! Comments through the real binary, on SQLite and PostgreSQL: the platform posts an NDJSON batch
//! (a malformed line reported by number, a duplicate counted once), the merchant reads the inbox
//! newest first, replies, pins and reads the statistics, and another merchant hears `not_found`.

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

both_backends!(platform_batches_and_the_merchant_inbox);

async fn platform_batches_and_the_merchant_inbox(backend: Backend) {
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

    let batch = [
        line(video, "p1", "多少钱？", "2026-01-05T10:00:00+08:00"),
        "{not json".to_owned(),
        line(video, "p2", "有 XL 吗", "2026-01-05T11:00:00+08:00"),
        line(video, "p1", "多少钱？", "2026-01-05T10:00:00+08:00"),
        line(video + 1000, "p3", "没有这个视频", "2026-01-05T12:00:00+08:00"),
    ]
    .join("\n")
        + "\n";
    let path = "/api/v1/comments:batch";
    let answer =
        ok(service.post_raw(path, "application/x-ndjson", batch.clone().into_bytes()).await, "batch").await;
    assert_eq!(
        answer,
        json!({
            "lines": 5, "accepted": 3, "duplicates": 1, "stored": 2, "auto_replies": 0, "leads": 0,
            "rejected_count": 2,
            "rejected": [{"line": 2, "code": "malformed_line"}, {"line": 5, "code": "unknown_video"}],
        })
    );
    service
        .post_raw(path, "application/json", batch.clone().into_bytes())
        .await
        .assert_problem(415, "unsupported_media_type");
    owner.post_raw(path, "application/x-ndjson", batch.into_bytes()).await.assert_problem(403, "forbidden");
    // One comment alone: 201 when stored, 200 when already stored.
    let single = json!({"video_id": video, "comment_id": "p4", "author_id": "u-2", "text": "已下单", "created_at": "2026-01-05T13:00:00+08:00"});
    assert_eq!(service.post("/api/v1/comments", &single).await.status, 201);
    assert_eq!(service.post("/api/v1/comments", &single).await.status, 200);
    let refused = json!({"video_id": video, "comment_id": "p5", "author_id": "u-2", "text": " ", "created_at": "2026-01-05T13:00:00+08:00"});
    service.post("/api/v1/comments", &refused).await.assert_problem(400, "invalid_field");

    let inbox = format!("/api/v1/enterprise-accounts/{account}/comments");
    let listed = ok(owner.get(&inbox).await, "inbox").await;
    let ids: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|c| c["comment_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["p4", "p2", "p1"]);
    assert_eq!(listed["items"][1]["created_at"], "2026-01-05T11:00:00+08:00");
    let found =
        ok(owner.get(&format!("{inbox}?q=xl&unanswered=true&video_id={video}")).await, "search").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    other.get(&inbox).await.assert_problem(404, "not_found");

    let p1 = listed["items"][2]["id"].as_i64().unwrap();
    let reply = owner.post(&format!("/api/v1/comments/{p1}/replies"), &json!({"text": "99 元"})).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        (reply.json["by_account"].as_bool(), reply.json["parent_id"].as_str()),
        (Some(true), Some("p1"))
    );
    other
        .post(&format!("/api/v1/comments/{p1}/replies"), &json!({"text": "抢答"}))
        .await
        .assert_problem(404, "not_found");
    let pinned = ok(owner.post(&format!("/api/v1/comments/{p1}/pin"), &json!({})).await, "pin").await;
    assert_eq!(pinned["pinned"], true);
    let unanswered = ok(owner.get(&format!("{inbox}?unanswered=true")).await, "unanswered").await;
    assert_eq!(unanswered["items"].as_array().unwrap().len(), 2);
    let stats = ok(owner.get(&format!("{inbox}/stats?days=366")).await, "stats").await;
    assert_eq!((stats["comments"].as_i64(), stats["unanswered"].as_i64()), (Some(4), Some(2)));
    assert_eq!(stats["first_response"]["answered"], 1);
    assert_eq!(stats["working_hours"], "09:00-18:00");

    let document = ok(owner.get("/api/openapi.json").await, "openapi").await;
    let batch_doc = &document["paths"]["/api/v1/comments:batch"]["post"];
    assert_eq!(batch_doc["x-body-bytes-max"], json!(domain::limits::COMMENT_BATCH_BYTES_MAX));
    assert_eq!(document["paths"]["/api/v1/comments/{id}/replies"]["post"]["x-team-rights"], json!(["reply"]));
}
