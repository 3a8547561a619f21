//! Payouts and the platform feed through the real binary, on SQLite and PostgreSQL: a refund
//! becomes a payout whose instruction the channel reads from the feed, reports sent then paid,
//! and only then does the refund read paid; a returned payout goes back, the merchant fixes the
//! account and the second payout is paid; `xiaodian payouts reconcile` on a matching and a
//! differing file; `xiaodian ledger verify` at every step. The crash test kills the server with
//! SIGKILL between the decision and the feed read, and in the middle of racing reports: no event
//! is lost or doubled, no payout is paid twice.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_support::{Backend, Client, Server, TestDb, both_backends};

use crate::ledger::verify_ledger;
use crate::{add_users, binary, password};

const REASON: &str = "公司调整业务方向，不再经营线上店铺";

fn serve(db: &TestDb, now: &str) -> Server {
    let clock = format!("manual={now}");
    Server::start(binary(), &["--db", &db.url, "--clock", &clock])
}

async fn login(server: &Server, name: &str) -> Client {
    server.client().login(name, &password(name)).await
}

async fn ok(answer: test_support::http::Answer) -> Value {
    assert!((200..300).contains(&answer.status), "{} {}", answer.status, answer.text);
    answer.json
}

/// Sets the manual clock and runs the due jobs.
async fn at(admin: &Client, now: &str) {
    ok(admin.put("/api/v1/admin/clock", &json!({ "now": now })).await).await;
    ok(admin.post("/api/v1/admin/jobs/run", &json!({})).await).await;
}

/// A shop with a payout account and a ¥500 deposit, asked to close: answers its id and closing day.
async fn closing_shop(merchant: &Client, service: &Client, name: &str) -> (i64, String) {
    let entity = format!("{name}有限公司");
    let body = json!({"name": name, "entity_type": "enterprise", "entity_name": entity, "category": "food"});
    let shop = ok(merchant.post("/api/v1/shops", &body).await).await["id"].as_i64().unwrap();
    let account =
        json!({"holder_name": entity, "bank_name": "招商银行", "account_number": "6222021001112345"});
    ok(merchant.put(&format!("/api/v1/shops/{shop}/payout-account"), &account).await).await;
    let key = format!("deposit-{shop}");
    let top_up = json!({"amount_fen": 50_000, "payment_ref": key});
    let path = format!("/api/v1/shops/{shop}/deposit/top-ups");
    assert_eq!(service.post_with(&path, &[("Idempotency-Key", &key)], &top_up).await.status, 201);
    let close = json!({"reason_code": "no_longer_operating", "reason_text": REASON, "confirm_name": name});
    let closure = ok(merchant.post(&format!("/api/v1/shops/{shop}/closure"), &close).await).await;
    (shop, closure["closes_on"].as_str().unwrap().to_owned())
}

async fn refund_of(merchant: &Client, shop: i64) -> Value {
    ok(merchant.get(&format!("/api/v1/shops/{shop}/deposit")).await).await["refund"].clone()
}

/// Every event after `after`, page by page; answers them and the last cursor.
async fn feed(service: &Client, after: &str) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    let mut cursor = after.to_owned();
    for _ in 0..100 {
        let page = ok(service.get(&format!("/api/v1/platform/events?after={cursor}&limit=50")).await).await;
        let got = page["events"].as_array().unwrap().clone();
        cursor = page["next"].as_str().unwrap().to_owned();
        if got.is_empty() {
            break;
        }
        events.extend(got);
    }
    (events, cursor)
}

fn payout_ids(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| e["type"] == "payout.requested")
        .map(|e| e["data"]["payout_id"].as_i64().unwrap())
        .collect()
}

fn reconcile(db: &TestDb, text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("settlement.csv");
    std::fs::write(&file, text).unwrap();
    let (code, out, err) = test_support::server::run(
        binary(),
        &["payouts", "reconcile", file.to_str().unwrap(), "--db", &db.url],
        None,
    );
    (code, format!("{out}{err}"))
}

both_backends!(refund_payout_story, crash_between_decision_feed_and_reports);
both_backends!(commission_payout_story);

