//! The command line: calendar, user, migrate, audit verify, check, bench closure and bench comments.

use test_support::server::run;
use test_support::{Backend, TestDb, both_backends};

use crate::binary;

fn xiaodian(args: &[&str]) -> (i32, String, String) {
    run(binary(), args, None)
}

#[test]
fn calendar_day_and_add_workdays_follow_the_contract() {
    let db = TestDb::sqlite();
    let check_day = |date: &str, expect: &str| {
        let (code, out, err) = xiaodian(&["calendar", "day", date, "--db", &db.url]);
        assert_eq!(code, 0, "{err}");
        let got: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let expect: serde_json::Value = serde_json::from_str(expect).unwrap();
        for key in ["date", "workday", "kind", "holiday", "provisional"] {
            assert_eq!(got[key], expect[key], "{date} {key}: {out}");
        }
    };
    check_day(
        "2026-02-14",
        r#"{"date":"2026-02-14","workday":true,"kind":"makeup_workday","holiday":null,"provisional":false}"#,
    );
    check_day(
        "2026-02-17",
        r#"{"date":"2026-02-17","workday":false,"kind":"holiday","holiday":"春节","provisional":false}"#,
    );
    check_day(
        "2026-02-12",
        r#"{"date":"2026-02-12","workday":true,"kind":"workday","holiday":null,"provisional":false}"#,
    );
    check_day(
        "2026-03-07",
        r#"{"date":"2026-03-07","workday":false,"kind":"weekend","holiday":null,"provisional":false}"#,
    );
    check_day(
        "2027-03-08",
        r#"{"date":"2027-03-08","workday":true,"kind":"workday","holiday":null,"provisional":true}"#,
    );
    let add = |from: &str, days: &str| {
        xiaodian(&["calendar", "add-workdays", from, days, "--db", &db.url]).1.trim().to_owned()
    };
    assert_eq!(add("2026-02-13", "3"), "2026-02-25");
    assert_eq!(add("2025-09-26", "5"), "2025-10-10");
    let (code, _, err) = xiaodian(&["calendar", "day", "2026-02-30", "--db", &db.url]);
    assert_ne!(code, 0);
    assert!(err.contains("not a date"), "{err}");
}

