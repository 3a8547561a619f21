//! Blue-V verification through the real binary with the manual clock, on SQLite and PostgreSQL:
//! apply, upload, pay, submit on the Friday before Qingming, request changes, resubmit, approve,
//! badge dates, reminders, expiry a year later and renewal; uploads judged by content; the ID
//! number never in clear in the database, the logs or a merchant's answers; who may do what.

use serde_json::{Value, json};
use test_support::{Backend, Client, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

const ID_NUMBER: &str = "11010519491231002X";
const USCC: &str = "91350100M000100Y43";
const COMPANY: &str = "杭州小店科技有限公司";
const BOUNDARY: &str = "xiaodian-test-boundary-7MA4YWxkTrZu0gW";

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend(std::iter::repeat_n(7_u8, 2_000));
    bytes
}

fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
    bytes.extend(std::iter::repeat_n(3_u8, 3_000));
    bytes
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

/// A multipart body with the fields `kind` and `file` (named `file_name`, declared `content_type`).
fn multipart(kind: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    client: &Client,
    id: i64,
    kind: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> test_support::http::Answer {
    client
        .post_raw(
            &format!("/api/v1/verifications/{id}/documents"),
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            multipart(kind, file_name, content_type, bytes),
        )
        .await
}

fn application(account_id: i64) -> Value {
    json!({
        "account_id": account_id,
        "company_name": COMPANY,
        "uscc": USCC,
        "legal_rep_name": "张三",
        "legal_rep_id_number": ID_NUMBER,
        "industry": "food",
        "contact_phone": "+86 138-0013-8000",
        "contact_email": "ops@xiaodian.example",
        "operator_is_legal_rep": false,
    })
}

struct Story {
    server: Server,
    db: TestDb,
    data_dir: tempfile::TempDir,
    admin: Client,
    reviewer: Client,
    merchant: Client,
    other: Client,
    service: Client,
    /// Every answer the merchants received, to check that none carries the ID number.
    merchant_texts: Vec<String>,
}

impl Story {
    async fn set_clock(&self, now: &str) {
        let answer = self.admin.put("/api/v1/admin/clock", &json!({ "now": now })).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }

    async fn run_jobs(&self) {
        let answer = self.admin.post("/api/v1/admin/jobs/run", &json!({})).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }

    async fn merchant_get(&mut self, path: &str) -> Value {
        let answer = self.merchant.get(path).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        self.merchant_texts.push(answer.text);
        answer.json
    }

    async fn pay(&self, id: i64, key: &str) -> test_support::http::Answer {
        self.service
            .post_with(
                &format!("/api/v1/verifications/{id}/fee-payments"),
                &[("Idempotency-Key", key)],
                &json!({ "amount_fen": 60_000, "payment_ref": format!("pay-{key}") }),
            )
            .await
    }

    /// Uploads every required document of the food application (operator not the legal representative).
    async fn upload_all(&mut self, id: i64) {
        for (kind, bytes, name, declared) in [
            ("business_licence", png(), "licence.png", "image/png"),
            ("application_letter", pdf("letter"), "letter.pdf", "application/pdf"),
            ("authorization_letter", jpeg(), "auth.jpg", "image/jpeg"),
            ("industry_permit", pdf("permit"), "permit.pdf", "application/pdf"),
        ] {
            let answer = upload(&self.merchant, id, kind, name, declared, &bytes).await;
            assert_eq!(answer.status, 201, "{kind}: {}", answer.text);
            self.merchant_texts.push(answer.text);
        }
    }

    async fn notifications(&mut self, kind: &str) -> Vec<Value> {
        let all = self.merchant_get("/api/v1/notifications?limit=200").await;
        all["items"].as_array().unwrap().iter().filter(|n| n["kind"] == kind).cloned().collect()
    }

    async fn decide(&self, id: i64, body: Value) -> test_support::http::Answer {
        self.reviewer.post(&format!("/api/v1/verifications/{id}/decision"), &body).await
    }
}

async fn start(backend: Backend) -> Story {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(
        binary(),
        &["--db", &db.url, "--data-dir", &dir, "--clock", "manual=2026-04-03T10:00:00+08:00"],
    );
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
        server,
        db,
        data_dir,
        merchant_texts: Vec::new(),
    }
}

both_backends!(verification_story, uploads_are_judged_by_content);

