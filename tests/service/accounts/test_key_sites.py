"""One key, several sites (service.accounts.key_sites): which site a key's ``blog`` is stored under."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from service.accounts import key_sites
from service.errors import ValidationFailed
from service.store import site_audit
from service.store.db import session_scope
from service.store.tables import ApiKey, KeySite, Site, SiteEvent, User


def choose(db, key_id: int, blog: str, create: bool = True) -> tuple[str, str, str] | None:
    """``(rule, site url, note)`` for the key and blog, committed."""
    with session_scope(db) as s:
        choice = key_sites.site_for_blog(s, s.get(ApiKey, key_id), blog, create=create)
        return None if choice is None else (choice.rule, choice.site.url, choice.note)


def test_the_keys_own_site_in_any_spelling(clean_db, new_key):
    k = new_key("https://blog.example")
    assert choose(clean_db, k, "https://Blog.example/") == ("own", "https://blog.example", "")
    assert choose(clean_db, k, "http://blog.example") == ("own", "https://blog.example", "")  # scheme only differs
    with session_scope(clean_db) as s:
        assert s.scalars(select(Site.url)).all() == ["https://blog.example"]


def test_a_new_blog_becomes_a_site_the_key_covers(clean_db, new_key):
    k = new_key("https://blog.example")
    assert choose(clean_db, k, "https://shop.example/store/") == ("new", "https://shop.example/store", "")
    assert choose(clean_db, k, "https://shop.example/store") == ("covered", "https://shop.example/store", "")
    with session_scope(clean_db) as s:
        key = s.get(ApiKey, k)
        (site,) = key_sites.covered_sites(s, key)
        assert (site.url, site.name) == ("https://shop.example/store", "shop.example")
        assert key_sites.covers(s, key, site.id) and key_sites.covers(s, key, key.site_id)
        assert key_sites.site_key_ids(s, site.id) == {k}
        (event,) = s.scalars(select(SiteEvent).where(SiteEvent.site_id == site.id)).all()
        assert event.action == "site_create" and event.detail["by_key_id"] == k
        assert "first named as blog by key" in site_audit.describe(event)


def test_another_keys_site_is_never_written_into(clean_db, new_key):
    mine, theirs = new_key("https://blog.example"), new_key("https://other.example")
    rule, url, note = choose(clean_db, mine, "https://other.example")
    assert (rule, url) == ("not_covered", "https://blog.example")
    assert note == ("blog https://other.example is a site this key does not cover: stored and counted under "
                    "the key's site https://blog.example")
    # a site another key created by covering it is that key's too
    assert choose(clean_db, theirs, "https://forum.example")[0] == "new"
    assert choose(clean_db, mine, "https://forum.example")[:2] == ("not_covered", "https://blog.example")
    with session_scope(clean_db) as s:
        assert not key_sites.covered_sites(s, s.get(ApiKey, mine))


def test_own_or_covered_wins_over_a_foreign_site_of_the_other_scheme(clean_db, new_key):
    mine = new_key("https://blog.example")
    new_key("http://blog.example")  # another key's site, same address over http
    assert choose(clean_db, mine, "http://blog.example")[:2] == ("own", "https://blog.example")


def test_read_only_lookups_create_nothing(clean_db, new_key):
    k = new_key("https://blog.example")
    assert choose(clean_db, k, "https://new.example", create=False) is None
    with session_scope(clean_db) as s:
        assert s.scalars(select(Site.url)).all() == ["https://blog.example"]


def test_moderators_of_the_keys_site_moderate_the_new_site(clean_db, new_key, make_user):
    k = new_key("https://blog.example")
    new_key("https://elsewhere.example")
    make_user("mod@example.com", sites=["https://blog.example"])
    make_user("other@example.com", sites=["https://elsewhere.example"])
    choose(clean_db, k, "https://shop.example")
    with session_scope(clean_db) as s:
        by_email = {u.email: sorted(site.url for site in u.sites) for u in s.scalars(select(User))}
    assert by_email == {"mod@example.com": ["https://blog.example", "https://shop.example"],
                        "other@example.com": ["https://elsewhere.example"]}


def test_past_the_limit_a_new_blog_goes_to_the_keys_site(clean_db, new_key, monkeypatch):
    monkeypatch.setattr(key_sites, "MAX_COVERED_SITES", 1)
    k = new_key("https://blog.example")
    assert choose(clean_db, k, "https://one.example")[0] == "new"
    rule, url, note = choose(clean_db, k, "https://two.example")
    assert (rule, url) == ("limit", "https://blog.example") and "already covers 1 sites" in note
    assert choose(clean_db, k, "https://one.example")[0] == "covered"  # the covered one still is


def test_a_blog_created_meanwhile_is_not_created_twice(clean_db, new_key):
    """The losing side of a race sees the winner's site (insert-or-ignore), covered or foreign."""
    mine, theirs = new_key("https://blog.example"), new_key("https://other.example")
    with session_scope(clean_db) as s:
        key = s.get(ApiKey, mine)
        s.add(Site(url="https://race.example", name="race"))
        s.flush()
        other = s.get(ApiKey, theirs)
        s.add(KeySite(api_key_id=other.id, site_id=s.scalars(select(Site.id).where(Site.url == "https://race.example")).one()))
        s.flush()
        choice = key_sites._create_covered(s, key, key.site, "https://race.example")  # noqa: SLF001 - the race path
        assert (choice.rule, choice.site.url) == ("not_covered", "https://blog.example")
        assert s.scalars(select(Site.url).where(Site.url == "https://race.example")).all() == ["https://race.example"]


def test_a_bad_blog_is_a_validation_error(clean_db, new_key):
    k = new_key("https://blog.example")
    with pytest.raises(ValidationFailed):
        choose(clean_db, k, "/my-blog")


def test_a_site_that_gets_a_key_of_its_own_is_no_longer_covered_by_the_key_that_named_it(clean_db, new_key):
    """A key that names an address first (squatting it) loses it once its owner registers a key."""
    squatter = new_key("https://blog.example")
    assert choose(clean_db, squatter, "https://shop.example")[0] == "new"
    owner = new_key("https://shop.example")
    rule, url, note = choose(clean_db, squatter, "https://shop.example")
    assert (rule, url) == ("not_covered", "https://blog.example") and "does not cover" in note
    assert choose(clean_db, owner, "https://shop.example")[:2] == ("own", "https://shop.example")
    with session_scope(clean_db) as s:
        key = s.get(ApiKey, squatter)
        shop = s.scalars(select(Site).where(Site.url == "https://shop.example")).one()
        assert not key_sites.covers(s, key, shop.id) and key_sites.covered_sites(s, key) == []
        assert key_sites.site_key_ids(s, shop.id) == {owner}
        assert [k.id for k in key_sites.covering_keys(s, shop.id)] == [squatter]


@pytest.mark.parametrize("blog", ["https://other.example:443", "https://other.example.", "https://OTHER.example.:443/",
                                  "http://other.example:80"])
def test_the_default_port_or_a_root_dot_names_the_same_site(clean_db, new_key, blog):
    """They made a new site the key then covered, beside the other key's own."""
    mine = new_key("https://blog.example")
    new_key("https://other.example")
    assert choose(clean_db, mine, blog)[:2] == ("not_covered", "https://blog.example")
    with session_scope(clean_db) as s:
        assert sorted(s.scalars(select(Site.url))) == ["https://blog.example", "https://other.example"]
