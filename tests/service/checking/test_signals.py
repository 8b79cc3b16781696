"""service.checking.signals: the check's one Redis round trip (flood windows + near-duplicate lookup)
gives what the separate lookups give, and fails open."""
from __future__ import annotations

from service.checking.signals import Observed, SignalSource
from service.infra.metrics import REDIS_ERRORS
from service.infra.redis_conn import connect
from service.infra.redis_keys import RedisKeys
from service.learning.floods import Flood, FloodQuery
from service.learning.settings import LearningSettings

SPAM = "Great article about the new bridge in our town, thanks for sharing the photos of it"
VARIANT = "Great article about the new bridge in our town! Thanks for sharing the photos of it :)"
OTHER = "I love this song so much, it reminds me of summer 2012 with my friends"


def _query(site: int, text_hash: str, ip: str, commenter: str | None = None, chars: int = 80) -> FloodQuery:
    return FloodQuery(site, LearningSettings(), text_hash, chars, ip, commenter)


def test_observe_equals_the_separate_lookups(redis_url, redis_prefix):
    """The same sequence of comments through ``observe`` (one pipeline) and through ``floods.count`` +
    ``near_duplicate`` (their own round trips, on another prefix) gives the same floods and matches."""
    one = SignalSource(connect(redis_url), RedisKeys(redis_prefix))
    apart = SignalSource(connect(redis_url), RedisKeys(redis_prefix + "-apart"))
    for source in (one, apart):
        source.near_dups.remember(1, "spam-1", SPAM)
    comments = [(VARIANT, "h1", f"203.0.113.{i}", None) for i in range(1, 5)]  # one text, 4 senders
    comments += [(OTHER, f"h{i}", "198.51.100.7", "n:rina|198.51.100.7") for i in range(2, 8)]  # one sender
    comments += [(SPAM, "h9", "", None), ("short", "h10", "198.51.100.8", None)]
    try:
        for text, text_hash, ip, commenter in comments:
            got = one.observe(1, text, _query(1, text_hash, ip, commenter))
            flood = apart.floods.count(1, LearningSettings(), text_hash, 80, ip, commenter)
            near = apart.near_duplicate(1, text)
            assert got == Observed(flood, near), text
        assert one.observe(1, VARIANT, None).near_duplicate.comment_id == "spam-1"  # no flood counted
        assert one.observe(2, VARIANT, None) == Observed()  # another site's memory
        last = one.observe(1, OTHER, _query(1, "h99", "198.51.100.7", "n:rina|198.51.100.7"))
        assert last.flood.sender_comments == 7 and last.flood.sender in ("this IP", "this commenter")
    finally:
        for prefix in (redis_prefix + "-apart",):
            for key in apart.client.scan_iter(match=f"{prefix}*"):
                apart.client.delete(key)


def test_observe_fails_open():
    down = SignalSource(connect("redis://127.0.0.1:9/0"), RedisKeys("x"))
    before = REDIS_ERRORS.labels("signals")._value.get()
    assert down.observe(1, SPAM, _query(1, "h", "203.0.113.9")) == Observed(Flood(), None)
    assert REDIS_ERRORS.labels("signals")._value.get() == before + 1
