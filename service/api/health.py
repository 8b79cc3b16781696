"""Health endpoints: ``/healthz`` (process up) and ``/readyz`` (model, Redis, database)."""
from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from service.errors import Forbidden, Unauthorized
from service.serving import versions as model_versions
from service.web.context import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """200 ``{"status": "ok"}`` while the process answers."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """200 ``ready`` when the model is loaded, Redis answers, the database takes writes (a no-op
    ``UPDATE`` rolled back, ``Database.ping_write``: a read-only or locked database decides
    nothing, since every decided comment is stored first) and Redis's current
    model pointer names the database's current version; otherwise 503 with ``degraded`` (the model
    is loaded and the database answers, but Redis is down or points at another version: comments
    are still decided, by a version the database recorded) or ``unavailable``. ``model_pointer``
    gives both ids (``service.serving.versions.pointer_status``)."""
    rt = runtime()
    holder = rt.holder
    database = rt.db.ping()
    checks = {
        "model": bool(holder and holder.loaded),
        "redis": rt.redis_ping(),
        "database": database,
        "database_writes": database and rt.db.ping_write(),  # a read-only or locked database decides nothing
    }
    pointer = model_versions.pointer_status(rt.db, rt.registry) if checks["redis"] and checks["database"] else None
    if pointer is not None and pointer["agree"] is False:
        checks["model_pointer"] = False
    body = {"checks": checks, "model_version": holder.classifier.version if checks["model"] else None,
            "model_pointer": pointer}
    if all(checks.values()):
        return jsonify(status="ready", **body)
    status = "degraded" if checks["model"] and checks["database_writes"] else "unavailable"
    return jsonify(status=status, **body), 503


def _metrics_allowed() -> None:
    """``/metrics`` access: a bearer token when ``Settings.metrics_token`` is set, else every client
    when ``metrics_public``, else loopback clients only. Raises ``Unauthorized`` / ``Forbidden``."""
    settings = runtime().settings
    if settings.metrics_token:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode()):
            raise Unauthorized("send Authorization: Bearer <SARING_METRICS_TOKEN>", field="Authorization")
        return
    if settings.metrics_public:
        return
    try:
        local = ipaddress.ip_address((request.remote_addr or "").split("%", 1)[0]).is_loopback
    except ValueError:
        local = False
    if not local:
        raise Forbidden("metrics are served to loopback clients only (set SARING_METRICS_TOKEN or "
                        "SARING_METRICS_PUBLIC=1)")


@bp.get("/metrics")
def prometheus_metrics() -> ResponseReturnValue:
    """Prometheus text exposition of this process's metrics (access: :func:`_metrics_allowed`)."""
    import os

    _metrics_allowed()
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry), 200, {"Content-Type": CONTENT_TYPE_LATEST}
