"""Moderator feedback as training rows: one row per normalised text (newest label wins), time split.

The rows come from a ``training.ports.FeedbackSource`` (the service reads them from its database).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from training.evalsplit import norm_and_keys, split_base

#: ``dataset`` value of feedback rows.
FEEDBACK_DATASET = "feedback"


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def dedupe_feedback(feedback: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per normalised text; the newest label wins. Empty texts are dropped.

    Returns ``(frame with _norm and _key columns, stats)``; stats has ``labels``, ``kept``,
    ``duplicates`` and ``empty``.
    """
    norm, keys = norm_and_keys(feedback["content"])
    work = feedback.assign(_norm=norm.to_numpy(), _key=keys.to_numpy())
    empty = int((work["_norm"] == "").sum())
    work = work[work["_norm"] != ""]
    kept = work.sort_values("labelled_at", kind="stable").drop_duplicates("_norm", keep="last")
    kept = kept.sort_values(["labelled_at", "comment_id"], kind="stable").reset_index(drop=True)
    return kept, {"labels": int(len(feedback)), "kept": int(len(kept)),
                  "duplicates": int(len(work) - len(kept)), "empty": empty}


def time_split(feedback: pd.DataFrame, test_fraction: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Older and newest feedback: the newest ``ceil(test_fraction × n)`` labels (by
    ``labelled_at``) are the test set. ``feedback`` must be sorted oldest first."""
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), not {test_fraction}")
    n_test = math.ceil(test_fraction * len(feedback))
    cut = len(feedback) - n_test
    return feedback.iloc[:cut].reset_index(drop=True), feedback.iloc[cut:].reset_index(drop=True)


@dataclass
class TrainingSplits:
    """The rows one retrain uses: base data split into train / fixed evaluation, feedback split
    by time; feedback in the evaluation split is never trained on, base rows whose text has a
    label are replaced by it (the site's own label wins)."""

    base_train: pd.DataFrame
    base_eval: pd.DataFrame
    split_info: dict[str, Any]
    eval_keys: set[str]
    fb_older: pd.DataFrame
    fb_newest: pd.DataFrame
    fb_train: pd.DataFrame
    in_eval: np.ndarray
    older_in_eval: np.ndarray
    overridden: np.ndarray


def split_for_training(base: pd.DataFrame, feedback: pd.DataFrame, test_fraction: float) -> TrainingSplits:
    """Split ``base`` (deduplicated, with ``_norm``/``_key``) and ``feedback`` (from
    :func:`dedupe_feedback`) as :class:`TrainingSplits` describes."""
    base_train, base_eval, split_info = split_base(base)
    eval_keys = set(base_eval["_key"])
    in_eval = feedback["_key"].isin(eval_keys).to_numpy(dtype=bool) if len(feedback) else np.zeros(0, bool)
    fb_older, fb_newest = time_split(feedback, test_fraction)
    older_in_eval = fb_older["_key"].isin(eval_keys).to_numpy(dtype=bool) if len(fb_older) else np.zeros(0, bool)
    fb_train = fb_older[~older_in_eval].reset_index(drop=True)
    overridden = base_train["_norm"].isin(set(feedback["_norm"])).to_numpy(dtype=bool)
    base_train = base_train[~overridden].reset_index(drop=True)
    return TrainingSplits(base_train, base_eval, split_info, eval_keys, fb_older, fb_newest, fb_train, in_eval,
                          older_in_eval, overridden)


def data_summary_of(sp: TrainingSplits, raw: pd.DataFrame, base: pd.DataFrame, dedupe_stats: dict[str, Any],
                    feedback: pd.DataFrame, fb_stats: dict[str, int], since: dt.datetime | None,
                    weight: float) -> dict[str, Any]:
    """The ``data`` block of a retrain's summary and model metadata (row counts, feedback origin)."""
    return {
        "base": {"rows_raw": int(len(raw)), "rows_after_dedupe": int(sum(s["kept"] for s in dedupe_stats.values())),
                 "rows_used": int(len(base)), "train_rows": int(len(sp.base_train)), "eval_rows": int(len(sp.base_eval)),
                 "train_rows_replaced_by_feedback": int(sp.overridden.sum()),
                 "per_dataset_train": {str(k): int(v) for k, v in
                                       sp.base_train["dataset"].value_counts().sort_index().items()}},
        "feedback": {**fb_stats, "since": since.isoformat() if since else None,
                     "older": int(len(sp.fb_older)), "newest": int(len(sp.fb_newest)), "trained_on": int(len(sp.fb_train)),
                     "older_in_eval_split_not_trained": int(sp.older_in_eval.sum()),
                     "in_eval_split": int(sp.in_eval.sum()),
                     "spam": int(feedback["label"].sum()) if len(feedback) else 0,
                     "newest_from": sp.fb_newest["labelled_at"].min().isoformat() if len(sp.fb_newest) else None,
                     "until": feedback["labelled_at"].max().isoformat() if len(feedback) else None,
                     "sources": ({str(k): int(v) for k, v in feedback["source"].value_counts().items()}
                                 if len(feedback) else {}),
                     "weight": weight},
        "eval_split": sp.split_info,
    }
