"""The Akismet endpoints as plain functions (no Flask): authenticate, validate, act, return a result.

Problems are raised as ``service.errors`` exceptions; the blueprint turns every one of them into
Akismet's ``invalid`` + ``X-akismet-debug-help`` (reference sections 5 and 8). Decisions map to
answers as: accept → ``false``; hold → ``true``; reject → ``true`` + ``X-akismet-pro-tip: discard``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy.orm import Session

from service.accounts import sites
from service.accounts.key_sites import SiteChoice, site_for_blog, site_key_ids
from service.akismet.fields import comment_data, is_true
from service.akismet.form import AkismetForm
from service.akismet.keys import find_key
from service.errors import Unauthorized, ValidationFailed
from service.moderation.reports import FeedbackResult, record_feedback
from service.checking import stats
from service.checking.check import CommentData, check_comment
from service.runtime import Runtime
from service.store.tables import ApiKey, Comment
from service.web.params import IntParam
from service.checking.usage import MAX_BLOG_CHARS, ORDERS, SiteUsage, key_sites, month_of, totals

#: The exact body of a successful submit-spam / submit-ham.
THANKS = "Thanks for making the web a better place."


@dataclass
class AkismetRequest:
    """One Akismet request as the blueprint read it.

    Attributes:
        form: the decoded body fields.
        query: the decoded query-string fields.
        host: the Host header (``K.rest.akismet.com`` carries the key ``K``).
        method: the HTTP method.
    """

    form: AkismetForm
    query: AkismetForm = field(default_factory=AkismetForm)
    host: str = ""
    method: str = "POST"

    def param(self, name: str) -> str:
        """``name`` from the body, else from the query string ("" when absent)."""
        return self.form.get(name) or self.query.get(name)


def require_post(req: AkismetRequest, endpoint: str) -> None:
    """Raise ``ValidationFailed`` unless the request is a POST (1.1 endpoints)."""
    if req.method != "POST":
        raise ValidationFailed(f"{endpoint} takes POST, not {req.method}", field="method")


def authenticate(session: Session, req: AkismetRequest, api_host: str, verify: bool = False) -> ApiKey:
    """The active key of the request (see ``service.akismet.keys.find_key``).

    Raises ``Unauthorized`` with Akismet's messages: ``Empty "api_key" value`` (``Empty "key"
    value`` on verify-key) when none was sent, ``Invalid key`` when it is unknown or revoked.
    """
    key, where = find_key(req.form, req.query, req.host, api_host, verify=verify)
    name = "key" if verify else "api_key"
    if not key:
        raise Unauthorized(f'Empty "{name}" value', field=name)
    row = sites.find_key(session, key)
    if row is None:
        raise Unauthorized("Invalid key" + (" (taken from the Host header)" if where == "host" else ""), field=name)
    return row


def require_blog(value: str) -> str:
    """The ``blog`` URL normalised (``https://Blog.example/`` → ``https://blog.example``).

    Raises ``ValidationFailed`` (Akismet's ``We were unable to parse your blog URI``) when it is
    missing or not an absolute http(s) URL (``/my-blog1``).
    """
    try:
        return sites.normalize_site_url(value)
    except ValidationFailed:
        shown = f" ({value[:100]!r})" if value else " (blog is empty)"
        if len(value or "") > MAX_BLOG_CHARS:
            shown += f" (longer than {MAX_BLOG_CHARS} characters)"
        raise ValidationFailed("We were unable to parse your blog URI" + shown
                               + "; send the site's full URL, e.g. https://blog.example", field="blog") from None


def _comment(rt: Runtime, req: AkismetRequest) -> tuple[str, CommentData]:
    blog = require_blog(req.form.get("blog"))
    data = comment_data(req.form, rt.settings.akismet_max_content_chars)
    if not data.user_ip and req.form.get("comment_author_IP").strip():
        data = comment_data(AkismetForm([*req.form.pairs, ("user_ip", req.form.get("comment_author_IP"))]),
                            rt.settings.akismet_max_content_chars)
    if not data.user_ip:
        raise ValidationFailed('Empty "user_ip" value: send the IP address of the person who wrote the comment',
                               field="user_ip")
    data.blog = blog
    return blog, data


def verify_key(rt: Runtime, session: Session, req: AkismetRequest) -> None:
    """verify-key: returns when ``key`` and ``blog`` are valid; raises ``Unauthorized`` /
    ``ValidationFailed`` otherwise (the answer is then ``invalid``)."""
    require_post(req, "verify-key")
    authenticate(session, req, rt.settings.akismet_api_host, verify=True)
    require_blog(req.form.get("blog") or req.query.get("blog"))


def _site_of(session: Session, key: ApiKey, blog: str, data: CommentData) -> SiteChoice:
    """The site the comment is stored and counted under (``service.accounts.key_sites``: the key's
    own site, a site it covers, or a new site it then covers; never another key's site). When that
    is not the site ``blog`` names, the reason is kept in the comment's ``extra["site_note"]``."""
    choice = site_for_blog(session, key, blog)
    assert choice is not None  # create=True always chooses a site
    if choice.note:
        data.extra = {**data.extra, "site_note": choice.note}
    return choice


def comment_check(rt: Runtime, session: Session, req: AkismetRequest) -> Comment:
    """comment-check: classify, decide, store (committed) and count, under the site chosen for the
    key and ``blog`` (``_site_of``). Returns the stored comment; its ``id`` is the
    ``X-akismet-guid`` and its ``decision`` the answer."""
    require_post(req, "comment-check")
    key = authenticate(session, req, rt.settings.akismet_api_host)
    blog, data = _comment(rt, req)
    choice = _site_of(session, key, blog, data)
    return check_comment(session, rt.holder.classifier, rt.signals, choice.site, key, data, source="akismet",
                         usage=rt.usage)


def submit(rt: Runtime, session: Session, req: AkismetRequest, label: str) -> FeedbackResult:
    """submit-spam (``label="spam"``) / submit-ham (``"ham"``): record the report (see
    ``service.moderation.reports``) on the site chosen for the key and ``blog`` (``_site_of``) and
    count it under that site."""
    require_post(req, f"submit-{label}")
    key = authenticate(session, req, rt.settings.akismet_api_host)
    blog, data = _comment(rt, req)
    site = _site_of(session, key, blog, data).site
    guid = req.form.get("guid") or req.form.get("akismet_guid")
    result = record_feedback(session, rt.holder.classifier, site, key, data, label, guid=guid,
                             reporter=req.form.get("reporter"), source="akismet")
    rt.usage.add(key.id, site.url, {
        "api_calls": 1, "missed_spam": int(result.missed_spam), "false_positives": int(result.false_positive)})
    return result


def decision_answer(decision: str) -> tuple[str, dict[str, str]]:
    """``(body, headers)`` of a comment-check answer for a decision."""
    if decision == "accept":
        return "false", {}
    if decision == "reject":
        return "true", {"X-akismet-pro-tip": "discard"}
    return "true", {}


#: Largest key-sites ``offset`` (a bigger one would overflow the database's integer).
MAX_OFFSET = 1_000_000_000


class KeySitesQuery(Schema):
    """Query of ``GET /1.2/key-sites`` (reference section 3.1)."""

    class Meta:
        unknown = EXCLUDE

    month = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$",
                                                                        error="month must be YYYY-MM"))
    filter = fields.String(load_default="")
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))
    order = fields.String(load_default="total", validate=validate.OneOf(sorted(ORDERS)))
    limit = IntParam(load_default=500, minimum=0, maximum=10_000)  # ASCII digits only (no "٣")
    offset = IntParam(load_default=0, minimum=0, maximum=MAX_OFFSET)
    extended = fields.String(load_default="")


