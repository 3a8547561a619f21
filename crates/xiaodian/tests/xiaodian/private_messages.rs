//! Private messages (私信) through the real binary, on SQLite and PostgreSQL, on the manual clock
//! at 20:00 on Friday 2026-04-03, before the 清明 holidays (04-04 to 04-06): a batch with a
//! repeated message id stores it once; a new conversation gets the welcome once; keyword rules
//! fire by priority and never for an automatic message; the away message names Tuesday 09:00;
//! a phone left in a message becomes a lead, sealed in the database, masked for the operator and
//! in clear for the owner; comments get one public auto-reply per user, video and day; every
//! reply and auto-reply is in the platform feed once; the inbox shows both channels.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use test_support::{Backend, Client, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

async fn ok(answer: test_support::http::Answer, what: &str) -> Value {
    assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
    answer.json
}

fn line(account: i64, user: &str, id: &str, text: &str, automatic: bool) -> String {
    json!({
        "account_id": account, "user_id": user, "message_id": id, "sender": "user", "text": text,
        "sent_at": "2026-04-03T19:59:00+08:00", "automatic": automatic,
    })
    .to_string()
}

fn ndjson(lines: &[String]) -> Vec<u8> {
    (lines.join("\n") + "\n").into_bytes()
}

/// Every platform event of `kind` from the start of the feed.
async fn events_of(service: &Client, kind: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor = "0".to_owned();
    for _ in 0..200 {
        let page =
            ok(service.get(&format!("/api/v1/platform/events?after={cursor}&limit=50")).await, "feed").await;
        let got = page["events"].as_array().unwrap().clone();
        cursor = page["next"].as_str().unwrap().to_owned();
        if got.is_empty() {
            break;
        }
        events.extend(got.into_iter().filter(|e| e["type"] == kind));
    }
    events
}

async fn rule(owner: &Client, account: i64, body: Value) -> i64 {
    let path = format!("/api/v1/enterprise-accounts/{account}/auto-replies");
    let answer = owner.post(&path, &body).await;
    assert_eq!(answer.status, 201, "rule {body}: {}", answer.text);
    answer.json["id"].as_i64().unwrap()
}

both_backends!(private_messages_auto_replies_leads_and_the_feed);