#[test]
fn calendar_year_lists_every_day_and_an_import_changes_2027() {
    let db = TestDb::sqlite();
    for (year, workdays) in [(2025, 248), (2026, 248)] {
        let (code, out, _) = xiaodian(&["calendar", "year", &year.to_string(), "--db", &db.url]);
        assert_eq!(code, 0);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 365);
        assert_eq!(lines.iter().filter(|l| l.ends_with("\t1")).count(), workdays, "{year}");
        assert!(lines.contains(&"2026-02-14\t1") || year != 2026);
    }
    let year_2027 = || xiaodian(&["calendar", "year", "2027", "--db", &db.url]).1;
    let before = year_2027();
    assert!(before.contains("2027-10-01\t1"), "provisional Monday-Friday");
    let (_, day, _) = xiaodian(&["calendar", "day", "2027-10-01", "--db", &db.url]);
    assert!(day.contains(r#""provisional":true"#));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.txt");
    std::fs::write(&file, "year 2027\nsource 测试通知\nholiday 2027-10-01..2027-10-07 国庆节 | National Day\nmakeup 2027-09-26 国庆节 | National Day\n").unwrap();
    let (code, out, err) = xiaodian(&["calendar", "import", file.to_str().unwrap(), "--db", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    let after = year_2027();
    assert!(after.contains("2027-10-01\t0") && after.contains("2027-09-26\t1"));
    let (_, day, _) = xiaodian(&["calendar", "day", "2027-10-01", "--db", &db.url]);
    assert!(day.contains(r#""provisional":false"#) && day.contains("国庆节"));

    std::fs::write(&file, "year 2027\nsource x\nmakeup 2027-09-27 周一 | Monday\n").unwrap();
    let (code, _, err) = xiaodian(&["calendar", "import", file.to_str().unwrap(), "--db", &db.url]);
    assert_ne!(code, 0, "a make-up day on a Monday is refused");
    assert!(err.contains("invalid_calendar_notice"), "{err}");
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_bad_input() {
    let db = TestDb::sqlite();
    let (code, out, err) = xiaodian(&["migrate", "--db", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    let add = |args: &[&str], stdin: &str| {
        let mut all = vec!["user", "add", "--db", &db.url, "--password-stdin"];
        all.extend_from_slice(args);
        run(binary(), &all, Some(stdin))
    };
    let (code, out, _) = add(&["--username", "ops", "--role", "admin"], "a long password\n");
    assert_eq!(code, 0);
    assert!(out.contains("user ops created"));
    let (code, _, err) = add(&["--username", "ops", "--role", "admin"], "a long password\n");
    assert_ne!(code, 0);
    assert!(err.contains("username_taken"), "{err}");
    let (code, _, err) = add(&["--username", "shopper", "--role", "merchant"], "a long password\n");
    assert!(code != 0 && err.contains("merchant_required"), "{err}");
    let (code, _, err) = add(&["--username", "x", "--role", "admin"], "short\n");
    assert!(code != 0 && err.contains("weak_password"), "{err}");
    let (code, _, _) =
        run(binary(), &["user", "add", "--db", &db.url, "--username", "y", "--role", "admin"], Some("pw"));
    assert_ne!(code, 0, "--password-stdin is required");
}

#[test]
fn audit_verify_names_the_edited_row() {
    let db = TestDb::sqlite();
    crate::add_users(&db.url);
    let (code, out, _) = xiaodian(&["audit", "verify", "--db", &db.url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit chain intact"), "{out}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = db.open().await;
        let mut conn = store.read().await.unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3")
            .execute(&mut *conn)
            .await
            .unwrap();
    });
    let (code, out, _) = xiaodian(&["audit", "verify", "--db", &db.url]);
    assert_eq!(code, 1);
    assert!(out.contains("seq=3"), "names the row: {out}");
}

#[test]
fn check_prints_one_word_and_exits_zero_only_when_valid() {
    let check = |kind: &str, code: &str, word: &str, status: i32| {
        let (got, out, err) = xiaodian(&["check", kind, code]);
        assert_eq!((out.trim(), got), (word, status), "{kind} {code}: {err}");
    };
    check("uscc", "91350100M000100Y43", "valid", 0);
    check("uscc", "91440101ma5cjq4n59", "valid", 0);
    check("uscc", "9144 0101-MA5CJQ4N59", "valid", 0);
    check("uscc", "91440101MA5CJQ4N58", "checksum_mismatch", 1);
    check("uscc", "91440101MA5CJQ4N5", "invalid_format", 1);
    check("uscc", "91440101MA5CJQ4NI9", "invalid_format", 1);
    check("resident-id", "11010519491231002X", "valid", 0);
    check("resident-id", "11010519491231002x", "valid", 0);
    check("resident-id", "110105194912310021", "checksum_mismatch", 1);
    check("resident-id", "110105194902300023", "invalid_birth_date", 1);
    check("resident-id", "1101051949123100", "invalid_format", 1);
}

both_backends!(bench_closure_runs_with_tiny_sizes);

/// `bench closure` builds its shop, checks its counters against the recount, and prints the
/// figures and the checks; piped, it draws no progress bar. SQLite runs on its own temporary file.
async fn bench_closure_runs_with_tiny_sizes(backend: Backend) {
    let db = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(TestDb::postgres().await),
    };
    let mut args = vec!["bench", "closure", "--orders", "2000", "--conversations", "200"];
    args.extend(["--after-sales", "100", "--iterations", "50"]);
    if let Some(db) = &db {
        args.extend(["--db", db.url.as_str()]);
    }
    let (code, out, err) = xiaodian(&args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("built 2000 orders, 200 conversations"), "{out}");
    assert!(out.contains("100 after-sales cases"), "{out}");
    assert!(out.contains("counters equal the recount"), "{out}");
    assert!(out.contains("closure checks x50: mean") && out.contains("p99"), "{out}");
    let check = |code: &str| out.lines().find(|l| l.trim_start().starts_with(code)).unwrap_or_default();
    assert!(
        check("products_listed").contains("failed") && check("products_listed").contains("count 15"),
        "{out}"
    );
    assert!(check("unanswered_messages").contains("failed"), "{out}");
    assert!(check("after_sales_open").contains("failed"), "{out}");
    assert!(check("last_order_recent").contains("clears on"), "{out}");
    assert!(check("deposit_negative").contains("passed"), "{out}");
    assert!(err.lines().all(|l| l.starts_with("ledger verify: ok")), "no progress bar when piped: {err}");
}

/// `bench comments` ingests its batches through the use case, checks the counters against the
/// recount and that a replayed batch stores nothing, and prints its figure; piped, no progress bar.
#[test]
fn bench_comments_runs_and_prints_its_figure() {
    let (code, out, err) = xiaodian(&["bench", "comments", "--count", "20000", "--batch", "5000"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("sqlite: ingested 20000 comments in"), "{out}");
    assert!(out.contains("comments/s (batches of 5000 lines"), "{out}");
    assert!(out.contains("counters equal the recount: comments 20000"), "{out}");
    assert!(out.contains("a replayed batch: 5000 duplicates, 0 stored"), "{out}");
    assert!(err.trim().is_empty(), "no progress bar when piped: {err}");
}
