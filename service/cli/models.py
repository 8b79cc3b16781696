"""``saring retrain`` and ``saring models list|show|rollback``: retraining and the model registry.

Registered on the ``saring`` group by ``service.cli``. Every published version is kept in the
database (artifact, metadata, who/when, report) and in Redis; workers follow Redis's current
version within ``SARING_MODEL_POLL_SECONDS``.

Exit codes of ``saring retrain``: 0 published or dry run, 3 refused by the gate (nothing
published), 1 an error (the run is recorded as ``failed``).
"""
from __future__ import annotations

import datetime as dt
import json
import getpass
from pathlib import Path
from typing import Any

import click

#: Exit status of ``saring retrain`` when the gate refused the candidate.
EXIT_REFUSED = 3
_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]


def _runtime():
    from service.cli import settings
    from service.runtime import Runtime

    rt = Runtime.create(settings(), load_model=False)
    rt.db.upgrade()
    return rt


def _figures(meta: dict[str, Any]) -> str:
    """One line of the figures a version was published with (retrain gate or training CV)."""
    m = meta.get("metrics") or {}
    block = (m.get("retrain") or {}).get("base_eval") or m.get("cv_overall")
    if not block:
        return ""
    where = "base eval" if m.get("retrain") else "CV"
    return (f"{where}: AUC {block.get('roc_auc', 0):.4f} recall@hold {block.get('recall_at_hold', 0):.3f} "
            f"FPR@hold {100 * (block.get('fpr_at_hold') or 0):.2f}% FPR@reject {100 * (block.get('fpr_at_reject') or 0):.2f}%")


def register(main: click.Group) -> None:
    """Add ``retrain`` and the ``models`` group to ``main``."""

    @main.command()
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
    def retrain(since: dt.datetime | None, force: bool, dry_run: bool, data_dir: Path | None, no_refit: bool,
                quick: bool, started_by: str | None) -> None:
        """Retrain on the public data sets + stored labels, gate, report and publish.

        The candidate must not be worse than the current model (ham false positive rate at the
        hold and reject thresholds, spam recall at hold, ROC AUC) on the fixed evaluation split
        of the base data and on the newest feedback. Exit status 3 when the gate refused.
        """
        import redis

        from training.data import DataMissingError
        from training.retrain import RetrainOptions, active_run, format_summary
        from training.retrain import retrain as run_retrain

        rt = _runtime()
        try:
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
            except DataMissingError as exc:
                raise click.ClickException(str(exc)) from None
        finally:
            rt.close()
        click.echo(format_summary(result))
        if result.status == "refused":
            raise SystemExit(EXIT_REFUSED)

    @main.group()
    def models() -> None:
        """Published model versions: list, show, roll back."""

    @models.command("list")
    @click.option("--json", "as_json", is_flag=True, help="print JSON")
    def models_list(as_json: bool) -> None:
        """Every published version, newest first; * marks the current one."""
        from service.serving import versions as model_versions

        rt = _runtime()
        try:
            rows = model_versions.list_versions(rt.db)
            try:
                in_redis = rt.registry.current_version()
            except Exception:  # noqa: BLE001 - listing works without Redis
                in_redis = None
        finally:
            rt.close()
        if as_json:
            click.echo(json.dumps([{"version": r.version, "current": r.is_current, "published_at": r.published_at.isoformat(),
                                    "published_by": r.published_by, "sha256": r.sha256, "report": r.report_path,
                                    "thresholds": (r.meta or {}).get("thresholds")} for r in rows], indent=2))
            return
        if not rows:
            click.echo("no published versions yet (the first `saring serve` publishes the shipped model)")
        for r in rows:
            mark = "*" if r.is_current else " "
            click.echo(f"{mark} {r.version:<24} {r.published_at:%Y-%m-%d %H:%M} UTC  {r.published_by:<28} "
                       f"{_figures(r.meta or {})}")
        click.echo(f"current in Redis: {in_redis or 'unknown (Redis unreachable or empty)'}")

    @models.command("show")
    @click.argument("version")
    def models_show(version: str) -> None:
        """Everything recorded about VERSION: digest, thresholds, figures, data, report."""
        from service.serving import versions as model_versions

        rt = _runtime()
        try:
            row = model_versions.get(rt.db, version)
            if row is None:
                raise click.ClickException(f"no published version {version!r} (see `saring models list`)")
            try:
                in_redis = rt.registry.has(version)
            except Exception:  # noqa: BLE001
                in_redis = None
        finally:
            rt.close()
        meta = row.meta or {}
        info = {
            "version": row.version, "sha256": row.sha256, "current": row.is_current,
            "published_at": row.published_at.isoformat(), "published_by": row.published_by,
            "artifact_bytes": len(row.artifact), "in_redis": in_redis, "report": row.report_path,
            "trained_at": meta.get("trained_at"), "parent_version": meta.get("parent_version"),
            "retrain_run_id": meta.get("retrain_run_id"), "thresholds": meta.get("thresholds"),
            "metrics": meta.get("metrics"), "params": meta.get("params"), "data": meta.get("data"),
            "eval_split": meta.get("eval_split"), "feedback_until": meta.get("feedback_until"),
        }
        click.echo(json.dumps(info, indent=2, default=str))

    @models.command("rollback")
    @click.argument("version")
    def models_rollback(version: str) -> None:
        """Make VERSION current again; every worker switches within seconds."""
        import redis

        from service.serving import versions as model_versions

        rt = _runtime()
        try:
            try:
                rt.redis.ping()
            except redis.RedisError as exc:
                raise click.ClickException(f"Redis unreachable ({exc}): nothing changed; workers follow Redis") from None
            before = model_versions.current(rt.db)
            try:
                model_versions.set_current(rt.db, rt.registry, version)
            except model_versions.UnknownModelVersion:
                raise click.ClickException(f"no published version {version!r} (see `saring models list`)") from None
        finally:
            rt.close()
        click.echo(f"current model: {version} (was {before.version if before else 'none'}); "
                   f"workers switch within {rt.settings.model_poll_seconds:g} s")
