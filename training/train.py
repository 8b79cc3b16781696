"""Train, evaluate out of source, choose thresholds and package the spam classifier.

Protocol (see ``models/MODEL_CARD.md``):

1. load the training data sets (:data:`TRAIN_DATASETS`, :func:`training.sources.load_datasets`),
   drop exact duplicates of the normalised text (:func:`training.data.dedupe`);
2. **out-of-source evaluation** (:mod:`training.oos`): groups = data set / natural unit (YouTube
   video, judol file block, SpamAssassin round, SmSA vs EmoT, else the data set), dealt into
   :data:`training.oos.N_OOS_FOLDS` folds; each held-out group is scored by a model that never saw
   it. The served thresholds are chosen on these scores, per text-detected language (``en``,
   ``id``: held ham ≤ 1 %, rejected ham ≤ 0.1 % of that language's out-of-source ham) and pooled
   for every other language;
3. pooled out-of-fold cross-validation (``StratifiedGroupKFold`` on data set × label, groups =
   near-duplicate keys) as a second table, at the same served thresholds;
4. refit the recipe (:data:`RECIPE`, chosen by the out-of-source comparison recorded in the model
   card; ``--compare`` re-runs that comparison) on all rows, write ``model.skops``, ``model.json``,
   ``metrics.json``; score the outside check ``id_judol_tribunjogja_livechat`` (never trained on).

The fits of 2–4 are independent and run in one pool of ``--jobs`` worker processes (default:
the number of CPUs); the stateless record features are computed once for all rows and shared by
the fold fits (:mod:`training.featurecache`; everything fitted is still fitted per fold).

Run ``python -m training.train [--data-dir D] [--out models/default] [--quick] [--compare] [--jobs N]``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import StratifiedGroupKFold
from tqdm.auto import tqdm

from models import artifact
from models.pipeline import DEFAULT_PARAMS
from training.data import DataMissingError, dedupe, default_data_dir, group_keys
from training.evaluate import evaluate_scores
from training.featurecache import add_cached_features
from training.final_checks import latency_check, livechat_check
from training.oos import (
    N_OOS_FOLDS,
    assemble_folds,
    choose_oos_thresholds,
    fold_jobs,
    group_folds,
    oos_table,
    run_jobs,
    row_langs,
    served_thresholds,
    spam_column,
    worst_examples,
)
from models.lexicon import CATEGORIES, PRIOR_LOGIT
from training.recipe import RECIPES, PriorModel, apply_prior, build_recipe, fit_params, fit_recipe
from training.sources import ALL_DATASETS, TRAIN_DATASETS, load_datasets

__all__ = ["RECIPE", "TRAIN_DATASETS", "dataset_weights", "default_jobs", "main", "run_training", "timing_line"]

RANDOM_STATE = 0
N_FOLDS = 3
#: The recipe shipped (see :data:`training.recipe.RECIPES`).
RECIPE = "svm_lex_prior"
#: Recipes re-compared out of source with ``--compare``.
COMPARE = ["old", "svm_lex", "svm_lex_prior"]
QUICK_PARAMS = {"word_max_features": 5_000, "char_max_features": 8_000, "calibration_cv": 2}
QUICK_ROWS = 3_000


def dataset_weights(datasets: np.ndarray, mode: str) -> np.ndarray | None:
    """Per-row data-set weights (kept for callers of the old name; see :func:`training.recipe.source_weights`)."""
    from training.recipe import source_weights

    return source_weights(datasets, np.zeros(len(datasets)), mode)


def stratified_sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """About ``n`` rows, stratified by group (else data set) × label (at least 20 per stratum when available)."""
    frac = n / len(frame)
    parts = []
    key = "group" if "group" in frame.columns else "dataset"
    for _, part in frame.groupby([key, "label"], sort=True):
        k = min(len(part), max(20, int(round(len(part) * frac))))
        parts.append(part.sample(n=k, random_state=seed))
    return pd.concat(parts).sort_index().reset_index(drop=True)


def summary_row(block: dict[str, Any]) -> dict[str, Any]:
    """Flat figures of an :func:`training.evaluate.evaluate_scores` block (used by ``saring retrain``)."""
    return {
        "n": block["n"], "n_spam": block["n_spam"], "roc_auc": block["roc_auc"],
        "precision_at_hold": block["at_hold"]["precision"], "recall_at_hold": block["at_hold"]["recall"],
        "f1_at_hold": block["at_hold"]["f1"], "fpr_at_hold": block["at_hold"]["fpr"],
        "recall_at_reject": block["at_reject"]["recall"], "fpr_at_reject": block["at_reject"]["fpr"],
    }


def _pooled_folds(data: pd.DataFrame, n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = group_keys(data).to_numpy()
    strata = pd.factorize(data["dataset"].astype(str) + ":" + data["label"].astype(str))[0]
    cv = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=RANDOM_STATE)
    return list(cv.split(data, strata, groups))


def default_jobs() -> int:
    """Default ``--jobs``: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def timing_line(metrics: dict[str, Any]) -> str:
    """One log line of the phase times in ``metrics`` (``timing``, ``training_seconds``)."""
    t = metrics["timing"]
    return (f"timing: {metrics['training_seconds']:.0f} s with {t['jobs']} jobs: load {t['load_seconds']:.0f} s, "
            f"feature cache {t['feature_cache_seconds']:.0f} s, fits {t['fits_seconds']:.0f} s "
            f"(summed over the fits: out-of-source {metrics['oos_seconds']:.0f} s, pooled CV "
            f"{metrics['pooled_cv_seconds']:.0f} s, refit {metrics['final_model']['fit_seconds']:.0f} s), "
            f"latency/live-chat check/write {t['report_seconds']:.0f} s")


