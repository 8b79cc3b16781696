"""Out-of-source evaluation: how the model does on comments from a source it was not trained on.

Groups (:func:`training.sources.add_units`) are ``dataset/unit``: each data set, and inside a
data set each natural unit a new site would not share (a YouTube video, a block of the judol
file, a SpamAssassin collection round, SmSA vs EmoT). For affordability the groups are dealt
into :data:`N_OOS_FOLDS` folds (:func:`group_folds`): two units of one data set never share a
fold, so every held-out group is scored by a model trained on all other folds — never on its own
group, nor on any other group of its fold. That is slightly pessimistic (a fold also hides some
unrelated groups) and costs ``N_OOS_FOLDS`` fits instead of one per group.

Thresholds served (:func:`choose_oos_thresholds`) are chosen on these scores, per language of the
text (:func:`models.lang.comment_lang`, the data set's language only for text too short to
detect): hold keeps held ham ≤ 1 % and reject keeps rejected ham ≤ 0.1 % of that language's
out-of-source ham; pooled thresholds, on all rows, for every other language.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve

from models.lang import comment_lang
from models.thresholds import resolve_thresholds
from training.evaluate import choose_thresholds

__all__ = [
    "N_OOS_FOLDS",
    "SERVED_LANGS",
    "assemble_folds",
    "block_metrics",
    "choose_oos_thresholds",
    "fold_jobs",
    "group_folds",
    "oos_predictions",
    "oos_scores",
    "oos_table",
    "row_langs",
    "run_jobs",
    "served_thresholds",
    "worst_examples",
]

N_OOS_FOLDS = 6
#: Languages that get their own thresholds (when they have enough ham and spam).
SERVED_LANGS = ("en", "id")


def row_langs(frame: pd.DataFrame) -> np.ndarray:
    """Text-detected language per row (the ``lang`` column as the declared fallback)."""
    return np.asarray(
        [comment_lang(d, t) for d, t in zip(frame["lang"].astype(str), frame["content"].astype(str))], dtype=object
    ).astype(str)


def lang_bucket(langs: Sequence[str], served: Sequence[str] = SERVED_LANGS) -> np.ndarray:
    """``"en"``/``"id"`` where served, else ``"other"``."""
    return np.asarray([lg if lg in served else "other" for lg in langs], dtype=object).astype(str)


def group_folds(groups: Sequence[str], datasets: Sequence[str], n_folds: int = N_OOS_FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Deal whole groups into ``n_folds`` folds: largest groups first, each to the fold with
    the fewest rows that holds no other group of the same data set (when one exists).

    Returns ``[(train_idx, test_idx), ...]``; every row is in exactly one ``test_idx``.
    """
    g = np.asarray(groups).astype(str)
    d = np.asarray(datasets).astype(str)
    sizes = pd.Series(g).value_counts()
    ds_of = dict(zip(g, d))
    loads = [0] * n_folds
    members: list[set[str]] = [set() for _ in range(n_folds)]
    fold_of: dict[str, int] = {}
    for name, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        free = [k for k in range(n_folds) if ds_of[name] not in members[k]] or list(range(n_folds))
        k = min(free, key=lambda i: (loads[i], i))
        fold_of[name] = k
        loads[k] += int(size)
        members[k].add(ds_of[name])
    fold = np.asarray([fold_of[x] for x in g])
    idx = np.arange(len(g))
    return [(idx[fold != k], idx[fold == k]) for k in range(n_folds) if (fold == k).any()]


def spam_column(model: Any, X: pd.DataFrame) -> np.ndarray:
    """``model.predict_proba(X)[:, 1]`` as a ``(n, 1)`` float array (the default ``predict``)."""
    return np.asarray(model.predict_proba(X)[:, 1:2], dtype=np.float64)


def _fold_predictions(fit: Callable[[pd.DataFrame, np.ndarray], Any], predict: Callable[[Any, pd.DataFrame], np.ndarray],
                      frame: pd.DataFrame, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray) -> np.ndarray:
    model = fit(frame.iloc[train_idx], y[train_idx])
    return np.asarray(predict(model, frame.iloc[test_idx]), dtype=np.float64).reshape(len(test_idx), -1)


