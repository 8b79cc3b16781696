"""Admin API (JSON): start a retrain in the background and follow it; list and roll back models.

* ``POST /api/v1/admin/retrain`` ``{"since"?, "force"?, "dry_run"?}`` → 202 with the queued run;
* ``GET /api/v1/admin/retrain`` (recent runs), ``GET /api/v1/admin/retrain/<run_id>`` (status,
  progress per stage, summary with the gate's checks, report URL);
* ``GET /api/v1/admin/models``, ``POST /api/v1/admin/models/<version>/rollback``.

Auth: an admin's ``Authorization: Bearer srt_…`` token, or a signed-in admin's session (unsafe
methods then need ``X-CSRFToken``). Moderators get 403. Thin: parse, call ``service.retraining.jobs``
/ ``service.retraining.runs`` / ``service.serving.versions``, serialize. Mounted by ``service.app``.
"""
from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from models.thresholds import operating_points

from service.api.timestamps import Timestamp
from service.errors import Forbidden
from service.retraining import jobs as retrain_jobs
from service.retraining import runs
from service.serving import versions as model_versions
from service.store.tables import ModelVersion, RetrainRun
from service.web.auth import current_actor, job_queue, require_csrf
from service.web.context import db_session, require_json_object, runtime
from service.web.params import IntParam, StrictBool
from service.web.responses import moderator_api_headers

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin",
                description="Retraining and model versions (admin API token or admin session)")
_SECURITY = [{"bearer": []}, {"session": []}]


class RetrainIn(Schema):
    """Options of a background retrain (as ``saring retrain``)."""

    since = Timestamp(load_default=None, metadata={"description": "learn only from labels set at or after "
                                                                         "this time (ISO 8601 date or date-time, UTC)"})
    force = StrictBool(load_default=False, metadata={"description": "publish even if the gate refuses"})
    dry_run = StrictBool(load_default=False, metadata={"description": "evaluate and report, publish nothing"})


class RunOut(Schema):
    """One retrain run."""

    id = fields.Integer()
    status = fields.String(metadata={"description": "queued | running | published | refused | failed | dry-run"})
    started_at = Timestamp()
    finished_at = Timestamp(allow_none=True)
    started_by = fields.String()
    candidate_version = fields.String(allow_none=True)
    progress = fields.Dict(metadata={"description": "stage, stage_number, stages, step, steps, percent, done"})
    summary = fields.Dict(metadata={"description": "gate checks, figures, data counts (when finished)"})
    report_url = fields.Method("_report_url", allow_none=True)

    def _report_url(self, run: RetrainRun) -> str | None:
        if not run.report_path:
            return None
        return url_for("models_page.report_file", run_id=run.id, name="report.html")


class RunListOut(Schema):
    items = fields.List(fields.Nested(RunOut))


class RunsQuery(Schema):
    limit = IntParam(load_default=20, minimum=1, maximum=200)


class ModelOut(Schema):
    version = fields.String()
    sha256 = fields.String()
    is_current = fields.Boolean()
    published_at = Timestamp()
    published_by = fields.String()
    thresholds = fields.Function(lambda m: (m.meta or {}).get("thresholds"))
    #: every served (hold, reject): ``pooled`` and each language's (``models.thresholds.operating_points``)
    operating_points = fields.Function(lambda m: {k: {"hold": h, "reject": r}
                                                  for k, (h, r) in operating_points(m.meta).items()})
    retrain_run_id = fields.Function(lambda m: (m.meta or {}).get("retrain_run_id"))


class ModelListOut(Schema):
    items = fields.List(fields.Nested(ModelOut))
    current_in_redis = fields.String(allow_none=True)


def require_admin() -> None:
    """401 without a token or session, 403 for a moderator, CSRF check for a session's POST."""
    actor = current_actor()
    if actor.role != "admin":
        raise Forbidden("only admins may retrain or roll back models")
    require_csrf()


@blp.before_request
def _authenticate() -> None:
    require_admin()
    if request.method == "POST" and (request.content_length or request.mimetype):
        require_json_object()  # 415 / 400 naming the body, as on every JSON endpoint; an empty POST is fine


blp.after_request(moderator_api_headers)


@blp.route("/retrain")
class Retrain(MethodView):
    @blp.arguments(RetrainIn, unknown=RAISE, required=False)  # no body: the defaults
    @blp.response(202, RunOut)
    @blp.alt_response(409, description="A run is already queued or running (its id is in the error)")
    @blp.alt_response(503, description="The job queue (Redis) is unreachable")
    @blp.doc(security=_SECURITY)
    def post(self, body: dict) -> RetrainRun:
        """Start a retrain in the background (RQ job run by ``saring worker``)."""
        rt = runtime()
        run_id = retrain_jobs.enqueue_retrain(rt.db, job_queue(), f"admin:{current_actor().name}",
                                              since=body["since"], force=body["force"], dry_run=body["dry_run"])
        return runs.get_run(db_session(), run_id)

    @blp.arguments(RunsQuery, location="query", unknown=RAISE)
    @blp.response(200, RunListOut)
    @blp.doc(security=_SECURITY)
    def get(self, args: dict) -> dict:
        """The latest retrain runs, newest first."""
        return {"items": runs.recent_runs(db_session(), args["limit"])}


@blp.route("/retrain/<dbint:run_id>")
class RetrainRunView(MethodView):
    @blp.response(200, RunOut)
    @blp.alt_response(404, description="No such run")
    @blp.doc(security=_SECURITY)
    def get(self, run_id: int) -> RetrainRun:
        """One run: status, progress (stage, percent), and when finished its summary and report."""
        return runs.get_run(db_session(), run_id)


@blp.route("/models")
class Models(MethodView):
    @blp.response(200, ModelListOut)
    @blp.doc(security=_SECURITY)
    def get(self) -> dict:
        """Every published version, newest first."""
        rt = runtime()
        return {"items": model_versions.list_versions(rt.db),
                "current_in_redis": model_versions.current_in_redis(rt.registry)}


@blp.route("/models/<string:version>/rollback")
class Rollback(MethodView):
    @blp.response(200, ModelOut)
    @blp.alt_response(404, description="No such version")
    @blp.doc(security=_SECURITY)
    def post(self, version: str) -> ModelVersion | None:
        """Make a published version current again; workers switch within seconds."""
        rt = runtime()
        return model_versions.roll_back(rt.db, rt.registry, version, redis_reachable=rt.redis_ping())
