//! The deposit ledger through the real binary, on SQLite and on PostgreSQL: concurrent identical and
//! different requests, who may do what, idempotency over HTTP, `xiaodian ledger verify`, and a server
//! killed with SIGKILL in the middle of thousands of top-ups.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_support::{Backend, Client, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

struct Running {
    server: Server,
    db: TestDb,
}

async fn start(backend: Backend, extra: &[&str]) -> Running {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server = serve(&db, extra);
    Running { server, db }
}

fn serve(db: &TestDb, extra: &[&str]) -> Server {
    let mut args = vec!["--db", db.url.as_str()];
    args.extend_from_slice(extra);
    Server::start(binary(), &args)
}

async fn login(server: &Server, username: &str) -> Client {
    server.client().login(username, &password(username)).await
}

/// Opens a shop as this merchant; answers its id.
async fn open_shop(merchant: &Client, name: &str) -> i64 {
    let body = json!({"name": name, "entity_type": "enterprise", "entity_name": format!("{name}有限公司"), "category": "food"});
    let created = merchant.post("/api/v1/shops", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.json["id"].as_i64().expect("a shop id")
}

fn top_ups(shop: i64) -> String {
    format!("/api/v1/shops/{shop}/deposit/top-ups")
}

async fn balance(client: &Client, shop: i64) -> i64 {
    let deposit = client.get(&format!("/api/v1/shops/{shop}/deposit")).await;
    assert_eq!(deposit.status, 200, "{}", deposit.text);
    deposit.json["balance_fen"].as_i64().expect("balance_fen")
}

/// Every entry of a shop's deposit, read page by page (newest first).
async fn entries(client: &Client, shop: i64) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = client.get(&format!("/api/v1/shops/{shop}/deposit/entries?limit=200{cursor}")).await;
        assert_eq!(page.status, 200, "{}", page.text);
        all.extend(page.json["items"].as_array().expect("items").iter().cloned());
        match page.json["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return all,
        }
    }
}

/// Runs `xiaodian ledger verify` on the database and asserts that it passes; answers its report.
pub(crate) fn verify_ledger(db: &TestDb) -> String {
    let (code, out, err) = test_support::server::run(binary(), &["ledger", "verify", "--db", &db.url], None);
    assert_eq!(code, 0, "ledger verify: {out}{err}");
    assert!(out.starts_with("ledger ok: "), "{out}");
    out
}

both_backends!(identical_top_ups_make_one_transfer, different_violations_at_once_stay_balanced);
both_backends!(authorization_over_http, idempotency_over_http, appeals_and_statement_over_http);
both_backends!(crash_in_the_middle_of_top_ups);

async fn identical_top_ups_make_one_transfer(backend: Backend) {
    let running = start(backend, &[]).await;
    let merchant = login(&running.server, "m1").await;
    let service = login(&running.server, "svc").await;
    let shop = open_shop(&merchant, "杭州一号店").await;
    let body = json!({"amount_fen": 12_345, "payment_ref": "pay-20261123-0001"});
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (service, path, body) = (service.clone(), top_ups(shop), body.clone());
        tasks.spawn(
            async move { service.post_with(&path, &[("Idempotency-Key", "one-payment")], &body).await },
        );
    }
    let answers = tasks.join_all().await;
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.text);
        assert_eq!(answer.json, answers[0].json, "every answer is the first one");
    }
    assert!(answers[0].json["transfer_id"].is_i64(), "{}", answers[0].text);
    assert_eq!(answers[0].json["balance_fen"], 12_345);
    let fresh = answers.iter().filter(|a| a.headers.get("idempotent-replayed").is_none()).count();
    assert_eq!(fresh, 1, "one request did the work, 31 were replays");

    assert_eq!(balance(&merchant, shop).await, 12_345);
    let listed = entries(&merchant, shop).await;
    assert_eq!(listed.len(), 1, "exactly one transfer");
    assert_eq!(listed[0]["transfer_id"], answers[0].json["transfer_id"]);

    // The same with two servers on one database: whichever commits the key first, the other answers it.
    let second = serve(&running.db, &[]);
    let service_b = second.client().with_token(service.token.as_deref().unwrap());
    let body = json!({"amount_fen": 1_000, "payment_ref": "pay-20261123-0002"});
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..32 {
        let client = if index % 2 == 0 { service.clone() } else { service_b.clone() };
        let (path, body) = (top_ups(shop), body.clone());
        tasks.spawn(
            async move { client.post_with(&path, &[("Idempotency-Key", "two-servers")], &body).await },
        );
    }
    let answers = tasks.join_all().await;
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.text);
        assert_eq!(answer.json, answers[0].json, "every answer is the first one");
    }
    assert_eq!(answers[0].json["balance_fen"], 13_345);

    // Identical violations at once record one violation and one penalty.
    let reviewer = login(&running.server, "reviewer").await;
    let reviewer_b = second.client().with_token(reviewer.token.as_deref().unwrap());
    let fine = json!({"kind": "late_shipment", "severity": "minor", "penalty_fen": 345, "beneficiary": "platform", "evidence": "e"});
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..16 {
        let client = if index % 2 == 0 { reviewer.clone() } else { reviewer_b.clone() };
        let (path, fine) = (format!("/api/v1/shops/{shop}/violations"), fine.clone());
        tasks.spawn(async move { client.post_with(&path, &[("Idempotency-Key", "one-fine")], &fine).await });
    }
    let answers = tasks.join_all().await;
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.text);
        assert_eq!(answer.json, answers[0].json, "every answer is the first one");
    }
    let shown = merchant.get(&format!("/api/v1/shops/{shop}/violations")).await;
    assert_eq!(shown.json["items"].as_array().unwrap().len(), 1, "{}", shown.text);
    assert_eq!(balance(&merchant, shop).await, 13_000);
    assert_eq!(entries(&merchant, shop).await.len(), 3);
    let report = verify_ledger(&running.db);
    assert!(report.contains("3 transfers"), "{report}");
}

