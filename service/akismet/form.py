"""Akismet request bodies: ``application/x-www-form-urlencoded`` read with a size limit and decoded
with a charset fallback that never fails (plain Python, no Flask).

Decoding order for every value (reference section 1): the ``charset`` parameter of Content-Type, then
the ``blog_charset`` field, then UTF-8, then Latin-1 as the last resort (Latin-1 maps every byte, so
decoding cannot fail). ``ISO-8859-1``/``latin1``/``US-ASCII`` labels are read as Windows-1252, as
browsers do (WHATWG Encoding Standard), because Latin-1 blogs really send Windows-1252 bytes such as
``%93`` for a curly quote. Only the text encodings of the WHATWG Encoding Standard (``TEXT_CODECS``)
are used: any other label (``utf-7``, ``punycode``, ``unicode_escape``, ``base64`` …) is skipped as if
absent. Both ``+`` and ``%20`` mean a space.

Every decoded name and value is clean text: NUL characters and lone surrogates (which no database
column stores) are replaced with U+FFFD. A body the server cannot read (a malformed chunked
encoding) raises ``MalformedBody`` (answered ``invalid``).
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable
from urllib.parse import unquote_to_bytes

from service.errors import ValidationFailed

#: Size of one read from the request stream (bytes).
CHUNK_BYTES = 64 * 1024

#: Charset labels read as Windows-1252 (WHATWG Encoding Standard, "windows-1252" labels).
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii",
                                  "iso_8859-1", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"})

#: Python codecs of the text encodings a charset label may select (the WHATWG Encoding Standard's
#: encodings plus their common Python aliases); ``utf-7``, ``punycode``, ``*_escape`` and the
#: binary-to-binary codecs are not among them.
TEXT_CODECS = frozenset(codecs.lookup(name).name for name in (
    "utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp866", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5",
    "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-9", "iso8859-10", "iso8859-11", "iso8859-13", "iso8859-14",
    "iso8859-15", "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874", "cp1250", "cp1251",
    "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "gbk", "gb2312", "gb18030", "big5",
    "big5hkscs", "euc-jp", "iso2022-jp", "shift_jis", "cp932", "euc-kr", "cp949", "tis-620", "latin-1"))

#: Characters no text column stores (PostgreSQL refuses NUL; UTF-8 cannot encode a lone surrogate).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class MalformedBody(ValidationFailed):
    """The request body could not be read (e.g. a chunk size that is not hexadecimal)."""


def clean_text(text: str) -> str:
    """``text`` with NUL characters and lone surrogates replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


@dataclass
class BodyRead:
    """What was read from a request body.

    Attributes:
        data: the first ``limit`` bytes (all of the body when it fits).
        total_bytes: bytes received in all (read and discarded included).
        truncated: the body was longer than ``limit``; ``data`` is its beginning.
        complete: the whole body was received (False only past ``drain_limit``: then the
            connection must be closed after the answer).
    """

    data: bytes
    total_bytes: int
    truncated: bool
    complete: bool


def read_body(stream: BinaryIO, limit: int, drain_limit: int, content_length: int | None = None) -> BodyRead:
    """Read at most ``limit`` bytes of a body and discard the rest up to ``drain_limit`` bytes.

    Discarding (rather than leaving unread) what lies past ``limit`` lets the server answer on an
    intact connection instead of resetting it while the client is still sending.

    Args:
        stream: the request's input stream (e.g. ``wsgi.input``), read until EOF or
            ``content_length`` bytes.
        limit: bytes kept (``Settings.akismet_max_body_bytes``).
        drain_limit: bytes received at most (kept + discarded), ``>= limit``.
        content_length: the Content-Length header when the client sent one.

    Raises ``MalformedBody`` when the stream fails (the server's HTTP parser raises on a malformed
    chunked body: gunicorn's ``InvalidChunkSize``, werkzeug's ``OSError``).
    """
    kept = bytearray()
    total = 0
    eof = False
    while total < drain_limit and (content_length is None or total < content_length):
        size = min(CHUNK_BYTES, drain_limit - total)
        if content_length is not None:
            size = min(size, content_length - total)
        try:
            chunk = stream.read(size)
        except Exception as exc:  # noqa: BLE001 - the servers' parse errors share no base class
            root = exc.__cause__ or exc.__context__ or exc  # the server's own error under a wrapper
            raise MalformedBody(f"The request body could not be read ({type(root).__name__}: {root}); "
                                "send it with Content-Length or valid chunked encoding", field="body") from exc
        if not chunk:
            eof = True
            break
        total += len(chunk)
        room = limit - len(kept)
        if room > 0:
            kept += chunk[:room]
    complete = eof or (content_length is not None and total >= content_length)
    return BodyRead(bytes(kept), total, total > limit, complete)


def normalize_charset(label: str | None) -> str | None:
    """A Python codec name for a charset label (``"ISO-8859-1"`` → ``"cp1252"``), or ``None`` for an
    empty or unknown label and for a codec that is not one of ``TEXT_CODECS`` (``utf-7``)."""
    if not label:
        return None
    label = label.strip().strip('"').strip("'").lower()
    if not label:
        return None
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return name if name in TEXT_CODECS else None


