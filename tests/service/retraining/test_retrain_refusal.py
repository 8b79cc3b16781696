"""training.refusal through the database's ports: a retrain with nothing new to learn is refused in
seconds, before it loads the base data or fits anything (it trained for minutes first), with the
same reason; ``--force`` and ``--dry-run`` still run the whole retrain."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from click.testing import CliRunner

from models.artifact import dumps, load_default, loads
from service.cli import main
from service.retraining.ports import retrain
from service.serving import versions as model_versions
from service.store.db import session_scope
from service.store.tables import RetrainRun
from training.data import DataMissingError
from training.retrain import RetrainOptions

#: Nothing here may read the public data sets: a missing folder proves it (DataMissingError otherwise).
QUICK = {"quick": True, "quick_rows": 2500}


@pytest.fixture
def no_data(tmp_path):
    return tmp_path / "no-data-sets-here"


def _run(clean_db, tmp_path, no_data, **options):
    t0 = time.perf_counter()
    result = retrain(clean_db, None, RetrainOptions(data_dir=no_data, started_by="test", **QUICK, **options),
                     tmp_path / "reports", progress=False)
    return result, time.perf_counter() - t0


def test_no_label_at_all_is_refused_before_training(clean_db, tmp_path, no_data):
    result, seconds = _run(clean_db, tmp_path, no_data)
    assert result.status == "refused" and result.candidate_version is None
    assert result.summary["gate"]["failed"] == ["nothing new to learn: no feedback labels"]
    assert result.summary["refused_early"] is True and seconds < 10
    assert json.loads((result.report_dir / "summary.json").read_text())["gate"]["failed"] == result.summary["gate"]["failed"]
    assert not (result.report_dir / "report.html").exists()
    with session_scope(clean_db) as s:
        run = s.get(RetrainRun, result.run_id)
        assert run.status == "refused" and run.report_path is None and run.finished_at is not None
        assert [d["stage"] for d in run.progress["done"]] == ["gather feedback"]
        assert run.summary["gate"]["failed"] == result.summary["gate"]["failed"]


def test_labels_the_current_model_already_learnt_are_refused_before_training(clean_db, tmp_path, no_data,
                                                                             feedback_campaign):
    feedback_campaign(n_spam=6, n_ham=6)
    # the current model learnt every label up to a minute from now
    shipped = load_default()
    until = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)).isoformat()
    meta = {k: v for k, v in shipped.metadata.items() if k not in ("version", "sha256")}
    blob = dumps(shipped.pipeline, {**meta, "feedback_until": until, "trained_at": "2026-12-03T00:00:00+00:00"})
    model_versions.publish(clean_db, None, loads(blob).version, blob, loads(blob).metadata, published_by="test")

    result, seconds = _run(clean_db, tmp_path, no_data)
    assert result.status == "refused" and seconds < 10
    assert result.summary["gate"]["failed"] == [
        f"nothing new to learn: no label set after the current model's feedback ({until})"]
    assert result.summary["data"]["feedback"]["kept"] == 12 and result.summary["data"]["feedback"]["spam"] == 6
    assert result.summary["versions"]["current"] == loads(blob).version


def test_labels_since_a_later_date_are_nothing_new(clean_db, tmp_path, no_data, feedback_campaign):
    feedback_campaign(n_spam=3, n_ham=3)
    result, _ = _run(clean_db, tmp_path, no_data, since=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1))
    assert result.status == "refused"
    assert result.summary["gate"]["failed"] == ["nothing new to learn: no feedback labels since --since"]


def test_new_labels_go_on_to_train(clean_db, tmp_path, no_data, feedback_campaign):
    feedback_campaign(n_spam=3, n_ham=3)
    with pytest.raises(DataMissingError):  # past the check: it needs the base data
        _run(clean_db, tmp_path, no_data)


@pytest.mark.parametrize("option", ["force", "dry_run"])
def test_force_and_dry_run_still_run_everything(clean_db, tmp_path, no_data, option):
    with pytest.raises(DataMissingError):
        _run(clean_db, tmp_path, no_data, **{option: True})
    with session_scope(clean_db) as s:
        assert [r.status for r in s.query(RetrainRun)] == ["failed"]


def test_cli_says_why_and_exits_3_within_seconds(test_config, monkeypatch, no_data):
    for name, value in {"DATABASE_URL": test_config["database_url"], "REDIS_URL": test_config["redis_url"],
                        "SARING_REDIS_PREFIX": test_config["redis_prefix"], "SARING_HOME": str(test_config["home"]),
                        "SARING_DATA_DIR": str(no_data)}.items():
        monkeypatch.setenv(name, value)
    t0 = time.perf_counter()
    r = CliRunner().invoke(main, ["retrain", "--quick"])
    assert r.exit_code == 3, r.output
    assert time.perf_counter() - t0 < 20
    assert "refused  (before training: nothing was fitted)" in r.output
    assert "refused because: nothing new to learn: no feedback labels" in r.output
    assert "summary.json" in r.output
