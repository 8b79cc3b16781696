"""Loading the public spam data sets into one comment frame.

Every loader returns the comment frame of :func:`models.comment.to_frame` plus
``label`` (0 ham / 1 spam), ``dataset`` (folder name) and ``lang`` (``"en"``/``"id"``).
Read each data set's ``SOURCE.md`` for provenance, licence and caveats; the choices
made here (which rows, how labels are mapped, what is dropped) are documented on each
loader and summarised in ``models/MODEL_CARD.md``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from training.paths import default_data_dir
from models.comment import FEATURE_COLUMNS, to_frame
from models.text import normalize_text

__all__ = [
    "BASE_DATASETS",
    "CHECK_DATASETS",
    "DataMissingError",
    "dedupe",
    "default_data_dir",
    "group_keys",
    "load_base_datasets",
    "load_livechat_check",
]

#: Data sets used for training and cross-validation, with their language.
BASE_DATASETS: dict[str, str] = {
    "youtube_spam_collection": "en",
    "sms_spam_collection": "en",
    "datacamp_blog_comments": "en",
    "id_judol_youtube_comments": "id",
    "id_sms_spam": "id",
}
#: Data sets used only as an external, qualitative check (noisy labels).
CHECK_DATASETS: dict[str, str] = {"id_judol_tribunjogja_livechat": "id"}

#: The togel promotion that ``id_judol_tribunjogja_livechat`` labels 0 (see SOURCE.md).
LIVECHAT_KNOWN_MISLABELLED = re.compile(r"angka\s*terbalik", re.I)

_OUT_COLUMNS = [*FEATURE_COLUMNS, "label", "dataset"]


class DataMissingError(FileNotFoundError):
    """A data set folder or file is missing; the message names the path and the fix."""


def need_path(path: Path) -> Path:
    if not path.exists():
        raise DataMissingError(
            f"data set file not found: {path} — set SARING_DATA_DIR (or pass --data-dir) "
            "to the folder holding the public data sets (see each SOURCE.md)"
        )
    return path


def labelled_frame(rows: pd.DataFrame, dataset: str, lang: str) -> pd.DataFrame:
    frame = to_frame(rows.to_dict("records"))
    frame["lang"] = lang
    frame["label"] = rows["label"].astype(int).to_numpy()
    frame["dataset"] = dataset
    return frame[_OUT_COLUMNS]


def _load_youtube(root: Path) -> pd.DataFrame:
    """YouTube Spam Collection v.1 subset (Alberto, Lochter & Almeida, ICMLA 2015):
    five CSVs, ``CONTENT`` (HTML is handled by normalisation), ``AUTHOR``, ``CLASS``."""
    folder = need_path(root / "youtube_spam_collection")
    files = sorted(folder.glob("Youtube0*.csv"))
    if not files:
        raise DataMissingError(f"no Youtube0*.csv files in {folder}")
    parts = []
    for f in files:
        d = pd.read_csv(f, dtype=str, keep_default_na=False)
        parts.append(
            pd.DataFrame({"content": d["CONTENT"], "author": d["AUTHOR"], "label": d["CLASS"].astype(int)})
        )
    return labelled_frame(pd.concat(parts, ignore_index=True), "youtube_spam_collection", "en")


def _load_sms(root: Path) -> pd.DataFrame:
    """SMS Spam Collection v.1 (Almeida, Gómez Hidalgo & Yamakami, DocEng 2011):
    ``label<TAB>text``, no quoting."""
    path = need_path(root / "sms_spam_collection" / "SMSSpamCollection")
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if not line:
                continue
            label, _, text = line.partition("\t")
            rows.append({"content": text, "label": 1 if label.strip() == "spam" else 0})
    return labelled_frame(pd.DataFrame(rows), "sms_spam_collection", "en")


def _load_datacamp(root: Path) -> pd.DataFrame:
    """DataCamp tutorial comments: only the 608 hand-labelled rows (noisy labels)."""
    path = need_path(root / "datacamp_blog_comments" / "datacamp_comments_labeled.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [
            {"content": r["comment"], "label": int(r["label"])}
            for r in csv.DictReader(fh)
            if (r.get("label") or "").strip() in {"0", "1"}
        ]
    return labelled_frame(pd.DataFrame(rows), "datacamp_blog_comments", "en")


def _load_judol(root: Path) -> pd.DataFrame:
    """Indonesian judol YouTube comments (gbennnn/judol-comment-classification):
    ``comment_text``, ``author`` (@handle), ``label``."""
    path = need_path(root / "id_judol_youtube_comments" / "dataset_judol_labelled.csv")
    d = pd.read_csv(path, dtype=str, keep_default_na=False)
    d = d[d["label"].isin(["0", "1"])]
    rows = pd.DataFrame({"content": d["comment_text"], "author": d["author"], "label": d["label"].astype(int)})
    return labelled_frame(rows, "id_judol_youtube_comments", "id")


def _load_id_sms(root: Path) -> pd.DataFrame:
    """Indonesian SMS spam (Wibisono): label 0 normal → ham; 1 fraud, 2 promo → spam."""
    path = need_path(root / "id_sms_spam" / "dataset_sms_spam_v1.csv")
    d = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = pd.DataFrame({"content": d["teks"], "label": (d["label"].astype(int) > 0).astype(int)})
    return labelled_frame(rows, "id_sms_spam", "id")


LOADERS = {
    "youtube_spam_collection": _load_youtube,
    "sms_spam_collection": _load_sms,
    "datacamp_blog_comments": _load_datacamp,
    "id_judol_youtube_comments": _load_judol,
    "id_sms_spam": _load_id_sms,
}


def letters_key(norm: str) -> str:
    return re.sub(r"[^a-z]+", "", norm)[:300]


def group_keys(frame: pd.DataFrame) -> pd.Series:
    """Near-duplicate group of each row, for group-aware cross-validation.

    Two rows share a group when their normalised texts agree after removing everything
    but the letters a–z (so spam templates that differ only in digits, emoji, spacing or
    punctuation stay on one side of a split). Texts without letters group by their
    normalised form.

    Args:
        frame: a frame with a ``content`` column.

    Returns:
        A Series of ``int`` group ids aligned with ``frame.index``.
    """
    norm = frame["content"].map(normalize_text)
    keys = [(letters_key(n) or "#" + n) for n in norm]
    codes, _ = pd.factorize(pd.Series(keys, index=frame.index))
    return pd.Series(codes, index=frame.index, name="group")


def dedupe(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """Remove exact duplicates of the normalised text, across all data sets.

    For each normalised text the majority label is kept (ties: the text is dropped, as
    its label cannot be trusted); the first row (in data-set order) is kept as the
    representative, so a text appears once even if two data sets both hold it.

    Args:
        frame: output of the loaders (``content``, ``label``, ``dataset`` ...).

    Returns:
        ``(deduped_frame, stats)``; ``stats[dataset]`` has ``rows``, ``kept``,
        ``duplicates`` (dropped repeats) and ``conflicts`` (texts dropped for tied labels).
    """
    norm = frame["content"].map(normalize_text).str.strip()
    work = frame.assign(_norm=norm)
    work = work[work["_norm"] != ""]
    mean = work.groupby("_norm")["label"].mean()
    tied = set(mean.index[mean == 0.5])
    majority = (mean > 0.5).astype(int)
    keep = work[~work["_norm"].isin(tied)].drop_duplicates("_norm", keep="first").copy()
    keep["label"] = keep["_norm"].map(majority).astype(int)
    stats: dict[str, dict[str, int]] = {}
    for name, part in frame.groupby("dataset", sort=False):
        rows = len(part)
        kept = int((keep["dataset"] == name).sum())
        conflicts = int(work[(work["dataset"] == name) & work["_norm"].isin(tied)].shape[0])
        stats[str(name)] = {
            "rows": rows,
            "kept": kept,
            "duplicates_or_empty": rows - kept - conflicts,
            "conflicts": conflicts,
            "spam_kept": int(keep.loc[keep["dataset"] == name, "label"].sum()),
        }
    return keep.drop(columns="_norm").reset_index(drop=True), stats


def load_base_datasets(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Load the training data sets into one frame (not de-duplicated).

    Data sets (see :data:`BASE_DATASETS`): ``youtube_spam_collection`` (5 CSVs, CLASS
    1 = spam), ``sms_spam_collection`` (ham/spam), ``datacamp_blog_comments`` (labelled
    rows only), ``id_judol_youtube_comments``, ``id_sms_spam`` (labels 1 fraud and
    2 promo = spam). ``id_judol_tribunjogja_livechat`` is *not* included (noisy labels,
    ~36 distinct spam texts); see :func:`load_livechat_check`. ``id_hate_abusive_twitter``
    is not spam data and is never used.

    Args:
        data_dir: folder holding the data set folders; ``None`` → :func:`default_data_dir`.

    Returns:
        DataFrame with the columns of :data:`models.comment.FEATURE_COLUMNS` (str) plus
        ``label`` (int 0/1), ``dataset`` (str) and ``lang`` (``"en"``/``"id"``), one row
        per source row in data-set order.

    Raises:
        DataMissingError: the folder or one of the expected files does not exist
            (the message names the missing path).
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if not root.is_dir():
        raise DataMissingError(
            f"data sets not found at {root.resolve()}; set SARING_DATA_DIR or pass --data-dir"
        )
    parts = [LOADERS[name](root) for name in BASE_DATASETS]
    return pd.concat(parts, ignore_index=True)


def load_livechat_check(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The TribunJogja live-chat set, prepared for a qualitative check only.

    Exact duplicates (normalised text) are collapsed to one row (majority label; ties
    dropped). Rows are tagged in a ``check`` column: ``"known_mislabelled"`` for the
    togel promotion ":fire:ANGKA TERBALIK DI BAYAR:fire:" labelled 0 (SOURCE.md), else
    ``"as_labelled"``. Nothing here is used for training or threshold choice.

    Args:
        data_dir: as for :func:`load_base_datasets`.

    Returns:
        Comment frame with ``label``, ``dataset``, ``lang`` and ``check`` columns.

    Raises:
        DataMissingError: the CSV is missing.
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    path = need_path(root / "id_judol_tribunjogja_livechat" / "youtube_chat_jogja_clean.csv")
    d = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = pd.DataFrame(
        {"content": d["message"], "author": d["author_name"], "label": d["label"].astype(int)}
    )
    frame = labelled_frame(rows, "id_judol_tribunjogja_livechat", "id")
    frame, _ = dedupe(frame)
    frame["check"] = [
        "known_mislabelled" if (LIVECHAT_KNOWN_MISLABELLED.search(t) and y == 0) else "as_labelled"
        for t, y in zip(frame["content"], frame["label"])
    ]
    return frame
