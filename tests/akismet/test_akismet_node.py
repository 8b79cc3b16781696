"""The npm ``akismet-api`` client (6.0.0) on Node against the live gunicorn server: checks 13–19 of
the reference's section 10. ``tests/akismet/node/check.js`` runs the client; this test asserts its
results and what the server received (``recording_app``)."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from akismet_support import BLOG, KX

from service.store.db import session_scope

NODE_DIR = Path(__file__).resolve().parent / "node"
pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
def node_ready() -> str:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: the akismet-api client tests need Node.js >= 18")
    if not (NODE_DIR / "node_modules" / "akismet-api").is_dir():
        pytest.skip(f"akismet-api not installed: run `npm ci` in {NODE_DIR} (./dev test does)")
    return node


#: Third IPv4 octets, a different one for each run of the client in this session: the velocity
#: signal makes an identical comment from the same IP within 10 s more suspicious.
_NETS = iter(random.sample(range(1, 255), 254))


@pytest.fixture
def net() -> str:
    return str(next(_NETS))


@pytest.fixture
def node_run(node_ready, live_server, k1, net):
    live_server.clear()
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "SARING_PORT": str(live_server.port), "K1": k1, "KX": KX,
           "BLOG": BLOG, "NET": net}
    proc = subprocess.run([node_ready, "check.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_akismet_api_version():
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/akismet-api"]["version"] == "6.0.0"


def test_13_verify_key_on_the_bare_host(node_run, live_server, k1):
    assert node_run["results"]["verify_k1"] is True
    assert node_run["results"]["verify_kx"] is False
    verify = [r for r in live_server.records() if r["path"] == "/1.1/verify-key"]
    assert [r["host"] for r in verify] == [f"localhost:{live_server.port}"] * 2
    assert urllib.parse.parse_qs(verify[0]["body"])["key"] == [k1]


def test_14_check_ham_with_key_only_in_host(node_run, live_server, k1):
    assert node_run["results"]["check_ham"] is False
    first = [r for r in live_server.records() if r["path"] == "/1.1/comment-check"][0]
    assert first["host"] == f"{k1}.localhost:{live_server.port}"
    fields = urllib.parse.parse_qs(first["body"])
    assert "api_key" not in fields and "key" not in fields and k1 not in first["body"]
    assert first["headers"]["user-agent"].endswith("Akismet-api/6.0.0")
    assert "%20" in first["body"]  # superagent encodes spaces as %20


def test_15_spam_trigger(node_run):
    assert node_run["results"]["check_spam_author"] is True


def test_16_unknown_key_rejects(node_run):
    assert node_run["results"]["check_kx"] == {"error": "Invalid API key"}


def test_17_honeypot_pair_reaches_the_server(node_run, live_server, clean_db, net):
    assert node_run["results"]["check_honeypot"] is True
    record = [r for r in live_server.records() if "honeypot_field_name" in r["body"]][0]
    fields = urllib.parse.parse_qs(record["body"])
    assert fields["honeypot_field_name"] == ["hp"] and fields["hp"] == ["x"]
    from sqlalchemy import select

    from service.store.tables import Comment

    with session_scope(clean_db) as s:
        row = s.scalars(select(Comment).where(Comment.user_ip == f"203.0.{net}.92")).one()
        assert (row.honeypot_field_name, row.honeypot_value, row.decision) == ("hp", "x", "reject")


def test_webmention_like_is_ham(node_run):
    assert node_run["results"]["check_webmention"] is False


def test_18_submit_spam_and_ham_resolve(node_run):
    thanks = {"status": 200, "text": "Thanks for making the web a better place."}
    assert node_run["results"]["submit_spam"] == thanks
    assert node_run["results"]["submit_ham"] == thanks


def test_19_every_response_is_text_plain_utf8(node_run):
    assert len(node_run["responses"]) == 9
    for response in node_run["responses"]:
        assert response["status"] == 200
        assert response["contentType"] == "text/plain; charset=utf-8", response
