"""Per-site settings of the site-learning rules: documented defaults, a site's overrides, validation.

A site stores only what differs from :data:`DEFAULTS` (``sites.learning``, JSON); shadow mode and
the expected languages have columns of their own (``sites.shadow_mode``, ``sites.languages``).
Changes are written to the site's audit log (``service.store.site_audit``). Plain Python, no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

from sqlalchemy.orm import Session, object_session

from service.errors import ValidationFailed
from service.store import site_audit


@dataclass(frozen=True)
class LearningSettings:
    """What the site-learning rules of one site use.

    Attributes:
        enabled: trusted commenters, reputation, known ham and floods are applied (lists,
            shadow mode and the language policy are separate, explicit choices).
        trust_min_approvals: approved (ham-labelled) comments that make a commenter trusted.
        trust_min_accepted: or this many accepted comments older than ``trust_accepted_days``
            days that nobody marked spam.
        trust_accepted_days: how old an accepted comment must be before it counts (days).
        reputation_hold_spam: spam labels of one entity (domain, e-mail, IP, commenter) from which
            a comment carrying it is held at least (when at least 75 % of its labels are spam).
        reputation_reject_spam: ... and rejected (when at least 90 % are spam); a value below
            ``reputation_hold_spam`` acts as ``reputation_hold_spam``.
        flood_text_senders: distinct senders of the same text within ``flood_text_window``
            seconds from which it is a flood (held; three times as many: rejected). Only texts
            of at least ``flood_text_min_chars`` characters (a "Thanks!" from many readers is no flood).
        flood_sender_comments: distinct comments from one IP or one commenter within
            ``flood_sender_window`` seconds above which the next ones are held.
        min_form_seconds: a comment submitted sooner than this after the form was shown is a bot
            signal (held at least).
    """

    enabled: bool = True
    trust_min_approvals: int = 2
    trust_min_accepted: int = 5
    trust_accepted_days: int = 3
    reputation_hold_spam: int = 3
    reputation_reject_spam: int = 10
    flood_text_senders: int = 3
    flood_text_window: int = 3600
    flood_text_min_chars: int = 40
    flood_sender_comments: int = 10
    flood_sender_window: int = 600
    min_form_seconds: float = 2.0


DEFAULTS = LearningSettings()
NAMES = tuple(f.name for f in fields(LearningSettings))
#: Upper bounds of the integer settings (anything larger is a typo, not a policy).
MAX_INT = {"trust_accepted_days": 3650, "flood_text_window": 7 * 86400, "flood_sender_window": 7 * 86400}
DEFAULT_MAX_INT = 100_000


def settings_of(overrides: Mapping[str, Any] | None) -> LearningSettings:
    """The settings of a site whose stored overrides are ``overrides`` (unknown keys ignored)."""
    known = {k: v for k, v in (overrides or {}).items() if k in NAMES}
    return replace(DEFAULTS, **known)


def validate_overrides(changes: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The new stored overrides after applying ``changes`` (a value ``None`` restores the default).

    Raises ``ValidationFailed`` (field ``learning.<name>``) for an unknown name or a value of the
    wrong type or out of range; nothing is changed then.
    """
    out = dict(current or {})
    for name, value in changes.items():
        field = f"learning.{name}"
        if name not in NAMES:
            raise ValidationFailed(f"unknown setting {name!r}; known: {', '.join(NAMES)}", field=field)
        if value is None:
            out.pop(name, None)
            continue
        default = getattr(DEFAULTS, name)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValidationFailed(f"{name} must be true or false", field=field)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT.get(name, DEFAULT_MAX_INT):
                raise ValidationFailed(f"{name} must be an integer from 1 to {MAX_INT.get(name, DEFAULT_MAX_INT)}",
                                       field=field)
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 600:
                raise ValidationFailed(f"{name} must be a number of seconds from 0 to 600", field=field)
            value = float(value)
        if value == default:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def parse_value(name: str, text: str) -> Any:
    """A ``NAME=VALUE`` of the command line as the type of the setting (``default`` → ``None``).
    Raises ``ValidationFailed`` naming the setting."""
    if name not in NAMES:
        raise ValidationFailed(f"unknown setting {name!r}; known: {', '.join(NAMES)}", field=f"learning.{name}")
    text = text.strip().lower()
    if text == "default":
        return None
    default = getattr(DEFAULTS, name)
    try:
        if isinstance(default, bool):
            if text not in ("true", "false", "on", "off", "1", "0"):
                raise ValueError
            return text in ("true", "on", "1")
        return int(text) if isinstance(default, int) else float(text)
    except ValueError:
        raise ValidationFailed(f"{name}: {text!r} is not a {type(default).__name__}", field=f"learning.{name}") from None


def validate_languages(codes: list[str]) -> list[str]:
    """Lower-cased, de-duplicated codes of ``models.lang.LID176_LANGS`` (``["id", "en"]``); ``[]`` turns
    the policy off. Raises ``ValidationFailed`` (field ``languages``) for anything else (``xx``, the
    retired ``in`` for Indonesian)."""
    from models.lang import LID176_LANGS

    out: list[str] = []
    for code in codes:
        if not isinstance(code, str) or code.strip().lower() not in LID176_LANGS:
            raise ValidationFailed(f"languages: {code!r} is not a language code the language identifier knows "
                                   "(ISO 639, e.g. id, en, jv, ms)", field="languages")
        if code.strip().lower() not in out:
            out.append(code.strip().lower())
    if len(out) > 20:
        raise ValidationFailed("languages: at most 20", field="languages")
    return out


def configure_site(site: Any, shadow_mode: bool | None = None, languages: list[str] | None = None,
                   changes: Mapping[str, Any] | None = None, *, actor: str = "", actor_id: int | None = None,
                   session: Session | None = None) -> dict[str, list[Any]]:
    """Change a site's shadow mode, expected languages and learning settings (each only when given).
    Validates everything before changing anything; the caller commits. Raises ``ValidationFailed``.

    Returns what changed, ``{name: [before, after]}``, and writes it (when not empty) to the audit
    log of the site's session (``session``, else the one ``site`` belongs to)."""
    new_languages = validate_languages(languages) if languages is not None else None
    new_learning = validate_overrides(changes, site.learning) if changes else None
    changed: dict[str, list[Any]] = {}
    if shadow_mode is not None and bool(shadow_mode) != bool(site.shadow_mode):
        changed["shadow_mode"] = [bool(site.shadow_mode), bool(shadow_mode)]
    if new_languages is not None and new_languages != list(site.languages or []):
        changed["languages"] = [list(site.languages or []), new_languages]
    if new_learning is not None:
        old = dict(site.learning or {})
        for name in NAMES:
            if old.get(name) != new_learning.get(name):
                changed[name] = [old.get(name), new_learning.get(name)]
    if shadow_mode is not None:
        site.shadow_mode = bool(shadow_mode)
    if new_languages is not None:
        site.languages = new_languages
    if new_learning is not None:
        site.learning = new_learning
    session = session if session is not None else object_session(site)
    if changed and session is not None:
        site_audit.record(session, site, "learning_change", actor, actor_id, {"changes": changed})
    return changed


def describe_site(site: Any) -> dict[str, Any]:
    """A site's learning configuration: ``{"site", "site_id", "shadow_mode", "languages",
    "settings" (every value in force), "overrides" (the ones that differ from the defaults)}``."""
    from dataclasses import asdict

    return {"site_id": site.id, "site": site.url, "shadow_mode": bool(site.shadow_mode),
            "languages": list(site.languages or []), "settings": asdict(settings_of(site.learning)),
            "overrides": dict(site.learning or {})}
