"""The fitted feature ColumnTransformer, resolved once into plain functions for the scoring path.

``FeaturePlan(ct).transform(records)`` equals ``ct.transform(frame)`` (same values, same dtype per
block, tested) but skips what costs more than one comment's features: scikit-learn's per-call input
validation and output wrappers, the vectorizers' analyzer rebuilt on every call, a sparse matrix
per block stacked twice (the text FeatureUnion, then the ColumnTransformer).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l1, inplace_csr_row_normalize_l2

from models.comment import Records
from models.features import CommentSignals, MetaTokens, QuantileClipScaler
from models.lexicon import LexiconSignals

__all__ = ["FeaturePlan", "hstack_csr"]

#: Transformers that read their columns by name from the whole record set (no column subset needed).
_RECORD_TRANSFORMERS = (CommentSignals, MetaTokens, LexiconSignals)

#: A step's output: one block (CSR matrix or dense 2-D array) or, for a FeatureUnion, a list of them.
Output = Any


class FeaturePlan:
    """A fitted :class:`~sklearn.compose.ColumnTransformer`'s transform as a list of resolved steps.

    Args:
        ct: the fitted ``features`` step of :func:`models.pipeline.build_pipeline`.

    Attributes:
        steps: ``(name, columns, transform)`` per transformer that is not dropped.
    """

    def __init__(self, ct: ColumnTransformer) -> None:
        self.steps: list[tuple[str, Any, Callable[[Any], Output]]] = []
        for name, trans, cols in ct.transformers_:
            if isinstance(trans, str) or name == "remainder":
                continue
            self.steps.append((name, cols, _compile(trans)))

    def transform(self, frame: Records | pd.DataFrame) -> tuple[sp.csr_matrix, np.ndarray | None]:
        """The feature matrix (float64 CSR, sorted indices) and its lexicon block (dense float64,
        ``None`` when there is no ``lexicon`` step)."""
        blocks: list[Any] = []
        lexicon = None
        for name, cols, fn in self.steps:
            if isinstance(cols, str):
                X: Any = list(frame[cols]) if isinstance(frame, Records) else frame[cols].tolist()
            elif _reads_records(fn):
                X = frame  # they read their columns by name: skip the column-subset copy
            else:
                X = pd.DataFrame({c: frame[c] for c in cols}) if isinstance(frame, Records) else frame[cols]
            out = fn(X)
            if name == "lexicon":
                lexicon = out.toarray() if sp.issparse(out) else np.asarray(out, dtype=np.float64)
            blocks.extend(out if isinstance(out, list) else [out])
        return hstack_csr(blocks), lexicon


def _reads_records(fn: Callable[[Any], Output]) -> bool:
    return bool(getattr(fn, "reads_records", False))


def _compile(trans: Any) -> Callable[[Any], Output]:
    """``trans.transform`` of a fitted step as a function; vectorizers, pipelines, unions and our
    scaler without scikit-learn's validation wrappers (same result)."""
    if isinstance(trans, Pipeline):
        fns = [_compile(step) for _, step in trans.steps if step is not None and step != "passthrough"]

        def chain(X: Any) -> Output:
            for fn in fns:
                X = fn(X)
            return X

        first = next((s for _, s in trans.steps if s is not None and s != "passthrough"), None)
        chain.reads_records = isinstance(first, _RECORD_TRANSFORMERS)  # type: ignore[attr-defined]
        return chain
    if isinstance(trans, FeatureUnion):
        parts = [_compile(t) for _, t in trans.transformer_list if not (isinstance(t, str) and t == "drop")]

        def union(X: Any) -> Output:
            out: list[Any] = []
            for fn in parts:
                block = fn(X)
                out.extend(block if isinstance(block, list) else [block])
            return out

        return union
    if isinstance(trans, CountVectorizer):  # TfidfVectorizer too
        return _VectorizerTransform(trans)
    if isinstance(trans, QuantileClipScaler):
        scale, clip = trans.scale_, trans.clip
        return lambda X: np.clip(np.asarray(X, dtype=np.float64) / scale, -clip, clip)
    fn = trans.transform
    if isinstance(trans, _RECORD_TRANSFORMERS):
        return _RecordTransform(fn)
    return fn


