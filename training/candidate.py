"""Fitting and scoring a retrain candidate: its recipe, out-of-source thresholds, scores, evaluation.

A candidate is the current model's recipe: its pipeline parameters and its fixed lexicon
log-odds prior (``metadata["lexicon_prior"]``, :data:`models.lexicon.PRIOR_LOGIT`), so a
retrained model scores the way the model ``saring train`` shipped does. Its thresholds are chosen
as ``saring train`` chooses them (:mod:`training.oos`): on out-of-source scores (whole groups
held out: a data set's natural units, and each site's feedback), per text-detected language.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models import artifact
from models.classifier import SpamClassifier
from models.comment import to_frame
from models.pipeline import build_pipeline
from training.evaluate import evaluate_scores
from training.feedback import FEEDBACK_DATASET
from training.oos import choose_oos_thresholds, group_folds, oos_table, row_langs
from training.progress import Bar
from training.recipe import PriorModel
from training.train import QUICK_PARAMS

if TYPE_CHECKING:
    from training.retrain import RetrainOptions


def recipe(current: SpamClassifier, options: "RetrainOptions") -> dict[str, Any]:
    """Pipeline parameters: the current model's (``saring train``'s chosen alternative), with the
    quick overrides and ``options.params``."""
    from models.pipeline import DEFAULT_PARAMS

    params = {k: v for k, v in (current.metadata.get("params") or {}).items() if k in DEFAULT_PARAMS}
    if options.quick:
        params.update(QUICK_PARAMS)
    params.update(options.params)
    return params


def prior_of(current: SpamClassifier) -> dict[str, float] | None:
    """The current model's fixed lexicon log-odds prior (``None``: the model has none)."""
    prior = current.metadata.get("lexicon_prior")
    return dict(prior) if prior else None


def fit_pipeline(params: dict[str, Any], frame: pd.DataFrame, weights: np.ndarray) -> Any:
    pipe = build_pipeline(**params)
    y = frame["label"].to_numpy().astype(int)
    if np.all(weights == 1.0):
        return pipe.fit(to_frame(frame), y)
    return pipe.fit(to_frame(frame), y, clf__sample_weight=weights)


def _site_label(site: Any) -> str:
    """``3`` for a site id that went through a float column (``3.0``), else ``str(site)``."""
    try:
        f = float(site)
    except (TypeError, ValueError):
        return str(site)
    return str(int(f)) if f.is_integer() else str(site)


def groups_of(frame: pd.DataFrame) -> np.ndarray:
    """Out-of-source group per row: the base row's ``group`` (data set / natural unit), for
    feedback rows ``feedback/site <id>`` (a site is a unit another site does not share)."""
    base = frame["group"] if "group" in frame.columns else frame["dataset"]
    base = base.fillna("").astype(str)
    site = frame["site_id"] if "site_id" in frame.columns else pd.Series([""] * len(frame), index=frame.index)
    fb = frame["dataset"].astype(str).to_numpy() == FEEDBACK_DATASET
    out = base.to_numpy().astype(object)
    out[fb] = [f"{FEEDBACK_DATASET}/site {_site_label(s)}" for s in site.to_numpy()[fb]]
    out[(out == "") & ~fb] = frame["dataset"].astype(str).to_numpy()[(out == "") & ~fb]
    return out.astype(str)


def oos_thresholds(params: dict[str, Any], frame: pd.DataFrame, weights: np.ndarray, folds: int,
                   bar: Bar, prior: dict[str, float] | None = None) -> tuple[dict[str, Any], np.ndarray]:
    """Thresholds from out-of-source scores, as ``saring train`` chooses them.

    Whole groups (:func:`groups_of`) are dealt into ``folds`` folds (:func:`training.oos.group_folds`);
    each fold is scored by the recipe (``params`` + ``prior``) fitted on the other folds.

    Returns:
        ``({"thresholds": {...}, "thresholds_by_lang": {lang: {...}}, "table": oos table}, scores)``;
        ``scores`` has shape ``(len(frame),)``.
    """
    y = frame["label"].to_numpy().astype(int)
    groups = groups_of(frame)
    oof = np.full(len(frame), np.nan)
    for tr, te in group_folds(groups, frame["dataset"].astype(str).to_numpy(), folds):
        pipe = fit_pipeline(params, frame.iloc[tr], weights[tr])
        model = PriorModel(pipe, prior) if prior else pipe
        oof[te] = model.predict_proba(to_frame(frame.iloc[te]))[:, 1]
        bar.update(1)
    langs = row_langs(frame)
    chosen = choose_oos_thresholds(y, oof, langs)
    chosen["table"] = oos_table(y, oof, groups, langs, chosen)
    return chosen, oof


def as_classifier(pipe: Any, metadata: dict[str, Any]) -> SpamClassifier:
    blob = artifact.dumps(pipe, metadata)
    return artifact.loads(blob)


def spam_scores_of(clf: SpamClassifier, frame: pd.DataFrame) -> np.ndarray:
    """Spam scores of ``clf`` on ``frame``'s rows, shape ``(n,)``."""
    if not len(frame):
        return np.zeros(0)
    return clf.spam_scores(to_frame(frame).to_dict("records"))


def evaluation(y: np.ndarray, groups: np.ndarray, scores: dict[str, np.ndarray],
                thresholds: dict[str, dict[str, float]]) -> dict[str, Any]:
    return {name: evaluate_scores(y, s, thresholds[name], groups) for name, s in scores.items()}


def both_classes(y: np.ndarray) -> bool:
    return len(np.unique(y)) == 2