async fn different_violations_at_once_stay_balanced(backend: Backend) {
    let running = start(backend, &[]).await;
    let merchant = login(&running.server, "m1").await;
    let service = login(&running.server, "svc").await;
    let reviewer = login(&running.server, "reviewer").await;
    let shop = open_shop(&merchant, "杭州一号店").await;
    let topped = service
        .post_with(
            &top_ups(shop),
            &[("Idempotency-Key", "k0")],
            &json!({"amount_fen": 50_000, "payment_ref": "p0"}),
        )
        .await;
    assert_eq!(topped.status, 201, "{}", topped.text);

    const VIOLATIONS: i64 = 32;
    let penalty = |index: i64| 100 + index * 137;
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..VIOLATIONS {
        let reviewer = reviewer.clone();
        let path = format!("/api/v1/shops/{shop}/violations");
        let body = if index % 3 == 0 {
            json!({"kind": "consumer_harm", "severity": "general", "penalty_fen": penalty(index),
                   "beneficiary": "consumer", "buyer_id": format!("buyer-{index}"), "evidence": "投诉记录"})
        } else {
            json!({"kind": "late_shipment", "severity": "minor", "penalty_fen": penalty(index),
                   "beneficiary": "platform", "evidence": format!("订单 {index} 延迟发货")})
        };
        tasks.spawn(async move {
            let key = format!("violation-{index}");
            reviewer.post_with(&path, &[("Idempotency-Key", key.as_str())], &body).await
        });
    }
    let answers = tasks.join_all().await;
    let mut ids = HashSet::new();
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.text);
        assert_eq!(answer.json["status"], "effective");
        assert!(ids.insert(answer.json["id"].as_i64().expect("a violation id")), "ids are distinct");
    }
    let penalties: i64 = (0..VIOLATIONS).map(penalty).sum();
    let expected = 50_000 - penalties;
    assert!(expected < 0, "the penalties take the deposit below zero");
    assert_eq!(balance(&merchant, shop).await, expected);
    let deposit = merchant.get(&format!("/api/v1/shops/{shop}/deposit")).await;
    assert_eq!(deposit.json["owed_fen"], -expected);

    let listed = entries(&reviewer, shop).await;
    assert_eq!(listed.len() as i64, VIOLATIONS + 1);
    let sum: i64 = listed.iter().map(|e| e["amount_fen"].as_i64().unwrap()).sum();
    assert_eq!(sum, expected, "the balance is the sum of the entries");
    assert_eq!(listed[0]["balance_after_fen"], expected, "the newest entry shows the balance");
    let shown = reviewer.get(&format!("/api/v1/shops/{shop}/violations")).await;
    assert_eq!(shown.json["items"].as_array().unwrap().len() as i64, VIOLATIONS);
    let report = verify_ledger(&running.db);
    assert!(report.contains(&format!("{} transfers", VIOLATIONS + 1)), "{report}");
}

