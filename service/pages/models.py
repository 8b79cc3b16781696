"""The models page of the moderators' web site, mounted at ``/moderation/models``.

* ``/moderation/models/``: the current model (version, thresholds, figures) with a link to its
  report (a retrained model's run report, or the shipped model's card), every published version,
  the latest retrain runs, and for admins a form that starts a retrain in the background;
* ``/moderation/models/runs/<id>``: one run's progress (the page refreshes itself while it runs)
  and, when done, its outcome and report;
* ``/moderation/models/reports/<id>/<file>``: the files of a run's report folder
  (``report.html``, the PNG plots, ``summary.json``);
* ``/moderation/models/card``: the shipped model's card (``models/MODEL_CARD.md``).

Any signed-in moderator may look; only admins may start a retrain (a CSRF-protected POST).
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue

from models.thresholds import operating_points

from service.errors import Forbidden, NotFound, ValidationFailed
from service.retraining import jobs as retrain_jobs
from service.retraining import runs
from service.serving import versions as model_versions
from service.web.auth import (current_actor, fresh_csrf_token, job_queue, require_csrf, require_page_sign_in,
                              session_user)
from service.web.context import db_session, require_form_body, runtime
from service.web.responses import page_security_headers

bp = Blueprint("models_page", __name__, url_prefix="/moderation/models", template_folder="templates")

#: The report page has no script; its own <style> block needs inline styles.
REPORT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
MODEL_CARD = Path(__file__).resolve().parents[2] / "models" / "MODEL_CARD.md"
#: The run page refreshes itself this often (seconds) while the run is queued or running.
REFRESH_SECONDS = 3
#: Latest runs listed on the index page.
RECENT_RUNS = 10


@bp.before_request
def _require_sign_in() -> ResponseReturnValue | None:
    """HTML forms only; signed-in users only (as the moderation pages)."""
    require_form_body()
    return require_page_sign_in()


@bp.after_request
def _security_headers(response: Response) -> Response:
    """The moderation pages' headers; the report gets its own Content-Security-Policy."""
    response = page_security_headers(response)
    if request.endpoint == "models_page.report_file":
        response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


@bp.context_processor
def _page_context() -> dict:
    return {"user": session_user(), "csrf_meta": fresh_csrf_token()}


def _report_link(meta: dict | None) -> str | None:
    run = runs.report_run(db_session(), meta)
    return url_for("models_page.report_file", run_id=run.id, name="report.html") if run is not None else None


@bp.route("/")
def index() -> str:
    """The current model, its report, every version, the latest runs and (admins) the retrain form."""
    rt = runtime()
    current = model_versions.current(rt.db)
    served = rt.holder.classifier.version if rt.holder is not None and rt.holder.loaded else None
    return render_template("models/index.html", current=current, versions=model_versions.list_versions(rt.db),
                           runs=runs.recent_runs(db_session(), RECENT_RUNS), unfinished=runs.is_unfinished,
                           served=served, pointer=model_versions.pointer_status(rt.db, rt.registry),
                           points=operating_points(current.meta) if current else {},
                           report_link=_report_link(current.meta if current else {}),
                           is_admin=current_actor().role == "admin", active=runs.active_run(rt.db))


@bp.route("/retrain", methods=["POST"])
def start_retrain() -> ResponseReturnValue:
    """Start a background retrain (admins; form with CSRF token, ``dry_run``/``force``/``since``)."""
    require_csrf()
    actor = current_actor()
    if actor.role != "admin":
        raise Forbidden("only admins may start a retrain")
    since_text = request.form.get("since", "").strip()
    since = None
    if since_text:
        import datetime as dt

        try:
            since = dt.datetime.fromisoformat(since_text).replace(tzinfo=dt.timezone.utc)
        except ValueError:
            raise ValidationFailed(f"since: {since_text!r} is not a date like 2026-11-01", field="since") from None
    run_id = retrain_jobs.enqueue_retrain(runtime().db, job_queue(), f"admin:{actor.name}", since=since,
                                          force=request.form.get("force") == "on",
                                          dry_run=request.form.get("dry_run") == "on")
    flash(f"Retrain run {run_id} queued; a worker (`saring worker`) runs it.", "info")
    return redirect(url_for("models_page.run_page", run_id=run_id))


@bp.route("/runs/<dbint:run_id>")
def run_page(run_id: int) -> str:
    """One run: progress while it runs (auto-refresh), outcome, gate and report link when done."""
    run = runs.get_run(db_session(), run_id)
    running = runs.is_unfinished(run)
    return render_template("models/run.html", run=run, running=running, refresh=REFRESH_SECONDS,
                           report_link=url_for("models_page.report_file", run_id=run.id, name="report.html")
                           if run.report_path and not running else None)


@bp.route("/reports/<dbint:run_id>/<string:name>")
def report_file(run_id: int, name: str) -> Response:
    """A file of a run's report folder (``report.html``, PNG plots, ``summary.json``)."""
    return send_from_directory(runs.report_folder(db_session(), run_id, name), name, max_age=0)


@bp.route("/card")
def model_card() -> str:
    """The shipped model's card (Markdown shown as text)."""
    try:
        text = MODEL_CARD.read_text(encoding="utf-8")
    except OSError:
        raise NotFound("the model card is missing", field="card") from None
    return render_template("models/card.html", text=text)
