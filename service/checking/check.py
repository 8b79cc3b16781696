"""Checking a comment: classify, apply the site's policy, store the comment and its decision.

Plain Python (no Flask). The comment and its first audit-log event are committed before the
function returns, so a caller answers only after the decision is durable.

The request path, in order (``benchmarks/profile_check.py`` prints each stage's CPU): the operating
point (language id), the model's score and reasons, the site's history from the database
(``service.learning.site_signals.gather``), one Redis round trip for the flood windows and the
near-duplicate memory (``SignalSource.observe``, fail open), the policy, then one transaction: the
comment row, its ``decide`` event and the usage count, written as three Core statements (no ORM
unit of work for rows that are only inserted), committed. The returned ``Comment`` is the stored row
attached to ``session`` without a read back.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, make_transient_to_detached

from models.classifier import SpamClassifier
from models.lang import comment_lang
from models.text.bidi import count_overrides
from models.thresholds import OperatingPoint, operating_point
from service.infra import metrics
from service.checking.policy import Signals, Thresholds, decide
from service.checking.signals import SignalSource
from service.checking.usage import UsageCounter, check_counts
from service.learning.entities import commenter_key, content_hash
from service.learning.site_signals import flood_query, gather
from service.store.tables import DECISION_TO_STATUS, ApiKey, Comment, CommentEvent, Site, new_guid, utcnow

#: The two inserts of a check (Core: no unit of work; column defaults apply to omitted columns).
_INSERT_COMMENT = insert(Comment.__table__)
_INSERT_EVENT = insert(CommentEvent.__table__)


@dataclass
class CommentData:
    """One comment as received (JSON API or Akismet), every field a plain value.

    ``content`` is the text to classify (already truncated by the caller if it had to be);
    ``extra`` keeps fields we store but do not classify (server environment, blog_lang, ...).
    """

    content: str = ""
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    user_ip: str = ""
    user_agent: str = ""
    referrer: str = ""
    permalink: str = ""
    comment_type: str = ""
    lang: str = ""
    blog: str = ""
    blog_charset: str = ""
    user_role: list[str] = field(default_factory=list)
    comment_context: list[str] = field(default_factory=list)
    comment_date_gmt: dt.datetime | None = None
    comment_post_modified_gmt: dt.datetime | None = None
    recheck_reason: str = ""
    honeypot_field_name: str = ""
    honeypot_value: str = ""
    is_test: bool = False
    content_truncated: bool = False
    form_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def stored_values(self) -> dict[str, Any]:
        """The ``comments`` columns of this comment: every field (``form_seconds`` kept in ``extra``),
        plus its ``commenter`` identity and ``content_hash`` (``service.learning.entities``)."""
        values = asdict(self)
        seconds = values.pop("form_seconds")
        if seconds is not None:
            values["extra"] = {**values["extra"], "form_seconds": seconds}
        values["commenter"] = commenter_key(self.author, self.author_email, self.author_url, self.user_ip)
        values["content_hash"] = content_hash(self.content)
        return values

    def classifier_record(self) -> dict[str, str]:
        """The mapping the classifier scores (see ``models.comment.FEATURE_COLUMNS``)."""
        return {
            "content": self.content,
            "author": self.author,
            "author_email": self.author_email,
            "author_url": self.author_url,
            "comment_type": self.comment_type,
            "user_agent": self.user_agent,
            "user_ip": self.user_ip,
            "referrer": self.referrer,
            "permalink": self.permalink,
            "lang": self.lang,
        }


def site_operating_point(site: Site, classifier: SpamClassifier, data: "CommentData") -> OperatingPoint:
    """The thresholds that decide ``data`` on ``site`` and their source: the one operating-point
    rule (:func:`models.thresholds.operating_point`: the site's override for the comment's language,
    else the site's override, else the model's for the language — detected from the text, the
    declared ``lang`` only for text too short to detect — else its pooled pair)."""
    return operating_point(classifier.metadata, comment_lang(data.lang, data.content), site.hold_threshold,
                           site.reject_threshold, site.thresholds_by_lang or {})


def check_comment(session: Session, classifier: SpamClassifier, signals: SignalSource, site: Site,
                  api_key: ApiKey | None, data: CommentData, source: str = "api",
                  usage: UsageCounter | None = None) -> Comment:
    """Score ``data``, decide, store and commit. Returns the stored ``Comment``.

    Args:
        session: an open session; committed here.
        classifier: the model for this request (read once from the holder).
        signals: Redis-backed extra signals (fail open).
        site, api_key: the authenticated site and key.
        data: the comment.
        source: ``api`` (JSON API) or ``akismet``.
        usage: when given (and ``api_key``), the call is counted for the key and ``site.url`` in
            the same transaction as the comment.

    Returns the stored ``Comment``, attached to ``session`` (its columns as stored, without a read back).

    Raises SQLAlchemy errors when the database fails (nothing is stored then).
    """
    started = time.perf_counter()
    point = site_operating_point(site, classifier, data)
    thresholds = Thresholds(hold=point.hold, reject=point.reject)
    scored = classifier.score_one(data.classifier_record(), hold=thresholds.hold)  # reasons face the deciding hold
    values = data.stored_values()
    commenter, text_hash = values["commenter"], values["content_hash"]
    history = gather(session, site, content=data.content, author=data.author, author_email=data.author_email,
                     author_url=data.author_url, user_ip=data.user_ip, commenter=commenter, text_hash=text_hash,
                     listed_ips=str(data.extra.get("user_ip_raw") or data.user_ip),
                     given_form_seconds=data.form_seconds, comment_date_gmt=data.comment_date_gmt,
                     post_modified_gmt=data.comment_post_modified_gmt)
    observed = signals.observe(site.id, data.content, flood_query(
        history, site.id, content=data.content, user_ip=data.user_ip, commenter=commenter, text_hash=text_hash,
        recheck=bool(data.recheck_reason.strip())))
    history.flood = observed.flood
    sig = Signals(
        user_roles=tuple(r.strip().lower() for r in data.user_role if r.strip()),
        author=data.author,
        author_email=data.author_email,
        honeypot_filled=bool(data.honeypot_value.strip()),
        malformed_ip=bool(data.extra.get("user_ip_malformed")),
        bidi_overrides=sum(count_overrides(v) for v in (data.content, data.author, data.author_url,
                                                         data.author_email)),
        site=history,
    )
    if observed.near_duplicate is not None:
        sig.near_duplicate_of = observed.near_duplicate.comment_id
        sig.near_duplicate_similarity = observed.near_duplicate.similarity
    verdict = decide(scored.spam_score, list(scored.reasons), thresholds, sig)
    shadow = bool(site.shadow_mode)
    now = utcnow()
    row = dict(
        values,
        id=new_guid(),
        site_id=site.id,
        api_key_id=api_key.id if api_key else None,
        source=source,
        spam_score=verdict.spam_score,
        decision=verdict.decision,
        status=DECISION_TO_STATUS[verdict.decision],
        model_version=classifier.version,
        reasons=verdict.reasons,
        detected_lang=point.lang,
        hold_threshold=point.hold,
        reject_threshold=point.reject,
        threshold_source=point.source,
        rule=verdict.rule,
        decision_score=verdict.decision_score,
        shadow=shadow,
        revision=1,
        created_at=now,
        updated_at=now,
    )
    reason = (f"spam_score {verdict.spam_score:.3f}, hold {point.hold:.3f} / reject {point.reject:.3f} "
              f"({point.source}{' ' + point.lang if point.lang else ''}): {verdict.decision} by {verdict.rule}"
              + (" — shadow mode: answered accept" if shadow else ""))
    comment = _store(session, row, reason, f"model {classifier.version}",
                     (usage, api_key.id, site.url) if usage is not None and api_key is not None else None)
    metrics.COMMENTS_CHECKED.labels(comment.answered, source).inc()
    if shadow:
        metrics.SHADOW_DECISIONS.labels(verdict.decision).inc()
    metrics.CHECK_LATENCY.observe(time.perf_counter() - started)
    return comment


def _store(session: Session, row: dict[str, Any], reason: str, actor: str,
           count: tuple[UsageCounter, int, str] | None) -> Comment:
    """Insert the comment ``row`` (every column), its ``decide`` event and, with ``count`` (counter,
    key id, site URL), its usage increment, then commit; returns the stored comment attached to
    ``session`` as if loaded (relationships load on access). Raises SQLAlchemy errors (the
    transaction is then not committed: nothing is stored)."""
    comment = Comment(**row)
    conn = session.connection()
    conn.execute(_INSERT_COMMENT, row)
    conn.execute(_INSERT_EVENT, {"comment_id": row["id"], "action": "decide", "actor_type": "system", "actor": actor,
                                 "user_id": None, "from_status": None, "to_status": row["status"], "undone": False,
                                 "created_at": row["created_at"], "reason": reason})
    if count is not None:
        counter, key_id, blog = count
        counter.add(key_id, blog, check_counts(comment.answered), session=session)
    session.commit()
    make_transient_to_detached(comment)
    session.add(comment)
    return comment