def _load(schema: Schema, req: AkismetRequest) -> dict[str, Any]:
    raw = {name: req.param(name) for name in schema.fields if req.param(name) != ""}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        name, problems = next(iter(exc.normalized_messages().items()))
        text = problems[0] if isinstance(problems, list) else str(problems)
        raise ValidationFailed(f"{name}: {text}", field=name) from None


@dataclass
class KeySitesReport:
    """The key-sites answer: ``rows`` of ``month`` (paged), ``total`` rows before paging."""

    key: str
    month: str
    rows: list[SiteUsage]
    limit: int
    offset: int
    total: int
    format: str
    extended: bool


def key_sites_report(rt: Runtime, session: Session, req: AkismetRequest) -> KeySitesReport:
    """key-sites. Python akismet 25.10.1 sends no ``api_key`` here: like Akismet we answer
    ``invalid`` (``Empty "api_key" value``) and that client raises ``APIKeyError`` (docs/akismet.md)."""
    key_row = authenticate(session, req, rt.settings.akismet_api_host)
    query = _load(KeySitesQuery(), req)
    month = query["month"] or month_of()
    rows, total = key_sites(session, key_row.id, month, query["filter"], query["order"], query["limit"],
                            query["offset"])
    key, _ = find_key(req.form, req.query, req.host, rt.settings.akismet_api_host)
    return KeySitesReport(key, month, rows, query["limit"], query["offset"], total, query["format"],
                          is_true(query["extended"]))


