"""Allow and block lists of a site: entries, their validation, and matching a comment against them.

Kinds (``list_entries.kind``) and how a value matches:

* ``word``: a word or phrase, matched in the content and the author name on word boundaries after
  :func:`fold_words` (look-alike letters, spaced-out and leet words, punctuation, repeats, case):
  ``slot gacor`` matches ``S L O T  G A C O R``, ``ѕlot gасor``, ``slot-gacor`` and ``sl0t gacorrrr``;
  the entry is stored folded;
* ``domain``: a link domain (``casino.example``), matching that host and its subdomains in the
  content's links and the author URL;
* ``email``: an address (``reader@example.com``) or a domain (``example.com`` / ``@example.com``,
  with subdomains) of the author e-mail;
* ``ip``: an address or CIDR range (``203.0.113.0/24``), matching any address in ``user_ip``
  (a forwarded list included);
* ``author``: the author name, normalised as ``word``, matched whole.

Actions: ``accept``, ``hold`` (at least: a comment the model rejects stays rejected), ``reject``.
When several entries match, the strictest action wins (reject > hold > accept); its reason is the
first of the comment's and names the entry. Adding and removing entries is written to the site's
audit log (``service.store.site_audit``). Plain Python, no Flask.
"""
from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models.caches import text_cache
from models.text import MAX_TEXT_CHARS, fold_lookalikes, join_spaced_letters
from service.errors import NotFound, ValidationFailed
from service.learning.entities import MAX_LINKS_READ, addresses, host_of, link_hosts, normal_email
from service.store import site_audit
from service.store.dialect import insert_or_ignore
from service.store.tables import ListEntry, utcnow

KINDS = ("word", "domain", "email", "ip", "author")
ACTIONS = ("accept", "hold", "reject")
STRICTNESS = {"accept": 0, "hold": 1, "reject": 2}
KIND_NAMES = {"word": "word", "domain": "link domain", "email": "e-mail", "ip": "IP", "author": "author name"}
MAX_ENTRIES_PER_SITE = 10_000
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


_INVISIBLE_RE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]")
_NON_WORD_RE = re.compile(r"[\W_]+")
_REPEATS_RE = re.compile(r"(\w)\1+")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD_RE = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9@$])[\w@$]+\b")


def _pieces(text: str, size: int = MAX_TEXT_CHARS // 2) -> list[str]:
    """``text`` cut at whitespace into pieces of at most ``size`` characters (a longer word is cut):
    ``fold_lookalikes`` reads only its first ``MAX_TEXT_CHARS``."""
    out, cur, n = [], [], 0
    for word in text.split():
        while len(word) > size:
            out.append(word[:size])
            word = word[size:]
        if n + len(word) + 1 > size and cur:
            out.append(" ".join(cur))
            cur, n = [], 0
        cur.append(word)
        n += len(word) + 1
    if cur:
        out.append(" ".join(cur))
    return out


@text_cache(max_chars=500_000)
def _fold_cached(text: str) -> str:
    text = join_spaced_letters(_INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text)))
    text = " ".join(fold_lookalikes(piece) for piece in _pieces(text)).casefold()
    text = _LEET_WORD_RE.sub(lambda m: m.group(0).translate(_LEET), text)  # g4c0r → gacor, 10rb → iorb
    text = _NON_WORD_RE.sub(" ", text)
    return " ".join(_REPEATS_RE.sub(r"\1", text).split())


def fold_words(text: str) -> str:
    """The form words and author names are matched in: NFKC, invisible characters removed, look-alike
    letters folded (``models.text.fold_lookalikes``), lower case, leet words folded (``g4c0r``),
    punctuation and separators as spaces, spaced-out letters joined (``s l o t`` → ``slot``),
    letter repeats collapsed (``gacorrrr`` → ``gacor``). The whole text, however long."""
    return _fold_cached(text or "")


@functools.lru_cache(maxsize=4096)
def _phrase_re(folded: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(folded) + r"(?!\w)")



def normalise_value(kind: str, value: str) -> str:
    """The stored form of an entry's value. Raises ``ValidationFailed`` (field ``kind`` / ``value``)."""
    if kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}", field="kind")
    text = (value or "").strip()
    if not text or len(text) > 255 or any(ord(c) < 32 or c == "\x7f" for c in text):
        raise ValidationFailed("value must be 1 to 255 printable characters", field="value")
    if kind in ("word", "author"):
        norm = fold_words(text)
        if not any(ch.isalnum() for ch in norm):
            raise ValidationFailed("value has no letters or digits to match", field="value")
        return norm
    if kind == "domain":
        host = host_of(text) if ("/" in text or ":" in text) else text.lower().rstrip(".")
        try:
            host = host.encode("idna").decode("ascii") if not host.isascii() else host
        except UnicodeError:
            host = ""
        if not _DOMAIN_RE.match(host):
            raise ValidationFailed("value must be a domain name such as casino.example", field="value")
        return host
    if kind == "email":
        if "@" in text.lstrip("@"):
            email = normal_email(text)
            if not email:
                raise ValidationFailed("value must be an e-mail address or a domain", field="value")
            return email
        domain = text.lstrip("@").lower().rstrip(".")
        if not domain.isascii():
            try:
                domain = domain.encode("idna").decode("ascii")
            except UnicodeError:
                domain = ""
        if not _DOMAIN_RE.match(domain):
            raise ValidationFailed("value must be an e-mail address or a domain", field="value")
        return domain
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        net = None
    if net is not None and isinstance(net, ipaddress.IPv6Network) and net.network_address.ipv4_mapped:
        net = None  # ::ffff:a.b.c.d/n: write the IPv4 range (mapped addresses are matched as IPv4)
    if net is None or "%" in text:
        raise ValidationFailed("value must be an IP address or a CIDR range such as 203.0.113.0/24",
                               field="value")
    return str(net)


