"""Moderators and admins of the web page and the queue API (plain Python, no Flask).

* Passwords are hashed with Argon2id (``argon2-cffi``'s ``PasswordHasher`` defaults, RFC 9106
  low-memory profile); hashes are upgraded on sign-in when the parameters change.
* Roles: ``admin`` sees and moderates every site; ``moderator`` only the sites linked to them.
* Admin API tokens (``Authorization: Bearer srt_…`` on ``/api/v1/queue``) are 32 random bytes;
  only their SHA-256 is stored. They are distinct from a site's 12-hex-character API key, which
  is accepted only by the comment endpoints.

Linking a user to a site or unlinking them is written to the site's audit log
(``service.store.site_audit``), with who did it (``actor`` / ``actor_id``). The caller commits.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import threading
from collections.abc import Iterable, Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from service.accounts.sites import find_site, normalize_site_url
from service.store import site_audit
from service.store.tables import Site, User, UserSite

ROLES = ("admin", "moderator")
#: Shortest and longest accepted password (characters).
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
#: Prefix of admin API tokens, so that they can never be mistaken for a site key.
TOKEN_PREFIX = "srt_"

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_hasher = PasswordHasher()
#: Verified against when the e-mail is unknown, so that sign-in takes as long either way.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
#: Argon2id computations at once in this process (each ~0.45 s of CPU and 64 MiB): a storm of
#: sign-ins cannot take every thread and the memory from comment checks.
HASH_CONCURRENCY = 1
#: How long a sign-in waits for its turn (seconds) before it is answered 503 (retry).
HASH_WAIT_SECONDS = 5.0
_hash_slots = threading.BoundedSemaphore(HASH_CONCURRENCY)


class PasswordChecksBusy(ServiceUnavailable):
    """Every password-hashing slot of this process stayed busy for ``HASH_WAIT_SECONDS``."""


@contextlib.contextmanager
def _hash_slot() -> Iterator[None]:
    if not _hash_slots.acquire(timeout=HASH_WAIT_SECONDS):
        raise PasswordChecksBusy("too many sign-ins at once; try again in a few seconds")
    try:
        yield
    finally:
        _hash_slots.release()


def normalize_email(email: str) -> str:
    """Trimmed, lower-cased e-mail. Raises ``ValidationFailed`` (field ``email``) unless it looks
    like ``local@domain.tld`` (at most 320 characters)."""
    value = (email or "").strip().lower()
    if len(value) > 320 or not _EMAIL.match(value) or not value.isprintable():
        raise ValidationFailed(f"email {email!r} is not an e-mail address like name@example.com", field="email")
    return value


def check_password_strength(password: str) -> None:
    """Raises ``ValidationFailed`` (field ``password``) for a password shorter than
    ``MIN_PASSWORD_CHARS`` or longer than ``MAX_PASSWORD_CHARS`` characters."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValidationFailed(f"password must have at least {MIN_PASSWORD_CHARS} characters", field="password")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValidationFailed(f"password must have at most {MAX_PASSWORD_CHARS} characters", field="password")


def _sites_by_url(session: Session, urls: Iterable[str]) -> list[Site]:
    found: list[Site] = []
    for url in urls:
        norm = normalize_site_url(url)
        site = find_site(session, norm)
        if site is None:
            raise NotFound(f"no site {norm!r}: register it first with `saring keys create --site {norm}`",
                           field="site")
        if site not in found:
            found.append(site)
    return found


