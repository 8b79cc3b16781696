"""A quick end-to-end training run on the real data (marked ``data``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.artifact import load_default
from training.report import render_model_card
from training.train import run_training


@pytest.mark.data
def test_quick_training_run(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    metrics = run_training(data_dir, out, progress=False, quick=True)
    for name in ("model.skops", "model.json", "metrics.json"):
        assert (out / name).is_file()
    info = json.loads((out / "model.json").read_text())
    assert info["version"] == metrics["version"]
    assert len(info["sha256"]) == 64
    assert set(info["thresholds"]) == {"hold", "reject"}
    assert 0.0 <= info["thresholds"]["hold"] <= info["thresholds"]["reject"] <= 1.0
    assert metrics["quick"] is True
    assert "metadata_features" in metrics["ablation"]
    assert metrics["cv"]["overall"]["roc_auc"] > 0.9
    assert set(metrics["cv"]["per_dataset"]) >= {"id_judol_youtube_comments", "sms_spam_collection"}
    clf = load_default(out)
    assert clf.version == metrics["version"]
    scored = clf.score_one({"content": "s l o t  g a c o r  maxwin hari ini di PSTOTO99"})
    assert 0.0 <= scored.spam_score <= 1.0
    assert 1 <= len(scored.reasons) <= 5
    card = render_model_card(metrics)
    assert metrics["version"] in card and "QUICK run" in card
