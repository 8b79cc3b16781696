"""The spam-scoring scikit-learn pipeline.

Layout (all steps are plain scikit-learn or :mod:`models.features` classes, so the
fitted pipeline serialises with skops' trusted-type loading)::

    Pipeline
    ├─ features: ColumnTransformer
    │   ├─ text: Pipeline(TextNormalizer → FeatureUnion(word TF-IDF [, char_wb TF-IDF]))  on "content"
    │   ├─ meta: Pipeline(CommentSignals → QuantileClipScaler)                          on record columns
    │   ├─ metatok: Pipeline(MetaTokens → CountVectorizer(binary))                       on record columns
    │   └─ lexicon: LexiconSignals (spam-category terms, brand tokens, author fields)    on record columns
    └─ clf: CalibratedClassifierCV(LogisticRegression | LinearSVC | ComplementNB, sigmoid)

TF-IDF with sublinear term frequency (Salton & Buckley 1988, "Term-weighting approaches
in automatic text retrieval"); character n-grams within word boundaries (``char_wb``)
make the model robust to spelling variants (Cavnar & Trenkle 1994, "N-gram-based text
categorization"); sigmoid calibration of the margin (Platt 1999, "Probabilistic outputs
for support vector machines ..."); Complement Naive Bayes (Rennie et al., ICML 2003,
"Tackling the poor assumptions of naive Bayes text classifiers").
"""

from __future__ import annotations

from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from models.lexicon import LexiconSignals
from models.features import (
    CommentSignals,
    CompactCountVectorizer,
    CompactTfidfVectorizer,
    MetaTokens,
    QuantileClipScaler,
    TextNormalizer,
)

__all__ = ["DEFAULT_PARAMS", "build_pipeline"]

#: Parameters of the default (shipped) configuration; see :func:`build_pipeline`.
DEFAULT_PARAMS: dict[str, Any] = {
    "classifier": "logreg",
    "text_features": "word+char",
    "use_meta": True,
    "normalization": "full",
    "C": 4.0,
    "class_weight": None,
    "word_ngram_range": (1, 2),
    "char_ngram_range": (2, 5),
    "min_df": 2,
    "word_max_features": 40_000,
    "char_max_features": 60_000,
    "calibration": "sigmoid",
    "calibration_cv": 3,
    "random_state": 0,
    "use_lexicon": False,
}

_SIGNAL_COLUMNS = ["content", "author", "author_url", "permalink"]
_META_TOKEN_COLUMNS = ["content", "comment_type", "author_url", "author_email"]
_LEXICON_COLUMNS = ["content", "author", "author_url", "author_email"]


def _classifier(name: str, C: float, class_weight: Any, random_state: int):  # type: ignore[no-untyped-def]
    if name == "logreg":
        return LogisticRegression(
            C=C, solver="liblinear", class_weight=class_weight, max_iter=1000, random_state=random_state
        )
    if name == "svm":
        return LinearSVC(C=C / 8.0, class_weight=class_weight, random_state=random_state)
    if name == "cnb":
        return ComplementNB(alpha=0.3)
    raise ValueError(f"unknown classifier {name!r}; use 'logreg', 'svm' or 'cnb'")


def build_pipeline(**params: Any) -> Pipeline:
    """Build the (unfitted) spam-scoring pipeline.

    Input of ``fit``/``predict_proba``: the comment frame of
    :func:`models.comment.to_frame` (columns ``content``, ``author``, ``author_url``,
    ``author_email``, ``comment_type``, ``permalink`` are read). ``predict_proba(X)[:, 1]``
    is the calibrated spam probability (``spam_score``) in [0, 1], shape ``(n,)``.

    Keyword Args (defaults in :data:`DEFAULT_PARAMS`):
        classifier: ``"logreg"`` (LogisticRegression, liblinear), ``"svm"`` (LinearSVC)
            or ``"cnb"`` (ComplementNB).
        text_features: ``"word"`` or ``"word+char"`` (adds char_wb n-grams).
        use_meta: include :class:`CommentSignals` and :class:`MetaTokens` features.
        normalization: ``"full"`` or ``"basic"`` (see :class:`TextNormalizer`).
        C: inverse regularisation strength (LinearSVC gets ``C / 8``).
        class_weight: passed to the linear models (``None`` or ``"balanced"``).
        word_ngram_range, char_ngram_range: n-gram ranges (tuples).
        min_df: minimum document frequency of an n-gram (count).
        word_max_features, char_max_features: vocabulary caps (keep the artifact small).
        calibration: ``"sigmoid"`` (Platt) or ``"isotonic"``.
        calibration_cv: folds of the internal calibration split.
        random_state: seed for the calibration split and the solvers.
        use_lexicon: include :class:`models.lexicon.LexiconSignals` (spam-category lexicon,
            brand tokens, calls to action, author-field signals).

    Returns:
        An unfitted :class:`sklearn.pipeline.Pipeline` with steps ``features`` and ``clf``.

    Raises:
        ValueError: an unknown parameter name or value.
    """
    unknown = set(params) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"unknown pipeline parameter(s): {sorted(unknown)}")
    p = {**DEFAULT_PARAMS, **params}
    if p["text_features"] not in ("word", "word+char"):
        raise ValueError("text_features must be 'word' or 'word+char'")

    def tfidf(analyzer: str, ngram_range: Any, max_features: int) -> CompactTfidfVectorizer:
        return CompactTfidfVectorizer(analyzer=analyzer, lowercase=False, ngram_range=tuple(ngram_range),
                                      min_df=p["min_df"], max_features=max_features, sublinear_tf=True,
                                      dtype=_float32())

    text_union = [("word", tfidf("word", p["word_ngram_range"], p["word_max_features"]))]
    if p["text_features"] == "word+char":
        text_union.append(("char", tfidf("char_wb", p["char_ngram_range"], p["char_max_features"])))

    transformers: list[tuple[str, Any, Any]] = [
        (
            "text",
            Pipeline([("norm", TextNormalizer(mode=p["normalization"])), ("tfidf", FeatureUnion(text_union))]),
            "content",
        )
    ]
    if p["use_meta"]:
        transformers.append(
            ("meta", Pipeline([("signals", CommentSignals()), ("scale", QuantileClipScaler())]), _SIGNAL_COLUMNS)
        )
        transformers.append(
            (
                "metatok",
                Pipeline(
                    [
                        ("tokens", MetaTokens()),
                        (
                            "vec",
                            CompactCountVectorizer(
                                token_pattern=r"\S+", lowercase=False, binary=True, min_df=2, dtype=_float32()
                            ),
                        ),
                    ]
                ),
                _META_TOKEN_COLUMNS,
            )
        )
    if p["use_lexicon"]:
        transformers.append(("lexicon", LexiconSignals(), _LEXICON_COLUMNS))
    features = ColumnTransformer(transformers, sparse_threshold=1.0)
    base = _classifier(p["classifier"], float(p["C"]), p["class_weight"], int(p["random_state"]))
    clf = CalibratedClassifierCV(
        base,
        method=p["calibration"],
        cv=StratifiedKFold(int(p["calibration_cv"]), shuffle=True, random_state=int(p["random_state"])),
        ensemble=False,
    )
    return Pipeline([("features", features), ("clf", clf)])


def _float32():  # type: ignore[no-untyped-def]
    import numpy as np

    return np.float32
