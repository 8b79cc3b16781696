"""A quick end-to-end training run on the real data (marked ``data``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.artifact import load_default
from training.report import render_model_card, render_worst
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
    assert "out-of-source" in info["threshold_method"]
    assert metrics["quick"] is True
    # out-of-source table first: every group of every data set held out once
    groups = set(metrics["oos"]["per_group"])
    assert "youtube_spam_collection/psy" in groups and "id_indonlu_smsa_emot/smsa" in groups
    assert {g for fold in metrics["protocol"]["oos_folds"] for g in fold} == groups
    assert metrics["oos"]["overall"]["roc_auc"] > 0.85
    assert set(metrics["pooled_cv"]["per_group"]) >= {"id_judol_youtube_comments", "sms_spam_collection"}
    assert metrics["worst_oos"]["spamassassin_public_corpus"]["false_negatives"]
    clf = load_default(out)
    assert clf.version == metrics["version"]
    scored = clf.score_one({"content": "s l o t  g a c o r  maxwin hari ini di PSTOTO99"})
    assert 0.0 <= scored.spam_score <= 1.0
    assert 1 <= len(scored.reasons) <= 5
    card = render_model_card(metrics)
    assert metrics["version"] in card and "QUICK run" in card and "Out-of-source" in card
    assert "false positives" in render_worst(metrics)
