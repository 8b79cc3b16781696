"""Bidirectional controls: the text a reader sees, not the order it was typed in.

A spammer can type ``"!niwxam rocag tols"`` between RIGHT-TO-LEFT OVERRIDE (U+202E) and POP
DIRECTIONAL FORMATTING (U+202C): every browser shows ``"slot gacor maxwin!"`` while the stored
characters are reversed, so a classifier reading the stored order sees nonsense. This module gives
the *displayed* order of explicit overrides (Unicode Bidirectional Algorithm, UAX #9, rules X1–X8
for LRO/RLO; the run of an override is shown in the forced direction), and counts the controls so
that the policy can treat them as a signal.

Only explicit overrides change the order here. Embeddings (LRE/RLE), isolates (LRI/RLI/FSI) and
marks (LRM/RLM/ALM) change where neutral characters and whole runs go, not the order of letters
within a Latin word, so the text keeps its order (and the controls are dropped later, with the
other invisible characters, by :func:`models.text.lookalikes.prepare`).
"""
from __future__ import annotations

import re

__all__ = ["BIDI_CONTROLS", "OVERRIDES", "count_bidi_controls", "count_overrides", "visual_order"]

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
#: Every bidirectional formatting character (explicit embeddings, overrides, isolates, marks).
BIDI_CONTROLS = frozenset({LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, "\u200e", "\u200f", "\u061c"})
#: The two controls that force a direction on every character of their run.
OVERRIDES = frozenset({LRO, RLO})
_OPENERS = {LRE: "e", RLE: "e", LRO: "L", RLO: "R", LRI: "i", RLI: "i", FSI: "i"}
_BIDI_RE = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
#: UAX #9 allows 125 levels; deeper nesting is treated as text.
MAX_DEPTH = 125


def count_bidi_controls(text: str) -> int:
    """Number of bidirectional formatting characters in ``text``."""
    return len(_BIDI_RE.findall(text)) if text else 0


def count_overrides(text: str) -> int:
    """Number of LEFT-TO-RIGHT / RIGHT-TO-LEFT OVERRIDE characters in ``text``."""
    return (text.count(LRO) + text.count(RLO)) if text else 0


def _render(node: list, kind: str) -> str:
    """Display order of one parsed run: ``node`` items are characters or ``(kind, children)``."""
    parts = [c if isinstance(c, str) else _render(c[1], c[0]) for c in node]
    if kind == "R":
        # forced right-to-left: the run's characters (and nested runs, each kept whole) reversed
        return "".join(reversed(parts))
    return "".join(parts)


def _paragraph(text: str) -> str:
    root: list = []
    stack: list[tuple[str, list]] = [("", root)]
    for ch in text:
        if ch in _OPENERS and len(stack) <= MAX_DEPTH:
            child: list = []
            stack[-1][1].append((_OPENERS[ch], child))
            stack.append((_OPENERS[ch], child))
        elif ch == PDF:
            # closes the innermost embedding/override, not past an isolate (X7)
            if len(stack) > 1 and stack[-1][0] in ("e", "L", "R"):
                stack.pop()
        elif ch == PDI:
            # closes the innermost isolate and everything opened inside it (X6a)
            if any(k == "i" for k, _ in stack[1:]):
                while stack[-1][0] != "i":
                    stack.pop()
                stack.pop()
        else:
            stack[-1][1].append(ch)
    return _render(root, "")


def visual_order(text: str) -> str:
    """``text`` with every explicit-override run in the order it is displayed, controls removed.

    Each paragraph (a line) is resolved on its own: an override unclosed at the end of a line ends
    there (UAX #9, X8). A run under RIGHT-TO-LEFT OVERRIDE is reversed; a nested run (say an LRO
    inside an RLO) is kept whole and placed in reversed order. Text without overrides comes back
    unchanged apart from the bidirectional controls, which are removed.

    >>> visual_order("\u202e!niwxam rocag tols\u202c")
    'slot gacor maxwin!'
    """
    if not text or text.isascii() or _BIDI_RE.search(text) is None:
        return text
    if LRO not in text and RLO not in text:
        return _BIDI_RE.sub("", text)
    return "\n".join(_paragraph(line) for line in text.split("\n"))