async fn private_messages_auto_replies_leads_and_the_feed(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap().to_owned();
    let server = Server::start(
        binary(),
        &["--db", &db.url, "--data-dir", &dir, "--clock", "manual=2026-04-03T20:00:00+08:00"],
    );
    let owner = server.client().login("m1", &password("m1")).await;
    let service = server.client().login("svc", &password("svc")).await;
    let other = server.client().login("m2", &password("m2")).await;
    for (name, role) in [("m1-operator", "operator"), ("m1-finance", "finance")] {
        let body = json!({"username": name, "password": password(name), "team_role": role});
        assert_eq!(owner.post("/api/v1/team/members", &body).await.status, 201);
    }
    let operator = server.client().login("m1-operator", &password("m1-operator")).await;
    let finance = server.client().login("m1-finance", &password("m1-finance")).await;
    let account =
        ok(owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号企业号"})).await, "account")
            .await["id"]
            .as_i64()
            .unwrap();

    // Rules: a welcome, the away message, two keyword rules that both match "多少钱".
    let rules = format!("/api/v1/enterprise-accounts/{account}/auto-replies");
    rule(&owner, account, json!({"kind": "welcome", "name": "欢迎", "reply": "欢迎光临一号企业号"})).await;
    let away = "您好，现在是非工作时间，我们将在 {time} 后回复您。";
    rule(&owner, account, json!({"kind": "away", "name": "下班", "reply": away})).await;
    let price = json!({"kind": "keyword", "name": "价格", "keywords": ["多少钱"], "priority": 20, "reply": "价格见橱窗"});
    rule(&owner, account, price).await;
    let ship = json!({"kind": "keyword", "name": "发货", "keywords": ["发货", "多少钱"], "priority": 10,
                      "reply": "48 小时内发货", "channels": "comment,message"});
    let ship = rule(&owner, account, ship).await;
    owner
        .post(&rules, &json!({"kind": "welcome", "name": "又一个", "reply": "x"}))
        .await
        .assert_problem(409, "status_conflict");
    owner
        .post(&rules, &json!({"kind": "keyword", "name": "空", "keywords": [], "reply": "x"}))
        .await
        .assert_problem(400, "invalid_field");
    finance
        .post(&rules, &json!({"kind": "keyword", "name": "价", "keywords": ["价"], "reply": "x"}))
        .await
        .assert_problem(403, "forbidden");
    let tested = ok(
        owner.post(&format!("{rules}:test"), &json!({"channel": "message", "text": "运费多少钱？"})).await,
        "test",
    )
    .await;
    assert_eq!(tested["rule"]["id"], ship, "the smaller priority wins: {tested}");
    let none = ok(
        owner.post(&format!("{rules}:test"), &json!({"channel": "message", "text": "你好"})).await,
        "test",
    )
    .await;
    assert_eq!(none["rule"], Value::Null);

    // One batch: a repeated id, an unknown account, an automatic message.
    let batch = ndjson(&[
        line(account, "u1", "m1", "这个多少钱？", false),
        line(account, "u1", "m1", "这个多少钱？", false),
        line(account, "u2", "m2", "你好", false),
        line(account, "u3", "m3", "多少钱", true),
        line(account + 99, "u4", "m4", "你好", false),
    ]);
    let path = "/api/v1/messages:batch";
    let answer = ok(service.post_raw(path, "application/x-ndjson", batch.clone()).await, "batch").await;
    assert_eq!(
        (&answer["lines"], &answer["accepted"], &answer["duplicates"], &answer["stored"]),
        (&json!(5), &json!(4), &json!(1), &json!(3)),
        "{answer}"
    );
    assert_eq!(answer["rejected"], json!([{"line": 5, "code": "unknown_account"}]));
    // u1: the welcome and 发货 (priority 10); u2: the welcome and the away message; u3: nothing.
    assert_eq!(answer["auto_replies"], 4, "{answer}");
    let again = ok(service.post_raw(path, "application/x-ndjson", batch.clone()).await, "replay").await;
    assert_eq!((&again["duplicates"], &again["auto_replies"]), (&json!(4), &json!(0)), "{again}");
    owner.post_raw(path, "application/x-ndjson", batch).await.assert_problem(403, "forbidden");

    let list = format!("/api/v1/enterprise-accounts/{account}/conversations?status=all");
    let conversations =
        ok(owner.get(&list).await, "conversations").await["items"].as_array().unwrap().clone();
    let id_of = |user: &str| {
        conversations.iter().find(|c| c["user_id"] == user).unwrap_or_else(|| panic!("{user}"))["id"]
            .as_i64()
            .unwrap()
    };
    let (u1, u2) = (id_of("u1"), id_of("u2"));
    let texts = |conversation: &Value| -> Vec<String> {
        conversation["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let u2_view = ok(owner.get(&format!("/api/v1/private-conversations/{u2}")).await, "u2").await;
    assert_eq!(
        texts(&u2_view),
        ["你好", "欢迎光临一号企业号", "您好，现在是非工作时间，我们将在 4月7日 09:00 后回复您。"]
    );
    assert!(u2_view["items"].as_array().unwrap()[1..].iter().all(|m| m["automatic"] == true));
    let u1_view = ok(owner.get(&format!("/api/v1/private-conversations/{u1}")).await, "u1").await;
    assert_eq!(texts(&u1_view), ["这个多少钱？", "欢迎光临一号企业号", "48 小时内发货"]);
    assert_eq!(u1_view["items"][2]["rule_id"], ship);
    other.get(&format!("/api/v1/private-conversations/{u1}")).await.assert_problem(404, "not_found");

    // The same user later that night: no second welcome, no second away message; a phone lead.
    let more = ndjson(&[line(account, "u1", "m5", "我的电话 138 1234 5678，明天联系我", false)]);
    let answer = ok(service.post_raw(path, "application/x-ndjson", more).await, "more").await;
    assert_eq!((&answer["auto_replies"], &answer["leads"]), (&json!(1), &json!(1)), "{answer}");
    let later = ndjson(&[line(account, "u1", "m6", "在吗", false)]);
    let answer = ok(service.post_raw(path, "application/x-ndjson", later).await, "later").await;
    assert_eq!(answer["auto_replies"], 0, "the away message once per off-hours stretch: {answer}");

    let leads = format!("/api/v1/enterprise-accounts/{account}/leads");
    let masked = ok(operator.get(&leads).await, "leads").await;
    assert_eq!(
        (&masked["items"][0]["contact"], &masked["items"][0]["masked"]),
        (&json!("138****5678"), &json!(true))
    );
    let clear = ok(owner.get(&format!("{leads}?status=new&source=message")).await, "leads").await;
    assert_eq!(
        (&clear["items"][0]["contact"], &clear["items"][0]["masked"]),
        (&json!("13812345678"), &json!(false))
    );
    // The message itself is masked for the operator too, in clear for the owner.
    let u1_operator = ok(operator.get(&format!("/api/v1/private-conversations/{u1}")).await, "u1").await;
    assert!(texts(&u1_operator).contains(&"我的电话 138****5678，明天联系我".to_owned()), "{u1_operator}");
    let u1_owner = ok(owner.get(&format!("/api/v1/private-conversations/{u1}")).await, "u1").await;
    assert!(texts(&u1_owner).contains(&"我的电话 138 1234 5678，明天联系我".to_owned()), "{u1_owner}");
    finance.get(&leads).await.assert_problem(403, "forbidden");
    owner.get(&format!("{leads}?status=lost")).await.assert_problem(400, "invalid_field");
    let csv = operator.get(&format!("/api/v1/enterprise-accounts/{account}/leads.csv")).await;
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    assert!(csv.text.contains("138****5678") && !csv.text.contains("13812345678"), "{}", csv.text);
    assert!(csv.text.contains("私信") && csv.text.contains("新线索"), "{}", csv.text);
    // Sealed in the database: the number is nowhere in the row.
    let store = db.open().await;
    let mut conn = store.read().await.unwrap();
    let sealed: (String, String) =
        sqlx::query_as("SELECT contact_sealed, contact_hash FROM leads").fetch_one(&mut *conn).await.unwrap();
    assert!(!sealed.0.contains("13812345678") && !sealed.1.contains("13812345678"), "{sealed:?}");
    drop(conn);
    let lead = clear["items"][0]["id"].as_i64().unwrap();
    let moved = ok(
        operator
            .patch(&format!("/api/v1/leads/{lead}"), &json!({"status": "contacted", "owner": "m1-operator"}))
            .await,
        "lead",
    )
    .await;
    assert_eq!(moved["status"], "contacted");
    operator
        .patch(&format!("/api/v1/leads/{lead}"), &json!({"status": "new"}))
        .await
        .assert_problem(409, "status_conflict");

    // The inbox: both conversations await an answer; a comment on a video too.
    let video = ok(
        owner
            .post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &json!({"title": "清明上新"}))
            .await,
        "video",
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let comment = |id: &str, text: &str| {
        json!({"video_id": video, "comment_id": id, "author_id": "fan-1", "text": text, "created_at": "2026-04-03T19:58:00+08:00"})
            .to_string()
    };
    let comments =
        ndjson(&[comment("c1", "什么时候发货？"), comment("c2", "发货快吗"), comment("c3", "好看")]);
    let answer = ok(
        service.post_raw("/api/v1/comments:batch", "application/x-ndjson", comments.clone()).await,
        "comments",
    )
    .await;
    assert_eq!(answer["auto_replies"], 1, "one public auto-reply per user, video and day: {answer}");
    let answer = ok(
        service.post_raw("/api/v1/comments:batch", "application/x-ndjson", comments).await,
        "comments again",
    )
    .await;
    assert_eq!((&answer["stored"], &answer["auto_replies"]), (&json!(0), &json!(0)), "{answer}");

    let inbox = format!("/api/v1/enterprise-accounts/{account}/inbox");
    let all = ok(owner.get(&format!("{inbox}?status=unanswered&limit=3")).await, "inbox").await;
    let channels: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|i| i["channel"].as_str().unwrap()).collect();
    // u1 and u2 await an answer (u3 wrote automatically); the conversations' newest messages are
    // the 20:00 auto-replies, the comments are from 19:58.
    assert_eq!(channels, ["message", "message", "comment"], "{all}");
    assert_eq!(all["items"][2]["text"], "好看");
    let cursor = all["next_cursor"].as_str().unwrap().to_owned();
    let rest = ok(owner.get(&format!("{inbox}?status=unanswered&cursor={cursor}")).await, "inbox").await;
    let texts: Vec<&str> =
        rest["items"].as_array().unwrap().iter().map(|i| i["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["发货快吗", "什么时候发货？"], "the comments, newest first, after the cursor");
    assert_eq!(rest["next_cursor"], Value::Null);
    let messages = ok(owner.get(&format!("{inbox}?channel=message&q=电话")).await, "inbox").await;
    assert_eq!(messages["items"].as_array().unwrap().len(), 1, "{messages}");
    owner.get(&format!("{inbox}?channel=sms")).await.assert_problem(400, "invalid_field");
    other.get(&inbox).await.assert_problem(404, "not_found");

    // The operator answers on Tuesday morning: the reply goes out, the conversation is answered.
    let admin = server.client().login("admin", &password("admin")).await;
    ok(admin.put("/api/v1/admin/clock", &json!({"now": "2026-04-07T09:02:00+08:00"})).await, "clock").await;
    let reply = operator
        .post(&format!("/api/v1/private-conversations/{u1}/replies"), &json!({"text": "您好，已为您登记"}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    finance
        .post(&format!("/api/v1/private-conversations/{u1}/replies"), &json!({"text": "x"}))
        .await
        .assert_problem(403, "forbidden");
    let stats = ok(owner.get(&format!("{inbox}/stats")).await, "stats").await;
    assert_eq!(stats["message"]["answered"], 1, "{stats}");
    // 19:59 Friday to 09:02 Tuesday is two working minutes.
    assert_eq!(stats["message"]["median_working_ms"], 120_000, "{stats}");
    assert_eq!(stats["message"]["within_3_minutes"], 1, "{stats}");

    // Every reply and auto-reply on the feed once.
    let replies = events_of(&service, "message.reply_created").await;
    assert_eq!(replies.len(), 6, "five auto-replies and one reply");
    let ids: BTreeSet<&str> = replies.iter().map(|e| e["data"]["message_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 6);
    let automatic = replies.iter().filter(|e| e["data"]["automatic"] == true).count();
    assert_eq!(automatic, 5);
    let comment_replies = events_of(&service, "comment.reply_created").await;
    assert_eq!(comment_replies.len(), 1);
    assert_eq!(
        (&comment_replies[0]["data"]["automatic"], &comment_replies[0]["data"]["rule_id"]),
        (&json!(true), &json!(ship))
    );
}
