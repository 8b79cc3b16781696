"""service.pages.moderation.views through Flask's test client: sign-in, CSRF, escaping, headers,
site separation, the form fallback without JavaScript, the overview."""
from __future__ import annotations

import re

import pytest

from service.accounts import users
from service.store.db import session_scope
from service.store.tables import Comment, User

XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)"> read this'


@pytest.fixture
def world(mod_app, make_site, make_user, make_comment):
    news = make_site("https://news.example")
    other = make_site("https://other.example")
    make_user("mod@news.example", "moderator", ["https://news.example"])
    ids = {
        "xss": make_comment(news, content=XSS, author='<b>bold</b>', author_url="javascript:alert(2)",
                            permalink="https://news.example/2026/banjir", user_ip="198.51.100.7",
                            author_email="x@spam.example"),
        "plain": make_comment(news, content="Info slot gacor", author_url="https://www.gacor.co.id/daftar"),
        "foreign": make_comment(other, content="only for other.example moderators"),
    }
    return {**ids, "news_site": news, "other_site": other}


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.fixture
def browser(mod_app, world, sign_in):
    client = mod_app.test_client()
    assert sign_in(client, "mod@news.example").status_code == 302
    return client


def test_pages_need_sign_in_and_next_is_kept(mod_app, world):
    client = mod_app.test_client()
    r = client.get("/moderation/overview")
    assert r.status_code == 302 and r.headers["Location"].startswith("/moderation/login?next=/moderation/overview")
    page = client.get("/moderation/login?next=/moderation/overview")
    assert page.status_code == 200 and page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    token = form_token(page.get_data(as_text=True))
    r = client.post("/moderation/login", data={"csrf_token": token, "email": "MOD@news.example ",
                                               "password": "correct horse battery staple", "next": "/moderation/overview"})
    assert r.status_code == 302 and r.headers["Location"] == "/moderation/overview"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_next_cannot_leave_the_site(mod_app, world, sign_in):
    client = mod_app.test_client()
    token = form_token(client.get("/moderation/login").get_data(as_text=True))
    r = client.post("/moderation/login", data={"csrf_token": token, "email": "mod@news.example",
                                               "password": "correct horse battery staple", "next": "//evil.example/x"})
    assert r.headers["Location"] == "/moderation/"


def test_secure_cookie_setting(test_config, world):
    from service.app import create_app
    from service.config import Settings
    from service.runtime import Runtime

    cfg = {**test_config, "session_cookie_secure": True}
    rt = Runtime.create(Settings.from_env().with_overrides(cfg), load_model=False)
    try:
        client = create_app(cfg, runtime=rt).test_client()
        r = client.get("/moderation/login")
        assert "Secure" in r.headers["Set-Cookie"]
    finally:
        rt.close()


def test_wrong_password_stale_form_and_throttle(mod_app, world):
    client = mod_app.test_client()
    token = form_token(client.get("/moderation/login").get_data(as_text=True))
    r = client.post("/moderation/login", data={"csrf_token": token, "email": "mod@news.example", "password": "nope"})
    assert r.status_code == 401 and "Wrong e-mail or password" in r.get_data(as_text=True)
    r = client.post("/moderation/login", data={"csrf_token": "stale", "email": "mod@news.example",
                                               "password": "correct horse battery staple"})
    assert r.status_code == 400 and "form expired" in r.get_data(as_text=True)
    for _ in range(9):
        client.post("/moderation/login", data={"csrf_token": token, "email": "mod@news.example", "password": "nope"})
    r = client.post("/moderation/login", data={"csrf_token": token, "email": "mod@news.example",
                                               "password": "correct horse battery staple"})
    assert r.status_code == 429 and "Too many failed sign-ins" in r.get_data(as_text=True)


def test_logout_needs_csrf_and_ends_the_session(browser):
    r = browser.post("/moderation/logout", data={})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert browser.get("/moderation/").status_code == 200
    token = form_token(browser.get("/moderation/").get_data(as_text=True))
    r = browser.post("/moderation/logout", data={"csrf_token": token})
    assert r.status_code == 302
    assert browser.get("/moderation/").status_code == 302


def test_password_change_signs_out(mod_app, browser):
    with session_scope(mod_app.extensions["saring"].db) as s:
        user = users.get_user(s, "mod@news.example")
        users.set_password(s, user, "another long passphrase")
    assert browser.get("/moderation/").status_code == 302


