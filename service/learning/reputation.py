"""Reputation from a site's labels: smoothed spam/ham counts per commenter, e-mail, domain and IP.

Counts live in the ``reputation`` table and change in the transaction that changes a label: the
label writer (``service.moderation.labels``) calls :func:`apply_label_change` with the old and the
new label, so moderator actions, undo, ``submit-spam``/``submit-ham`` and the JSON API's feedback all
count, a label changed from spam to ham moves one count from ``spam`` to ``ham`` (a ham report
restores the reputation at once), and the same label twice counts once. Test comments never count.

Reading (:func:`lookup`) is one indexed query per check. The evidence a count gives is the
Laplace-smoothed spam rate ``(spam + 1) / (spam + ham + 2)`` and the log-odds
``log((spam + 1) / (ham + 1))`` the policy adds to the model's (``service.checking.policy``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import bindparam, case, select, tuple_
from sqlalchemy.orm import Session

from service.learning.entities import entities
from service.store.dialect import insert_of
from service.store.tables import Comment, Reputation, utcnow

#: How each kind reads in a reason.
KIND_NAMES = {"commenter": "Commenter", "email": "E-mail", "email_domain": "E-mail domain",
              "url_domain": "Author URL domain", "link_domain": "Link domain", "ip": "IP address"}


@dataclass(frozen=True)
class Evidence:
    """The counts of one entity of the checked comment (``spam``, ``ham`` ≥ 0, one at least > 0)."""

    kind: str
    value: str
    spam: int
    ham: int
    first_at: object = None

    @property
    def spam_rate(self) -> float:
        """Laplace-smoothed share of spam labels, 0..1."""
        return (self.spam + 1) / (self.spam + self.ham + 2)

    @property
    def log_odds(self) -> float:
        """``log((spam + 1) / (ham + 1))``: > 0 spammy, < 0 ham-like."""
        return math.log((self.spam + 1) / (self.ham + 1))

    def reason(self) -> str:
        """``Link domain pharma.example: 4 of 4 earlier comments were spam``."""
        n = self.spam + self.ham
        shown = self.value.split(":", 1)[1] if self.kind == "commenter" else self.value
        if self.spam >= self.ham:
            return f"{KIND_NAMES[self.kind]} {shown}: {self.spam} of {n} earlier labelled comments were spam"
        return f"{KIND_NAMES[self.kind]} {shown}: {self.ham} of {n} earlier labelled comments were ham"


def comment_entities(comment: Comment) -> list[tuple[str, str]]:
    """The keys a stored comment counts under (``service.learning.entities.entities``)."""
    return entities(comment.author, comment.author_email, comment.author_url, comment.user_ip, comment.content)


def apply_label_change(session: Session, comment: Comment, old: str | None, new: str | None) -> None:
    """Move ``comment``'s counts from label ``old`` to ``new`` (``spam`` | ``ham`` | ``None``) in the
    session's transaction (atomic upserts: concurrent changes add up). No-op for test comments."""
    if comment.is_test or old == new:
        return
    d_spam = int(new == "spam") - int(old == "spam")
    d_ham = int(new == "ham") - int(old == "ham")
    now = utcnow()
    for kind, value in comment_entities(comment):
        stmt = insert_of(session, Reputation.__table__).values(
            site_id=comment.site_id, kind=kind, value=value, spam=max(d_spam, 0), ham=max(d_ham, 0),
            first_at=now, updated_at=now)
        new_spam = Reputation.spam + d_spam
        new_ham = Reputation.ham + d_ham
        session.execute(stmt.on_conflict_do_update(
            index_elements=["site_id", "kind", "value"],
            set_={"spam": case((new_spam < 0, 0), else_=new_spam), "ham": case((new_ham < 0, 0), else_=new_ham),
                  "updated_at": now}))


_LOOKUP = select(Reputation.kind, Reputation.value, Reputation.spam, Reputation.ham, Reputation.first_at).where(
    Reputation.site_id == bindparam("site_id"),
    tuple_(Reputation.kind, Reputation.value).in_(bindparam("keys", expanding=True)))


def lookup(session: Session, site_id: int, keys: list[tuple[str, str]]) -> list[Evidence]:
    """The counts of ``keys`` on ``site_id`` that have any label, strongest first (|log-odds|).
    One statement built once (every check reads it), the keys bound as an expanding ``IN``."""
    if not keys:
        return []
    rows = session.execute(_LOOKUP, {"site_id": site_id, "keys": list(keys)}).all()
    found = [Evidence(k, v, s, h, f) for k, v, s, h, f in rows if s or h]
    return sorted(found, key=lambda e: (-abs(e.log_odds), e.kind, e.value))


def rebuild(session: Session, site_id: int | None = None) -> int:
    """Recount the ``reputation`` table from the labels (after a restore or a change of the entity
    rules). Returns the number of labelled comments counted. The caller commits."""
    from service.store.tables import Label

    q = session.query(Reputation)
    if site_id is not None:
        q = q.filter(Reputation.site_id == site_id)
    q.delete(synchronize_session=False)
    stmt = select(Comment, Label.label).join(Label, Label.comment_id == Comment.id).where(Comment.is_test.is_(False))
    if site_id is not None:
        stmt = stmt.where(Comment.site_id == site_id)
    n = 0
    for comment, label in session.execute(stmt):
        apply_label_change(session, comment, None, label)
        n += 1
    return n
