"""Retraining from moderator feedback, with a promotion gate (``saring retrain``).

Steps (each a stage with a progress bar and a line in ``RetrainRun.progress``):

1. **Base data**: the public data sets (:func:`training.data.load_base_datasets`), exact
   duplicates of the normalised text removed (:func:`training.data.dedupe`).
2. **Fixed evaluation split** (:data:`EVAL_SPLIT`): a base row belongs to the evaluation split
   when ``sha256(salt + group key)`` falls in the first ``percent`` of 100 buckets; the group key is
   the near-duplicate key of :func:`training.data.group_keys` (letters a–z of the normalised
   text), so a spam template never sits on both sides. The rule depends on the text only: the
   split never drifts, no candidate ever trains on it, and its version id and content digest are
   recorded with every run (and compared with the pinned ``training/eval_split.json``).
3. **Feedback**: every stored label (``labels`` table: one per comment, the newest report wins)
   of a comment that is not ``is_test``, optionally only labels set since ``--since``. Comments
   with the same normalised text are one example whose label is the newest one. Base rows with a
   labelled text are dropped (the site's own label wins); feedback whose near-duplicate key is in
   the evaluation split is not trained on.
4. **Time split of the feedback**: the newest ``test_fraction`` of labels (by when the label was
   set) is the feedback test set; the older ones are trained on.
5. **Candidate**: the current model's pipeline parameters (the alternative ``saring train``
   chose) via :func:`models.pipeline.build_pipeline`, fitted on base-train + older feedback
   (feedback rows weigh ``feedback_weight``). Its ``hold``/``reject`` thresholds come from
   out-of-fold scores of a ``StratifiedGroupKFold`` on its training rows
   (:func:`training.evaluate.choose_thresholds`: ham FPR ≤ 1 % / ≤ 0.1 %), as in ``saring train``.
6. **Evaluation**: candidate vs the current model, each at its own thresholds, on the fixed
   evaluation split and on the newest feedback (:func:`training.evaluate.evaluate_scores`). A
   current model that was trained on the evaluation split (the shipped model was trained on all
   base data) is compared there through a **reference**: its own recipe refitted on base-train
   only, thresholds chosen the same way; its own figures are reported but marked as seen data.
7. **Gate** (:func:`gate`): the candidate must not be worse on any guarded figure — ham false
   positive rate at hold and at reject, spam recall at hold, ROC AUC — beyond the tolerances of
   :class:`Tolerances`, on both evaluations. ``--force`` publishes anyway (recorded).
8. **Refit** (default): the published model is the same recipe refitted on base-train + *all*
   feedback (the newest labels included) with the candidate's thresholds; it is checked on the
   fixed evaluation split again (the newest feedback cannot judge it, it trained on it).
9. **Report** (:mod:`training.retrain_report`) and **publish** through
   :func:`service.model_versions.publish` (database row first, then Redis; workers swap within
   ``model_poll_seconds``). ``--dry-run`` does everything but publish.

``training`` uses ``models/`` and the store, never the Flask app.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import StratifiedGroupKFold
from sqlalchemy import select
from tqdm.auto import tqdm

from models import artifact
from models.classifier import SpamClassifier
from models.comment import FEATURE_COLUMNS, to_frame
from models.normalize import normalize_text
from models.pipeline import build_pipeline
from models.registry import ModelRegistry
from service import model_versions
from service.store.db import Database, session_scope
from service.store.tables import Comment, Label, RetrainRun, utcnow
from training.data import _letters_key, dedupe, default_data_dir, load_base_datasets
from training.evaluate import choose_thresholds, choose_thresholds_by_lang, evaluate_scores
from training.train import _QUICK_PARAMS, _QUICK_ROWS, RANDOM_STATE, _sample, _summary_row

__all__ = [
    "EVAL_SPLIT",
    "EvalSplit",
    "RetrainOptions",
    "RetrainResult",
    "Tolerances",
    "active_run",
    "gate",
    "load_feedback",
    "retrain",
    "split_base",
    "start_run",
    "time_split",
]

log = logging.getLogger(__name__)

#: Run states: waiting for a worker, working, and the four outcomes.
RUN_STATES = ("queued", "running", "published", "refused", "failed", "dry-run")
#: A ``queued``/``running`` run older than this (seconds) is taken for dead (its process died).
RUN_STALE_AFTER = 2 * 3600
#: The pinned description of the evaluation split (version, digest, counts).
PINNED_SPLIT_PATH = Path(__file__).resolve().parent / "eval_split.json"
FEEDBACK_DATASET = "feedback"


# --------------------------------------------------------------------------- evaluation split


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


EVAL_SPLIT = EvalSplit(version="base-eval-v1", salt="saring/base-eval/v1", percent=20)


def _norm_and_keys(content: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalised text and near-duplicate key of each row (as :func:`training.data.group_keys`)."""
    norm = content.map(normalize_text).str.strip()
    keys = norm.map(lambda n: _letters_key(n) or "#" + n)
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
    norm, keys = _norm_and_keys(base["content"])
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
    base, _ = dedupe(load_base_datasets(data_dir))
    _train, _ev, info = split_base(base)
    PINNED_SPLIT_PATH.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


