"""Akismet comment parameters → ``service.checking.check.CommentData`` (plain Python, no Flask).

Every parameter of comment-check / submit-spam / submit-ham (reference section 4) is read; none makes
a request fail: an unparseable date (or one that cannot be expressed in UTC, e.g. 9999-12-31T23:59:59-14:00)
is kept as raw text, a malformed ``user_ip`` is kept and marked (a weak spam signal), an unknown field
is kept as server-environment metadata in ``extra["env"]``. A text longer than its limit
(``FIELD_LIMITS``; ``comment_content``: ``Settings.akismet_max_content_chars``) is cut there and its
full length kept in ``extra["truncated_fields"]``.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import EXCLUDE, Schema, fields

from service.akismet.form import AkismetForm
from service.checking.check import CommentData
from service.learning.entities import public_ip
from service.checking.policy import is_spam_trigger
from service.validation import canonical_ip

#: Parameters with a meaning of their own; every other field is server-environment metadata.
CORE_FIELDS = frozenset({
    "api_key", "key", "blog", "user_ip", "user_agent", "referrer", "referer", "permalink", "comment_type",
    "comment_author", "comment_author_email", "comment_author_url", "comment_content", "comment_date_gmt",
    "comment_post_modified_gmt", "comment_parent", "blog_lang", "blog_charset", "user_role", "is_test",
    "recheck_reason", "honeypot_field_name", "callback", "reporter", "site_domain", "comment_check_response",
    "guid", "akismet_guid",
})
#: Core parameters kept in ``Comment.extra`` as sent (no column of their own).
EXTRA_FIELDS = ("blog_lang", "comment_parent", "callback", "reporter", "site_domain", "comment_check_response")

_CONTEXT = re.compile(r"^comment_context(?:\[(\d*)\])?$")
#: Server-environment names never stored (credentials, cookies).
_SECRET = re.compile(r"COOKIE|AUTHORIZATION|PASSW|PHP_AUTH|SECRET|TOKEN", re.IGNORECASE)
#: Limits of the server-environment metadata kept per comment.
MAX_ENV_FIELDS = 200
MAX_ENV_VALUE_CHARS = 2048
#: Longest value kept per comment field (characters); longer ones are cut and recorded in
#: ``extra["truncated_fields"]`` (as the JSON API's 4,096-character fields; ``user_ip`` is its column).
FIELD_LIMITS = {"comment_author": 4096, "comment_author_email": 4096, "comment_author_url": 4096,
                "user_agent": 4096, "referrer": 4096, "permalink": 4096, "honeypot_value": 4096, "user_ip": 255,
                "recheck_reason": 255, "honeypot_field_name": 255, "comment_type": 64, "blog_charset": 64}
#: ``comment_context``: at most this many tags of at most ``MAX_CONTEXT_CHARS`` characters.
MAX_CONTEXT_ITEMS = 100
MAX_CONTEXT_CHARS = 255
#: A ``comment_context[N]`` index with more digits sorts after every shorter one (no huge ints).
_MAX_INDEX_DIGITS = 9
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def parse_gmt(value: str) -> dt.datetime | None:
    """A ``*_gmt`` date in ISO 8601 (``2024-05-01T10:00:00+00:00``, ``…Z``) or MySQL
    (``2024-05-01 10:00:00``) form, or Unix seconds, as an aware UTC datetime; ``None`` when empty,
    WordPress's zero date ``0000-00-00 00:00:00``, unparseable or out of range in UTC
    (``9999-12-31T23:59:59-14:00``). A naive time is taken as UTC. Never raises."""
    text = (value or "").strip()
    if not text or text.startswith("0000-00-00"):
        return None
    try:
        if text.isdigit():
            return dt.datetime.fromtimestamp(int(text), dt.timezone.utc)
        when = dt.datetime.fromisoformat(text)
        if when.tzinfo is None:
            return when.replace(tzinfo=dt.timezone.utc)
        return when.astimezone(dt.timezone.utc)  # OverflowError past year 1 or 9999 in UTC
    except (ValueError, OverflowError, OSError):
        return None


def parse_ip(value: str) -> tuple[str, bool]:
    """``(ip, valid)``: the first public address of ``value`` (an ``X-Forwarded-For``-style chain
    ``"10.0.0.2, 8.8.7.7, 1.1.1.1"`` gives ``8.8.7.7``; ``service.learning.entities.public_ip``), else
    its first valid address, in canonical form; else the raw text (stripped) and ``False``
    (``200181``, ``2a02``: junk left by form plugins that strip IPv6 characters). The caller cuts
    either to its column (``FIELD_LIMITS["user_ip"]``)."""
    raw = (value or "").strip()
    valid = [ip for ip in (canonical_ip(part.strip().strip("[]")) for part in raw.split(",")) if ip is not None]
    if valid:
        return public_ip(", ".join(valid)) or valid[0], True
    return raw, False


def parse_roles(value: str) -> list[str]:
    """``user_role`` as a list: WordPress joins roles with commas (``administrator,editor``) and sends
    ``0`` for PHP ``false``; lower-cased, empty and ``0``/``false`` dropped."""
    roles = (r.strip().lower() for r in (value or "").split(","))
    return [r for r in roles if r and r not in ("0", "false")]


def parse_lang(value: str) -> str:
    """The primary language of ``blog_lang`` (``en_US`` → ``en``, ``"id_ID, en"`` → ``id``)."""
    first = (value or "").split(",")[0].strip()
    return re.split(r"[_\-]", first)[0].lower()[:16] if first else ""


def comment_context(form: AkismetForm) -> list[str]:
    """Tags/categories from any of the four encodings: ``comment_context=a`` (repeated or single),
    ``comment_context[]=a``, ``comment_context[0]=a`` (WordPress; ordered by index, then unindexed
    ones in the order sent). At most ``MAX_CONTEXT_ITEMS`` tags of ``MAX_CONTEXT_CHARS`` characters."""
    indexed: list[tuple[int, int, int, int, str]] = []
    for pos, (name, value) in enumerate(form.pairs):
        match = _CONTEXT.match(name)
        if match is None or not value.strip():
            continue
        raw = match.group(1) or ""
        digits = raw.lstrip("0") or raw[:1]
        # (digit count, value) orders indexes numerically without int() on thousands of digits
        rank = (1, len(digits), int(digits[:_MAX_INDEX_DIGITS])) if digits else (2, 0, 0)
        indexed.append((*rank, pos, value.strip()[:MAX_CONTEXT_CHARS]))
    return [item[-1] for item in sorted(indexed)[:MAX_CONTEXT_ITEMS]]


def is_true(value: str) -> bool:
    """``1``, ``true``, ``yes``, ``on`` (any case) are true."""
    return (value or "").strip().lower() in TRUE_VALUES


class LenientString(fields.String):
    """A string field that accepts anything and strips NUL characters (PostgreSQL rejects them)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return str(value).replace("\x00", "")


