//! Story tests of the use cases on a real database, run on SQLite and on PostgreSQL.

use std::sync::Arc;

use app::{App, AppConfig, Code, Ctx, ManualClock};
use chrono::{DateTime, Utc};
use test_support::{Backend, TestDb, both_backends};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    session_clock: Arc<ManualClock>,
    db: TestDb,
}

fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap().to_utc()
}

async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::new(backend).await;
    let clock = Arc::new(ManualClock::new(start_time()));
    let session_clock = Arc::new(ManualClock::new(start_time()));
    let app =
        App::new(db.open().await, clock.clone(), session_clock.clone(), AppConfig::default()).await.unwrap();
    Fixture { app, clock, session_clock, db }
}

async fn add_user(app: &App, username: &str, role: &str, merchant: Option<&str>) {
    app.create_user(&Ctx::system("test"), username, role, merchant, "correct horse battery").await.unwrap();
}

both_backends!(
    login_logout_and_expiry,
    login_rate_limit,
    roles_are_enforced,
    secrets_are_never_stored_in_clear
);
both_backends!(
    audit_chain_detects_an_edited_row,
    jobs_run_exactly_once_with_two_workers,
    calendar_import_changes_answers
);
both_backends!(user_input_is_checked);

async fn login_logout_and_expiry(backend: Backend) {
    let f = fixture(backend).await;
    add_user(&f.app, "alice", "admin", None).await;
    let wrong = f.app.login("alice", "wrong password", "r1").await.unwrap_err();
    assert_eq!(wrong.code, Code::InvalidCredentials);
    let unknown = f.app.login("nobody", "correct horse battery", "r2").await.unwrap_err();
    assert_eq!(unknown.code, Code::InvalidCredentials);

    let outcome = f.app.login("ALICE", "correct horse battery", "r3").await.unwrap();
    assert_eq!(f.app.authenticate(&outcome.token).await.unwrap().username, "alice");
    assert_eq!(f.app.authenticate("not-a-token").await.unwrap_err().code, Code::Unauthorized);

    let ctx = Ctx { actor: f.app.authenticate(&outcome.token).await.unwrap(), request_id: "r4".into() };
    f.app.logout(&ctx, &outcome.token).await.unwrap();
    assert_eq!(f.app.authenticate(&outcome.token).await.unwrap_err().code, Code::Unauthorized, "revoked");

    let second = f.app.login("alice", "correct horse battery", "r5").await.unwrap();
    f.session_clock.advance_ms(AppConfig::default().session_ttl_seconds * 1000 + 1);
    assert_eq!(f.app.authenticate(&second.token).await.unwrap_err().code, Code::Unauthorized, "expired");
    // Moving business time does not expire sessions: a fresh login survives a month of manual clock.
    let third = f.app.login("alice", "correct horse battery", "r6").await.unwrap();
    f.clock.advance_ms(30 * 24 * 3600 * 1000);
    assert!(f.app.authenticate(&third.token).await.is_ok());
}

async fn login_rate_limit(backend: Backend) {
    let f = fixture(backend).await;
    add_user(&f.app, "bob", "reviewer", None).await;
    for attempt in 0..10 {
        let error = f.app.login("bob", "guess", &format!("r{attempt}")).await.unwrap_err();
        assert_eq!(error.code, Code::InvalidCredentials);
    }
    let refused = f.app.login("bob", "correct horse battery", "r11").await.unwrap_err();
    assert_eq!(refused.code, Code::TooManyLoginAttempts, "even the right password waits");
    // Failures from one address never lock the user out of another.
    let elsewhere = std::net::IpAddr::from([127, 0, 0, 2]);
    assert!(f.app.login_from("bob", "correct horse battery", elsewhere, "r11b").await.is_ok());
    // Another username is not affected.
    add_user(&f.app, "carol", "reviewer", None).await;
    assert!(f.app.login("carol", "correct horse battery", "r12").await.is_ok());
    f.session_clock.advance_ms(61_000);
    assert!(f.app.login("bob", "correct horse battery", "r13").await.is_ok(), "the window passed");
}

