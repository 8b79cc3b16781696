"""scikit-learn transformers for comment features.

All follow the scikit-learn estimator conventions: ``__init__`` only stores its
parameters, ``fit`` returns ``self``, learned state ends in ``_``. Text transformers
take a 1-D sequence of strings (a ``content`` column); record transformers take the
comment frame of :func:`models.comment.to_frame` (or any DataFrame with a subset of its
columns; missing columns count as empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted, validate_data

from models.caches import text_cache
from models.comment import Records
from models.text import (
    MAX_TEXT_CHARS,
    extract_links,
    find_spaced_runs,
    lookalike_stats,
    normalize_text,
    registered_domain,
)

__all__ = [
    "SIGNAL_NAMES",
    "CommentSignals",
    "CompactCountVectorizer",
    "CompactTfidfVectorizer",
    "MetaTokens",
    "QuantileClipScaler",
    "TextNormalizer",
]


def column_of(X: Any, name: str) -> list[str]:
    """Column ``name`` of a DataFrame/mapping as a list of str ("" when absent)."""
    if isinstance(X, pd.DataFrame):
        if name not in X.columns:
            return [""] * len(X)
        return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in X[name]]
    if isinstance(X, Records):
        return X[name] if name in X else [""] * X.n
    raise TypeError(f"expected a pandas DataFrame of comment records, got {type(X).__name__}")


def _texts(X: Any) -> list[str]:
    """1-D text input (Series, list, 1-D array, or a frame with ``content``) as strings."""
    if isinstance(X, pd.DataFrame):
        if "content" in X.columns:
            return column_of(X, "content")
        if X.shape[1] == 1:
            X = X.iloc[:, 0]
        else:
            raise ValueError("TextNormalizer expects one text column (or a 'content' column)")
    if isinstance(X, str):
        raise ValueError("expected a sequence of strings, got a single str")
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in X]


class StringInputMixin:
    """scikit-learn tags of a stateless transformer that takes a column of strings (or records),
    not a 2-D numeric array."""

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags


class TextNormalizer(StringInputMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Normalise comment texts with :func:`models.text.normalize_text`.

    Stateless. Input: 1-D sequence of ``n`` strings. Output: ``numpy`` object array of
    shape ``(n,)`` with the normalised strings (feed it to a ``TfidfVectorizer``).

    Parameters:
        mode: ``"full"`` (all of :func:`normalize_text`) or ``"basic"`` (only
            lower-casing; the ablation baseline that shows what normalisation adds).
    """

    def __init__(self, mode: str = "full") -> None:
        self.mode = mode

    def fit(self, X: Sequence[str], y: Any = None) -> "TextNormalizer":
        """Check ``mode``; learn nothing. Returns ``self``."""
        if self.mode not in ("full", "basic"):
            raise ValueError(f"mode must be 'full' or 'basic', got {self.mode!r}")
        self.n_features_in_ = 1
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        """Normalised texts, shape ``(n,)``, dtype object."""
        check_is_fitted(self, "n_features_in_")
        texts = _texts(X)
        if self.mode == "basic":
            return np.asarray([t.lower() for t in texts], dtype=object)
        return np.asarray([normalize_text(t) for t in texts], dtype=object)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """One output "feature": ``["content"]``."""
        return np.asarray(["content"], dtype=object)



#: Output columns of :class:`CommentSignals`, in order.
SIGNAL_NAMES: list[str] = [
    "n_links",
    "has_shortener",
    "lookalike_share",
    "non_ascii_share",
    "spaced_runs",
    "digit_ratio",
    "upper_ratio",
    "log_length",
    "has_phone",
    "author_lookalike_share",
    "author_has_url",
    "author_url_mismatch",
]


def _signals_row(text: str, author: str, author_url: str, permalink: str) -> tuple[float, ...]:
    """One row of :class:`CommentSignals` (memoised on the prefix it reads and the length)."""
    # bound the work on adversarially long input: only the first MAX_TEXT_CHARS are read
    return _signals_row_cached(text[:MAX_TEXT_CHARS], len(text), author, author_url, permalink)


