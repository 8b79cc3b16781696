"""Reasons quote the comment as written: ``models.text.spans`` maps normalised words back."""
from __future__ import annotations

import pytest

from models.text import normalize_text
from models.text.spans import MAX_PIECES, find_span, quote


@pytest.mark.parametrize(("content", "term", "written"), [
    ("Ini стаття yang bagus", "ctattr", "стаття"),                     # Cyrillic read as Latin
    ("Makasih ini. Info bagus", "ini.info", "ini. Info"),              # dot joined by de-obfuscation
    ("Main di s l o t  g a c o r ya", "slot gacor", "s l o t g a c o r"),  # spaced-out letters
    ("ayo g4c0r hari ini", "gacor", "g4c0r"),                          # leet digits
    ("Visit ЅLОТ88 now", "slot88", "ЅLОТ88"),                          # look-alikes, case
    ("situs 𝐏𝐑𝐎𝐁𝐄𝟖𝟓𝟓 gacor", "probe855", "𝐏𝐑𝐎𝐁𝐄𝟖𝟓𝟓"),              # math alphanumerics
    ("Great POST, thanks!", "post", "POST"),                            # literal, trimmed of punctuation
    ("(gacorrrr!!)", "gacorr", "gacorrrr"),                             # letter repeats capped
])
def test_quote_gives_the_words_as_written(content: str, term: str, written: str) -> None:
    assert term in normalize_text(content).split() or term in normalize_text(content)
    assert quote(content, term) == written


def test_no_quote_for_words_not_in_the_comment_or_marker_tokens() -> None:
    assert quote("hello world", "casino") is None
    assert quote("see https://bit.ly/x", "urlx") is None
    assert find_span("", "slot") is None


def test_literal_match_needs_word_boundaries() -> None:
    """``in`` is not quoted from inside ``ini``; an aligned match is preferred over one inside a word."""
    assert quote("ini bagus", "in") is None
    start, end = find_span("xslot slot", "slot")
    assert (start, end) == (6, 10)


def test_long_quotes_are_cut_and_long_comments_searched_in_their_start() -> None:
    long_word = "panjang" * 10
    assert quote("kata " + long_word, long_word).endswith("…") and len(quote("kata " + long_word, long_word)) == 48
    far = "kata " * (MAX_PIECES + 5) + "gacor"
    assert find_span(far, "gacor") is not None          # literal: found anywhere
    assert find_span("kata " * (MAX_PIECES + 5) + "g4c0r", "gacor") is None  # mapped: only the start


def test_quotes_carry_no_control_characters() -> None:
    """A piece like ``\\x1b[2JPSTOTO99`` is quoted whole: its escape sequence must not reach a page,
    a log or a terminal; control characters collapse like whitespace."""
    assert quote("\x1b[2JPSTOTO99 slot gacor", "2jpstoto99") == "2JPSTOTO99"
    assert quote("PSTOTO99\x1b[2J x", "pstoto992j") == "PSTOTO99 [2J"
    assert quote("s\x1bl\x07o\x85t\x1b gacor", "slot") == "s l o t"


def test_author_field_reasons_name_the_word_as_written() -> None:
    from models.lexicon import describe

    record = {"content": "", "author": "Budi", "author_url": "https://s.id/Gacor-hoki", "author_email": ""}
    assert describe("author_spammy", record) == 'Author URL has gambling wording "Gacor"'
    assert describe("author_spammy", {"content": "", "author": "Agen TOGEL"}) == \
        'Author name has gambling wording "TOGEL"'
