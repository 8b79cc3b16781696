"""Moderator feedback as training rows: one row per normalised text (newest label wins), time split.

The rows come from a ``training.ports.FeedbackSource`` (the service reads them from its database).
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from training.evalsplit import _norm_and_keys

#: ``dataset`` value of feedback rows.
FEEDBACK_DATASET = "feedback"


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def dedupe_feedback(feedback: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per normalised text; the newest label wins. Empty texts are dropped.

    Returns ``(frame with _norm and _key columns, stats)``; stats has ``labels``, ``kept``,
    ``duplicates`` and ``empty``.
    """
    norm, keys = _norm_and_keys(feedback["content"])
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