@text_cache(max_chars=3_600_000)
def _signals_row_cached(text: str, length: int, author: str, author_url: str, permalink: str) -> tuple[float, ...]:
    links = extract_links(text) if text else []
    n_alnum, n_look, n_non_ascii = lookalike_stats(text)
    nonspace = len(text) - sum(map(str.isspace, text))
    letters = sum(map(str.isalpha, text))
    upper = sum(map(str.isupper, text))
    digits = sum(map(str.isdigit, text))
    spaced = len(find_spaced_runs(text)) if text else 0
    norm = normalize_text(text)
    a_alnum, a_look, _ = lookalike_stats(author[:1000])
    adom = registered_domain(author_url) if author_url else ""
    pdom = registered_domain(permalink) if permalink else ""
    return (
        float(np.log1p(len(links))),
        float(any(link.shortener for link in links)),
        n_look / n_alnum if n_alnum else 0.0,
        n_non_ascii / nonspace if nonspace else 0.0,
        float(np.log1p(spaced)),
        digits / nonspace if nonspace else 0.0,
        upper / letters if letters else 0.0,
        float(np.log1p(length)),
        float("phonex" in norm),
        a_look / a_alnum if a_alnum else 0.0,
        float(bool(author_url.strip())),
        float(bool(adom and pdom and adom != pdom)),
    )


class CommentSignals(StringInputMixin, TransformerMixin, BaseEstimator):
    """Numeric metadata signals of comment records (stateless).

    Input: comment frame (``content``, ``author``, ``author_url`` ...). Output: float
    array of shape ``(n, len(SIGNAL_NAMES))``, columns :data:`SIGNAL_NAMES`:

    - ``n_links``: ``log1p`` of the number of links in the content;
    - ``has_shortener``: 1 when a link goes through a known URL shortener;
    - ``lookalike_share``: look-alike letters / alphanumerics (see
      :func:`models.text.lookalike_stats`), in [0, 1];
    - ``non_ascii_share``: non-ASCII non-space characters / non-space characters;
    - ``spaced_runs``: ``log1p`` of the number of spaced-out letter runs;
    - ``digit_ratio``: digits / non-space characters;
    - ``upper_ratio``: upper-case letters / letters;
    - ``log_length``: ``log1p`` of the content length in characters;
    - ``has_phone``: 1 when a run of 9+ digits (phone / WhatsApp number) occurs;
    - ``author_lookalike_share``: ``lookalike_share`` of the author name;
    - ``author_has_url``: 1 when ``author_url`` is set;
    - ``author_url_mismatch``: 1 when ``author_url``'s domain differs from
      ``permalink``'s (both set).
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> "CommentSignals":
        """Learn nothing (records ``n_features_in_``). Returns ``self``."""
        self.n_features_in_ = len(X.columns) if isinstance(X, pd.DataFrame) else 1
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Signals, shape ``(n, 12)``, float64."""
        check_is_fitted(self, "n_features_in_")
        contents = column_of(X, "content")
        authors = column_of(X, "author")
        author_urls = column_of(X, "author_url")
        permalinks = column_of(X, "permalink")
        out = np.zeros((len(contents), len(SIGNAL_NAMES)), dtype=np.float64)
        for i, (text, author, aurl, perma) in enumerate(zip(contents, authors, author_urls, permalinks)):
            out[i] = self._row(text, author, aurl, perma)
        return out

    @staticmethod
    def _row(text: str, author: str, author_url: str, permalink: str) -> tuple[float, ...]:
        return _signals_row(text, author, author_url, permalink)


    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """:data:`SIGNAL_NAMES` as an object array."""
        return np.asarray(SIGNAL_NAMES, dtype=object)



