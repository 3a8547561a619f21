//! The shop closure story through the real server with the manual clock, on SQLite and
//! PostgreSQL: blockers found and cleared, the notice period (withdrawn once), a buyer's
//! after-sales case delaying the closure, the automatic refund exactly 7 working days after
//! closure across National Day and its make-up Saturday, and the reviewer path of a shop with a
//! serious violation ending in `forfeited`. `xiaodian ledger verify` passes after each scenario.

use serde_json::{Value, json};
use test_support::{Backend, Client, Server, TestDb, both_backends};

use crate::ledger::verify_ledger;
use crate::{add_users, binary, password};

const ENTITY: &str = "杭州小店科技有限公司";
const REASON: &str = "公司调整业务方向，不再经营线上店铺";

struct Story {
    admin: Client,
    reviewer: Client,
    merchant: Client,
    other: Client,
    service: Client,
    db: TestDb,
    _server: Server,
}

impl Story {
    async fn at(&self, now: &str) {
        let set = self.admin.put("/api/v1/admin/clock", &json!({ "now": now })).await;
        assert_eq!(set.status, 200, "{}", set.text);
        let ran = self.admin.post("/api/v1/admin/jobs/run", &json!({})).await;
        assert_eq!(ran.status, 200, "{}", ran.text);
    }

    async fn ok(client: &Client, method: &str, path: &str, body: Value) -> Value {
        let answer = match method {
            "POST" => client.post(path, &body).await,
            "PUT" => client.put(path, &body).await,
            "DELETE" => client.delete(path).await,
            _ => client.get(path).await,
        };
        assert!((200..300).contains(&answer.status), "{method} {path}: {} {}", answer.status, answer.text);
        answer.json
    }

    async fn failing(&self, shop: i64) -> Vec<String> {
        let report =
            Story::ok(&self.merchant, "GET", &format!("/api/v1/shops/{shop}/closure/checks"), Value::Null)
                .await;
        let checks = report["checks"].as_array().unwrap();
        assert_eq!(checks.len(), 12);
        checks
            .iter()
            .filter(|c| c["passed"] == false)
            .map(|c| c["code"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn money(&self, client: &Client, path: &str, key: &str, body: Value) -> test_support::http::Answer {
        client.post_with(path, &[("Idempotency-Key", key)], &body).await
    }
}

async fn start(backend: Backend) -> Story {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url, "--clock", "manual=2026-05-01T10:00:00+08:00"]);
    let login = |name: &'static str| {
        let client = server.client();
        async move { client.login(name, &password(name)).await }
    };
    Story {
        admin: login("admin").await,
        reviewer: login("reviewer").await,
        merchant: login("m1").await,
        other: login("m2").await,
        service: login("svc").await,
        db,
        _server: server,
    }
}

