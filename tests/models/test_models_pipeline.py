"""models.pipeline.build_pipeline and the classifier's fast paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from models.classifier import SpamClassifier
from models.comment import to_frame
from models.pipeline import build_pipeline


def test_build_pipeline_rejects_unknown_params() -> None:
    with pytest.raises(ValueError):
        build_pipeline(colour="blue")
    with pytest.raises(ValueError):
        build_pipeline(text_features="emoji")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"use_meta": False},
        {"text_features": "word"},
        {"classifier": "svm"},
        {"classifier": "cnb"},
        {"normalization": "basic"},
    ],
)
def test_pipeline_variants_fit_and_score(tiny_frame: pd.DataFrame, params: dict) -> None:
    pipe = build_pipeline(min_df=1, **params).fit(tiny_frame, tiny_frame["label"].to_numpy())
    proba = pipe.predict_proba(tiny_frame)[:, 1]
    assert proba.shape == (len(tiny_frame),)
    assert np.all((proba >= 0) & (proba <= 1))
    clf = SpamClassifier(pipe, {"thresholds": {"hold": 0.5, "reject": 0.9}})
    # the classifier's fast feature path and probability match the pipeline's
    X_fast = clf._features(tiny_frame)
    X_ref = sp.csr_matrix(pipe.named_steps["features"].transform(tiny_frame), dtype=np.float64)
    assert X_fast.dtype == np.float64 and X_fast.has_sorted_indices
    assert (X_fast != X_ref).nnz == 0  # the same values, not merely close ones
    assert np.allclose(clf.spam_scores(tiny_frame), proba, rtol=0, atol=1e-12)
    scored = clf.score(tiny_frame)
    assert len(scored) == len(tiny_frame)
    assert all(1 <= len(s.reasons) <= 5 for s in scored)


def test_score_matches_score_one(tiny_pipeline) -> None:  # type: ignore[no-untyped-def]
    clf = SpamClassifier(tiny_pipeline, {"thresholds": {"hold": 0.5, "reject": 0.9}})
    records = [{"content": "slot gacor"}, {"content": "thanks for the video"}]
    batch = clf.score(records)
    assert [clf.score_one(r) for r in records] == batch
    assert clf.score([]) == []
    assert clf.score(to_frame(records)) == batch
