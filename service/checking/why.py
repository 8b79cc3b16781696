"""Why a comment was decided, for a person: the language, the thresholds and where they came from,
the rule that decided, the model's own spam_score and the reasons (plain Python, no Flask).

One shape serves the JSON API (``why`` of a comment), the moderation pages and
``saring comments history``. The facts are stored with the comment when it is decided
(``service.checking.check``); a comment decided before they were stored (migration 0007) has
``recorded: false`` and only its score and reasons.
"""
from __future__ import annotations

from typing import Any

from service.learning.site_signals import language_name

#: What each policy rule (``service.checking.policy.RULES``) means, in a sentence.
RULE_TEXT: dict[str, str] = {
    "score": "the model's spam_score against the thresholds",
    "reputation": "the site's own labels of this commenter, e-mail, domain or IP moved the score",
    "admin_role": "sent by an administrator of the site",
    "test_trigger": "an Akismet test value that always means spam",
    "list": "an entry of the site's allow or block list",
    "honeypot": "a hidden form field only bots fill in was filled in",
    "timing": "the form was sent faster than a person can write",
    "bidi": "text-direction characters make the shown text differ from the typed one",
    "flood": "the same text from many senders, or many comments from one sender, in a short time",
    "near_duplicate": "nearly the same as a comment moderators marked spam",
    "language": "written in a language the site does not expect",
    "known_ham": "the same text from this commenter was reported as ham before",
    "trusted_commenter": "a commenter the site trusts (approved before, never spam)",
}


def threshold_source_text(source: str | None, lang: str | None) -> str:
    """A sentence for where a comment's thresholds came from (``models.thresholds.SOURCES``)."""
    name = language_name(lang) if lang else ""
    return {
        "site_lang": f"this site's own thresholds for {name}",
        "site": "this site's own thresholds (every language)",
        "model_lang": f"the model's thresholds for {name}, chosen on out-of-source scores",
        "model": "the model's pooled thresholds" + (f" (it has none of its own for {name})" if name else
                                                    " (no language detected)"),
        "fallback": "the fallback pair (the model carries no thresholds)",
    }.get(source or "", "not recorded")


def explain(comment: Any) -> dict[str, Any]:
    """The ``why`` of a stored comment (any object with the ``Comment`` columns).

    Returns ``{"recorded", "decision", "answered", "shadow", "rule", "rule_text", "spam_score",
    "decision_score", "language", "language_name", "thresholds": {"hold", "reject", "source",
    "source_text"} | None, "reasons", "site_note"}``; probabilities in [0, 1], ``language`` a fastText code or
    ``""``.
    """
    recorded = comment.rule is not None
    rule = comment.rule or "score"
    lang = comment.detected_lang or ""
    thresholds = None
    if comment.hold_threshold is not None and comment.reject_threshold is not None:
        thresholds = {"hold": comment.hold_threshold, "reject": comment.reject_threshold,
                      "source": comment.threshold_source,
                      "source_text": threshold_source_text(comment.threshold_source, lang)}
    decision_score = comment.decision_score if comment.decision_score is not None else comment.spam_score
    return {
        "recorded": recorded,
        "decision": comment.decision,
        "answered": "accept" if comment.shadow else comment.decision,
        "shadow": bool(comment.shadow),
        "rule": rule,
        "rule_text": RULE_TEXT.get(rule, rule) if recorded else "not recorded (decided before this version)",
        "spam_score": comment.spam_score,
        "decision_score": decision_score,
        "language": lang,
        "language_name": language_name(lang) if lang else "",
        "thresholds": thresholds,
        "reasons": list(comment.reasons or []),
        "site_note": (comment.extra or {}).get("site_note") or None,
    }


def summary_lines(comment: Any) -> list[str]:
    """The ``why`` as a few lines of plain text (CLI)."""
    w = explain(comment)
    th = w["thresholds"]
    ruled = f" by rule {w['rule']}: {w['rule_text']}" if w["recorded"] else f" ({w['rule_text']})"
    lines = [f"decision {w['decision']}" + (" (answered accept: shadow mode)" if w["shadow"] else "") + ruled,
             f"spam_score {w['spam_score']:.3f} (model)"
             + (f", decision score {w['decision_score']:.3f}" if abs(w["decision_score"] - w["spam_score"]) > 5e-4
                else ""),
             f"language {w['language_name'] or 'not detected'}"]
    if th is not None:
        lines.append(f"thresholds hold {th['hold']:.3f} / reject {th['reject']:.3f}: {th['source_text']}")
    lines += [f"reason: {r}" for r in w["reasons"]]
    return lines