async fn roles_are_enforced(backend: Backend) {
    let f = fixture(backend).await;
    add_user(&f.app, "m1", "merchant", Some("杭州一号店")).await;
    let token = f.app.login("m1", "correct horse battery", "r").await.unwrap().token;
    let actor = f.app.authenticate(&token).await.unwrap();
    assert!(actor.merchant_id.is_some());
    let ctx = Ctx { actor, request_id: "r".into() };
    assert_eq!(f.app.run_due_jobs(&ctx).await.unwrap_err().code, Code::Forbidden);
    assert_eq!(f.app.set_clock(&ctx, start_time()).await.unwrap_err().code, Code::Forbidden);
    assert_eq!(f.app.list_audit(&ctx.actor, None, None).await.unwrap_err().code, Code::Forbidden);
    let created = f.app.create_user(&ctx, "sneaky", "admin", None, "correct horse battery").await;
    assert_eq!(created.unwrap_err().code, Code::Forbidden);
    assert_eq!(f.app.import_calendar_notice(&ctx, "year 2027").await.unwrap_err().code, Code::Forbidden);
}

/// Scans every text column of the tables that hold credentials.
async fn dump_text(db: &store::Db, table: &str) -> String {
    use sqlx::{Column, Row};
    let mut conn = db.read().await.unwrap();
    let rows = sqlx::query(&format!("SELECT * FROM {table}")).fetch_all(&mut *conn).await.unwrap();
    let mut out = String::new();
    for row in rows {
        for (index, column) in row.columns().iter().enumerate() {
            if let Ok(Some(text)) = row.try_get::<Option<String>, _>(index) {
                out.push_str(&format!("{}={text}\n", column.name()));
            }
        }
    }
    out
}

async fn secrets_are_never_stored_in_clear(backend: Backend) {
    let f = fixture(backend).await;
    add_user(&f.app, "dave", "service", None).await;
    let token = f.app.login("dave", "correct horse battery", "r").await.unwrap().token;
    let _ = f.app.login("dave", "a wrong secret guess", "r").await;
    let db = f.app.db();
    let everything = [
        dump_text(db, "users").await,
        dump_text(db, "sessions").await,
        dump_text(db, "audit_log").await,
        dump_text(db, "login_failures").await,
    ]
    .concat();
    assert!(everything.contains("$argon2id$"), "passwords are argon2id hashes");
    assert!(!everything.contains("correct horse battery"));
    assert!(!everything.contains("a wrong secret guess"));
    assert!(!everything.contains(&token), "only the token's hash is stored");
}

async fn audit_chain_detects_an_edited_row(backend: Backend) {
    let f = fixture(backend).await;
    add_user(&f.app, "erin", "admin", None).await;
    add_user(&f.app, "frank", "reviewer", None).await;
    let _ = f.app.login("erin", "correct horse battery", "r").await.unwrap();
    let rows = match f.app.verify_audit().await.unwrap() {
        app::audit::ChainReport::Intact { rows } => rows,
        other => panic!("chain broken: {other:?}"),
    };
    assert!(rows >= 3);
    let mut conn = f.app.db().read().await.unwrap();
    sqlx::query("UPDATE audit_log SET detail = 'role=admin' WHERE seq = 2")
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        f.app.verify_audit().await.unwrap(),
        app::audit::ChainReport::Broken(domain::audit::ChainBreak::HashMismatch { seq: 2 })
    );
    drop(conn);
    drop(f);
}

