"""The moderators' web page, mounted at ``/moderation`` (server-rendered Jinja, a little plain JS).

* ``/moderation/login`` and ``/moderation/logout`` (POST): sign-in with e-mail + password
  (Flask-WTF forms with CSRF tokens; failed attempts throttled per e-mail and IP).
* ``/moderation/``: the queue with filters, search, sort and pagination. Approve / spam / reject /
  undo go through the JSON queue API from ``static/queue.js`` (``X-CSRFToken`` header); without
  JavaScript the same buttons post the form to ``/moderation/actions``.
* ``/moderation/comments/<id>``: one comment and its audit log.
* ``/moderation/overview``: per site, comments per status and a chart of decisions per day.
* ``/moderation/sites/<id>``: a site's shadow mode, languages, learning settings and allow / block
  lists; admins change them there (``site_settings``, routes on this blueprint).

Comment fields are untrusted: Jinja autoescape renders them as text, only http(s) URLs become
links (``rel="noopener noreferrer nofollow"``), and a strict Content-Security-Policy (scripts and
styles only from this server) is sent with every page.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, ValidationError

from service import moderation as queue
from service.accounts import users
from service.api.queue_schemas import QueueQuery
from service.validation import parse_int
from service.errors import TooManyRequests, ValidationFailed
from service.pages.moderation.chart import SERIES_LABELS, decisions_chart
from service.pages.moderation.forms import LoginForm
from service.store.tables import STATUSES
from service.web.auth import (
    current_actor,
    fresh_csrf_token,
    job_queue,
    login_throttle,
    require_csrf,
    require_page_sign_in,
    session_user,
    sign_in,
    sign_out,
)
from service.web.context import db_session, require_form_body
from service.web.responses import page_security_headers

bp = Blueprint("moderation", __name__, url_prefix="/moderation", template_folder="templates",
               static_folder="static")

PUBLIC_ENDPOINTS = {"moderation.login", "moderation.static"}


@bp.before_request
def _require_sign_in() -> ResponseReturnValue | None:
    """HTML forms only; every page but sign-in (and static files) needs a signed-in user."""
    require_form_body()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return require_page_sign_in()


bp.after_request(page_security_headers)


@bp.context_processor
def _page_context() -> dict:
    user = session_user() if request.endpoint not in PUBLIC_ENDPOINTS else None
    return {"user": user, "csrf_meta": fresh_csrf_token(), "statuses": STATUSES, "can_undo": queue.can_undo}


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/moderation") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("moderation.queue_page")


# --------------------------------------------------------------------------- sign-in


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign-in page. Wrong credentials, a stale form (CSRF) or too many attempts: 400/401/429
    with the message on the page."""
    form = LoginForm()
    status = 200
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if session_user() is not None:
            return redirect(_safe_next(form.next.data))
    elif not form.validate_on_submit():
        status = 400
        if form.csrf_token.errors:
            flash("The sign-in form expired (CSRF check failed: "
                  f"{form.csrf_token.errors[0]}). Please try again.", "error")
    else:
        email, ip = form.email.data or "", request.remote_addr or ""
        throttle = login_throttle()
        wait = throttle.attempt(email, ip)  # counted before the password check: races cannot pass the limit
        if wait:
            raise TooManyRequests(f"Too many failed sign-ins; try again in {max(1, wait // 60)} minute(s).")
        s = db_session()
        user = users.authenticate(s, email, form.password.data or "")
        if user is None:
            flash("Wrong e-mail or password.", "error")
            status = 401
        else:
            s.commit()  # a re-hashed password
            throttle.succeeded(email, ip)
            sign_in(user)
            return redirect(_safe_next(form.next.data))
    return render_template("moderation/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """Sign out (POST with the CSRF token): ends every session of this user, copied cookies too."""
    require_csrf()
    user = session_user()
    if user is not None:
        s = db_session()
        users.end_sessions(s, user)
        s.commit()
    sign_out()
    flash("Signed out.", "info")
    return redirect(url_for("moderation.login"))


# --------------------------------------------------------------------------- the queue


def _filters_from_args(args) -> tuple[queue.QueueFilter, dict, object]:
    """Parse the queue page's query string with the API's schema (empty fields ignored)."""
    raw = {k: v for k, v in args.items() if v.strip()}
    try:
        parsed = QueueQuery(unknown=EXCLUDE).load(raw)
    except ValidationError as exc:
        name, messages = next(iter(exc.messages.items()))
        raise ValidationFailed(f"{name}: {messages[0] if isinstance(messages, list) else messages}",
                               field=name) from None
    if parsed.get("until") is not None and len(raw.get("until", "")) == 10:
        # a date means "up to the end of that day"; the end of 9999-12-31 means no end
        parsed["until"] = None if parsed["until"].date() == dt.date.max else parsed["until"] + dt.timedelta(days=1)
    site = queue.resolve_site(db_session(), current_actor(), parsed.pop("site"))
    status = parsed.pop("status")
    flt = queue.QueueFilter(status=None if status == "all" else status, site_id=site.id if site else None, **parsed)
    return flt, raw, site


@bp.route("/")
def queue_page() -> str:
    """The queue: held comments of the moderator's sites (or another status), filtered."""
    s = db_session()
    actor = current_actor()
    flt, raw, site = _filters_from_args(request.args)
    page = queue.list_comments(s, actor, flt)
    counts = queue.status_counts(s, actor, site.id if site else None)

    def page_url(number: int) -> str:
        """This listing's URL at page ``number``."""
        return url_for("moderation.queue_page") + "?" + urlencode({**raw, "page": number})

    return render_template("moderation/queue.html", page=page, flt=flt, raw=raw, counts=counts,
                           sites=queue.visible_sites(s, actor), page_url=page_url,
                           status_url=lambda st: url_for("moderation.queue_page") + "?" + urlencode(
                               {**{k: v for k, v in raw.items() if k not in ("status", "page")}, "status": st}),
                           return_to=request.full_path.rstrip("?"))


@bp.route("/actions", methods=["POST"])
def actions_form() -> ResponseReturnValue:
    """The queue form posted without JavaScript: one row's button (``single=action:id``) or a
    bulk button (``action`` + checked ``ids``), with each row's ``rev-<id>``."""
    require_csrf()
    form = request.form
    single = form.get("single", "")
    if single:
        action, _, cid = single.partition(":")
        ids = [cid]
    else:
        action, ids = form.get("action", ""), form.getlist("ids")
        if not ids:
            raise ValidationFailed("select at least one comment first", field="ids")
    expected = {}
    for cid in ids:
        rev = form.get(f"rev-{cid}", "").strip()
        if rev:
            expected[cid] = parse_int(rev, f"rev-{cid}")
    back = _safe_next(form.get("return_to"))
    if action == "undo":
        result = queue.undo(db_session(), current_actor(), ids[0], expected.get(ids[0]), jobs=job_queue())
    else:
        result = queue.act(db_session(), current_actor(), action, ids, expected, jobs=job_queue())
    flash(f"{_done_text(result.action)}: {len(result.moved)} comment(s).", "info")
    return redirect(back)


def _done_text(action: str) -> str:
    return {"approve": "Approved", "spam": "Marked spam", "reject": "Rejected", "undo": "Undone"}.get(action, action)


@bp.route("/comments/<comment_id:comment_id>")
def comment_page(comment_id: str) -> str:
    """One comment with its audit log."""
    comment = queue.get_comment(db_session(), current_actor(), comment_id)
    return render_template("moderation/comment.html", c=comment, return_to=request.full_path.rstrip("?"))


@bp.route("/overview")
def overview() -> str:
    """Per site: comments per status and decisions per day (last ``days``, default 14)."""
    days = parse_int(request.args.get("days", "14"), "days", 1, 366)
    summaries = queue.site_overview(db_session(), current_actor(), days)
    charts = {o.site.id: decisions_chart(o.days) for o in summaries}
    return render_template("moderation/overview.html", summaries=summaries, charts=charts,
                           series_labels=SERIES_LABELS, days=days)


# the site settings page: its own module, routes on this blueprint (imported last: it needs ``bp``)
from service.pages.moderation import site_settings  # noqa: E402,F401