class CommentParams(Schema):
    """The single-valued comment parameters (``dict[str, str]`` of first values) → typed values.

    Never raises a validation error: Akismet clients get a verdict whatever they send.
    """

    class Meta:
        unknown = EXCLUDE

    blog = LenientString(load_default="")
    user_ip = LenientString(load_default="")
    user_agent = LenientString(load_default="")
    referrer = LenientString(load_default="")
    referer = LenientString(load_default="")
    permalink = LenientString(load_default="")
    comment_type = LenientString(load_default="")
    comment_author = LenientString(load_default="")
    comment_author_email = LenientString(load_default="")
    comment_author_url = LenientString(load_default="")
    comment_content = LenientString(load_default="")
    comment_date_gmt = LenientString(load_default="")
    comment_post_modified_gmt = LenientString(load_default="")
    blog_lang = LenientString(load_default="")
    blog_charset = LenientString(load_default="")
    user_role = LenientString(load_default="")
    is_test = LenientString(load_default="")
    recheck_reason = LenientString(load_default="")
    honeypot_field_name = LenientString(load_default="")


_PARAMS = CommentParams()


def environment(form: AkismetForm, honeypot_name: str) -> dict[str, str]:
    """Server-environment and other unknown fields (``HTTP_*``, ``POST_*``, ``REQUEST_URI``,
    ``akismet_comment_nonce``, …): at most ``MAX_ENV_FIELDS`` names, values cut to
    ``MAX_ENV_VALUE_CHARS``, credentials and cookies left out."""
    env: dict[str, str] = {}
    for name, value in form.pairs:
        if (name in CORE_FIELDS or name == honeypot_name or _CONTEXT.match(name) or not name
                or _SECRET.search(name) or name in env):
            continue
        if len(env) >= MAX_ENV_FIELDS:
            break
        env[name[:128]] = value[:MAX_ENV_VALUE_CHARS].replace("\x00", "")
    return env