def usage_limit(rt: Runtime, session: Session, req: AkismetRequest) -> dict[str, Any]:
    """usage-limit: ``{"limit": "none", "usage": <api calls this month>, "percentage": "0.00",
    "throttled": false}`` (a self-hosted key has no limit); ``extended=true|1`` adds
    ``notice_level`` and ``upgrade`` (reference section 3.2)."""
    key_row = authenticate(session, req, rt.settings.akismet_api_host)
    used = totals(session, key_row.id, month_of())["api_calls"]
    answer: dict[str, Any] = {"limit": "none", "usage": used, "percentage": "0.00", "throttled": False}
    if is_true(req.param("extended")):
        answer.update(notice_level="NOTICE_NONE", upgrade=False)
    return answer


def key_stats(rt: Runtime, session: Session, req: AkismetRequest) -> dict[str, Any]:
    """get-key-stats (WordPress admin): this month's counters of the key summed over its sites."""
    require_post(req, "get-key-stats")
    key_row = authenticate(session, req, rt.settings.akismet_api_host, verify=True)
    month = month_of()
    return {"month": month, **totals(session, key_row.id, month)}


def site_stats(rt: Runtime, session: Session, req: AkismetRequest) -> dict[str, Any]:
    """get-stats (the WordPress plugin's settings page: "Past six months" / "All time" spam
    blocked, accuracy, missed spam and false positives; ``wp akismet stats``).

    Request: POST ``key``, ``blog``, ``from`` = ``6-months`` | ``60-days`` | ``all`` (default
    ``all``), as the plugin sends them (``Akismet_Admin::get_stats`` in class.akismet-admin.php asks
    for ``6-months`` and ``all``; class.akismet-rest-api.php and class.akismet-cli.php also
    ``60-days``).

    Answer: the figures of the site the key's comments naming ``blog`` are stored under
    (``service.accounts.key_sites``; a ``blog`` that is no site yet gives zeros, and creates
    nothing), in the shape the plugin reads (``service.checking.stats.SiteStats.as_akismet``)::

        {"spam": 3, "ham": 2, "missed_spam": 1, "false_positives": 1, "accuracy": 60.0,
         "time_saved": 10, "breakdown": {"2026-12": {"date": "2026-12", "spam": 3, "ham": 2,
         "missed_spam": 1, "false_positives": 1}}, "interval": "all", "site": "https://blog.example"}

    Raises ``Unauthorized`` (bad key), ``ValidationFailed`` (bad ``blog``, or ``from`` not one of
    the three values): the answer is then ``invalid`` + ``X-akismet-debug-help``.
    """
    require_post(req, "get-stats")
    key_row = authenticate(session, req, rt.settings.akismet_api_host, verify=True)
    blog = require_blog(req.form.get("blog"))
    interval = req.param("from").strip() or stats.DEFAULT_INTERVAL
    if interval not in stats.INTERVALS:
        raise ValidationFailed(f"from must be one of {', '.join(stats.INTERVALS)}, not {interval[:40]!r}",
                               field="from")
    choice = site_for_blog(session, key_row, blog, create=False)
    if choice is None:
        return stats.site_stats(session, None, [], interval).as_akismet()
    key_ids = site_key_ids(session, choice.site.id)
    return stats.site_stats(session, choice.site.url, key_ids, interval).as_akismet()


def subscription(rt: Runtime, session: Session, req: AkismetRequest) -> dict[str, Any]:
    """get-subscription (WordPress admin): an active, self-hosted subscription that never bills."""
    require_post(req, "get-subscription")
    key_row = authenticate(session, req, rt.settings.akismet_api_host, verify=True)
    require_blog(req.form.get("blog"))
    return {"status": "active", "account_type": "self-hosted", "account_name": key_row.site.name or "Saring",
            "next_billing_date": None, "account_id": key_row.id}


def deactivate(rt: Runtime, session: Session, req: AkismetRequest) -> str:
    """deactivate (WordPress "disconnect"): ``deactivated`` for a valid key and blog; nothing is
    revoked (revoking is the site owner's ``saring keys revoke``)."""
    require_post(req, "deactivate")
    authenticate(session, req, rt.settings.akismet_api_host, verify=True)
    require_blog(req.form.get("blog"))
    return "deactivated"