/// A creator's commission through the binary: recorded with the creator's payee, paid by the
/// merchant (paying, not paid), its instruction on the feed, sent then returned (the money back
/// in commission_payable), a bad payee refused, a new payee paid out again and only then paid.
async fn commission_payout_story(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server = serve(&db, "2026-05-04T10:00:00+08:00");
    let (admin, merchant, service) =
        (login(&server, "admin").await, login(&server, "m1").await, login(&server, "svc").await);
    let entity = "佣金店有限公司";
    let body =
        json!({"name": "佣金店", "entity_type": "enterprise", "entity_name": entity, "category": "food"});
    let shop = ok(merchant.post("/api/v1/shops", &body).await).await["id"].as_i64().unwrap();
    let product = json!({"title": "夏季T恤", "price_fen": 10_000});
    let product = ok(merchant.post(&format!("/api/v1/shops/{shop}/products"), &product).await).await;
    let order = json!({"product_id": product["id"], "buyer_id": "buyer-1", "amount_fen": 10_000});
    let order =
        ok(service.post(&format!("/api/v1/shops/{shop}/orders"), &order).await).await["id"].as_i64().unwrap();
    ok(merchant.post(&format!("/api/v1/orders/{order}/ship"), &json!({})).await).await;
    ok(service.post(&format!("/api/v1/orders/{order}/complete"), &json!({})).await).await;
    at(&admin, "2026-05-20T10:00:00+08:00").await;

    let creator =
        json!({"holder_name": "陈杰", "bank_name": "招商银行", "account_number": "6225880123456789"});
    let path = format!("/api/v1/shops/{shop}/commissions");
    let bad = json!({"creator_id": "达人-阿杰", "amount_fen": 1_000, "payee": {"holder_name": "陈杰", "bank_name": "招商银行", "account_number": "12"}});
    service.post(&path, &bad).await.assert_problem(400, "invalid_field");
    let new = json!({"creator_id": "达人-阿杰", "amount_fen": 1_000, "order_id": order, "payee": creator});
    let commission = ok(service.post(&path, &new).await).await;
    assert_eq!(
        (commission["status"].as_str(), commission["payee"]["account_last4"].as_str()),
        (Some("owed"), Some("6789"))
    );
    assert!(commission["payee"].get("account_number").is_none(), "never the number");
    let id = commission["id"].as_i64().unwrap();
    let pay = format!("/api/v1/commissions/{id}/pay");
    let paid = merchant.post_with(&pay, &[("Idempotency-Key", "pay-c1")], &json!({})).await;
    assert_eq!((paid.status, paid.json["status"].as_str()), (201, Some("paying")), "{}", paid.text);
    let (events, _) = feed(&service, "0").await;
    let instruction: Vec<&Value> = events.iter().filter(|e| e["type"] == "payout.requested").collect();
    assert_eq!(instruction.len(), 1, "{events:?}");
    assert_eq!(instruction[0]["data"]["reference"], format!("commission:{id}"));
    let first = instruction[0]["data"]["payout_id"].as_i64().unwrap();
    verify_ledger(&db);

    ok(service.post(&format!("/api/v1/payouts/{first}/sent"), &json!({"channel_ref": "CH-C1"})).await).await;
    ok(service.post(&format!("/api/v1/payouts/{first}/failed"), &json!({"reason": "户名与账号不符"})).await)
        .await;
    let list = ok(merchant.get(&path).await).await;
    assert_eq!(list["items"][0]["status"], "payout_failed", "{list}");
    verify_ledger(&db);
    let payee = format!("/api/v1/commissions/{id}/payee");
    merchant.put(&payee, &creator).await.assert_problem(403, "forbidden");
    let fixed =
        json!({"holder_name": "陈杰", "bank_name": "中国工商银行", "account_number": "6212261002003456"});
    let again = ok(service.put(&payee, &fixed).await).await;
    assert_eq!(again["status"], "paying");
    service.put(&payee, &fixed).await.assert_problem(409, "status_conflict");
    let (events, _) = feed(&service, "0").await;
    let second = *payout_ids(&events).last().unwrap();
    assert_ne!(second, first);
    ok(service.post(&format!("/api/v1/payouts/{second}/paid"), &json!({"paid_at": "2026-05-21"})).await)
        .await;
    let list = ok(merchant.get(&path).await).await;
    assert_eq!(list["items"][0]["status"], "paid", "{list}");
    assert!(list["items"][0]["done_at"].is_string());
    verify_ledger(&db);
}

