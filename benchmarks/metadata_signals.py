"""Which metadata signals move the cross-validated figures: a per-signal ablation of the classifier.

Same protocol as ``training.train`` (deduplicated public data sets, ``StratifiedGroupKFold`` on data
set × label with near-duplicate groups, thresholds chosen on the out-of-fold scores: hold at ham FPR
≤ 1 %, reject ≤ 0.1 %), run for the default pipeline with every metadata signal, without any, and
without one signal group at a time:

* ``links``: link count, URL-shortener flag, link-domain tokens (``linkdom_*``, ``linkshort``);
* ``author_url``: author_has_url, author_url_mismatch, ``authdom_*``;
* ``email_domain``: ``maildom_*``;
* ``comment_type``: ``ctype_*``;
* ``author_name``: look-alike share of the author name;
* ``text_shape``: look-alike/non-ASCII/digit/upper-case shares, spaced letters, length, phone number.

Prints ROC AUC, spam recall at the hold threshold, precision and FPR there, and each variant's
difference to the full model (positive = the signal helps). A signal whose column is empty in every
training row cannot move the figures (its tokens never enter the vocabulary); the script says so.

    .venv/bin/python benchmarks/metadata_signals.py [--folds 3] [--rows 0 (all)] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from models.features import SIGNAL_NAMES, CommentSignals, MetaTokens, QuantileClipScaler  # noqa: E402
from models.pipeline import build_pipeline  # noqa: E402
from training.data import dedupe, default_data_dir, group_keys, load_base_datasets  # noqa: E402
from training.evaluate import choose_thresholds, metrics_at  # noqa: E402

RANDOM_STATE = 0
#: signal group → (CommentSignals columns, MetaTokens prefixes, input columns it reads)
GROUPS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "links": (["n_links", "has_shortener"], ["linkdom_", "linkshort"], ["content"]),
    "author_url": (["author_has_url", "author_url_mismatch"], ["authdom_"], ["author_url"]),
    "email_domain": ([], ["maildom_"], ["author_email"]),
    "comment_type": ([], ["ctype_"], ["comment_type"]),
    "author_name": (["author_lookalike_share"], [], ["author"]),
    "text_shape": (["lookalike_share", "non_ascii_share", "spaced_runs", "digit_ratio", "upper_ratio",
                    "log_length", "has_phone"], [], ["content"]),
}


def _keep_columns(keep: list[int]):
    return FunctionTransformer(lambda X: X[:, keep], validate=False)


def _drop_tokens(prefixes: list[str]):
    def drop(tokens: np.ndarray) -> np.ndarray:
        return np.asarray([" ".join(t for t in row.split() if not t.startswith(tuple(prefixes))) or "none"
                           for row in tokens], dtype=object)
    return FunctionTransformer(drop, validate=False)


def pipeline_without(group: str | None, use_meta: bool = True, classifier: str = "svm") -> Pipeline:
    """The default pipeline with ``classifier``, without the signals of ``group`` (``None``: all)."""
    pipe = build_pipeline(use_meta=use_meta, classifier=classifier)
    if group is None or not use_meta:
        return pipe
    columns, prefixes, _ = GROUPS[group]
    features: ColumnTransformer = pipe.named_steps["features"]
    new = []
    for name, transformer, cols in features.transformers:
        if name == "meta" and columns:
            keep = [i for i, s in enumerate(SIGNAL_NAMES) if s not in columns]
            transformer = Pipeline([("signals", CommentSignals()), ("keep", _keep_columns(keep)),
                                    ("scale", QuantileClipScaler())])
        elif name == "metatok" and prefixes:
            vec = transformer.named_steps["vec"]
            transformer = Pipeline([("tokens", MetaTokens()), ("drop", _drop_tokens(prefixes)),
                                    ("vec", CountVectorizer(**vec.get_params()))])
        new.append((name, transformer, cols))
    features.set_params(transformers=new)
    return pipe


def oof_scores(make, X: pd.DataFrame, y: np.ndarray, folds) -> np.ndarray:
    oof = np.full(len(y), np.nan)
    for train_idx, test_idx in folds:
        pipe = make().fit(X.iloc[train_idx], y[train_idx])
        oof[test_idx] = pipe.predict_proba(X.iloc[test_idx])[:, 1]
    return oof


def figures(y: np.ndarray, oof: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    th = choose_thresholds(y, oof)
    at = metrics_at(y, oof, th["hold"])
    return {"roc_auc": float(roc_auc_score(y, oof)), "recall_at_hold": at["recall"],
            "precision_at_hold": at["precision"], "fpr_at_hold": at["fpr"], "hold": th["hold"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--rows", type=int, default=0, help="stratified sample size (0 = all rows)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--classifier", default="svm", choices=["svm", "logreg", "cnb"],
                    help="the linear model (default svm: the shipped model's choice)")
    args = ap.parse_args()

    data, _ = dedupe(load_base_datasets(args.data_dir or default_data_dir()))
    if args.rows:
        frac = min(1.0, args.rows / len(data))
        parts = [part.sample(frac=frac, random_state=RANDOM_STATE) for _, part in data.groupby(["dataset", "label"])]
        data = pd.concat(parts).sort_index().reset_index(drop=True)
    y = data["label"].to_numpy().astype(int)
    strata = pd.factorize(data["dataset"].astype(str) + ":" + data["label"].astype(str))[0]
    cv = StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=RANDOM_STATE)
    folds = list(cv.split(data, strata, group_keys(data).to_numpy()))
    filled = {col: float((data[col].astype(str) != "").mean()) for col in
              ("author", "author_url", "author_email", "comment_type")}
    print(f"{args.classifier}: {len(data)} rows ({int(y.sum())} spam), {args.folds}-fold group CV; "
          "share of rows with a value: " + ", ".join(f"{c} {v:.0%}" for c, v in filled.items()))

    clf = args.classifier
    variants: dict[str, Any] = {"all signals": lambda: pipeline_without(None, classifier=clf),
                                "no metadata": lambda: pipeline_without(None, use_meta=False, classifier=clf)}
    for group in GROUPS:
        variants[f"without {group}"] = (lambda g=group: pipeline_without(g, classifier=clf))
    results: dict[str, dict[str, float]] = {}
    print(f"{'variant':<26}{'ROC AUC':>9}{'recall@hold':>13}{'prec@hold':>11}{'FPR@hold':>10}{'Δrecall':>9}"
          f"{'ΔAUC':>9}{'s':>6}")
    for name, make in variants.items():
        started = time.perf_counter()
        results[name] = figures(y, oof_scores(make, data, y, folds))
        base = results["all signals"]
        r = results[name]
        d_recall = base["recall_at_hold"] - r["recall_at_hold"]
        d_auc = base["roc_auc"] - r["roc_auc"]
        print(f"{name:<26}{r['roc_auc']:>9.4f}{r['recall_at_hold']:>13.4f}{r['precision_at_hold']:>11.4f}"
              f"{r['fpr_at_hold']:>10.4f}{d_recall:>+9.4f}{d_auc:>+9.4f}{time.perf_counter() - started:>6.0f}")
    for group, (_, _, cols) in GROUPS.items():
        if all(filled.get(c, 1.0) == 0.0 for c in cols):
            print(f"note: {group} reads {', '.join(cols)}, empty in every training row: it cannot move these figures")
    print("Δ columns: all signals minus the variant (positive = the removed signals help)")
    if args.json:
        args.json.write_text(json.dumps({"rows": len(data), "folds": args.folds, "filled": filled,
                                         "results": results}, indent=2))


if __name__ == "__main__":
    main()
