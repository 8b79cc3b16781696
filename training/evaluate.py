"""Evaluation helpers: thresholds from out-of-fold scores and metrics at them.

All arithmetic on predictions goes through :mod:`sklearn.metrics` (``roc_curve``,
``roc_auc_score``, ``average_precision_score``, ``confusion_matrix``,
``precision_recall_fscore_support``). Scores are spam probabilities in [0, 1]; a
comment is flagged at threshold ``t`` when ``score >= t``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

__all__ = ["choose_thresholds", "evaluate_scores", "metrics_at", "threshold_for_fpr"]


def threshold_for_fpr(y_true: Sequence[int], spam_scores: Sequence[float], max_fpr: float) -> float:
    """Lowest score threshold whose ham false-positive rate is at most ``max_fpr``.

    FPR(t) = share of ham (label 0) with ``score >= t`` (from
    :func:`sklearn.metrics.roc_curve` with ``drop_intermediate=False``, so every
    distinct score is a candidate).

    Args:
        y_true: labels, shape ``(n,)``, 0 ham / 1 spam; both classes present.
        spam_scores: scores, shape ``(n,)``.
        max_fpr: allowed FPR in [0, 1] (0.01 = 1 %).

    Returns:
        The threshold, in [0, 1]; 1.0 when even the highest score breaks the limit
        (values above 1 from ``roc_curve``'s sentinel are clipped to 1).

    Raises:
        ValueError: only one class present, or lengths differ.
    """
    y = np.asarray(y_true)
    s = np.asarray(spam_scores, dtype=np.float64)
    if y.shape != s.shape:
        raise ValueError(f"y_true and spam_scores differ in shape: {y.shape} vs {s.shape}")
    if len(np.unique(y)) < 2:
        raise ValueError("threshold choice needs both ham and spam examples")
    fpr, _tpr, thr = roc_curve(y, s, drop_intermediate=False)
    ok = np.flatnonzero(fpr <= max_fpr)
    t = float(thr[ok[-1]])  # thresholds decrease, FPR increases: last ok = lowest
    return float(min(t, 1.0))


def choose_thresholds(
    y_true: Sequence[int],
    spam_scores: Sequence[float],
    max_fpr_hold: float = 0.01,
    max_fpr_reject: float = 0.001,
) -> dict[str, float]:
    """Choose the ``hold`` and ``reject`` thresholds from validation scores.

    Use out-of-fold scores (never scores of a model on its own training rows).

    Args:
        y_true: labels, shape ``(n,)``, 0 ham / 1 spam.
        spam_scores: out-of-fold spam scores, shape ``(n,)``.
        max_fpr_hold: ham FPR allowed at ``hold`` (default 1 %).
        max_fpr_reject: ham FPR allowed at ``reject`` (default 0.1 %).

    Returns:
        ``{"hold": float, "reject": float}`` with ``hold <= reject`` (each the lowest
        threshold meeting its FPR limit, see :func:`threshold_for_fpr`).

    Raises:
        ValueError: as :func:`threshold_for_fpr`, or ``max_fpr_reject > max_fpr_hold``.
    """
    if max_fpr_reject > max_fpr_hold:
        raise ValueError("max_fpr_reject must not exceed max_fpr_hold")
    hold = threshold_for_fpr(y_true, spam_scores, max_fpr_hold)
    reject = threshold_for_fpr(y_true, spam_scores, max_fpr_reject)
    return {"hold": hold, "reject": max(reject, hold)}


def choose_thresholds_by_lang(
    y_true: Sequence[int],
    spam_scores: Sequence[float],
    langs: Sequence[str],
    min_ham: int = 500,
    min_spam: int = 50,
    max_fpr_hold: float = 0.01,
    max_fpr_reject: float = 0.001,
) -> dict[str, dict[str, float]]:
    """Per-language ``hold``/``reject`` thresholds from validation scores (as
    :func:`choose_thresholds`, on each language's rows alone).

    The pooled thresholds meet the FPR limits on the pooled ham, which is mostly one language;
    per-language thresholds meet them on each language's own ham. Languages with fewer than
    ``min_ham`` ham or ``min_spam`` spam rows get none (the pooled thresholds apply).

    Returns ``{lang: {"hold": float, "reject": float}}``.
    """
    y = np.asarray(y_true).astype(int)
    s = np.asarray(spam_scores, dtype=np.float64)
    lg = np.asarray(langs).astype(str)
    out: dict[str, dict[str, float]] = {}
    for lang in sorted(set(lg.tolist()) - {""}):
        mask = lg == lang
        if (y[mask] == 0).sum() >= min_ham and (y[mask] == 1).sum() >= min_spam:
            out[lang] = choose_thresholds(y[mask], s[mask], max_fpr_hold, max_fpr_reject)
    return out


def metrics_at(y_true: Sequence[int], spam_scores: Sequence[float], threshold: float) -> dict[str, Any]:
    """Confusion-matrix figures when flagging ``score >= threshold`` as spam.

    Returns:
        dict with ``threshold``, ``precision``, ``recall`` (spam recall), ``f1``, ``fpr``
        (ham flagged / ham), ``tp``, ``fp``, ``tn``, ``fn``. Precision is 0 when nothing
        is flagged; rates are ``None`` when their denominator class is absent.
    """
    y = np.asarray(y_true).astype(int)
    pred = (np.asarray(spam_scores, dtype=np.float64) >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    p, r, f, _ = precision_recall_fscore_support(
        y, pred, labels=[1], average=None, zero_division=0.0
    )
    n_ham = tn + fp
    return {
        "threshold": float(threshold),
        "precision": float(p[0]),
        "recall": float(r[0]) if (tp + fn) else None,
        "f1": float(f[0]),
        "fpr": float(fp / n_ham) if n_ham else None,
        "tp": int(tp),
        "fp": int(fp),
        "tn": int(tn),
        "fn": int(fn),
    }


def _one(y: np.ndarray, s: np.ndarray, thresholds: Mapping[str, float]) -> dict[str, Any]:
    both = len(np.unique(y)) == 2
    out: dict[str, Any] = {
        "n": int(len(y)),
        "n_spam": int(y.sum()),
        "roc_auc": float(roc_auc_score(y, s)) if both else None,
        "average_precision": float(average_precision_score(y, s)) if both else None,
        "at_0.5": metrics_at(y, s, 0.5),
    }
    for name, t in thresholds.items():
        out[f"at_{name}"] = metrics_at(y, s, t)
    return out


def evaluate_scores(
    y_true: Sequence[int],
    spam_scores: Sequence[float],
    thresholds: Mapping[str, float],
    groups: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Overall and per-group metrics of scores.

    Args:
        y_true: labels, shape ``(n,)``.
        spam_scores: scores, shape ``(n,)``.
        thresholds: e.g. ``{"hold": 0.4, "reject": 0.9}``; metrics are given at each
            (``at_hold``, ``at_reject``) and at 0.5 (``at_0.5``).
        groups: per-row group name (data set), shape ``(n,)``, or ``None``.

    Returns:
        ``{"overall": {...}, "per_dataset": {name: {...}}}``; each block has ``n``,
        ``n_spam``, ``roc_auc``, ``average_precision`` (``None`` when one class is
        absent) and the :func:`metrics_at` dicts.
    """
    y = np.asarray(y_true).astype(int)
    s = np.asarray(spam_scores, dtype=np.float64)
    result: dict[str, Any] = {"overall": _one(y, s, thresholds), "per_dataset": {}}
    if groups is not None:
        g = np.asarray(groups)
        for name in dict.fromkeys(g.tolist()):
            mask = g == name
            result["per_dataset"][str(name)] = _one(y[mask], s[mask], thresholds)
    return result
