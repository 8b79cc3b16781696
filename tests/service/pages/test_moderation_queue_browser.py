"""The queue page in a real browser (Playwright + Debian's Chromium), issue 12: the Reject key and
the key legend, the count under the tabs kept up to date after each action, and registered domains
that stay whole at phone width (queue and overview cards).

Screenshots go to ``test-artifacts/`` (gitignored).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from service.store.tables import Comment

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "correct horse battery staple"
LONG_SITE = "https://kabar-terkini-nusantara-raya.example"
LONG_URL = "https://www.promosi-pinjaman-dana-kilat-tanpa-jaminan.example/daftar-sekarang-juga?ref=komentar"


@pytest.fixture
def held(clean_db, make_site, make_user, make_comment):
    news = make_site("https://news.example")
    make_user("mod@news.example", "moderator", ["https://news.example"])
    t0 = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    ids = [make_comment(news, content=f"Held comment number {i}", author=f"reader{i}",
                        created_at=t0 + dt.timedelta(minutes=i)) for i in range(4)]
    return ids[::-1]  # newest first, as shown


def login(pg, base: str, email: str, path: str = "/moderation/") -> None:
    pg.goto(base + path)
    pg.fill("#email", email)
    pg.fill("#password", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(base + path)


def shot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def statuses(db, ids) -> list[str]:
    with db.session() as s:
        return [s.get(Comment, i).status for i in ids]


def _summary(pg) -> str:
    return " ".join(pg.inner_text("#summary").split())


def test_reject_has_a_key_and_the_legend_lists_every_key(live_server, page, clean_db, held):
    login(page, live_server, "mod@news.example")
    legend = " ".join(page.inner_text(".bulkbar .keys").split())
    assert legend == "keys: j/k move · a approve · s spam · r reject · u undo · x select · / search"
    assert page.get_attribute(f'#c-{held[0]} button[data-action="reject"]', "title") == "Reject without a label (r)"

    assert "current" in page.get_attribute(f"#c-{held[0]}", "class")
    page.keyboard.press("r")
    page.wait_for_selector(f"#c-{held[0]}.done")
    assert page.inner_text(f"#c-{held[0]} [data-badge]") == "rejected"
    assert statuses(clean_db, held[:1]) == ["rejected"]
    with clean_db.session() as s:
        assert s.get(Comment, held[0]).label is None  # reject: no training label
    page.keyboard.press("u")  # and undone with u
    page.wait_for_selector(f"#c-{held[0]}:not(.done)")
    assert statuses(clean_db, held[:1]) == ["held"]

    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "q"
    page.keyboard.type("r")  # typing in the search box is text, not a key
    assert page.input_value("#q") == "r" and statuses(clean_db, held[:1]) == ["held"]


def test_the_count_under_the_tabs_follows_every_action(live_server, page, clean_db, held):
    login(page, live_server, "mod@news.example")
    assert _summary(page) == "4 comments held · page 1 of 1"

    page.click(f'#c-{held[0]} button[data-action="approve"]')
    page.wait_for_selector(f"#c-{held[0]}.done")
    assert _summary(page) == "3 comments held · page 1 of 1"
    page.click(f'#c-{held[1]} button[data-action="spam"]')
    page.wait_for_selector(f"#c-{held[1]}.done")
    page.click(f'#c-{held[2]} button[data-action="reject"]')
    page.wait_for_selector(f"#c-{held[2]}.done")
    assert _summary(page) == "1 comment held · page 1 of 1"
    assert [page.inner_text(f'[data-count="{st}"]') for st in ("held", "accepted", "spam", "rejected")] == \
        ["1", "1", "1", "1"]

    page.click(f'#c-{held[2]} button[data-action="undo"]')
    page.wait_for_selector(f"#c-{held[2]}:not(.done)")
    assert _summary(page) == "2 comments held · page 1 of 1"
    page.check("#select-all")
    page.click('button[data-bulk="spam"]')
    page.wait_for_function("() => document.querySelectorAll('article.comment:not(.done)').length === 0")
    assert _summary(page) == "0 comments held · page 1 of 1"
    assert statuses(clean_db, held) == ["accepted", "spam", "spam", "spam"]

    # the listing of every status counts every comment: an action moves none out of it
    page.goto(f"{live_server}/moderation/?status=all")
    assert _summary(page) == "4 comments · page 1 of 1"
    page.click(f'#c-{held[0]} button[data-action="spam"]')
    page.wait_for_selector(f"#c-{held[0]}.done")
    assert _summary(page) == "4 comments · page 1 of 1"


def _overflows(pg, selector: str) -> list[dict]:
    """Elements matching ``selector`` that break over lines or stick out of the viewport."""
    return pg.evaluate("""(sel) => Array.from(document.querySelectorAll(sel)).map(el => {
        const r = el.getBoundingClientRect();
        const line = parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.3;
        return {text: el.textContent, lines: el.getClientRects().length, height: r.height, line: line,
                right: r.right, width: window.innerWidth};
    }).filter(o => o.lines > 1 || o.height > o.line * 1.5 || o.right > o.width + 0.5)""", selector)


def test_registered_domains_stay_whole_at_phone_width(live_server, chromium, clean_db, make_site, make_user,
                                                      make_comment):
    long_site = make_site(LONG_SITE)
    news = make_site("https://news.example")
    make_user("editor@news.example", "moderator", [LONG_SITE, "https://news.example"])
    make_comment(long_site, content="Butuh dana cepat? Pinjaman tanpa jaminan, cair 5 menit.", author="dana",
                 author_url=LONG_URL, author_email="cair@dana-kilat.example")
    make_comment(news, content="Gabung sekarang di PSTOTO99 situs slot gacor", author="gacor88",
                 author_url="https://www.pstoto99.example/daftar")
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    try:
        login(pg, live_server, "editor@news.example")
        assert pg.locator(".meta .domain").count() == 2
        shot(pg, "queue-phone-domains")
        assert _overflows(pg, ".meta .domain") == []
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways

        pg.goto(f"{live_server}/moderation/overview")
        pg.wait_for_selector(".site-card svg")
        shot(pg, "overview-phone-domains")
        assert _overflows(pg, ".site-card h2 .muted") == []
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        ctx.close()
