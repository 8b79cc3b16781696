"""JSON API: check a comment, read it back.

The comment id in the path is matched by the ``<comment_id:…>`` converter (``service.web.params``),
as in the queue API: anything but 32 hex characters is a 404 before any query.
"""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import joinedload, selectinload

from service.accounts import key_sites
from service.checking import check as moderation
from service.web.context import bearer_key, db_session, require_json_object, runtime
from service.errors import NotFound, PayloadTooLarge
from service.api.schemas import CheckOut, CommentIn, CommentOut
from service.store.tables import Comment

blp = Blueprint("comments", __name__, url_prefix="/api/v1/comments",
                description="Check comments and read their decisions")


@blp.before_request
def _check_body() -> None:
    bearer_key()  # 401 before anything else
    if request.method == "POST":
        require_json_object()


@blp.route("")
class Comments(MethodView):
    @blp.arguments(CommentIn())  # an instance: webargs would build one from a class on every request
    @blp.response(200, CheckOut)
    @blp.alt_response(400, description="Invalid field (the error names it)")
    @blp.alt_response(401, description="Missing or unknown API key")
    @blp.alt_response(413, description="content over 64 KiB")
    @blp.alt_response(415, description="Not application/json")
    @blp.doc(security=[{"bearer": []}])
    def post(self, body: dict) -> Comment:
        """Check a comment: accept, hold or reject.

        The comment, its decision, spam_score and model version are stored before the answer.
        """
        rt = runtime()
        if len(body["content"].encode("utf-8", "surrogatepass")) > rt.settings.max_content_bytes:
            raise PayloadTooLarge(f"content is over {rt.settings.max_content_bytes} bytes", field="content")
        key = bearer_key()
        data = moderation.CommentData(**{k: (v.strip() if k == "user_ip" else v) for k, v in body.items()},
                                      blog=key.site.url)
        return moderation.check_comment(db_session(), rt.holder.classifier, rt.signals, key.site, key,
                                        data, source="api", usage=rt.usage)


@blp.route("/<comment_id:comment_id>")
class CommentById(MethodView):
    @blp.response(200, CommentOut)
    @blp.alt_response(404, description="No such comment for this key's sites (its own and those it covers)")
    @blp.doc(security=[{"bearer": []}])
    def get(self, comment_id: str) -> Comment:
        """A stored comment with its decision, current status and history."""
        key = bearer_key()
        comment = db_session().get(Comment, comment_id, options=[joinedload(Comment.site),
                                                                selectinload(Comment.events),
                                                                joinedload(Comment.label)])
        if comment is None or not key_sites.covers(db_session(), key, comment.site_id):
            raise NotFound(f"no comment {comment_id!r} for this key's sites", field="id")
        return comment
