"""The decision policy: hard rules first, then the thresholds."""
import pytest

from service.checking.policy import Signals, Thresholds, decide

TH = Thresholds(hold=0.3, reject=0.9)


@pytest.mark.parametrize("score,expected", [(0.0, "accept"), (0.2999, "accept"), (0.3, "hold"),
                                            (0.8999, "hold"), (0.9, "reject"), (1.0, "reject")])
def test_thresholds_are_inclusive_lower_bounds(score, expected):
    assert TH.decision(score) == expected
    assert decide(score, [], TH, Signals()).decision == expected


@pytest.mark.parametrize("hold,reject", [(0.5, 0.4), (-0.1, 0.5), (0.5, 1.1)])
def test_invalid_thresholds_raise(hold, reject):
    with pytest.raises(ValueError):
        Thresholds(hold, reject)


def test_administrator_role_wins_over_spam_trigger_and_score():
    v = decide(0.99, ["x"], TH, Signals(user_roles=("editor", "administrator"), author="akismet-guaranteed-spam"))
    assert v.decision == "accept" and v.rule == "admin_role"


@pytest.mark.parametrize("sig", [Signals(author="akismet-guaranteed-spam"), Signals(author="viagra-test-123"),
                                 Signals(author_email="Akismet-Guaranteed-Spam@example.com")])
def test_spam_triggers_hold_without_reject(sig):
    v = decide(0.01, [], TH, sig)
    assert v.decision == "hold" and v.spam_score == 0.01 and v.rule == "test_trigger"  # the model's score kept


def test_filled_honeypot_rejects():
    v = decide(0.01, [], TH, Signals(honeypot_filled=True))
    assert v.decision == "reject" and any("honeypot" in r for r in v.reasons)


@pytest.mark.parametrize("similarity,expected", [(0.75, "hold"), (0.95, "reject")])
def test_near_duplicate_of_moderator_spam(similarity, expected):
    v = decide(0.01, [], TH, Signals(near_duplicate_of="a" * 32, near_duplicate_similarity=similarity))
    assert v.decision == expected and any("Nearly the same" in r for r in v.reasons)


def test_direction_overrides_hold_at_least_but_never_reject_alone():
    v = decide(0.01, [], TH, Signals(bidi_overrides=2))
    assert v.decision == "hold" and v.rule == "bidi" and "direction override" in v.reasons[0]
    assert v.spam_score == 0.01 and v.decision_score == 0.01  # a floor never rewrites the score
    assert decide(0.95, [], TH, Signals(bidi_overrides=1)).decision == "reject"  # the score still decides above
