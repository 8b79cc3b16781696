"""The spam classifier the service calls: scores plus person-readable reasons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from models.comment import Records
from models.explain import MAX_REASONS, NO_SIGNALS, Explainer
from models.lang import comment_lang
from models.lexicon import prior_logit
from models.rowfeatures import FeaturePlan
from models.thresholds import resolve_thresholds

__all__ = ["MAX_REASONS", "NO_SIGNALS", "Scored", "SpamClassifier"]


@dataclass(frozen=True)
class Scored:
    """The classifier's verdict on one comment.

    Attributes:
        spam_score: calibrated probability that the comment is spam, in [0, 1].
        reasons: up to :data:`MAX_REASONS` short sentences for a person, most important
            first (e.g. ``'Gambling term "slot gacor"'``, ``'Link through URL shortener
            s.id'``); for ham, the strongest ham-leaning features or ``"No spam signals
            found"``.
    """

    spam_score: float
    reasons: list[str] = field(default_factory=list)


class SpamClassifier:
    """A fitted spam-scoring pipeline with its metadata.

    Args:
        pipeline: a fitted pipeline from :func:`models.pipeline.build_pipeline`.
        metadata: dict with ``thresholds`` (``{"hold": float, "reject": float}``),
            ``metrics``, ``trained_at``, ``data`` ... (see ``models/MODEL_CARD.md``).
        version: ``"<YYYYMMDD>-<first 12 hex of sha256>"`` of the artifact.
        sha256: hex digest of the artifact bytes.

    Attributes:
        version, sha256, metadata, pipeline: as given.
    """

    def __init__(
        self, pipeline: Pipeline, metadata: Mapping[str, Any], *, version: str = "", sha256: str = ""
    ) -> None:
        self.pipeline = pipeline
        self.metadata: dict[str, Any] = dict(metadata)
        self.version = version
        self.sha256 = sha256
        #: the artifact bytes this classifier was loaded from (``b""`` when built in memory)
        self.blob: bytes = b""
        self._explainer: Explainer | None = None
        self._lex_cols: np.ndarray | None = None
        self._plan: FeaturePlan | None = None

    def __repr__(self) -> str:
        return f"SpamClassifier(version={self.version!r})"

    @property
    def thresholds(self) -> dict[str, float]:
        """The pooled ``{"hold": float, "reject": float}`` (:data:`models.thresholds.FALLBACK` if absent);
        per-language ones: :func:`models.thresholds.resolve_thresholds`."""
        hold, reject = resolve_thresholds(self.metadata, "")
        return {"hold": hold, "reject": reject}

    # ------------------------------------------------------------------ scoring

    def _features(self, frame: pd.DataFrame) -> sp.csr_matrix:
        """Feature matrix, shape ``(n, n_features)``, float64 CSR.

        Equal to ``pipeline.named_steps["features"].transform(frame)`` (tested), but
        walks the fitted steps directly to skip scikit-learn's per-call input validation,
        which dominates the cost for a single comment.
        """
        return self._features_and_lexicon(frame)[0]

    def _features_and_lexicon(self, frame: Records | pd.DataFrame) -> tuple[sp.csr_matrix, np.ndarray | None]:
        """:meth:`_features` and the lexicon block of it (dense, ``(n, len(LEXICON_FEATURES))``;
        ``None`` when the pipeline has no lexicon), without slicing the sparse matrix again."""
        if self._plan is None:
            self._plan = FeaturePlan(self.pipeline.named_steps["features"])
        return self._plan.transform(frame)

    def _proba(self, X: sp.csr_matrix, lexicon: np.ndarray | None = None) -> np.ndarray:
        """Calibrated spam probability, shape ``(n,)``.

        Fast path for a linear model with Platt (sigmoid) calibration: ``1 / (1 +
        exp(a * (X w + b0) + b))``; otherwise ``CalibratedClassifierCV.predict_proba``.
        """
        clf = self.pipeline.named_steps["clf"]
        prior = self._prior(X, lexicon)
        ccs = getattr(clf, "calibrated_classifiers_", None)
        if ccs is not None and len(ccs) == 1:
            est = ccs[0].estimator
            cal = ccs[0].calibrators[0]
            if hasattr(est, "coef_") and hasattr(cal, "a_") and hasattr(cal, "b_") and est.coef_.shape[0] == 1:
                f = X @ est.coef_.ravel() + float(np.ravel(est.intercept_)[0])
                return 1.0 / (1.0 + np.exp(cal.a_ * f + cal.b_ - prior))
        return with_prior(np.asarray(clf.predict_proba(X)[:, 1], dtype=np.float64), prior)

    def _prior(self, X: sp.csr_matrix, lexicon: np.ndarray | None = None) -> np.ndarray:
        """The fixed lexicon log-odds prior (``metadata["lexicon_prior"]``) per row, else zeros;
        ``lexicon``: the lexicon block of ``X`` when the caller has it."""
        weights = self.metadata.get("lexicon_prior")
        if not weights:
            return np.zeros(X.shape[0])
        if lexicon is not None:
            return prior_logit(lexicon, weights)
        if self._lex_cols is None:
            names = self.pipeline.named_steps["features"].get_feature_names_out()
            self._lex_cols = np.flatnonzero(np.char.startswith(names.astype(str), "lexicon__"))
        return prior_logit(X[:, self._lex_cols], weights)

    def spam_scores(self, records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> np.ndarray:
        """Calibrated spam scores only (no reasons), shape ``(n,)``, in [0, 1]."""
        frame = Records.of(records)
        if frame.n == 0:
            return np.zeros(0)
        return self._proba(*self._features_and_lexicon(frame))

    def score(self, records: Iterable[Mapping[str, Any]] | pd.DataFrame, hold: float | None = None) -> list[Scored]:
        """Score comment records (mappings with the keys of ``FEATURE_COLUMNS``).

        Reasons are spam-ward when the score reaches the hold threshold that decides the
        comment: ``hold`` when given (a site's override), else the model's for the record's
        language (:func:`models.thresholds.resolve_thresholds`).

        Returns:
            One :class:`Scored` per record, in order.
        """
        frame = Records.of(records)
        if frame.n == 0:
            return []
        X, lexicon = self._features_and_lexicon(frame)
        scores = self._proba(X, lexicon)
        explainer = self._get_explainer()
        out = []
        for i, score in enumerate(scores):
            rec = frame.row(i)
            h = hold if hold is not None else resolve_thresholds(
                self.metadata, comment_lang(str(rec["lang"]), str(rec["content"])))[0]
            reasons = explainer.reasons(X if X.shape[0] == 1 else X[i], rec, spam=bool(score >= h))
            out.append(Scored(float(score), reasons))
        return out

    def score_one(self, record: Mapping[str, Any], hold: float | None = None) -> Scored:
        """Score one comment record; see :meth:`score`."""
        return self.score([record], hold=hold)[0]

    def _get_explainer(self) -> "Explainer":
        if self._explainer is None:
            self._explainer = Explainer(self.pipeline, self.metadata.get("lexicon_prior") or {})
        return self._explainer


def with_prior(p: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """``sigmoid(logit(p) + prior)``."""
    if not np.any(prior):
        return p
    q = np.clip(p, 1e-12, 1 - 1e-12)
    return 1.0 / (1.0 + np.exp(-(np.log(q / (1 - q)) + prior)))
