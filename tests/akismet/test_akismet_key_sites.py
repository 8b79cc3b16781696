"""One key, several sites (docs/akismet.md): storage, queue, overview, usage counters and key-sites
agree on the site of every comment, through the in-process app (real Redis, real database)."""
from __future__ import annotations

from akismet_support import BLOG, OTHER_BLOG, stored
from sqlalchemy import func, select

from service.accounts import sites
from service.moderation.actors import Actor
from service.moderation.overview import site_overview
from service.store.db import session_scope
from service.store.tables import Comment, Site, User

SHOP = "https://shop.example/store"
HAM_TEXT = "Thanks for the clear explanation, the second example finally made it click for me."


def check(client, key, blog, spam=False, **fields):
    who = {"comment_author": "akismet-guaranteed-spam"} if spam else {"user_role": "administrator"}
    r = client.post("/1.1/comment-check", data={"api_key": key, "blog": blog, "user_ip": "203.0.113.80",
                                                "comment_content": HAM_TEXT, **who, **fields})
    assert r.status_code == 200 and r.text == ("true" if spam else "false"), r.headers.get("X-akismet-debug-help")
    return r.headers["X-akismet-guid"]


def site_of(db, guid: str) -> str:
    """The URL of the site comment ``guid`` is stored under."""
    with session_scope(db) as s:
        return s.scalars(select(Site.url).join(Comment, Comment.site_id == Site.id).where(Comment.id == guid)).one()


def key_sites(client, key) -> dict[str, dict]:
    data = client.get(f"/1.2/key-sites?api_key={key}").json
    (month,) = [k for k in data if k not in ("limit", "offset", "total")]
    return {row["site"]: row for row in data[month]}


def comments_per_site(db) -> dict[str, int]:
    with session_scope(db) as s:
        return dict(s.execute(select(Site.url, func.count(Comment.id)).join(Comment, Comment.site_id == Site.id)
                              .group_by(Site.url)).all())


def overview_counts(db, email) -> dict[str, int]:
    with session_scope(db) as s:
        actor = Actor.of(s.scalars(select(User).where(User.email == email)).one())
        return {o.site.url: sum(o.counts.values()) for o in site_overview(s, actor)}


def test_a_new_blog_is_stored_queued_and_counted_under_its_own_site(client, k1, clean_db, make_user):
    make_user("mod@example.com", sites=[BLOG])
    make_user("admin@example.com", role="admin")
    check(client, k1, BLOG)
    guid = check(client, k1, SHOP, spam=True)
    check(client, k1, SHOP)
    row = stored(clean_db, guid)
    assert (site_of(clean_db, guid), row.blog, row.status) == (SHOP, SHOP, "held")
    assert "site_note" not in row.extra
    assert comments_per_site(clean_db) == {BLOG: 1, SHOP: 2}
    rows = key_sites(client, k1)
    assert {site: (r["api_calls"], r["spam"], r["ham"]) for site, r in rows.items()} == {BLOG: (1, 0, 1),
                                                                                        SHOP: (2, 1, 1)}
    # the moderator of the key's site moderates the new site too; the admin sees every site
    assert overview_counts(clean_db, "mod@example.com") == {BLOG: 1, SHOP: 2}
    assert overview_counts(clean_db, "admin@example.com") == {BLOG: 1, SHOP: 2}


def test_another_keys_site_is_not_written_into(client, k1, other_key, clean_db, make_user):
    make_user("theirs@example.com", sites=[OTHER_BLOG])
    guid = check(client, k1, OTHER_BLOG, spam=True)
    row = stored(clean_db, guid)
    assert (site_of(clean_db, guid), row.blog) == (BLOG, OTHER_BLOG)  # stored under the key's own site
    assert row.extra["site_note"] == (f"blog {OTHER_BLOG} is a site this key does not cover: stored and "
                                      f"counted under the key's site {BLOG}")
    assert comments_per_site(clean_db) == {BLOG: 1}
    from service.checking.why import explain

    assert explain(row)["site_note"] == row.extra["site_note"]  # shown with the comment's why
    assert overview_counts(clean_db, "theirs@example.com") == {OTHER_BLOG: 0}
    assert {site: r["spam"] for site, r in key_sites(client, k1).items()} == {BLOG: 1}
    assert key_sites(client, other_key) == {}
    # a report naming the other site finds the comment where it was stored, and counts it there
    r = client.post("/1.1/submit-ham", data={"api_key": k1, "blog": OTHER_BLOG, "user_ip": "203.0.113.80",
                                             "guid": guid})
    assert r.text == "Thanks for making the web a better place."
    assert stored(clean_db, guid).status == "ham"
    assert {site: (r["api_calls"], r["false_positives"]) for site, r in key_sites(client, k1).items()} == {
        BLOG: (2, 1)}


