"""service.checking.near_duplicates: the Redis memory of comments labelled spam (MinHash LSH, per site, TTL),
the label hooks (queue actions, any ``service.moderation.labels`` caller) and the effect on new comments."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from service.moderation import labels
from service.checking import near_duplicates
from service import moderation as queue
from service.infra.metrics import REDIS_ERRORS
from service.checking.near_duplicates import NearDuplicateMemory, signature, similarity
from service.infra.redis_conn import connect
from service.infra.redis_keys import NEAR_DUP_TTL, RedisKeys
from service.store.db import session_scope
from service.store.tables import Comment, User

SPAM = "Great article about the new bridge in our town, thanks for sharing the photos of it"
VARIANT = "Great article about the new bridge in our town! Thanks for sharing the photos of it :)"
OTHER = "I love this song so much, it reminds me of summer 2012 with my friends"


@pytest.fixture
def memory(redis_url, redis_prefix):
    return NearDuplicateMemory(connect(redis_url), RedisKeys(redis_prefix))


def test_signature_similarity_of_variants_and_unrelated_text():
    a, b, c = signature(SPAM), signature(VARIANT), signature(OTHER)
    assert a is not None and a.shape == (near_duplicates.NUM_PERM,)
    assert similarity(a, b) >= 0.7
    assert similarity(a, c) < 0.3
    assert signature("thank you!") is None  # too short to be a pattern


LONG_SPAM = ("Daftar sekarang di situs slot gacor terpercaya, deposit pulsa tanpa potongan, bonus new member "
             "100 persen, link alternatif selalu aktif, hubungi admin via WhatsApp untuk info maxwin hari ini. ") * 300


def test_signature_of_a_long_text_ignores_what_lies_past_the_cap():
    cap = near_duplicates.MAX_SHINGLE_CHARS
    assert len(near_duplicates.normalize_text(LONG_SPAM)) > 4 * cap
    head = LONG_SPAM[:cap + 500]
    a = signature(head + " completely different ending about gardening and the weather " * 200)
    b = signature(head + " yet another tail: football scores, the bus timetable and a cake recipe " * 200)
    assert (a == b).all()
    assert len(near_duplicates.shingles(LONG_SPAM)) <= cap


def test_near_duplicate_of_a_long_spam_text_is_found(memory):
    assert memory.remember(1, "long", LONG_SPAM)
    variant = "Halo kak! " + LONG_SPAM.replace("maxwin", "jackpot").replace("gacor", "g4c0r")[:40_000]
    found = memory.lookup(1, variant)
    assert found is not None and found.comment_id == "long" and found.similarity >= 0.7
    assert memory.lookup(1, OTHER * 500) is None


def test_remember_lookup_is_per_site_and_expires(memory, redis_prefix):
    assert memory.lookup(1, VARIANT) is None
    assert memory.remember(1, "c1", SPAM)
    found = memory.lookup(1, VARIANT)
    assert found is not None and found.comment_id == "c1" and found.similarity >= 0.7
    assert memory.lookup(1, OTHER) is None
    assert memory.lookup(2, VARIANT) is None  # another site never sees it
    keys = list(memory.client.scan_iter(match=f"{redis_prefix}:neardup:1:*"))
    assert len(keys) == near_duplicates.BANDS + 1
    ttls = [memory.client.ttl(k) for k in keys]
    assert all(0 < t <= NEAR_DUP_TTL for t in ttls)


def test_forget_and_clear_similar(memory):
    memory.remember(1, "c1", SPAM)
    memory.remember(1, "c2", OTHER)
    assert memory.clear_similar(1, VARIANT) == ["c1"]
    assert memory.lookup(1, SPAM) is None
    assert memory.lookup(1, OTHER).comment_id == "c2"
    assert memory.forget(1, "c2") is True
    assert memory.forget(1, "c2") is False
    assert memory.lookup(1, OTHER) is None


def test_fails_open_when_redis_is_down():
    dead = NearDuplicateMemory(connect("redis://127.0.0.1:1/0"), RedisKeys("x"))
    before = REDIS_ERRORS.labels("near_dup_lookup")._value.get()
    assert dead.remember(1, "c1", SPAM) is False
    assert dead.lookup(1, SPAM) is None
    assert dead.clear_similar(1, SPAM) == []
    assert REDIS_ERRORS.labels("near_dup_lookup")._value.get() == before + 1


def _admin(app, make_user) -> queue.Actor:
    uid = make_user("admin@saring.test", "admin")
    with session_scope(app.extensions["saring"].db) as s:
        return queue.Actor.of(s.get(User, uid))


def _post(client, auth, text):
    r = client.post("/api/v1/comments", json={"content": text, "author": "Budi", "user_ip": "192.0.2.7"},
                    headers=auth)
    assert r.status_code == 200, r.json
    return r.json


def test_moderator_spam_mark_holds_near_duplicates_at_once_and_ham_clears(app, client, auth, make_user):
    rt = app.extensions["saring"]
    actor = _admin(app, make_user)
    first = _post(client, auth, SPAM)
    assert first["decision"] == "accept"  # the model alone finds nothing wrong with it
    with rt.db.session() as s:
        queue.act(s, actor, "spam", [first["id"]])

    again = _post(client, auth, VARIANT)
    print("near-duplicate after spam mark:", again["decision"], again["spam_score"], again["reasons"][:1])
    assert again["decision"] in ("hold", "reject")
    assert any("Nearly the same as a comment moderators marked spam" in r for r in again["reasons"])
    assert _post(client, auth, OTHER)["decision"] == "accept"

    # the moderator approves the held near-duplicate: that text is fine, the memory is cleared
    with rt.db.session() as s:
        queue.act(s, actor, "approve", [again["id"]])
    assert rt.signals.near_duplicate(app_site_id(app), SPAM) is None
    assert _post(client, auth, VARIANT + " Really")["decision"] == "accept"


def app_site_id(app) -> int:
    with app.extensions["saring"].db.session() as s:
        return s.scalar(select(Comment.site_id).limit(1))


def test_undo_of_spam_mark_forgets(app, client, auth, make_user):
    rt = app.extensions["saring"]
    actor = _admin(app, make_user)
    first = _post(client, auth, SPAM)
    with rt.db.session() as s:
        queue.act(s, actor, "spam", [first["id"]])
    site = app_site_id(app)
    assert rt.signals.near_duplicate(site, VARIANT).comment_id == first["id"]
    with rt.db.session() as s:
        queue.undo(s, actor, first["id"])
    assert rt.signals.near_duplicate(site, VARIANT) is None


def test_any_committed_label_counts_and_a_rolled_back_one_does_not(app, client, auth):
    """Site reports (Akismet submit-spam) record labels through ``service.moderation.labels`` too."""
    rt = app.extensions["saring"]
    first = _post(client, auth, SPAM)
    site = app_site_id(app)
    with rt.db.session() as s:
        labels.record_label(s, s.get(Comment, first["id"]), "spam", "akismet", "key abcd…")
        s.flush()
        s.rollback()
    assert rt.signals.near_duplicate(site, VARIANT) is None
    with rt.db.session() as s:
        labels.record_label(s, s.get(Comment, first["id"]), "spam", "akismet", "key abcd…")
        s.commit()
    assert rt.signals.near_duplicate(site, VARIANT).comment_id == first["id"]
    with rt.db.session() as s:
        labels.record_label(s, s.get(Comment, first["id"]), "ham", "akismet", "key abcd…")
        s.commit()
    assert rt.signals.near_duplicate(site, VARIANT) is None


def test_rebuild_from_database_labels(app, client, auth, redis_url, redis_prefix):
    rt = app.extensions["saring"]
    first = _post(client, auth, SPAM)
    with rt.db.session() as s:
        labels.record_label(s, s.get(Comment, first["id"]), "spam", "moderator", "m")
        s.commit()
    site = app_site_id(app)
    client_ = connect(redis_url)
    for key in client_.scan_iter(match=f"{redis_prefix}:neardup:*"):
        client_.delete(key)
    assert rt.signals.near_duplicate(site, VARIANT) is None
    with rt.db.session() as s:
        assert near_duplicates.rebuild(s, rt.signals.near_dups) == 1
    assert rt.signals.near_duplicate(site, VARIANT).comment_id == first["id"]


def test_comments_are_checked_when_redis_is_down(app, client, auth, make_user):
    rt = app.extensions["saring"]
    actor = _admin(app, make_user)
    first = _post(client, auth, SPAM)
    rt.signals.client = connect("redis://127.0.0.1:1/0")
    with rt.db.session() as s:  # the label is stored; the memory update fails open
        queue.act(s, actor, "spam", [first["id"]])
    assert _post(client, auth, VARIANT)["decision"] == "accept"
    with rt.db.session() as s:
        assert s.get(Comment, first["id"]).label.label == "spam"



def test_akismet_submit_spam_holds_near_duplicates_and_submit_ham_clears(client, api_key):
    """The Akismet API end to end: comment-check, submit-spam by guid, a near-duplicate is spam."""
    form = {"api_key": api_key, "blog": "https://news.example", "user_ip": "203.0.113.9", "comment_type": "comment"}
    first = client.post("/1.1/comment-check", data={**form, "comment_content": SPAM})
    assert first.text == "false"
    guid = first.headers["X-akismet-guid"]
    r = client.post("/1.1/submit-spam", data={**form, "guid": guid, "comment_content": SPAM})
    assert r.text == "Thanks for making the web a better place."
    again = client.post("/1.1/comment-check", data={**form, "comment_content": VARIANT, "user_ip": "203.0.113.10"})
    assert again.text == "true"
    client.post("/1.1/submit-ham", data={**form, "guid": again.headers["X-akismet-guid"], "comment_content": VARIANT})
    third = client.post("/1.1/comment-check", data={**form, "comment_content": VARIANT + " Really",
                                                     "user_ip": "203.0.113.11"})
    assert third.text == "false"
