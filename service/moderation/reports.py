"""Spam and ham reports from sites (Akismet submit-spam / submit-ham): training labels (plain Python).

A report names a comment by its id (the ``X-akismet-guid`` of the original comment-check) or, when no
id is given or it is unknown, by site + content + author + user_ip (the newest match). A report on a
comment we never checked stores that comment (``source="report"``) with its label. Every report that
changes something sets the comment's label (``service.moderation.labels.record_label``, one label per comment,
so the same report twice is one label), moves its status to ``spam``/``ham`` and adds a
``report_spam``/``report_ham`` event naming the reporter; the label's ``reporter`` and
``updated_at`` record who and when.

``is_test`` reports are never learned from: on a stored ordinary comment they only add an audit
event (no label, no status change); a comment first stored from an ``is_test`` report is flagged
``is_test`` (training skips those).

Concurrent identical reports end in one comment and one label: a comment stored from a report has
a deterministic id (``report_comment_id``: a hash of site, user_ip, author and content) inserted
with ``ON CONFLICT DO NOTHING``, so the reports that lose the race use the winner's row, and
``record_label`` settles the label the same way.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.classifier import SpamClassifier
from service.errors import Conflict
from service.moderation.actions import move_if_unchanged
from service.moderation.labels import LABELS, record_label
from service.store.dialect import insert_or_ignore
from service.checking.check import CommentData, site_operating_point
from service.checking.policy import Thresholds
from service.store.tables import ApiKey, Comment, CommentEvent, Site, utcnow
from service.vocab import Action, Label

#: Events per label.
REPORT_ACTIONS = {Label.SPAM: Action.REPORT_SPAM, Label.HAM: Action.REPORT_HAM}


@dataclass
class FeedbackResult:
    """What a report did.

    Attributes:
        comment: the reported comment (found or newly stored).
        stored_new: the comment was not known and was stored from the report.
        label_changed: the comment's label was set or changed (False for a repeat).
        missed_spam: a spam report on a comment we had accepted (counted once per label change).
        false_positive: a ham report on a comment we had held or rejected (same).
    """

    comment: Comment
    stored_new: bool
    label_changed: bool
    missed_spam: bool = False
    false_positive: bool = False


def find_comment(session: Session, site_id: int, guid: str, data: CommentData) -> Comment | None:
    """The site's comment with id ``guid``, else its newest comment with the same content, author and
    user_ip as ``data``; ``None`` when neither exists."""
    guid = (guid or "").strip().lower()
    if guid:
        comment = session.get(Comment, guid[:32])
        if comment is not None and comment.site_id == site_id:
            return comment
    return session.scalars(
        select(Comment)
        .where(Comment.site_id == site_id, Comment.user_ip == data.user_ip, Comment.author == data.author,
               Comment.content == data.content)
        .order_by(Comment.created_at.desc())
        .limit(1)
    ).first()


def report_comment_id(site_id: int, data: CommentData) -> str:
    """The id of a comment stored from a report: 32 hex characters of
    ``sha256(site_id, user_ip, author, content)`` — the fields ``find_comment`` matches on, so the
    same unknown comment reported twice (or concurrently) maps to one row."""
    key = "\x1f".join(("report", str(site_id), data.user_ip, data.author, data.content))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _store_reported(session: Session, classifier: SpamClassifier, site: Site, api_key: ApiKey | None,
                    data: CommentData, label: str) -> tuple[Comment, bool]:
    """Store a comment we first hear of in a report, unless a concurrent report just stored it.
    Its ``decision`` is what the model would have decided (for evaluation); its ``status`` is the
    reported label. Returns ``(comment, stored_now)``."""
    point = site_operating_point(site, classifier, data)
    thresholds = Thresholds(hold=point.hold, reject=point.reject)
    scored = classifier.score_one(data.classifier_record(), hold=thresholds.hold)
    score = scored.spam_score
    decision = thresholds.decision(score)
    comment_id = report_comment_id(site.id, data)
    stored = insert_or_ignore(session, Comment.__table__, dict(
        id=comment_id, site_id=site.id, api_key_id=api_key.id if api_key else None, source="report",
        spam_score=score, decision=decision, status=label, model_version=classifier.version,
        detected_lang=point.lang, hold_threshold=point.hold, reject_threshold=point.reject,
        threshold_source=point.source, rule="score", decision_score=score,
        reasons=[f"Not checked before: stored from a submit-{label} report"] + list(scored.reasons),
        **data.stored_values(),
    ), ["id"])
    return session.get(Comment, comment_id, populate_existing=True), stored


#: Conditional moves a report tries before giving up (each loses only to a concurrent change).
MOVE_ATTEMPTS = 5


def _move(session: Session, comment: Comment, status: str) -> str:
    """Move ``comment`` to ``status`` with the same revision-checked ``UPDATE`` moderators' actions
    use (``actions.move_if_unchanged``): a change made meanwhile by a moderator (or another report)
    is read again, never overwritten with a stale revision. Returns the status it moved from.
    Raises ``Conflict`` if it keeps losing the race."""
    for _ in range(MOVE_ATTEMPTS):
        before = comment.status
        if move_if_unchanged(session, [comment], status, utcnow()):
            return before
        session.refresh(comment)
    raise Conflict(f"comment {comment.id} keeps changing; report it again", field="guid")


def record_feedback(session: Session, classifier: SpamClassifier, site: Site, api_key: ApiKey | None,
                    data: CommentData, label: str, guid: str = "", reporter: str = "",
                    source: str = "akismet") -> FeedbackResult:
    """Apply one spam/ham report and commit.

    Args:
        session: an open session; committed here.
        classifier: scores a comment first stored from the report.
        site, api_key: the authenticated site and key.
        data: the comment as the report describes it.
        label: ``spam`` or ``ham``.
        guid: the comment id from the original check (``X-akismet-guid``), if the client sent it.
        reporter: who reported (WordPress ``reporter``: the moderator's login); defaults to the key.
        source: label source (``akismet`` or ``api``).

    Raises ``ValueError`` for another label; SQLAlchemy errors when the database fails (nothing is
    stored then).
    """
    if label not in LABELS:
        raise ValueError(f"label must be one of {LABELS}, not {label!r}")
    actor = (reporter or "").strip()[:255] or (f"key {api_key.key_hint}…" if api_key else "site")
    action = REPORT_ACTIONS[label]
    comment = find_comment(session, site.id, guid, data)
    stored_new = False
    if comment is None:
        comment, stored_new = _store_reported(session, classifier, site, api_key, data, label)
    learnable = comment.is_test or not data.is_test
    if not learnable:
        last = comment.events[-1] if comment.events else None
        if last is None or last.action != action or last.actor != actor:
            session.add(CommentEvent(comment_id=comment.id, action=action, actor_type="site", actor=actor,
                                     from_status=comment.status, to_status=comment.status,
                                     reason="is_test report: recorded, not used for training"))
        session.commit()
        return FeedbackResult(comment, False, False)
    _row, changed = record_label(session, comment, label, source=source, reporter=actor)
    result = FeedbackResult(comment, stored_new, changed)
    if changed:
        before = None if stored_new else comment.status
        if not stored_new:
            before = _move(session, comment, label)
            checked = comment.source != "report"
            result.missed_spam = checked and label == "spam" and comment.decision == "accept"
            result.false_positive = checked and label == "ham" and comment.decision in ("hold", "reject")
        session.add(CommentEvent(comment_id=comment.id, action=action, actor_type="site", actor=actor,
                                 from_status=before, to_status=label,
                                 reason=f"submit-{label} from {source}"))
    session.commit()
    return result
