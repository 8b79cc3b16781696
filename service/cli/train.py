"""``saring train`` (the shipped model, from the public data sets) and ``saring retrain`` (public
data + stored labels, gated, then published).

Exit codes of ``saring retrain``: 0 published or dry run, 3 refused by the gate (nothing
published), 1 an error (the run is recorded as ``failed``).
"""
from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path

import click

from service.cli.context import CliContext, pass_cli

#: Exit status of ``saring retrain`` when the gate refused the candidate.
EXIT_REFUSED = 3
_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]


@click.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="public data sets (default $SARING_DATA_DIR or ../shared/data)")
@click.option("--out", type=click.Path(path_type=Path), default=Path("models/default"), show_default=True)
@click.option("--quick", is_flag=True, help="small, fast run (for tests)")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="fits run at once, in worker processes (default: the number of CPUs; 1 = sequential, "
                   "in this process). Same model and metrics either way; each job holds the data and one fit "
                   "(peak ~1.25 GB per process on the full data)")
@pass_cli
def train(cli: CliContext, data_dir: Path | None, out: Path, quick: bool, jobs: int | None) -> None:
    """Train the spam classifier on the public data sets and write the model artifact + metrics."""
    from training.data import DataMissingError
    from training.train import run_training

    try:
        metrics = run_training(data_dir or cli.settings.data_dir, out, progress=True, quick=quick, n_jobs=jobs)
    except DataMissingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({k: metrics[k] for k in ("version", "thresholds") if k in metrics}, indent=2))


@click.command()
@click.option("--since", type=click.DateTime(formats=_DATE_FORMATS), default=None,
              help="learn only from labels set at or after this time (UTC), e.g. 2026-11-01")
@click.option("--force", is_flag=True, help="publish even if the gate refuses the candidate (recorded)")
@click.option("--dry-run", is_flag=True, help="train, evaluate and write the report; publish nothing")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="public data sets (default $SARING_DATA_DIR or ../shared/data)")
@click.option("--no-refit", is_flag=True,
              help="publish the evaluated candidate itself, not its refit on all feedback")
@click.option("--quick", is_flag=True, help="small sample and vocabularies (tests only; never in production)")
@click.option("--by", "started_by", default=None, help="who to record as starting the run (default $USER)")
@pass_cli
def retrain(cli: CliContext, since: dt.datetime | None, force: bool, dry_run: bool, data_dir: Path | None,
            no_refit: bool, quick: bool, started_by: str | None) -> None:
    """Retrain on the public data sets + stored labels, gate, report and publish.

    The candidate must not be worse than the current model (ham false positive rate at the
    hold and reject thresholds, spam recall at hold, ROC AUC) on the fixed evaluation split
    of the base data and on the newest feedback. Exit status 3 when the gate refused.
    """
    import redis

    from service.errors import Conflict
    from service.retraining.ports import active_run
    from service.retraining.ports import retrain as run_retrain
    from training.data import DataMissingError
    from training.retrain import RetrainOptions, format_summary

    rt = cli.runtime
    running = active_run(rt.db)
    if running is not None:
        raise click.ClickException(
            f"retrain run {running.id} is {running.status} (started {running.started_at:%Y-%m-%d %H:%M} UTC); "
            "wait for it (a run older than 2 hours counts as dead)")
    registry = rt.registry
    try:
        rt.redis.ping()
    except redis.RedisError as exc:
        registry = None
        click.echo(f"warning: Redis unreachable ({exc}); a published version is recorded in the database "
                   "and reaches workers with `saring models rollback VERSION` once Redis is back", err=True)
    options = RetrainOptions(
        data_dir=data_dir or rt.settings.data_dir,
        since=since.replace(tzinfo=dt.timezone.utc) if since else None,
        force=force, dry_run=dry_run, quick=quick, refit=not no_refit,
        started_by=started_by or f"cli:{getpass.getuser()}")
    try:
        result = run_retrain(rt.db, registry, options, rt.settings.report_root)
    except (DataMissingError, Conflict) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        cli.close()
    click.echo(format_summary(result))
    if result.status == "refused":
        raise SystemExit(EXIT_REFUSED)