def create_user(session: Session, email: str, password: str, role: str, site_urls: Iterable[str] = (), *,
                actor: str = "", actor_id: int | None = None) -> User:
    """Create a user.

    Args:
        email: sign-in name (stored lower-case, unique).
        password: plain password (≥ ``MIN_PASSWORD_CHARS`` characters); only its Argon2id hash is stored.
        role: ``admin`` | ``moderator``.
        site_urls: sites a moderator moderates (each must already exist). An admin may have
            sites too but sees every site regardless.

    Raises ``ValidationFailed`` (bad e-mail, password, role), ``NotFound`` (unknown site),
    ``Conflict`` (e-mail already taken).
    """
    email = normalize_email(email)
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}, not {role!r}", field="role")
    check_password_strength(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user {email} already exists", field="email")
    with _hash_slot():
        digest = _hasher.hash(password)
    user = User(email=email, password_hash=digest, role=role, active=True)
    user.sites = _sites_by_url(session, site_urls)
    session.add(user)
    session.flush()
    for site in user.sites:
        _audit_link(session, site, user, True, actor, actor_id)
    return user


def _audit_link(session: Session, site: Site, user: User, added: bool, actor: str, actor_id: int | None) -> None:
    site_audit.record(session, site, "moderator_add" if added else "moderator_remove", actor, actor_id,
                      {"email": user.email, "user_id": user.id, "role": user.role})


def get_user(session: Session, email: str) -> User:
    """The user with this e-mail. Raises ``NotFound`` (field ``email``)."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(f"no user {email!r}", field="email")
    return user


def list_users(session: Session) -> list[User]:
    """Every user with their sites, by e-mail."""
    return list(session.scalars(select(User).options(selectinload(User.sites)).order_by(User.email)))


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the password and end every session of ``user``. Raises ``ValidationFailed`` for a
    weak one."""
    check_password_strength(password)
    with _hash_slot():
        user.password_hash = _hasher.hash(password)
    end_sessions(session, user)


def end_sessions(session: Session, user: User) -> None:
    """End every session of ``user`` (sign-out, password change): bumps ``users.session_version``,
    which each request's session cookie must match (see ``service.web.auth``). Copied
    cookies stop working too. The caller commits."""
    user.session_version = (user.session_version or 0) + 1


def set_sites(session: Session, user: User, site_urls: Iterable[str], *, add: bool = True, actor: str = "",
              actor_id: int | None = None) -> None:
    """Add (``add=True``) or remove the given sites of ``user``. Raises ``NotFound`` for an unknown site."""
    sites = _sites_by_url(session, site_urls)
    if add:
        changed = [s for s in sites if s not in user.sites]
        user.sites = list(user.sites) + changed
    else:
        changed = [s for s in sites if s in user.sites]
        user.sites = [s for s in user.sites if s not in sites]
    for site in changed:
        _audit_link(session, site, user, add, actor, actor_id)


def moderators_of(session: Session, site: Site) -> list[User]:
    """The users linked to ``site`` (moderators; an admin linked to it too), by e-mail."""
    return list(session.scalars(select(User).join(UserSite, UserSite.user_id == User.id)
                                .where(UserSite.site_id == site.id).order_by(User.email)))


def admins(session: Session) -> list[User]:
    """Every admin (they see and moderate every site), by e-mail."""
    return list(session.scalars(select(User).where(User.role == "admin").order_by(User.email)))


def add_moderator(session: Session, site: Site, email: str, *, actor: str = "",
                  actor_id: int | None = None) -> tuple[User, bool]:
    """Let the existing moderator ``email`` moderate ``site``: ``(user, added)``, ``added`` false
    when they already did. Raises ``ValidationFailed`` (field ``email``) for an address that is no
    e-mail, an unknown user, or an admin (admins see every site anyway)."""
    value = normalize_email(email)
    user = session.scalar(select(User).where(User.email == value))
    if user is None:
        raise ValidationFailed(f"no user {value}: create them first with "
                               f"`saring users create --email {value} --role moderator`", field="email")
    if user.role == "admin":
        raise ValidationFailed(f"{value} is an admin: admins see and moderate every site already", field="email")
    if site in user.sites:
        return user, False
    user.sites = list(user.sites) + [site]
    _audit_link(session, site, user, True, actor, actor_id)
    return user, True


def remove_moderator(session: Session, site: Site, user_id: int, *, actor: str = "",
                     actor_id: int | None = None) -> User:
    """Stop user ``user_id`` moderating ``site`` (their other sites stay). Raises ``NotFound``
    (field ``user``) unless they moderate it."""
    user = session.get(User, user_id)
    if user is None or site not in user.sites:
        raise NotFound(f"user {user_id} does not moderate this site", field="user")
    user.sites = [s for s in user.sites if s.id != site.id]
    _audit_link(session, site, user, False, actor, actor_id)
    return user


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable (``active=True``) or disable ``user``: a disabled user cannot sign in and their API
    token stops working. The caller commits."""
    user.active = active


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user whose e-mail and password match, else ``None``.

    Takes about the same time for an unknown e-mail as for a wrong password (a dummy hash is
    verified), and re-hashes the password when the Argon2 parameters changed. Waits for one of the
    process's ``HASH_CONCURRENCY`` hashing slots; raises ``PasswordChecksBusy`` (503) after
    ``HASH_WAIT_SECONDS``.
    """
    try:
        email = normalize_email(email)
    except ValidationFailed:
        email = ""
    user = session.scalar(select(User).where(User.email == email)) if email else None
    with _hash_slot():  # at most HASH_CONCURRENCY Argon2 checks at once (raises PasswordChecksBusy)
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def create_api_token(session: Session, user: User) -> str:
    """Create (replacing any earlier one) the API token of an admin and return it in plain text —
    the only time it is known. Raises ``ValidationFailed`` (field ``role``) for a moderator:
    moderators use the web page."""
    if user.role != "admin":
        raise ValidationFailed("only admins get API tokens; moderators sign in to the web page", field="role")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.api_token_hash = _token_hash(token)
    return token


def find_by_token(session: Session, token: str | None) -> User | None:
    """The active admin whose API token this is, else ``None``."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    user = session.scalar(select(User).where(User.api_token_hash == _token_hash(token)))
    if user is None or not user.active or user.role != "admin":
        return None
    return user


def site_ids_of(user: User) -> frozenset[int] | None:
    """The ids of the sites ``user`` may moderate, or ``None`` for an admin (every site)."""
    if user.role == "admin":
        return None
    return frozenset(s.id for s in user.sites)
