"""models.text.bidi: overrides resolved to the displayed order (issue 11, defect 3)."""
from __future__ import annotations

import pytest

from models.artifact import load_default
from models.text.bidi import count_bidi_controls, count_overrides, visual_order
from models.text.normalize import normalize_text

SPAM = "Gabung sekarang di PSTOTO99 situs slot gacor, deposit 10rb langsung maxwin!"
RLO, LRO, PDF, RLI, PDI = "\u202e", "\u202d", "\u202c", "\u2067", "\u2069"


@pytest.mark.parametrize("typed", [
    RLO + SPAM[::-1] + PDF,                                       # the whole comment reversed
    RLO + SPAM[::-1],                                             # unclosed: ends with the paragraph
    " ".join(RLO + w[::-1] + PDF for w in SPAM.split()),          # each word reversed on its own
])
def test_reversed_text_under_an_override_reads_as_shown(typed):
    assert visual_order(typed) == SPAM
    assert "slot gacor" in normalize_text(typed) and "maxwin" in normalize_text(typed)


def test_nested_runs_and_paragraphs():
    assert visual_order(f"abc {RLO}FED{LRO}xyz{PDF}CBA{PDF} tail") == "abc ABCxyzDEF tail"
    assert visual_order(f"{RLO}cba\nnext line") == "abc\nnext line"  # an override ends at the line's end
    assert visual_order(f"{RLI}plain{PDI} text") == "plain text"  # an isolate does not reorder letters
    assert visual_order("no controls at all") == "no controls at all"
    assert count_overrides(f"{RLO}x{PDF}{LRO}") == 2 and count_bidi_controls(f"{RLO}x{PDF}\u200f") == 3


def test_the_shipped_model_sees_the_spam_a_reader_sees():
    """Before the fix the reversed comment scored 0.03 (accept) against 1.0 written forwards."""
    clf = load_default()
    forwards = clf.score_one({"content": SPAM}).spam_score
    reversed_ = clf.score_one({"content": RLO + SPAM[::-1] + PDF}).spam_score
    assert forwards > 0.99 and reversed_ == pytest.approx(forwards, abs=1e-6)
