"""The one operating-point rule: which (hold, reject) thresholds decide a comment.

A comment is held when ``spam_score >= hold`` and rejected when ``spam_score >= reject``. The pair
comes from, in order of precedence, per value:

1. the site's own override for the comment's language (``saring sites thresholds --lang id``), when set;
2. the site's own override for every language (``saring sites thresholds``), when set;
3. the model's thresholds for the comment's language (``metadata["thresholds_by_lang"][lang]``;
   ``lang`` from :func:`models.lang.comment_lang`: detected from the text, declared only as a
   fallback for text too short to detect), chosen on out-of-source scores of that language;
4. the model's pooled thresholds (``metadata["thresholds"]``), for every other language;
5. :data:`FALLBACK` — the single fallback pair, for a model without thresholds.

``reject`` is raised to ``hold`` when a site override would put it below. The language only
picks validated thresholds; it never adds to a score. :func:`operating_point` also says which of
these the pair came from (:data:`SOURCES`), so that every decision can show it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.lang import primary_subtag

__all__ = ["FALLBACK", "SOURCES", "OperatingPoint", "operating_point", "operating_points", "resolve_thresholds",
           "validate_metadata"]

#: The one fallback pair (a model without thresholds in its metadata).
FALLBACK: tuple[float, float] = (0.5, 0.95)


def _pair(block: Any) -> tuple[float, float] | None:
    if not isinstance(block, Mapping) or "hold" not in block:
        return None
    hold = float(block["hold"])
    reject = float(block.get("reject", FALLBACK[1]))
    return hold, max(reject, hold)


def _check(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} threshold must be in [0, 1], got {value}")
    return value


#: Where a pair came from, in order of precedence: the site's override for the comment's language,
#: the site's override for every language, the model's pair for the language, the model's pooled
#: pair, the fallback.
SOURCES: tuple[str, ...] = ("site_lang", "site", "model_lang", "model", "fallback")


@dataclass(frozen=True)
class OperatingPoint:
    """The thresholds that decide one comment and where they came from.

    Attributes:
        hold, reject: probabilities, ``0 <= hold <= reject <= 1``.
        source: one of :data:`SOURCES` (a site override of one value only counts as ``site``).
        lang: the primary subtag the pair was looked up for (``""``: no language).
    """

    hold: float
    reject: float
    source: str
    lang: str = ""


def operating_point(
    metadata: Mapping[str, Any] | None,
    lang: str = "",
    site_hold: float | None = None,
    site_reject: float | None = None,
    site_by_lang: Mapping[str, Any] | None = None,
) -> OperatingPoint:
    """The thresholds for one comment, with their source.

    Args:
        metadata: the model's metadata (``SpamClassifier.metadata``); ``None`` → :data:`FALLBACK`.
        lang: the comment's language (``models.lang.comment_lang(declared, content)``); any
            BCP 47 / locale form (``"id_ID"``) is reduced to its primary subtag.
        site_hold, site_reject: the site's overrides for every language (``None`` = use the model's).
        site_by_lang: the site's overrides per language, ``{"id": {"hold": h, "reject": r}}``.

    Raises:
        ValueError: an override outside [0, 1].
    """
    meta = metadata or {}
    lang = primary_subtag(lang) if lang else ""
    site_pair = _pair((site_by_lang or {}).get(lang)) if lang and isinstance(site_by_lang, Mapping) else None
    if site_pair is not None:
        hold, reject = _check("hold", site_pair[0]), _check("reject", site_pair[1])
        return OperatingPoint(hold, max(reject, hold), "site_lang", lang)
    by_lang = meta.get("thresholds_by_lang") or {}
    model, source = (_pair(by_lang.get(lang)) if lang and isinstance(by_lang, Mapping) else None), "model_lang"
    if model is None:
        model, source = _pair(meta.get("thresholds")), "model"
    if model is None:
        model, source = FALLBACK, "fallback"
    if site_hold is not None or site_reject is not None:
        source = "site"
    hold = _check("hold", site_hold) if site_hold is not None else model[0]
    reject = _check("reject", site_reject) if site_reject is not None else model[1]
    return OperatingPoint(hold, max(reject, hold), source, lang)


def resolve_thresholds(
    metadata: Mapping[str, Any] | None,
    lang: str = "",
    site_hold: float | None = None,
    site_reject: float | None = None,
    site_by_lang: Mapping[str, Any] | None = None,
) -> tuple[float, float]:
    """``(hold, reject)`` for one comment (:func:`operating_point` without the source), with
    ``0 <= hold <= reject <= 1``. Raises ``ValueError`` for an override outside [0, 1]."""
    point = operating_point(metadata, lang, site_hold, site_reject, site_by_lang)
    return point.hold, point.reject


def operating_points(metadata: Mapping[str, Any] | None) -> dict[str, tuple[float, float]]:
    """Every operating point the model serves: ``{"pooled": (hold, reject), "<lang>": ...}``
    (the retrain gate checks each)."""
    meta = metadata or {}
    out = {"pooled": resolve_thresholds(meta, "")}
    for lang in sorted((meta.get("thresholds_by_lang") or {}).keys()):
        out[str(lang)] = resolve_thresholds(meta, str(lang))
    return out


def _valid_pair(name: str, block: Any) -> None:
    if not isinstance(block, Mapping):
        raise ValueError(f"{name} must be an object with hold and reject, got {type(block).__name__}")
    values = {}
    for key in ("hold", "reject"):
        if key not in block:
            if key == "reject":
                continue
            raise ValueError(f"{name}.hold is missing")
        value = block[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ValueError(f"{name}.{key} must be a number, got {value!r}")
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{name}.{key} must be in [0, 1], got {value}")
        values[key] = float(value)
    if "reject" in values and values["reject"] < values["hold"]:
        raise ValueError(f"{name}.reject ({values['reject']}) is below {name}.hold ({values['hold']})")


def validate_metadata(metadata: Mapping[str, Any] | None) -> None:
    """Check a model's thresholds before it is published or served.

    Valid: ``metadata["thresholds"]`` absent (→ :data:`FALLBACK`) or ``{"hold": h, "reject": r}``
    with numbers ``0 <= h <= r <= 1``; ``metadata["thresholds_by_lang"]`` absent or a mapping of
    language → such a pair.

    Raises:
        ValueError: naming the field, e.g. ``thresholds.hold must be in [0, 1], got 1.5``.
    """
    meta = metadata or {}
    if not isinstance(meta, Mapping):
        raise ValueError("model metadata must be an object")
    if meta.get("thresholds") is not None:
        _valid_pair("thresholds", meta["thresholds"])
    by_lang = meta.get("thresholds_by_lang")
    if by_lang is not None:
        if not isinstance(by_lang, Mapping):
            raise ValueError("thresholds_by_lang must be an object of language -> thresholds")
        for lang, block in by_lang.items():
            _valid_pair(f"thresholds_by_lang.{lang}", block)