def test_queue_shows_untrusted_fields_as_text(browser, world):
    r = browser.get("/moderation/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert 'href="javascript:' not in html  # not linked
    assert 'href="https://www.gacor.co.id/daftar" rel="noopener noreferrer nofollow"' in html
    assert '<b class="domain" title="registered domain">gacor.co.id</b>' in html
    assert "198.51.100.7" in html and "x@spam.example" in html and "https://news.example/2026/banjir" in html
    assert "only for other.example moderators" not in html
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Referrer-Policy"] == "no-referrer"


def test_other_sites_comment_is_forbidden(browser, world):
    r = browser.get(f"/moderation/comments/{world['foreign']}")
    assert r.status_code == 403 and "do not moderate" in r.get_data(as_text=True)
    r = browser.get("/moderation/comments/" + "0" * 32)
    assert r.status_code == 404
    r = browser.get(f"/moderation/?site={world['other_site']}")
    assert r.status_code == 403


def test_bad_filter_on_the_page_is_400(browser):
    r = browser.get("/moderation/?min_score=7")
    assert r.status_code == 400 and "min_score" in r.get_data(as_text=True)


def test_form_fallback_single_bulk_and_undo(mod_app, browser, world):
    html = browser.get("/moderation/").get_data(as_text=True)
    token = form_token(html)
    plain, xss = world["plain"], world["xss"]
    r = browser.post("/moderation/actions", data={"csrf_token": token, "single": f"spam:{plain}", f"rev-{plain}": "1",
                                                 "return_to": "/moderation/?status=held"})
    assert r.status_code == 302 and r.headers["Location"] == "/moderation/?status=held"
    r = browser.post("/moderation/actions", data={"csrf_token": token, "single": f"undo:{plain}", f"rev-{plain}": "2"})
    assert r.status_code == 302
    r = browser.post("/moderation/actions", data={"csrf_token": token, "action": "approve", "ids": [plain, xss],
                                                 f"rev-{plain}": "3", f"rev-{xss}": "1"})
    assert r.status_code == 302
    with mod_app.extensions["saring"].db.session() as s:
        assert {s.get(Comment, i).status for i in (plain, xss)} == {"accepted"}
    # a stale revision from the page: 409, nothing changes
    r = browser.post("/moderation/actions", data={"csrf_token": token, "single": f"spam:{plain}", f"rev-{plain}": "1"})
    assert r.status_code == 409 and "changed since you saw it" in r.get_data(as_text=True)
    r = browser.post("/moderation/actions", data={"csrf_token": "x", "single": f"spam:{plain}"})
    assert r.status_code == 400
    page = browser.get(f"/moderation/comments/{plain}").get_data(as_text=True)
    assert page.count("<tr") == 5  # header + decide, spam (undone), undo, approve
    assert 'class="undone"' in page


def test_overview_counts_and_chart(mod_app, browser, world):
    token = form_token(browser.get("/moderation/").get_data(as_text=True))
    browser.post("/moderation/actions", data={"csrf_token": token, "action": "spam", "ids": [world["plain"]]})
    r = browser.get("/moderation/overview")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "https://other.example" not in html
    assert re.search(r'<span class="n">1</span> held', html) and re.search(r'<span class="n">1</span> spam', html)
    assert html.count('<rect class="s-held"') == 1 and html.count('<rect class="s-spam"') == 1
    assert browser.get("/moderation/overview?days=0").status_code == 400


def test_admin_sees_every_site(mod_app, world, make_user, sign_in):
    make_user("admin@saring.test", "admin")
    client = mod_app.test_client()
    sign_in(client, "admin@saring.test")
    html = client.get("/moderation/").get_data(as_text=True)
    assert "only for other.example moderators" in html
    assert "https://other.example" in client.get("/moderation/overview").get_data(as_text=True)


def test_disabled_user_cannot_sign_in(mod_app, world, sign_in):
    with session_scope(mod_app.extensions["saring"].db) as s:
        users.get_user(s, "mod@news.example").active = False
    client = mod_app.test_client()
    assert sign_in(client, "mod@news.example").status_code == 401
    with mod_app.extensions["saring"].db.session() as s:
        assert s.query(User).count() == 1


def test_date_filter_until_is_inclusive_and_search(mod_app, browser, world, make_comment):
    import datetime as dt

    day = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.timezone.utc)
    make_comment(world["news_site"], content="late on the tenth", created_at=day)
    make_comment(world["news_site"], content="on the eleventh", created_at=day + dt.timedelta(hours=1))
    html = browser.get("/moderation/?since=2026-03-10&until=2026-03-10").get_data(as_text=True)
    assert "late on the tenth" in html and "on the eleventh" not in html
    html = browser.get("/moderation/?q=ELEVENTH&since=&until=").get_data(as_text=True)
    assert "on the eleventh" in html and "late on the tenth" not in html


# --------------------------------------------------------------------------- bad parameters (adversarial report)


@pytest.mark.parametrize("query,status", [("page=99999999999999999999", 400), ("site=%C2%B2", 404),
                                          ("site=99999999999999999999", 404), ("site=http://%5B::1", 404),
                                          ("site=https://news.example:99999", 404), ("q=%00", 400)])
def test_bad_queue_filter_is_4xx_on_the_page(browser, query, status):
    """A site no site can be (no URL, an id past any row's) is not found, as on the queue API."""
    r = browser.get(f"/moderation/?{query}")
    assert r.status_code == status, r.status_code


def test_until_the_last_day_there_is_means_no_end(browser, world):
    r = browser.get("/moderation/?until=9999-12-31&status=all")
    assert r.status_code == 200


@pytest.mark.parametrize("days", ["%C2%B2", "0", "367", "9" * 5000, "-1"])
def test_bad_overview_days_is_400(browser, days):
    r = browser.get(f"/moderation/overview?days={days}")
    assert r.status_code == 400 and "days must be a whole number" in r.get_data(as_text=True)


