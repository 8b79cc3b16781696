"""What a retrain is asked to do (``RetrainOptions``) and what it did (``RetrainResult``)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.gate import Tolerances
from training.train import QUICK_ROWS


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
    quick_rows: int = QUICK_ROWS
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
