"""The comment record the classifier sees (see docs/interfaces.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

#: Keys of a comment record, in column order. Missing keys are treated as "".
FEATURE_COLUMNS: list[str] = [
    "content",
    "author",
    "author_email",
    "author_url",
    "comment_type",
    "user_agent",
    "user_ip",
    "referrer",
    "permalink",
    "lang",
]


def _as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def to_frame(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Turn comment records into the classifier's input frame.

    Args:
        records: an iterable of mappings (dicts, pandas rows) with any of the keys in
            :data:`FEATURE_COLUMNS`, or a DataFrame. Unknown keys are ignored; missing
            keys, ``None`` and NaN become ``""``; every value is converted with ``str``.

    Returns:
        A DataFrame of shape ``(n_records, len(FEATURE_COLUMNS))`` with exactly the
        columns of :data:`FEATURE_COLUMNS` in that order, every column of pandas
        ``str`` dtype (no missing values), and a fresh ``RangeIndex``.
    """
    if isinstance(records, pd.DataFrame):
        rows = records.to_dict("records")
    else:
        rows = list(records)
    data = {
        col: [_as_str(row.get(col, "")) if hasattr(row, "get") else "" for row in rows]
        for col in FEATURE_COLUMNS
    }
    frame = pd.DataFrame(data, columns=FEATURE_COLUMNS, dtype="str")
    return frame


class Records(dict):
    """Comment records by column — ``{column: [str, ...]}`` for every :data:`FEATURE_COLUMNS`
    column — with the row count in :attr:`n`: a light stand-in for the :func:`to_frame` DataFrame
    on the scoring path (building a pandas frame costs more than scoring one comment's features).
    The classifier's transformers read it through :func:`models.features.column_of`."""

    n: int

    @classmethod
    def of(cls, records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> "Records":
        """The same normalisation as :func:`to_frame` (missing/``None``/NaN → ``""``, ``str``)."""
        rows = records.to_dict("records") if isinstance(records, pd.DataFrame) else list(records)
        out = cls({col: [_as_str(row.get(col, "")) if hasattr(row, "get") else "" for row in rows]
                   for col in FEATURE_COLUMNS})
        out.n = len(rows)
        return out

    def row(self, i: int) -> dict[str, str]:
        """Record ``i`` as a dict."""
        return {col: values[i] for col, values in self.items()}