async fn jobs_run_exactly_once_with_two_workers(backend: Backend) {
    let f = fixture(backend).await;
    const JOBS: usize = 40;
    let mut tx = f.app.db().begin().await.unwrap();
    for index in 0..JOBS {
        let due = start_time() + chrono::Duration::minutes(index as i64);
        f.app
            .enqueue_job(&mut tx, app::jobs::JobKind::SessionsPurge, &format!("t{index}"), "", due, None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let ctx = Ctx::system("test");
    assert_eq!(f.app.run_due_jobs(&ctx).await.unwrap(), 1, "only the first is due now");
    f.clock.advance_ms(3600 * 1000);
    // A second app on the same database stands for a second server.
    let second = App::new(f.db.open().await, f.clock.clone(), f.session_clock.clone(), AppConfig::default())
        .await
        .unwrap();
    let (a, b) = tokio::join!(f.app.run_due_jobs(&ctx), second.run_due_jobs(&ctx));
    assert_eq!(a.unwrap() + b.unwrap(), JOBS - 1, "every job ran once between the two workers");
    let mut conn = f.app.db().read().await.unwrap();
    assert_eq!(store::jobs::count_by_status(&mut conn, "done").await.unwrap(), JOBS as i64);
    let runs = store::audit::list(&mut conn, None, 200).await.unwrap();
    let mut job_subjects: Vec<_> =
        runs.iter().filter(|r| r.action == "job.run").map(|r| r.subject.clone()).collect();
    let before = job_subjects.len();
    job_subjects.sort();
    job_subjects.dedup();
    assert_eq!((before, job_subjects.len()), (JOBS, JOBS), "one audit row per job, no job twice");
}

async fn calendar_import_changes_answers(backend: Backend) {
    let f = fixture(backend).await;
    let date = chrono::NaiveDate::from_ymd_opt(2027, 10, 1).unwrap();
    let before = f.app.calendar_day(date);
    assert!(before.provisional && before.workday, "2027-10-01 is a Friday, provisional");
    let notice = "year 2027\nsource test notice\nholiday 2027-10-01..2027-10-07 国庆节 | National Day\nmakeup 2027-09-26 国庆节 | National Day\n";
    let bad = f
        .app
        .import_calendar_notice(&Ctx::system("test"), "year 2027\nholiday nonsense\n")
        .await
        .unwrap_err();
    assert_eq!(bad.code, Code::InvalidCalendarNotice);
    assert_eq!(f.app.import_calendar_notice(&Ctx::system("test"), notice).await.unwrap(), 2027);
    let after = f.app.calendar_day(date);
    assert!(!after.provisional && !after.workday);
    // A new app on the same database loads the imported year.
    let reopened =
        App::new(f.db.open().await, f.clock.clone(), f.session_clock.clone(), AppConfig::default())
            .await
            .unwrap();
    assert!(!reopened.calendar_day(date).workday);
    assert_eq!(
        reopened
            .add_workdays(chrono::NaiveDate::from_ymd_opt(2027, 9, 24).unwrap(), 1)
            .unwrap()
            .date
            .to_string(),
        "2027-09-26"
    );
}

async fn user_input_is_checked(backend: Backend) {
    let f = fixture(backend).await;
    let ctx = Ctx::system("test");
    let check = async |username: &str, role: &str, merchant: Option<&str>, password: &str, expect: Code| {
        let error = f.app.create_user(&ctx, username, role, merchant, password).await.unwrap_err();
        assert_eq!(error.code, expect, "{username} {role}");
    };
    check("bad name", "admin", None, "long enough pw", Code::InvalidUsername).await;
    check("ok", "root", None, "long enough pw", Code::UnknownRole).await;
    check("ok", "admin", None, "short", Code::WeakPassword).await;
    check("ok", "merchant", None, "long enough pw", Code::MerchantRequired).await;
    check("ok", "admin", Some("某商家"), "long enough pw", Code::InvalidField).await;
    add_user(&f.app, "taken", "admin", None).await;
    check("taken", "admin", None, "long enough pw", Code::UsernameTaken).await;
    assert_eq!(f.app.add_workdays(start_time().date_naive(), -1).unwrap_err().code, Code::InvalidField);
    assert_eq!(f.app.set_clock(&ctx, start_time()).await.unwrap(), start_time());
    let system = App::with_system_clock(f.db.open().await).await.unwrap();
    assert_eq!(system.set_clock(&ctx, start_time()).await.unwrap_err().code, Code::ClockNotManual);
}

both_backends!(demo_reaches_every_closure_state);

/// `serve --demo` plays its history through the use cases and jobs; whatever day it ends on (here
/// an ordinary one and one just after the Spring Festival holiday), every closure state is there.
/// The demo of the ordinary day is also the one the videos, reputation and verification checks read
/// (seeded once for all four: a seed is most of each check's time).
async fn demo_reaches_every_closure_state(backend: Backend) {
    for (day, now) in ["2026-11-23T10:00:00+08:00", "2026-02-24T07:30:00+08:00"].into_iter().enumerate() {
        let now = DateTime::parse_from_rfc3339(now).unwrap().to_utc();
        let db = TestDb::new(backend).await;
        let clock = Arc::new(ManualClock::new(now));
        let data = tempfile::tempdir().unwrap();
        let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
        let app = App::new(db.open().await, clock.clone(), clock.clone(), config).await.unwrap();
        assert!(app.seed_demo().await.unwrap());
        assert_eq!(app.clock().now(), now, "the app's own clock did not move");
        assert!(!app.seed_demo().await.unwrap(), "only an empty database is seeded");

        let admin = app::Actor::system("test");
        let shops = app.list_shops(&admin, Some(50), None).await.unwrap().items;
        let shop =
            |name: &str| shops.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("{name}")).clone();
        let expected = [
            ("杭州小店旗舰店", "operating"),
            ("小店图书专营", "operating"),
            ("小店家居生活馆", "notice_period"),
            ("小店母婴用品店", "notice_period"),
            ("小店数码配件店", "closed"),
            ("小店美妆集合店", "closed"),
            ("小店潮玩手办店", "closed"),
            ("小店零食铺", "closed"),
        ];
        for (name, status) in expected {
            assert_eq!(shop(name).status.as_str(), status, "{name} on {now}");
        }
        let blockers = |report: app::closure::ClosureReport| {
            domain::closure::blockers(&report.checks).iter().map(|c| c.code.as_str()).collect::<Vec<_>>()
        };
        let flagship = app.closure_checks(&admin, shop("杭州小店旗舰店").id).await.unwrap();
        assert_eq!(blockers(flagship).len(), 9, "every check a merchant clears fails on the flagship");
        let books = app.closure_checks(&admin, shop("小店图书专营").id).await.unwrap();
        assert_eq!(blockers(books), ["violation_appeal_pending"]);
        let held = app.closure(&admin, shop("小店母婴用品店").id).await.unwrap().unwrap();
        assert_eq!(held.blockers, "after_sales_open", "the re-check found the buyer's new case");

        let refunds = app.list_refunds(&admin, None, None, None).await.unwrap().items;
        let refund = |name: &str| {
            let id = shop(name).id;
            let view = refunds.iter().find(|r| r.refund.shop_id == id).unwrap();
            (view.refund.status.as_str().to_owned(), view.overdue)
        };
        assert_eq!(refund("小店零食铺"), ("paid".into(), false), "{now}");
        assert_eq!(refund("小店潮玩手办店"), ("in_review".into(), true), "{now}");
        assert_eq!(refund("小店美妆集合店"), ("in_review".into(), false), "{now}");
        assert_eq!(refund("小店数码配件店"), ("holding".into(), false), "{now}");

        // Every chart of the dashboards has data: the account's, the flagship's and its closure report.
        let empty = |charts: Vec<app::reports::KeyedChart>| {
            charts
                .into_iter()
                .filter(|c| !c.chart.values().any(|v| v > 0.0))
                .map(|c| c.key)
                .collect::<Vec<_>>()
        };
        let accounts = app.enterprise_accounts(&admin).await.unwrap();
        let account = accounts.iter().find(|a| a.nickname == "小店科技").expect("the demo account");
        let period = app.analytics_period(None, None).unwrap();
        let analytics = app.account_analytics(&admin, account.id, period).await.unwrap();
        assert_eq!(empty(app::reports::account_charts(&analytics)), Vec::<&str>::new(), "{now}");
        let flagship = shop("杭州小店旗舰店").id;
        let year =
            app.analytics_period(Some(&(period.to - chrono::Duration::days(365)).to_string()), None).unwrap();
        let sales = app.shop_analytics(&admin, flagship, year).await.unwrap();
        assert_eq!(empty(app::reports::shop_charts(&sales)), Vec::<&str>::new(), "{now}");
        let report = app.closure_report(&admin, flagship).await.unwrap();
        assert_eq!(empty(app::reports::closure_report_charts(&report)), Vec::<&str>::new(), "{now}");

        let ledger = app.verify_ledger().await.unwrap();
        assert!(format!("{ledger:?}").starts_with("Valid"), "{ledger:?}");
        let audit = app.verify_audit().await.unwrap();
        assert!(format!("{audit:?}").starts_with("Intact"), "{audit:?}");

        if day == 0 {
            crate::videos::demo_has_a_verified_account_with_months_of_videos(&app, &clock).await;
            crate::reputation::demo_has_one_resolved_incident(&app, &clock).await;
            crate::verification::demo_has_an_application_in_every_state(&app).await;
        }
    }
}
