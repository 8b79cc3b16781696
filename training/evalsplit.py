"""The fixed evaluation split of the base data: deterministic, versioned, pinned in ``eval_split.json``.

The base data are the data sets ``saring train`` trains on (:data:`training.sources.TRAIN_DATASETS`);
``base-eval-v1`` covered the five data sets of the first model, ``base-eval-v2`` all eight.

A base row belongs to the split when ``sha256(salt + group key)`` falls in the first ``percent`` of
100 buckets; the group key is the near-duplicate key of :func:`training.data.group_keys`, so a spam
template never sits on both sides, and no candidate ever trains on it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from models.text import normalize_text
from training.data import letters_key, dedupe
from training.sources import TRAIN_DATASETS, load_datasets

#: The pinned description of the evaluation split (version, digest, counts).
PINNED_SPLIT_PATH = Path(__file__).resolve().parent / "eval_split.json"


@dataclass(frozen=True)
class EvalSplit:
    """A deterministic, versioned evaluation split of the base data.

    A row is in the split when the first 8 hex digits of ``sha256(salt + "\\x00" + key)``, read as
    an integer, modulo 100 is below ``percent``; ``key`` is the row's near-duplicate group key.
    Changing any field is a new split: give it a new ``version``.
    """

    version: str
    salt: str
    percent: int

    def member(self, key: str) -> bool:
        """Whether a row with near-duplicate key ``key`` belongs to the evaluation split."""
        digest = hashlib.sha256(f"{self.salt}\x00{key}".encode("utf-8", "surrogatepass")).hexdigest()
        return int(digest[:8], 16) % 100 < self.percent


EVAL_SPLIT = EvalSplit(version="base-eval-v2", salt="saring/base-eval/v1", percent=20)


def load_base(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The base data of a retrain (not de-duplicated): :data:`training.sources.TRAIN_DATASETS`
    through :func:`training.sources.load_datasets` (with ``unit``/``group`` columns).

    Raises:
        training.data.DataMissingError: a data set is missing.
    """
    return load_datasets(data_dir, TRAIN_DATASETS)


def norm_and_keys(content: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalised text and near-duplicate key of each row (as :func:`training.data.group_keys`)."""
    norm = content.map(normalize_text).str.strip()
    keys = norm.map(lambda n: letters_key(n) or "#" + n)
    return norm, keys


def _digest(frame: pd.DataFrame, norm: pd.Series) -> str:
    """SHA-256 over the sorted lines ``dataset<TAB>label<TAB>sha256(normalised text)``."""
    lines = sorted(
        f"{d}\t{int(y)}\t{hashlib.sha256(n.encode('utf-8', 'surrogatepass')).hexdigest()}"
        for d, y, n in zip(frame["dataset"], frame["label"], norm)
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def split_base(base: pd.DataFrame, split: EvalSplit = EVAL_SPLIT) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Split de-duplicated base rows into (train, evaluation) by :meth:`EvalSplit.member`.

    Args:
        base: output of :func:`training.data.dedupe` (``content``, ``label``, ``dataset`` ...).
        split: the split definition.

    Returns:
        ``(train, eval, info)``; both frames keep their columns plus ``_norm`` and ``_key``;
        ``info`` has ``version``, ``salt``, ``percent``, ``rows``, ``spam``, ``digest`` (see
        :func:`_digest`) and ``per_dataset`` row counts of the evaluation split.
    """
    norm, keys = norm_and_keys(base["content"])
    work = base.assign(_norm=norm.to_numpy(), _key=keys.to_numpy())
    mask = work["_key"].map(split.member).to_numpy(dtype=bool)
    train, ev = work[~mask].reset_index(drop=True), work[mask].reset_index(drop=True)
    info = {
        "version": split.version,
        "salt": split.salt,
        "percent": split.percent,
        "rows": int(len(ev)),
        "spam": int(ev["label"].sum()),
        "digest": _digest(ev, ev["_norm"]),
        "per_dataset": {str(k): int(v) for k, v in ev["dataset"].value_counts().sort_index().items()},
    }
    return train, ev, info


def pinned_split() -> dict[str, Any] | None:
    """The pinned description of the evaluation split (``training/eval_split.json``), if any."""
    try:
        return json.loads(PINNED_SPLIT_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def pin_split(data_dir: Path | str | None = None) -> dict[str, Any]:
    """Write ``training/eval_split.json`` for the current data sets and return what was written
    (run once per split version: ``python -m training.retrain --pin-eval-split``)."""
    base, _ = dedupe(load_base(data_dir))
    _train, _ev, info = split_base(base)
    PINNED_SPLIT_PATH.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def check_pinned(split_info: dict[str, Any], quick: bool) -> str:
    """Compare ``split_info`` (from :func:`split_base`) with the pinned split and note the outcome
    in ``split_info["pinned"]``. Returns a warning for the run's summary, or ``""``."""
    pinned = pinned_split()
    if quick:
        split_info["pinned"] = "not compared (quick run on a sample)"
    elif pinned is None:
        split_info["pinned"] = "no training/eval_split.json"
        return ("no pinned evaluation split (training/eval_split.json); run "
                "`python -m training.retrain --pin-eval-split` once")
    elif pinned.get("version") == split_info["version"] and pinned.get("digest") == split_info["digest"]:
        split_info["pinned"] = "matches"
    else:
        split_info["pinned"] = "DIFFERS"
        return (f"evaluation split differs from the pinned one ({pinned.get('version')}, "
                f"{str(pinned.get('digest'))[:12]}): the base data changed; figures are not "
                "comparable with earlier runs")
    return ""