async fn refund_payout_story(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server = serve(&db, "2026-05-01T10:00:00+08:00");
    let (admin, merchant, service) =
        (login(&server, "admin").await, login(&server, "m1").await, login(&server, "svc").await);
    let (shop, closes_on) = closing_shop(&merchant, &service, "一号店").await;
    // The notice the shop's home page shows for its 30 days, with its end date.
    let (notice, _) = feed(&service, "0").await;
    assert_eq!(notice.len(), 1, "{notice:?}");
    assert_eq!(notice[0]["type"], "shop.notice_started");
    assert_eq!(notice[0]["data"]["ends_on"].as_str(), Some(closes_on.as_str()));
    assert!(notice[0]["data"]["notice_zh"].as_str().unwrap().contains(&closes_on));
    at(&admin, &format!("{closes_on}T00:00:01+08:00")).await;
    let release_on = refund_of(&merchant, shop).await["release_on"].as_str().unwrap().to_owned();
    at(&admin, &format!("{release_on}T00:00:01+08:00")).await;
    assert_eq!(refund_of(&merchant, shop).await["status"], "paying");
    verify_ledger(&db);

    // The closure and the payout instruction, each once, in order; the notice, older than the
    // 30 days events are kept, was removed by the housekeeping job.
    let (events, cursor) = feed(&service, "0").await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["shop.closed", "payout.requested"], "{events:?}");
    let path = format!("/api/v1/platform/events/{}", events[1]["id"].as_str().unwrap());
    assert_eq!(ok(service.get(&path).await).await, events[1]);
    let gone = format!("/api/v1/platform/events/{}", notice[0]["id"].as_str().unwrap());
    service.get(&gone).await.assert_problem(404, "not_found");
    merchant.get("/api/v1/platform/events").await.assert_problem(403, "forbidden");
    service.get("/api/v1/platform/events?wait=31s").await.assert_problem(400, "invalid_field");
    let waited = Instant::now();
    let empty = ok(service.get(&format!("/api/v1/platform/events?after={cursor}&wait=1s")).await).await;
    assert_eq!(
        (empty["events"].as_array().unwrap().len(), empty["next"].as_str()),
        (0, Some(cursor.as_str()))
    );
    assert!(waited.elapsed() >= Duration::from_millis(900), "the long poll waited");

    let id = payout_ids(&events)[0];
    let payout = ok(service.get(&format!("/api/v1/payouts/{id}")).await).await;
    assert_eq!(payout["payee"]["account_number"], "6222021001112345", "the channel reads the number");
    let seen = ok(merchant.get(&format!("/api/v1/payouts/{id}")).await).await;
    assert_eq!(seen["payee"]["account_number"], "****2345");

    // Sent, repeated, contradicted; paid; the refund reads paid only now.
    let sent =
        ok(service.post(&format!("/api/v1/payouts/{id}/sent"), &json!({"channel_ref": "CH-1"})).await).await;
    assert_eq!(sent["status"], "sent");
    let again =
        ok(service.post(&format!("/api/v1/payouts/{id}/sent"), &json!({"channel_ref": "CH-1"})).await).await;
    assert_eq!(again, sent);
    service
        .post(&format!("/api/v1/payouts/{id}/sent"), &json!({"channel_ref": "CH-2"}))
        .await
        .assert_problem(409, "payout_report_conflict");
    assert_eq!(refund_of(&merchant, shop).await["status"], "paying");
    verify_ledger(&db);
    let paid_on = release_on.clone();
    ok(service.post(&format!("/api/v1/payouts/{id}/paid"), &json!({"paid_at": paid_on})).await).await;
    assert_eq!(refund_of(&merchant, shop).await["status"], "paid");
    service
        .post(&format!("/api/v1/payouts/{id}/failed"), &json!({"reason": "账户异常"}))
        .await
        .assert_problem(409, "payout_report_conflict");
    verify_ledger(&db);

    // A second shop's payout comes back; the merchant fixes the account; the second one is paid.
    let (other, closes_on) = closing_shop(&merchant, &service, "二号店").await;
    at(&admin, &format!("{closes_on}T00:00:01+08:00")).await;
    let release_on = refund_of(&merchant, other).await["release_on"].as_str().unwrap().to_owned();
    at(&admin, &format!("{release_on}T00:00:01+08:00")).await;
    let (events, cursor) = feed(&service, &cursor).await;
    let [first] = payout_ids(&events)[..] else { panic!("one new payout: {events:?}") };
    ok(service.post(&format!("/api/v1/payouts/{first}/sent"), &json!({"channel_ref": "CH-3"})).await).await;
    let back = ok(service
        .post(&format!("/api/v1/payouts/{first}/failed"), &json!({"reason": "收款账户已销户"}))
        .await)
    .await;
    assert_eq!(back["status"], "returned");
    assert_eq!(refund_of(&merchant, other).await["status"], "payout_failed");
    verify_ledger(&db);
    let fixed = json!({"holder_name": "二号店有限公司", "bank_name": "中国工商银行", "account_number": "6212261002003456"});
    ok(merchant.put(&format!("/api/v1/shops/{other}/payout-account"), &fixed).await).await;
    let (events, _) = feed(&service, &cursor).await;
    let [second] = payout_ids(&events)[..] else { panic!("one new payout: {events:?}") };
    assert_eq!(refund_of(&merchant, other).await["status"], "paying");
    ok(service.post(&format!("/api/v1/payouts/{second}/paid"), &json!({"paid_at": release_on})).await).await;
    assert_eq!(refund_of(&merchant, other).await["status"], "paid");
    let listed = ok(admin.get(&format!("/api/v1/payouts?shop_id={other}")).await).await;
    let statuses: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["paid", "returned"]);
    verify_ledger(&db);

    // Reconciliation: the channel's file matches, then one with a wrong amount does not.
    let matching = format!("payout_id,channel_ref,amount_fen,status,date\n{id},CH-1,50000,paid,{paid_on}\n");
    let (code, out) = reconcile(&db, &matching);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 differences"), "{out}");
    let differing = format!("{id},CH-1,49999,paid,{paid_on}\n");
    let (code, out) = reconcile(&db, &differing);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("amount_differs,{id},1,49999,50000,paid,paid")), "{out}");
}

