"""service.moderation.reports: spam/ham reports become one label per comment, with an audit event."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.accounts import sites
from service.moderation.reports import find_comment, record_feedback
from service.checking.check import CommentData, check_comment
from service.store.db import session_scope
from service.store.tables import ApiKey, Comment, CommentEvent, Label

HAM = "Thanks for the clear explanation, the second example finally made it click for me."


@pytest.fixture
def ctx(app):
    rt = app.extensions["saring"]
    with session_scope(rt.db) as s:
        key_id = sites.create_key(s, "https://news.example").key_id
    session = rt.db.session()
    key = session.get(ApiKey, key_id)
    yield rt, session, key
    session.close()


def data(**kw) -> CommentData:
    return CommentData(**{"content": HAM, "author": "Ann", "user_ip": "203.0.113.5", **kw})


def test_report_by_guid_and_by_content(ctx):
    rt, s, key = ctx
    comment = check_comment(s, rt.holder.classifier, rt.signals, key.site, key, data(), source="akismet")
    assert find_comment(s, key.site_id, comment.id, data(content="other")).id == comment.id
    assert find_comment(s, key.site_id, "", data()).id == comment.id
    assert find_comment(s, key.site_id, "", data(author="Bob")) is None
    assert find_comment(s, key.site_id + 1, comment.id, data()) is None


def test_same_report_twice_is_one_label_and_one_event(ctx):
    rt, s, key = ctx
    comment = check_comment(s, rt.holder.classifier, rt.signals, key.site, key, data(), source="akismet")
    first = record_feedback(s, rt.holder.classifier, key.site, key, data(), "spam", reporter="mod")
    again = record_feedback(s, rt.holder.classifier, key.site, key, data(), "spam", reporter="mod")
    assert (first.label_changed, again.label_changed) == (True, False)
    assert first.missed_spam is (comment.decision == "accept") and not again.missed_spam
    assert s.scalar(select(func.count()).select_from(Label)) == 1
    actions = s.scalars(select(CommentEvent.action).where(CommentEvent.comment_id == comment.id)
                        .order_by(CommentEvent.id)).all()
    assert actions == ["decide", "report_spam"]
    assert s.get(Comment, comment.id).status == "spam"
    assert s.scalars(select(Label.reporter)).one() == "mod"


def test_newest_report_wins_and_counts_false_positive(ctx):
    rt, s, key = ctx
    held = check_comment(s, rt.holder.classifier, rt.signals, key.site, key,
                         data(author="akismet-guaranteed-spam", is_test=True), source="akismet")
    assert held.decision == "hold"
    result = record_feedback(s, rt.holder.classifier, key.site, key, data(author="akismet-guaranteed-spam"), "ham",
                             guid=held.id)
    assert result.false_positive and s.get(Comment, held.id).label.label == "ham"


def test_unknown_comment_is_stored_from_the_report(ctx):
    rt, s, key = ctx
    result = record_feedback(s, rt.holder.classifier, key.site, key, data(content="Buy now"), "spam", reporter="")
    assert result.stored_new and result.label_changed and not result.missed_spam
    row = s.get(Comment, result.comment.id)
    assert (row.source, row.status, row.label.source, row.label.reporter) == ("report", "spam", "akismet",
                                                                               f"key {key.key_hint}…")


def test_is_test_report_changes_no_label(ctx):
    rt, s, key = ctx
    comment = check_comment(s, rt.holder.classifier, rt.signals, key.site, key, data(), source="akismet")
    result = record_feedback(s, rt.holder.classifier, key.site, key, data(is_test=True), "spam")
    assert not result.label_changed and s.get(Comment, comment.id).label is None
    with pytest.raises(ValueError):
        record_feedback(s, rt.holder.classifier, key.site, key, data(), "maybe")


def _concurrently(rt, key_id: int, n: int, report) -> list:
    """Run ``report(session, key)`` in ``n`` threads released together, each with its own session
    (``n`` stays below the connection pool's 15);
    returns each thread's result or exception."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(n)

    def one(_i):
        session = rt.db.session()
        try:
            key = session.get(ApiKey, key_id)
            barrier.wait(10)
            return report(session, key)
        except Exception as exc:  # noqa: BLE001 - returned so the test can show it
            session.rollback()
            return exc
        finally:
            session.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_reports_of_an_unseen_comment_store_one_comment_and_one_label(ctx):
    rt, s, key = ctx
    results = _concurrently(rt, key.id, 8, lambda session, k: record_feedback(
        session, rt.holder.classifier, k.site, k, data(content="Cheap watches, unseen"), "spam"))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(r.stored_new for r in results) == 1 and sum(r.label_changed for r in results) == 1
    assert s.scalar(select(func.count()).select_from(Comment)) == 1
    assert s.scalar(select(func.count()).select_from(Label)) == 1
    assert s.scalars(select(CommentEvent.action)).all() == ["report_spam"]


def test_concurrent_reports_by_guid_are_one_label(ctx):
    rt, s, key = ctx
    comment = check_comment(s, rt.holder.classifier, rt.signals, key.site, key, data(), source="akismet")
    results = _concurrently(rt, key.id, 8, lambda session, k: record_feedback(
        session, rt.holder.classifier, k.site, k, data(), "spam", guid=comment.id))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(r.label_changed for r in results) == 1
    assert s.scalar(select(func.count()).select_from(Label)) == 1
    assert s.scalars(select(CommentEvent.action).where(CommentEvent.comment_id == comment.id)
                     .order_by(CommentEvent.id)).all() == ["decide", "report_spam"]


def test_report_id_is_deterministic_per_site_and_comment():
    from service.moderation.reports import report_comment_id

    assert report_comment_id(1, data()) == report_comment_id(1, data())
    assert len({report_comment_id(1, data()), report_comment_id(2, data()), report_comment_id(1, data(author="B")),
                report_comment_id(1, data(content="x")), report_comment_id(1, data(user_ip="203.0.113.6"))}) == 5


def test_report_after_a_concurrent_moderator_move_keeps_the_revision_order(ctx, mod_app, make_user):
    """A report working on a copy of the comment loaded before a moderator moved it must not write
    the stale revision + 1 (the moderator's revision again): it moves with the revision check."""
    from service import moderation
    from service.store.tables import User

    rt, s, key = ctx
    comment = check_comment(s, rt.holder.classifier, rt.signals, key.site, key,
                            data(author="akismet-guaranteed-spam", is_test=True), source="akismet")
    assert (comment.status, comment.revision) == ("held", 1)
    uid = make_user("admin@saring.test", "admin")
    with rt.db.session() as other:
        moderation.act(other, moderation.Actor.of(other.get(User, uid)), "approve", [comment.id])
    result = record_feedback(s, rt.holder.classifier, key.site, key, data(author="akismet-guaranteed-spam",
                             is_test=True), "spam", guid=comment.id)
    assert result.label_changed
    with rt.db.session() as fresh:
        row = fresh.get(Comment, comment.id)
        assert (row.status, row.revision) == ("spam", 3)
        events = fresh.scalars(select(CommentEvent).where(CommentEvent.comment_id == comment.id)
                               .order_by(CommentEvent.id)).all()
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("decide", None, "held"), ("approve", "held", "accepted"), ("report_spam", "accepted", "spam")]