# --------------------------------------------------------------------------- feedback


def load_feedback(db: Database, since: dt.datetime | None = None) -> pd.DataFrame:
    """Labelled comments from the database, for training.

    Every ``labels`` row (one per comment; the newest report already won there) whose comment is
    not ``is_test``; with ``since``, only labels set (``updated_at``) at or after it.

    Returns:
        Comment frame (:data:`models.comment.FEATURE_COLUMNS`) plus ``label`` (0 ham / 1 spam),
        ``dataset`` (``"feedback"``), ``labelled_at`` (UTC timestamps), ``comment_id``,
        ``site_id`` and ``source`` (``moderator`` | ``akismet`` | ``api``), oldest label first.
    """
    cols = [getattr(Comment, c) for c in FEATURE_COLUMNS]
    stmt = (select(*cols, Comment.id, Comment.site_id, Label.label, Label.updated_at, Label.source)
            .join(Label, Label.comment_id == Comment.id)
            .where(Comment.is_test.is_(False)))
    if since is not None:
        stmt = stmt.where(Label.updated_at >= _aware(since))
    with session_scope(db) as s:
        rows = s.execute(stmt).all()
    records = [dict(zip([*FEATURE_COLUMNS, "comment_id", "site_id", "label", "labelled_at", "source"], r))
               for r in rows]
    frame = to_frame(records)
    frame["label"] = np.array([1 if r["label"] == "spam" else 0 for r in records], dtype=int)
    frame["dataset"] = FEEDBACK_DATASET
    frame["labelled_at"] = pd.to_datetime([_aware(r["labelled_at"]) for r in records], utc=True)
    frame["comment_id"] = [r["comment_id"] for r in records]
    frame["site_id"] = [int(r["site_id"]) for r in records]
    frame["source"] = [r["source"] for r in records]
    return frame.sort_values(["labelled_at", "comment_id"], kind="stable").reset_index(drop=True)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def dedupe_feedback(feedback: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per normalised text; the newest label wins. Empty texts are dropped.

    Returns ``(frame with _norm and _key columns, stats)``; stats has ``labels``, ``kept``,
    ``duplicates`` and ``empty``.
    """
    norm, keys = _norm_and_keys(feedback["content"])
    work = feedback.assign(_norm=norm.to_numpy(), _key=keys.to_numpy())
    empty = int((work["_norm"] == "").sum())
    work = work[work["_norm"] != ""]
    kept = work.sort_values("labelled_at", kind="stable").drop_duplicates("_norm", keep="last")
    kept = kept.sort_values(["labelled_at", "comment_id"], kind="stable").reset_index(drop=True)
    return kept, {"labels": int(len(feedback)), "kept": int(len(kept)),
                  "duplicates": int(len(work) - len(kept)), "empty": empty}


def time_split(feedback: pd.DataFrame, test_fraction: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Older and newest feedback: the newest ``ceil(test_fraction × n)`` labels (by
    ``labelled_at``) are the test set. ``feedback`` must be sorted oldest first."""
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), not {test_fraction}")
    n_test = math.ceil(test_fraction * len(feedback))
    cut = len(feedback) - n_test
    return feedback.iloc[:cut].reset_index(drop=True), feedback.iloc[cut:].reset_index(drop=True)


# --------------------------------------------------------------------------- the gate


@dataclass(frozen=True)
class Tolerances:
    """How much worse than the current model a candidate may be on a guarded figure.

    All absolute (0.002 = 0.2 percentage points). On an evaluation set with few comments of a
    class, one comment's worth (1 / number of ham for FPR, 1 / number of spam for recall,
    1 / the smaller class for ROC AUC) is allowed when that is larger: one more misjudged comment
    among 30 is noise, not evidence.

    Attributes:
        fpr_hold: ham false positive rate at the hold threshold may rise by this much.
        fpr_reject: ham false positive rate at the reject threshold may rise by this much.
        recall_hold: spam recall at the hold threshold may fall by this much.
        roc_auc: ROC AUC may fall by this much.
    """

    fpr_hold: float = 0.002
    fpr_reject: float = 0.001
    recall_hold: float = 0.01
    roc_auc: float = 0.002