@pytest.mark.parametrize("form", [{"single": "approve:x", "rev-x": "²"}, {"single": "approve:x", "rev-x": "9" * 5000},
                                  {"single": "approve:x"}, {"action": "spam", "ids": "zz"}])
def test_bad_action_form_is_400(browser, form):
    token = form_token(browser.get("/moderation/").get_data(as_text=True))
    r = browser.post("/moderation/actions", data={"csrf_token": token, **form})
    assert r.status_code == 400


@pytest.mark.parametrize("body", ['{"email": 1, "password": 2}', '"str"', "[]"])
def test_sign_in_with_a_json_body_is_415(mod_app, world, body):
    r = mod_app.test_client().post("/moderation/login", data=body, content_type="application/json")
    assert r.status_code == 415 and "HTML form" in r.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/moderation/actions", "/moderation/logout", "/moderation/models/retrain"])
@pytest.mark.parametrize("body", ["", "{bad", "null"])
def test_signed_in_forms_with_an_empty_or_invalid_json_body_are_415(browser, path, body):
    """Issue 11 (8): these answered 500 (the error page parsed the body again)."""
    r = browser.post(path, data=body, content_type="application/json")
    assert r.status_code == 415 and "HTML form" in r.get_data(as_text=True)


def test_sign_out_ends_the_session_server_side(mod_app, browser):
    cookie = browser.get_cookie("session").value
    token = form_token(browser.get("/moderation/").get_data(as_text=True))
    assert browser.post("/moderation/logout", data={"csrf_token": token}).status_code == 302
    copy = mod_app.test_client()
    copy.set_cookie("session", cookie)
    assert copy.get("/moderation/").status_code == 302
    with session_scope(mod_app.extensions["saring"].db) as s:
        assert users.get_user(s, "mod@news.example").session_version == 1


def test_score_bar_is_drawn_against_the_comments_own_thresholds(browser, world, make_comment):
    """An Indonesian comment held at 0.39 (its hold 0.25) is shown as held (mid) with its marks at 0.25 and
    0.89; an English one accepted at 0.6 (its hold 0.95) as accepted (low) with marks at 0.95 / 0.99; the
    card says the language, the rule and where the thresholds came from."""
    held = make_comment(world["news_site"], "held", content="Info slot hari ini", spam_score=0.39,
                        hold_threshold=0.25, reject_threshold=0.89)
    accepted = make_comment(world["news_site"], "accepted", content="Great post, see my blog", spam_score=0.6,
                            detected_lang="en", hold_threshold=0.95, reject_threshold=0.99)
    for cid, level, hold, reject, lang in ((held, "mid", "24.2", "88.2", "Indonesian (id)"),
                                           (accepted, "low", "94.2", "98.2", "English (en)")):
        page = browser.get(f"/moderation/comments/{cid}").get_data(as_text=True)
        assert f'class="fill {level}"' in page, cid
        assert f'data-mark="hold" x="{hold}"' in page and f'data-mark="reject" x="{reject}"' in page, cid
        assert lang in page and "the model&#39;s thresholds for " + lang in page, cid
        assert 'data-rule="score"' in page


def test_a_rule_decision_says_its_rule_and_keeps_the_model_score(browser, world, make_comment):
    """A comment held by the honeypot at spam_score 0.05 shows 0.05, the rule, and a low (green) bar."""
    cid = make_comment(world["news_site"], "held", content="Nice post", spam_score=0.05, rule="honeypot",
                       detected_lang="en", hold_threshold=0.95, reject_threshold=0.99)
    page = browser.get(f"/moderation/comments/{cid}").get_data(as_text=True)
    assert 'data-rule="honeypot"' in page and "by rule <b class=\"rule\">honeypot</b>" in page
    assert 'class="num low">0.05<' in page


def test_format_characters_are_shown_visibly(browser, world, make_comment):
    """Issue 11 (3): the page shows U+202E and zero-width characters as markers, in typed order, so the
    reversed spam and the reversed domain cannot pass as ordinary text."""
    cid = make_comment(world["news_site"], content="\u202e!niwxam rocag tols\u202c and s\u200blot",
                       author="Ann\u202e", author_url="https://\u202emoc.elpmaxe\u202c.news")
    from service.store.db import session_scope
    from service.store.tables import Comment

    with session_scope(browser.application.extensions["saring"].db) as s:  # a reason quoting the typed text
        s.get(Comment, cid).reasons = ['Gambling term "\u202eslot"']
    page = browser.get(f"/moderation/comments/{cid}").get_data(as_text=True)
    assert "\u202e" not in page and "\u200b" not in page
    assert '<li>Gambling term &#34;<span class="ctl" title="U+202E RIGHT-TO-LEFT OVERRIDE">' in page
    assert '<span class="ctl" title="U+202E RIGHT-TO-LEFT OVERRIDE">\u27e8RLO\u27e9</span>!niwxam rocag tols' in page
    assert "\u27e8U+200B\u27e9" in page and "\u27e8PDF\u27e9" in page