class MetaTokens(StringInputMixin, TransformerMixin, BaseEstimator):
    """Categorical metadata of comment records as one token string per row (stateless).

    Input: comment frame. Output: object array of shape ``(n,)``; each string holds
    space-separated tokens (feed to ``CountVectorizer(token_pattern=r"\\S+")``):
    ``meta`` on every row, ``ctype_<comment_type>`` (none when empty), ``linkdom_<domain>`` per link domain in the
    content, ``linkshort`` for a shortener, ``authdom_<domain>`` for ``author_url``,
    ``maildom_<domain>`` for ``author_email``. Dots in domains become ``_``.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> "MetaTokens":
        """Learn nothing. Returns ``self``."""
        self.n_features_in_ = len(X.columns) if isinstance(X, pd.DataFrame) else 1
        return self

    @staticmethod
    def _tok(prefix: str, domain: str) -> str:
        return prefix + domain.replace(".", "_").replace("-", "_")

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Token strings, shape ``(n,)``, dtype object."""
        check_is_fitted(self, "n_features_in_")
        out = []
        for text, ctype, aurl, email in zip(
            column_of(X, "content"), column_of(X, "comment_type"), column_of(X, "author_url"), column_of(X, "author_email")
        ):
            # "meta" on every row keeps the vocabulary non-empty; no token for an empty type, so a
            # typed comment does not look unusual to a model trained on untyped rows
            ctype = ctype.strip().lower().replace(" ", "_")
            toks = ["meta"] + (["ctype_" + ctype] if ctype else [])
            links = extract_links(text) if text else []
            for dom in dict.fromkeys(link.domain for link in links):
                toks.append(self._tok("linkdom_", dom))
            if any(link.shortener for link in links):
                toks.append("linkshort")
            if aurl.strip():
                dom = registered_domain(aurl)
                if dom:
                    toks.append(self._tok("authdom_", dom))
            if "@" in email:
                dom = registered_domain(email.rsplit("@", 1)[1])
                if dom:
                    toks.append(self._tok("maildom_", dom))
            out.append(" ".join(toks))
        return np.asarray(out, dtype=object)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """One output "feature": ``["meta_tokens"]``."""
        return np.asarray(["meta_tokens"], dtype=object)



class QuantileClipScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale each numeric column by a high quantile of its absolute values, then clip.

    ``fit`` learns ``scale_`` (shape ``(n_features,)``): the ``quantile`` of ``|x|`` per
    column (the column maximum when that quantile is 0; 1 when the column is all 0).
    ``transform`` returns ``clip(x / scale_, -clip, clip)``: bounded, outlier-robust
    inputs for a linear model, non-negative inputs stay non-negative (ComplementNB).

    Parameters:
        quantile: in (0, 1].
        clip: bound of the output, > 0.
    """

    def __init__(self, quantile: float = 0.99, clip: float = 1.0) -> None:
        self.quantile = quantile
        self.clip = clip

    def fit(self, X: Any, y: Any = None) -> "QuantileClipScaler":
        """Learn ``scale_`` from ``X`` of shape ``(n_samples, n_features)``.

        Raises:
            ValueError: invalid ``quantile``/``clip``, non-finite or non-2-D input.
        """
        if not 0.0 < float(self.quantile) <= 1.0:
            raise ValueError(f"quantile must be in (0, 1], got {self.quantile!r}")
        if not float(self.clip) > 0.0:
            raise ValueError(f"clip must be > 0, got {self.clip!r}")
        X = validate_data(self, X, dtype=np.float64, reset=True)
        absx = np.abs(X)
        scale = np.quantile(absx, self.quantile, axis=0)
        maxes = absx.max(axis=0)
        scale = np.where(scale > 0, scale, maxes)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scaled and clipped copy of ``X``, shape ``(n_samples, n_features)``."""
        check_is_fitted(self, "scale_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.clip(X / self.scale_, -self.clip, self.clip)


class _CompactVocabularyMixin:
    """Store ``vocabulary_`` as a NumPy unicode array when serialised.

    A fitted vectorizer's vocabulary is a ``dict`` of up to ~10^5 entries; skops writes
    a dict key by key into its JSON schema (tens of MB, seconds to load). This mixin
    swaps it for one ``<U`` array (terms in column order, stored as ``.npy`` inside the
    skops zip) in ``__getstate__`` and rebuilds the dict in ``__setstate__``. Fitting and
    transforming are unchanged.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # type: ignore[misc]  # copy: may be __dict__ itself
        vocab = state.pop("vocabulary_", None)
        if vocab is not None:
            terms = [""] * len(vocab)
            for term, idx in vocab.items():
                terms[idx] = term
            state["terms_"] = np.asarray(terms, dtype=str)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        terms = state.pop("terms_", None)
        super().__setstate__(state)  # type: ignore[misc]
        if terms is not None:
            self.vocabulary_ = {str(t): i for i, t in enumerate(terms.tolist())}


class CompactTfidfVectorizer(_CompactVocabularyMixin, TfidfVectorizer):
    """:class:`sklearn.feature_extraction.text.TfidfVectorizer` with a compact
    serialised vocabulary (see :class:`_CompactVocabularyMixin`); same parameters,
    input (1-D strings) and output (sparse ``(n, n_terms)``)."""


class CompactCountVectorizer(_CompactVocabularyMixin, CountVectorizer):
    """:class:`sklearn.feature_extraction.text.CountVectorizer` with a compact
    serialised vocabulary; same parameters, input and output."""