def _timed(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t0


def fold_jobs(fit: Callable[[pd.DataFrame, np.ndarray], Any], frame: pd.DataFrame, y: np.ndarray,
              folds: list[tuple[np.ndarray, np.ndarray]],
              predict: Callable[[Any, pd.DataFrame], np.ndarray] = spam_column) -> list[tuple[Callable[..., Any], tuple[Any, ...]]]:
    """One ``(function, args)`` job per fold (for :func:`run_jobs`); each returns the fold's
    ``(n_held_out, m)`` predictions (see :func:`oos_predictions`)."""
    return [(_fold_predictions, (fit, predict, frame, y, tr, te)) for tr, te in folds]


def run_jobs(jobs: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]], n_jobs: int = 1,
             progress: Callable[[], None] | None = None) -> list[tuple[Any, float]]:
    """``[(result, seconds), ...]`` of independent ``(function, args)`` jobs, in order; ``n_jobs``
    at once in worker processes (joblib/loky), in this process when 1. ``seconds`` is each job's
    own wall time (jobs overlap when ``n_jobs`` > 1)."""
    out: list[tuple[Any, float]] = []
    if n_jobs == 1 or len(jobs) <= 1:
        results: Any = (_timed(func, *args) for func, args in jobs)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(_timed)(func, *args) for func, args in jobs)
    for res in results:
        out.append(res)
        if progress is not None:
            progress()
    return out


