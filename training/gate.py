"""The promotion gate: a candidate may not be worse than the current model on a guarded figure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.lang import comment_lang
from models.thresholds import operating_points, resolve_thresholds
from training.evaluate import evaluate_scores


@dataclass(frozen=True)
class Tolerances:
    """How much worse than the current model a candidate may be on a guarded figure.

    All absolute (0.002 = 0.2 percentage points). On an evaluation set with few comments of a
    class, one comment's worth (1 / number of ham for FPR, 1 / number of spam for recall,
    1 / the smaller class for ROC AUC) is allowed when that is larger: one more misjudged comment
    among 30 is noise, not evidence.

    Attributes:
        fpr_hold: ham false positive rate at the hold threshold may rise by this much.
        fpr_reject: ham false positive rate at the reject threshold may rise by this much.
        recall_hold: spam recall at the hold threshold may fall by this much.
        roc_auc: ROC AUC may fall by this much.
    """

    fpr_hold: float = 0.002
    fpr_reject: float = 0.001
    recall_hold: float = 0.01
    roc_auc: float = 0.002


#: (figure, block path, lower is better?, tolerance field, denominator class)
GUARDED = (
    ("fpr_at_hold", ("at_hold", "fpr"), True, "fpr_hold", "ham"),
    ("fpr_at_reject", ("at_reject", "fpr"), True, "fpr_reject", "ham"),
    ("recall_at_hold", ("at_hold", "recall"), False, "recall_hold", "spam"),
    ("roc_auc", ("roc_auc",), False, "roc_auc", "min"),
)


#: How many paired standard errors of the difference a figure may worsen by before it counts.
PAIRED_Z = 2.0


def discordant(y: np.ndarray, s_a: np.ndarray, th_a: dict[str, float], s_b: np.ndarray,
               th_b: dict[str, float]) -> dict[str, int]:
    """Rows on which two models, each at its own thresholds, decide differently.

    Args:
        y: labels, shape ``(n,)`` (1 = spam).
        s_a, s_b: the two models' spam scores on the same rows, shape ``(n,)``.
        th_a, th_b: each model's ``{"hold": .., "reject": ..}`` (flagged when ``score >= t``).

    Returns:
        ``{"fpr_at_hold": ham rows flagged by exactly one model at hold, "fpr_at_reject": the same
        at reject, "recall_at_hold": spam rows flagged by exactly one model at hold}``.
    """
    y, s_a, s_b = np.asarray(y), np.asarray(s_a, dtype=float), np.asarray(s_b, dtype=float)
    ham, spam = y == 0, y == 1
    differ = {k: (s_a >= float(th_a[k])) != (s_b >= float(th_b[k])) for k in ("hold", "reject")}
    return {"fpr_at_hold": int(differ["hold"][ham].sum()), "fpr_at_reject": int(differ["reject"][ham].sum()),
            "recall_at_hold": int(differ["hold"][spam].sum())}


def _figure(block: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = block
    for p in path:
        value = value.get(p) if isinstance(value, dict) else None
    return None if value is None else float(value)


def gate(candidate: dict[str, Any], current: dict[str, Any], split: str, tolerances: Tolerances,
         paired: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Compare two ``evaluate_scores(...)["overall"]`` blocks on the guarded figures.

    Args:
        candidate, current: overall blocks (``n``, ``n_spam``, ``roc_auc``, ``at_hold``,
            ``at_reject``), each model at its own thresholds.
        split: name of the evaluation set (recorded in each check).
        tolerances: allowed worsening.
        paired: :func:`discordant` counts of the two models on the rows behind the blocks, or
            ``None`` when unknown (then only the configured tolerance and one comment's worth).

    Returns:
        One check per figure: ``split``, ``figure``, ``candidate``, ``current``, ``tolerance``
        (the allowance used), ``lower_is_better``, ``ok`` (``True``/``False``, or ``None`` when
        the figure cannot be computed on this set, e.g. no spam in it).
    """
    n_spam = int(current["n_spam"])
    n_ham = int(current["n"]) - n_spam
    counts = {"ham": n_ham, "spam": n_spam, "min": min(n_ham, n_spam)}
    checks = []
    for name, path, lower, tol_field, denom in GUARDED:
        cand, cur = _figure(candidate, path), _figure(current, path)
        tol = float(getattr(tolerances, tol_field))
        if counts[denom] > 0:
            tol = max(tol, 1.0 / counts[denom])
            if paired and name in paired:
                tol = max(tol, PAIRED_Z * float(np.sqrt(paired[name])) / counts[denom])
        if cand is None or cur is None:
            ok = None
        elif lower:
            ok = cand <= cur + tol + 1e-12
        else:
            ok = cand >= cur - tol - 1e-12
        checks.append({"split": split, "figure": name, "candidate": cand, "current": cur, "tolerance": tol,
                       "lower_is_better": lower, "ok": ok})
    return checks


# --------------------------------------------------------------------------- runs and progress


def operating_point_checks(candidate: Any, comparator: Any, frame: pd.DataFrame, y: np.ndarray,
                           s_candidate: np.ndarray, s_comparator: np.ndarray, split: str,
                           tolerances: Tolerances) -> list[dict[str, Any]]:
    """:func:`gate` at every operating point the candidate will serve (each language's hold and
    reject, on that language's rows; the pooled pair on the rows of all other languages), each
    model at its own thresholds for that language (:func:`models.thresholds.resolve_thresholds`).

    ``candidate``/``comparator`` are ``SpamClassifier`` s; ``frame`` the scored rows (``content``,
    ``lang``), ``y`` their labels, ``s_*`` the two models' spam scores, shape ``(n,)``."""
    if not len(frame):
        return []
    langs = np.asarray([comment_lang(str(d), str(t)) for d, t in
                        zip(frame.get("lang", pd.Series([""] * len(frame))), frame["content"])])
    points = operating_points(candidate.metadata)
    served = [k for k in points if k != "pooled"]
    checks: list[dict[str, Any]] = []
    for name in points:
        mask = ~np.isin(langs, served) if name == "pooled" else langs == name
        if not mask.any() or (y[mask] == 0).sum() == 0:
            continue
        lang = "" if name == "pooled" else name
        blocks, ths = [], []
        for model, scores in ((candidate, s_candidate), (comparator, s_comparator)):
            hold, reject = resolve_thresholds(model.metadata, lang)
            ths.append({"hold": hold, "reject": reject})
            blocks.append(evaluate_scores(y[mask], scores[mask], ths[-1])["overall"])
        paired = discordant(y[mask], s_candidate[mask], ths[0], s_comparator[mask], ths[1])
        checks += gate(blocks[0], blocks[1], f"{split} [{name}]", tolerances, paired)
    return checks
