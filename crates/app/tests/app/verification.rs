//! Story tests of blue-V verification through the use cases, on SQLite and PostgreSQL: warnings,
//! the third rejection and the cooldown, the changes deadline job, the per-USCC limit, the fee in
//! the ledger, and who may do what.

use std::sync::Arc;

use crate::support::user;
use app::ledger::{IdempotencyClaim, LedgerReport};
use app::verification::{ApplicationInput, DocumentUpload, VerificationView};
use app::{Actor, App, AppConfig, Code, Ctx, ManualClock};
use chrono::{DateTime, Utc};
use domain::auth::Role;
use test_support::{Backend, TestDb, both_backends};

const DAY_MS: i64 = 24 * 3600 * 1000;

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    service: Ctx,
    reviewer: Ctx,
    m1: Ctx,
    m2: Ctx,
    admin: Ctx,
    _db: TestDb,
    _data: tempfile::TempDir,
}

async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap().to_utc();
    let clock = Arc::new(ManualClock::new(start));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let app =
        App::new(db.open().await, clock.clone(), Arc::new(ManualClock::new(start)), config).await.unwrap();
    Fixture {
        service: user(&app, "svc", "service", None).await,
        reviewer: user(&app, "rev1", "reviewer", None).await,
        m1: user(&app, "m1", "merchant", Some("一号商家")).await,
        m2: user(&app, "m2", "merchant", Some("二号商家")).await,
        admin: user(&app, "boss", "admin", None).await,
        app,
        clock,
        _db: db,
        _data: data,
    }
}

fn input(uscc: &str, id_number: &str) -> ApplicationInput {
    ApplicationInput {
        company_name: "杭州小店科技有限公司".into(),
        brand_name: None,
        uscc: uscc.into(),
        legal_rep_name: "张三".into(),
        legal_rep_id_number: id_number.into(),
        industry: "apparel".into(),
        contact_phone: "13800138000".into(),
        contact_email: "ops@example.com".into(),
        operator_is_legal_rep: true,
    }
}

async fn document(f: &Fixture, ctx: &Ctx, id: i64, kind: &str) {
    let mut upload: DocumentUpload = f.app.begin_document_upload(&ctx.actor, id).await.unwrap();
    upload.write(format!("%PDF-1.4\n% {kind} {id}\n").as_bytes()).unwrap();
    f.app.add_document(ctx, id, kind, upload).await.unwrap();
}

