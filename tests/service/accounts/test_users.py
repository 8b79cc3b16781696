"""service.accounts.users: creation rules, Argon2 hashes, authentication, admin tokens, site visibility."""
from __future__ import annotations

import pytest

from service.accounts import users
from service.errors import Conflict, NotFound, ValidationFailed
from service.moderation.actors import Actor
from service.store.db import session_scope

PASSWORD = "a long enough passphrase"


@pytest.fixture
def db(clean_db, make_site):
    make_site("https://news.example")
    make_site("https://other.example")
    return clean_db


def test_create_hashes_with_argon2_and_links_sites(db):
    with session_scope(db) as s:
        user = users.create_user(s, " Mod@News.Example ", PASSWORD, "moderator", ["https://NEWS.example/"])
        assert user.email == "mod@news.example"
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert [x.url for x in user.sites] == ["https://news.example"]
        assert users.site_ids_of(user) == frozenset({user.sites[0].id})
        assert Actor.of(user).can_moderate(user.sites[0].id)


@pytest.mark.parametrize("email,password,role,sites,error,field", [
    ("not-an-email", PASSWORD, "moderator", [], ValidationFailed, "email"),
    ("a@b.example", "short", "moderator", [], ValidationFailed, "password"),
    ("a@b.example", PASSWORD, "root", [], ValidationFailed, "role"),
    ("a@b.example", PASSWORD, "moderator", ["https://unknown.example"], NotFound, "site"),
    ("a@b.example", PASSWORD, "moderator", ["not a url"], ValidationFailed, "site"),
])
def test_create_refuses_bad_input(db, email, password, role, sites, error, field):
    with session_scope(db) as s, pytest.raises(error) as err:
        users.create_user(s, email, password, role, sites)
    assert err.value.field == field


def test_duplicate_email_is_conflict(db):
    with session_scope(db) as s:
        users.create_user(s, "a@b.example", PASSWORD, "admin")
    with session_scope(db) as s, pytest.raises(Conflict):
        users.create_user(s, "A@B.example", PASSWORD, "admin")


def test_authenticate(db):
    with session_scope(db) as s:
        users.create_user(s, "a@b.example", PASSWORD, "moderator")
    with session_scope(db) as s:
        assert users.authenticate(s, "A@b.example", PASSWORD).email == "a@b.example"
        assert users.authenticate(s, "a@b.example", PASSWORD + "x") is None
        assert users.authenticate(s, "nobody@b.example", PASSWORD) is None
        assert users.authenticate(s, "garbage", PASSWORD) is None
        users.get_user(s, "a@b.example").active = False
    with session_scope(db) as s:
        assert users.authenticate(s, "a@b.example", PASSWORD) is None


def test_admin_tokens(db):
    with session_scope(db) as s:
        admin = users.create_user(s, "admin@b.example", PASSWORD, "admin")
        mod = users.create_user(s, "mod@b.example", PASSWORD, "moderator")
        token = users.create_api_token(s, admin)
        assert token.startswith("srt_") and admin.api_token_hash != token and len(admin.api_token_hash) == 64
        with pytest.raises(ValidationFailed):
            users.create_api_token(s, mod)
    with session_scope(db) as s:
        assert users.find_by_token(s, token).email == "admin@b.example"
        assert users.find_by_token(s, token + "x") is None
        assert users.find_by_token(s, "abcdef123456") is None  # a site key shape is never a user token
        assert users.site_ids_of(users.get_user(s, "admin@b.example")) is None
        second = users.create_api_token(s, users.get_user(s, "admin@b.example"))
    with session_scope(db) as s:
        assert users.find_by_token(s, token) is None and users.find_by_token(s, second) is not None


def test_set_sites(db):
    with session_scope(db) as s:
        user = users.create_user(s, "m@b.example", PASSWORD, "moderator")
        users.set_sites(s, user, ["https://news.example", "https://other.example"])
        users.set_sites(s, user, ["https://news.example"], add=False)
        assert [x.url for x in user.sites] == ["https://other.example"]


def test_password_checks_are_bounded_per_process(clean_db, make_user, monkeypatch):
    """Issue 11 (7): 40 sign-ins from 8 IPs ran 40 Argon2 checks at once (0.45 s, 64 MiB each) and
    pushed comment p50 from 29 to 438 ms; now at most HASH_CONCURRENCY run at once, the rest wait."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from service.accounts import users as users_mod
    from service.store.db import session_scope

    make_user("mod@news.example")
    real = users_mod._hasher
    running, peak, lock = [0], [0], threading.Lock()

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, digest, password):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            try:
                time.sleep(0.05)
                return real.verify(digest, password)
            finally:
                with lock:
                    running[0] -= 1

    monkeypatch.setattr(users_mod, "_hasher", Counting())

    def sign_in(_):
        with session_scope(clean_db) as s:
            return users_mod.authenticate(s, "mod@news.example", "wrong password!")

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(sign_in, range(6))) == [None] * 6
    assert peak[0] == users_mod.HASH_CONCURRENCY == 1
    # a sign-in that cannot get a slot in time is answered 503 (retry), not queued for ever
    monkeypatch.setattr(users_mod, "HASH_WAIT_SECONDS", 0.05)
    users_mod._hash_slots.acquire()
    try:
        with pytest.raises(users_mod.PasswordChecksBusy):
            sign_in(0)
    finally:
        users_mod._hash_slots.release()
