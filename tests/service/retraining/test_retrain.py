"""training.retrain: the fixed evaluation split, feedback gathering, the gate, a retrain that flips a
decision after moderator labels, a refused worse candidate, rollback, progress and the report."""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.serving import versions as model_versions
from service.cli import main
from service.store.db import session_scope
from service.store.tables import Comment, Label, RetrainRun
from training import retrain as rt_mod
from service.retraining.ports import load_feedback, retrain
from training import evalsplit
from training.retrain import (
    EVAL_SPLIT,
    RetrainOptions,
    Tolerances,
    dedupe_feedback,
    gate,
    split_base,
    time_split,
)
from training.retrain_report import PLOTS
from training.evaluate import evaluate_scores
from training.gate import discordant

#: Small, quick settings: a 2,500-row stratified sample of the base data (8 data sets), 2 folds.
QUICK = {"quick": True, "quick_rows": 2500}
NEW_SPAM = "Harmony Lawn Care removes tree stumps in Oakridge, Dave gives a free quote"


# --------------------------------------------------------------------------- units


def test_eval_split_depends_on_the_text_only():
    frame = pd.DataFrame({"content": [f"comment number {w} about the weather" for w in
                                      ["one", "two", "three", "four", "five", "six", "seven", "eight"] * 25],
                          "label": [0, 1] * 100, "dataset": "x"})
    frame["content"] = frame["content"] + [f" {chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(200)]
    train, ev, info = split_base(frame)
    assert len(train) + len(ev) == 200 and 0 < len(ev) < 200
    assert info["version"] == EVAL_SPLIT.version and len(info["digest"]) == 64
    # shuffled rows, same membership and digest
    train2, ev2, info2 = split_base(frame.sample(frac=1.0, random_state=3).reset_index(drop=True))
    assert set(ev2["content"]) == set(ev["content"]) and info2["digest"] == info["digest"]


def test_pinned_split_matches_the_data(data_dir):
    from training.data import dedupe

    base, _ = dedupe(evalsplit.load_base(data_dir))
    _train, ev, info = split_base(base)
    pinned = json.loads(evalsplit.PINNED_SPLIT_PATH.read_text())
    assert (pinned["version"], pinned["digest"], pinned["rows"]) == (info["version"], info["digest"], len(ev))


def test_gate_tolerances_and_one_comment_slack():
    def block(n, n_spam, auc, fpr_h, fpr_r, rec_h):
        return {"n": n, "n_spam": n_spam, "roc_auc": auc, "at_hold": {"fpr": fpr_h, "recall": rec_h},
                "at_reject": {"fpr": fpr_r, "recall": None if rec_h is None else rec_h / 2}}

    cur = block(10_000, 2_000, 0.990, 0.010, 0.001, 0.90)
    same = gate(block(10_000, 2_000, 0.989, 0.0115, 0.0015, 0.895), cur, "big", Tolerances())
    assert all(c["ok"] for c in same)
    worse = {c["figure"]: c["ok"] for c in gate(block(10_000, 2_000, 0.985, 0.013, 0.0025, 0.87), cur, "big", Tolerances())}
    assert worse == {"fpr_at_hold": False, "fpr_at_reject": False, "recall_at_hold": False, "roc_auc": False}
    # 20 ham, 10 spam: one more false positive (1/20 = 0.05) is within the slack, two are not
    small = block(30, 10, 0.95, 0.05, 0.0, 0.8)
    assert gate(block(30, 10, 0.95, 0.10, 0.0, 0.8), small, "s", Tolerances())[0]["ok"] is True
    assert gate(block(30, 10, 0.95, 0.15, 0.0, 0.8), small, "s", Tolerances())[0]["ok"] is False
    missing = gate(block(30, 0, None, 0.0, 0.0, None), block(30, 0, None, 0.0, 0.0, None), "s", Tolerances())
    assert [c["ok"] for c in missing][2:] == [None, None]


def test_gate_allows_paired_noise_but_not_a_real_drop():
    """86 spam: two that change sides (candidate misses 2 more, 2 discordant rows) are noise within two
    paired standard errors (2 * sqrt(2) / 86 = 0.033); 12 more missed with 12 discordant rows are not."""
    y = np.array([1] * 86 + [0] * 400)
    cur = np.where(y == 1, 0.9, 0.01)
    cur[:20] = 0.1  # the current model misses 20 of the 86 spam
    th = {"hold": 0.5, "reject": 0.95}

    def check(n_more_missed: int) -> dict:
        cand = cur.copy()
        cand[20:20 + n_more_missed] = 0.1
        ev = {k: evaluate_scores(y, s, th)["overall"] for k, s in (("cand", cand), ("cur", cur))}
        pairs = discordant(y, cand, th, cur, th)
        assert pairs["recall_at_hold"] == n_more_missed and pairs["fpr_at_hold"] == 0
        return {c["figure"]: c for c in gate(ev["cand"], ev["cur"], "quick", Tolerances(), pairs)}

    noise = check(2)["recall_at_hold"]
    assert noise["ok"] is True and noise["tolerance"] == pytest.approx(2 * np.sqrt(2) / 86)
    assert check(12)["recall_at_hold"]["ok"] is False
    # without the pairing only one comment's worth (1/86) is allowed: the same two are refused
    ev_cand = evaluate_scores(y, np.where(np.arange(486) < 22, 0.1, cur), th)["overall"]
    assert gate(ev_cand, evaluate_scores(y, cur, th)["overall"], "q", Tolerances())[2]["ok"] is False


def test_load_feedback_newest_label_wins_is_test_left_out_and_since(clean_db, feedback_campaign):
    site = feedback_campaign(n_spam=3, n_ham=3)
    now = dt.datetime.now(dt.timezone.utc)
    with session_scope(clean_db) as s:
        for text, label, hours_ago, is_test in [("Same text labelled twice, by two moderators", "spam", 5, False),
                                                ("SAME  text labelled twice,  by two moderators ", "ham", 1, False),
                                                ("A test comment from the plugin's test mode", "spam", 1, True)]:
            c = Comment(site_id=site, content=text, spam_score=0.1, decision="accept", status=label,
                        model_version="t", reasons=[], is_test=is_test)
            s.add(c)
            s.flush()
            at = now - dt.timedelta(hours=hours_ago)
            s.add(Label(comment_id=c.id, label=label, source="akismet", created_at=at, updated_at=at))
    fb = load_feedback(clean_db)
    assert len(fb) == 8 and "A test comment from the plugin's test mode" not in set(fb["content"])
    assert list(fb["labelled_at"]) == sorted(fb["labelled_at"])
    kept, stats = dedupe_feedback(fb)
    twice = kept[kept["content"].str.lower().str.startswith("same")]
    assert len(twice) == 1 and twice["label"].iloc[0] == 0  # the newer ham label wins
    assert stats == {"labels": 8, "kept": 7, "duplicates": 1, "empty": 0}
    recent = load_feedback(clean_db, since=now - dt.timedelta(hours=2))
    assert len(recent) == 1 and recent["content"].iloc[0].startswith("SAME")
    older, newest = time_split(kept, 0.25)
    assert len(newest) == 2 and newest["labelled_at"].min() >= older["labelled_at"].max()


# --------------------------------------------------------------------------- retraining end to end


def _post(client, auth, text: str) -> dict:
    r = client.post("/api/v1/comments", json={"content": text, "author": "reader"}, headers=auth)
    assert r.status_code == 200, r.json
    return r.json


def _retrain(app, **kw):
    rt = app.extensions["saring"]
    opts = RetrainOptions(data_dir=rt.settings.data_dir if rt.settings.data_dir.is_dir() else None,
                          started_by="test", **{**QUICK, **kw})
    return retrain(rt.db, rt.registry, opts, rt.settings.report_root, progress=False)


@pytest.fixture
def data_app(app, data_dir, test_config):
    app.extensions["saring"].settings = app.extensions["saring"].settings.with_overrides({"data_dir": data_dir})
    return app


def test_retrain_flips_a_decision_after_moderator_labels(data_app, client, auth, feedback_campaign):
    app = data_app
    rt = app.extensions["saring"]
    old = rt.holder.classifier.version
    before = _post(client, auth, NEW_SPAM)
    assert before["decision"] == "accept", before
    feedback_campaign()

    result = _retrain(app)
    print(rt_mod.format_summary(result))
    assert result.status == "published", result.summary["gate"]
    assert rt.holder.wait_for(result.candidate_version, timeout=5.0), "the worker did not switch within 5 s"
    after = _post(client, auth, NEW_SPAM)
    print(f"'{NEW_SPAM}': {before['decision']} {before['spam_score']:.3f} ({old}) -> "
          f"{after['decision']} {after['spam_score']:.3f} ({after['model_version']})")
    assert after["model_version"] == result.candidate_version
    assert after["decision"] in ("hold", "reject")
    ordinary = _post(client, auth, "What a lovely photo of the harbour at sunset")
    assert ordinary["decision"] == "accept"

    # recorded: the version (with its report) and the run with its progress and summary
    row = model_versions.current(rt.db)
    assert row.version == result.candidate_version and row.published_by == "test"
    assert row.meta["retrain_run_id"] == result.run_id and row.meta["eval_split"]["version"] == EVAL_SPLIT.version
    with session_scope(rt.db) as s:
        run = s.get(RetrainRun, result.run_id)
        assert run.status == "published" and run.candidate_version == result.candidate_version
        assert run.progress["percent"] == 100.0
        done = [d["stage"] for d in run.progress["done"]]
        assert done[:5] == ["gather feedback", "load base data", "split", "choose thresholds (out of source)",
                            "train candidate"] and done[-1] == "publish"
        assert run.summary["gate"]["passed"] is True
    for name in ("report.html", "summary.json", "model.skops", *PLOTS):
        assert (result.report_dir / name).stat().st_size > 0, name
    html = (result.report_dir / "report.html").read_text()
    assert "fixed evaluation split" in html and "roc.png" in html and "Per data set" in html

    # the same labels again: nothing new to learn, refused before training (training.refusal)
    again = _retrain(app)
    assert again.status == "refused" and any("nothing new" in f for f in again.summary["gate"]["failed"])
    assert again.summary["refused_early"] is True and again.candidate_version is None


def test_gate_refuses_a_deliberately_worse_candidate(data_app, client, auth, feedback_campaign):
    app = data_app
    rt = app.extensions["saring"]
    current = rt.holder.classifier.version
    feedback_campaign()
    worse = {"text_features": "word", "word_max_features": 25, "use_meta": False, "min_df": 5}
    result = _retrain(app, params=worse)
    print(rt_mod.format_summary(result))
    assert result.status == "refused"
    assert result.summary["gate"]["passed"] is False and result.summary["gate"]["failed"]
    assert model_versions.current(rt.db).version == current
    assert rt.registry.current_version() == current
    assert model_versions.get(rt.db, result.candidate_version) is None
    time.sleep(0.3)
    assert rt.holder.classifier.version == current
    with session_scope(rt.db) as s:
        assert s.get(RetrainRun, result.run_id).status == "refused"
    # --force publishes it anyway, and says so
    forced = _retrain(app, params=worse, force=True)
    assert forced.status == "published" and forced.summary["gate"]["forced"] is True
    assert model_versions.current(rt.db).version == forced.candidate_version


def test_dry_run_publishes_nothing(data_app, feedback_campaign):
    rt = data_app.extensions["saring"]
    current = rt.registry.current_version()
    feedback_campaign(n_spam=12, n_ham=12)
    result = _retrain(data_app, dry_run=True)
    assert result.status == "dry-run" and (result.report_dir / "report.html").exists()
    assert rt.registry.current_version() == current and model_versions.get(rt.db, result.candidate_version) is None


@pytest.fixture
def cli(test_config, monkeypatch, data_dir):
    monkeypatch.setenv("DATABASE_URL", test_config["database_url"])
    monkeypatch.setenv("REDIS_URL", test_config["redis_url"])
    monkeypatch.setenv("SARING_REDIS_PREFIX", test_config["redis_prefix"])
    monkeypatch.setenv("SARING_HOME", str(test_config["home"]))
    monkeypatch.setenv("SARING_DATA_DIR", str(data_dir))
    return CliRunner()


def test_cli_retrain_list_show_and_rollback(data_app, client, auth, feedback_campaign, cli):
    rt = data_app.extensions["saring"]
    old = rt.holder.classifier.version
    feedback_campaign()
    r = cli.invoke(main, ["retrain", "--quick", "--by", "ops@news.example"])
    print(r.output[-1500:])
    assert r.exit_code == 0, r.output
    new = model_versions.current(rt.db).version
    assert new != old and new in r.output
    assert rt.holder.wait_for(new, 5.0)

    listing = cli.invoke(main, ["models", "list"])
    assert listing.exit_code == 0 and f"* {new}" in listing.output and old in listing.output
    shown = cli.invoke(main, ["models", "show", new])
    info = json.loads(shown.output)
    assert info["current"] is True and info["published_by"] == "ops@news.example" and info["in_redis"] is True
    assert Path(info["report"]).exists()

    t0 = time.monotonic()
    back = cli.invoke(main, ["models", "rollback", old])
    assert back.exit_code == 0, back.output
    assert rt.holder.wait_for(old, 5.0), "workers did not return to the old version within 5 s"
    print(f"rollback {new} -> {old}: served after {time.monotonic() - t0:.2f} s")
    assert _post(client, auth, "hello there")["model_version"] == old
    assert model_versions.current(rt.db).version == old
    unknown = cli.invoke(main, ["models", "rollback", "20990101-000000000000"])
    assert unknown.exit_code != 0 and "no published version" in unknown.output
    # refused exit status for cron: the same labels again teach nothing new (gate refuses)
    refused = cli.invoke(main, ["retrain", "--quick", "--dry-run"])
    assert refused.exit_code == 0 and "dry-run" in refused.output


def test_failed_run_is_recorded(clean_db, tmp_path, feedback_campaign):
    feedback_campaign(n_spam=3, n_ham=3)  # something new to learn: the run goes on to the (missing) data sets
    with pytest.raises(Exception):
        retrain(clean_db, None, RetrainOptions(data_dir=tmp_path / "missing", **QUICK), tmp_path, progress=False)
    with session_scope(clean_db) as s:
        run = s.scalars(select(RetrainRun)).one()
        assert run.status == "failed" and "DataMissingError" in run.summary["error"]


def test_report_plots_for_tiny_or_missing_feedback(tmp_path):
    from training.retrain_report import write_report

    rng = np.random.default_rng(0)
    y = np.array([0] * 60 + [1] * 40)
    scores = {"current": np.clip(y * 0.6 + rng.random(100) * 0.5, 0, 1),
              "candidate": np.clip(y * 0.7 + rng.random(100) * 0.4, 0, 1)}
    th = {"current": {"hold": 0.5, "reject": 0.9}, "candidate": {"hold": 0.5, "reject": 0.9}}
    row = {"n": 100, "n_spam": 40, "roc_auc": 0.9, "precision_at_hold": 0.9, "recall_at_hold": 0.8, "f1_at_hold": 0.85,
           "fpr_at_hold": 0.05, "recall_at_reject": 0.5, "fpr_at_reject": 0.0}
    summary = {"status": "dry-run", "gate": {"passed": True, "forced": False, "checks": [], "failed": [],
                                             "tolerances": {"roc_auc": 0.002}, "base_comparator": "current"},
               "versions": {"current": "a", "candidate": "b", "published_model": "b"}, "thresholds": th,
               "figures": {"base_eval": {"current": row, "candidate": row},
                           "base_eval_per_dataset": {"current": {"x": row}, "candidate": {"x": row}},
                           "feedback_newest": {}},
               "data": {"base": {}, "eval_split": {"digest": "0" * 64}, "feedback": {}}, "notes": [], "warnings": [],
               "seconds": 1.0}
    out = write_report(tmp_path, 7, summary, {
        "base_eval": {"y": y, "groups": np.array(["x"] * 100), "scores": scores, "thresholds": th},
        "feedback_newest": {"y": np.zeros(0, int), "groups": np.array([]),
                            "scores": {"current": np.zeros(0), "candidate": np.zeros(0)}, "thresholds": th}})
    assert out.exists() and all((tmp_path / p).stat().st_size > 1000 for p in PLOTS)
    assert "not enough data" not in out.read_text()  # said in the plots, not the page


def test_without_redis_the_version_is_recorded_and_the_shipped_model_kept_for_rollback(clean_db, feedback_campaign,
                                                                                          data_dir, tmp_path):
    from models.artifact import load_default

    feedback_campaign()
    result = retrain(clean_db, None, RetrainOptions(data_dir=data_dir, **QUICK), tmp_path, progress=False)
    assert result.status == "published"
    assert any("Redis unreachable" in w for w in result.summary["warnings"])
    assert model_versions.current(clean_db).version == result.candidate_version
    shipped = model_versions.get(clean_db, load_default().version)
    assert shipped is not None and shipped.is_current is False


def test_retrain_keeps_the_recipe_and_chooses_thresholds_out_of_source(data_app, feedback_campaign):
    """A retrained model scores like the shipped one (same fixed lexicon prior), trains on every data
    set ``saring train`` uses, and its per-language thresholds come from out-of-source scores in
    which each site's feedback is a held-out group."""
    from training.sources import TRAIN_DATASETS

    rt = data_app.extensions["saring"]
    shipped = rt.holder.classifier
    site_id = feedback_campaign()
    result = _retrain(data_app, dry_run=True)
    meta = json.loads((result.report_dir / "model.json").read_text(encoding="utf-8"))
    assert meta["lexicon_prior"] == shipped.metadata["lexicon_prior"] and meta["lexicon_prior"]
    assert "out-of-source" in meta["threshold_method"]
    assert set(meta["thresholds_by_lang"]) <= {"en", "id"}
    oos = result.summary["out_of_source"]
    assert f"feedback/site {site_id}" in oos["per_group"]
    trained = {g.split("/")[0] for g in oos["per_group"]} - {"feedback"}
    assert trained == set(TRAIN_DATASETS)
    assert "Candidate out of source" in (result.report_dir / "report.html").read_text(encoding="utf-8")