#: (figure, block path, lower is better?, tolerance field, denominator class)
GUARDED = (
    ("fpr_at_hold", ("at_hold", "fpr"), True, "fpr_hold", "ham"),
    ("fpr_at_reject", ("at_reject", "fpr"), True, "fpr_reject", "ham"),
    ("recall_at_hold", ("at_hold", "recall"), False, "recall_hold", "spam"),
    ("roc_auc", ("roc_auc",), False, "roc_auc", "min"),
)


def _figure(block: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = block
    for p in path:
        value = value.get(p) if isinstance(value, dict) else None
    return None if value is None else float(value)


def gate(candidate: dict[str, Any], current: dict[str, Any], split: str, tolerances: Tolerances) -> list[dict[str, Any]]:
    """Compare two ``evaluate_scores(...)["overall"]`` blocks on the guarded figures.

    Args:
        candidate, current: overall blocks (``n``, ``n_spam``, ``roc_auc``, ``at_hold``,
            ``at_reject``), each model at its own thresholds.
        split: name of the evaluation set (recorded in each check).
        tolerances: allowed worsening.

    Returns:
        One check per figure: ``split``, ``figure``, ``candidate``, ``current``, ``tolerance``
        (the allowance used), ``lower_is_better``, ``ok`` (``True``/``False``, or ``None`` when
        the figure cannot be computed on this set, e.g. no spam in it).
    """
    n_spam = int(current["n_spam"])
    n_ham = int(current["n"]) - n_spam
    counts = {"ham": n_ham, "spam": n_spam, "min": min(n_ham, n_spam)}
    checks = []
    for name, path, lower, tol_field, denom in GUARDED:
        cand, cur = _figure(candidate, path), _figure(current, path)
        tol = float(getattr(tolerances, tol_field))
        if counts[denom] > 0:
            tol = max(tol, 1.0 / counts[denom])
        if cand is None or cur is None:
            ok = None
        elif lower:
            ok = cand <= cur + tol + 1e-12
        else:
            ok = cand >= cur - tol - 1e-12
        checks.append({"split": split, "figure": name, "candidate": cand, "current": cur, "tolerance": tol,
                       "lower_is_better": lower, "ok": ok})
    return checks


def operating_point_checks(candidate: Any, comparator: Any, frame: pd.DataFrame, y: np.ndarray,
                           s_candidate: np.ndarray, s_comparator: np.ndarray, split: str,
                           tolerances: Tolerances) -> list[dict[str, Any]]:
    """:func:`gate` at every operating point the candidate will serve (each language's hold and
    reject, on that language's rows; the pooled pair on the rows of all other languages), each
    model at its own thresholds for that language (:func:`models.thresholds.resolve_thresholds`)."""
    from models.lang import comment_lang
    from models.thresholds import operating_points, resolve_thresholds

    if not len(frame):
        return []
    langs = np.asarray([comment_lang(str(d), str(t)) for d, t in
                        zip(frame.get("lang", pd.Series([""] * len(frame))), frame["content"])])
    points = operating_points(candidate.metadata)
    served = [k for k in points if k != "pooled"]
    checks: list[dict[str, Any]] = []
    for name in points:
        mask = ~np.isin(langs, served) if name == "pooled" else langs == name
        if not mask.any() or (y[mask] == 0).sum() == 0:
            continue
        lang = "" if name == "pooled" else name
        blocks = []
        for model, scores in ((candidate, s_candidate), (comparator, s_comparator)):
            hold, reject = resolve_thresholds(model.metadata, lang)
            blocks.append(evaluate_scores(y[mask], scores[mask], {"hold": hold, "reject": reject})["overall"])
        checks += gate(blocks[0], blocks[1], f"{split} [{name}]", tolerances)
    return checks


# --------------------------------------------------------------------------- runs and progress


@dataclass
class RetrainOptions:
    """What one retrain does.

    Attributes:
        data_dir: folder of the public data sets (``None``: ``$SARING_DATA_DIR`` or ../shared/data).
        since: only labels set at or after this time (UTC when naive).
        force: publish even when the gate refuses.
        dry_run: evaluate and report, never publish.
        quick: small, fast settings for tests (a stratified sample of the base data, 2 folds,
            small vocabularies): never for production.
        quick_rows: base rows sampled when ``quick``.
        feedback_weight: sample weight of a feedback example (base examples weigh 1).
        test_fraction: share of the newest feedback held out for the time-split evaluation.
        min_feedback_test: fewer newest-feedback comments than this (or one class missing): the
            feedback evaluation is reported but not gated.
        folds: folds of the out-of-fold threshold choice (``quick``: 2).
        refit: publish the recipe refitted on all feedback (default) instead of the candidate
            trained without the newest feedback.
        tolerances: the gate's tolerances.
        started_by: who asked (recorded on the run and the published version).
        params: pipeline parameter overrides (tests build a deliberately worse candidate).
    """

    data_dir: Path | str | None = None
    since: dt.datetime | None = None
    force: bool = False
    dry_run: bool = False
    quick: bool = False
    quick_rows: int = _QUICK_ROWS
    feedback_weight: float = 3.0
    test_fraction: float = 0.2
    min_feedback_test: int = 10
    folds: int = 3
    refit: bool = True
    tolerances: Tolerances = field(default_factory=Tolerances)
    started_by: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RetrainResult:
    """Outcome of :func:`retrain`.

    Attributes:
        run_id: the ``RetrainRun`` row.
        status: ``published`` | ``refused`` | ``dry-run`` (``failed`` runs raise instead).
        candidate_version: version id of the model that was (or would have been) published.
        report_dir: folder with ``report.html``, the PNG plots, ``summary.json`` and the
            candidate artifact (``model.skops``, ``model.json``).
        summary: what is stored in ``RetrainRun.summary`` (figures, gate checks, data counts).
    """

    run_id: int
    status: str
    candidate_version: str | None
    report_dir: Path
    summary: dict[str, Any]

    @property
    def passed(self) -> bool:
        """Whether the gate passed (independent of ``--force``/``--dry-run``)."""
        return bool(self.summary.get("gate", {}).get("passed"))


def start_run(db: Database, started_by: str, options: dict[str, Any], status: str = "running") -> int:
    """Record a new ``RetrainRun`` (``queued`` for a background job, else ``running``); returns its id."""
    if status not in ("queued", "running"):
        raise ValueError(f"a run starts queued or running, not {status!r}")
    with session_scope(db) as s:
        run = RetrainRun(status=status, started_by=started_by[:255],
                         progress={"stage": status, "percent": 0.0, "options": options})
        s.add(run)
        s.flush()
        return int(run.id)


def active_run(db: Database, now: dt.datetime | None = None) -> RetrainRun | None:
    """The newest ``queued``/``running`` run started less than ``RUN_STALE_AFTER`` ago, if any."""
    now = now or utcnow()
    with session_scope(db) as s:
        rows = s.scalars(select(RetrainRun).where(RetrainRun.status.in_(("queued", "running")))
                         .order_by(RetrainRun.id.desc())).all()
    for run in rows:
        if (now - _aware(run.started_at)).total_seconds() < RUN_STALE_AFTER:
            return run
    return None


def finish_run(db: Database, run_id: int, status: str, **values: Any) -> None:
    """Set a run's outcome (``status`` in :data:`RUN_STATES`) and ``finished_at``."""
    if status not in RUN_STATES:
        raise ValueError(f"unknown run status {status!r}")
    with session_scope(db) as s:
        run = s.get(RetrainRun, run_id)
        run.status = status
        run.finished_at = utcnow()
        for k, v in values.items():
            setattr(run, k, v)


class _Progress:
    """A tqdm bar per stage and the same progress in ``RetrainRun.progress`` (for the API/page)."""

    STAGES = ("load base data", "gather feedback", "split", "choose thresholds (cross-validation)",
              "train candidate", "reference model", "evaluate", "refit on all feedback", "report", "publish")

    def __init__(self, db: Database, run_id: int, show: bool, options: dict[str, Any]) -> None:
        self.db, self.run_id, self.show, self.options = db, run_id, show, options
        self.done: list[dict[str, Any]] = []
        self.started = time.perf_counter()

    def _save(self, stage: str, step: int, steps: int) -> None:
        index = self.STAGES.index(stage) if stage in self.STAGES else len(self.STAGES) - 1
        percent = 100.0 * (index + (step / steps if steps else 0.0)) / len(self.STAGES)
        with session_scope(self.db) as s:
            run = s.get(RetrainRun, self.run_id)
            run.status = "running"
            run.progress = {"stage": stage, "stage_number": index + 1, "stages": len(self.STAGES),
                            "step": step, "steps": steps, "percent": round(percent, 1),
                            "elapsed_seconds": round(time.perf_counter() - self.started, 1),
                            "done": list(self.done), "options": self.options,
                            "updated_at": utcnow().isoformat()}

    @contextmanager
    def stage(self, name: str, steps: int = 1) -> Iterator["_Bar"]:
        t0 = time.perf_counter()
        self._save(name, 0, steps)
        with tqdm(total=steps, desc=name, disable=not self.show, file=sys.stderr, leave=True) as bar:
            yield _Bar(self, name, steps, bar)
        self.done.append({"stage": name, "seconds": round(time.perf_counter() - t0, 2)})
        self._save(name, steps, steps)

    def skip(self, name: str, why: str) -> None:
        self.done.append({"stage": name, "seconds": 0.0, "skipped": why})
        if self.show:
            print(f"{name}: skipped ({why})", file=sys.stderr)


@dataclass
class _Bar:
    progress: _Progress
    name: str
    steps: int
    bar: Any
    step: int = 0

    def update(self, n: int = 1) -> None:
        self.step += n
        self.bar.update(n)
        self.progress._save(self.name, self.step, self.steps)


# --------------------------------------------------------------------------- training helpers


def _current_model(db: Database) -> SpamClassifier:
    """The database's current model (the trusted record), else the shipped default."""
    row = model_versions.current(db)
    if row is not None:
        return artifact.loads(row.artifact, expected_sha256=row.sha256)
    return artifact.load_default()


def _recipe(current: SpamClassifier, options: RetrainOptions) -> dict[str, Any]:
    """Pipeline parameters: the current model's (``saring train``'s chosen alternative), with the
    quick overrides and ``options.params``."""
    from models.pipeline import DEFAULT_PARAMS

    params = {k: v for k, v in (current.metadata.get("params") or {}).items() if k in DEFAULT_PARAMS}
    if options.quick:
        params.update(_QUICK_PARAMS)
    params.update(options.params)
    return params


def _fit(params: dict[str, Any], frame: pd.DataFrame, weights: np.ndarray) -> Any:
    pipe = build_pipeline(**params)
    y = frame["label"].to_numpy().astype(int)
    if np.all(weights == 1.0):
        return pipe.fit(to_frame(frame), y)
    return pipe.fit(to_frame(frame), y, clf__sample_weight=weights)


def _oof_thresholds(params: dict[str, Any], frame: pd.DataFrame, weights: np.ndarray, folds: int,
                    bar: _Bar) -> tuple[dict[str, float], np.ndarray]:
    """Thresholds from out-of-fold scores (``StratifiedGroupKFold`` on data set × label, groups =
    near-duplicate keys), as ``saring train`` chooses them. Returns ``(thresholds, oof scores)``."""
    y = frame["label"].to_numpy().astype(int)
    strata = pd.factorize(frame["dataset"].astype(str) + ":" + frame["label"].astype(str))[0]
    groups = pd.factorize(frame["_key"])[0]
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    oof = np.full(len(frame), np.nan)
    for tr, te in cv.split(frame, strata, groups):
        pipe = _fit(params, frame.iloc[tr], weights[tr])
        oof[te] = pipe.predict_proba(to_frame(frame.iloc[te]))[:, 1]
        bar.update(1)
    return choose_thresholds(y, oof), oof


def _model(pipe: Any, metadata: dict[str, Any]) -> SpamClassifier:
    blob = artifact.dumps(pipe, metadata)
    return artifact.loads(blob)


def _scores(clf: SpamClassifier, frame: pd.DataFrame) -> np.ndarray:
    """Spam scores of ``clf`` on ``frame``'s rows, shape ``(n,)``."""
    if not len(frame):
        return np.zeros(0)
    return clf.spam_scores(to_frame(frame).to_dict("records"))


def _evaluation(y: np.ndarray, groups: np.ndarray, scores: dict[str, np.ndarray],
                thresholds: dict[str, dict[str, float]]) -> dict[str, Any]:
    return {name: evaluate_scores(y, s, thresholds[name], groups) for name, s in scores.items()}


def _both_classes(y: np.ndarray) -> bool:
    return len(np.unique(y)) == 2


# --------------------------------------------------------------------------- the run


def retrain(db: Database, registry: ModelRegistry | None, options: RetrainOptions, report_root: Path | str,
            run_id: int | None = None, progress: bool = True) -> RetrainResult:
    """Retrain, evaluate, gate, report and (unless refused or dry-run) publish.

    Args:
        db: the database (labels, the current model, the run record, the published version).
        registry: the Redis model registry; ``None`` when Redis is unreachable (the version is then
            recorded in the database only; workers pick it up when Redis is back).
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
        run_id = start_run(db, options.started_by, opts)
    run_dir = Path(report_root) / f"run-{run_id:05d}"
    try:
        return _retrain(db, registry, options, run_id, run_dir, _Progress(db, run_id, progress, opts))
    except BaseException as exc:
        # the reason is shown to admins (API, models page); the traceback goes to the log only
        log.error("retrain run %s failed", run_id, exc_info=True)
        finish_run(db, run_id, "failed", summary={"error": f"{type(exc).__name__}: {exc}"})
        raise


def _retrain(db: Database, registry: ModelRegistry | None, options: RetrainOptions, run_id: int,
             run_dir: Path, prog: _Progress) -> RetrainResult:
    t_start = time.perf_counter()
    warnings: list[str] = []
    root = Path(options.data_dir) if options.data_dir is not None else default_data_dir()

    with prog.stage("load base data", 2) as bar:
        raw = load_base_datasets(root)
        bar.update(1)
        base, dedupe_stats = dedupe(raw)
        if options.quick:
            base = _sample(base, options.quick_rows, RANDOM_STATE)
        bar.update(1)

    with prog.stage("gather feedback", 2) as bar:
        current = _current_model(db)
        feedback_raw = load_feedback(db, options.since)
        bar.update(1)
        feedback, fb_stats = dedupe_feedback(feedback_raw)
        bar.update(1)

    with prog.stage("split", 1) as bar:
        base_train, base_eval, split_info = split_base(base)
        pinned = pinned_split()
        if options.quick:
            split_info["pinned"] = "not compared (quick run on a sample)"
        elif pinned is None:
            split_info["pinned"] = "no training/eval_split.json"
            warnings.append("no pinned evaluation split (training/eval_split.json); run "
                            "`python -m training.retrain --pin-eval-split` once")
        elif pinned.get("version") == split_info["version"] and pinned.get("digest") == split_info["digest"]:
            split_info["pinned"] = "matches"
        else:
            split_info["pinned"] = "DIFFERS"
            warnings.append(f"evaluation split differs from the pinned one ({pinned.get('version')}, "
                            f"{str(pinned.get('digest'))[:12]}): the base data changed; figures are not "
                            "comparable with earlier runs")
        eval_keys = set(base_eval["_key"])
        in_eval = feedback["_key"].isin(eval_keys).to_numpy(dtype=bool) if len(feedback) else np.zeros(0, bool)
        fb_older, fb_newest = time_split(feedback, options.test_fraction)
        older_in_eval = fb_older["_key"].isin(eval_keys).to_numpy(dtype=bool) if len(fb_older) else np.zeros(0, bool)
        fb_train = fb_older[~older_in_eval].reset_index(drop=True)
        labelled_texts = set(feedback["_norm"])
        overridden = base_train["_norm"].isin(labelled_texts).to_numpy(dtype=bool)
        base_train = base_train[~overridden].reset_index(drop=True)
        bar.update(1)

    params = _recipe(current, options)
    folds = 2 if options.quick else options.folds
    train_rows = pd.concat([base_train, fb_train], ignore_index=True)
    weights = np.where(train_rows["dataset"] == FEEDBACK_DATASET, options.feedback_weight, 1.0)
    cur_split = current.metadata.get("eval_split") or {}
    current_saw_eval = not (cur_split.get("version") == EVAL_SPLIT.version and cur_split.get("digest") == split_info["digest"])
    need_reference = current_saw_eval and len(fb_train) > 0
    n_cv = folds * (2 if need_reference else 1)

    with prog.stage("choose thresholds (cross-validation)", n_cv) as bar:
        cand_thresholds, cand_oof = _oof_thresholds(params, train_rows, weights, folds, bar)
        cand_by_lang = choose_thresholds_by_lang(train_rows["label"].to_numpy(), cand_oof,
                                                 train_rows["lang"].fillna("").astype(str).to_numpy())
        if need_reference:
            ref_params = _recipe(current, RetrainOptions(quick=options.quick))
            ref_thresholds, _ = _oof_thresholds(ref_params, base_train, np.ones(len(base_train)), folds, bar)

    trained_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    feedback_until = feedback["labelled_at"].max().isoformat() if len(feedback) else None
    data_summary = {
        "base": {"rows_raw": int(len(raw)), "rows_after_dedupe": int(sum(s["kept"] for s in dedupe_stats.values())),
                 "rows_used": int(len(base)), "train_rows": int(len(base_train)), "eval_rows": int(len(base_eval)),
                 "train_rows_replaced_by_feedback": int(overridden.sum()),
                 "per_dataset_train": {str(k): int(v) for k, v in base_train["dataset"].value_counts().sort_index().items()}},
        "feedback": {**fb_stats, "since": options.since.isoformat() if options.since else None,
                     "older": int(len(fb_older)), "newest": int(len(fb_newest)), "trained_on": int(len(fb_train)),
                     "older_in_eval_split_not_trained": int(older_in_eval.sum()),
                     "in_eval_split": int(in_eval.sum()),
                     "spam": int(feedback["label"].sum()) if len(feedback) else 0,
                     "newest_from": fb_newest["labelled_at"].min().isoformat() if len(fb_newest) else None,
                     "until": feedback_until,
                     "sources": {str(k): int(v) for k, v in feedback["source"].value_counts().items()} if len(feedback) else {},
                     "weight": options.feedback_weight},
        "eval_split": split_info,
    }
    base_meta = {"trained_at": trained_at, "params": params, "sklearn_version": sklearn.__version__,
                 "quick": options.quick, "eval_split": {"version": split_info["version"], "digest": split_info["digest"]},
                 "parent_version": current.version, "retrain_run_id": run_id, "data": data_summary}

    with prog.stage("train candidate", 1) as bar:
        t0 = time.perf_counter()
        cand_pipe = _fit(params, train_rows, weights)
        fit_seconds = time.perf_counter() - t0
        candidate = _model(cand_pipe, {**base_meta, "thresholds": cand_thresholds, "thresholds_by_lang": cand_by_lang,
                                       "feedback_until": fb_older["labelled_at"].max().isoformat() if len(fb_older) else None,
                                       "trained_on": "base-train + older feedback"})
        bar.update(1)

    reference = None
    if need_reference:
        with prog.stage("reference model", 1) as bar:
            ref_pipe = _fit(ref_params, base_train, np.ones(len(base_train)))
            reference = _model(ref_pipe, {**base_meta, "params": ref_params, "thresholds": ref_thresholds,
                                          "trained_on": "base-train (current recipe, reference)"})
            bar.update(1)
    else:
        prog.skip("reference model", "current model never saw the evaluation split" if not current_saw_eval
                  else "no feedback: the candidate is the current recipe on base-train")

    with prog.stage("evaluate", 2) as bar:
        y_eval = base_eval["label"].to_numpy().astype(int)
        ds_eval = base_eval["dataset"].to_numpy().astype(str)
        scores_eval = {"candidate": _scores(candidate, base_eval), "current": _scores(current, base_eval)}
        th = {"candidate": candidate.thresholds, "current": current.thresholds}
        if reference is not None:
            scores_eval["reference"] = _scores(reference, base_eval)
            th["reference"] = reference.thresholds
        ev_base = _evaluation(y_eval, ds_eval, scores_eval, th)
        base_comparator = "reference" if reference is not None else ("candidate" if current_saw_eval else "current")
        bar.update(1)
        y_fb = fb_newest["label"].to_numpy().astype(int)
        scores_fb = {"candidate": _scores(candidate, fb_newest), "current": _scores(current, fb_newest)}
        th_fb = {"candidate": candidate.thresholds, "current": current.thresholds}
        fb_groups = np.array([f"site {s}" for s in fb_newest["site_id"]]) if len(fb_newest) else np.array([])
        ev_fb = _evaluation(y_fb, fb_groups, scores_fb, th_fb) if len(fb_newest) else {}
        bar.update(1)

    tol = options.tolerances
    checks: list[dict[str, Any]] = []
    notes: list[str] = []
    if base_comparator == "candidate":
        notes.append("no feedback to learn from and the current model saw the evaluation split: the candidate is "
                     "the current recipe on base-train, so it is its own reference (nothing to compare)")
    else:
        checks += gate(ev_base["candidate"]["overall"], ev_base[base_comparator]["overall"], "base_eval", tol)
        comparator_model = {"reference": reference, "current": current}[base_comparator]
        checks += operating_point_checks(candidate, comparator_model, base_eval, y_eval, scores_eval["candidate"],
                                         scores_eval[base_comparator], "base_eval", tol)
        if base_comparator == "reference":
            notes.append("the current model was trained on the evaluation split; on it the candidate is compared "
                         "with the current recipe refitted on base-train (reference)")
    fb_gated = len(fb_newest) >= options.min_feedback_test and _both_classes(y_fb)
    if fb_gated:
        checks += gate(ev_fb["candidate"]["overall"], ev_fb["current"]["overall"], "feedback_newest", tol)
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
            final = _model(_fit(params, all_rows, all_w),
                           {**base_meta, "thresholds": cand_thresholds, "thresholds_by_lang": cand_by_lang, "feedback_until": feedback_until,
                            "trained_on": "base-train + all feedback (refit of the evaluated recipe)"})
            scores_eval["published"] = _scores(final, base_eval)
            ev_base["published"] = evaluate_scores(y_eval, scores_eval["published"], final.thresholds, ds_eval)
            th["published"] = final.thresholds
            if base_comparator != "candidate":
                final_checks = gate(ev_base["published"]["overall"], ev_base[base_comparator]["overall"],
                                    "base_eval (published refit)", tol)
            bar.update(1)
    else:
        prog.skip("refit on all feedback", "disabled" if not options.refit else "no newest feedback")

    all_checks = checks + final_checks
    failed = [f"{c['split']}: {c['figure']}" for c in all_checks if c["ok"] is False]
    cur_until = current.metadata.get("feedback_until")
    if not len(feedback):
        failed.append("nothing new to learn: no feedback labels" + (" since --since" if options.since else ""))
    elif cur_until and pd.Timestamp(feedback_until) <= pd.Timestamp(cur_until):
        failed.append(f"nothing new to learn: no label set after the current model's feedback ({cur_until})")
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
        "figures": {
            "base_eval": {name: _summary_row(ev["overall"]) for name, ev in ev_base.items()},
            "base_eval_per_dataset": {name: {k: _summary_row(v) for k, v in ev["per_dataset"].items()}
                                      for name, ev in ev_base.items()},
            "feedback_newest": {name: _summary_row(ev["overall"]) for name, ev in ev_fb.items()},
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
            meta = dict(final.metadata)
            meta["metrics"] = {"retrain": {"gate_passed": passed, "forced": summary["gate"]["forced"],
                                           "base_eval": summary["figures"]["base_eval"].get("published")
                                           or summary["figures"]["base_eval"]["candidate"],
                                           "feedback_newest": summary["figures"]["feedback_newest"].get("candidate")}}
            if model_versions.get(db, current.version) is None:  # keep the shipped model reachable by rollback
                model_versions.publish(db, registry, current.version, current.blob, current.metadata,
                                       published_by="saring (shipped model)", make_current=False)
            model_versions.publish(db, registry, final.version, final.blob, meta,
                                   published_by=options.started_by or "saring retrain",
                                   report_path=str(run_dir / "report.html"))
            if registry is None:
                warnings.append("Redis unreachable: the version is recorded in the database only; workers switch "
                                "when `saring models rollback VERSION` reaches Redis")
            bar.update(1)
    else:
        prog.skip("publish", "dry run" if options.dry_run else "refused by the gate")

    summary["seconds"] = round(time.perf_counter() - t_start, 1)
    summary["stages"] = prog.done
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    finish_run(db, run_id, status, candidate_version=final.version, report_path=str(run_dir / "report.html"),
               summary=json.loads(json.dumps(summary, default=str)),
               progress={**_final_progress(prog), "percent": 100.0, "stage": status})
    return RetrainResult(run_id, status, final.version, run_dir, summary)


def _final_progress(prog: _Progress) -> dict[str, Any]:
    return {"stages": len(prog.STAGES), "done": prog.done, "options": prog.options,
            "elapsed_seconds": round(time.perf_counter() - prog.started, 1), "updated_at": utcnow().isoformat()}


def format_summary(result: RetrainResult) -> str:
    """The lines ``saring retrain`` prints: outcome, candidate vs current figures, failed checks."""
    s = result.summary
    lines = [f"run {result.run_id}: {result.status}  (gate {'passed' if s['gate']['passed'] else 'REFUSED'}"
             f"{', forced' if s['gate']['forced'] else ''})",
             f"current {s['versions']['current']}  ->  candidate {s['versions']['candidate']}"
             + (f"  (published model: refit {s['versions']['published_model']})"
                if s["versions"]["published_model"] != s["versions"]["candidate"] else "")]
    d = s["data"]
    lines.append(f"data: base train {d['base']['train_rows']:,} / eval {d['base']['eval_rows']:,} rows "
                 f"(split {d['eval_split']['version']} {d['eval_split']['digest'][:12]}, pinned: "
                 f"{d['eval_split'].get('pinned')}); feedback {d['feedback']['kept']} comments "
                 f"({d['feedback']['spam']} spam): older {d['feedback']['older']}, newest {d['feedback']['newest']}")
    lines.append(f"{'figure':<34}{'candidate':>11}{'comparator':>11}{'tolerance':>11}  ok  (comparator: current model; on base_eval {s['gate']['base_comparator']})")
    for c in s["gate"]["checks"]:
        ok = {True: "yes", False: "NO", None: "n/a"}[c["ok"]]
        lines.append(f"{c['split'] + ' ' + c['figure']:<34}{_fmt(c['candidate']):>11}{_fmt(c['current']):>11}"
                     f"{_fmt(c['tolerance']):>11}  {ok}")
    if s["gate"]["failed"]:
        lines.append("refused because: " + "; ".join(s["gate"]["failed"]))
    lines += [f"note: {n}" for n in s["notes"]] + [f"warning: {w}" for w in s["warnings"]]
    lines.append(f"report: {result.report_dir / 'report.html'}  ({s['seconds']:.0f} s)")
    return "\n".join(lines)


def _fmt(x: Any) -> str:
    return "–" if x is None else f"{float(x):.4f}"


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