def _parts(model: Any, X: pd.DataFrame) -> np.ndarray:
    return model.parts(X) if isinstance(model, PriorModel) else spam_column(model, X)


def _oos_run(recipe: Any, parts: np.ndarray, seconds: float, data: pd.DataFrame, y: np.ndarray,
             langs: np.ndarray) -> dict[str, Any]:
    """Scores, thresholds and tables of one recipe from its out-of-source fold predictions
    (``seconds``: the summed wall time of its fold fits)."""
    prior = dict(PRIOR_LOGIT) if (RECIPES.get(recipe, {}) if isinstance(recipe, str) else recipe).get("prior") else None
    scores = apply_prior(parts, prior) if parts.shape[1] > 1 else parts[:, 0]
    chosen = choose_oos_thresholds(y, scores, langs)
    out = {"scores": scores, "thresholds": chosen, "seconds": round(seconds, 1),
           "table": oos_table(y, scores, data["group"].to_numpy(), langs, chosen)}
    if prior is not None:
        out["prior_effect"] = prior_effect(parts, y, langs, data["group"].to_numpy())
    return out


#: Priors compared in the model card (same fitted folds; thresholds re-chosen for each).
PRIOR_VARIANTS: dict[str, dict[str, float]] = {
    "none (learned weights only)": {},
    "first hit +2.5 per category, author +2 (the previous model's)": {
        **{f"lex_{c}": 2.5 for c in CATEGORIES if c != "call_to_action"}, "lex_call_to_action": 1.0,
        "brand_token": 1.0, "author_spammy": 2.0},
    "shipped (PRIOR_LOGIT)": dict(PRIOR_LOGIT),
}


