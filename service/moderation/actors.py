"""Who acts in the moderation queue: a signed-in moderator or admin, and the sites they moderate.

Plain Python, no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, select, true
from sqlalchemy.orm import Session

from service.accounts.sites import find_site
from service.errors import Forbidden, NotFound, ValidationFailed
from service.store.tables import Comment, Site, User
from service.validation import parse_int


@dataclass(frozen=True)
class Actor:
    """A signed-in moderator or admin.

    Attributes:
        user_id: ``users.id``.
        name: the e-mail, as written in the audit log.
        role: ``admin`` | ``moderator``.
        site_ids: ids of the sites they moderate; ``None`` for an admin (every site).
    """

    user_id: int
    name: str
    role: str
    site_ids: frozenset[int] | None

    @classmethod
    def of(cls, user: User) -> "Actor":
        """The actor for a ``User`` row (its sites must be loadable)."""
        ids = None if user.role == "admin" else frozenset(s.id for s in user.sites)
        return cls(user.id, user.email, user.role, ids)

    def can_moderate(self, site_id: int) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    def site_clause(self):
        """SQL condition limiting ``Comment`` rows to this actor's sites."""
        if self.site_ids is None:
            return true()
        if not self.site_ids:
            return false()
        return Comment.site_id.in_(sorted(self.site_ids))


def visible_sites(session: Session, actor: Actor) -> list[Site]:
    """The sites ``actor`` moderates (every site for an admin), by URL."""
    stmt = select(Site).order_by(Site.url)
    if actor.site_ids is not None:
        stmt = stmt.where(Site.id.in_(sorted(actor.site_ids) or [-1]))
    return list(session.scalars(stmt))


def resolve_site(session: Session, actor: Actor, value: str | int | None) -> Site | None:
    """The site named by ``value`` (its id or URL) if ``actor`` moderates it; ``None`` for no value.

    Raises ``NotFound`` (field ``site``) for an unknown site (or a value that is no id or URL) and ``Forbidden`` for one the actor
    does not moderate.
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if text.isascii() and text.isdigit():
            site = session.get(Site, parse_int(text, "site"))
        else:
            site = find_site(session, text)
    except ValidationFailed:  # no URL, or an id past any row's: no site has it (a lookup: 404)
        site = None
    if site is None:
        raise NotFound(f"no site {text!r}", field="site")
    if not actor.can_moderate(site.id):
        raise Forbidden(f"you do not moderate {site.url}", field="site")
    return site