def add_entry(session: Session, site_id: int, kind: str, value: str, action: str, note: str = "",
              created_by: str = "", *, actor_id: int | None = None) -> ListEntry:
    """Add an entry (or change the action and note of the same kind and value). The caller commits.
    ``created_by`` (and ``actor_id``, their ``users.id``) is who adds it, also in the audit log.
    Raises ``ValidationFailed`` naming ``kind``, ``value``, ``action`` or ``note``."""
    if action not in ACTIONS:
        raise ValidationFailed(f"action must be one of {', '.join(ACTIONS)}", field="action")
    if len(note or "") > 255 or "\x00" in (note or ""):
        raise ValidationFailed("note must be at most 255 characters", field="note")
    stored = normalise_value(kind, value)
    row = session.scalar(select(ListEntry).where(ListEntry.site_id == site_id, ListEntry.kind == kind,
                                                 ListEntry.value == stored))
    previous = row.action if row is not None else None
    if row is None:
        count = session.query(ListEntry).filter(ListEntry.site_id == site_id).count()
        if count >= MAX_ENTRIES_PER_SITE:
            raise ValidationFailed(f"a site has at most {MAX_ENTRIES_PER_SITE} entries", field="value")
        # a concurrent add of the same entry may win the race: then this one updates it
        insert_or_ignore(session, ListEntry.__table__, dict(site_id=site_id, kind=kind, value=stored, action=action,
                                                            note=note or "", created_by=created_by, created_at=utcnow()),
                         ["site_id", "kind", "value"])
        row = session.scalar(select(ListEntry).where(ListEntry.site_id == site_id, ListEntry.kind == kind,
                                                     ListEntry.value == stored).execution_options(populate_existing=True))
    row.action, row.note = action, note or row.note
    session.flush()
    site_audit.record(session, site_id, "list_add", created_by, actor_id,
                      {"entry_id": row.id, "kind": kind, "value": stored, "list_action": action, "note": row.note,
                       "previous_action": previous})
    return row


def remove_entry(session: Session, site_id: int, entry_id: int, *, actor: str = "",
                 actor_id: int | None = None) -> ListEntry:
    """Delete entry ``entry_id`` of ``site_id`` (audited). Raises ``NotFound`` (field ``entry``)."""
    row = session.get(ListEntry, entry_id)
    if row is None or row.site_id != site_id:
        raise NotFound(f"no list entry {entry_id} on this site", field="entry")
    session.delete(row)
    session.flush()
    site_audit.record(session, site_id, "list_remove", actor, actor_id,
                      {"entry_id": row.id, "kind": row.kind, "value": row.value, "list_action": row.action})
    return row


_ENTRIES = select(ListEntry).where(ListEntry.site_id == bindparam("site_id")).order_by(ListEntry.kind, ListEntry.value)


def entries_of(session: Session, site_id: int) -> list[ListEntry]:
    """Every entry of ``site_id``: by kind, then value (one statement built once: every check reads it)."""
    return list(session.scalars(_ENTRIES, {"site_id": site_id}))


@dataclass(frozen=True)
class ListHit:
    """The entry that decides a comment."""

    entry_id: int
    kind: str
    value: str
    action: str

    def reason(self) -> str:
        """``Block list: link domain "casino.example" → reject (entry 3)``."""
        which = "Allow list" if self.action == "accept" else "Block list"
        return f'{which}: {KIND_NAMES[self.kind]} "{self.value}" → {self.action} (entry {self.entry_id})'


def _domain_match(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def match(entries: list[ListEntry], content: str, author: str, author_email: str, author_url: str,
          user_ip: str) -> ListHit | None:
    """The strictest entry matching the comment, ``None`` when none does. ``user_ip`` may be a
    forwarded list: an ``ip`` entry matches any of its addresses."""
    if not entries:
        return None
    lazy: dict[str, object] = {}

    def text_norm() -> str:
        if "text" not in lazy:
            lazy["text"] = fold_words(content) + " | " + fold_words(author)
        return lazy["text"]  # type: ignore[return-value]

    def hosts() -> list[str]:
        if "hosts" not in lazy:
            lazy["hosts"] = [h for h in link_hosts(content, MAX_LINKS_READ) + [host_of(author_url)] if h]
        return lazy["hosts"]  # type: ignore[return-value]

    email = normal_email(author_email)
    ips = addresses(user_ip)
    best: ListHit | None = None
    for e in entries:
        if best is not None and STRICTNESS[e.action] <= STRICTNESS[best.action]:
            continue
        hit = False
        if e.kind == "word":
            phrase = fold_words(e.value)
            hit = bool(phrase) and _phrase_re(phrase).search(text_norm()) is not None
        elif e.kind == "author":
            hit = bool(author.strip()) and fold_words(author) == fold_words(e.value)
        elif e.kind == "domain":
            hit = any(_domain_match(h, e.value) for h in hosts())
        elif e.kind == "email":
            hit = bool(email) and (email == e.value if "@" in e.value else
                                   _domain_match(email.rsplit("@", 1)[1], e.value))
        elif e.kind == "ip":
            net = ipaddress.ip_network(e.value, strict=False)
            hit = any(a.version == net.version and a in net for a in ips)
        if hit:
            best = ListHit(e.id, e.kind, e.value, e.action)
    return best
