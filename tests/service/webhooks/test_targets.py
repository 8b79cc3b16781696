"""Issue 11 (9): callback URLs may not point at internal addresses (at registration and at delivery)."""
from __future__ import annotations

import pytest

from service.errors import ValidationFailed
from service.store.tables import Site, WebhookDelivery
from service.webhooks import outbox, targets

INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://127.0.0.1:6379/",                    # our own Redis
    "http://[fd00:ec2::254]/",                   # unique-local IPv6 (AWS metadata over IPv6)
    "http://2130706433/",                        # 127.0.0.1 as one decimal number
    "http://0x7f.1/",                            # 127.0.0.1 in hex / short form
    "http://[::ffff:127.0.0.1]/",                # IPv4-mapped loopback
    "http://localhost:8000/hook",
    "http://10.0.0.5/hook", "http://192.168.1.1/", "http://100.64.0.1/", "http://0.0.0.0/",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_targets_are_refused_at_registration(url):
    site = Site(url="https://news.example", name="news")
    with pytest.raises(ValidationFailed) as err:
        outbox.set_callback(None, site, url)  # type: ignore[arg-type]
    assert err.value.field == "url" and "internal address" in err.value.message
    assert site.callback_url is None
    # the operator may allow them explicitly
    assert outbox.set_callback(None, site, url, allow_internal=True)  # type: ignore[arg-type]
    assert site.callback_url == url


@pytest.mark.parametrize("url", ["https://user:pw@hooks.example.com/x", "https://:secret@hooks.example.com/"])
def test_credentials_in_the_url_are_refused(url):
    with pytest.raises(ValidationFailed, match="user name or password"):
        outbox.set_callback(None, Site(url="https://news.example"), url, allow_internal=True)  # type: ignore[arg-type]


def test_public_and_not_yet_resolvable_hosts_are_accepted_at_registration():
    site = Site(url="https://news.example", name="news")
    outbox.set_callback(None, site, "https://93.184.216.34/saring-hook")  # type: ignore[arg-type]
    outbox.set_callback(None, site, "https://hooks.invalid/saring-hook")  # type: ignore[arg-type]
    # ... but a host that does not resolve is refused when a delivery is due
    with pytest.raises(targets.TargetRefused, match="does not resolve"):
        targets.resolve("https://hooks.invalid/saring-hook")


def test_delivery_connects_to_the_checked_address_with_the_original_host():
    target = targets.Target("https://hooks.example.com:8443/in?x=1", "hooks.example.com", "93.184.216.34", 8443)
    url, headers, ext = targets.pinned_request(target)
    assert url == "https://93.184.216.34:8443/in?x=1"
    assert headers == {"Host": "hooks.example.com:8443"} and ext == {"sni_hostname": "hooks.example.com"}
    v6 = targets.pinned_request(targets.Target("http://h.example/x", "h.example", "2001:db8::1", 80))
    assert v6[0] == "http://[2001:db8::1]/x" and v6[2] == {}


def test_a_delivery_to_an_internal_address_is_refused_and_nothing_is_sent(receiver):
    """A callback set before this check (or by hand in the database) pointing at 127.0.0.1."""
    site = Site(url="https://news.example", callback_url=receiver.url, callback_secret="s" * 32)
    row = WebhookDelivery(id=1, site_id=1, comment_id="c", payload={"event": "x"}, status="pending")
    error = outbox.send(row, site, allow_internal=False)
    assert error.startswith("refused: ") and "internal address" in error
    assert receiver.requests == []
    assert outbox.send(row, site, allow_internal=True) == ""  # allowed explicitly: delivered
    assert len(receiver.requests) == 1
