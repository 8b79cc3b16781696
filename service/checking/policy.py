"""Decision policy: spam_score + hard rules + the site's own history → accept | hold | reject (plain Python).

Thresholds: a comment is held when ``spam_score >= hold`` and rejected when ``spam_score >= reject``.
The defaults come from the model's validation curves (``model.metadata["thresholds"]``: hold keeps
the out-of-fold false positive rate ≤ 1 %, reject ≤ 0.1 %); a site may override both.

The model's ``spam_score`` is never changed: reputation moves a separate *decision score* (its
log-odds), and the other rules set a floor under the decision (at least hold, or reject); the verdict
names the rule that decided and its reasons say why.

Rules, in order (``Verdict.rule`` names the one that decided):

1. ``admin_role``: ``user_role`` contains ``administrator`` → accept.
2. ``test_trigger``: Akismet's spam triggers (author ``akismet-guaranteed-spam`` / ``viagra-test-123``,
   e-mail ``akismet-guaranteed-spam@example.com``) → hold (never ``reject``,
   so the Akismet answer is ``true`` without ``discard``, as the protocol reference advises).
3. ``list``: the site's allow / block lists (``service.learning.lists``): accept, reject, or hold at
   least; the entry is the first reason.
4. The score (rule ``score``, or ``reputation`` when the move decided), moved by the signals: reputation of the comment's commenter, e-mail, domains and IP
   from the site's labels (log-odds of the strongest spam and the strongest ham evidence, at most
   ±4), a malformed user_ip; then raised to at least hold or reject by: a filled honeypot
   (reject), a form sent within ``min_form_seconds`` (hold), direction overrides (hold), a flood
   (hold; the same text from three times the limit of senders: reject), a near-duplicate of
   moderator spam (hold; ≥ 90 % similar: reject), an entity with ``reputation_hold_spam`` /
   ``reputation_reject_spam`` spam labels (hold / reject), a language the site does not expect
   (hold, never reject).
5. ``known_ham`` / ``trusted_commenter``: a comment that would be held or rejected is accepted when
   the site labelled the same text from the same commenter ham, or the commenter is trusted
   (``service.learning.site_signals.Trust``) — unless a honeypot, a list hold, a near-duplicate of
   moderator spam, a flood, direction overrides or another entity's spam reputation raised it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from scipy.special import expit, logit

from models.explain import NO_SIGNALS
from service.learning.site_signals import SiteSignals, language_name

AKISMET_SPAM_AUTHORS = frozenset({"akismet-guaranteed-spam", "viagra-test-123"})
AKISMET_SPAM_EMAILS = frozenset({"akismet-guaranteed-spam@example.com"})
#: Largest move of the score's log-odds by reputation.
MAX_REPUTATION_SHIFT = 4.0
#: Rules that a known-ham text or a trusted commenter does not override.
BLOCKING_RULES = frozenset({"honeypot", "list", "near_duplicate", "flood", "bidi", "reputation"})


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
        near_duplicate_of: id of a comment moderators marked spam that this one nearly duplicates.
        near_duplicate_similarity: estimated Jaccard similarity to it (0..1).
        malformed_ip: ``user_ip`` is not an IP address (``200181``: junk some form plugins send);
            a weak signal that moves the score a tenth of the way towards 1.
        bidi_overrides: LEFT-/RIGHT-TO-LEFT OVERRIDE characters in the content and author fields
            (``models.text.bidi.count_overrides``): the comment is held at least.
        site: the site's own history (``service.learning.site_signals.gather``).
    """

    user_roles: tuple[str, ...] = ()
    author: str = ""
    author_email: str = ""
    honeypot_filled: bool = False
    near_duplicate_of: str | None = None
    near_duplicate_similarity: float = 0.0
    malformed_ip: bool = False
    bidi_overrides: int = 0
    site: SiteSignals = field(default_factory=SiteSignals)