@dataclass
class AkismetForm:
    """Decoded form fields in the order they were sent (a name may repeat).

    Attributes:
        pairs: ``(name, value)`` pairs, both ``str``.
        charsets: the codec that decoded each value, by field name (for diagnostics).
        truncated: the body was cut at the size limit; the last field may be partial (only a
            partial ``comment_content`` is kept).
        body_bytes: size of the whole body in bytes.
    """

    pairs: list[tuple[str, str]] = field(default_factory=list)
    charsets: dict[str, str] = field(default_factory=dict)
    truncated: bool = False
    body_bytes: int = 0

    def get(self, name: str, default: str = "") -> str:
        """The first value of ``name`` (``default`` when absent)."""
        for key, value in self.pairs:
            if key == name:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        return [value for key, value in self.pairs if key == name]

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self.pairs)

    def names(self) -> list[str]:
        """Distinct field names in order of first appearance."""
        return list(dict.fromkeys(key for key, _ in self.pairs))


def _split(raw: bytes, truncated: bool) -> Iterable[tuple[bytes, bytes, bool]]:
    """``(name, value, partial)`` byte pairs, still percent-encoded."""
    parts = raw.split(b"&") if raw else []
    for i, part in enumerate(parts):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        yield name, value, truncated and i == len(parts) - 1


def _unquote(value: bytes, partial: bool) -> bytes:
    if partial:
        # a cut inside "%XX" leaves "%" or "%X" at the end: drop it
        if value.endswith(b"%"):
            value = value[:-1]
        elif len(value) >= 2 and value[-2:-1] == b"%":
            value = value[:-2]
    return unquote_to_bytes(value.replace(b"+", b" "))


def decode_value(value: bytes, charsets: list[str]) -> tuple[str, str]:
    """Decode ``value`` with the first codec in ``charsets`` that decodes it strictly; else as
    UTF-8 with replacement characters when it is mostly UTF-8 (at least as many valid multi-byte
    sequences as invalid bytes: one stray ``%FF`` must not turn a whole UTF-8 comment into
    Latin-1 mojibake that the classifier cannot read); else Latin-1 (a legacy single-byte blog).
    The result is ``clean_text`` ed.

    Returns ``(text, codec_name)`` (``"utf-8-replaced"`` for the middle case); never raises.
    """
    for name in charsets:
        try:
            return clean_text(value.decode(name)), name
        except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError
            continue
    lenient = value.decode("utf-8", "replace")
    invalid = lenient.count("\ufffd") - value.count("\ufffd".encode("utf-8"))
    valid_multibyte = sum(1 for ch in lenient if ord(ch) > 0x7F and ch != "\ufffd")
    if valid_multibyte >= max(1, invalid):
        return clean_text(lenient), "utf-8-replaced"
    return clean_text(value.decode("latin-1")), "latin-1"


def parse_form(raw: bytes, content_type_charset: str | None = None, truncated: bool = False,
               body_bytes: int | None = None) -> AkismetForm:
    """Parse an urlencoded body (or query string) into an ``AkismetForm``; never raises.

    Args:
        raw: the body bytes (``application/x-www-form-urlencoded``).
        content_type_charset: the ``charset`` parameter of the request's Content-Type, if any.
        truncated: ``raw`` is the beginning of a longer body; its last field is partial and is
            kept only when it is ``comment_content``.
        body_bytes: size of the whole body (default ``len(raw)``).
    """
    items = []
    for name_b, value_b, partial in _split(raw, truncated):
        name = decode_value(_unquote(name_b, False), ["utf-8"])[0].strip()
        if partial and name != "comment_content":
            continue
        items.append((name, _unquote(value_b, partial)))
    blog_charset = next((v for n, v in items if n == "blog_charset"), b"")
    order = [normalize_charset(content_type_charset),
             normalize_charset(blog_charset.decode("latin-1")), "utf-8"]
    chain = list(dict.fromkeys(c for c in order if c))
    form = AkismetForm(truncated=truncated, body_bytes=len(raw) if body_bytes is None else body_bytes)
    for name, value in items:
        text, used = decode_value(value, chain)
        form.pairs.append((name, text))
        if used != chain[0] and name not in form.charsets:
            form.charsets[name] = used
    return form


def parse_multipart(raw: bytes, content_type: str, limit: int, truncated: bool = False) -> AkismetForm:
    """A ``multipart/form-data`` body (already read by :func:`read_body`) as an ``AkismetForm``.

    The same byte limit as every other encoding applies (werkzeug's own 500 kB field limit does
    not). Files are read as text fields (no Akismet client sends files).

    Raises ``MalformedBody`` (field ``body``) when the body was longer than ``limit`` (a multipart
    body cut short cannot be parsed) or is not valid multipart.
    """
    import io

    from werkzeug.formparser import parse_form_data

    if truncated:
        raise MalformedBody(f"The multipart body is over {limit} bytes: send at most {limit} bytes, or "
                            "application/x-www-form-urlencoded (longer content is then truncated)", field="body")
    environ = {"wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw)), "CONTENT_TYPE": content_type,
               "REQUEST_METHOD": "POST"}
    try:
        _stream, form, files = parse_form_data(environ, max_form_memory_size=limit, max_content_length=limit,
                                               silent=False)
    except Exception as exc:  # noqa: BLE001 - werkzeug raises ValueError, RequestEntityTooLarge …
        raise MalformedBody(f"The multipart body could not be parsed ({type(exc).__name__})", field="body") from exc
    pairs = [(clean_text(k), clean_text(v)) for k, vs in form.lists() for v in vs]
    for name, storage in files.items(multi=True):
        pairs.append((clean_text(name), clean_text(storage.read(limit).decode("utf-8", "replace"))))
    return AkismetForm(pairs)