fn claim(ctx: &Ctx, key: &str, id: i64) -> IdempotencyClaim {
    let body = format!(r#"{{"amount_fen":60000,"payment_ref":"{key}"}}"#);
    let path = format!("/api/v1/verifications/{id}/fee-payments");
    IdempotencyClaim::parse(format!("user:{}", ctx.actor.user_id), Some(key), "POST", &path, body.as_bytes())
        .unwrap()
}

/// An application with its documents and fee, submitted.
async fn submitted(f: &Fixture, ctx: &Ctx, account: i64, uscc: &str, key: &str) -> VerificationView {
    let view = f.app.create_verification(ctx, account, &input(uscc, "11010519491231002X")).await.unwrap();
    let id = view.row.id;
    document(f, ctx, id, "business_licence").await;
    document(f, ctx, id, "application_letter").await;
    f.app.pay_verification_fee(&f.service, id, 60_000, key, claim(&f.service, key, id)).await.unwrap();
    f.app.submit_verification(ctx, id).await.unwrap()
}

fn reasons() -> Vec<String> {
    vec!["false_information".to_owned()]
}

both_backends!(warnings_and_validation, third_rejection_fails_and_cools_down);
both_backends!(changes_deadline_fails_the_application, uscc_limit_and_fee_in_the_ledger);

async fn warnings_and_validation(backend: Backend) {
    let f = fixture(backend).await;
    let a1 = f.app.create_enterprise_account(&f.m1, "小店科技", "").await.unwrap();
    let a2 = f.app.create_enterprise_account(&f.m2, "无关名字", "").await.unwrap();
    let first = f
        .app
        .create_verification(&f.m1, a1.id, &input("91350100M000100Y43", "11010519491231002X"))
        .await
        .unwrap();
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    assert_eq!(first.row.legal_rep_id_masked, "110105********002X");
    assert!(!first.row.legal_rep_id_sealed.contains("11010519491231002X"));
    // A checksum mismatch is accepted with a warning; the same ID number on another company too.
    let second = f
        .app
        .create_verification(&f.m2, a2.id, &input("91350100M000100Y44", "11010519491231002X"))
        .await
        .unwrap();
    // What another merchant's data says is for reviewers only: the merchant hears nothing of it,
    // and the earlier merchant's view does not change.
    assert_eq!(second.warnings, vec!["uscc_checksum_mismatch", "nickname_mismatch"]);
    let second_reviewed = f.app.verification(&f.reviewer.actor, second.row.id).await.unwrap();
    assert_eq!(
        second_reviewed.warnings,
        vec!["uscc_checksum_mismatch", "nickname_mismatch", "resident_id_seen_elsewhere"]
    );
    assert!(f.app.verification(&f.m1.actor, first.row.id).await.unwrap().warnings.is_empty());
    let first = f.app.verification(&f.reviewer.actor, first.row.id).await.unwrap();
    assert_eq!(
        first.warnings,
        vec!["resident_id_seen_elsewhere"],
        "the reviewer sees it on the earlier one too"
    );
    assert_eq!(first.legal_rep_id_number.as_deref(), Some("11010519491231002X"), "the reviewer's case view");
    let merchant_view = f.app.verification(&f.m1.actor, first.row.id).await.unwrap();
    assert_eq!(merchant_view.legal_rep_id_number, None);
    assert_eq!(f.app.verification(&f.m2.actor, first.row.id).await.unwrap_err().code, Code::NotFound);

    let check = |mut change: Box<dyn FnMut(&mut ApplicationInput)>, code: Code| {
        let mut value = input("91350100M000100Y43", "11010519491231002X");
        change(&mut value);
        (value, code)
    };
    let cases = [
        check(Box::new(|i| i.uscc = "91350100M00010OY43".into()), Code::InvalidUscc),
        check(Box::new(|i| i.legal_rep_id_number = "11010519491231002".into()), Code::InvalidResidentId),
        check(Box::new(|i| i.legal_rep_id_number = "110105194902300021".into()), Code::InvalidResidentId),
        check(Box::new(|i| i.contact_phone = "23800138000".into()), Code::InvalidPhone),
        check(Box::new(|i| i.contact_email = "no-at-sign".into()), Code::InvalidEmail),
        check(Box::new(|i| i.industry = "tobacco".into()), Code::IndustryNotAdmitted),
        check(Box::new(|i| i.industry = "space".into()), Code::UnknownIndustry),
        check(Box::new(|i| i.company_name = "x".repeat(101)), Code::InvalidField),
    ];
    let a3 = f.app.create_enterprise_account(&f.m1, "小店科技二号", "").await.unwrap();
    for (value, code) in cases {
        assert_eq!(
            f.app.create_verification(&f.m1, a3.id, &value).await.unwrap_err().code,
            code,
            "{value:?}"
        );
    }
    let err =
        f.app.create_verification(&f.m2, a1.id, &input("91350100M000100Y43", "11010519491231002X")).await;
    assert_eq!(err.unwrap_err().code, Code::NotFound, "another merchant's account");
    let err = f
        .app
        .create_verification(&f.reviewer, a1.id, &input("91350100M000100Y43", "11010519491231002X"))
        .await;
    assert_eq!(err.unwrap_err().code, Code::Forbidden);
    assert_eq!(f.app.create_enterprise_account(&f.m1, "", "").await.unwrap_err().code, Code::InvalidField);
}

async fn third_rejection_fails_and_cools_down(backend: Backend) {
    let f = fixture(backend).await;
    let account = f.app.create_enterprise_account(&f.m1, "小店科技", "").await.unwrap();
    let view = submitted(&f, &f.m1, account.id, "91350100M000100Y43", "fee-a").await;
    let id = view.row.id;
    for round in 1..=3 {
        let decided = f.app.decide_verification(&f.reviewer, id, "reject", &reasons(), "").await.unwrap();
        assert_eq!(decided.row.rejection_count, round);
        let err = f.app.decide_verification(&f.reviewer, id, "approve", &[], "").await.unwrap_err();
        assert_eq!(err.code, Code::AlreadyDecided);
        if round < 3 {
            assert_eq!(decided.row.status.as_str(), "rejected");
            f.app.submit_verification(&f.m1, id).await.unwrap();
        } else {
            assert_eq!(decided.row.status.as_str(), "failed");
        }
    }
    let again = f
        .app
        .create_verification(&f.m1, account.id, &input("91350100M000100Y43", "11010519491231002X"))
        .await;
    assert_eq!(again.unwrap_err().code, Code::VerificationCooldown);
    f.clock.advance_ms(30 * DAY_MS + 1);
    f.app
        .create_verification(&f.m1, account.id, &input("91350100M000100Y43", "11010519491231002X"))
        .await
        .unwrap();
    let failed = f.app.notifications(&f.m1.actor, true, None, None).await.unwrap();
    assert!(failed.items.iter().any(|n| n.kind == "verification.failed"));
    assert_eq!(
        f.app.notifications(&f.reviewer.actor, false, None, None).await.unwrap_err().code,
        Code::Forbidden
    );
}

async fn changes_deadline_fails_the_application(backend: Backend) {
    let f = fixture(backend).await;
    let account = f.app.create_enterprise_account(&f.m1, "小店科技", "").await.unwrap();
    let id = submitted(&f, &f.m1, account.id, "91350100M000100Y43", "fee-a").await.row.id;
    let reasons = vec!["licence_unreadable".to_owned()];
    assert_eq!(
        f.app.decide_verification(&f.m1, id, "request_changes", &reasons, "").await.unwrap_err().code,
        Code::Forbidden
    );
    assert_eq!(
        f.app.decide_verification(&f.reviewer, id, "request_changes", &[], "").await.unwrap_err().code,
        Code::InvalidField,
        "a change request names a reason"
    );
    f.app.claim_verification(&f.reviewer, id, None).await.unwrap();
    let view =
        f.app.decide_verification(&f.reviewer, id, "request_changes", &reasons, "请重新上传").await.unwrap();
    assert_eq!(view.row.status.as_str(), "changes_requested");
    f.clock.advance_ms(10 * DAY_MS - 60_000);
    f.app.run_due_jobs(&f.admin).await.unwrap();
    assert_eq!(f.app.verification(&f.m1.actor, id).await.unwrap().row.status.as_str(), "changes_requested");
    f.clock.advance_ms(120_000);
    f.app.run_due_jobs(&f.admin).await.unwrap();
    assert_eq!(f.app.verification(&f.m1.actor, id).await.unwrap().row.status.as_str(), "failed");
    assert_eq!(
        f.app.submit_verification(&f.m1, id).await.unwrap_err().code,
        Code::VerificationStatusConflict
    );
    let err = f
        .app
        .create_verification(&f.m1, account.id, &input("91350100M000100Y43", "11010519491231002X"))
        .await;
    assert_eq!(err.unwrap_err().code, Code::VerificationCooldown);
}

async fn uscc_limit_and_fee_in_the_ledger(backend: Backend) {
    let f = fixture(backend).await;
    let mut approved = 0;
    for (ctx, nickname) in [(&f.m1, "小店科技"), (&f.m2, "小店科技官方"), (&f.m1, "小店科技旗舰店")]
    {
        let account = f.app.create_enterprise_account(ctx, nickname, "").await.unwrap();
        if approved == 2 {
            let err = f
                .app
                .create_verification(ctx, account.id, &input("91350100M000100Y43", "11010519491231002X"))
                .await;
            assert_eq!(err.unwrap_err().code, Code::UsccAccountLimit);
            break;
        }
        let id =
            submitted(&f, ctx, account.id, "91350100M000100Y43", &format!("fee-{approved}")).await.row.id;
        f.app.decide_verification(&f.reviewer, id, "approve", &[], "").await.unwrap();
        approved += 1;
    }
    assert_eq!(approved, 2);
    // Fees: 2 × ¥600 in fee income, the ledger verifies; a second payment is refused, a reviewer cannot pay.
    let account = f.app.create_enterprise_account(&f.m1, "别的", "").await.unwrap();
    let view = f
        .app
        .create_verification(&f.m1, account.id, &input("91440101MA5CJQ4N59", "330106198001011235"))
        .await
        .unwrap();
    let id = view.row.id;
    let err = f.app.pay_verification_fee(&f.reviewer, id, 60_000, "k", claim(&f.reviewer, "k", id)).await;
    assert_eq!(err.unwrap_err().code, Code::Forbidden);
    let err = f.app.pay_verification_fee(&f.service, id, 59_999, "k", claim(&f.service, "k", id)).await;
    assert_eq!(err.unwrap_err().code, Code::InvalidAmount);
    let first =
        f.app.pay_verification_fee(&f.service, id, 60_000, "k1", claim(&f.service, "k1", id)).await.unwrap();
    let replay =
        f.app.pay_verification_fee(&f.service, id, 60_000, "k1", claim(&f.service, "k1", id)).await.unwrap();
    assert!(replay.replayed && replay.transfer_ids == first.transfer_ids);
    let err = f.app.pay_verification_fee(&f.service, id, 60_000, "k2", claim(&f.service, "k2", id)).await;
    assert_eq!(err.unwrap_err().code, Code::FeeAlreadyPaid);
    assert!(
        matches!(f.app.verify_ledger().await.unwrap(), LedgerReport::Valid { .. }),
        "the ledger verifies"
    );
    let mut conn = f.app.db().read().await.unwrap();
    let fee_income: i64 = store::ledger::all_accounts(&mut conn)
        .await
        .unwrap()
        .iter()
        .filter(|a| a.code == "fee_income")
        .map(|a| a.credits_posted - a.debits_posted)
        .sum();
    assert_eq!(fee_income, 3 * 60_000);
}

both_backends!(timeline_tells_the_story);

/// The live check of one field answers as the use case does for the same value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_field_check_uses_the_use_case_rules() {
    let f = fixture(Backend::Sqlite).await;
    let check = |field: &str, value: &str| f.app.check_application_field(field, value);
    assert_eq!(check("uscc", " 91350100m000100y43 "), Ok(None));
    assert_eq!(
        check("uscc", "91350100M000100Y44"),
        Ok(Some(domain::verification::Warning::UsccChecksumMismatch))
    );
    assert_eq!(check("legal_rep_id_number", "11010519491231002X"), Ok(None));
    assert_eq!(check("contact_phone", "+86 138-0013-8000"), Ok(None));
    assert_eq!(check("contact_email", "ops@example.com"), Ok(None));
    assert_eq!(check("industry", "food"), Ok(None));
    assert_eq!(check("brand_name", ""), Ok(None), "the brand is optional");
    for (field, value, code, reason) in [
        ("uscc", "91350100M00010", Code::InvalidUscc, "invalid_format"),
        ("uscc", "9135010OM000100Y43", Code::InvalidUscc, "invalid_format"),
        ("legal_rep_id_number", "1101051949123100", Code::InvalidResidentId, "invalid_format"),
        ("legal_rep_id_number", "110105194902300021", Code::InvalidResidentId, "invalid_birth_date"),
        ("legal_rep_id_number", "110105194912310021", Code::InvalidResidentId, "checksum_mismatch"),
        ("legal_rep_id_number", "110105209912310010", Code::InvalidResidentId, "birth_date_in_future"),
        ("contact_phone", "12345", Code::InvalidPhone, "invalid_format"),
        ("contact_email", "ops@@example", Code::InvalidEmail, "invalid_format"),
        ("contact_email", "ops@example", Code::InvalidEmail, "invalid_domain"),
        ("industry", "medical", Code::IndustryNotAdmitted, "not_admitted"),
        ("industry", "space", Code::UnknownIndustry, "unknown"),
        ("company_name", "", Code::InvalidField, "length"),
        ("legal_rep_name", &"张".repeat(51), Code::InvalidField, "length"),
        ("password", "x", Code::InvalidField, "unknown_field"),
    ] {
        let error = check(field, value).unwrap_err();
        assert_eq!((error.code, error.reason), (code, reason), "{field} {value:?}");
        if field == "password" {
            continue;
        }
        // The application with that value is refused with the same code.
        let mut application = input("91350100M000100Y43", "11010519491231002X");
        match field {
            "uscc" => application.uscc = value.into(),
            "legal_rep_id_number" => application.legal_rep_id_number = value.into(),
            "contact_phone" => application.contact_phone = value.into(),
            "contact_email" => application.contact_email = value.into(),
            "industry" => application.industry = value.into(),
            "company_name" => application.company_name = value.into(),
            _ => application.legal_rep_name = value.into(),
        }
        let account = f.app.create_enterprise_account(&f.m1, "小店科技", "").await.unwrap();
        let refused = f.app.create_verification(&f.m1, account.id, &application).await.unwrap_err();
        assert_eq!(refused.code, code, "{field} {value:?}");
    }
}

