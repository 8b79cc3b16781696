"""Model artifacts: skops serialisation with an explicit type allowlist.

An artifact is the skops (https://skops.readthedocs.io, ``skops.io``) zip of the dict
``{"format": FORMAT, "pipeline": <fitted Pipeline>, "metadata": <JSON-able dict>}``.
Loading never unpickles: skops rebuilds objects from a schema, and every type the blob
names that skops does not trust by default must be in :data:`ALLOWED_TYPES`, otherwise
:class:`ArtifactError` is raised. The version and digest are derived from the bytes:
``version = "<YYYYMMDD of trained_at>-<first 12 hex of sha256(blob)>"``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.pipeline import Pipeline

from models.classifier import SpamClassifier

__all__ = [
    "ALLOWED_TYPES",
    "DEFAULT_DIR",
    "FORMAT",
    "ArtifactError",
    "dumps",
    "load_default",
    "loads",
    "make_version",
    "sha256_hex",
]

FORMAT = "saring-model/1"

#: Folder of the shipped default model (``model.skops`` + ``model.json``).
DEFAULT_DIR = Path(__file__).resolve().parent / "default"

#: Types outside skops' default trust that an artifact may contain. Anything else
#: (e.g. ``builtins.eval``, ``os.system``, an unknown class) makes :func:`loads` refuse.
ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "models.features.CommentSignals",
        "models.features.CompactCountVectorizer",
        "models.features.CompactTfidfVectorizer",
        "models.features.MetaTokens",
        "models.features.QuantileClipScaler",
        "models.features.TextNormalizer",
        "models.lexicon.LexiconSignals",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.isotonic.IsotonicRegression",
        "sklearn.model_selection._split.StratifiedKFold",
    }
)


class ArtifactError(ValueError):
    """The bytes are not a valid, trusted Saring model artifact (digest mismatch,
    untrusted types, corrupt or foreign content)."""


def sha256_hex(blob: bytes) -> str:
    """Hex SHA-256 digest of ``blob`` (64 characters)."""
    return hashlib.sha256(blob).hexdigest()


def make_version(blob: bytes, trained_at: str | None) -> str:
    """``"<YYYYMMDD>-<first 12 hex of sha256(blob)>"``; the date comes from the ISO
    ``trained_at`` (UTC today when missing or unparsable)."""
    try:
        day = dt.datetime.fromisoformat(str(trained_at)).strftime("%Y%m%d")
    except (TypeError, ValueError):
        day = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d")
    return f"{day}-{sha256_hex(blob)[:12]}"


def dumps(pipeline: Pipeline, metadata: dict[str, Any]) -> bytes:
    """Serialise a fitted pipeline and its metadata to artifact bytes.

    Args:
        pipeline: fitted pipeline from :func:`models.pipeline.build_pipeline`.
        metadata: JSON-serialisable dict (``thresholds``, ``metrics``, ``trained_at``,
            ``data`` ...). ``version``/``sha256`` must not be in it: they are derived from
            the bytes.

    Returns:
        The skops zip (deflate-compressed) as bytes.

    Raises:
        ArtifactError: metadata not JSON-serialisable.
    """
    try:
        meta = json.loads(json.dumps(metadata))
    except (TypeError, ValueError) as exc:
        raise ArtifactError(f"metadata is not JSON-serialisable: {exc}") from exc
    meta.pop("version", None)
    meta.pop("sha256", None)
    payload = {"format": FORMAT, "pipeline": pipeline, "metadata": meta}
    return sio.dumps(payload, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def loads(blob: bytes, expected_sha256: str | None = None) -> SpamClassifier:
    """Load artifact bytes into a :class:`SpamClassifier`, safely.

    Args:
        blob: bytes from :func:`dumps`.
        expected_sha256: hex digest the bytes must have (e.g. from ``model.json`` or the
            registry); ``None`` skips the check.

    Returns:
        The classifier, with ``sha256`` and ``version`` computed from ``blob``.

    Raises:
        ArtifactError: digest mismatch; a type outside skops' defaults and
            :data:`ALLOWED_TYPES`; bytes that are not a skops zip or not a Saring
            artifact.
    """
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise ArtifactError(f"artifact must be bytes, got {type(blob).__name__}")
    blob = bytes(blob)
    digest = sha256_hex(blob)
    if expected_sha256 is not None and digest != expected_sha256.strip().lower():
        raise ArtifactError(
            f"artifact digest mismatch: expected sha256 {expected_sha256}, got {digest}"
        )
    try:
        untrusted = sio.get_untrusted_types(data=blob)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, JSON errors ...
        raise ArtifactError(f"not a valid model artifact: {type(exc).__name__}: {exc}") from exc
    refused = sorted(t for t in untrusted if t not in ALLOWED_TYPES)
    if refused:
        raise ArtifactError(f"artifact contains untrusted types: {', '.join(refused)}")
    try:
        payload = sio.loads(blob, trusted=list(untrusted))
    except Exception as exc:
        raise ArtifactError(f"could not load model artifact: {type(exc).__name__}: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ArtifactError(f"not a Saring model artifact (expected format {FORMAT!r})")
    pipeline = payload.get("pipeline")
    metadata = payload.get("metadata")
    if not isinstance(pipeline, Pipeline) or not isinstance(metadata, dict):
        raise ArtifactError("artifact lacks a pipeline or metadata")
    version = make_version(blob, metadata.get("trained_at"))
    clf = SpamClassifier(pipeline, metadata, version=version, sha256=digest)
    clf.blob = blob
    return clf


def load_default(directory: Path | str | None = None) -> SpamClassifier:
    """Load the shipped default model (``models/default/model.skops`` checked against
    the ``sha256`` in ``models/default/model.json``).

    Args:
        directory: another folder with the same two files (tests, training output).

    Returns:
        The classifier; its metadata is the artifact's, updated with ``model.json``.

    Raises:
        ArtifactError: files missing, digest mismatch or untrusted content.
    """
    folder = Path(directory) if directory is not None else DEFAULT_DIR
    try:
        blob = (folder / "model.skops").read_bytes()
        info = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"default model not readable in {folder}: {exc}") from exc
    clf = loads(blob, expected_sha256=info.get("sha256"))
    if info.get("version") and info["version"] != clf.version:
        raise ArtifactError(f"model.json version {info['version']} does not match the artifact ({clf.version})")
    clf.metadata.update({k: v for k, v in info.items() if k not in ("version", "sha256")})
    return clf
