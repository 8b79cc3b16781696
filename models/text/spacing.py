"""Spaced-out letters: ``s l o t  g a c o r``, ``s.l.o.t`` → ``slot gacor``."""
from __future__ import annotations

import re

from models.text.lookalikes import prepare

# Single letters/digits separated by one punctuation mark: "s.l.o.t", "g-a-c-o-r".
_PUNCT_SPACED_RE = re.compile(r"(?<![\w.])(?:[^\W_][.\-_*·•/|] ?){3,}[^\W_](?![\w])")
_SPACE_TOKEN_RE = re.compile(r"\S+|\s+")


def _letter_of(tok: str, last: bool = False) -> str | None:
    """The letter of a spaced-run token: one alphanumeric (the run's last token may
    carry trailing punctuation, "r!")."""
    if len(tok) == 1:
        return tok if tok.isalnum() else None
    if last and tok[0].isalnum() and not any(c.isalnum() for c in tok[1:]) and not tok[1:].isspace():
        return tok[0]
    return None


def _space_runs(text: str, min_letters: int) -> list[tuple[int, int, list[str], str]]:
    """Spaced runs in ``text`` as ``(start_part, end_part, words, trailing)`` where parts
    are :data:`_SPACE_TOKEN_RE` tokens, ``end_part`` is exclusive and ``trailing`` is
    punctuation stuck to the last letter."""
    parts = _SPACE_TOKEN_RE.findall(text)
    out: list[tuple[int, int, list[str], str]] = []
    i = 0
    n = len(parts)
    while i < n:
        if _letter_of(parts[i]) is not None:
            j = i
            letters = [parts[i]]
            gaps: list[int] = []
            trailing = ""
            while j + 2 < n and parts[j + 1].isspace():
                nxt = parts[j + 2]
                if _letter_of(nxt) is not None:
                    gaps.append(len(parts[j + 1]))
                    letters.append(nxt)
                    j += 2
                    continue
                ch = _letter_of(nxt, last=True)
                if ch is not None:
                    gaps.append(len(parts[j + 1]))
                    letters.append(ch)
                    trailing = nxt[1:]
                    j += 2
                break
            if len(letters) >= min_letters:
                base = min(gaps)
                words: list[str] = []
                cur = letters[0]
                for gap, letter in zip(gaps, letters[1:]):
                    if gap > base:
                        words.append(cur)
                        cur = letter
                    else:
                        cur += letter
                words.append(cur)
                out.append((i, j + 1, words, trailing))
                i = j + 1
                continue
        i += 1
    return out


def find_spaced_runs(text: str, min_letters: int = 4) -> list[str]:
    """Runs of single letters/digits separated by spaces or single punctuation marks.

    ``"Main di s l o t  g a c o r ya"`` → ``["s l o t  g a c o r"]``;
    ``"A.L.E.X.I.S"`` → ``["A.L.E.X.I.S"]``. Look-alikes are folded first.

    Args:
        text: raw comment text.
        min_letters: shortest run (in characters) to report.

    Returns:
        The runs as written (after look-alike folding, without trailing punctuation),
        in order.
    """
    prepared = prepare(text)
    runs = [m.group(0) for m in _PUNCT_SPACED_RE.finditer(prepared)]
    rest = _PUNCT_SPACED_RE.sub(" ", prepared)
    parts = _SPACE_TOKEN_RE.findall(rest)
    for start, end, _words, trailing in _space_runs(rest, min_letters):
        run = "".join(parts[start:end])
        runs.append(run[: len(run) - len(trailing)] if trailing else run)
    return runs


def join_spaced_letters(text: str, min_letters: int = 4) -> str:
    """Join spaced-out letters: ``"s l o t  g a c o r"`` → ``"slot gacor"``.

    A wider gap than the run's narrowest one separates words. Single letters joined by
    one punctuation mark (``"s.l.o.t"``, ``"g-a-c-o-r"``) are joined too. Runs shorter
    than ``min_letters`` characters are left alone (``"a b c"``).

    Args:
        text: text (ideally already look-alike folded).
        min_letters: shortest run to join.

    Returns:
        The text with runs replaced by the joined words (surrounded by spaces).
    """
    text = _PUNCT_SPACED_RE.sub(lambda m: " " + re.sub(r"[\W_]", "", m.group(0)) + " ", text)
    runs = _space_runs(text, min_letters)
    if not runs:
        return text
    parts = _SPACE_TOKEN_RE.findall(text)
    out: list[str] = []
    pos = 0
    for start, end, words, trailing in runs:
        out.append("".join(parts[pos:start]))
        out.append(" " + " ".join(words) + trailing + " ")
        pos = end
    out.append("".join(parts[pos:]))
    return "".join(out)
