"""service.pages.favicon: an icon of our own at /favicon.ico and linked from every page; nothing
fetched from elsewhere."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET


def _is_svg(data: bytes) -> bool:
    root = ET.fromstring(data)
    return root.tag == "{http://www.w3.org/2000/svg}svg"


def test_favicon_ico_is_our_svg(mod_app):
    r = mod_app.test_client().get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert _is_svg(r.data)
    assert re.findall(rb"(?:href|src)=", r.data) == []  # no external (or any) reference
    assert len(r.data) < 2048
    assert "max-age=86400" in r.headers["Cache-Control"]


def test_every_page_links_the_icon(mod_app):
    client = mod_app.test_client()
    page = client.get("/moderation/login").get_data(as_text=True)
    links = re.findall(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)
    assert links == ["/moderation/static/favicon.svg"]
    icon = client.get(links[0])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and _is_svg(icon.data)
    assert icon.data == client.get("/favicon.ico").data
