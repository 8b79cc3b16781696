"""Fitting and scoring a retrain candidate: its recipe, out-of-fold thresholds, scores, evaluation."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from models import artifact
from models.classifier import SpamClassifier
from models.comment import to_frame
from models.pipeline import build_pipeline
from training.evaluate import choose_thresholds, evaluate_scores
from training.progress import Bar
from training.train import QUICK_PARAMS, RANDOM_STATE

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


def fit_pipeline(params: dict[str, Any], frame: pd.DataFrame, weights: np.ndarray) -> Any:
    pipe = build_pipeline(**params)
    y = frame["label"].to_numpy().astype(int)
    if np.all(weights == 1.0):
        return pipe.fit(to_frame(frame), y)
    return pipe.fit(to_frame(frame), y, clf__sample_weight=weights)


def oof_thresholds(params: dict[str, Any], frame: pd.DataFrame, weights: np.ndarray, folds: int,
                    bar: Bar) -> tuple[dict[str, float], np.ndarray]:
    """Thresholds from out-of-fold scores (``StratifiedGroupKFold`` on data set × label, groups =
    near-duplicate keys), as ``saring train`` chooses them. Returns ``(thresholds, oof scores)``."""
    y = frame["label"].to_numpy().astype(int)
    strata = pd.factorize(frame["dataset"].astype(str) + ":" + frame["label"].astype(str))[0]
    groups = pd.factorize(frame["_key"])[0]
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    oof = np.full(len(frame), np.nan)
    for tr, te in cv.split(frame, strata, groups):
        pipe = fit_pipeline(params, frame.iloc[tr], weights[tr])
        oof[te] = pipe.predict_proba(to_frame(frame.iloc[te]))[:, 1]
        bar.update(1)
    return choose_thresholds(y, oof), oof


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