def _limited(params: dict[str, str], extra: dict[str, Any]) -> dict[str, str]:
    """``params`` with every ``FIELD_LIMITS`` field cut to its limit; the full length of each cut
    field is recorded in ``extra["truncated_fields"]``."""
    out = dict(params)
    for name, limit in FIELD_LIMITS.items():
        if name in out and len(out[name]) > limit:
            extra.setdefault("truncated_fields", {})[name] = len(out[name])
            out[name] = out[name][:limit]
    return out


def comment_data(form: AkismetForm, max_content_chars: int) -> CommentData:
    """Build the ``CommentData`` of an Akismet comment-check / submit-* request.

    ``comment_content`` longer than ``max_content_chars`` characters is cut there and marked
    ``content_truncated`` (its full length is kept in ``extra["content_chars"]``); so is the content
    of a body cut at the body-size limit. Other texts are cut to ``FIELD_LIMITS`` (recorded in
    ``extra["truncated_fields"]`` as ``{field: full length}``). A comment carrying an Akismet test
    trigger is flagged ``is_test`` (never learned from).
    """
    extra: dict[str, Any] = {}
    params = _PARAMS.load({name: form.get(name) for name in _PARAMS.fields if name in form})
    params["referrer"] = params["referrer"] or params["referer"]
    params["honeypot_value"] = ""
    honeypot_name = params["honeypot_field_name"].strip()
    if honeypot_name and honeypot_name not in CORE_FIELDS:
        params["honeypot_value"] = form.get(honeypot_name)
    raw_ip = params.pop("user_ip")
    params = _limited(params, extra)
    content = params["comment_content"]
    truncated = form.truncated and "comment_content" in form and form.pairs[-1][0] == "comment_content"
    if len(content) > max_content_chars:
        extra["content_chars"] = len(content)
        content = content[:max_content_chars]
        truncated = True
    if form.truncated:
        extra["body_truncated_at_bytes"] = form.body_bytes
    ip, ip_valid = parse_ip(raw_ip)
    if len(ip) > FIELD_LIMITS["user_ip"]:  # junk, or a valid IPv6 address with a long zone id
        extra.setdefault("truncated_fields", {})["user_ip"] = len(ip)
        ip = ip[:FIELD_LIMITS["user_ip"]]
    if not ip_valid and ip:
        extra["user_ip_malformed"] = True
    if ip != raw_ip:
        extra["user_ip_raw"] = raw_ip[:1024]
    dates = {}
    for name in ("comment_date_gmt", "comment_post_modified_gmt"):
        dates[name] = parse_gmt(params[name])
        if dates[name] is None and params[name].strip() and not params[name].startswith("0000-00-00"):
            extra.setdefault("unparsed_dates", {})[name] = params[name][:64]
    for name in EXTRA_FIELDS:
        if form.get(name):
            extra[name] = form.get(name)[:MAX_ENV_VALUE_CHARS]
    if form.charsets:
        extra["charsets"] = dict(form.charsets)
    env = environment(form, honeypot_name)
    if env:
        extra["env"] = env
    author, email = params["comment_author"], params["comment_author_email"]
    is_test = is_true(params["is_test"])
    if is_spam_trigger(author, email):
        extra["test_trigger"] = True
        is_test = True
    return CommentData(
        content=content,
        author=author,
        author_email=email,
        author_url=params["comment_author_url"].strip(),
        user_ip=ip,
        user_agent=params["user_agent"],
        referrer=params["referrer"],
        permalink=params["permalink"].strip(),
        comment_type=params["comment_type"].strip().lower(),
        lang=parse_lang(params["blog_lang"]),
        blog=params["blog"].strip(),
        blog_charset=params["blog_charset"].strip(),
        user_role=parse_roles(params["user_role"]),
        comment_context=comment_context(form),
        comment_date_gmt=dates["comment_date_gmt"],
        comment_post_modified_gmt=dates["comment_post_modified_gmt"],
        recheck_reason=params["recheck_reason"].strip(),
        honeypot_field_name=params["honeypot_field_name"].strip(),
        honeypot_value=params["honeypot_value"],
        is_test=is_test,
        content_truncated=truncated,
        extra=extra,
    )