fn kinds(timeline: &[app::verification::TimelineEvent]) -> Vec<&'static str> {
    timeline.iter().map(|e| e.kind).collect()
}

fn fact<'a>(event: &'a app::verification::TimelineEvent, key: &str) -> Option<&'a str> {
    event.facts.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

async fn timeline_tells_the_story(backend: Backend) {
    let f = fixture(backend).await;
    let account = f.app.create_enterprise_account(&f.m1, "小店科技", "").await.unwrap();
    let view = submitted(&f, &f.m1, account.id, "91350100M000100Y43", "fee-t").await;
    let id = view.row.id;
    f.app.claim_verification(&f.reviewer, id, None).await.unwrap();
    let reasons = vec!["licence_unreadable".to_owned()];
    f.app
        .decide_verification(&f.reviewer, id, "request_changes", &reasons, "请上传清晰的扫描件")
        .await
        .unwrap();
    let timeline = f.app.verification_timeline(&f.m1.actor, id).await.unwrap();
    assert_eq!(
        kinds(&timeline),
        ["created", "document", "document", "fee_paid", "submitted", "claimed", "decided"]
    );
    let submitted_event = &timeline[4];
    assert_eq!(fact(submitted_event, "target_on"), view.row.target_on.as_deref());
    assert_eq!(fact(submitted_event, "due_on"), view.row.due_on.as_deref());
    let decided = &timeline[6];
    assert_eq!(fact(decided, "outcome"), Some("request_changes"));
    assert_eq!(fact(decided, "reasons"), Some("licence_unreadable"));
    assert_eq!(fact(decided, "note"), Some("请上传清晰的扫描件"));
    assert!(fact(decided, "changes_due_on").is_some());
    assert!(timeline.iter().all(|e| e.actor.is_none()), "merchants do not see who reviewed");
    let reviewer_view = f.app.verification_timeline(&f.reviewer.actor, id).await.unwrap();
    assert_eq!(reviewer_view[5].actor.as_deref(), Some("user:rev1"));
    assert_eq!(
        f.app.verification_timeline(&f.m2.actor, id).await.unwrap_err().code,
        Code::NotFound,
        "another merchant's application"
    );

    // Corrected, resubmitted, approved: the badge dates are on the decision.
    document(&f, &f.m1, id, "business_licence").await;
    f.app.submit_verification(&f.m1, id).await.unwrap();
    f.app.decide_verification(&f.reviewer, id, "approve", &[], "").await.unwrap();
    let timeline = f.app.verification_timeline(&f.m1.actor, id).await.unwrap();
    assert_eq!(kinds(&timeline)[7..], ["document", "resubmitted", "decided"]);
    let approved = timeline.last().unwrap();
    assert_eq!(fact(approved, "status"), Some("approved"));
    assert_eq!(fact(approved, "granted_on"), Some("2026-11-23"));
    assert_eq!(fact(approved, "valid_until"), Some("2027-11-23"));
    assert_eq!(fact(&timeline[6], "note"), None, "only the latest decision carries the stored note");

    // Not corrected in time: the application fails, with the cooldown.
    let other = f.app.create_enterprise_account(&f.m1, "小店科技二号", "").await.unwrap();
    let id = submitted(&f, &f.m1, other.id, "91440101MA5CJQ4N59", "fee-u").await.row.id;
    f.app.decide_verification(&f.reviewer, id, "request_changes", &reasons, "").await.unwrap();
    f.clock.advance_ms(10 * DAY_MS + 60_000);
    f.app.run_due_jobs(&f.admin).await.unwrap();
    let timeline = f.app.verification_timeline(&f.m1.actor, id).await.unwrap();
    let failed = timeline.last().unwrap();
    assert_eq!((failed.kind, fact(failed, "reason")), ("failed", Some("changes_deadline")));
    assert!(fact(failed, "cooldown_until").is_some());
}

