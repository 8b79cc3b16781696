"""Akismet comment parameters → ``service.moderation.CommentData`` (plain Python, no Flask).

Every parameter of comment-check / submit-spam / submit-ham (reference section 4) is read; none makes
a request fail: an unparseable date is kept as raw text, a malformed ``user_ip`` is kept and marked
(a weak spam signal), an unknown field is kept as server-environment metadata in ``extra["env"]``.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Any

from marshmallow import EXCLUDE, Schema, fields

from service.akismet.form import AkismetForm
from service.moderation import CommentData
from service.policy import is_spam_trigger

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
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def parse_gmt(value: str) -> dt.datetime | None:
    """A ``*_gmt`` date in ISO 8601 (``2024-05-01T10:00:00+00:00``, ``…Z``) or MySQL
    (``2024-05-01 10:00:00``) form, or Unix seconds, as an aware UTC datetime; ``None`` when empty,
    WordPress's zero date ``0000-00-00 00:00:00`` or unparseable. A naive time is taken as UTC."""
    text = (value or "").strip()
    if not text or text.startswith("0000-00-00"):
        return None
    try:
        if text.isdigit():
            return dt.datetime.fromtimestamp(int(text), dt.timezone.utc)
        when = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def parse_ip(value: str) -> tuple[str, bool]:
    """``(ip, valid)``: the first valid address of ``value`` (a proxy chain ``"203.0.113.7, 10.0.0.2"``
    gives ``203.0.113.7``) in canonical form, else the raw text (at most 255 characters) and
    ``False`` (``200181``, ``2a02``: junk left by form plugins that strip IPv6 characters)."""
    raw = (value or "").strip()
    for part in raw.split(","):
        part = part.strip().strip("[]")
        try:
            return str(ipaddress.ip_address(part)), True
        except ValueError:
            continue
    return raw[:255], False


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
    ``comment_context[]=a``, ``comment_context[0]=a`` (WordPress; ordered by index)."""
    indexed: list[tuple[int, int, str]] = []
    for pos, (name, value) in enumerate(form.pairs):
        match = _CONTEXT.match(name)
        if match is None or not value.strip():
            continue
        index = int(match.group(1)) if match.group(1) else -1
        indexed.append((index if index >= 0 else 1 << 30, pos, value.strip()))
    return [value for _, _, value in sorted(indexed)]


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


def comment_data(form: AkismetForm, max_content_chars: int) -> CommentData:
    """Build the ``CommentData`` of an Akismet comment-check / submit-* request.

    ``comment_content`` longer than ``max_content_chars`` characters is cut there and marked
    ``content_truncated`` (its full length is kept in ``extra["content_chars"]``); so is the content
    of a body cut at the body-size limit. A comment carrying an Akismet test trigger is flagged
    ``is_test`` (never learned from).
    """
    params = _PARAMS.load({name: form.get(name) for name in _PARAMS.fields if name in form})
    content = params["comment_content"]
    extra: dict[str, Any] = {}
    truncated = form.truncated and "comment_content" in form and form.pairs[-1][0] == "comment_content"
    if len(content) > max_content_chars:
        extra["content_chars"] = len(content)
        content = content[:max_content_chars]
        truncated = True
    if form.truncated:
        extra["body_truncated_at_bytes"] = form.body_bytes
    ip, ip_valid = parse_ip(params["user_ip"])
    if not ip_valid and ip:
        extra["user_ip_malformed"] = True
    if ip != params["user_ip"]:
        extra["user_ip_raw"] = params["user_ip"][:1024]
    honeypot_name = params["honeypot_field_name"].strip()
    honeypot_value = ""
    if honeypot_name and honeypot_name not in CORE_FIELDS:
        honeypot_value = form.get(honeypot_name)
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
        referrer=params["referrer"] or params["referer"],
        permalink=params["permalink"].strip(),
        comment_type=params["comment_type"].strip().lower()[:64],
        lang=parse_lang(params["blog_lang"]),
        blog=params["blog"].strip(),
        blog_charset=params["blog_charset"].strip()[:64],
        user_role=parse_roles(params["user_role"]),
        comment_context=comment_context(form),
        comment_date_gmt=dates["comment_date_gmt"],
        comment_post_modified_gmt=dates["comment_post_modified_gmt"],
        recheck_reason=params["recheck_reason"].strip()[:255],
        honeypot_field_name=honeypot_name[:255],
        honeypot_value=honeypot_value,
        is_test=is_test,
        content_truncated=truncated,
        extra=extra,
    )