def test_reports_on_a_covered_site_find_and_count_the_comment_there(client, k1, clean_db):
    guid = check(client, k1, SHOP)
    r = client.post("/1.1/submit-spam", data={"api_key": k1, "blog": SHOP, "user_ip": "203.0.113.80", "guid": guid})
    assert r.text == "Thanks for making the web a better place."
    assert stored(clean_db, guid).status == "spam"
    assert comments_per_site(clean_db) == {SHOP: 1}  # found, not stored again
    assert key_sites(client, k1)[SHOP]["missed_spam"] == 1


def test_every_counter_agrees_with_key_sites(client, k1, other_key, clean_db):
    check(client, k1, BLOG)
    check(client, k1, SHOP, spam=True)
    check(client, k1, OTHER_BLOG)
    rows = key_sites(client, k1)
    calls = sum(r["api_calls"] for r in rows.values())
    assert calls == 3 and set(rows) == {BLOG, SHOP}
    assert client.get(f"/1.2/usage-limit?api_key={k1}").json["usage"] == calls
    key_stats = client.post("/1.2/get-key-stats", data={"key": k1}).json
    assert (key_stats["api_calls"], key_stats["spam"], key_stats["ham"]) == (3, 1, 2)
    for blog in (BLOG, SHOP):
        figures = client.post("/1.1/get-stats", data={"key": k1, "blog": blog, "from": "6-months"}).json
        assert (figures["spam"], figures["ham"]) == (rows[blog]["spam"], rows[blog]["ham"])
    # the other site's blog shows the figures of the site its comments went to: the key's own
    assert client.post("/1.1/get-stats", data={"key": k1, "blog": OTHER_BLOG}).json["site"] == BLOG


def test_the_json_api_reads_comments_of_the_sites_a_key_covers(client, k1, other_key, clean_db):
    guid = check(client, k1, SHOP)
    assert client.get(f"/api/v1/comments/{guid}", headers={"Authorization": f"Bearer {k1}"}).status_code == 200
    r = client.get(f"/api/v1/comments/{guid}", headers={"Authorization": f"Bearer {other_key}"})
    assert r.status_code == 404


def test_verify_key_and_get_stats_create_no_site(client, k1, clean_db):
    assert client.post("/1.1/verify-key", data={"key": k1, "blog": SHOP}).text == "valid"
    figures = client.post("/1.1/get-stats", data={"key": k1, "blog": SHOP, "from": "all"}).json
    assert (figures["spam"], figures["site"]) == (0, None)
    with session_scope(clean_db) as s:
        assert s.scalars(select(Site.url)).all() == [BLOG]
        assert sites.find_site(s, SHOP) is None


def test_a_key_that_named_a_blog_first_loses_it_when_the_site_gets_its_own_key(client, k1, clean_db):
    """Squatting: k1 names SHOP before its owner registers it; afterwards k1 can neither read the
    owner's comments, report on them nor write into the owner's queue."""
    check(client, k1, SHOP)
    with session_scope(clean_db) as s:
        owner = sites.create_key(s, SHOP).key
    guid = check(client, owner, SHOP)
    assert site_of(clean_db, guid) == SHOP
    assert client.get(f"/api/v1/comments/{guid}", headers={"Authorization": f"Bearer {k1}"}).status_code == 404
    assert site_of(clean_db, check(client, k1, SHOP)) == BLOG
    r = client.post("/1.1/submit-spam", data={"api_key": k1, "blog": SHOP, "user_ip": "203.0.113.80",
                                             "guid": guid, "comment_content": HAM_TEXT})
    assert r.text == "Thanks for making the web a better place."
    assert stored(clean_db, guid).status == "accepted"
    assert SHOP not in key_sites(client, k1) or key_sites(client, k1)[SHOP]["api_calls"] == 1  # its first call only
