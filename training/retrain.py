"""Retraining from moderator feedback, with a promotion gate (``saring retrain``).

Stages (each a progress bar and a line in the run record, :mod:`training.progress`):

0. **Feedback** from ``ports.feedback``; with no label newer than the current model's, the run is
   refused at once (:mod:`training.refusal`), unless ``--force`` or ``--dry-run``.
1. **Base data**: the public data sets, exact duplicates of the normalised text removed.
2. **Split** (:mod:`training.evalsplit`, :func:`training.feedback.split_for_training`): the fixed,
   pinned evaluation split of the base data (by near-duplicate key: no candidate ever trains on
   it); feedback from ``ports.feedback`` (one row per text, newest label wins), its newest
   ``test_fraction`` held out by time; base rows with a labelled text give way to the label.
3. **Candidate** (:mod:`training.candidate`): the current model's recipe (pipeline parameters
   and fixed lexicon prior) fitted on base-train + older feedback (weight ``feedback_weight``);
   hold/reject thresholds per text-detected language from out-of-source scores (whole groups held
   out: each data set's natural units, each site's feedback), as ``saring train`` chooses them.
4. **Evaluation**: candidate vs current, each at its own thresholds, on the evaluation split and
   the newest feedback; a current model trained on the evaluation split is compared through a
   *reference* (its recipe refitted on base-train only).
5. **Gate** (:mod:`training.gate`): not worse on any guarded figure beyond the tolerances;
   ``--force`` publishes anyway (recorded).
6. **Refit** on base-train + all feedback with the candidate's thresholds, checked again.
7. **Report** (:mod:`training.retrain_report`) and **publish** through ``ports.models``.
   ``--dry-run`` does everything but publish.

``training`` uses ``models/`` and talks to the database and Redis only through
:mod:`training.ports`.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn

from models import artifact
from models.classifier import SpamClassifier
from training.data import dedupe
from training.evalsplit import EVAL_SPLIT, EvalSplit, check_pinned, load_base, pin_split, split_base
from training.evaluate import evaluate_scores
from training.candidate import (
    as_classifier,
    both_classes,
    evaluation,
    fit_pipeline,
    oos_thresholds,
    prior_of,
    recipe,
    spam_scores_of,
)
from training.feedback import FEEDBACK_DATASET, data_summary_of, dedupe_feedback, split_for_training, time_split
from training.gate import Tolerances, discordant, gate, operating_point_checks
from training.options import RetrainOptions, RetrainResult
from training.paths import default_data_dir
from training.ports import RetrainPorts, RunStatus
from training.progress import Progress, final_progress
from training.refusal import finish_early, nothing_new
from training.summary import format_summary
from training.train import RANDOM_STATE, stratified_sample, summary_row

__all__ = [
    "EVAL_SPLIT",
    "EvalSplit",
    "RetrainOptions",
    "RetrainResult",
    "Tolerances",
    "dedupe_feedback",
    "format_summary",
    "gate",
    "retrain",
    "split_base",
    "time_split",
]

log = logging.getLogger(__name__)

#: How a retrained model's thresholds are chosen (recorded in its metadata).
THRESHOLD_METHOD = ("out-of-source scores (base groups and each site's feedback held out whole), per text-detected "
                    "language (en, id) else pooled; hold: held ham <= 1 %, reject: rejected ham <= 0.1 %")

_BASE_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]] = {}


def _base_data(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """``(raw, de-duplicated, dedupe stats)`` of the base data under ``root``; kept in memory for
    the process while no file under ``root`` changes (a worker that retrains twice loads once)."""
    sig = tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in Path(root).rglob("*") if p.is_file()))
    key = (str(Path(root).resolve()), sig)
    if key not in _BASE_CACHE:
        raw = load_base(root)
        base, stats = dedupe(raw)
        _BASE_CACHE.clear()
        _BASE_CACHE[key] = (raw, base, stats)
    raw, base, stats = _BASE_CACHE[key]
    return raw.copy(), base.copy(), json.loads(json.dumps(stats))


def _current_model(ports: RetrainPorts) -> SpamClassifier:
    """The current model from the trusted record, else the shipped default."""
    return ports.models.current() or artifact.load_default()


# --------------------------------------------------------------------------- the run


def retrain(ports: RetrainPorts, options: RetrainOptions, report_root: Path | str,
            run_id: int | None = None, progress: bool = True) -> RetrainResult:
    """Retrain, evaluate, gate, report and (unless refused or dry-run) publish.

    Args:
        ports: the feedback, the model store (current model, publishing) and the run record
            (``service.retraining.ports.for_database`` builds them from the database and Redis).
        options: see :class:`RetrainOptions`.
        report_root: folder under which the run folder ``run-<id>`` is written.
        run_id: an existing ``queued`` run (background jobs); ``None`` records a new one.
        progress: show tqdm progress bars on stderr.

    Returns:
        The :class:`RetrainResult` (status ``published``, ``refused`` or ``dry-run``).

    Raises:
        training.data.DataMissingError: the base data sets are missing (the run is marked
            ``failed``), and any other error after marking the run ``failed`` with its message.
    """
    opts = {"since": options.since.isoformat() if options.since else None, "force": options.force,
            "dry_run": options.dry_run, "quick": options.quick, "refit": options.refit,
            "feedback_weight": options.feedback_weight, "test_fraction": options.test_fraction}
    if run_id is None:
        run_id = ports.runs.start(options.started_by, opts)
    run_dir = Path(report_root) / f"run-{run_id:05d}"
    try:
        return _retrain(ports, options, run_id, run_dir, Progress(ports.runs, run_id, progress, opts))
    except BaseException as exc:
        # the reason is shown to admins (API, models page); the traceback goes to the log only
        log.error("retrain run %s failed", run_id, exc_info=True)
        ports.runs.finish(run_id, RunStatus.FAILED, summary={"error": f"{type(exc).__name__}: {exc}"})
        raise


def _retrain(ports: RetrainPorts, options: RetrainOptions, run_id: int, run_dir: Path,
             prog: Progress) -> RetrainResult:
    t_start = time.perf_counter()
    warnings: list[str] = []
    root = Path(options.data_dir) if options.data_dir is not None else default_data_dir()

    with prog.stage("gather feedback", 2) as bar:
        current = _current_model(ports)
        feedback_raw = ports.feedback.load(options.since)
        bar.update(1)
        feedback, fb_stats = dedupe_feedback(feedback_raw)
        bar.update(1)

    why = nothing_new(feedback, current.metadata.get("feedback_until"), options.since)
    if why and not (options.force or options.dry_run):  # refused in seconds: no base data loaded, nothing fitted
        return finish_early(ports.runs, run_id, run_dir, prog, why, current.version, feedback, fb_stats, options)

    with prog.stage("load base data", 2) as bar:
        raw, base, dedupe_stats = _base_data(root)
        bar.update(1)
        if options.quick:
            base = stratified_sample(base, options.quick_rows, RANDOM_STATE)
        bar.update(1)

    with prog.stage("split", 1) as bar:
        sp = split_for_training(base, feedback, options.test_fraction)
        split_info = sp.split_info
        warning = check_pinned(split_info, options.quick)
        if warning:
            warnings.append(warning)
        base_train, base_eval, fb_older, fb_newest, fb_train = sp.base_train, sp.base_eval, sp.fb_older, sp.fb_newest, sp.fb_train
        eval_keys = sp.eval_keys
        bar.update(1)

    params = recipe(current, options)
    folds = 2 if options.quick else options.folds
    train_rows = pd.concat([base_train, fb_train], ignore_index=True)
    weights = np.where(train_rows["dataset"] == FEEDBACK_DATASET, options.feedback_weight, 1.0)
    cur_split = current.metadata.get("eval_split") or {}
    current_saw_eval = not (cur_split.get("version") == EVAL_SPLIT.version and cur_split.get("digest") == split_info["digest"])
    need_reference = current_saw_eval and len(fb_train) > 0
    n_cv = folds * (2 if need_reference else 1)

    prior = prior_of(current)
    with prog.stage("choose thresholds (out of source)", n_cv) as bar:
        cand_oos, _ = oos_thresholds(params, train_rows, weights, folds, bar, prior)
        cand_thresholds, cand_by_lang = cand_oos["thresholds"], cand_oos["thresholds_by_lang"]
        if need_reference:
            ref_params = recipe(current, RetrainOptions(quick=options.quick))
            ref_oos, _ = oos_thresholds(ref_params, base_train, np.ones(len(base_train)), folds, bar, prior)

    trained_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    feedback_until = feedback["labelled_at"].max().isoformat() if len(feedback) else None
    data_summary = data_summary_of(sp, raw, base, dedupe_stats, feedback, fb_stats, options.since,
                                   options.feedback_weight)
    base_meta = {"trained_at": trained_at, "params": params, "sklearn_version": sklearn.__version__,
                 "lexicon_prior": prior, "threshold_method": THRESHOLD_METHOD,
                 "quick": options.quick, "eval_split": {"version": split_info["version"], "digest": split_info["digest"]},
                 "parent_version": current.version, "retrain_run_id": run_id, "data": data_summary}

    with prog.stage("train candidate", 1) as bar:
        t0 = time.perf_counter()
        cand_pipe = fit_pipeline(params, train_rows, weights)
        fit_seconds = time.perf_counter() - t0
        candidate = as_classifier(cand_pipe, {**base_meta, "thresholds": cand_thresholds, "thresholds_by_lang": cand_by_lang,
                                       "feedback_until": fb_older["labelled_at"].max().isoformat() if len(fb_older) else None,
                                       "trained_on": "base-train + older feedback"})
        bar.update(1)

    reference = None
    if need_reference:
        with prog.stage("reference model", 1) as bar:
            ref_pipe = fit_pipeline(ref_params, base_train, np.ones(len(base_train)))
            reference = as_classifier(ref_pipe, {**base_meta, "params": ref_params, "thresholds": ref_oos["thresholds"],
                                                 "thresholds_by_lang": ref_oos["thresholds_by_lang"],
                                          "trained_on": "base-train (current recipe, reference)"})
            bar.update(1)
    else:
        prog.skip("reference model", "current model never saw the evaluation split" if not current_saw_eval
                  else "no feedback: the candidate is the current recipe on base-train")

    with prog.stage("evaluate", 2) as bar:
        y_eval = base_eval["label"].to_numpy().astype(int)
        ds_eval = base_eval["dataset"].to_numpy().astype(str)
        scores_eval = {"candidate": spam_scores_of(candidate, base_eval), "current": spam_scores_of(current, base_eval)}
        th = {"candidate": candidate.thresholds, "current": current.thresholds}
        if reference is not None:
            scores_eval["reference"] = spam_scores_of(reference, base_eval)
            th["reference"] = reference.thresholds
        ev_base = evaluation(y_eval, ds_eval, scores_eval, th)
        base_comparator = "reference" if reference is not None else ("candidate" if current_saw_eval else "current")
        bar.update(1)
        y_fb = fb_newest["label"].to_numpy().astype(int)
        scores_fb = {"candidate": spam_scores_of(candidate, fb_newest), "current": spam_scores_of(current, fb_newest)}
        th_fb = {"candidate": candidate.thresholds, "current": current.thresholds}
        fb_groups = np.array([f"site {s}" for s in fb_newest["site_id"]]) if len(fb_newest) else np.array([])
        ev_fb = evaluation(y_fb, fb_groups, scores_fb, th_fb) if len(fb_newest) else {}
        bar.update(1)

    tol = options.tolerances
    checks: list[dict[str, Any]] = []
    notes: list[str] = []
    if base_comparator == "candidate":
        notes.append("no feedback to learn from and the current model saw the evaluation split: the candidate is "
                     "the current recipe on base-train, so it is its own reference (nothing to compare)")
    else:
        checks += gate(ev_base["candidate"]["overall"], ev_base[base_comparator]["overall"], "base_eval", tol,
                       discordant(y_eval, scores_eval["candidate"], th["candidate"], scores_eval[base_comparator],
                                  th[base_comparator]))
        comparator_model = {"reference": reference, "current": current}[base_comparator]
        checks += operating_point_checks(candidate, comparator_model, base_eval, y_eval, scores_eval["candidate"],
                                         scores_eval[base_comparator], "base_eval", tol)
        if base_comparator == "reference":
            notes.append("the current model was trained on the evaluation split; on it the candidate is compared "
                         "with the current recipe refitted on base-train (reference)")
    fb_gated = len(fb_newest) >= options.min_feedback_test and both_classes(y_fb)
    if fb_gated:
        checks += gate(ev_fb["candidate"]["overall"], ev_fb["current"]["overall"], "feedback_newest", tol,
                       discordant(y_fb, scores_fb["candidate"], th_fb["candidate"], scores_fb["current"],
                                  th_fb["current"]))
        checks += operating_point_checks(candidate, current, fb_newest, y_fb, scores_fb["candidate"],
                                         scores_fb["current"], "feedback_newest", tol)
    else:
        notes.append(f"newest feedback not gated: {len(fb_newest)} comments ({int(y_fb.sum())} spam); the gate needs "
                     f"at least {options.min_feedback_test} with both ham and spam")
    if feedback_until and current.metadata.get("feedback_until") and len(fb_newest):
        seen = int((fb_newest["labelled_at"] <= pd.Timestamp(current.metadata["feedback_until"])).sum())
        if seen:
            notes.append(f"{seen} of the newest feedback comments may have been trained on by the current model")

    final, final_checks = candidate, []
    refit = options.refit and len(fb_newest) > 0
    if refit:
        with prog.stage("refit on all feedback", 1) as bar:
            newest_trainable = fb_newest[~fb_newest["_key"].isin(eval_keys)]
            all_rows = pd.concat([base_train, fb_train, newest_trainable], ignore_index=True)
            all_w = np.where(all_rows["dataset"] == FEEDBACK_DATASET, options.feedback_weight, 1.0)
            final = as_classifier(fit_pipeline(params, all_rows, all_w),
                           {**base_meta, "thresholds": cand_thresholds, "thresholds_by_lang": cand_by_lang, "feedback_until": feedback_until,
                            "trained_on": "base-train + all feedback (refit of the evaluated recipe)"})
            scores_eval["published"] = spam_scores_of(final, base_eval)
            ev_base["published"] = evaluate_scores(y_eval, scores_eval["published"], final.thresholds, ds_eval)
            th["published"] = final.thresholds
            if base_comparator != "candidate":
                final_checks = gate(ev_base["published"]["overall"], ev_base[base_comparator]["overall"],
                                    "base_eval (published refit)", tol,
                                    discordant(y_eval, scores_eval["published"], final.thresholds,
                                               scores_eval[base_comparator], th[base_comparator]))
            bar.update(1)
    else:
        prog.skip("refit on all feedback", "disabled" if not options.refit else "no newest feedback")

    all_checks = checks + final_checks
    failed = [f"{c['split']}: {c['figure']}" for c in all_checks if c["ok"] is False]
    if why:  # --force or --dry-run went on
        failed.append(why)
    passed = not failed
    will_publish = not options.dry_run and (passed or options.force)
    status = "dry-run" if options.dry_run else ("published" if will_publish else "refused")

    summary: dict[str, Any] = {
        "status": status,
        "gate": {"passed": passed, "forced": bool(options.force and not passed and not options.dry_run),
                 "checks": all_checks, "failed": failed,
                 "tolerances": asdict(tol), "base_comparator": base_comparator, "feedback_gated": fb_gated},
        "versions": {"current": current.version, "candidate": candidate.version, "published_model": final.version,
                     "reference": reference.version if reference is not None else None},
        "thresholds": {name: th_ for name, th_ in th.items()},
        "thresholds_by_lang": {"candidate": cand_by_lang, "current": current.metadata.get("thresholds_by_lang") or {}},
        "out_of_source": cand_oos["table"],
        "figures": {
            "base_eval": {name: summary_row(ev["overall"]) for name, ev in ev_base.items()},
            "base_eval_per_dataset": {name: {k: summary_row(v) for k, v in ev["per_dataset"].items()}
                                      for name, ev in ev_base.items()},
            "feedback_newest": {name: summary_row(ev["overall"]) for name, ev in ev_fb.items()},
        },
        "data": data_summary,
        "notes": notes,
        "warnings": warnings,
        "params": params,
        "current_saw_eval_split": current_saw_eval,
        "fit_seconds": round(fit_seconds, 1),
    }

    with prog.stage("report", 1) as bar:
        from training.retrain_report import write_report

        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "model.skops").write_bytes(final.blob)
        (run_dir / "model.json").write_text(json.dumps({"version": final.version, "sha256": final.sha256,
                                                        **final.metadata}, indent=2, default=str) + "\n",
                                            encoding="utf-8")
        summary["seconds"] = round(time.perf_counter() - t_start, 1)
        write_report(run_dir, run_id, summary, {
            "base_eval": {"y": y_eval, "groups": ds_eval, "scores": scores_eval, "thresholds": th},
            "feedback_newest": {"y": y_fb, "groups": fb_groups, "scores": scores_fb, "thresholds": th_fb},
        })
        bar.update(1)

    if will_publish:
        with prog.stage("publish", 1) as bar:
            warnings += _publish(ports, current, final, summary, options.started_by, run_dir)
            bar.update(1)
    else:
        prog.skip("publish", "dry run" if options.dry_run else "refused by the gate")

    summary["seconds"] = round(time.perf_counter() - t_start, 1)
    summary["stages"] = prog.done
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    ports.runs.finish(run_id, RunStatus(status), candidate_version=final.version,
                      report_path=str(run_dir / "report.html"), summary=json.loads(json.dumps(summary, default=str)),
                      progress=final_progress(prog, status))
    return RetrainResult(run_id, status, final.version, run_dir, summary)


def _publish(ports: RetrainPorts, current: SpamClassifier, final: SpamClassifier, summary: dict[str, Any],
             started_by: str, run_dir: Path) -> list[str]:
    """Publish ``final`` (keeping ``current`` recorded for rollback). Returns warnings."""
    figures = summary["figures"]
    meta = {**final.metadata, "metrics": {"retrain": {
        "gate_passed": summary["gate"]["passed"], "forced": summary["gate"]["forced"],
        "base_eval": figures["base_eval"].get("published") or figures["base_eval"]["candidate"],
        "feedback_newest": figures["feedback_newest"].get("candidate")}}}
    if not ports.models.has(current.version):  # keep the shipped model reachable by rollback
        ports.models.publish(current.version, current.blob, current.metadata,
                             published_by="saring (shipped model)", make_current=False)
    if ports.models.publish(final.version, final.blob, meta, published_by=started_by or "saring retrain",
                            report_path=str(run_dir / "report.html")):
        return []
    return ["Redis unreachable: the version is recorded in the database only; workers switch "
            "when `saring models rollback VERSION` reaches Redis"]


def main(argv: list[str] | None = None) -> int:
    """``python -m training.retrain --pin-eval-split [--data-dir D]``: pin the evaluation split.
    (Retraining itself runs through ``saring retrain``, which knows the database and Redis.)"""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m training.retrain")
    ap.add_argument("--pin-eval-split", action="store_true", help="write training/eval_split.json")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    if not args.pin_eval_split:
        ap.error("nothing to do: use `saring retrain` to retrain, or --pin-eval-split")
    info = pin_split(args.data_dir)
    print(f"pinned {info['version']}: {info['rows']} rows ({info['spam']} spam), digest {info['digest']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
