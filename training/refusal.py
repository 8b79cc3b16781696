"""A retrain with nothing new to learn, refused before it loads the base data or fits anything.

``nothing_new`` says why (no feedback label, or none newer than the current model's), and
``finish_early`` records the refusal: the run is ``refused`` with that reason among the gate's
failures, a ``summary.json`` beside where the report would be, no report and no model. The full
run would have trained for minutes and then refused for the same reason; ``--force`` and
``--dry-run`` still run everything (the reason is then one of the gate's failures).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from training.options import RetrainOptions, RetrainResult
from training.ports import RunRecorder, RunStatus
from training.progress import Progress, final_progress


def nothing_new(feedback: pd.DataFrame, current_feedback_until: str | None, since: dt.datetime | None) -> str | None:
    """Why a retrain on ``feedback`` (from ``training.feedback.dedupe_feedback``) has nothing new to
    learn, or ``None``: no label at all (since ``since``), or none set after
    ``current_feedback_until`` (the newest label the current model learnt from, its ``feedback_until``)."""
    if not len(feedback):
        return "nothing new to learn: no feedback labels" + (" since --since" if since else "")
    if current_feedback_until and feedback["labelled_at"].max() <= pd.Timestamp(current_feedback_until):
        return f"nothing new to learn: no label set after the current model's feedback ({current_feedback_until})"
    return None


def refused_early_summary(why: str, current_version: str, feedback: pd.DataFrame, fb_stats: dict[str, int],
                          options: RetrainOptions) -> dict[str, Any]:
    """The ``RetrainRun.summary`` of a run refused before training (``refused_early`` is true)."""
    return {
        "status": str(RunStatus.REFUSED),
        "refused_early": True,
        "gate": {"passed": False, "forced": False, "checks": [], "failed": [why],
                 "tolerances": asdict(options.tolerances), "base_comparator": None, "feedback_gated": False},
        "versions": {"current": current_version, "candidate": None, "published_model": None, "reference": None},
        "data": {"feedback": {**fb_stats, "since": options.since.isoformat() if options.since else None,
                              "spam": int(feedback["label"].sum()) if len(feedback) else 0,
                              "until": feedback["labelled_at"].max().isoformat() if len(feedback) else None}},
        "notes": ["refused before training: label comments (queue, submit-spam / submit-ham) and run it again; "
                  "--force or --dry-run run the whole retrain anyway"],
        "warnings": [],
    }


def finish_early(runs: RunRecorder, run_id: int, run_dir: Path, prog: Progress, why: str, current_version: str,
                 feedback: pd.DataFrame, fb_stats: dict[str, int], options: RetrainOptions) -> RetrainResult:
    """Record run ``run_id`` as refused because ``why`` (``summary.json`` in ``run_dir``, no report)."""
    summary = refused_early_summary(why, current_version, feedback, fb_stats, options)
    summary["seconds"] = round(time.perf_counter() - prog.started, 1)
    summary["stages"] = prog.done
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    runs.finish(run_id, RunStatus.REFUSED, candidate_version=None, report_path=None, summary=summary,
                progress=final_progress(prog, str(RunStatus.REFUSED)))
    return RetrainResult(run_id, str(RunStatus.REFUSED), None, run_dir, summary)