async fn verification_story(backend: Backend) {
    let mut s = start(backend).await;

    // An enterprise account.
    let created = s
        .merchant
        .post("/api/v1/enterprise-accounts", &json!({"nickname": "小店科技", "bio": "杭州的小店"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["verified"], false);
    let account = created.json["id"].as_i64().unwrap();
    assert!(s.merchant_get(&format!("/api/v1/enterprise-accounts/{account}")).await["badge"].is_null());
    assert_eq!(s.other.get(&format!("/api/v1/enterprise-accounts/{account}")).await.status, 404);

    // Bad input is refused with a precise code and changes nothing.
    for (field, value, code) in [
        ("uscc", "91350100M00010", "invalid_uscc"),
        ("legal_rep_id_number", "110105194912310021", "invalid_resident_id"),
        ("contact_phone", "12345", "invalid_phone"),
        ("contact_email", "ops@@example", "invalid_email"),
        ("industry", "medical", "industry_not_admitted"),
        ("industry", "lottery", "industry_not_admitted"),
    ] {
        let mut body = application(account);
        body[field] = json!(value);
        s.merchant.post("/api/v1/verifications", &body).await.assert_problem(400, code);
    }
    assert!(s.merchant_get("/api/v1/verifications").await["items"].as_array().unwrap().is_empty());

    // Apply: a draft, with the ID number masked.
    let applied = s.merchant.post("/api/v1/verifications", &application(account)).await;
    assert_eq!(applied.status, 201, "{}", applied.text);
    assert_eq!(applied.json["status"], "draft");
    assert_eq!(applied.json["warnings"], json!([]));
    assert_eq!(applied.json["legal_rep_id_masked"], "110105********002X");
    s.merchant_texts.push(applied.text.clone());
    let id = applied.json["id"].as_i64().unwrap();
    s.merchant
        .post("/api/v1/verifications", &application(account))
        .await
        .assert_problem(409, "verification_in_progress");

    // Another merchant sees nothing of it.
    assert_eq!(s.other.get(&format!("/api/v1/verifications/{id}")).await.status, 404);
    upload(&s.other, id, "business_licence", "x.png", "image/png", &png())
        .await
        .assert_problem(404, "not_found");
    assert!(s.other.get("/api/v1/verifications").await.json["items"].as_array().unwrap().is_empty());

    // Submitting needs every document and the fee.
    let incomplete = s.merchant.post(&format!("/api/v1/verifications/{id}/submit"), &json!({})).await;
    incomplete.assert_problem(409, "verification_incomplete");
    for missing in
        ["business_licence", "application_letter", "authorization_letter", "industry_permit", "fee"]
    {
        assert!(incomplete.json["detail"].as_str().unwrap().contains(missing), "{}", incomplete.text);
    }
    s.upload_all(id).await;
    let documents = s.merchant_get(&format!("/api/v1/verifications/{id}")).await["documents"].clone();
    let licence =
        documents.as_array().unwrap().iter().find(|d| d["kind"] == "business_licence").unwrap().clone();
    let file = s.other.get(licence["url"].as_str().unwrap()).await;
    assert_eq!(file.status, 404, "another merchant cannot read the document");
    let file = s.reviewer.get(licence["url"].as_str().unwrap()).await;
    assert_eq!((file.status, file.content_type.as_str()), (200, "image/png"));
    assert_eq!(s.merchant.get(licence["url"].as_str().unwrap()).await.status, 200);

    // The fee: only the payment channel confirms it, exactly once.
    let fee_path = format!("/api/v1/verifications/{id}/fee-payments");
    let fee = json!({"amount_fen": 60_000, "payment_ref": "pay-1"});
    s.reviewer
        .post_with(&fee_path, &[("Idempotency-Key", "r-1")], &fee)
        .await
        .assert_problem(403, "forbidden");
    s.merchant
        .post_with(&fee_path, &[("Idempotency-Key", "m-1")], &fee)
        .await
        .assert_problem(403, "forbidden");
    s.service.post(&fee_path, &fee).await.assert_problem(400, "idempotency_key_required");
    s.service
        .post_with(
            &fee_path,
            &[("Idempotency-Key", "fee-x")],
            &json!({"amount_fen": 600, "payment_ref": "p"}),
        )
        .await
        .assert_problem(400, "invalid_amount");
    let paid = s.pay(id, "fee-1").await;
    assert_eq!(paid.status, 201, "{}", paid.text);
    let again = s.pay(id, "fee-1").await;
    assert_eq!((again.status, &again.json), (201, &paid.json), "a retry answers the first result");
    s.pay(id, "fee-2").await.assert_problem(409, "fee_already_paid");

    // Submit on Friday 2026-04-03, before the Qingming holiday (Saturday 4 to Monday 6 April).
    let submitted = s.merchant.post(&format!("/api/v1/verifications/{id}/submit"), &json!({})).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.json["status"], "submitted");
    for (days, field, expect) in [(3, "target_on", "2026-04-09"), (5, "due_on", "2026-04-13")] {
        let calendar =
            s.merchant.get(&format!("/api/v1/calendar/add-workdays?from=2026-04-03&days={days}")).await;
        assert_eq!(calendar.json["date"], expect, "{}", calendar.text);
        assert_eq!(submitted.json[field], expect);
    }

    // The reviewers' queue, the claim, and a change request.
    let queue = s.reviewer.get("/api/v1/verifications?status=submitted").await;
    assert_eq!(queue.json["items"][0]["id"], id, "{}", queue.text);
    assert_eq!(queue.json["items"][0]["overdue"], false);
    assert!(!queue.text.contains(ID_NUMBER), "lists show the number masked");
    let by_merchant = json!({"outcome": "approve", "reasons": [], "note": ""});
    s.merchant
        .post(&format!("/api/v1/verifications/{id}/decision"), &by_merchant)
        .await
        .assert_problem(403, "forbidden");
    s.merchant
        .post(&format!("/api/v1/verifications/{id}/claim"), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    let claimed = s.reviewer.post(&format!("/api/v1/verifications/{id}/claim"), &json!({})).await;
    assert_eq!(claimed.json["status"], "in_review", "{}", claimed.text);
    let case = s.reviewer.get(&format!("/api/v1/verifications/{id}")).await;
    assert_eq!(case.json["legal_rep_id_number"], ID_NUMBER, "the reviewer's case view shows the number");
    let changes = json!({"outcome": "request_changes", "reasons": ["licence_unreadable"], "note": "请上传清晰的彩色扫描件"});
    let decided = s.decide(id, changes.clone()).await;
    assert_eq!(decided.json["status"], "changes_requested", "{}", decided.text);
    s.decide(id, changes).await.assert_problem(409, "already_decided");
    let requested = s.notifications("verification.changes_requested").await;
    assert_eq!(requested.len(), 1);
    let read =
        s.merchant.post(&format!("/api/v1/notifications/{}/read", requested[0]["id"]), &json!({})).await;
    assert_eq!(read.json["read"], true, "{}", read.text);
    let unread = s.merchant_get("/api/v1/notifications?unread=true").await;
    assert!(unread["items"].as_array().unwrap().iter().all(|n| n["id"] != requested[0]["id"]));
    s.merchant
        .post("/api/v1/notifications/read-all", &json!({"up_to_id": 0}))
        .await
        .assert_problem(400, "invalid_field");
    let all = s.merchant.post("/api/v1/notifications/read-all", &json!({})).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["unread_count"], 0, "{}", all.text);
    let again = s.merchant.post("/api/v1/notifications/read-all", &json!({})).await;
    assert_eq!(again.json["marked"], 0, "marking all twice marks nothing: {}", again.text);

    // The merchant corrects within 10 days and resubmits on Wednesday 8 April.
    s.set_clock("2026-04-08T09:00:00+08:00").await;
    let mut corrected = application(account);
    corrected["brand_name"] = json!("小店");
    let put = s.merchant.put(&format!("/api/v1/verifications/{id}"), &corrected).await;
    assert_eq!(put.status, 200, "{}", put.text);
    s.merchant_texts.push(put.text);
    let reupload = upload(&s.merchant, id, "business_licence", "licence-v2.jpg", "image/jpeg", &jpeg()).await;
    assert_eq!(reupload.status, 201, "{}", reupload.text);
    let resubmitted = s.merchant.post(&format!("/api/v1/verifications/{id}/submit"), &json!({})).await;
    assert_eq!(resubmitted.json["status"], "submitted", "{}", resubmitted.text);
    assert_eq!(
        (resubmitted.json["target_on"].as_str(), resubmitted.json["due_on"].as_str()),
        (Some("2026-04-13"), Some("2026-04-15"))
    );
    s.run_jobs().await;
    s.set_clock("2026-04-19T09:00:00+08:00").await;
    s.run_jobs().await;
    let queue = s.reviewer.get("/api/v1/verifications?status=submitted").await;
    assert_eq!(queue.json["items"][0]["overdue"], true, "past its due date: {}", queue.text);
    assert_eq!(
        s.merchant_get(&format!("/api/v1/verifications/{id}")).await["status"],
        "submitted",
        "the changes deadline was cancelled by the resubmission"
    );

    // Approval grants the badge for a year.
    let approved = s.decide(id, json!({"outcome": "approve"})).await;
    assert_eq!(approved.json["status"], "approved", "{}", approved.text);
    let badge = s.merchant_get(&format!("/api/v1/enterprise-accounts/{account}")).await;
    assert_eq!(badge["verified"], true);
    assert_eq!(badge["badge"], json!({"granted_on": "2026-04-19", "valid_until": "2027-04-19"}));
    s.merchant
        .put(&format!("/api/v1/verifications/{id}"), &application(account))
        .await
        .assert_problem(409, "verification_status_conflict");

    // Reminders 30, 7 and 1 days before the end, then the badge expires.
    for (now, count) in [
        ("2027-03-19T23:00:00+08:00", 0),
        ("2027-03-20T00:00:01+08:00", 1),
        ("2027-04-12T00:00:01+08:00", 2),
        ("2027-04-18T00:00:01+08:00", 3),
    ] {
        s.set_clock(now).await;
        s.run_jobs().await;
        assert_eq!(s.notifications("badge.expiring").await.len(), count, "reminders by {now}");
    }
    s.set_clock("2027-04-19T00:00:01+08:00").await;
    s.run_jobs().await;
    let expired = s.merchant_get(&format!("/api/v1/enterprise-accounts/{account}")).await;
    assert_eq!((expired["verified"].clone(), expired["badge"].clone()), (json!(false), Value::Null));
    assert_eq!(s.notifications("badge.expired").await.len(), 1);

    // Verified again (new application, new fee), then renewed before the end: the badge stays.
    let second = apply_and_approve(&mut s, account, "fee-second").await;
    assert_eq!(second["renewal"], false);
    let badge = s.merchant_get(&format!("/api/v1/enterprise-accounts/{account}")).await;
    assert_eq!(badge["badge"], json!({"granted_on": "2027-04-19", "valid_until": "2028-04-19"}));
    s.set_clock("2028-03-25T10:00:00+08:00").await;
    let mut other_company = application(account);
    other_company["uscc"] = json!("91440101MA5CJQ4N59");
    s.merchant.post("/api/v1/verifications", &other_company).await.assert_problem(409, "verification_locked");
    let renewal = apply_and_approve(&mut s, account, "fee-renewal").await;
    assert_eq!(renewal["renewal"], true);
    let badge = s.merchant_get(&format!("/api/v1/enterprise-accounts/{account}")).await;
    assert_eq!(badge["badge"], json!({"granted_on": "2028-03-25", "valid_until": "2029-04-19"}));
    s.set_clock("2028-04-20T10:00:00+08:00").await;
    s.run_jobs().await;
    assert_eq!(s.merchant_get(&format!("/api/v1/enterprise-accounts/{account}")).await["verified"], true);

    // The ID number is nowhere in clear: not in the merchant's answers, the logs or the database.
    for text in &s.merchant_texts {
        assert!(!text.contains(ID_NUMBER), "a merchant answer carries the number: {text}");
    }
    assert!(!s.server.logs().contains(ID_NUMBER), "the logs carry the number");
    for text in database_text(&s.db).await {
        assert!(!text.contains(ID_NUMBER), "the database carries the number: {text}");
    }
    drop(s.data_dir);
}

/// Applies for the account, uploads, pays, submits and approves; answers the application.
async fn apply_and_approve(s: &mut Story, account: i64, fee_key: &str) -> Value {
    let applied = s.merchant.post("/api/v1/verifications", &application(account)).await;
    assert_eq!(applied.status, 201, "{}", applied.text);
    let id = applied.json["id"].as_i64().unwrap();
    s.upload_all(id).await;
    assert_eq!(s.pay(id, fee_key).await.status, 201);
    let submitted = s.merchant.post(&format!("/api/v1/verifications/{id}/submit"), &json!({})).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(s.reviewer.post(&format!("/api/v1/verifications/{id}/claim"), &json!({})).await.status, 200);
    let approved = s.decide(id, json!({"outcome": "approve"})).await;
    assert_eq!(approved.json["status"], "approved", "{}", approved.text);
    approved.json
}

/// Every row of every table as text (PostgreSQL), or the database files' bytes (SQLite).
async fn database_text(db: &TestDb) -> Vec<String> {
    use sqlx::{Connection, Row};
    match db.backend {
        Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite:");
            ["", "-wal"]
                .iter()
                .filter_map(|suffix| std::fs::read(format!("{path}{suffix}")).ok())
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .collect()
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            let tables: Vec<String> = sqlx::query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
            assert!(tables.iter().any(|t| t == "verifications"));
            let mut texts = Vec::new();
            for table in tables {
                let rows = sqlx::query(&format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t"))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                texts.extend(rows.iter().map(|row| row.get::<String, _>(0)));
            }
            texts
        }
    }
}

/// Every file under the data directory, relative names.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

async fn uploads_are_judged_by_content(backend: Backend) {
    let mut s = start(backend).await;
    let account = s.merchant.post("/api/v1/enterprise-accounts", &json!({"nickname": "别的名字"})).await.json
        ["id"]
        .as_i64()
        .unwrap();
    let applied = s.merchant.post("/api/v1/verifications", &application(account)).await;
    assert_eq!(applied.json["warnings"], json!(["nickname_mismatch"]), "{}", applied.text);
    let id = applied.json["id"].as_i64().unwrap();

    // A PNG named .pdf and declared as PDF is stored as PNG.
    let stored = upload(&s.merchant, id, "business_licence", "licence.pdf", "application/pdf", &png()).await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    assert_eq!(stored.json["kind"], "business_licence");
    assert_eq!(stored.json["bytes"], png().len());
    let sha = stored.json["sha256"].as_str().unwrap().to_owned();
    let document = s.merchant_get(&format!("/api/v1/verifications/{id}")).await["documents"][0].clone();
    assert_eq!(document["content_type"], "image/png");
    let served = s.reviewer.get(document["url"].as_str().unwrap()).await;
    assert_eq!(served.content_type, "image/png");
    assert_eq!(served.headers.get("x-content-type-options").unwrap(), "nosniff");
    let before = files_under(s.data_dir.path());

    // An executable named .jpg is refused.
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.extend(std::iter::repeat_n(0_u8, 4_000));
    upload(&s.merchant, id, "business_licence", "photo.jpg", "image/jpeg", &elf)
        .await
        .assert_problem(415, "unsupported_document_type");
    // An 11 MiB file is refused without being stored.
    let mut large = png();
    large.resize(11 * 1024 * 1024, 1);
    upload(&s.merchant, id, "business_licence", "big.png", "image/png", &large)
        .await
        .assert_problem(413, "document_too_large");
    // Exactly 10 MiB + 1 byte is too large as well.
    large.truncate(10 * 1024 * 1024 + 1);
    upload(&s.merchant, id, "business_licence", "big.png", "image/png", &large)
        .await
        .assert_problem(413, "document_too_large");
    assert_eq!(files_under(s.data_dir.path()), before, "refused uploads leave nothing behind");
    // An unknown kind is refused.
    upload(&s.merchant, id, "selfie", "a.png", "image/png", &png())
        .await
        .assert_problem(400, "invalid_field");

    // A path-like file name cannot escape the data directory: storage is named by content.
    let escape_name = "../../../../../../tmp/xiaodian-escape.pdf";
    let body = pdf("escape attempt");
    let escaped = upload(&s.merchant, id, "application_letter", escape_name, "application/pdf", &body).await;
    assert_eq!(escaped.status, 201, "{}", escaped.text);
    assert!(!std::path::Path::new("/tmp/xiaodian-escape.pdf").exists());
    let files = files_under(s.data_dir.path());
    for file in &files {
        let name = file.strip_prefix("documents/").map(str::to_owned);
        let ok = file == "secret.key"
            || name.is_some_and(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(ok, "unexpected file {file} in {files:?}");
    }
    assert!(files.contains(&format!("documents/{sha}")));
    let key = std::fs::read_to_string(s.data_dir.path().join("secret.key")).unwrap();
    assert_eq!(key.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.data_dir.path().join("secret.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Uploads need the merchant who owns the application.
    upload(&s.reviewer, id, "business_licence", "x.png", "image/png", &png())
        .await
        .assert_problem(403, "forbidden");
    s.merchant_texts.clear();
}