/// A shop of `client` with a payout account held by its entity and a ¥500 deposit.
async fn open_shop(s: &Story, client: &Client, name: &str, entity: &str) -> i64 {
    let body = json!({"name": name, "entity_type": "enterprise", "entity_name": entity, "category": "food"});
    let shop = Story::ok(client, "POST", "/api/v1/shops", body).await["id"].as_i64().unwrap();
    let payout = format!("/api/v1/shops/{shop}/payout-account");
    let wrong = json!({"holder_name": "张三", "bank_name": "招商银行", "account_number": "6222021001112345"});
    client.put(&payout, &wrong).await.assert_problem(400, "payout_holder_mismatch");
    let right =
        json!({"holder_name": entity, "bank_name": "招商银行", "account_number": "6222 0210 0111 2345"});
    assert_eq!(Story::ok(client, "PUT", &payout, right).await["account_number"], "****2345");
    let key = format!("deposit-{shop}");
    let paid = s
        .money(
            &s.service,
            &format!("/api/v1/shops/{shop}/deposit/top-ups"),
            &key,
            json!({"amount_fen": 50_000, "payment_ref": key}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.text);
    shop
}

both_backends!(closure_story);

async fn closure_story(backend: Backend) {
    let s = start(backend).await;
    let shop = open_shop(&s, &s.merchant, "一号店", ENTITY).await;
    let base = format!("/api/v1/shops/{shop}");
    assert_eq!(s.other.get(&format!("{base}/closure/checks")).await.status, 404, "another merchant's shop");

    // Trade: a product, an order shipped and completed, a buyer's message, an after-sales case.
    let product = Story::ok(
        &s.merchant,
        "POST",
        &format!("{base}/products"),
        json!({"title": "月饼礼盒", "price_fen": 19_900}),
    )
    .await;
    let product = product["id"].as_i64().unwrap();
    let order = Story::ok(
        &s.service,
        "POST",
        &format!("{base}/orders"),
        json!({"product_id": product, "buyer_id": "buyer-1", "amount_fen": 19_900}),
    )
    .await;
    assert_eq!(order["status"], "paid");
    let order = order["id"].as_i64().unwrap();
    s.merchant
        .post(&format!("/api/v1/orders/{order}/complete"), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    Story::ok(&s.merchant, "POST", &format!("/api/v1/orders/{order}/ship"), Value::Null).await;
    let message = Story::ok(
        &s.service,
        "POST",
        &format!("{base}/messages"),
        json!({"buyer_id": "buyer-1", "text": "什么时候到？"}),
    )
    .await;
    let conversation = message["conversation_id"].as_i64().unwrap();
    assert_eq!(
        s.failing(shop).await,
        ["products_listed", "orders_in_transit", "unanswered_messages"],
        "waiting on the buyer"
    );
    Story::ok(&s.service, "POST", &format!("/api/v1/orders/{order}/complete"), Value::Null).await;
    let case = Story::ok(
        &s.service,
        "POST",
        &format!("/api/v1/orders/{order}/after-sales"),
        json!({"kind": "exchange", "reason": "包装破损"}),
    )
    .await;
    assert_eq!(case["status"], "open");

    // Asking now is refused with every blocker, and nothing changes.
    let ask = json!({"reason_code": "no_longer_operating", "reason_text": REASON, "confirm_name": "一号店"});
    let refused = s.merchant.post(&format!("{base}/closure"), &ask).await;
    refused.assert_problem(409, "closure_blocked");
    let blockers: Vec<&str> =
        refused.json["checks"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(blockers, ["products_listed", "after_sales_open", "unanswered_messages", "unsettled_funds"]);
    assert!(refused.json["checks"][0]["action"]["zh"].as_str().unwrap().contains("下架"));
    assert_eq!(Story::ok(&s.merchant, "GET", &base, Value::Null).await["status"], "operating");
    for (body, status, code) in [
        (
            json!({"reason_code": "other", "reason_text": "不干了", "confirm_name": "一号店"}),
            400,
            "closure_reason_incomplete",
        ),
        (
            json!({"reason_code": "other", "reason_text": REASON, "confirm_name": "二号店"}),
            400,
            "confirm_name_mismatch",
        ),
        (json!({"reason_code": "other", "reason_text": REASON}), 400, "invalid_field"),
    ] {
        s.merchant.post(&format!("{base}/closure"), &body).await.assert_problem(status, code);
    }

    // Clearing them: delist, resolve, reply; the proceeds settle after 7 days and are withdrawn.
    Story::ok(&s.merchant, "POST", &format!("/api/v1/products/{product}/delist"), Value::Null).await;
    let case = case["id"].as_i64().unwrap();
    Story::ok(
        &s.merchant,
        "POST",
        &format!("/api/v1/after-sales/{case}/resolve"),
        json!({"resolution": "已换货"}),
    )
    .await;
    Story::ok(
        &s.merchant,
        "POST",
        &format!("/api/v1/conversations/{conversation}/replies"),
        json!({"text": "明天送达"}),
    )
    .await;
    assert_eq!(
        Story::ok(&s.merchant, "GET", &format!("{base}/settlement"), Value::Null).await["settling_fen"],
        19_900
    );
    s.at("2026-05-08T10:00:01+08:00").await;
    let settlement = Story::ok(&s.merchant, "GET", &format!("{base}/settlement"), Value::Null).await;
    assert_eq!(
        (settlement["settling_fen"].as_i64(), settlement["withdrawable_fen"].as_i64()),
        (Some(0), Some(19_900))
    );
    let withdrawals = format!("{base}/withdrawals");
    let first = s.money(&s.merchant, &withdrawals, "w-1", json!({"amount_fen": 19_900})).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let retry = s.money(&s.merchant, &withdrawals, "w-1", json!({"amount_fen": 19_900})).await;
    assert_eq!((retry.status, &retry.json), (201, &first.json), "a retried withdrawal replays");
    s.money(&s.merchant, &withdrawals, "w-2", json!({"amount_fen": 1}))
        .await
        .assert_problem(409, "insufficient_funds");
    assert_eq!(s.failing(shop).await, ["last_order_recent"]);
    let report = Story::ok(&s.merchant, "GET", &format!("{base}/closure/checks"), Value::Null).await;
    assert_eq!(report["checks"][3]["clears_on"], "2026-07-30", "90 days after the order completed");
    assert_eq!(report["earliest_close_on"], "2026-07-30");

    // Asked on 2026-08-29: the notice period; withdrawn once and asked again.
    s.at("2026-08-29T10:00:00+08:00").await;
    let notice = Story::ok(&s.merchant, "POST", &format!("{base}/closure"), ask.clone()).await;
    assert_eq!(
        (notice["status"].as_str(), notice["closes_on"].as_str()),
        (Some("notice_period"), Some("2026-09-28"))
    );
    assert_eq!(Story::ok(&s.merchant, "GET", &base, Value::Null).await["status"], "notice_period");
    let order_body = json!({"product_id": product, "buyer_id": "buyer-2", "amount_fen": 100});
    s.service
        .post(&format!("{base}/orders"), &order_body)
        .await
        .assert_problem(409, "shop_not_accepting_orders");
    assert_eq!(
        Story::ok(&s.merchant, "DELETE", &format!("{base}/closure"), Value::Null).await["status"],
        "withdrawn"
    );
    assert_eq!(Story::ok(&s.merchant, "GET", &base, Value::Null).await["status"], "operating");
    s.merchant.delete(&format!("{base}/closure")).await.assert_problem(409, "status_conflict");
    Story::ok(&s.merchant, "POST", &format!("{base}/closure"), ask.clone()).await;

    // A buyer's after-sales case during the notice period holds the shop on the closing day.
    s.at("2026-09-10T10:00:00+08:00").await;
    let late = Story::ok(
        &s.service,
        "POST",
        &format!("/api/v1/orders/{order}/after-sales"),
        json!({"kind": "refund", "reason": "月饼变质"}),
    )
    .await;
    s.at("2026-09-28T08:00:00+08:00").await;
    let closure = Story::ok(&s.merchant, "GET", &format!("{base}/closure"), Value::Null).await;
    assert_eq!(
        (closure["status"].as_str(), closure["blockers"].clone()),
        (Some("notice_period"), json!(["after_sales_open"]))
    );
    let late = late["id"].as_i64().unwrap();
    Story::ok(
        &s.merchant,
        "POST",
        &format!("/api/v1/after-sales/{late}/resolve"),
        json!({"resolution": "已退款"}),
    )
    .await;

    // The next day's re-check closes the shop and holds the deposit: release after exactly 7
    // working days (2026-09-30, then 10-08, 10-09, the make-up Saturday 10-10, 10-12, 10-13, 10-14).
    s.at("2026-09-29T00:00:01+08:00").await;
    assert_eq!(Story::ok(&s.merchant, "GET", &base, Value::Null).await["status"], "closed");
    let deposit = Story::ok(&s.merchant, "GET", &format!("{base}/deposit"), Value::Null).await;
    let refund = &deposit["refund"];
    assert_eq!(
        (
            refund["status"].as_str(),
            refund["amount_fen"].as_i64(),
            refund["release_on"].as_str(),
            refund["due_on"].as_str()
        ),
        (Some("holding"), Some(50_000), Some("2026-10-14"), Some("2026-10-26"))
    );
    assert_eq!((deposit["held_fen"].as_i64(), refund["overdue"].as_bool()), (Some(50_000), Some(false)));
    s.service
        .post(&format!("{base}/orders"), &order_body)
        .await
        .assert_problem(409, "shop_not_accepting_orders");
    s.at("2026-10-13T23:59:59+08:00").await;
    assert_eq!(
        Story::ok(&s.merchant, "GET", &format!("{base}/deposit"), Value::Null).await["refund"]["status"],
        "holding"
    );
    s.at("2026-10-14T00:00:00+08:00").await;
    let deposit = Story::ok(&s.merchant, "GET", &format!("{base}/deposit"), Value::Null).await;
    assert_eq!(
        (deposit["refund"]["status"].as_str(), deposit["refund"]["paid_fen"].as_i64()),
        (Some("paying"), Some(50_000)),
        "decided: paid once the payment channel confirms the payout"
    );
    assert_eq!((deposit["balance_fen"].as_i64(), deposit["held_fen"].as_i64()), (Some(0), Some(0)));
    verify_ledger(&s.db);
    let again =
        json!({"name": "新店", "entity_type": "enterprise", "entity_name": ENTITY, "category": "food"});
    s.merchant.post("/api/v1/shops", &again).await.assert_problem(409, "reopen_cooldown");

    // The reviewer path: a serious violation sends the refund to review; forfeited once.
    let other = open_shop(&s, &s.other, "二号店", "宁波好物有限公司").await;
    let violation = json!({"kind": "false_advertising", "severity": "serious", "penalty_fen": 10_000, "beneficiary": "platform", "evidence": "夸大功效"});
    let recorded = s.money(&s.reviewer, &format!("/api/v1/shops/{other}/violations"), "v-1", violation).await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    let ask = json!({"reason_code": "poor_results", "reason_text": REASON, "confirm_name": "二号店"});
    assert_eq!(
        Story::ok(&s.other, "POST", &format!("/api/v1/shops/{other}/closure"), ask).await["closes_on"],
        "2026-11-13"
    );
    s.at("2026-11-13T00:00:00+08:00").await;
    let refund =
        Story::ok(&s.other, "GET", &format!("/api/v1/shops/{other}/deposit"), Value::Null).await["refund"]
            .clone();
    assert_eq!(
        (refund["amount_fen"].as_i64(), refund["release_on"].as_str()),
        (Some(40_000), Some("2026-11-24"))
    );
    s.at("2026-11-24T00:00:00+08:00").await;
    let queue = Story::ok(&s.reviewer, "GET", "/api/v1/refunds?status=in_review", Value::Null).await;
    let items = queue["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0]["shop_id"].as_i64(), items[0]["review_reasons"].clone()),
        (Some(other), json!(["violations"]))
    );
    let id = items[0]["id"].as_i64().unwrap();
    let decision = format!("/api/v1/refunds/{id}/decision");
    let forfeit = json!({"outcome": "forfeit", "reason": "虚假宣传，严重违规"});
    s.other.post(&decision, &forfeit).await.assert_problem(403, "forbidden");
    s.service.get("/api/v1/refunds").await.assert_problem(403, "forbidden");
    let decided = Story::ok(&s.reviewer, "POST", &decision, forfeit.clone()).await;
    assert_eq!(
        (decided["status"].as_str(), decided["paid_fen"].as_i64(), decided["deduct_fen"].as_i64()),
        (Some("forfeited"), Some(0), Some(40_000))
    );
    let retried = Story::ok(&s.reviewer, "POST", &decision, forfeit).await;
    assert_eq!(retried, decided, "a retried decision answers the same and moves nothing");
    s.reviewer.post(&decision, &json!({"outcome": "full"})).await.assert_problem(409, "already_decided");
    let deposit = Story::ok(&s.other, "GET", &format!("/api/v1/shops/{other}/deposit"), Value::Null).await;
    assert_eq!((deposit["balance_fen"].as_i64(), deposit["held_fen"].as_i64()), (Some(0), Some(0)));
    verify_ledger(&s.db);
    let metrics = s.admin.get("/metrics").await.text;
    assert!(metrics.contains("xiaodian_refunds_overdue 0"), "{metrics}");
}
