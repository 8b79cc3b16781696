"""Progress of a retrain: a tqdm bar per stage, and the same progress told to a ``RunRecorder``."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from training.ports import RunRecorder, utc_now_iso


class Progress:
    """A tqdm bar per stage and the same progress in ``RetrainRun.progress`` (for the API/page)."""

    STAGES = ("gather feedback", "load base data", "split", "choose thresholds (out of source)",
              "train candidate", "reference model", "evaluate", "refit on all feedback", "report", "publish")

    def __init__(self, runs: RunRecorder, run_id: int, show: bool, options: dict[str, Any]) -> None:
        self.runs, self.run_id, self.show, self.options = runs, run_id, show, options
        self.done: list[dict[str, Any]] = []
        self.started = time.perf_counter()

    def _save(self, stage: str, step: int, steps: int) -> None:
        index = self.STAGES.index(stage) if stage in self.STAGES else len(self.STAGES) - 1
        percent = 100.0 * (index + (step / steps if steps else 0.0)) / len(self.STAGES)
        self.runs.progress(self.run_id, {
            "stage": stage, "stage_number": index + 1, "stages": len(self.STAGES), "step": step, "steps": steps,
            "percent": round(percent, 1), "elapsed_seconds": round(time.perf_counter() - self.started, 1),
            "done": list(self.done), "options": self.options, "updated_at": utc_now_iso()})

    @contextmanager
    def stage(self, name: str, steps: int = 1) -> Iterator["Bar"]:
        t0 = time.perf_counter()
        self._save(name, 0, steps)
        with tqdm(total=steps, desc=name, disable=not self.show, file=sys.stderr, leave=True) as bar:
            yield Bar(self, name, steps, bar)
        self.done.append({"stage": name, "seconds": round(time.perf_counter() - t0, 2)})
        self._save(name, steps, steps)

    def skip(self, name: str, why: str) -> None:
        self.done.append({"stage": name, "seconds": 0.0, "skipped": why})
        if self.show:
            print(f"{name}: skipped ({why})", file=sys.stderr)


@dataclass
class Bar:
    progress: Progress
    name: str
    steps: int
    bar: Any
    step: int = 0

    def update(self, n: int = 1) -> None:
        self.step += n
        self.bar.update(n)
        self.progress._save(self.name, self.step, self.steps)


def final_progress(prog: Progress, status: str) -> dict[str, Any]:
    """The progress stored with a run's outcome."""
    return {"stages": len(prog.STAGES), "done": prog.done, "options": prog.options, "percent": 100.0,
            "stage": status, "elapsed_seconds": round(time.perf_counter() - prog.started, 1),
            "updated_at": utc_now_iso()}
