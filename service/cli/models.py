"""``saring models list|show|rollback``: the published model versions.

Every published version is kept in the database (artifact, metadata, who/when, report) and in
Redis; workers follow Redis's current version within ``SARING_MODEL_POLL_SECONDS``.
"""
from __future__ import annotations

import json
from typing import Any

import click

from models.thresholds import operating_points

from service.cli.context import CliContext, pass_cli


def _figures(meta: dict[str, Any]) -> str:
    """One line of the figures a version was published with (retrain gate or training CV)."""
    m = meta.get("metrics") or {}
    block = (m.get("retrain") or {}).get("base_eval") or m.get("cv_overall")
    if not block:
        return ""
    where = "base eval" if m.get("retrain") else "CV"
    return (f"{where}: AUC {block.get('roc_auc', 0):.4f} recall@hold {block.get('recall_at_hold', 0):.3f} "
            f"FPR@hold {100 * (block.get('fpr_at_hold') or 0):.2f}% FPR@reject {100 * (block.get('fpr_at_reject') or 0):.2f}%")


@click.group()
def models() -> None:
    """Published model versions: list, show, roll back."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@pass_cli
def models_list(cli: CliContext, as_json: bool) -> None:
    """Every published version, newest first; * marks the current one."""
    from service.serving import versions as model_versions

    rt = cli.runtime
    rows = model_versions.list_versions(rt.db)
    in_redis = model_versions.current_in_redis(rt.registry)  # listing works without Redis
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
@pass_cli
def models_show(cli: CliContext, version: str) -> None:
    """Everything recorded about VERSION: digest, thresholds, figures, data, report."""
    from service.serving import versions as model_versions

    rt = cli.runtime
    row = model_versions.get(rt.db, version)
    if row is None:
        raise click.ClickException(f"no published version {version!r} (see `saring models list`)")
    try:
        in_redis = rt.registry.has(version)
    except Exception:  # noqa: BLE001
        in_redis = None
    meta = row.meta or {}
    info = {
        "version": row.version, "sha256": row.sha256, "current": row.is_current,
        "published_at": row.published_at.isoformat(), "published_by": row.published_by,
        "artifact_bytes": len(row.artifact), "in_redis": in_redis, "report": row.report_path,
        "trained_at": meta.get("trained_at"), "parent_version": meta.get("parent_version"),
        "retrain_run_id": meta.get("retrain_run_id"), "thresholds": meta.get("thresholds"),
        "operating_points": {k: {"hold": h, "reject": r} for k, (h, r) in operating_points(meta).items()},
        "metrics": meta.get("metrics"), "params": meta.get("params"), "data": meta.get("data"),
        "eval_split": meta.get("eval_split"), "feedback_until": meta.get("feedback_until"),
    }
    click.echo(json.dumps(info, indent=2, default=str))


@models.command("rollback")
@click.argument("version")
@pass_cli
def models_rollback(cli: CliContext, version: str) -> None:
    """Make VERSION current again; every worker switches within seconds."""
    import redis

    from service.errors import NotFound
    from service.serving import versions as model_versions

    rt = cli.runtime
    try:
        rt.redis.ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis unreachable ({exc}): nothing changed; workers follow Redis") from None
    before = model_versions.current(rt.db)
    try:
        model_versions.roll_back(rt.db, rt.registry, version, redis_reachable=True)
    except NotFound:
        raise click.ClickException(f"no published version {version!r} (see `saring models list`)") from None
    click.echo(f"current model: {version} (was {before.version if before else 'none'}); "
               f"workers switch within {cli.settings.model_poll_seconds:g} s")
