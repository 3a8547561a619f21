//! Once-only actions through the real binary: 8 concurrent `POST /api/v1/incidents/{id}/violation`
//! (different idempotency keys) make one violation and one penalty, one 201 and seven clear 409s,
//! on SQLite and PostgreSQL; then `xiaodian ledger verify` passes, and it reports each business
//! invariant broken by hand in the SQLite file (a violation's penalties and reversals, an
//! incident's violations, a refund's payouts, a fee's transfers) with a line naming the rows, and
//! exit 1.

use serde_json::{Value, json};
use sqlx::Connection;
use test_support::{Backend, Client, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

/// Requests racing to turn the incident into a violation.
const RACERS: usize = 8;
const PENALTY_FEN: i64 = 20_000;

async fn ok(answer: test_support::http::Answer, what: &str) -> Value {
    assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
    answer.json
}

/// What the story leaves for the verification checks.
struct Story {
    shop: i64,
    incident: i64,
    violation: i64,
    verification: i64,
}

/// Opens a keyword incident on the merchant's account, races `RACERS` reviewers' requests to turn
/// it into a violation, pays a verification fee, and tops the shop up twice.
async fn race_story(server: &Server) -> Story {
    let login = |name: &'static str| {
        let client = server.client();
        async move { client.login(name, &password(name)).await }
    };
    let (owner, service, reviewer) = (login("m1").await, login("svc").await, login("reviewer").await);
    let account =
        ok(owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号企业号"})).await, "account")
            .await["id"]
            .as_i64()
            .unwrap();
    let videos = format!("/api/v1/enterprise-accounts/{account}/videos");
    let video =
        ok(owner.post(&videos, &json!({"title": "春节上新"})).await, "video").await["id"].as_i64().unwrap();
    let keywords = format!("/api/v1/enterprise-accounts/{account}/reputation/keywords");
    ok(owner.put(&keywords, &json!({"keywords": ["质量"]})).await, "keywords").await;
    let comment = json!({"video_id": video, "comment_id": "c-1", "author_id": "u-1", "text": "质量太差了",
        "created_at": "2026-03-02T10:05:00+08:00"});
    let body = comment.to_string().into_bytes();
    let batch =
        ok(service.post_raw("/api/v1/comments:batch", "application/x-ndjson", body).await, "batch").await;
    assert_eq!(batch["rejected_count"], 0, "{batch}");
    let open =
        ok(owner.get(&format!("/api/v1/enterprise-accounts/{account}/incidents?status=open")).await, "open")
            .await;
    let incident = open["items"][0]["id"].as_i64().expect("the keyword opened an incident");
    let shop = json!({"name": "一号小店", "entity_type": "enterprise", "entity_name": "一号商家科技有限公司",
        "category": "apparel"});
    let shop = ok(owner.post("/api/v1/shops", &shop).await, "shop").await["id"].as_i64().unwrap();

    let body = json!({"shop_id": shop, "kind": "false_advertising", "severity": "general",
        "penalty_fen": PENALTY_FEN, "beneficiary": "platform", "evidence": "评论集中反映商品与宣传不符"});
    let path = format!("/api/v1/incidents/{incident}/violation");
    let tasks: Vec<_> = (0..RACERS)
        .map(|n| {
            let (reviewer, path, body) = (reviewer.clone(), path.clone(), body.clone());
            tokio::spawn(async move {
                let key = format!("turn-{n}");
                reviewer.post_with(&path, &[("Idempotency-Key", key.as_str())], &body).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let created: Vec<_> = answers.iter().filter(|a| a.status == 201).collect();
    assert_eq!(created.len(), 1, "one request records the violation");
    for answer in answers.iter().filter(|a| a.status != 201) {
        answer.assert_problem(409, "incident_violation_exists");
    }
    let violation = created[0].json["violation_id"].as_i64().unwrap();
    assert_eq!(created[0].json["incident"]["violation_id"], violation);
    let listed = ok(reviewer.get(&format!("/api/v1/shops/{shop}/violations")).await, "violations").await;
    let listed = listed.as_array().or_else(|| listed["items"].as_array()).cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "one violation: {listed:?}");
    let deposit = ok(owner.get(&format!("/api/v1/shops/{shop}/deposit")).await, "deposit").await;
    assert_eq!(deposit["balance_fen"], -PENALTY_FEN, "one penalty: {deposit}");

    // Two top-ups and a paid verification fee, for the corruptions below.
    for key in ["top-1", "top-2"] {
        let top_up = service
            .post_with(
                &format!("/api/v1/shops/{shop}/deposit/top-ups"),
                &[("Idempotency-Key", key)],
                &json!({"amount_fen": 10_000, "payment_ref": key}),
            )
            .await;
        ok(top_up, "top-up").await;
    }
    let verification = fee_paid_application(&owner, &service, account).await;
    Story { shop, incident, violation, verification }
}

async fn fee_paid_application(owner: &Client, service: &Client, account: i64) -> i64 {
    let application = json!({"account_id": account, "company_name": "一号商家科技有限公司",
        "uscc": "91350100M000100Y43", "legal_rep_name": "张三", "legal_rep_id_number": "11010519491231002X",
        "industry": "food", "contact_phone": "13800138000", "contact_email": "ops@xiaodian.example",
        "operator_is_legal_rep": true});
    let id = ok(owner.post("/api/v1/verifications", &application).await, "application").await["id"]
        .as_i64()
        .unwrap();
    let fee = service
        .post_with(
            &format!("/api/v1/verifications/{id}/fee-payments"),
            &[("Idempotency-Key", "fee-1")],
            &json!({"amount_fen": 60_000, "payment_ref": "pay-1"}),
        )
        .await;
    ok(fee, "fee").await;
    id
}

fn ledger_verify(db: &TestDb) -> (i32, String) {
    let (code, out, err) = test_support::server::run(binary(), &["ledger", "verify", "--db", &db.url], None);
    (code, format!("{out}{err}"))
}

both_backends!(racing_requests_turn_an_incident_into_one_violation);

async fn racing_requests_turn_an_incident_into_one_violation(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap().to_owned();
    let server = Server::start(
        binary(),
        &["--db", &db.url, "--data-dir", &dir, "--clock", "manual=2026-03-02T10:30:00+08:00"],
    );
    race_story(&server).await;
    drop(server);
    let (code, out) = ledger_verify(&db);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("business invariants hold"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_verify_reports_each_broken_business_invariant() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap().to_owned();
    let mut server = Server::start(
        binary(),
        &["--db", &db.url, "--data-dir", &dir, "--clock", "manual=2026-03-02T10:30:00+08:00"],
    );
    let story = race_story(&server).await;
    server.terminate(std::time::Duration::from_secs(10));
    drop(server);
    assert_eq!(ledger_verify(&db).0, 0);
    let path = db.url.trim_start_matches("sqlite:").to_owned();
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}")).await.unwrap();
    let top_ups: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, reference FROM ledger_transfers WHERE reason = 'top_up' ORDER BY seq")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(top_ups.len(), 2);
    let (v, incident, shop) = (story.violation, story.incident, story.shop);

    // Each corruption, the line that names it, and the statements that undo it. Only references,
    // reasons and business rows change: the ledger's own chain and balances stay intact, so what
    // is reported is the business invariant.
    let relabel = |seq: i64, reason: &str, reference: &str| {
        format!(
            "UPDATE ledger_transfers SET reason = '{reason}', reference = '{reference}' WHERE seq = {seq}"
        )
    };
    let restore = |seq: i64| {
        let (_, reference) = top_ups.iter().find(|(s, _)| *s == seq).unwrap();
        relabel(seq, "top_up", reference)
    };
    let (a, b) = (top_ups[0].0, top_ups[1].0);
    let cases: Vec<(Vec<String>, String, Vec<String>)> = vec![
        (
            vec![relabel(a, "penalty", &format!("violation:{v}"))],
            format!("violation {v} has 2 penalty transfers"),
            vec![restore(a)],
        ),
        (
            vec![
                relabel(a, "penalty_reversal", &format!("violation:{v}")),
                relabel(b, "penalty_reversal", &format!("violation:{v}")),
            ],
            format!("violation {v} has 2 reversals"),
            vec![restore(a), restore(b)],
        ),
        (
            vec![
                "DROP INDEX violations_by_incident".to_owned(),
                format!(
                    "INSERT INTO violations (shop_id, merchant_id, kind, severity, penalty_fen, beneficiary, evidence, \
                     status, recorded_by, created_at_ms, appeal_deadline_ms, incident_id) SELECT shop_id, merchant_id, \
                     kind, severity, 0, beneficiary, evidence, status, recorded_by, created_at_ms, appeal_deadline_ms, \
                     incident_id FROM violations WHERE id = {v}"
                ),
            ],
            format!("reputation incident {incident} has 2 violations"),
            vec![
                format!("DELETE FROM violations WHERE id > {v}"),
                "CREATE UNIQUE INDEX violations_by_incident ON violations (incident_id)".to_owned(),
            ],
        ),
        (
            vec![
                format!(
                    "INSERT INTO deposit_refunds (id, shop_id, merchant_id, entity_name, status, amount_fen, closed_on, \
                     release_on, due_on, paid_fen, created_at_ms) SELECT 900, id, merchant_id, entity_name, 'paid', \
                     10000, '2026-03-02', '2026-03-11', '2026-03-23', 10000, 0 FROM shops WHERE id = {shop}"
                ),
                relabel(a, "deposit_refund", "refund:900"),
                relabel(b, "deposit_refund", "refund:900"),
            ],
            "refund 900 has 2 deposit refund transfers".to_owned(),
            vec!["DELETE FROM deposit_refunds WHERE id = 900".to_owned(), restore(a), restore(b)],
        ),
        (
            vec![relabel(a, "verification_fee", &format!("verification:{}:pay-2", story.verification))],
            format!("verification {}'s fee payment has 2 transfers", story.verification),
            vec![restore(a)],
        ),
        (
            vec![format!(
                "UPDATE ledger_transfers SET reason = 'top_up' WHERE reason = 'verification_fee' AND reference LIKE 'verification:{}:%'",
                story.verification
            )],
            format!("verification {}'s fee payment has 0 transfers", story.verification),
            vec![format!(
                "UPDATE ledger_transfers SET reason = 'verification_fee' WHERE reason = 'top_up' AND reference LIKE 'verification:{}:%'",
                story.verification
            )],
        ),
    ];
    for (corrupt, line, undo) in cases {
        for sql in &corrupt {
            sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let (code, out) = ledger_verify(&db);
        assert_eq!(code, 1, "{line}: {out}");
        assert!(
            out.lines().any(|l| l.starts_with("invariant broken: ") && l.contains(&line)),
            "expected a line with {line:?}: {out}"
        );
        for sql in &undo {
            sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let (code, out) = ledger_verify(&db);
        assert_eq!(code, 0, "after undoing {line:?}: {out}");
    }
    conn.close().await.unwrap();
}
