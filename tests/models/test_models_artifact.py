"""models.artifact: round trip, digests, untrusted and invalid blobs."""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import pytest
import skops.io as sio

from models.artifact import FORMAT, ArtifactError, dumps, load_default, loads, sha256_hex

META = {"thresholds": {"hold": 0.4, "reject": 0.9}, "trained_at": "2026-01-02T03:04:05+00:00", "metrics": {}}


class Evil:
    """A class no allowlist knows."""


def test_round_trip(tiny_pipeline, tiny_frame) -> None:  # type: ignore[no-untyped-def]
    blob = dumps(tiny_pipeline, META)
    clf = loads(blob, expected_sha256=sha256_hex(blob))
    assert clf.sha256 == sha256_hex(blob)
    assert re.fullmatch(r"20260102-[0-9a-f]{12}", clf.version)
    assert clf.version.endswith(clf.sha256[:12])
    assert clf.thresholds == {"hold": 0.4, "reject": 0.9}
    assert np.allclose(clf.spam_scores(tiny_frame), tiny_pipeline.predict_proba(tiny_frame)[:, 1])


def test_digest_mismatch_refused(tiny_pipeline) -> None:  # type: ignore[no-untyped-def]
    blob = dumps(tiny_pipeline, META)
    with pytest.raises(ArtifactError, match="digest mismatch"):
        loads(blob, expected_sha256="0" * 64)


def test_tampered_bytes_refused(tiny_pipeline) -> None:  # type: ignore[no-untyped-def]
    blob = bytearray(dumps(tiny_pipeline, META))
    digest = sha256_hex(bytes(blob))
    blob[len(blob) // 2] ^= 0xFF
    with pytest.raises(ArtifactError):
        loads(bytes(blob), expected_sha256=digest)
    with pytest.raises(ArtifactError):  # without a digest the zip/schema check catches it
        loads(bytes(blob))


def _swap_schema(blob: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    src = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "schema.json":
                data = json.dumps(edit(json.loads(data))).encode()
            dst.writestr(item, data)
    return out.getvalue()


def test_untrusted_type_refused(tiny_pipeline) -> None:  # type: ignore[no-untyped-def]
    blob = sio.dumps({"format": FORMAT, "pipeline": tiny_pipeline, "metadata": META, "x": Evil()})
    with pytest.raises(ArtifactError, match="untrusted types.*Evil"):
        loads(blob)
    blob = sio.dumps({"format": FORMAT, "pipeline": tiny_pipeline, "metadata": META, "f": eval})
    with pytest.raises(ArtifactError, match="untrusted types.*eval"):
        loads(blob)


def test_schema_edited_to_dangerous_type_refused(tiny_pipeline) -> None:  # type: ignore[no-untyped-def]
    """An attacker rewriting a class reference to os.system is refused before loading."""
    blob = dumps(tiny_pipeline, META)

    def edit(schema: dict) -> dict:
        text = json.dumps(schema).replace('"TextNormalizer"', '"system"').replace(
            '"models.features"', '"os"', 1
        )
        return json.loads(text)

    with pytest.raises(ArtifactError):
        loads(_swap_schema(blob, edit))


@pytest.mark.parametrize("blob", [b"", b"not a zip", b"PK\x03\x04garbage"])
def test_invalid_blob_refused(blob: bytes) -> None:
    with pytest.raises(ArtifactError):
        loads(blob)


def test_foreign_skops_object_refused() -> None:
    with pytest.raises(ArtifactError, match="not a Saring model artifact"):
        loads(sio.dumps([1, 2, 3]))
    with pytest.raises(ArtifactError):
        loads("a string")  # type: ignore[arg-type]


def test_metadata_must_be_json(tiny_pipeline) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArtifactError):
        dumps(tiny_pipeline, {"bad": object()})


def test_load_default_checks_digest(tmp_path, tiny_pipeline) -> None:  # type: ignore[no-untyped-def]
    blob = dumps(tiny_pipeline, META)
    (tmp_path / "model.skops").write_bytes(blob)
    (tmp_path / "model.json").write_text(json.dumps({"sha256": "f" * 64}))
    with pytest.raises(ArtifactError, match="digest mismatch"):
        load_default(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"sha256": sha256_hex(blob)}))
    assert load_default(tmp_path).sha256 == sha256_hex(blob)
    with pytest.raises(ArtifactError):
        load_default(tmp_path / "missing")
