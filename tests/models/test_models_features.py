"""models.features and models.comment: transformer conventions and outputs."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    parametrize_with_checks,
)

from models.comment import FEATURE_COLUMNS, to_frame
from models.features import (
    SIGNAL_NAMES,
    CommentSignals,
    CompactTfidfVectorizer,
    MetaTokens,
    QuantileClipScaler,
    TextNormalizer,
)


@parametrize_with_checks([QuantileClipScaler(), QuantileClipScaler(quantile=0.5, clip=3.0)])
def test_numeric_transformer_passes_sklearn_checks(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


# The text/record transformers take strings or DataFrames, which the generic checks
# (numeric 2-D arrays) cannot feed; the API checks that do not need input apply.
@pytest.mark.parametrize("estimator", [TextNormalizer(), CommentSignals(), MetaTokens()], ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    "check",
    [check_no_attributes_set_in_init, check_parameters_default_constructible, check_get_params_invariance, check_set_params],
    ids=lambda c: c.__name__,
)
def test_text_transformers_api_checks(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(type(estimator).__name__, estimator)


def test_to_frame_fills_and_orders_columns() -> None:
    frame = to_frame([{"content": "hi", "author": None, "extra": 1}, {"user_ip": 3}])
    assert list(frame.columns) == FEATURE_COLUMNS
    assert frame.shape == (2, len(FEATURE_COLUMNS))
    assert frame.loc[0, "author"] == "" and frame.loc[1, "user_ip"] == "3"
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
    assert to_frame(frame).equals(frame)


def test_text_normalizer() -> None:
    tn = TextNormalizer().fit(["x"])
    out = tn.transform(pd.Series(["ѕlоt  GACOR", None]))
    assert out.shape == (2,) and out[0] == "slot gacor" and out[1] == ""
    assert TextNormalizer(mode="basic").fit(["x"]).transform(["ѕlоt"])[0] == "ѕlоt"
    with pytest.raises(ValueError):
        TextNormalizer(mode="nope").fit(["x"])
    assert clone(tn).get_params() == {"mode": "full"}


def test_comment_signals() -> None:
    frame = to_frame(
        [
            {"content": "ѕlоt gасоr s l o t bit.ly/x http://a.com", "author": "𝐁𝐎𝐓"},
            {"content": "Terima kasih pak"},
        ]
    )
    sig = CommentSignals().fit(frame)
    X = sig.transform(frame)
    assert X.shape == (2, len(SIGNAL_NAMES))
    row = dict(zip(SIGNAL_NAMES, X[0]))
    assert row["n_links"] == pytest.approx(np.log1p(2))
    assert row["has_shortener"] == 1.0
    assert row["lookalike_share"] > 0.15  # 5 look-alikes of 27 alphanumerics
    assert row["spaced_runs"] > 0
    assert row["author_lookalike_share"] == 1.0
    assert X[1, SIGNAL_NAMES.index("lookalike_share")] == 0.0
    # only a content column: others count as empty
    assert CommentSignals().fit_transform(pd.DataFrame({"content": ["x"]})).shape == (1, len(SIGNAL_NAMES))
    assert list(sig.get_feature_names_out()) == SIGNAL_NAMES


def test_untyped_comment_gets_no_type_token() -> None:
    """An empty comment_type adds no token, so typed and untyped comments differ only by the type."""
    (tokens,) = MetaTokens().fit(to_frame([{"content": "hello"}])).transform(to_frame([{"content": "hello"}]))
    assert tokens.split() == ["meta"]


def test_meta_tokens() -> None:
    frame = to_frame(
        [
            {
                "content": "see s.id/abc and https://www.example.com",
                "comment_type": "comment",
                "author_url": "http://spam.example.net",
                "author_email": "bot@mail.ru",
            }
        ]
    )
    (tokens,) = MetaTokens().fit(frame).transform(frame)
    assert tokens.split() == [
        "meta",
        "ctype_comment",
        "linkdom_s_id",
        "linkdom_example_com",
        "linkshort",
        "authdom_example_net",
        "maildom_mail_ru",
    ]


def test_compact_vectorizer_serialises_vocabulary_compactly() -> None:
    docs = ["slot gacor hari ini", "terima kasih pak", "slot online", " spaced  "]
    vec = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(docs)
    state = vec.__getstate__()
    assert "vocabulary_" not in state and state["terms_"].dtype.kind == "U"
    for restored in (
        pickle.loads(pickle.dumps(vec)),
        sio.loads(sio.dumps(vec), trusted=sio.get_untrusted_types(data=sio.dumps(vec))),
    ):
        assert restored.vocabulary_ == vec.vocabulary_
        assert (restored.transform(docs) != vec.transform(docs)).nnz == 0
