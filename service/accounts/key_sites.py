"""Which site a key's ``blog`` names: one key, several sites (plain Python, no Flask).

An Akismet key covers several sites, and ``/1.2/key-sites`` lists them (reference section 3.1).
Saring keeps that promise the same way for storage, the moderation queue, the overview and every
usage counter. For a key and the ``blog`` a request names (normalised by
``service.accounts.sites.normalize_site_url``):

1. the key's own site (``api_keys.site_id``) → that site (rule ``own``);
2. a site the key covers (a ``key_sites`` row) → that site (``covered``);
3. no site yet → a new site, covered by this key from now on (``new``). The moderators of the
   key's own site moderate it too (their ``user_sites`` rows are copied when it is created;
   admins see every site anyway). Read-only callers (get-stats) pass ``create=False`` and get
   ``None`` instead;
4. another key's site, one this key does not cover → this key never writes there: the comment is
   stored and counted under the key's own site, with a note saying so (``not_covered``; logged);
5. a new ``blog`` when the key already covers ``MAX_COVERED_SITES`` sites → as 4 (``limit``).

A key covers a site it created only while that site has no key of its own: once
``saring keys create --site`` makes a key for it (the site's owner registering it, perhaps after
another key named it first as a ``blog``), the site is that key's, and the key that created it
neither writes into it, reports on it nor reads it any more (rule 4 applies to it). Otherwise any
key could claim an address before its owner registers it and keep reading and writing there.

``http`` and ``https`` of one address are one site: ``http://blog.example`` finds the site
``https://blog.example`` (a WordPress ``home`` option often differs from the URL the key was made
for only by its scheme). Where both exist, the key's own or covered one wins over a foreign one.

Creating a site is race-safe: the site and the ``key_sites`` row are inserted with
``ON CONFLICT DO NOTHING`` in the caller's transaction, so two first comments of one new blog end
in one site. The caller commits (the site then commits with the comment that named it).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, bindparam, exists, func, select
from sqlalchemy.orm import Session

from service.accounts.sites import normalize_site_url
from service.store import site_audit
from service.store.dialect import insert_or_ignore
from service.store.tables import ApiKey, KeySite, Site, UserSite, utcnow

log = logging.getLogger(__name__)

#: Most sites one key covers besides its own (past this, a new ``blog`` goes to the key's own site).
MAX_COVERED_SITES = 1000
#: ``SiteChoice.rule`` values.
RULES = ("own", "covered", "new", "not_covered", "limit")


@dataclass(frozen=True)
class SiteChoice:
    """The site a request's comment is stored and counted under.

    Attributes:
        site: that site.
        rule: which rule chose it (one of ``RULES``).
        blog: the ``blog`` the request named (normalised).
    """

    site: Site
    rule: str
    blog: str

    @property
    def note(self) -> str:
        """Why the comment is not under the site its ``blog`` names ("" when it is)."""
        if self.rule == "not_covered":
            return (f"blog {self.blog} is a site this key does not cover: stored and counted under the key's "
                    f"site {self.site.url}")
        if self.rule == "limit":
            return (f"this key already covers {MAX_COVERED_SITES} sites: blog {self.blog} stored and counted "
                    f"under the key's site {self.site.url}")
        return ""


def _scheme_variants(url: str) -> list[str]:
    """``url`` and the same address under the other of http / https."""
    scheme, _, rest = url.partition("://")
    other = {"http": "https", "https": "http"}.get(scheme)
    return [url, f"{other}://{rest}"] if other else [url]


def _unowned(site_id_column: Any) -> ColumnElement[bool]:
    """SQL: the site has no key of its own (no ``api_keys`` row names it; revoked ones count)."""
    return ~exists().where(ApiKey.site_id == site_id_column)


def covered_site_ids(session: Session, key: ApiKey) -> set[int]:
    """Ids of the sites ``key`` covers besides its own (those with no key of their own)."""
    return set(session.scalars(select(KeySite.site_id).where(KeySite.api_key_id == key.id,
                                                             _unowned(KeySite.site_id))))


def covers(session: Session, key: ApiKey, site_id: int) -> bool:
    """Whether ``site_id`` is ``key``'s own site or one it covers."""
    if site_id == key.site_id:
        return True
    return site_id in covered_site_ids(session, key)


