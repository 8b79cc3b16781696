"""The service's words, each spelled once: decisions, comment statuses, moderator actions, labels,
label sources and retrain run statuses. ``StrEnum`` members are ``str`` (they compare equal to, and
are stored and serialised as, their values), so tables, JSON and the Akismet wire keep plain strings.
"""
from __future__ import annotations

from enum import StrEnum

from training.ports import RunStatus

__all__ = ["Action", "Decision", "Label", "LabelSource", "RunStatus", "Status"]


class Decision(StrEnum):
    """What a check answers."""

    ACCEPT = "accept"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def status(self) -> "Status":
        """The comment status a fresh decision leaves."""
        return {Decision.ACCEPT: Status.ACCEPTED, Decision.HOLD: Status.HELD, Decision.REJECT: Status.REJECTED}[self]


class Status(StrEnum):
    """Where a comment is now (after its decision, moderators' actions and reports)."""

    ACCEPTED = "accepted"
    HELD = "held"
    REJECTED = "rejected"
    SPAM = "spam"
    HAM = "ham"


class Action(StrEnum):
    """Audit-log actions: the automatic decision, moderators' actions, undo, and sites' reports."""

    DECIDE = "decide"
    APPROVE = "approve"
    SPAM = "spam"
    REJECT = "reject"
    UNDO = "undo"
    REPORT_SPAM = "report_spam"
    REPORT_HAM = "report_ham"


class Label(StrEnum):
    """A training label."""

    SPAM = "spam"
    HAM = "ham"


class LabelSource(StrEnum):
    """Who set a label."""

    MODERATOR = "moderator"
    AKISMET = "akismet"
    API = "api"
