"""Fixtures for model tests: a tiny synthetic corpus and a pipeline fitted on it."""

from __future__ import annotations

import pandas as pd
import pytest

from models.comment import to_frame
from models.pipeline import build_pipeline

_HAM = [
    "Thanks for the tutorial, very clear explanation",
    "Great video, I learned a lot today",
    "Terima kasih pak, sangat membantu",
    "Mantap bang, ditunggu video selanjutnya",
    "I think the second example has a typo in line 3",
    "Kapan upload lagi kak? kangen",
    "This song reminds me of my childhood",
    "Semoga sehat selalu pak",
    "Nice explanation of list comprehensions",
    "Videonya bagus banget, lanjutkan",
    "Could you cover pandas groupby next time?",
    "Saya dari Jogja hadir",
]
_SPAM = [
    "slot gacor hari ini maxwin di PSTOTO99",
    "Daftar sekarang di s.id/pstoto99 bonus 100rb",
    "Check out my channel http://bit.ly/abc please subscribe",
    "togel online terpercaya wd berapapun dibayar",
    "judi online gampang menang, link di bio",
    "FREE entry to win cash prize text WIN to 80082",
    "𝐏𝐑𝟎𝐁𝐄𝟖𝟓𝟓 gacor parah",
    "s l o t  g a c o r  maxwin",
    "Visit www.cheap-pills.biz for discount viagra",
    "ѕlоt gасоr pasti jp",
    "Subscribe to my channel for free giftcards bit.ly/xyz",
    "KETIK DI GOOGLE: WISDOMTOTO freebet 100rb",
]


@pytest.fixture(scope="session")
def tiny_frame() -> pd.DataFrame:
    """24 comments (12 ham, 12 spam) with ``label``; columns of FEATURE_COLUMNS."""
    frame = to_frame([{"content": t} for t in _HAM + _SPAM])
    frame["label"] = [0] * len(_HAM) + [1] * len(_SPAM)
    return frame


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    """A small pipeline fitted on :func:`tiny_frame`."""
    pipe = build_pipeline(word_max_features=500, char_max_features=1000, min_df=1)
    return pipe.fit(tiny_frame, tiny_frame["label"].to_numpy())
