"""Near-duplicate memory of comments moderators marked spam: fast feedback before any retraining.

When a comment gets the label ``spam`` (a moderator's action in the queue, or a site's
submit-spam report), its MinHash signature is remembered for its site in Redis for
``NEAR_DUP_TTL`` seconds (7 days). A comment arriving later on the same site whose estimated
Jaccard similarity to a remembered one is at least ``threshold`` is flagged by
:meth:`NearDuplicateMemory.lookup`; ``service.checking.policy.decide`` then holds it (similarity ≥ 0.9:
rejects it). A ``ham`` label forgets the comment and every remembered spam comment it nearly
duplicates (the moderator said that text is fine); removing a label (undo) forgets it too.

Method (Broder 1997, "On the resemblance and containment of documents"; Leskovec, Rajaraman &
Ullman, *Mining of Massive Datasets*, ch. 3): the text is normalised with
``models.text.normalize_text`` (look-alike letters, spacing, links → domain tokens), cut
cut to its first ``MAX_SHINGLE_CHARS`` (2,000) normalised characters, cut into character 5-gram
shingles, and summarised by a 64-permutation MinHash
(``datasketch.MinHash``). Locality-sensitive hashing splits the signature into 16 bands of 4
values; two texts become candidates when one band is equal, which happens with probability
1 − (1 − s⁴)¹⁶ (s = 0.5 → 0.64, s = 0.7 → 0.99, s = 0.3 → 0.12). Candidates are confirmed by the
estimated Jaccard similarity (share of equal signature values).

The cut bounds the work of a long comment (datasketch hashes every shingle with SHA-1 in Python: a
64 KiB comment cost ~10,000 hashes, now at most ~2,000) and is the same for :meth:`remember` and
:meth:`lookup` (both use :func:`signature`), so signatures stay comparable. What lies past the cut
is ignored: two long texts sharing their first 2,000 normalised characters count as the same text.
Nearly every comment is shorter (the longest training comment has ~3,000 characters).

Redis layout (names from ``service.infra.redis_keys``; every key expires after ``NEAR_DUP_TTL``):

* ``near_dup_band(site, band, bucket)``: set of comment ids whose band ``band`` hashes to ``bucket``;
* ``near_dup_signature(site, comment_id)``: the 64 signature values (bytes).

Every Redis call fails open: an error is logged, counted (``saring_redis_errors_total``) and the
comment is judged without this signal. Redis is the only copy here on purpose: the memory is a
short-lived hint that the labels in the database (the durable record) can rebuild
(:func:`rebuild`).

Committed labels reach the memory through ``service.moderation.labels.observe`` (an explicit
after-commit step registered by ``Runtime.create``, calling :meth:`NearDuplicateMemory.apply_label`), so
every path that records a label through ``service.moderation.labels`` is covered and nothing is
remembered for a rolled-back change.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass

import numpy as np
import redis
from datasketch import MinHash
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.text import normalize_text
from service.infra.fail_open import fail_open
from service.infra.redis_keys import NEAR_DUP_TTL, RedisKeys
from service.store.tables import Comment, Label

log = logging.getLogger(__name__)

#: MinHash size and LSH banding (NUM_PERM = BANDS × ROWS).
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
#: Character shingle length.
SHINGLE = 5
#: Only this many leading normalised characters are shingled (bounds the cost of a long comment).
MAX_SHINGLE_CHARS = 2_000
#: Texts shorter than this (normalised characters) are neither remembered nor looked up: short
#: greetings ("thank you!") are too common to be a spam pattern.
MIN_CHARS = 20
#: Estimated Jaccard similarity at which a comment counts as a near-duplicate (hold); the policy
#: rejects at 0.9 (``service.checking.policy.decide``).
DEFAULT_THRESHOLD = 0.7
#: Most candidate ids whose signatures one lookup fetches.
MAX_CANDIDATES = 200
_SEED = 20240607
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=_SEED)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class NearDuplicate:
    """A remembered spam comment that a new text nearly duplicates.

    Attributes:
        comment_id: id of the comment moderators (or a site) marked spam.
        similarity: estimated Jaccard similarity of the two texts' shingle sets, in [0, 1].
    """

    comment_id: str
    similarity: float


def shingles(content: str) -> set[bytes] | None:
    """The character 5-gram shingles of the first ``MAX_SHINGLE_CHARS`` characters of
    ``normalize_text(content)`` (spaces collapsed), UTF-8; ``None`` for a text shorter than
    ``MIN_CHARS`` normalised characters."""
    norm = _SPACES.sub(" ", normalize_text(content or "")).strip()[:MAX_SHINGLE_CHARS]
    if len(norm) < MIN_CHARS:
        return None
    return {norm[i:i + SHINGLE].encode("utf-8", "surrogatepass") for i in range(len(norm) - SHINGLE + 1)}


def signature(content: str) -> np.ndarray | None:
    """MinHash signature of ``content``, shape ``(NUM_PERM,)`` (``datasketch`` affine32 scheme);
    ``None`` when the text is too short (see :func:`shingles`)."""
    sh = shingles(content)
    if sh is None:
        return None
    mh = MinHash(num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
    mh.update_batch(sorted(sh))
    return np.asarray(mh.hashvalues).copy()


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal values."""
    return float(np.count_nonzero(a == b)) / float(len(a))


def _buckets(sig: np.ndarray) -> list[str]:
    """One bucket id per band: 16 hex characters of the SHA-1 of the band's values."""
    return [hashlib.sha1(sig[i * ROWS:(i + 1) * ROWS].tobytes()).hexdigest()[:16] for i in range(BANDS)]