/// `serve --demo` has an application in every state and with every warning, the verified account
/// with its year's badge, and a valid ledger and audit chain. (`app` holds the demo seeded at
/// 2026-11-23 10:00 by `story::demo_reaches_every_closure_state`.)
pub(crate) async fn demo_has_an_application_in_every_state(app: &App) {
    assert!(!app.seed_demo().await.unwrap(), "a second run adds nothing");
    let reviewer =
        Actor { user_id: 0, username: "r".into(), role: Role::Reviewer, merchant_id: None, team_role: None };
    let all = app.list_verifications(&reviewer, None, Some(200)).await.unwrap();
    for status in domain::verification::VerificationStatus::ALL {
        assert!(all.iter().any(|v| v.row.status == status), "a demo application is {}", status.as_str());
    }
    let warnings: Vec<&str> = all.iter().flat_map(|v| v.warnings.iter().map(String::as_str)).collect();
    for warning in domain::verification::Warning::ALL {
        assert!(warnings.contains(&warning.as_str()), "a demo application warns of {}", warning.as_str());
    }
    let accounts = app.enterprise_accounts(&reviewer).await.unwrap();
    // 小店科技 was verified 120 days before now, inside the demo's history walk, for a year.
    assert!(accounts.iter().any(|a| a.verified == 1
        && a.badge_granted_on.as_deref() == Some("2026-07-26")
        && a.badge_valid_until.as_deref() == Some("2027-07-26")));
    assert!(matches!(app.verify_ledger().await.unwrap(), LedgerReport::Valid { .. }));
    assert!(matches!(app.verify_audit().await.unwrap(), app::audit::ChainReport::Intact { .. }));
}
