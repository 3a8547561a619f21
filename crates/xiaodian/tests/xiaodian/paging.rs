//! Lists page by cursor through the real server, on SQLite and PostgreSQL: a shop's 1,000 orders
//! (newest first) and 300 deposit refunds in the reviewers' queue (earliest due first), read a page
//! at a time while new rows arrive, every one seen exactly once; a cursor that is not ours is
//! refused with a problem and changes nothing.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use sqlx::Connection;
use test_support::{Backend, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

const ORDERS: usize = 1_000;
const REFUNDS: usize = 300;
/// Pages are read at most this many times the pages needed: a cursor that loops fails the test.
const PAGES_MAX: usize = 200;

both_backends!(every_order_and_refund_pages_by_cursor_once);

async fn every_order_and_refund_pages_by_cursor_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let server = Server::start(binary(), &["--db", &db.url, "--clock", "manual=2026-05-01T10:00:00+08:00"]);
    let login = |name: &'static str| {
        let client = server.client();
        async move { client.login(name, &password(name)).await }
    };
    let (merchant, service, reviewer) = (login("m1").await, login("svc").await, login("reviewer").await);

    let shop = ok(merchant
        .post(
            "/api/v1/shops",
            &json!({"name": "翻页店", "entity_type": "enterprise",
        "entity_name": "杭州翻页科技有限公司", "category": "food"}),
        )
        .await)["id"]
        .as_i64()
        .unwrap();
    let product = ok(merchant
        .post(&format!("/api/v1/shops/{shop}/products"), &json!({"title": "茶叶", "price_fen": 3_900}))
        .await)["id"]
        .as_i64()
        .unwrap();
    let order =
        |n: usize| json!({"product_id": product, "buyer_id": format!("buyer-{n}"), "amount_fen": 3_900});
    let mut placed = BTreeSet::new();
    for n in 0..ORDERS {
        let id = ok(service.post(&format!("/api/v1/shops/{shop}/orders"), &order(n)).await)["id"]
            .as_i64()
            .unwrap();
        placed.insert(id);
    }

    // Orders, newest first, 70 a page; after the first page, new orders arrive: they are newer than
    // the cursor, so the pages after it neither repeat a row nor skip one.
    let orders = format!("/api/v1/shops/{shop}/orders?limit=70");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        assert!(page < PAGES_MAX, "the order pages end");
        let path = match &cursor {
            Some(cursor) => format!("{orders}&cursor={cursor}"),
            None => orders.clone(),
        };
        let answer = ok(merchant.get(&path).await);
        seen.extend(answer["items"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()));
        if page == 0 {
            for n in 0..5 {
                ok(service.post(&format!("/api/v1/shops/{shop}/orders"), &order(ORDERS + n)).await);
            }
        }
        match answer["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats");
    assert_eq!(seen.iter().copied().collect::<BTreeSet<_>>(), placed, "every order once, none missed");
    assert_eq!(seen.len(), ORDERS);

    // The status filter pages the same way: every order is paid.
    let paid = ok(merchant.get(&format!("/api/v1/shops/{shop}/orders?status=paid&limit=200")).await);
    assert_eq!(paid["items"].as_array().unwrap().len(), 200);
    assert!(paid["next_cursor"].is_string());

    // Refunds, earliest due first, 40 a page: ten refunds a day over thirty days, the ties in id
    // order. A refund due before the cursor arrives meanwhile: it is not read twice, nor any other.
    execute(&db, &refund_rows(0..REFUNDS)).await;
    let mut seen: Vec<(String, i64)> = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        assert!(page < PAGES_MAX, "the refund pages end");
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/refunds?limit=40&cursor={cursor}"),
            None => "/api/v1/refunds?limit=40".to_owned(),
        };
        let answer = ok(reviewer.get(&path).await);
        let items = answer["items"].as_array().unwrap();
        seen.extend(
            items.iter().map(|r| (r["due_on"].as_str().unwrap().to_owned(), r["shop_id"].as_i64().unwrap())),
        );
        if page == 2 {
            execute(&db, &refund_rows(REFUNDS..REFUNDS + 1)).await;
        }
        match answer["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let shops: Vec<i64> = seen.iter().map(|(_, shop)| *shop).collect();
    let unique: BTreeSet<i64> = shops.iter().copied().collect();
    assert_eq!(unique.len(), shops.len(), "no refund twice");
    let seeded: BTreeSet<i64> = (0..REFUNDS).map(refund_shop).collect();
    assert!(seeded.is_subset(&unique), "every refund seeded before the reading began was read");
    assert!(!unique.contains(&refund_shop(REFUNDS)), "the late refund, due before the cursor, is not read");
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "earliest due first");

    // A cursor that is not ours: a problem naming the field, for both lists.
    for path in
        [format!("/api/v1/shops/{shop}/orders?cursor=abc"), format!("/api/v1/shops/{shop}/orders?cursor=-4")]
    {
        merchant.get(&path).await.assert_problem(400, "invalid_field");
    }
    for cursor in ["2026-05-01", "tomorrow.3", "2026-02-30.1"] {
        reviewer.get(&format!("/api/v1/refunds?cursor={cursor}")).await.assert_problem(400, "invalid_field");
    }
    // A merchant does not read the reviewers' queue, by page or otherwise.
    merchant.get("/api/v1/refunds?limit=5").await.assert_problem(403, "forbidden");

    // The shop's other lists page the same way, open rows first where they sort so: small pages
    // over a few dozen rows, some of them answered or resolved.
    let mut products = BTreeSet::from([product]);
    for n in 0..30 {
        let body = json!({"title": format!("商品{n}"), "price_fen": 100 + n});
        products.insert(
            ok(merchant.post(&format!("/api/v1/shops/{shop}/products"), &body).await)["id"].as_i64().unwrap(),
        );
    }
    let mut complaints = BTreeSet::new();
    for n in 0..25 {
        let body = json!({"buyer_id": format!("buyer-{n}"), "text": "客服回复太慢"});
        let id = ok(service.post(&format!("/api/v1/shops/{shop}/complaints"), &body).await)["id"]
            .as_i64()
            .unwrap();
        if n % 5 == 0 {
            ok(reviewer
                .post(&format!("/api/v1/complaints/{id}/resolve"), &json!({"resolution": "已核实处理"}))
                .await);
        }
        complaints.insert(id);
    }
    let mut conversations = BTreeSet::new();
    for n in 0..20 {
        let body = json!({"buyer_id": format!("asker-{n}"), "text": "发货了吗？"});
        let id = ok(service.post(&format!("/api/v1/shops/{shop}/messages"), &body).await)["conversation_id"]
            .as_i64()
            .unwrap();
        if n % 3 == 0 {
            ok(merchant
                .post(&format!("/api/v1/conversations/{id}/replies"), &json!({"text": "今天发出"}))
                .await);
        }
        conversations.insert(id);
    }
    let mut invoices = BTreeSet::new();
    let mut commissions = BTreeSet::new();
    for &order in placed.iter().take(15) {
        let body = json!({"title": "杭州翻页科技有限公司"});
        invoices.insert(
            ok(service.post(&format!("/api/v1/orders/{order}/invoice-requests"), &body).await)["id"]
                .as_i64()
                .unwrap(),
        );
        let body = json!({"creator_id": "creator-1", "amount_fen": 100, "order_id": order});
        commissions.insert(
            ok(service.post(&format!("/api/v1/shops/{shop}/commissions"), &body).await)["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let lists = [
        (format!("/api/v1/shops/{shop}/products"), products),
        (format!("/api/v1/shops/{shop}/complaints"), complaints.clone()),
        (format!("/api/v1/shops/{shop}/conversations"), conversations),
        (format!("/api/v1/shops/{shop}/invoice-requests"), invoices),
        (format!("/api/v1/shops/{shop}/commissions"), commissions),
    ];
    for (path, created) in lists {
        let read = read_all(&merchant, &path, 7).await;
        let ids: Vec<i64> = read.iter().map(|row| row["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), created, "{path}: every row once");
        assert_eq!(ids.len(), created.len(), "{path}: no row twice");
    }
    // Complaints: the open ones first, each part newest first.
    let read = read_all(&merchant, &format!("/api/v1/shops/{shop}/complaints"), 7).await;
    let open: Vec<bool> = read.iter().map(|c| c["status"] == "open").collect();
    assert_eq!(open.iter().filter(|o| **o).count(), 20);
    assert!(open.windows(2).all(|w| w[0] || !w[1]), "open complaints come first");
    // The reviewers' queue of open complaints, oldest first.
    let queue: Vec<i64> = read_all(&reviewer, "/api/v1/complaints", 6)
        .await
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(queue.len(), 20);
    assert!(queue.windows(2).all(|w| w[0] < w[1]), "oldest first");
    merchant
        .get(&format!("/api/v1/shops/{shop}/complaints?cursor=1"))
        .await
        .assert_problem(400, "invalid_field");
    merchant
        .get(&format!("/api/v1/shops/{shop}/conversations?cursor=1.2"))
        .await
        .assert_problem(400, "invalid_field");
}

/// Every row of a list, read `limit` at a time by cursor.
async fn read_all(client: &test_support::Client, path: &str, limit: u32) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        assert!(page < PAGES_MAX, "{path}: the pages end");
        let url = match &cursor {
            Some(cursor) => format!("{path}?limit={limit}&cursor={cursor}"),
            None => format!("{path}?limit={limit}"),
        };
        let answer = ok(client.get(&url).await);
        rows.extend(answer["items"].as_array().unwrap().iter().cloned());
        match answer["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return rows,
        }
    }
    unreachable!("the loop returns or fails")
}

fn ok(answer: test_support::http::Answer) -> Value {
    assert!((200..300).contains(&answer.status), "{} {}", answer.status, answer.text);
    answer.json
}

/// The shop of seeded refund `n` (refunds are one per shop; these shops exist only here).
fn refund_shop(n: usize) -> i64 {
    1_000_000 + n as i64
}

/// Refunds `range` as SQL: in review, ten due each day from 2026-05-06, the last one (the late
/// arrival) due on the first day.
fn refund_rows(range: std::ops::Range<usize>) -> String {
    let rows: Vec<String> = range
        .map(|n| {
            let day = if n >= REFUNDS { 0 } else { n / 10 };
            let due = chrono_day(day);
            format!(
                "({}, 1, '杭州翻页科技有限公司', 'in_review', 50000, '2026-04-29', '2026-05-06', '{due}', 1777600000000)",
                refund_shop(n)
            )
        })
        .collect();
    format!(
        "INSERT INTO deposit_refunds (shop_id, merchant_id, entity_name, status, amount_fen, closed_on, \
         release_on, due_on, created_at_ms) VALUES {}",
        rows.join(", ")
    )
}

/// 2026-05-06 plus `days`, as `YYYY-MM-DD` (30 days at most: May and June).
fn chrono_day(days: usize) -> String {
    let day = 6 + days;
    if day <= 31 { format!("2026-05-{day:02}") } else { format!("2026-06-{:02}", day - 31) }
}

/// Runs `sql` on the test's database, beside the server (seeding what no API creates in bulk).
async fn execute(db: &TestDb, sql: &str) {
    match db.backend {
        Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite:");
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}")).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            let _ = conn.close().await;
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            let _ = conn.close().await;
        }
    }
}
