"""training.data on the real public data sets (marked ``data``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.comment import FEATURE_COLUMNS
from training.data import (
    BASE_DATASETS,
    DataMissingError,
    dedupe,
    group_keys,
    load_base_datasets,
    load_livechat_check,
)
from models.text import normalize_text


def test_missing_data_dir_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(DataMissingError) as exc:
        load_base_datasets(missing)
    assert str(missing) in str(exc.value)
    (tmp_path / "youtube_spam_collection").mkdir()
    with pytest.raises(DataMissingError) as exc:
        load_base_datasets(tmp_path)
    assert "youtube_spam_collection" in str(exc.value)


@pytest.mark.data
def test_load_base_datasets(data_dir: Path) -> None:
    df = load_base_datasets(data_dir)
    assert list(df.columns[: len(FEATURE_COLUMNS)]) == FEATURE_COLUMNS
    assert {"label", "dataset", "lang"} <= set(df.columns)
    assert set(df["dataset"]) == set(BASE_DATASETS)
    assert set(df["label"]) == {0, 1}
    assert set(df["lang"]) == {"en", "id"}
    counts = df.groupby("dataset")["label"].agg(["count", "sum"])
    # row and spam counts as documented in each SOURCE.md
    assert counts.loc["youtube_spam_collection"].tolist() == [1565, 804]
    assert counts.loc["sms_spam_collection"].tolist() == [5574, 747]
    assert counts.loc["datacamp_blog_comments"].tolist() == [608, 111]
    assert counts.loc["id_judol_youtube_comments"].tolist() == [37216, 8549]
    assert counts.loc["id_sms_spam"].tolist() == [1143, 574]
    assert "id_judol_tribunjogja_livechat" not in set(df["dataset"])


@pytest.mark.data
def test_dedupe_and_groups(data_dir: Path) -> None:
    df = load_base_datasets(data_dir)
    dd, stats = dedupe(df)
    norm = dd["content"].map(normalize_text)
    assert not norm.duplicated().any()
    assert len(dd) == sum(s["kept"] for s in stats.values())
    assert len(dd) < len(df)
    groups = group_keys(dd)
    assert groups.nunique() <= len(dd)


@pytest.mark.data
def test_livechat_check_set(data_dir: Path) -> None:
    chat = load_livechat_check(data_dir)
    assert chat["content"].map(normalize_text).is_unique
    assert (chat["check"] == "known_mislabelled").sum() >= 1
