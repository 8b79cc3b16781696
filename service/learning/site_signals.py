"""Gather what a site's own history says about one comment (plain Python, no Flask).

One call per check (:func:`gather`), after the model's score and before the policy
(``service.checking.policy.decide``), which turns these facts into the decision and its reasons.
Everything here is read from the database (lists, reputation, trust, known ham) and works with
Redis down; the flood windows live in Redis and are counted by the check's one Redis round trip
(``service.checking.signals.SignalSource.observe``, with :func:`flood_query`) into ``SiteSignals.flood``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from models.lang import MIN_SCORE, detect_lang
from service.learning import lists, reputation
from service.learning.entities import entities, public_ip
from service.learning.floods import Flood, FloodQuery
from service.learning.settings import LearningSettings, settings_of
from service.store.tables import Comment, Label, Site

#: Names of common languages in reasons (fastText codes); others are shown as their code.
LANGUAGE_NAMES = {
    "id": "Indonesian", "en": "English", "jv": "Javanese", "su": "Sundanese", "ms": "Malay", "ru": "Russian",
    "uk": "Ukrainian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "vi": "Vietnamese", "th": "Thai",
    "tl": "Tagalog", "de": "German", "fr": "French", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
    "nl": "Dutch", "ar": "Arabic", "hi": "Hindi", "tr": "Turkish", "pl": "Polish", "sv": "Swedish",
}


@dataclass(frozen=True)
class Trust:
    """Why a commenter is trusted: ``approvals`` ham labels, or ``accepted`` old clean comments."""

    approvals: int
    accepted: int
    since: dt.datetime | None

    def reason(self) -> str:
        """``Known commenter: 12 approved comments since 2026-11-02``."""
        since = f" since {self.since:%Y-%m-%d}" if self.since else ""
        if self.approvals:
            return f"Known commenter: {self.approvals} approved comment{'s' * (self.approvals != 1)}{since}"
        return f"Known commenter: {self.accepted} accepted comments{since}, none marked spam"


@dataclass
class SiteSignals:
    """What the site's history says about one comment (all empty when nothing applies)."""

    settings: LearningSettings = field(default_factory=LearningSettings)
    list_hit: lists.ListHit | None = None
    trust: Trust | None = None
    commenter_spam: int = 0
    known_ham_at: dt.datetime | None = None
    reputation: list[reputation.Evidence] = field(default_factory=list)
    flood: Flood = field(default_factory=Flood)
    off_language: str = ""  # the detected language when the site does not expect it
    site_languages: tuple[str, ...] = ()
    form_seconds: float | None = None


def form_seconds(given: float | None, comment_date_gmt: dt.datetime | None,
                 post_modified_gmt: dt.datetime | None) -> float | None:
    """Seconds between the form being shown and the comment being sent: ``given`` (the JSON API's
    ``form_seconds``), else Akismet's ``comment_date_gmt - comment_post_modified_gmt`` when both are
    sent and the difference is not negative, else ``None``."""
    if given is not None:
        return float(given)
    if comment_date_gmt and post_modified_gmt:
        seconds = (comment_date_gmt - post_modified_gmt).total_seconds()
        return seconds if seconds >= 0 else None
    return None


def language_name(code: str) -> str:
    """``Javanese (jv)``."""
    return f"{LANGUAGE_NAMES[code]} ({code})" if code in LANGUAGE_NAMES else code


# The reads of every check, built once (bound parameters; SQLAlchemy caches their compiled form).
_ACCEPTED_BEFORE = select(func.count(), func.min(Comment.created_at)).where(
    Comment.site_id == bindparam("site_id"), Comment.commenter == bindparam("commenter"),
    Comment.decision == "accept", Comment.status.in_(("accepted", "ham")), Comment.created_at <= bindparam("before"),
    Comment.is_test.is_(False))
_HAM_LABELLED = select(func.max(Label.updated_at)).join(Comment, Comment.id == Label.comment_id).where(
    Comment.site_id == bindparam("site_id"), Comment.content_hash == bindparam("text_hash"), Label.label == "ham")