def covered_sites(session: Session, key: ApiKey) -> list[Site]:
    """The sites ``key`` covers besides its own, by URL."""
    return list(session.scalars(select(Site).join(KeySite, KeySite.site_id == Site.id)
                                .where(KeySite.api_key_id == key.id, _unowned(Site.id)).order_by(Site.url)))


def covering_keys(session: Session, site_id: int) -> list[ApiKey]:
    """The keys that created ``site_id`` by naming it as a ``blog`` (its ``key_sites`` rows), by id,
    whether or not they still cover it (they do not once the site has a key of its own)."""
    return list(session.scalars(select(ApiKey).join(KeySite, KeySite.api_key_id == ApiKey.id)
                                .where(KeySite.site_id == site_id).order_by(ApiKey.id)))


def site_key_ids(session: Session, site_id: int) -> set[int]:
    """Ids of the keys that may write into ``site_id``: its own keys, else the keys covering it."""
    own = set(session.scalars(select(ApiKey.id).where(ApiKey.site_id == site_id)))
    if own:
        return own
    return set(session.scalars(select(KeySite.api_key_id).where(KeySite.site_id == site_id)))


#: The sites of some URLs (the ``blog``'s spellings): every Akismet call reads it. Built once.
_SITES_BY_URL = select(Site).where(Site.url.in_(bindparam("urls", expanding=True)))


def site_for_blog(session: Session, key: ApiKey, blog: str, *, create: bool = True) -> SiteChoice | None:
    """The site ``key``'s comment naming ``blog`` is stored and counted under (rules in the module
    docstring).

    Args:
        session: an open session; a new site is flushed into it (the caller commits).
        key: the authenticated key.
        blog: the request's ``blog`` (normalised here).
        create: make a new site for an unknown ``blog``; with ``False`` that case returns ``None``.

    Raises ``ValidationFailed`` (field ``site``) when ``blog`` is not an absolute http(s) URL.
    """
    url = normalize_site_url(blog)
    found = list(session.scalars(_SITES_BY_URL, {"urls": list(_scheme_variants(url))}))
    if found:
        return _choose(session, key, url, found)
    if not create:
        return None
    own = session.get(Site, key.site_id)
    assert own is not None  # api_keys.site_id is a foreign key
    if count_covered(session, key) >= MAX_COVERED_SITES:
        return _foreign(key, own, url, "limit")
    return _create_covered(session, key, own, url)


def _choose(session: Session, key: ApiKey, url: str, found: list[Site]) -> SiteChoice:
    found.sort(key=lambda s: s.url != url)  # the exact URL first
    for site in found:
        if site.id == key.site_id:
            return SiteChoice(site, "own", url)
    covered = covered_site_ids(session, key)
    for site in found:
        if site.id in covered:
            return SiteChoice(site, "covered", url)
    own = session.get(Site, key.site_id)
    assert own is not None
    return _foreign(key, own, url, "not_covered")


def _foreign(key: ApiKey, own: Site, url: str, rule: str) -> SiteChoice:
    choice = SiteChoice(own, rule, url)
    log.warning("key %s (%s…): %s", key.id, key.key_hint, choice.note)
    return choice


def _create_covered(session: Session, key: ApiKey, own: Site, url: str) -> SiteChoice:
    name = (urlsplit(url).hostname or url)[:255]
    inserted = insert_or_ignore(session, Site.__table__, {"url": url, "name": name, "created_at": utcnow()}, ["url"])
    site = session.scalars(select(Site).where(Site.url == url)).one()
    if not inserted:  # created meanwhile by a concurrent request: by this key or another one
        return _choose(session, key, url, [site])
    insert_or_ignore(session, KeySite.__table__, {"api_key_id": key.id, "site_id": site.id, "created_at": utcnow()},
                     ["api_key_id", "site_id"])
    for user_id in session.scalars(select(UserSite.user_id).where(UserSite.site_id == own.id)):
        insert_or_ignore(session, UserSite.__table__, {"user_id": user_id, "site_id": site.id},
                         ["user_id", "site_id"])
    site_audit.record(session, site, "site_create", f"key {key.key_hint}…", None,
                      {"url": url, "by_key_id": key.id, "key_site_id": own.id})
    log.info("key %s (%s…) covers the new site %s (id %s)", key.id, key.key_hint, url, site.id)
    return SiteChoice(site, "new", url)


def count_covered(session: Session, key: ApiKey) -> int:
    """How many sites ``key`` covers besides its own."""
    return int(session.scalar(select(func.count()).select_from(KeySite).where(KeySite.api_key_id == key.id)) or 0)
