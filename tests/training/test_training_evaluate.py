"""training.evaluate: thresholds and metrics on synthetic scores."""

from __future__ import annotations

import numpy as np
import pytest

from training.evaluate import choose_thresholds, evaluate_scores, metrics_at, threshold_for_fpr


def _synthetic(n_ham: int = 1000, n_spam: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ham = rng.beta(2, 8, n_ham)
    spam = rng.beta(8, 2, n_spam)
    y = np.r_[np.zeros(n_ham, int), np.ones(n_spam, int)]
    return y, np.r_[ham, spam]


def test_hold_is_lowest_threshold_within_fpr() -> None:
    y, s = _synthetic()
    th = choose_thresholds(y, s)
    ham = s[y == 0]
    assert (ham >= th["hold"]).mean() <= 0.01
    # the next lower distinct score would break the limit
    lower = s[s < th["hold"]].max()
    assert (ham >= lower).mean() > 0.01
    assert (ham >= th["reject"]).mean() <= 0.001
    assert th["reject"] >= th["hold"]


def test_threshold_is_one_when_no_threshold_meets_limit() -> None:
    y = np.array([0, 0, 1, 1])
    s = np.array([0.9, 0.1, 0.8, 0.7])  # the top score is ham: any flag costs 50% FPR
    assert threshold_for_fpr(y, s, 0.01) == 1.0


def test_threshold_needs_both_classes() -> None:
    with pytest.raises(ValueError):
        choose_thresholds([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError):
        choose_thresholds([0, 1], [0.1, 0.2], max_fpr_hold=0.001, max_fpr_reject=0.01)


def test_metrics_at_counts() -> None:
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.9, 0.4, 0.8, 0.85, 0.95])
    m = metrics_at(y, s, 0.5)
    assert (m["tp"], m["fp"], m["tn"], m["fn"]) == (3, 1, 3, 1)
    assert m["precision"] == pytest.approx(0.75)
    assert m["recall"] == pytest.approx(0.75)
    assert m["fpr"] == pytest.approx(0.25)
    assert m["f1"] == pytest.approx(0.75)


def test_evaluate_scores_per_dataset() -> None:
    y, s = _synthetic()
    groups = np.where(np.arange(len(y)) % 2 == 0, "a", "b")
    th = choose_thresholds(y, s)
    ev = evaluate_scores(y, s, th, groups)
    assert set(ev["per_dataset"]) == {"a", "b"}
    assert ev["overall"]["n"] == len(y)
    assert 0.9 < ev["overall"]["roc_auc"] <= 1.0
    assert ev["overall"]["at_hold"]["fpr"] <= 0.01
    only_ham = evaluate_scores(np.zeros(3, int), np.array([0.1, 0.2, 0.3]), th)
    assert only_ham["overall"]["roc_auc"] is None