def prior_effect(parts: np.ndarray, y: np.ndarray, langs: np.ndarray, groups: np.ndarray) -> dict[str, dict[str, Any]]:
    """Out-of-source figures of :data:`PRIOR_VARIANTS` on the same fold predictions
    (:meth:`training.recipe.PriorModel.parts`), each at thresholds chosen for it."""
    out = {}
    for name, prior in PRIOR_VARIANTS.items():
        s = apply_prior(parts, prior)
        chosen = choose_oos_thresholds(y, s, langs)
        t = oos_table(y, s, groups, langs, chosen)
        by = chosen["thresholds_by_lang"]
        out[name] = {**{k: t["overall"][k] for k in ("ham_held", "ham_rejected", "spam_caught", "roc_auc")},
                     "en_spam_caught": t["per_lang"].get("en", {}).get("spam_caught"),
                     "id_spam_caught": t["per_lang"].get("id", {}).get("spam_caught"),
                     "en_hold": by.get("en", {}).get("hold"), "id_hold": by.get("id", {}).get("hold")}
    return out


def run_training(data_dir: Path | str | None, out_dir: Path | str, progress: bool = True, quick: bool = False,
                 compare: bool = False, n_jobs: int | None = None) -> dict[str, Any]:
    """Evaluate out of source, choose thresholds, refit, write the artifact.

    Args:
        data_dir: folder with the data sets (``None`` → ``$SARING_DATA_DIR`` or ``../shared/data``).
        out_dir: output folder (created); receives ``model.skops``, ``model.json``, ``metrics.json``.
        progress: tqdm progress bars on stderr.
        quick: small fast variant for tests (~3,000 rows, 3 out-of-source folds, 2 pooled folds,
            small vocabularies). Its model is not for production.
        compare: also evaluate the recipes of :data:`COMPARE` out of source (slower).
        n_jobs: fits run at once in worker processes (``None``: :func:`default_jobs`; 1: all in this
            process). The results do not depend on it; memory grows with it (see README).

    Returns:
        The metrics dict (the content of ``metrics.json``).

    Raises:
        DataMissingError: the data sets are not found.
    """
    t_start = time.perf_counter()
    n_jobs = default_jobs() if n_jobs is None else max(1, int(n_jobs))
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    out = Path(out_dir)
    raw = load_datasets(root, TRAIN_DATASETS)
    data, dedupe_stats = dedupe(raw)
    if quick:
        data = stratified_sample(data, QUICK_ROWS, RANDOM_STATE)
    extra = QUICK_PARAMS if quick else {}
    y = data["label"].to_numpy().astype(int)
    langs = row_langs(data)
    oos_folds = group_folds(data["group"].to_numpy(), data["dataset"].to_numpy(), 3 if quick else N_OOS_FOLDS)
    pooled_folds = _pooled_folds(data, 2 if quick else N_FOLDS)
    recipes = list(dict.fromkeys([*(COMPARE if compare else []), RECIPE]))

    t_loaded = time.perf_counter()

    # the stateless record features of every row, once (the fold models read them; the refit does not)
    t0 = time.perf_counter()
    fold_data = add_cached_features(data, [build_recipe(name, **extra) for name in recipes], n_jobs=n_jobs)
    cache_seconds = time.perf_counter() - t0

    # every fit is independent: the refit (largest, first), the out-of-source folds of each recipe
    # and the pooled folds share one pool of n_jobs workers
    jobs: list[tuple[Any, tuple[Any, ...]]] = [(functools.partial(fit_recipe, RECIPE, **extra), (data, y))]
    for name in recipes:
        jobs += fold_jobs(functools.partial(fit_recipe, name, cached_features=True, **extra), fold_data, y, oos_folds,
                          predict=_parts)
    jobs += fold_jobs(functools.partial(fit_recipe, RECIPE, cached_features=True, **extra), fold_data, y, pooled_folds)
    t0 = time.perf_counter()
    with tqdm(total=len(jobs), desc="train", disable=not progress, file=sys.stderr) as bar:
        bar.set_postfix_str(f"refit + {len(recipes) * len(oos_folds)} out-of-source + {len(pooled_folds)} pooled folds, "
                            f"{n_jobs} at once")
        done = run_jobs(jobs, n_jobs=n_jobs, progress=lambda: bar.update(1))
    pool_seconds = time.perf_counter() - t0
    model, fit_seconds = done[0]
    runs = {}
    k = 1
    for name in recipes:
        chunk = done[k:k + len(oos_folds)]
        k += len(oos_folds)
        parts = assemble_folds(oos_folds, [p for p, _ in chunk], len(y))
        runs[name] = _oos_run(name, parts, sum(sec for _, sec in chunk), data, y, langs)
    chunk = done[k:]
    pooled = assemble_folds(pooled_folds, [p for p, _ in chunk], len(y))[:, 0]
    pooled_seconds = sum(sec for _, sec in chunk)
    best = runs[RECIPE]
    meta_th = best["thresholds"]
    pipe, prior = (model.pipeline, model.prior) if hasattr(model, "prior") else (model, None)
    t_fitted = time.perf_counter()

    pooled_table = oos_table(y, pooled, data["dataset"].to_numpy(), langs, meta_th)
    pooled_own = choose_oos_thresholds(y, pooled, langs)
    trained_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    params, weighting = fit_params(RECIPE)
    full_params = {**DEFAULT_PARAMS, **params, **extra}
    data_summary = {
        "datasets": {name: {**dedupe_stats[name], "lang": ALL_DATASETS[name],
                            "groups": sorted(set(data.loc[data["dataset"] == name, "group"]))}
                     for name in TRAIN_DATASETS if name in dedupe_stats},
        "rows_raw": int(len(raw)),
        "rows_after_dedupe": int(sum(s["kept"] for s in dedupe_stats.values())),
        "rows_used": int(len(data)),
        "spam_used": int(y.sum()),
        "detected_lang_rows": {k: int(v) for k, v in pd.Series(langs).replace("", "?").value_counts().head(12).items()},
        "excluded": {"id_judol_tribunjogja_livechat": "noisy labels, ~36 distinct spam texts: outside check only"},
    }
    metadata = {
        "thresholds": meta_th["thresholds"],
        "thresholds_by_lang": meta_th["thresholds_by_lang"],
        "threshold_method": "out-of-source scores, per text-detected language (en, id) else pooled; "
                            "hold: held ham <= 1 %, reject: rejected ham <= 0.1 %",
        "metrics": {"recipe": RECIPE, "oos_overall": best["table"]["overall"], "oos_per_lang": best["table"]["per_lang"]},
        "trained_at": trained_at,
        "data": {k: data_summary[k] for k in ("rows_used", "spam_used")} | {"datasets": list(TRAIN_DATASETS)},
        "sklearn_version": sklearn.__version__,
        "params": full_params,
        "lexicon_prior": prior,
        "weighting": weighting,
        "quick": quick,
    }
    blob = artifact.dumps(pipe, metadata)
    clf = artifact.loads(blob)
    latency = latency_check(clf, data, RANDOM_STATE)
    livechat = livechat_check(clf, root) if not quick else {"skipped": "quick run"}

    metrics: dict[str, Any] = {
        "version": clf.version,
        "sha256": clf.sha256,
        "trained_at": trained_at,
        "quick": quick,
        "chosen": RECIPE,
        "weighting": weighting,
        "protocol": {
            "oos": f"{len(oos_folds)} folds of whole groups (data set / unit), units of one data set in different "
                   "folds; each group scored by a model trained on the other folds",
            "oos_folds": [sorted(set(data["group"].to_numpy()[te].tolist())) for _, te in oos_folds],
            "pooled_cv": f"StratifiedGroupKFold(n_splits={len(pooled_folds)}, shuffle=True, random_state={RANDOM_STATE}), "
                         "stratified on data set x label, groups = near-duplicate key",
            "dedupe": "exact duplicates of normalize_text(content) dropped across all data sets; majority label kept",
            "thresholds": metadata["threshold_method"],
            "lang": "models.lang.comment_lang(data set language, content): fastText lid.176 (lite), "
                    "declared only for text too short to detect",
            "random_state": RANDOM_STATE,
        },
        "data": data_summary,
        "thresholds": meta_th["thresholds"],
        "thresholds_by_lang": meta_th["thresholds_by_lang"],
        "oos": best["table"],
        "oos_seconds": best["seconds"],
        "prior_effect": best.get("prior_effect"),
        "pooled_cv": pooled_table,
        "pooled_cv_own_thresholds": pooled_own,
        "pooled_cv_seconds": round(pooled_seconds, 1),
        "cv": evaluate_scores(y, pooled, meta_th["thresholds"], data["dataset"].to_numpy()),
        "alternatives": {name: {"recipe": RECIPES[name], "thresholds": r["thresholds"], "seconds": r["seconds"],
                                "overall": r["table"]["overall"], "per_lang": r["table"]["per_lang"],
                                "per_group": r["table"]["per_group"]} for name, r in runs.items()},
        "worst_oos": worst_examples(data, y, best["scores"], k=20),
        "livechat_check": livechat,
        "final_model": {
            "fit_seconds": round(fit_seconds, 1),
            "artifact_bytes": len(blob),
            "latency_score_one": latency,
            "n_features": int(clf.pipeline.named_steps["features"].get_feature_names_out().shape[0]),
        },
        "environment": {"python": platform.python_version(), "sklearn": sklearn.__version__,
                        "numpy": np.__version__, "pandas": pd.__version__},
        "training_seconds": None,
    }
    t_end = time.perf_counter()
    metrics["training_seconds"] = round(t_end - t_start, 1)
    metrics["timing"] = {
        "note": "wall seconds of the phases; the fits run in one pool of `jobs` workers, so oos_seconds, "
                "pooled_cv_seconds and final_model.fit_seconds are each the sum of their fits' own wall times "
                "(they overlap when jobs > 1)",
        "jobs": n_jobs,
        "load_seconds": round(t_loaded - t_start, 1),
        "feature_cache_seconds": round(cache_seconds, 1),
        "fits_seconds": round(pool_seconds, 1),
        "report_seconds": round(t_end - t_fitted, 1),
    }
    if progress:
        print(timing_line(metrics), file=sys.stderr)

    out.mkdir(parents=True, exist_ok=True)
    (out / "model.skops").write_bytes(blob)
    model_json = {"version": clf.version, "sha256": clf.sha256, **metadata}
    (out / "model.json").write_text(json.dumps(model_json, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m training.train [--data-dir D] [--out DIR] [--quick] [--compare] [--jobs N]``."""
    ap = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=None, help="data sets folder (default $SARING_DATA_DIR or ../shared/data)")
    ap.add_argument("--out", type=Path, default=Path("models/default"), help="output folder (default models/default)")
    ap.add_argument("--quick", action="store_true", help="small fast run for smoke tests")
    ap.add_argument("--compare", action="store_true", help=f"also evaluate {', '.join(COMPARE)} out of source")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    ap.add_argument("--jobs", type=int, default=None, help="fits at once (default: the number of CPUs; 1 = sequential)")
    args = ap.parse_args(argv)
    try:
        m = run_training(args.data_dir, args.out, progress=not args.no_progress, quick=args.quick, compare=args.compare,
                         n_jobs=args.jobs)
    except DataMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    o = m["oos"]["overall"]
    print(
        f"recipe {m['chosen']}  version {m['version']}\n"
        f"thresholds pooled {m['thresholds']}  by language {m['thresholds_by_lang']}\n"
        f"out of source: ham held {100 * o['ham_held']:.2f} %  ham rejected {100 * o['ham_rejected']:.2f} %  "
        f"spam caught {100 * o['spam_caught']:.1f} %  ROC AUC {o['roc_auc']:.4f}\n"
        f"artifact {m['final_model']['artifact_bytes'] / 1e6:.2f} MB, score_one median "
        f"{m['final_model']['latency_score_one']['median_ms']:.2f} ms, training {m['training_seconds']:.0f} s -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
