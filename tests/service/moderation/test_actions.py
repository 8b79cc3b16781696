"""service.moderation.actions: listing, counts, overview, actions, undo, all-or-nothing, concurrency, labels."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from service import moderation as queue
from service.moderation import labels
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.store.tables import Comment, CommentEvent, Label, User, WebhookDelivery


@pytest.fixture
def two_sites(make_site):
    return make_site("https://news.example"), make_site("https://other.example")


@pytest.fixture
def admin(clean_db, make_user):
    uid = make_user("admin@saring.test", "admin")
    with clean_db.session() as s:
        return queue.Actor.of(s.get(User, uid))


@pytest.fixture
def mod(clean_db, make_user, two_sites):
    uid = make_user("mod@news.example", "moderator", ["https://news.example"])
    with clean_db.session() as s:
        user = s.get(User, uid)
        return queue.Actor.of(user)


def events_of(db, cid):
    with db.session() as s:
        return [(e.action, e.from_status, e.to_status, e.actor, e.undone)
                for e in s.scalars(select(CommentEvent).where(CommentEvent.comment_id == cid).order_by(CommentEvent.id))]


def state(db, cid):
    with db.session() as s:
        c = s.get(Comment, cid)
        label = s.scalar(select(Label.label).where(Label.comment_id == cid))
        return c.status, c.revision, label


# --------------------------------------------------------------------------- listing


def test_list_filters_sort_pagination(clean_db, two_sites, make_comment, admin):
    news, other = two_sites
    t0 = dt.datetime(2026, 11, 1, 12, tzinfo=dt.timezone.utc)
    ids = [make_comment(news, spam_score=0.5 + i / 100, created_at=t0 + dt.timedelta(hours=i),
                        content=f"comment number {i}", author=f"author{i}") for i in range(12)]
    make_comment(news, "accepted", spam_score=0.1)
    make_comment(other, spam_score=0.99, content="on the other site")
    with clean_db.session() as s:
        page = queue.list_comments(s, admin, queue.QueueFilter(site_id=news, per_page=5))
        assert page.total == 12 and page.pages == 3 and [c.id for c in page.items] == ids[::-1][:5]
        page3 = queue.list_comments(s, admin, queue.QueueFilter(site_id=news, per_page=5, page=3))
        assert [c.id for c in page3.items] == ids[::-1][10:]
        by_score = queue.list_comments(s, admin, queue.QueueFilter(sort="score", per_page=3))
        assert by_score.items[0].content == "on the other site"
        scored = queue.list_comments(s, admin, queue.QueueFilter(min_score=0.55, max_score=0.58))
        assert sorted(c.content for c in scored.items) == [f"comment number {i}" for i in (5, 6, 7, 8)]
        dated = queue.list_comments(s, admin, queue.QueueFilter(
            since=t0 + dt.timedelta(hours=3), until=t0 + dt.timedelta(hours=5)))
        assert sorted(c.content for c in dated.items) == ["comment number 3", "comment number 4"]
        found = queue.list_comments(s, admin, queue.QueueFilter(q="NUMBER 1"))  # 1, 10, 11
        assert found.total == 3
        found = queue.list_comments(s, admin, queue.QueueFilter(q="author7"))
        assert [c.content for c in found.items] == ["comment number 7"]
        assert queue.list_comments(s, admin, queue.QueueFilter(q="100%_")).total == 0  # LIKE wildcards are literal
        every = queue.list_comments(s, admin, queue.QueueFilter(status=None, per_page=200))
        assert every.total == 14


def test_moderator_sees_only_their_sites(clean_db, two_sites, make_comment, mod):
    news, other = two_sites
    mine = make_comment(news)
    theirs = make_comment(other)
    with clean_db.session() as s:
        page = queue.list_comments(s, mod, queue.QueueFilter())
        assert [c.id for c in page.items] == [mine]
        assert queue.status_counts(s, mod)["held"] == 1
        with pytest.raises(Forbidden):
            queue.list_comments(s, mod, queue.QueueFilter(site_id=other))
        with pytest.raises(Forbidden):
            queue.get_comment(s, mod, theirs)
        with pytest.raises(NotFound):
            queue.get_comment(s, mod, "0" * 32)
        assert [site.url for site in queue.visible_sites(s, mod)] == ["https://news.example"]


@pytest.mark.parametrize("kwargs,field", [
    ({"status": "pending"}, "status"), ({"min_score": 1.5}, "min_score"),
    ({"sort": "random"}, "sort"), ({"page": 0}, "page"), ({"per_page": 1000}, "per_page"), ({"q": "x" * 201}, "q"),
])
def test_bad_filters_name_the_field(clean_db, admin, kwargs, field):
    with clean_db.session() as s, pytest.raises(ValidationFailed) as err:
        queue.list_comments(s, admin, queue.QueueFilter(**kwargs))
    assert err.value.field == field


@pytest.mark.parametrize("kwargs", [{"min_score": 0.9, "max_score": 0.1},
                                    {"since": dt.datetime(2026, 2, 1), "until": dt.datetime(2026, 1, 1)}])
def test_an_empty_range_matches_nothing(clean_db, two_sites, make_comment, admin, kwargs):
    """Not an error (the OpenAPI document cannot say "min ≤ max"): the range holds no comment."""
    news, _ = two_sites
    make_comment(news, spam_score=0.5, created_at=dt.datetime(2026, 1, 15, tzinfo=dt.timezone.utc))
    with clean_db.session() as s:
        assert queue.list_comments(s, admin, queue.QueueFilter(status=None)).total == 1
        page = queue.list_comments(s, admin, queue.QueueFilter(status=None, **kwargs))
    assert page.total == 0 and page.items == []


def test_counts_and_overview(clean_db, two_sites, make_comment, admin):
    news, _ = two_sites
    today = dt.datetime.now(dt.timezone.utc)
    a = make_comment(news)
    b = make_comment(news)
    make_comment(news, "accepted", spam_score=0.05)
    make_comment(news, "rejected", spam_score=0.99, created_at=today - dt.timedelta(days=2))
    with clean_db.session() as s:
        queue.act(s, admin, "spam", [a])
        queue.act(s, admin, "approve", [b])
        queue.undo(s, admin, b)  # undone: not counted as a decision
        counts = queue.status_counts(s, admin, news)
        assert counts == {"accepted": 1, "held": 1, "rejected": 1, "spam": 1, "ham": 0}
        [ov] = [o for o in queue.site_overview(s, admin, days=7) if o.site.id == news]
        assert ov.counts == counts
        assert len(ov.days) == 7 and ov.days[-1].day == today.date()
        last, two_ago = ov.days[-1], ov.days[-3]
        assert (last.held, last.accepted, last.spam, last.approve) == (2, 1, 1, 0)
        assert two_ago.rejected == 1


# --------------------------------------------------------------------------- actions


def test_approve_spam_reject_labels_and_events(clean_db, two_sites, make_comment, mod):
    news, _ = two_sites
    a, b, c = (make_comment(news) for _ in range(3))
    with clean_db.session() as s:
        r = queue.act(s, mod, "approve", [a], {a: 1}, reason="fine")
        assert [(m.comment_id, m.from_status, m.to_status, m.revision, m.label) for m in r.moved] == [
            (a, "held", "accepted", 2, "ham")]
        queue.act(s, mod, "spam", [b])
        queue.act(s, mod, "reject", [c])
    assert state(clean_db, a) == ("accepted", 2, "ham")
    assert state(clean_db, b) == ("spam", 2, "spam")
    assert state(clean_db, c) == ("rejected", 2, None)
    assert events_of(clean_db, a) == [("decide", None, "held", "model test-model", False),
                                      ("approve", "held", "accepted", "mod@news.example", False)]
    with clean_db.session() as s:
        ev = s.scalars(select(CommentEvent).where(CommentEvent.comment_id == a, CommentEvent.action == "approve")).one()
        assert ev.reason == "fine" and ev.user_id == mod.user_id and ev.actor_type == "moderator"


def test_bulk_is_all_or_nothing(clean_db, two_sites, make_comment, mod):
    news, other = two_sites
    ids = [make_comment(news) for _ in range(3)]
    foreign = make_comment(other)
    with clean_db.session() as s:
        with pytest.raises(NotFound) as nf:
            queue.act(s, mod, "spam", ids + ["f" * 32])
        assert nf.value.fields == {"missing": ["f" * 32]}
        with pytest.raises(Forbidden):
            queue.act(s, mod, "spam", ids + [foreign])
        queue.act(s, mod, "approve", [ids[1]])
        with pytest.raises(Conflict) as cf:  # one of them was already moved: nothing happens to the others
            queue.act(s, mod, "spam", ids, {i: 1 for i in ids})
        assert ids[1] in cf.value.fields["conflicts"]
        assert "mod@news.example" in cf.value.message
    assert [state(clean_db, i)[0] for i in ids] == ["held", "accepted", "held"]
    assert state(clean_db, foreign) == ("held", 1, None)
    with clean_db.session() as s:
        assert s.scalar(select(func.count(Label.id))) == 1
        assert s.scalar(select(func.count(CommentEvent.id)).where(CommentEvent.action == "spam")) == 0


def test_same_action_twice_is_one_event(clean_db, two_sites, make_comment, mod):
    news, _ = two_sites
    cid = make_comment(news)
    with clean_db.session() as s:
        queue.act(s, mod, "spam", [cid, cid])  # duplicate ids in one call count once
        with pytest.raises(Conflict, match="already spam"):
            queue.act(s, mod, "spam", [cid])
        with pytest.raises(Conflict, match="changed since you saw it"):
            queue.act(s, mod, "approve", [cid], {cid: 1})
    assert [e[0] for e in events_of(clean_db, cid)] == ["decide", "spam"]


@pytest.mark.parametrize("action,ids,revs,field", [
    ("delete", ["a" * 32], None, "action"), ("spam", [], None, "ids"), ("spam", "abc", None, "ids"),
    ("spam", ["a" * 32], {"a" * 32: 0}, "expected_revisions"),
    ("spam", [f"{i:032x}" for i in range(queue.MAX_BULK + 1)], None, "ids"),
])
def test_bad_action_input(clean_db, admin, action, ids, revs, field):
    with clean_db.session() as s, pytest.raises(ValidationFailed) as err:
        queue.act(s, admin, action, ids, revs)
    assert err.value.field == field


def test_undo_restores_status_and_label_and_marks_event(clean_db, two_sites, make_comment, mod):
    news, _ = two_sites
    cid = make_comment(news)
    with clean_db.session() as s:
        queue.act(s, mod, "approve", [cid])
        queue.act(s, mod, "spam", [cid])
        r = queue.undo(s, mod, cid, expected_revision=3)
        assert (r.moved[0].from_status, r.moved[0].to_status, r.moved[0].label) == ("spam", "accepted", "ham")
        with pytest.raises(Conflict, match="nothing to undo"):  # only the last action, once
            queue.undo(s, mod, cid)
    assert state(clean_db, cid) == ("accepted", 4, "ham")
    assert events_of(clean_db, cid)[1:] == [
        ("approve", "held", "accepted", "mod@news.example", False),
        ("spam", "accepted", "spam", "mod@news.example", True),
        ("undo", "spam", "accepted", "mod@news.example", False),
    ]


def test_undo_needs_a_moderator_action_and_current_revision(clean_db, two_sites, make_comment, mod):
    news, _ = two_sites
    cid = make_comment(news)
    with clean_db.session() as s:
        with pytest.raises(Conflict, match="nothing to undo"):
            queue.undo(s, mod, cid)
        queue.act(s, mod, "reject", [cid])
        with pytest.raises(Conflict, match="changed since you saw it"):
            queue.undo(s, mod, cid, expected_revision=1)
        queue.undo(s, mod, cid, expected_revision=2)
    assert state(clean_db, cid) == ("held", 3, None)


def test_hold_spam_undo_ham_audit_log(clean_db, two_sites, make_comment, mod, capsys):
    """The audit log of a comment moved hold → spam → undo → ham (printed for the closing note)."""
    from service.cli.comments import format_history
    from sqlalchemy.orm import joinedload, selectinload

    news, _ = two_sites
    cid = make_comment(news, spam_score=0.72)
    with clean_db.session() as s:
        queue.act(s, mod, "spam", [cid], {cid: 1})
        queue.undo(s, mod, cid, expected_revision=2)
        queue.act(s, mod, "approve", [cid], {cid: 3}, reason="a real reader")
    with clean_db.session() as s:
        c = s.get(Comment, cid, options=[joinedload(Comment.site), selectinload(Comment.events),
                                         selectinload(Comment.label)])
        lines = format_history(c)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert [e[:3] for e in events_of(clean_db, cid)] == [
        ("decide", None, "held"), ("spam", "held", "spam"), ("undo", "spam", "held"), ("approve", "held", "accepted")]
    assert events_of(clean_db, cid)[1][4] is True  # the spam event is marked undone
    assert state(clean_db, cid) == ("accepted", 4, "ham")


def test_label_observers_told_after_commit_and_errors_do_not_fail(clean_db, two_sites, make_comment, mod):
    news, _ = two_sites
    cid = make_comment(news, content="slot gacor maxwin")
    seen = []

    def observer(change):
        seen.append((change.comment_id, change.label, change.content))
        raise RuntimeError("observer bug")

    labels.observe(clean_db.engine, observer)
    try:
        with clean_db.session() as s:
            queue.act(s, mod, "spam", [cid])
            queue.undo(s, mod, cid)
            comment = s.get(Comment, cid)
            labels.record_label(s, comment, "ham", "moderator", "x")
            s.rollback()  # a rolled-back label is never told
    finally:
        labels.unobserve(clean_db.engine, observer)
    assert seen == [(cid, "spam", "slot gacor maxwin"), (cid, None, "slot gacor maxwin")]
    assert state(clean_db, cid)[0] == "held"


def test_webhook_rows_recorded_with_the_action(clean_db, make_site, make_comment, mod_app, make_user):
    hooked = make_site("https://news.example", callback_url="http://127.0.0.1:9/hook", secret="s" * 32)
    plain = make_site("https://plain.example")
    a, b = make_comment(hooked), make_comment(plain)
    uid = make_user("admin@saring.test", "admin")
    with clean_db.session() as s:
        actor = queue.Actor.of(s.get(User, uid))
        r = queue.act(s, actor, "spam", [a, b], jobs=None)
        assert len(r.delivery_ids) == 1
        row = s.get(WebhookDelivery, r.delivery_ids[0])
        assert row.status == "pending" and row.comment_id == a
        assert row.payload["action"] == "spam" and row.payload["status"] == "spam" and row.payload["revision"] == 2
        assert row.payload["label"] == "spam" and row.payload["moderator"] == "admin@saring.test"


def test_two_moderators_race_one_wins(clean_db, two_sites, make_comment, make_user):
    """Two moderators act on one comment at the same moment (separate sessions and threads)."""
    news, _ = two_sites
    uids = [make_user(f"m{i}@news.example", "moderator", ["https://news.example"]) for i in range(2)]
    with clean_db.session() as s:
        actors = [queue.Actor.of(s.get(User, u)) for u in uids]
    for round_ in range(5):
        cid = make_comment(news)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def run(actor, action):
            with clean_db.session() as s:
                barrier.wait()
                try:
                    queue.act(s, actor, action, [cid], {cid: 1})
                    outcomes.append("ok")
                except Conflict:
                    outcomes.append("conflict")

        threads = [threading.Thread(target=run, args=(actors[0], "approve")),
                   threading.Thread(target=run, args=(actors[1], "spam"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes) == ["conflict", "ok"], (round_, outcomes)
        events = events_of(clean_db, cid)
        assert len(events) == 2 and state(clean_db, cid)[1] == 2
        with clean_db.session() as s:
            assert s.scalar(select(func.count(Label.id)).where(Label.comment_id == cid)) == (
                1 if events[1][0] in ("approve", "spam") else 0)