def assemble_folds(folds: list[tuple[np.ndarray, np.ndarray]], preds: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Out-of-fold predictions ``(n, m)`` from the per-fold predictions (NaN where no fold holds a row)."""
    width = preds[0].shape[1] if len(preds) else 1
    out = np.full((n, width), np.nan)
    for (_, test_idx), pred in zip(folds, preds):
        out[test_idx] = pred
    return out


def oos_predictions(fit: Callable[[pd.DataFrame, np.ndarray], Any], frame: pd.DataFrame, y: np.ndarray,
                    folds: list[tuple[np.ndarray, np.ndarray]],
                    predict: Callable[[Any, pd.DataFrame], np.ndarray] = spam_column,
                    progress: Callable[[], None] | None = None, n_jobs: int = 1) -> np.ndarray:
    """Out-of-fold predictions, shape ``(n, m)``: for each fold, ``fit(train_rows, y_train)`` → a
    fitted model, and ``predict(model, held_out_rows)`` → ``(n_held_out, m)``. ``n_jobs`` folds
    run at once (joblib); the result does not depend on ``n_jobs``."""
    done = run_jobs(fold_jobs(fit, frame, y, folds, predict), n_jobs=n_jobs, progress=progress)
    return assemble_folds(folds, [pred for pred, _ in done], len(y))


def oos_scores(fit: Callable[[pd.DataFrame, np.ndarray], Any], frame: pd.DataFrame, y: np.ndarray,
               folds: list[tuple[np.ndarray, np.ndarray]], progress: Callable[[], None] | None = None,
               n_jobs: int = 1) -> np.ndarray:
    """Out-of-fold spam scores, shape ``(n,)``: :func:`oos_predictions` of ``predict_proba[:, 1]``."""
    return oos_predictions(fit, frame, y, folds, progress=progress, n_jobs=n_jobs)[:, 0]


def recall_at_fpr(y: np.ndarray, s: np.ndarray, max_fpr: float = 0.01) -> float | None:
    """Spam recall at the lowest threshold with ham FPR ≤ ``max_fpr`` within these rows."""
    if len(np.unique(y)) < 2:
        return None
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    ok = np.flatnonzero(fpr <= max_fpr)
    return float(tpr[ok[-1]]) if len(ok) else 0.0


def block_metrics(y: np.ndarray, s: np.ndarray, hold: np.ndarray, reject: np.ndarray) -> dict[str, Any]:
    """Figures of one block of rows at the per-row served thresholds ``hold``/``reject``."""
    y = np.asarray(y).astype(int)
    ham, spam = y == 0, y == 1
    held = s >= hold
    rejected = s >= reject
    both = bool(ham.any() and spam.any())
    return {
        "n": int(len(y)),
        "n_ham": int(ham.sum()),
        "n_spam": int(spam.sum()),
        "ham_held": float(held[ham].mean()) if ham.any() else None,
        "ham_rejected": float(rejected[ham].mean()) if ham.any() else None,
        "spam_caught": float(held[spam].mean()) if spam.any() else None,
        "spam_rejected": float(rejected[spam].mean()) if spam.any() else None,
        "roc_auc": float(roc_auc_score(y, s)) if both else None,
        "recall_at_1pct_fpr": recall_at_fpr(y, s, 0.01) if both else None,
    }


def served_thresholds(metadata: Mapping[str, Any], langs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per-row ``(hold, reject)`` arrays through :func:`models.thresholds.resolve_thresholds`."""
    pairs = [resolve_thresholds(metadata, lg) for lg in langs]
    return np.asarray([p[0] for p in pairs]), np.asarray([p[1] for p in pairs])


def oos_table(y: np.ndarray, s: np.ndarray, groups: Sequence[str], langs: Sequence[str],
              metadata: Mapping[str, Any]) -> dict[str, Any]:
    """``{"overall", "per_group", "per_lang"}`` blocks (:func:`block_metrics`) at the thresholds
    ``metadata`` serves for each row's language; ``per_lang`` is by :func:`lang_bucket`."""
    y = np.asarray(y).astype(int)
    s = np.asarray(s, dtype=np.float64)
    g = np.asarray(groups).astype(str)
    buckets = lang_bucket(langs)
    hold, reject = served_thresholds(metadata, langs)
    out: dict[str, Any] = {"overall": block_metrics(y, s, hold, reject), "per_group": {}, "per_lang": {}}
    for name in sorted(set(g.tolist())):
        m = g == name
        out["per_group"][name] = block_metrics(y[m], s[m], hold[m], reject[m])
    for lang in sorted(set(buckets.tolist())):
        m = buckets == lang
        block = block_metrics(y[m], s[m], hold[m], reject[m])
        per = {name: block_metrics(y[m & (g == name)], s[m & (g == name)], hold[m & (g == name)],
                                   reject[m & (g == name)]) for name in sorted(set(g[m].tolist()))}
        big = {k: v for k, v in per.items() if v["n_ham"] >= 100}
        if big:
            worst = max(big, key=lambda k: big[k]["ham_held"])
            block["worst_group_ham_held"] = {"group": worst, "ham_held": big[worst]["ham_held"], "n_ham": big[worst]["n_ham"]}
            worst_r = max(big, key=lambda k: big[k]["ham_rejected"])
            block["worst_group_ham_rejected"] = {"group": worst_r, "ham_rejected": big[worst_r]["ham_rejected"],
                                                 "n_ham": big[worst_r]["n_ham"]}
        out["per_lang"][lang] = block
    return out


def choose_oos_thresholds(y: np.ndarray, s: np.ndarray, langs: Sequence[str], min_ham: int = 500,
                          min_spam: int = 50, max_fpr_hold: float = 0.01,
                          max_fpr_reject: float = 0.001) -> dict[str, Any]:
    """``{"thresholds": pooled, "thresholds_by_lang": {lang: ...}}`` from out-of-source scores.

    Per served language with at least ``min_ham`` ham and ``min_spam`` spam rows (text-detected
    language): hold = lowest threshold keeping that language's ham held ≤ ``max_fpr_hold``,
    reject ≤ ``max_fpr_reject``. Pooled: the same on all rows (served for every other language).
    """
    y = np.asarray(y).astype(int)
    s = np.asarray(s, dtype=np.float64)
    buckets = lang_bucket(langs)
    pooled = choose_thresholds(y, s, max_fpr_hold, max_fpr_reject)
    by_lang: dict[str, dict[str, float]] = {}
    for lang in SERVED_LANGS:
        m = buckets == lang
        if (y[m] == 0).sum() >= min_ham and (y[m] == 1).sum() >= min_spam:
            by_lang[lang] = choose_thresholds(y[m], s[m], max_fpr_hold, max_fpr_reject)
    return {"thresholds": pooled, "thresholds_by_lang": by_lang}


def worst_examples(frame: pd.DataFrame, y: np.ndarray, s: np.ndarray, k: int = 20) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per data set, the ``k`` highest-scored ham (false positives) and lowest-scored spam
    (false negatives): ``{dataset: {"false_positives": [...], "false_negatives": [...]}}``."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    ds = frame["dataset"].astype(str).to_numpy()
    grp = frame["group"].astype(str).to_numpy() if "group" in frame.columns else ds
    text = frame["content"].astype(str).to_numpy()
    for name in dict.fromkeys(ds.tolist()):
        m = np.flatnonzero(ds == name)
        ham = m[y[m] == 0]
        spam = m[y[m] == 1]
        fp = ham[np.argsort(-s[ham], kind="stable")[:k]]
        fn = spam[np.argsort(s[spam], kind="stable")[:k]]
        out[name] = {
            "false_positives": [{"group": grp[i], "score": round(float(s[i]), 4), "text": text[i][:300]} for i in fp],
            "false_negatives": [{"group": grp[i], "score": round(float(s[i]), 4), "text": text[i][:300]} for i in fn],
        }
    return out
