"""Stateless per-row features computed once and shared by the fold fits of ``saring train``.

The pipeline's record transformers :class:`models.features.TextNormalizer`,
:class:`models.features.CommentSignals`, :class:`models.features.MetaTokens` and
:class:`models.lexicon.LexiconSignals` learn nothing in ``fit``: each output row is a function
of its input row only. The out-of-source and pooled folds used to recompute them on every fold
(each row about ten times). :func:`add_cached_features` computes them once for all rows, as
extra columns of the frame; :func:`use_cached_features` rewrites a built pipeline so that each
such step becomes ``"passthrough"`` on those columns. Everything fitted — vocabularies and idf
of the tf-idf vectorizers, the meta-token vocabulary, the quantile scaler, the classifier and
its calibration — is still fitted per fold on that fold's training rows only, so nothing of a
held-out row reaches its model. The fold predictions are the same numbers as without the cache
(``tests/training/test_training_oos.py``).

Only the fold models use the cache; the refit that becomes the artifact is the plain pipeline.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from models.features import CommentSignals, MetaTokens, TextNormalizer
from models.lexicon import LexiconSignals

__all__ = ["PREFIX", "add_cached_features", "use_cached_features"]

#: Name prefix of the cache columns.
PREFIX = "_fc_"
_STATELESS = (TextNormalizer, CommentSignals, MetaTokens, LexiconSignals)


def _key(name: str, est: Any) -> str:
    """Cache key of a stateless step: its ColumnTransformer entry and its parameters."""
    params = repr(sorted(est.get_params(deep=False).items()))
    return f"{PREFIX}{name}_{type(est).__name__}_{hashlib.sha1(params.encode()).hexdigest()[:8]}"


def _stateless_entries(pipe: Pipeline) -> Iterable[tuple[int, str, Any, Any, bool]]:
    """``(position, name, stateless step, columns, inside a Pipeline)`` of the feature transformers."""
    ct = pipe.named_steps["features"]
    for pos, (name, trans, cols) in enumerate(ct.transformers):
        if isinstance(trans, _STATELESS):
            yield pos, name, trans, cols, False
        elif isinstance(trans, Pipeline) and isinstance(trans.steps[0][1], _STATELESS):
            yield pos, name, trans.steps[0][1], cols, True


def _columns(key: str, out: np.ndarray) -> dict[str, np.ndarray]:
    if out.ndim == 1:
        return {key: out}
    return {f"{key}_{j}": out[:, j] for j in range(out.shape[1])}


def _compute(frame: pd.DataFrame, specs: list[tuple[str, Any, Any]]) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {}
    for key, est, sel in specs:
        X = frame[sel]
        cols.update(_columns(key, np.asarray(est.fit(X).transform(X))))
    return pd.DataFrame(cols, index=frame.index)


def add_cached_features(frame: pd.DataFrame, pipes: Iterable[Pipeline], n_jobs: int = 1) -> pd.DataFrame:
    """``frame`` plus one column per output column of every stateless step of ``pipes``
    (unfitted :func:`models.pipeline.build_pipeline` results), computed once for all rows;
    ``n_jobs`` row chunks at once (joblib)."""
    specs: dict[str, tuple[str, Any, Any]] = {}
    for pipe in pipes:
        for _, name, est, cols, _ in _stateless_entries(pipe):
            specs.setdefault(_key(name, est), (_key(name, est), est, cols))
    todo = list(specs.values())
    if not todo:
        return frame
    needed = sorted({c for _, _, sel in todo for c in ([sel] if isinstance(sel, str) else sel)})
    base = frame[needed]
    if n_jobs == 1 or len(frame) < 2_000:
        parts = [_compute(base, todo)]
    else:
        from joblib import Parallel, delayed

        chunks = np.array_split(np.arange(len(base)), n_jobs)
        parts = Parallel(n_jobs=n_jobs)(delayed(_compute)(base.iloc[ix], todo) for ix in chunks if len(ix))
    return pd.concat([frame, pd.concat(parts)], axis=1)


def use_cached_features(pipe: Pipeline, columns: Iterable[str]) -> Pipeline:
    """``pipe`` (unfitted) with each stateless step read from the cache columns of
    :func:`add_cached_features` (``columns``: the frame's columns); steps without cache columns
    stay as they are."""
    have = set(columns)
    ct = pipe.named_steps["features"]
    transformers = list(ct.transformers)
    for pos, name, est, _, nested in _stateless_entries(pipe):
        key = _key(name, est)
        if key in have:
            sel: Any = key
        else:
            sel = sorted((c for c in have if c.startswith(key + "_") and c[len(key) + 1:].isdigit()),
                         key=lambda c: int(c.rsplit("_", 1)[1]))
            if not sel:
                continue
        trans = transformers[pos][1]
        if nested:
            trans = Pipeline([(trans.steps[0][0], "passthrough"), *trans.steps[1:]])
        else:
            trans = "passthrough"
        transformers[pos] = (name, trans, sel)
    ct.set_params(transformers=transformers)
    return pipe