async fn authorization_over_http(backend: Backend) {
    let running = start(backend, &[]).await;
    let m1 = login(&running.server, "m1").await;
    let m2 = login(&running.server, "m2").await;
    let service = login(&running.server, "svc").await;
    let reviewer = login(&running.server, "reviewer").await;
    let admin = login(&running.server, "admin").await;
    let anonymous = running.server.client();
    let mine = open_shop(&m1, "杭州一号店").await;
    let theirs = open_shop(&m2, "宁波二号店").await;
    let key = [("Idempotency-Key", "auth-1")];
    let money = json!({"amount_fen": 1_000, "payment_ref": "p-1"});
    let fine = json!({"kind": "other", "severity": "minor", "penalty_fen": 100, "beneficiary": "platform", "evidence": "x"});
    let theirs_violation =
        reviewer.post_with(&format!("/api/v1/shops/{theirs}/violations"), &key, &fine).await;
    assert_eq!(theirs_violation.status, 201, "{}", theirs_violation.text);
    let theirs_violation = theirs_violation.json["id"].as_i64().unwrap();

    m1.post_with(&top_ups(mine), &key, &money).await.assert_problem(403, "forbidden");
    // The role is refused before the missing key is noticed.
    m1.post(&top_ups(mine), &money).await.assert_problem(403, "forbidden");
    m1.post(&format!("/api/v1/shops/{mine}/violations"), &fine).await.assert_problem(403, "forbidden");
    m1.post_with(&format!("/api/v1/shops/{mine}/violations"), &key, &fine)
        .await
        .assert_problem(403, "forbidden");
    reviewer.post_with(&top_ups(mine), &key, &money).await.assert_problem(403, "forbidden");
    admin.post_with(&top_ups(mine), &key, &money).await.assert_problem(403, "forbidden");
    service
        .post_with(&format!("/api/v1/shops/{mine}/violations"), &key, &fine)
        .await
        .assert_problem(403, "forbidden");
    anonymous.post_with(&top_ups(mine), &key, &money).await.assert_problem(401, "unauthorized");
    anonymous.get(&format!("/api/v1/shops/{mine}/deposit")).await.assert_problem(401, "unauthorized");
    m1.post("/api/v1/violations/1/appeal-decision", &json!({"outcome": "overturned"}))
        .await
        .assert_problem(403, "forbidden");

    // Another merchant's shop, deposit, statement and violations do not exist for m1.
    for path in [
        format!("/api/v1/shops/{theirs}"),
        format!("/api/v1/shops/{theirs}/deposit"),
        format!("/api/v1/shops/{theirs}/deposit/entries"),
        format!("/api/v1/shops/{theirs}/deposit/statement.csv"),
        format!("/api/v1/shops/{theirs}/violations"),
        format!("/api/v1/violations/{theirs_violation}"),
    ] {
        m1.get(&path).await.assert_problem(404, "not_found");
    }
    m1.post(&format!("/api/v1/violations/{theirs_violation}/appeal"), &json!({"text": "不是我的"}))
        .await
        .assert_problem(404, "not_found");
    let listed = m1.get("/api/v1/shops").await;
    let ids: Vec<i64> =
        listed.json["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [mine]);
    assert_eq!(reviewer.get("/api/v1/shops").await.json["items"].as_array().unwrap().len(), 2);
    assert_eq!(balance(&m1, mine).await, 0, "nothing refused moved money");
    assert_eq!(balance(&m2, theirs).await, -100);
    verify_ledger(&running.db);
}

async fn idempotency_over_http(backend: Backend) {
    let running = start(backend, &[]).await;
    let merchant = login(&running.server, "m1").await;
    let service = login(&running.server, "svc").await;
    let reviewer = login(&running.server, "reviewer").await;
    let shop = open_shop(&merchant, "杭州一号店").await;
    let path = top_ups(shop);
    let body = json!({"amount_fen": 50_000, "payment_ref": "pay-20261123-0001"});

    service.post(&path, &body).await.assert_problem(400, "idempotency_key_required");
    service
        .post_with(&path, &[("Idempotency-Key", "   ")], &body)
        .await
        .assert_problem(400, "idempotency_key_required");
    let long = "k".repeat(129);
    service
        .post_with(&path, &[("Idempotency-Key", long.as_str())], &body)
        .await
        .assert_problem(400, "invalid_field");
    for amount in [0, -5, 100_000_001] {
        service
            .post_with(
                &path,
                &[("Idempotency-Key", "bad")],
                &json!({"amount_fen": amount, "payment_ref": "p"}),
            )
            .await
            .assert_problem(400, "invalid_amount");
    }
    assert_eq!(balance(&merchant, shop).await, 0);

    let key = [("Idempotency-Key", "pay-0001")];
    let first = service.post_with(&path, &key, &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert!(first.headers.get("idempotent-replayed").is_none());
    assert_eq!(first.json["balance_fen"], 50_000);
    let replay = service.post_with(&path, &key, &body).await;
    assert_eq!(replay.status, 201, "{}", replay.text);
    assert_eq!(replay.json, first.json);
    assert_eq!(replay.headers.get("idempotent-replayed").unwrap(), "true");
    let other = json!({"amount_fen": 50_001, "payment_ref": "pay-20261123-0001"});
    service.post_with(&path, &key, &other).await.assert_problem(422, "idempotency_key_reused");
    // The key with the very same body on another shop is another request.
    let second_shop = open_shop(&merchant, "杭州二号店").await;
    service.post_with(&top_ups(second_shop), &key, &body).await.assert_problem(422, "idempotency_key_reused");
    // A reviewer's key is the reviewer's own: the same string is a fresh key for violations.
    let vpath = format!("/api/v1/shops/{shop}/violations");
    let fine = json!({"kind": "late_shipment", "severity": "minor", "penalty_fen": 2_000, "beneficiary": "platform", "evidence": "e"});
    reviewer.post(&vpath, &fine).await.assert_problem(400, "idempotency_key_required");
    let recorded = reviewer.post_with(&vpath, &key, &fine).await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    assert!(recorded.headers.get("idempotent-replayed").is_none());
    let again = reviewer.post_with(&vpath, &key, &fine).await;
    assert_eq!((again.status, &again.json), (201, &recorded.json));
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let changed = json!({"kind": "late_shipment", "severity": "minor", "penalty_fen": 2_001, "beneficiary": "platform", "evidence": "e"});
    reviewer.post_with(&vpath, &key, &changed).await.assert_problem(422, "idempotency_key_reused");
    let consumer = json!({"kind": "consumer_harm", "severity": "minor", "penalty_fen": 1, "beneficiary": "consumer", "evidence": "e"});
    reviewer
        .post_with(&vpath, &[("Idempotency-Key", "c1")], &consumer)
        .await
        .assert_problem(400, "invalid_field");

    assert_eq!(balance(&merchant, shop).await, 48_000);
    assert_eq!(entries(&merchant, shop).await.len(), 2);
    let shown = merchant.get(&format!("/api/v1/shops/{shop}/violations")).await;
    assert_eq!(shown.json["items"].as_array().unwrap().len(), 1);
    let report = verify_ledger(&running.db);
    assert!(report.contains("2 transfers"), "{report}");
}

async fn appeals_and_statement_over_http(backend: Backend) {
    let running = start(backend, &["--clock", "manual=2026-11-23T10:00:00+08:00"]).await;
    let merchant = login(&running.server, "m1").await;
    let service = login(&running.server, "svc").await;
    let reviewer = login(&running.server, "reviewer").await;
    let reviewer_b = reviewer.clone();
    let admin = login(&running.server, "admin").await;
    let shop = open_shop(&merchant, "杭州一号店").await;
    let paid = service
        .post_with(
            &top_ups(shop),
            &[("Idempotency-Key", "k1")],
            &json!({"amount_fen": 30_000, "payment_ref": "银行流水-1"}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.text);
    let vpath = format!("/api/v1/shops/{shop}/violations");
    let fine = |penalty: i64| json!({"kind": "false_advertising", "severity": "serious", "penalty_fen": penalty, "beneficiary": "platform", "evidence": "详情页夸大宣传"});
    let first = reviewer.post_with(&vpath, &[("Idempotency-Key", "v1")], &fine(40_000)).await;
    assert_eq!((first.status, first.json["balance_fen"].as_i64()), (201, Some(-10_000)), "{}", first.text);
    let first = first.json["id"].as_i64().unwrap();
    let second = reviewer.post_with(&vpath, &[("Idempotency-Key", "v2")], &fine(1_000)).await;
    let second = second.json["id"].as_i64().unwrap();
    let deposit = merchant.get(&format!("/api/v1/shops/{shop}/deposit")).await;
    assert_eq!(
        (deposit.json["balance_fen"].as_i64(), deposit.json["owed_fen"].as_i64()),
        (Some(-11_000), Some(11_000))
    );

    let appealed = merchant
        .post(&format!("/api/v1/violations/{first}/appeal"), &json!({"text": "宣传内容有检测报告支持"}))
        .await;
    assert_eq!(
        (appealed.status, appealed.json["status"].as_str()),
        (200, Some("appealed")),
        "{}",
        appealed.text
    );
    let moved = admin.put("/api/v1/admin/clock", &json!({"now": "2026-12-01T10:00:01+08:00"})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    merchant
        .post(&format!("/api/v1/violations/{second}/appeal"), &json!({"text": "太晚了"}))
        .await
        .assert_problem(409, "appeal_window_closed");

    // Two decisions sent at once: one wins, the other is told it was decided.
    let decide = format!("/api/v1/violations/{first}/appeal-decision");
    let (body_a, body_b) = (
        json!({"outcome": "overturned", "note": "证据充分"}),
        json!({"outcome": "overturned", "note": "同意"}),
    );
    let (a, b) = tokio::join!(reviewer.post(&decide, &body_a), reviewer_b.post(&decide, &body_b));
    let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
    assert_eq!(won.status, 200, "{}", won.text);
    assert_eq!(won.json["status"], "overturned");
    assert!(won.json["reversal_transfer_id"].is_i64());
    lost.assert_problem(409, "already_decided");
    reviewer.post(&decide, &json!({"outcome": "upheld"})).await.assert_problem(409, "already_decided");
    assert_eq!(
        merchant.get(&format!("/api/v1/shops/{shop}/deposit")).await.json["balance_fen"],
        29_000,
        "the penalty was paid back once"
    );

    let csv = merchant.get(&format!("/api/v1/shops/{shop}/deposit/statement.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    assert!(csv.text.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 5, "a header and four entries:\n{}", csv.text);
    assert!(lines[1].contains("银行流水-1") && lines[1].ends_with(",300.00"), "{}", lines[1]);
    assert!(lines[4].contains("\"罚款退回\"") && lines[4].ends_with(",290.00"), "{}", lines[4]);
    assert!(!csv.text.contains("penalty_reversal"), "words, not codes: {}", csv.text);
    let page = merchant.get(&format!("/api/v1/shops/{shop}/deposit/entries?limit=3")).await;
    assert_eq!(page.json["items"].as_array().unwrap().len(), 3);
    let cursor = page.json["next_cursor"].as_str().expect("a next page");
    let rest = merchant.get(&format!("/api/v1/shops/{shop}/deposit/entries?limit=3&cursor={cursor}")).await;
    assert_eq!(rest.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest.json["items"][0]["reason"], "top_up");
    verify_ledger(&running.db);
}

/// One top-up request of the crash test.
struct Request {
    key: String,
    amount: i64,
}

/// What the server answered: the transfer id of a 201, or the status and body of anything else.
type Outcome = Result<i64, String>;

async fn send_top_up(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    shop: i64,
    request: &Request,
) -> Result<(Outcome, bool), reqwest::Error> {
    let response = http
        .post(format!("{base}{}", top_ups(shop)))
        .bearer_auth(token)
        .header("Idempotency-Key", &request.key)
        .json(&json!({"amount_fen": request.amount, "payment_ref": format!("pay-{}", request.key)}))
        .send()
        .await?;
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let text = response.text().await?;
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let outcome = match (status, json["transfer_id"].as_i64()) {
        (201, Some(id)) => Ok(id),
        _ => Err(format!("{status} {text}")),
    };
    Ok((outcome, replayed))
}

const CRASH_REQUESTS: usize = 3_000;
const CRASH_CLIENTS: usize = 32;

/// Sends every request not yet answered (or all of them) from `CRASH_CLIENTS` concurrent clients
/// until `stop` is set; answers each request's (outcome, replayed) or the connection error.
async fn send_all(
    base: String,
    token: String,
    shop: i64,
    requests: Arc<Vec<Request>>,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
) -> Vec<Option<Result<(Outcome, bool), String>>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CRASH_CLIENTS {
        let (base, token, requests, stop, answered, next) =
            (base.clone(), token.clone(), requests.clone(), stop.clone(), answered.clone(), next.clone());
        tasks.spawn(async move {
            let http =
                test_support::http::reqwest_builder().timeout(Duration::from_secs(30)).build().unwrap();
            let mut mine = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(request) = requests.get(index) else { break };
                let result = send_top_up(&http, &base, &token, shop, request).await;
                if result.is_ok() {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                mine.push((index, result.map_err(|error| error.to_string())));
            }
            mine
        });
    }
    let mut results: Vec<Option<Result<(Outcome, bool), String>>> =
        (0..requests.len()).map(|_| None).collect();
    for (index, result) in tasks.join_all().await.into_iter().flatten() {
        results[index] = Some(result);
    }
    results
}

async fn crash_in_the_middle_of_top_ups(backend: Backend) {
    let started = Instant::now();
    let mut running = start(backend, &[]).await;
    let merchant = login(&running.server, "m1").await;
    let service = login(&running.server, "svc").await;
    let token = service.token.clone().unwrap();
    let shop = open_shop(&merchant, "杭州一号店").await;
    let requests: Arc<Vec<Request>> = Arc::new(
        (0..CRASH_REQUESTS)
            .map(|index| Request {
                key: format!("crash-{index:05}"),
                amount: 1 + (index as i64 * 7_919) % 10_000,
            })
            .collect(),
    );
    let total: i64 = requests.iter().map(|r| r.amount).sum();

    // Phase one: kill the server with SIGKILL once about a third has been answered.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let sending = tokio::spawn(send_all(
        running.server.base.clone(),
        token.clone(),
        shop,
        requests.clone(),
        stop.clone(),
        answered.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < CRASH_REQUESTS / 3 {
        assert!(Instant::now() < deadline, "only {} answers in a minute", answered.load(Ordering::SeqCst));
        assert!(!sending.is_finished(), "the clients stopped early");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    running.server.kill_hard();
    stop.store(true, Ordering::SeqCst);
    let before = sending.await.unwrap();
    let first_answers: Vec<Option<i64>> = before
        .iter()
        .map(|result| match result {
            Some(Ok((Ok(id), _))) => Some(*id),
            Some(Ok((Err(other), _))) => panic!("before the crash the server answered {other}"),
            _ => None,
        })
        .collect();
    let answered_before = first_answers.iter().flatten().count();
    let lost = before.iter().filter(|r| matches!(r, Some(Err(_)))).count();
    assert!((CRASH_REQUESTS / 3..CRASH_REQUESTS).contains(&answered_before), "{answered_before}");
    eprintln!(
        "crash test: {answered_before} answered before SIGKILL, {lost} failed with a connection error, {:?}",
        started.elapsed()
    );

    // Phase two: restart on the same database and retry every request with its key.
    running.server = serve(&running.db, &[]);
    let retried = send_all(
        running.server.base.clone(),
        token.clone(),
        shop,
        requests.clone(),
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    let mut ids = HashSet::new();
    let mut committed_unanswered = 0;
    for (index, (result, first)) in retried.iter().zip(&first_answers).enumerate() {
        let (outcome, replayed) = match result {
            Some(Ok(answer)) => answer,
            other => panic!("request {index} after the restart: {other:?}"),
        };
        let id =
            *outcome.as_ref().unwrap_or_else(|error| panic!("request {index} after the restart: {error}"));
        if let Some(first) = first {
            assert_eq!(id, *first, "request {index}: a replay answers the first transfer");
            assert!(replayed, "request {index} was applied before, so this is a replay");
        } else if *replayed {
            committed_unanswered += 1;
        }
        assert!(ids.insert(id), "request {index}: transfer {id} answered for two keys");
    }

    let merchant = running.server.client().with_token(merchant.token.as_deref().unwrap());
    assert_eq!(balance(&merchant, shop).await, total, "every key applied exactly once");
    let statement = merchant.get(&format!("/api/v1/shops/{shop}/deposit/statement.csv")).await;
    assert_eq!(statement.text.lines().count(), CRASH_REQUESTS + 1, "one entry per key");
    running.server.kill_hard();
    let report = verify_ledger(&running.db);
    assert!(report.contains(&format!("{CRASH_REQUESTS} transfers, ")), "{report}");
    assert!(report.contains(&format!("{CRASH_REQUESTS} idempotency keys")), "{report}");
    eprintln!(
        "crash test: {committed_unanswered} committed without an answer before SIGKILL; done in {:?}",
        started.elapsed()
    );
}
