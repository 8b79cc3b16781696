"""service.web.slashes: every moderators' page answers both spellings of its URL, with and
without the trailing slash; the one that is not the route redirects (308) to the one that is."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import url_for

#: Sample values of the URL converters, for building each page's URL.
SAMPLE_ARGS = {"site_id": 1, "run_id": 1, "comment_id": "0" * 32, "entry_id": 1, "name": "report.html",
               "filename": "queue.js"}


def _page_urls(app) -> list[str]:
    """Every GET route under /moderation (static files too), built with sample arguments."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/moderation") and "GET" in (rule.methods or ()):
                urls.append(url_for(rule.endpoint, **{a: SAMPLE_ARGS[a] for a in rule.arguments}))
    return sorted(urls)


def test_the_walk_finds_the_pages(mod_app):
    urls = _page_urls(mod_app)
    assert {"/moderation/", "/moderation/overview", "/moderation/models/", "/moderation/login",
            "/moderation/sites/1", f"/moderation/comments/{'0' * 32}"} <= set(urls)


def test_the_other_spelling_of_every_page_redirects_to_the_route(mod_app):
    client = mod_app.test_client()
    wrong = {}
    for url in _page_urls(mod_app):
        if url.startswith("/moderation/static/"):
            continue
        other = url[:-1] if url.endswith("/") else url + "/"
        r = client.get(other + "?days=7")
        location = urlsplit(r.headers.get("Location", ""))
        if (r.status_code, location.path, location.query) != (308, url, "days=7"):
            wrong[other] = (r.status_code, r.headers.get("Location"))
    assert wrong == {}


@pytest.mark.parametrize("path, page", [("/moderation/overview/", "/moderation/overview"),
                                        ("/moderation/models", "/moderation/models/")])
def test_a_signed_in_moderator_arrives_at_the_page(mod_app, make_site, make_user, sign_in, path, page):
    make_site("https://news.example")
    make_user("mod@news.example", "moderator", ["https://news.example"])
    client = mod_app.test_client()
    sign_in(client, "mod@news.example")
    r = client.get(path, follow_redirects=True)
    assert r.status_code == 200 and r.request.path == page


@pytest.mark.parametrize("method, path", [("GET", "/moderation/no-such-page/"), ("GET", "/moderation/overview//"),
                                          ("POST", "/moderation/actions/"), ("GET", "/api/v1/queue/counts/")])
def test_anything_else_is_left_alone(mod_app, method, path):
    r = mod_app.test_client().open(path, method=method)
    assert r.status_code in (404, 405) and "Location" not in r.headers
