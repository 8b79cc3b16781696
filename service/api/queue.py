"""Queue API (JSON): list held comments, count them, approve / spam / reject / undo.

Auth: a moderator's session cookie (unsafe methods then need ``X-CSRFToken``) or an admin's
``Authorization: Bearer srt_…`` token. A moderator sees only their sites. Thin: parse, call
``service.moderation``, serialize.
"""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from service import moderation as queue
from service.store.tables import Comment
from service.web.auth import current_actor, job_queue, require_csrf
from service.web.context import db_session, require_json_object
from service.web.responses import moderator_api_headers
from service.api.queue_schemas import (
    ActionIn,
    ActionOut,
    CountsOut,
    CountsQuery,
    QueueCommentDetailOut,
    QueuePageOut,
    QueueQuery,
    UndoIn,
)

blp = Blueprint("queue", __name__, url_prefix="/api/v1/queue",
                description="Moderation queue (moderator session or admin API token)")

_SECURITY = [{"bearer": []}, {"session": []}]


@blp.before_request
def _authenticate() -> None:
    current_actor()  # 401 before anything else
    require_csrf()
    if request.method == "POST" and (request.content_length or request.mimetype):
        require_json_object()  # 415 / 400 naming the body; an empty POST (undo) is fine


blp.after_request(moderator_api_headers)


@blp.route("/comments")
class QueueComments(MethodView):
    @blp.arguments(QueueQuery, location="query", unknown=RAISE)
    @blp.response(200, QueuePageOut)
    @blp.alt_response(400, description="A bad filter (the error names it)")
    @blp.alt_response(401, description="Not signed in, no admin token")
    @blp.alt_response(403, description="A site you do not moderate")
    @blp.doc(security=_SECURITY)
    def get(self, args: dict) -> dict:
        """Comments of your sites by status (default held), site, score range, dates and text;
        newest first (or ``sort=oldest|score|score_asc``), paginated."""
        s = db_session()
        actor = current_actor()
        site = queue.resolve_site(s, actor, args.pop("site"))
        status = args.pop("status")
        flt = queue.QueueFilter(status=None if status == "all" else status,
                                site_id=site.id if site else None, **args)
        page = queue.list_comments(s, actor, flt)
        return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total,
                "pages": page.pages}


@blp.route("/counts")
class QueueCounts(MethodView):
    @blp.arguments(CountsQuery, location="query", unknown=RAISE)
    @blp.response(200, CountsOut)
    @blp.doc(security=_SECURITY)
    def get(self, args: dict) -> dict:
        """Number of comments per status over your sites (or one ``site``)."""
        s = db_session()
        actor = current_actor()
        site = queue.resolve_site(s, actor, args.get("site"))
        counts = queue.status_counts(s, actor, site.id if site else None)
        return {"counts": counts, "total": sum(counts.values())}


@blp.route("/comments/<comment_id:comment_id>")
class QueueComment(MethodView):
    @blp.response(200, QueueCommentDetailOut)
    @blp.alt_response(404, description="No such comment")
    @blp.alt_response(403, description="A comment of a site you do not moderate")
    @blp.doc(security=_SECURITY)
    def get(self, comment_id: str) -> Comment:
        """One comment with its audit log (``history``)."""
        return queue.get_comment(db_session(), current_actor(), comment_id)


@blp.route("/actions")
class QueueActions(MethodView):
    @blp.arguments(ActionIn)
    @blp.response(200, ActionOut)
    @blp.alt_response(400, description="Bad action, ids or revisions; stale CSRF token")
    @blp.alt_response(403, description="An id of a site you do not moderate (nothing changed)")
    @blp.alt_response(404, description="An unknown id (nothing changed)")
    @blp.alt_response(409, description="A comment moved by someone else or already there (nothing changed)")
    @blp.doc(security=_SECURITY)
    def post(self, body: dict) -> queue.ActionResult:
        """Approve (label ham), spam (label spam) or reject (no label) comments, all or nothing.

        Send ``expected_revisions`` (the ``revision`` of each comment as you saw it): a comment
        another moderator moved since then answers 409 and nothing changes.
        """
        return queue.act(db_session(), current_actor(), body["action"], body["ids"],
                         body.get("expected_revisions"), body.get("reason", ""), jobs=job_queue())


@blp.route("/comments/<comment_id:comment_id>/undo")
class QueueUndo(MethodView):
    @blp.arguments(UndoIn)
    @blp.response(200, ActionOut)
    @blp.alt_response(409, description="Nothing to undo, or moved meanwhile")
    @blp.doc(security=_SECURITY)
    def post(self, body: dict, comment_id: str) -> queue.ActionResult:
        """Undo the last moderator action on a comment (status and label go back)."""
        return queue.undo(db_session(), current_actor(), comment_id, body.get("expected_revision"),
                          body.get("reason", ""), jobs=job_queue())

