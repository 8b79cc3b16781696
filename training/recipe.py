"""Named training recipes: pipeline parameters + sample weighting, fitted the same way everywhere
(``saring train``, out-of-source folds, the experiments in ``benchmarks/oos_experiment.py``)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from models.pipeline import build_pipeline

__all__ = ["RECIPES", "PriorModel", "apply_prior", "build_recipe", "fit_params", "fit_recipe", "source_weights"]

#: name → build_pipeline parameters plus ``weighting`` (see :func:`source_weights`).
RECIPES: dict[str, dict[str, Any]] = {
    # the model shipped before issue 9 (LinearSVC on word + char n-grams + metadata, unweighted)
    "old": {"classifier": "svm", "weighting": "none"},
    "svm_lex": {"classifier": "svm", "use_lexicon": True, "weighting": "none"},
    "svm_lex_sqrt": {"classifier": "svm", "use_lexicon": True, "weighting": "sqrt"},
    "svm_lex_equal": {"classifier": "svm", "use_lexicon": True, "weighting": "equal"},
    "svm_sqrt": {"classifier": "svm", "weighting": "sqrt"},
    # + the fixed lexicon prior of models.lexicon.PRIOR_LOGIT on the log-odds
    "svm_lex_prior": {"classifier": "svm", "use_lexicon": True, "weighting": "none", "prior": True},
}


class PriorModel:
    """A fitted pipeline plus the fixed lexicon log-odds prior (what ``SpamClassifier`` serves when
    ``metadata["lexicon_prior"]`` is set); ``predict_proba`` like the pipeline's."""

    def __init__(self, pipeline: Any, prior: dict[str, float]) -> None:
        self.pipeline = pipeline
        self.prior = prior

    def parts(self, X: pd.DataFrame) -> np.ndarray:
        """The learned spam score and the lexicon columns, shape ``(n, 1 + len(LEXICON_FEATURES))``:
        what any prior is applied to (:func:`apply_prior`)."""
        p = self.pipeline.predict_proba(X)[:, 1]
        ct = self.pipeline.named_steps["features"]
        lex = ct.named_transformers_["lexicon"]
        cols = [c for name, _, c in ct.transformers_ if name == "lexicon"][0]
        L = lex.transform(X[cols])
        L = L.toarray() if hasattr(L, "toarray") else np.asarray(L, dtype=np.float64)
        return np.column_stack([np.asarray(p, dtype=np.float64), L])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        q = apply_prior(self.parts(X), self.prior)
        return np.column_stack([1 - q, q])


def apply_prior(parts: np.ndarray, prior: dict[str, float] | None) -> np.ndarray:
    """Spam scores ``(n,)`` from :meth:`PriorModel.parts` output under the lexicon prior ``prior``."""
    from models.classifier import with_prior
    from models.lexicon import prior_logit

    return with_prior(parts[:, 0], prior_logit(parts[:, 1:], prior or {}))


def source_weights(datasets: np.ndarray, labels: np.ndarray, mode: str) -> np.ndarray | None:
    """Per-row sample weights balancing the sources.

    ``"none"``: ``None``. ``"sqrt"``: a data set of ``n_d`` rows weighs ``sqrt(n_max / n_d)`` per
    row. ``"equal"``: ``n_max / n_d`` (every data set weighs the same in total). Inside a data set
    the two classes keep their proportions. Weights are scaled to mean 1.
    """
    if mode == "none":
        return None
    counts = pd.Series(datasets).value_counts()
    n = counts.reindex(datasets).to_numpy(dtype=np.float64)
    if mode == "sqrt":
        w = np.sqrt(counts.max() / n)
    elif mode == "equal":
        w = counts.max() / n
    else:
        raise ValueError(f"unknown weighting {mode!r}")
    return w * (len(w) / w.sum())


def fit_params(recipe: str | dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``(build_pipeline params, weighting)`` of a recipe name or dict."""
    spec = dict(RECIPES[recipe] if isinstance(recipe, str) else recipe)
    spec.pop("prior", None)
    weighting = str(spec.pop("weighting", spec.pop("dataset_weighting", "none")))
    return spec, weighting


def build_recipe(recipe: str | dict[str, Any], **overrides: Any):  # type: ignore[no-untyped-def]
    """The recipe's unfitted pipeline (:func:`models.pipeline.build_pipeline`)."""
    params, _ = fit_params(recipe)
    params.update(overrides)
    return build_pipeline(**params)


def fit_recipe(recipe: str | dict[str, Any], frame: pd.DataFrame, y: np.ndarray, *, cached_features: bool = False,
               **overrides: Any):  # type: ignore[no-untyped-def]
    """Build and fit the recipe's pipeline on ``frame`` (with a ``dataset`` column for weights).

    ``cached_features``: read the stateless steps from the cache columns of ``frame``
    (:func:`training.featurecache.add_cached_features`) instead of recomputing them; the fitted
    model then expects those columns too (fold models only, never the artifact).
    """
    _, weighting = fit_params(recipe)
    pipe = build_recipe(recipe, **overrides)
    if cached_features:
        from training.featurecache import use_cached_features

        pipe = use_cached_features(pipe, frame.columns)
    w = source_weights(frame["dataset"].to_numpy().astype(str), np.asarray(y), weighting)
    pipe = pipe.fit(frame, y) if w is None else pipe.fit(frame, y, clf__sample_weight=w)
    spec = RECIPES[recipe] if isinstance(recipe, str) else recipe
    if spec.get("prior"):
        from models.lexicon import PRIOR_LOGIT

        return PriorModel(pipe, dict(PRIOR_LOGIT))
    return pipe
