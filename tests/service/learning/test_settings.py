"""service.learning.settings: defaults, overrides and their validation."""
from __future__ import annotations

import pytest

from service.errors import ValidationFailed
from service.learning.settings import DEFAULTS, parse_value, settings_of, validate_languages, validate_overrides


def test_only_differences_are_stored_and_null_restores_a_default():
    out = validate_overrides({"trust_min_approvals": 3, "flood_text_senders": DEFAULTS.flood_text_senders})
    assert out == {"trust_min_approvals": 3}
    assert settings_of(out).trust_min_approvals == 3
    assert validate_overrides({"trust_min_approvals": None}, out) == {}


@pytest.mark.parametrize("changes", [{"nope": 1}, {"trust_min_approvals": 0}, {"trust_min_approvals": True},
                                     {"trust_min_approvals": "2"}, {"enabled": 1}, {"min_form_seconds": -1},
                                     {"min_form_seconds": 10_000}, {"trust_accepted_days": 10_000}])
def test_bad_settings_name_the_setting(changes):
    with pytest.raises(ValidationFailed) as err:
        validate_overrides(changes)
    assert err.value.field == f"learning.{next(iter(changes))}"


def test_parse_value_and_languages():
    assert parse_value("enabled", "off") is False and parse_value("min_form_seconds", "1.5") == 1.5
    assert parse_value("trust_min_approvals", "default") is None
    assert validate_languages(["ID", "en", "id"]) == ["id", "en"]
    for bad in (["indonesian"], ["xx"], ["in"]):
        with pytest.raises(ValidationFailed):
            validate_languages(bad)
