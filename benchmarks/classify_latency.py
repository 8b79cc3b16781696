"""In-process classification speed of the shipped model.

Prints p50/p99 latency of scoring one comment at a time, and batch throughput (comments/s), on a
mix of real comments from the data sets (or built-in examples when the data sets are absent).
Baseline, measured in the same run on the same comments: the textbook pipeline
``TfidfVectorizer(word 1-2 grams) + LogisticRegression`` fitted here on the sample, scoring one
comment at a time through ``predict_proba`` without normalisation, metadata or reasons.

    .venv/bin/python benchmarks/classify_latency.py [--n 2000] [--batch 256] [--compare DIR ...]

``--compare DIR`` (repeatable) also loads the model in DIR (e.g. the previous model, extracted with
``git show main:models/default/model.skops``) and times both models' ``score_one`` on the same
comments in the same run, alternating model by model for every comment, with the normalisation,
signal, lexicon and language caches emptied before each call (every served comment is new).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.artifact import load_default  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

EXAMPLES = [
    "Terima kasih infonya, semoga jalan di depan pasar segera diperbaiki.",
    "ＳＬＯＴ ＧＡＣＯＲ hari ini gampang menang, daftar di bit.ly/gacor88 sekarang",
    "Great photos from the festival last night, my kids loved the parade.",
    "Check out my channel for free gift cards!!! subscribe http://bit.ly/freegift",
]


def sample_comments(n: int) -> list[dict]:
    data_dir = Path(os.environ.get("SARING_DATA_DIR", "../shared/data"))
    texts: list[str] = []
    try:
        from training.data import load_base_datasets

        df = load_base_datasets(data_dir).sample(n=n, random_state=0, replace=True)
        return df.to_dict("records")
    except Exception as exc:  # noqa: BLE001
        print(f"(data sets unavailable: {exc}; using built-in examples)")
    while len(texts) < n:
        texts.extend(EXAMPLES)
    return [{"content": t} for t in texts[:n]]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--compare", action="append", default=[], type=Path, help="another model folder to time")
    args = ap.parse_args()
    if args.compare:
        compare(args)
        return

    t0 = time.perf_counter()
    clf = load_default()
    load_s = time.perf_counter() - t0
    comments = sample_comments(args.n)
    for c in comments[:50]:
        clf.score_one(c)  # warm-up

    single = []
    for c in comments:
        t = time.perf_counter()
        clf.score_one(c)
        single.append((time.perf_counter() - t) * 1000)
    texts = [str(c.get("content", "")) for c in comments]
    labels = [int(c.get("label", i % 2)) for i, c in enumerate(comments)]
    baseline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=1000))
    baseline.fit(texts, labels)
    base = []
    for text in texts:
        t = time.perf_counter()
        baseline.predict_proba([text])
        base.append((time.perf_counter() - t) * 1000)

    t = time.perf_counter()
    for i in range(0, len(comments), args.batch):
        clf.score(comments[i:i + args.batch])
    batch_s = time.perf_counter() - t

    print(f"model {clf.version}: loaded in {load_s:.2f} s; {len(comments)} comments")
    print(f"score_one  p50 {pct(single, 50):.2f} ms  p99 {pct(single, 99):.2f} ms  mean {statistics.mean(single):.2f} ms")
    print(f"baseline tfidf+logreg predict_proba  p50 {pct(base, 50):.2f} ms  p99 {pct(base, 99):.2f} ms")
    print(f"ratio Saring score_one / baseline: p50 {pct(single, 50) / pct(base, 50):.2f}x, "
          f"p99 {pct(single, 99) / pct(base, 99):.2f}x")
    print(f"batch of {args.batch}: {len(comments) / batch_s:,.0f} comments/s "
          f"({batch_s / len(comments) * 1000:.3f} ms per comment); "
          f"single-call throughput {1000 / statistics.mean(single):,.0f} comments/s")


def _clear_caches() -> None:
    from models import caches

    caches.clear_all()


def compare(args: argparse.Namespace) -> None:
    models = {"default": load_default()}
    for d in args.compare:
        models[str(d)] = load_default(d)
    comments = sample_comments(args.n)
    times: dict[str, list[float]] = {k: [] for k in models}
    for c in comments[:20]:
        for clf in models.values():
            clf.score_one(c)
    for i, c in enumerate(comments):
        order = list(models.items()) if i % 2 == 0 else list(reversed(models.items()))
        for name, clf in order:
            _clear_caches()
            t = time.perf_counter()
            clf.score_one(c)
            times[name].append((time.perf_counter() - t) * 1000)
    for name, clf in models.items():
        ts = times[name]
        print(f"{name:<28} {clf.version:<24} score_one with reasons, cold caches: p50 {pct(ts, 50):.2f} ms  "
              f"p99 {pct(ts, 99):.2f} ms  mean {statistics.mean(ts):.2f} ms  (n={len(ts)})")


if __name__ == "__main__":
    main()
