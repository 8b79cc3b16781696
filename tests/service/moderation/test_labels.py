"""service.moderation.labels: one label per comment, also when two sessions set it at once."""
from __future__ import annotations

from sqlalchemy import func, select

from service.moderation import labels
from service.accounts import sites
from service.store.db import session_scope
from service.store.tables import Comment, Label


def test_label_inserted_meanwhile_by_another_session_is_read_not_duplicated(app, make_comment):
    rt = app.extensions["saring"]
    with session_scope(rt.db) as s:
        site_id = sites.get_or_create_site(s, "https://news.example").id
    comment_id = make_comment(site_id)
    first, second = rt.db.session(), rt.db.session()
    try:
        late = second.get(Comment, comment_id)
        assert late.label is None  # loaded before the other session labels it
        row, changed = labels.record_label(first, first.get(Comment, comment_id), "spam", "moderator", "m")
        first.commit()
        assert changed
        again, changed_again = labels.record_label(second, late, "spam", "akismet", "key")
        second.commit()
        assert not changed_again and again.id == row.id and again.reporter == "m"
        other, changed_other = labels.record_label(second, late, "ham", "akismet", "key")
        second.commit()
        assert changed_other and other.id == row.id and other.label == "ham"
    finally:
        first.close()
        second.close()
    with session_scope(rt.db) as s:
        assert s.scalar(select(func.count()).select_from(Label)) == 1


def test_undo_then_label_again_in_one_session(app, make_comment):
    rt = app.extensions["saring"]
    with session_scope(rt.db) as s:
        site_id = sites.get_or_create_site(s, "https://news.example").id
    comment_id = make_comment(site_id)
    with session_scope(rt.db) as s:
        comment = s.get(Comment, comment_id)
        labels.record_label(s, comment, "spam", "moderator", "m")
        s.flush()
        assert labels.clear_label(s, comment)
        row, changed = labels.record_label(s, comment, "ham", "moderator", "m")
        assert changed and row.label == "ham"
    with session_scope(rt.db) as s:
        assert s.scalars(select(Label.label)).all() == ["ham"]