_HAM_LABELLED_COMMENTER = _HAM_LABELLED.where(Comment.commenter == bindparam("commenter"))
_HAM_LABELLED_IP = _HAM_LABELLED.where(Comment.commenter.is_(None), Comment.user_ip == bindparam("user_ip"))


def _trust(session: Session, site_id: int, commenter: str, ev: reputation.Evidence | None,
           settings: LearningSettings, now: dt.datetime) -> Trust | None:
    if ev is not None and ev.spam:
        return None  # one spam mark removes the trust
    if ev is not None and ev.ham >= settings.trust_min_approvals:
        return Trust(ev.ham, 0, ev.first_at)
    before = now - dt.timedelta(days=settings.trust_accepted_days)
    accepted, first = session.execute(_ACCEPTED_BEFORE, {"site_id": site_id, "commenter": commenter,
                                                          "before": before}).one()
    if accepted >= settings.trust_min_accepted:
        return Trust(0, int(accepted), first)
    return None


def _known_ham(session: Session, site_id: int, text_hash: str, commenter: str | None, user_ip: str) -> dt.datetime | None:
    """When this text from this commenter (or, without one, this IP) was last labelled ham here."""
    if commenter:
        return session.scalar(_HAM_LABELLED_COMMENTER, {"site_id": site_id, "text_hash": text_hash,
                                                        "commenter": commenter})
    return session.scalar(_HAM_LABELLED_IP, {"site_id": site_id, "text_hash": text_hash, "user_ip": user_ip})


def flood_query(signals: SiteSignals, site_id: int, *, content: str, user_ip: str, commenter: str | None,
                text_hash: str, recheck: bool) -> FloodQuery | None:
    """What the flood windows count for this comment, or ``None`` when they count nothing: site
    learning is off, or the comment is a re-check (Akismet ``recheck_reason``: not a new comment)."""
    if not signals.settings.enabled or recheck:
        return None
    return FloodQuery(site_id, signals.settings, text_hash, len(" ".join(content.split())), public_ip(user_ip),
                      commenter)


def gather(session: Session, site: Site, *, content: str, author: str, author_email: str, author_url: str,
           user_ip: str, commenter: str | None, text_hash: str, listed_ips: str = "",
           given_form_seconds: float | None = None, comment_date_gmt: dt.datetime | None = None,
           post_modified_gmt: dt.datetime | None = None, now: dt.datetime | None = None) -> SiteSignals:
    """The site's signals for one comment from the database (see :class:`SiteSignals`; ``flood``
    stays empty: the caller fills it from Redis).

    Args:
        session: open session (read only here).
        site: the site (its lists, settings, languages).
        commenter, text_hash: ``entities.commenter_key`` and ``entities.content_hash`` of the comment.
        listed_ips: the addresses ``ip`` list entries are matched against (Akismet's whole forwarded
            ``user_ip`` list as sent; default ``user_ip``).
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    settings = settings_of(site.learning)
    out = SiteSignals(settings=settings, site_languages=tuple(site.languages or ()))
    out.list_hit = lists.match(lists.entries_of(session, site.id), content, author, author_email, author_url,
                                listed_ips or user_ip)
    out.form_seconds = form_seconds(given_form_seconds, comment_date_gmt, post_modified_gmt)
    if out.site_languages:
        lang, score = detect_lang(content[:2000])
        if lang and score >= MIN_SCORE and lang not in out.site_languages:
            out.off_language = lang
    if not settings.enabled:
        return out
    found = reputation.lookup(session, site.id, entities(author, author_email, author_url, user_ip, content))
    own = next((e for e in found if e.kind == "commenter"), None)
    out.reputation = found
    out.commenter_spam = own.spam if own else 0
    if commenter:
        out.trust = _trust(session, site.id, commenter, own, settings, now)
    out.known_ham_at = _known_ham(session, site.id, text_hash, commenter, user_ip)
    return out