async fn crash_between_decision_feed_and_reports(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let mut server = serve(&db, "2026-05-01T10:00:00+08:00");
    let (admin, merchant, service) =
        (login(&server, "admin").await, login(&server, "m1").await, login(&server, "svc").await);
    let (shop, closes_on) = closing_shop(&merchant, &service, "崩溃店").await;
    at(&admin, &format!("{closes_on}T00:00:01+08:00")).await;
    let release_on = refund_of(&merchant, shop).await["release_on"].as_str().unwrap().to_owned();
    let decided_at = format!("{release_on}T00:00:01+08:00");
    at(&admin, &decided_at).await;
    // SIGKILL right after the decision, before anyone read the feed.
    server.kill_hard();
    let server = serve(&db, &decided_at);
    let (merchant, service) = (login(&server, "m1").await, login(&server, "svc").await);
    assert_eq!(refund_of(&merchant, shop).await["status"], "paying");
    let (events, _) = feed(&service, "0").await;
    let ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "no event id twice");
    let payouts = payout_ids(&events);
    assert_eq!(payouts.len(), 1, "the payout instruction survived, once: {events:?}");
    let id = payouts[0];
    ok(service.post(&format!("/api/v1/payouts/{id}/sent"), &json!({"channel_ref": "CH-K"})).await).await;

    // Racing paid reports, killed in the middle; after the restart the channel retries.
    let mut server = server;
    let (base, token) = (server.base.clone(), service.token.clone().unwrap());
    let racers: Vec<_> = (0..16)
        .map(|_| {
            let (base, token, paid_on) = (base.clone(), token.clone(), release_on.clone());
            tokio::spawn(async move {
                let http = test_support::http::reqwest_builder()
                    .timeout(Duration::from_secs(30))
                    .no_proxy()
                    .build()
                    .unwrap();
                let answer = http
                    .post(format!("{base}/api/v1/payouts/{id}/paid"))
                    .bearer_auth(token)
                    .json(&json!({"paid_at": paid_on}))
                    .send()
                    .await;
                answer.map(|a| a.status().as_u16()).ok()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(5)).await;
    server.kill_hard();
    for racer in racers {
        // Answered (the winner or a repeat) or cut off by the kill; never a contradiction.
        if let Some(status) = racer.await.unwrap() {
            assert_eq!(status, 200, "a racing report");
        }
    }
    let server = serve(&db, &decided_at);
    let (merchant, service) = (login(&server, "m1").await, login(&server, "svc").await);
    let retry =
        ok(service.post(&format!("/api/v1/payouts/{id}/paid"), &json!({"paid_at": release_on})).await).await;
    assert_eq!(retry["status"], "paid");
    assert_eq!(refund_of(&merchant, shop).await["status"], "paid");
    let (again, _) = feed(&service, "0").await;
    assert_eq!(again, events, "the feed reads the same events with the same ids after two crashes");
    drop(server);
    let report = verify_ledger(&db);
    assert!(report.starts_with("ledger ok"), "no payout paid twice: {report}");
}

both_backends!(the_platform_webhook_carries_the_feed);

/// The platform webhook: the feed posted in order, signed, the first refusal retried after the
/// backoff on the app clock with the same event ids.
async fn the_platform_webhook_carries_the_feed(backend: Backend) {
    const SECRET: &str = "platform-webhook-secret-0001";
    let (url, seen) = crate::webhooks::endpoint(500, false).await;
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let now = "2026-05-01T10:00:00+08:00";
    let clock = format!("manual={now}");
    let args = [
        "--db",
        db.url.as_str(),
        "--clock",
        clock.as_str(),
        "--platform-webhook",
        url.as_str(),
        "--platform-webhook-secret",
        SECRET,
        "--webhook-allow-private",
    ];
    let server = Server::start(binary(), &args);
    let (admin, merchant, service) =
        (login(&server, "admin").await, login(&server, "m1").await, login(&server, "svc").await);
    closing_shop(&merchant, &service, "推送店").await;
    let wait_for = |count: usize| {
        let seen = seen.clone();
        async move {
            let started = Instant::now();
            while seen.lock().unwrap().len() < count {
                assert!(started.elapsed() < Duration::from_secs(15), "the platform webhook posted {count}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    wait_for(1).await;
    // The endpoint answered 500: the sender waits 30 s on the app clock, then posts the same batch.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "no retry before the backoff");
    ok(admin.put("/api/v1/admin/clock", &json!({ "now": "2026-05-01T10:01:00+08:00" })).await).await;
    wait_for(2).await;
    let (pulled, _) = feed(&service, "0").await;
    let posts = seen.lock().unwrap().clone();
    for (signature, body) in &posts {
        let t: i64 = signature.strip_prefix("t=").and_then(|s| s.split(',').next()).unwrap().parse().unwrap();
        assert_eq!(signature, &app::webhooks::signature(SECRET, t, body), "signed with the secret");
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            body["events"].as_array().unwrap(),
            &pulled,
            "the same events, ids and order as the pull API"
        );
    }
    // Nothing more to post: the cursor moved past the accepted batch.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
}

both_backends!(a_published_video_file_is_fetched_through_its_signed_link);

/// `video.published` links to the file: fetched without a token while the link holds, refused
/// with a changed signature.
async fn a_published_video_file_is_fetched_through_its_signed_link(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server = serve(&db, "2026-05-01T10:00:00+08:00");
    let (merchant, service) = (login(&server, "m1").await, login(&server, "svc").await);
    let account = ok(merchant.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号企业号"})).await)
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/enterprise-accounts/{account}/videos");
    let video = ok(merchant.post(&path, &json!({"title": "春节上新"})).await).await["id"].as_i64().unwrap();
    let mut mp4 = vec![0, 0, 0, 0x18];
    mp4.extend_from_slice(b"ftypisom\0\0\x02\0isomavc1");
    mp4.extend_from_slice(&[0, 0, 0, 8]);
    mp4.extend_from_slice(b"free");
    mp4.resize(300_000, 0x5A);
    ok(merchant.put_raw(&format!("/api/v1/videos/{video}/file"), "video/mp4", mp4.clone()).await).await;
    for step in ["submit", "approve", "publish"] {
        ok(merchant.post(&format!("/api/v1/videos/{video}/{step}"), &json!({})).await).await;
    }
    let (events, _) = feed(&service, "0").await;
    let published = events.iter().find(|e| e["type"] == "video.published").expect("video.published");
    let link = published["data"]["file"]["url"].as_str().unwrap();
    let http = test_support::http::reqwest_builder().no_proxy().build().unwrap();
    let fetched = http.get(format!("{}{link}", server.base)).send().await.unwrap();
    assert_eq!(fetched.status().as_u16(), 200);
    assert_eq!(fetched.headers()["content-type"], "video/mp4");
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), mp4, "the file, whole");
    let forged = link.replace("signature=", "signature=0");
    let refused = http.get(format!("{}{forged}", server.base)).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 404);
}