class _RecordTransform:
    """``transform`` of a record transformer, marked as reading whole records."""

    reads_records = True

    def __init__(self, fn: Callable[[Any], Output]) -> None:
        self.fn = fn

    def __call__(self, X: Any) -> Output:
        return self.fn(X)


class _VectorizerTransform:
    """``vec.transform(docs)`` of a fitted Count/TfidfVectorizer with its analyzer built once and the
    n-grams counted by :class:`collections.Counter`: the same CSR matrix (vocabulary columns, sorted
    indices, ``vec.dtype``; tf-idf in that dtype, as :class:`~sklearn.feature_extraction.text.TfidfTransformer`
    computes it)."""

    def __init__(self, vec: CountVectorizer) -> None:
        self.vec = vec
        self.analyze = vec.build_analyzer()
        self.vocabulary = vec.vocabulary_
        self.width = len(vec.vocabulary_)
        self.tfidf = vec._tfidf if isinstance(vec, TfidfVectorizer) else None

    def counts(self, docs: Any) -> sp.csr_matrix:
        """``CountVectorizer.transform(vec, docs)``."""
        if isinstance(docs, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        get = self.vocabulary.get
        cols, vals, ends = [], [], [0]
        for doc in docs:
            grams = Counter(self.analyze(doc))
            j = np.fromiter(map(get, grams, itertools.repeat(-1)), dtype=np.int64, count=len(grams))
            k = np.fromiter(grams.values(), dtype=np.int64, count=len(grams))
            known = j >= 0
            j, k = j[known], k[known]
            order = np.argsort(j)
            cols.append(j[order])
            vals.append(k[order])
            ends.append(ends[-1] + j.size)
        indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        data = np.concatenate(vals) if vals else np.zeros(0, dtype=np.int64)
        if self.vec.binary:
            data = np.ones_like(data)
        idx_dtype = np.int32 if max(self.width, data.size) < 2**31 else np.int64
        X = sp.csr_matrix((data.astype(self.vec.dtype), indices.astype(idx_dtype), np.asarray(ends, dtype=idx_dtype)),
                          shape=(len(ends) - 1, self.width))
        X.has_sorted_indices = True
        return X

    def __call__(self, docs: Any) -> sp.csr_matrix:
        X = self.counts(docs)
        tf = self.tfidf
        if tf is None:
            return X
        if X.dtype not in (np.float64, np.float32):
            X = X.astype(np.float64)
        if tf.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        if hasattr(tf, "idf_"):
            X.data *= tf.idf_[X.indices]
        if tf.norm == "l2":
            inplace_csr_row_normalize_l2(X)
        elif tf.norm == "l1":
            inplace_csr_row_normalize_l1(X)
        return X


def hstack_csr(blocks: list[Any]) -> sp.csr_matrix:
    """``scipy.sparse.hstack(blocks, format="csr", dtype=float64)`` for blocks of equal row count
    that are CSR matrices or dense 2-D arrays, without converting each dense block to CSR first
    (that conversion and the generic stacking cost more than a single comment's features)."""
    n = blocks[0].shape[0]
    rows, cols, vals = [], [], []
    offset = 0
    for b in blocks:
        if sp.issparse(b):
            b = b.tocsr()
            if n > 1:
                rows.append(np.repeat(np.arange(n), np.diff(b.indptr)))
            cols.append(b.indices.astype(np.int64) + offset)
            vals.append(b.data.astype(np.float64, copy=False))
        else:
            b = np.asarray(b, dtype=np.float64).reshape(n, -1)
            r, c = np.nonzero(b)
            if n > 1:
                rows.append(r)
            cols.append(c + offset)
            vals.append(b[r, c])
        offset += b.shape[1]
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    indptr = np.zeros(n + 1, dtype=np.int64)
    if n > 1:
        r = np.concatenate(rows)
        order = np.argsort(r, kind="stable")  # blocks are in column order: a stable sort by row keeps columns sorted
        c, v = c[order], v[order]
        np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    else:
        indptr[1] = v.size
    idx_dtype = np.int32 if max(offset, len(v)) < 2**31 else np.int64
    out = sp.csr_matrix((v, c.astype(idx_dtype), indptr.astype(idx_dtype)), shape=(n, offset))
    out.has_sorted_indices = True
    return out
