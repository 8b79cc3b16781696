"""Every Redis key Saring uses, with its time-to-live: the one module that owns key names.

Redis holds only what can be rebuilt or is also kept in the database: the published model bytes
(every version is also in the ``model_versions`` table), usage counters (also in the database),
near-duplicate memory, flood windows, and the RQ queues. Usage counters are written
through: every increment goes to the ``usage_monthly`` table as well (``service.checking.usage``).
"""
from __future__ import annotations

from dataclasses import dataclass

#: How long the near-duplicate memory of a moderator's spam mark lasts (seconds): 7 days.
NEAR_DUP_TTL = 7 * 24 * 3600
#: Window of the moderator sign-in failure counter (seconds): 15 minutes.
LOGIN_FAILURE_WINDOW = 15 * 60


@dataclass(frozen=True)
class ModelKeys:
    """Keys of the model registry (see ``service.serving.registry``)."""

    prefix: str

    @property
    def current(self) -> str:
        """String: the version id of the current model."""
        return f"{self.prefix}:model:current"

    def artifact(self, version: str) -> str:
        """Hash with fields ``blob`` (artifact bytes), ``sha256``, ``metadata`` (JSON), ``published_at``."""
        return f"{self.prefix}:model:v:{version}"

    @property
    def versions(self) -> str:
        """Sorted set of published version ids, scored by publish time (epoch seconds)."""
        return f"{self.prefix}:model:versions"


@dataclass(frozen=True)
class RedisKeys:
    """Namespace of all keys below ``prefix`` (``SARING_REDIS_PREFIX``)."""

    prefix: str = "saring"

    @property
    def model(self) -> ModelKeys:
        return ModelKeys(self.prefix)

    def flood_text(self, site_id: int, text_hash: str) -> str:
        """Set of the distinct senders (hashed) of one normalised text on one site; expires
        ``flood_text_window`` seconds after its last addition (``service.learning.floods``)."""
        return f"{self.prefix}:flood:text:{site_id}:{text_hash}"

    def flood_sender(self, site_id: int, sender_hash: str) -> str:
        """Set of the distinct texts (hashes) one sender (a public IP or a commenter) sent to one
        site; expires ``flood_sender_window`` seconds after its last addition."""
        return f"{self.prefix}:flood:sender:{site_id}:{sender_hash}"

    def near_dup_index(self, site_id: int) -> str:
        """Prefix of the MinHash LSH index of comments moderators marked spam on one site."""
        return f"{self.prefix}:neardup:{site_id}"

    def near_dup_band(self, site_id: int, band: int, bucket: str) -> str:
        """Set of ids of spam-labelled comments of one site whose MinHash band ``band`` hashes to
        ``bucket`` (TTL ``NEAR_DUP_TTL``; see ``service.checking.near_duplicates``)."""
        return f"{self.near_dup_index(site_id)}:b:{band}:{bucket}"

    def near_dup_signature(self, site_id: int, comment_id: str) -> str:
        """Bytes of the MinHash signature of one spam-labelled comment (TTL ``NEAR_DUP_TTL``)."""
        return f"{self.near_dup_index(site_id)}:sig:{comment_id}"

    def login_failures(self, identity: str) -> str:
        """Counter of failed moderator sign-ins for one e-mail or IP in the last
        ``LOGIN_FAILURE_WINDOW`` seconds (``identity`` is hashed by the caller)."""
        return f"{self.prefix}:login-failures:{identity}"

    @property
    def queue_name(self) -> str:
        """RQ queue name for background jobs (webhooks, retraining)."""
        return f"{self.prefix}-jobs"