class NearDuplicateMemory:
    """Per-site memory of spam-labelled comments in Redis, with LSH lookup.

    Args:
        client: Redis client (bytes responses). May be unreachable: every method fails open.
        keys: key names.
        ttl: seconds each remembered comment lasts (default ``NEAR_DUP_TTL``, 7 days).
        threshold: estimated Jaccard similarity from which a text is a near-duplicate.
    """

    def __init__(self, client: redis.Redis, keys: RedisKeys, ttl: int = NEAR_DUP_TTL,
                 threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {threshold}")
        self.client = client
        self.keys = keys
        self.ttl = int(ttl)
        self.threshold = float(threshold)

    @fail_open("near_dup_remember", False, "near-duplicate remember skipped")
    def remember(self, site_id: int, comment_id: str, content: str) -> bool:
        """Remember ``comment_id`` (labelled spam) of ``site_id`` for ``ttl`` seconds.

        Returns ``False`` when the text is too short or Redis failed (logged, counted).
        """
        sig = signature(content)
        if sig is None:
            return False
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.keys.near_dup_signature(site_id, comment_id), sig.tobytes(), ex=self.ttl)
        for band, bucket in enumerate(_buckets(sig)):
            key = self.keys.near_dup_band(site_id, band, bucket)
            pipe.sadd(key, comment_id)
            pipe.expire(key, self.ttl)
        pipe.execute()
        return True

    @fail_open("near_dup_forget", False, "near-duplicate forget skipped")
    def forget(self, site_id: int, comment_id: str) -> bool:
        """Forget ``comment_id``. Returns whether it was remembered (``False`` on Redis errors)."""
        sig_key = self.keys.near_dup_signature(site_id, comment_id)
        raw = self.client.get(sig_key)
        if raw is None:
            return False
        sig = np.frombuffer(raw, dtype=_TEMPLATE.hashvalues.dtype)
        pipe = self.client.pipeline(transaction=False)
        for band, bucket in enumerate(_buckets(sig)):
            pipe.srem(self.keys.near_dup_band(site_id, band, bucket), comment_id)
        pipe.delete(sig_key)
        pipe.execute()
        return True

    def band_keys(self, site_id: int, sig: np.ndarray) -> list[str]:
        """The 16 band sets of ``sig``: the union of their members is the candidates :meth:`confirm` reads."""
        return [self.keys.near_dup_band(site_id, band, bucket) for band, bucket in enumerate(_buckets(sig))]

    def confirm(self, site_id: int, sig: np.ndarray, candidates: set[bytes]) -> list[NearDuplicate]:
        """The ``candidates`` (ids in the :meth:`band_keys` sets) at least ``threshold`` similar to ``sig``,
        most similar first; one ``MGET`` of their signatures, none without candidates.
        Raises ``redis.RedisError``."""
        if not candidates:
            return []
        ids = sorted(c.decode() for c in candidates)[:MAX_CANDIDATES]
        raws = self.client.mget([self.keys.near_dup_signature(site_id, i) for i in ids])
        dtype = _TEMPLATE.hashvalues.dtype
        found = []
        for cid, raw in zip(ids, raws):
            if raw is None:  # expired or forgotten: the band sets still name it until they expire
                continue
            sim = similarity(sig, np.frombuffer(raw, dtype=dtype))
            if sim >= self.threshold:
                found.append(NearDuplicate(cid, sim))
        return sorted(found, key=lambda m: (-m.similarity, m.comment_id))

    def _matches(self, site_id: int, sig: np.ndarray) -> list[NearDuplicate]:
        """Remembered comments of ``site_id`` at least ``threshold`` similar to ``sig``, most
        similar first. Raises ``redis.RedisError``."""
        return self.confirm(site_id, sig, self.client.sunion(self.band_keys(site_id, sig)))

    @fail_open("near_dup_lookup", None, "near-duplicate lookup skipped")
    def lookup(self, site_id: int, content: str) -> NearDuplicate | None:
        """The remembered spam comment of ``site_id`` most similar to ``content`` if it reaches
        ``threshold``, else ``None`` (also for short texts and on Redis errors: fail open)."""
        sig = signature(content)
        if sig is None:
            return None
        found = self._matches(site_id, sig)
        return found[0] if found else None

    @fail_open("near_dup_clear", [], "near-duplicate clear skipped")
    def clear_similar(self, site_id: int, content: str) -> list[str]:
        """Forget every remembered comment of ``site_id`` that ``content`` nearly duplicates (a
        moderator approved this text). Returns the forgotten ids (empty on Redis errors)."""
        sig = signature(content)
        if sig is None:
            return []
        found = self._matches(site_id, sig)
        return [m.comment_id for m in found if self.forget(site_id, m.comment_id)]

    def apply_label(self, site_id: int, comment_id: str, content: str, label: str | None) -> None:
        """React to a committed label: ``spam`` → remember; ``ham`` → forget it and the spam it
        nearly duplicates; ``None`` (label removed) → forget it. Never raises for Redis errors."""
        if label == "spam":
            self.remember(site_id, comment_id, content)
        else:
            self.forget(site_id, comment_id)
            if label == "ham":
                self.clear_similar(site_id, content)


def rebuild(session: Session, memory: NearDuplicateMemory, now: dt.datetime | None = None) -> int:
    """Remember again every comment labelled spam in the last ``memory.ttl`` seconds (after Redis
    lost its data). Returns how many were remembered."""
    now = now or dt.datetime.now(dt.timezone.utc)
    since = now - dt.timedelta(seconds=memory.ttl)
    rows = session.execute(
        select(Comment.site_id, Comment.id, Comment.content)
        .join(Label, Label.comment_id == Comment.id)
        .where(Label.label == "spam", Label.updated_at >= since, Comment.is_test.is_(False)))
    return sum(1 for site_id, cid, content in rows if memory.remember(site_id, cid, content))