#: Decisions from the mildest to the strictest.
LEVELS = ("accept", "hold", "reject")


@dataclass
class Verdict:
    """What the policy decided.

    Attributes:
        decision: ``accept`` | ``hold`` | ``reject``.
        spam_score: the model's calibrated probability, exactly as given (never moved by a rule).
        reasons: sentences for a person, the deciding rule's first.
        rule: the rule that decided (:data:`RULES`); ``score`` when the thresholds alone did.
        decision_score: the score the thresholds were compared with — ``spam_score`` moved by the
            site's reputation signals and a malformed user_ip (equal to ``spam_score`` when none).
    """

    decision: str
    spam_score: float
    reasons: list[str] = field(default_factory=list)
    rule: str = "score"
    decision_score: float | None = None

    def __post_init__(self) -> None:
        if self.decision_score is None:
            self.decision_score = self.spam_score


#: Every rule a verdict can name (the module docstring says what each does).
RULES = ("score", "reputation", "admin_role", "test_trigger", "list", "honeypot", "timing", "bidi", "flood",
         "near_duplicate", "language", "known_ham", "trusted_commenter")


def is_spam_trigger(author: str, author_email: str) -> bool:
    """True for the Akismet test values that must always be spam."""
    return author.strip() in AKISMET_SPAM_AUTHORS or author_email.strip().lower() in AKISMET_SPAM_EMAILS


class _Score:
    """The score being moved, the floors rules set under the decision, and the reasons."""

    def __init__(self, score: float, thresholds: Thresholds) -> None:
        self.score, self.th, self.reasons = score, thresholds, []
        self.floor_level, self.floor_rule = "accept", "score"
        self.shifted_by: str | None = None  # the rule that moved the score's log-odds, if any
        self.applied: set[str] = set()  # every rule that set a floor, raising the decision or not

    def floor(self, level: str, rule: str, reason: str) -> None:
        """The decision is at least ``level`` because of ``rule`` (the first strictest floor wins)."""
        self.applied.add(rule)
        if reason not in self.reasons:
            self.reasons.append(reason)
        if LEVELS.index(level) > LEVELS.index(self.floor_level):
            self.floor_level, self.floor_rule = level, rule

    def shift(self, log_odds: float, rule: str) -> None:
        p = min(max(self.score, 1e-6), 1 - 1e-6)
        self.score = float(expit(logit(p) + log_odds))
        self.shifted_by = self.shifted_by or rule

    def decision(self) -> tuple[str, str]:
        """``(decision, rule)``: the thresholds on the moved score, raised to the strictest floor."""
        by_score = self.th.decision(self.score)
        if LEVELS.index(self.floor_level) > LEVELS.index(by_score):
            return self.floor_level, self.floor_rule
        return by_score, (self.shifted_by or "score") if by_score != "accept" else "score"


def _reputation(s: _Score, site: SiteSignals) -> None:
    evidence = [e for e in site.reputation if e.spam + e.ham]
    if not evidence:
        return
    spammy = max((e for e in evidence if e.log_odds > 0), key=lambda e: e.log_odds, default=None)
    hammy = min((e for e in evidence if e.log_odds < 0), key=lambda e: e.log_odds, default=None)
    used = [e for e in (spammy, hammy) if e is not None]
    if used:
        s.shift(max(-MAX_REPUTATION_SHIFT, min(MAX_REPUTATION_SHIFT, sum(e.log_odds for e in used))), "reputation")
        s.reasons.extend(e.reason() for e in used)
    cfg = site.settings
    for e in evidence:
        if e.spam >= max(cfg.reputation_reject_spam, cfg.reputation_hold_spam) and e.spam_rate >= 0.9:
            s.floor("reject", "reputation", e.reason())
        elif e.spam >= cfg.reputation_hold_spam and e.spam_rate >= 0.75:
            s.floor("hold", "reputation", e.reason())


