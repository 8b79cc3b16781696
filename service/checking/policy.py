"""Decision policy: spam_score + hard rules → accept | hold | reject (plain Python).

Thresholds: a comment is held when ``spam_score >= hold`` and rejected when ``spam_score >= reject``.
The defaults come from the model's validation curves (``model.metadata["thresholds"]``: hold keeps
the out-of-fold false positive rate ≤ 1 %, reject ≤ 0.1 %); a site may override both.

Hard rules, in order (the first that applies decides):

1. ``user_role`` contains ``administrator`` → accept (Akismet test trigger; administrators are never spam).
2. Akismet spam triggers (author ``akismet-guaranteed-spam`` or ``viagra-test-123``, e-mail
   ``akismet-guaranteed-spam@example.com``) → hold with spam_score 1.0 (never ``reject``, so the
   Akismet answer is ``true`` without ``discard``, as the protocol reference advises).
3. A filled honeypot field → reject (spam_score at least the reject threshold).
4. Otherwise the score, raised by the extra signals (repeats, near-duplicates of moderator spam, a
   malformed user_ip).
"""
from __future__ import annotations

from dataclasses import dataclass, field

AKISMET_SPAM_AUTHORS = frozenset({"akismet-guaranteed-spam", "viagra-test-123"})
AKISMET_SPAM_EMAILS = frozenset({"akismet-guaranteed-spam@example.com"})


@dataclass(frozen=True)
class Thresholds:
    """``hold`` ≤ ``reject``, both probabilities in [0, 1]."""

    hold: float
    reject: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.hold <= self.reject <= 1.0):
            raise ValueError(f"need 0 <= hold <= reject <= 1, got hold={self.hold} reject={self.reject}")

    def decision(self, spam_score: float) -> str:
        """``reject`` at or above ``reject``, ``hold`` at or above ``hold``, else ``accept``."""
        if spam_score >= self.reject:
            return "reject"
        return "hold" if spam_score >= self.hold else "accept"


@dataclass
class Signals:
    """What the policy knows besides the classifier's score.

    Attributes:
        user_roles: roles of a logged-in submitter (lower case).
        author, author_email: for the Akismet test triggers.
        honeypot_filled: a hidden form field was filled in.
        repeats: how many times this exact content came from this IP in the velocity window
            (1 = first time).
        near_duplicate_of: id of a comment moderators marked spam that this one nearly duplicates.
        near_duplicate_similarity: estimated Jaccard similarity to it (0..1).
        malformed_ip: ``user_ip`` is not an IP address (``200181``: junk some form plugins send);
            a weak signal that moves the score a tenth of the way towards 1.
        bidi_overrides: LEFT-/RIGHT-TO-LEFT OVERRIDE characters in the content and author fields
            (``models.text.bidi.count_overrides``): they make the shown text differ from the typed
            one, which ordinary comments never need; the comment is held at least (never rejected
            for it alone) so that a moderator looks.
    """

    user_roles: tuple[str, ...] = ()
    author: str = ""
    author_email: str = ""
    honeypot_filled: bool = False
    repeats: int = 1
    near_duplicate_of: str | None = None
    near_duplicate_similarity: float = 0.0
    malformed_ip: bool = False
    bidi_overrides: int = 0


@dataclass
class Verdict:
    decision: str  # accept | hold | reject
    spam_score: float
    reasons: list[str] = field(default_factory=list)
    rule: str = "score"  # which rule decided: admin_role | test_trigger | honeypot | score


def is_spam_trigger(author: str, author_email: str) -> bool:
    """True for the Akismet test values that must always be spam."""
    return author.strip() in AKISMET_SPAM_AUTHORS or author_email.strip().lower() in AKISMET_SPAM_EMAILS


def decide(spam_score: float, reasons: list[str], thresholds: Thresholds, signals: Signals) -> Verdict:
    """Apply the hard rules and thresholds. ``spam_score`` is the classifier's probability of spam."""
    if "administrator" in signals.user_roles:
        return Verdict("accept", spam_score, ["Sent by an administrator (user_role)"] + reasons, "admin_role")
    if is_spam_trigger(signals.author, signals.author_email):
        return Verdict("hold", 1.0, ["Akismet test trigger: guaranteed spam"], "test_trigger")
    extra: list[str] = []
    score = spam_score
    if signals.honeypot_filled:
        score = max(score, thresholds.reject)
        extra.append("Hidden honeypot field was filled in (bots fill every field)")
    if signals.repeats >= 2:
        # Each identical resend from the same IP halves the remaining distance to 1.
        score = 1.0 - (1.0 - score) * 0.5 ** (signals.repeats - 1)
        extra.append(f"Same text sent {signals.repeats} times from this IP within seconds")
    if signals.malformed_ip:
        score = 1.0 - (1.0 - score) * 0.9
        extra.append("user_ip is not a valid IP address (weak signal)")
    if signals.near_duplicate_of:
        score = max(score, thresholds.reject if signals.near_duplicate_similarity >= 0.9 else thresholds.hold)
        extra.append(
            f"Nearly the same as a comment moderators marked spam "
            f"({signals.near_duplicate_similarity:.0%} similar)"
        )
    if signals.bidi_overrides:
        score = max(score, thresholds.hold)
        extra.append(f"Text direction override characters ({signals.bidi_overrides}) make the shown text "
                     "differ from the typed one")
    decision = thresholds.decision(score)
    rule = "honeypot" if signals.honeypot_filled else "score"
    return Verdict(decision, float(min(max(score, 0.0), 1.0)), extra + reasons, rule)