def _floods(s: _Score, site: SiteSignals) -> None:
    cfg, flood = site.settings, site.flood
    if flood.text_senders >= cfg.flood_text_senders:
        level = "reject" if flood.text_senders >= 3 * cfg.flood_text_senders else "hold"
        s.floor(level, "flood", f"Flood: the same text from {flood.text_senders} senders within "
                                f"{cfg.flood_text_window // 60} minutes")
    if flood.sender_comments > cfg.flood_sender_comments:
        s.floor("hold", "flood", f"Flood: {flood.sender_comments} different comments from {flood.sender} "
                                 f"within {cfg.flood_sender_window // 60} minutes")


def decide(spam_score: float, reasons: list[str], thresholds: Thresholds, signals: Signals) -> Verdict:
    """Apply the rules (module docstring). ``spam_score`` is the classifier's probability of spam
    (returned unchanged in the verdict); ``reasons`` its explanations (kept after the policy's own)."""
    site = signals.site
    if "administrator" in signals.user_roles:
        return Verdict("accept", spam_score, ["Sent by an administrator (user_role)"] + reasons, "admin_role")
    if is_spam_trigger(signals.author, signals.author_email):
        return Verdict("hold", spam_score, ["Akismet test trigger: guaranteed spam"], "test_trigger")
    hit = site.list_hit
    if hit is not None and hit.action in ("reject", "accept"):
        return Verdict(hit.action, spam_score, [hit.reason()] + reasons, "list")
    s = _Score(spam_score, thresholds)
    if hit is not None:
        s.floor("hold", "list", hit.reason())
    _reputation(s, site)
    if signals.malformed_ip:
        s.score = 1.0 - (1.0 - s.score) * 0.9
        s.shifted_by = s.shifted_by or "score"
        s.reasons.append("user_ip is not a valid IP address (weak signal)")
    if signals.honeypot_filled:
        s.floor("reject", "honeypot", "Hidden honeypot field was filled in (bots fill every field)")
    if site.form_seconds is not None and site.form_seconds < site.settings.min_form_seconds:
        s.floor("hold", "timing", f"Sent {site.form_seconds:.3g} s after the form was shown "
                                  f"(people need longer than {site.settings.min_form_seconds:g} s)")
    if signals.bidi_overrides:
        s.floor("hold", "bidi", f"Text direction override characters ({signals.bidi_overrides}) make the "
                                "shown text differ from the typed one")
    _floods(s, site)
    if signals.near_duplicate_of:
        level = "reject" if signals.near_duplicate_similarity >= 0.9 else "hold"
        s.floor(level, "near_duplicate", f"Nearly the same as a comment moderators marked spam "
                                         f"({signals.near_duplicate_similarity:.0%} similar)")
    if site.off_language:
        s.floor("hold", "language", f"Written in {language_name(site.off_language)}, not one of this site's "
                                    f"languages ({', '.join(site.site_languages)})")
    decision, rule = s.decision()
    moved = float(min(max(s.score, 0.0), 1.0))
    blocked = bool(s.applied & BLOCKING_RULES) or signals.honeypot_filled
    if site.known_ham_at is not None and not blocked and hit is None:
        why = f"The same text from this commenter was reported as ham on {site.known_ham_at:%Y-%m-%d}"
        return Verdict("accept", spam_score, [why] + s.reasons + reasons,
                       "known_ham" if decision != "accept" else "score", moved)
    if site.trust is not None:
        if decision != "accept" and not blocked and hit is None:
            return Verdict("accept", spam_score, [site.trust.reason()] + s.reasons + reasons, "trusted_commenter",
                           moved)
        s.reasons.insert(0, site.trust.reason())
    if decision != "accept":  # the model found nothing, a rule did: say the rule, not "no signals"
        reasons = [r for r in reasons if r != NO_SIGNALS]
    return Verdict(decision, spam_score, s.reasons + reasons, rule, moved)
