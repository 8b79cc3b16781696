"""Hot swap under load: comments posted by several threads to a live server while a new model is
published and then rolled back. No request may fail, and every answer must come from one model
(its spam_score is the score of the version it names, never a mix)."""
from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest

from models.artifact import dumps, loads
from models.pipeline import build_pipeline
from service.serving import versions as model_versions

THREADS = 4
#: Bounds of the load loop: requests per thread and seconds in all.
MAX_REQUESTS_PER_THREAD = 400
MAX_SECONDS = 30.0


def _other_model():
    """A small, genuinely different model (its scores differ from the shipped model's)."""
    spam = [f"buy cheap pills now at pharmacy shop number {i}, best price guaranteed" for i in range(40)]
    ham = [f"thanks for article number {i}, the photos of the harbour are lovely" for i in range(40)]
    rows = [{"content": t} for t in spam + ham]
    import pandas as pd

    from models.comment import to_frame

    pipe = build_pipeline(classifier="logreg", word_max_features=500, char_max_features=500, calibration_cv=2)
    pipe.fit(to_frame(rows), pd.Series([1] * 40 + [0] * 40).to_numpy())
    meta = {"thresholds": {"hold": 0.5, "reject": 0.95}, "trained_at": "2026-12-03T00:00:00+00:00",
            "note": f"hot-swap test model {time.time()}"}
    return loads(dumps(pipe, meta))


@pytest.fixture
def live_app(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="hot-swap-server", daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


def test_hot_swap_and_rollback_under_concurrent_requests(live_app, auth):
    app, base = live_app
    rt = app.extensions["saring"]
    old = rt.holder.classifier
    new = _other_model()
    assert new.version != old.version
    stop = threading.Event()
    results: list[tuple[str, int, str | None, float | None]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def load(worker: int) -> None:
        with httpx.Client(base_url=base, headers=auth, timeout=10.0) as http:
            for i in range(MAX_REQUESTS_PER_THREAD):
                if stop.is_set():
                    return
                text = f"Comment {worker}-{i}: buy cheap pills now, or read the article about the harbour"
                try:
                    r = http.post("/api/v1/comments", json={"content": text, "user_ip": f"192.0.2.{worker + 1}"})
                    body = r.json()
                    with lock:
                        if r.status_code != 200:
                            failures.append(f"{r.status_code} {body}")
                        results.append((text, r.status_code, body.get("model_version"), body.get("spam_score")))
                except Exception as exc:  # noqa: BLE001 - every kind of failure is counted
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=load, args=(w,)) for w in range(THREADS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(1.0)
    model_versions.publish(rt.db, rt.registry, new.version, new.blob, new.metadata, published_by="hot-swap test")
    t_pub = time.monotonic()
    assert rt.holder.wait_for(new.version, timeout=5.0), "worker did not switch within 5 s"
    swap_seconds = time.monotonic() - t_pub
    time.sleep(1.0)
    model_versions.set_current(rt.db, rt.registry, old.version)
    t_back = time.monotonic()
    assert rt.holder.wait_for(old.version, timeout=5.0), "worker did not roll back within 5 s"
    rollback_seconds = time.monotonic() - t_back
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join(MAX_SECONDS)
    elapsed = time.monotonic() - started

    versions = Counter(v for _, _, v, _ in results)
    print(f"\nhot swap: {len(results)} requests by {THREADS} threads in {elapsed:.1f} s; failed: {len(failures)}; "
          f"served by version: {dict(versions)}; switch seen after {swap_seconds:.2f} s, rollback after "
          f"{rollback_seconds:.2f} s")
    assert failures == [], failures[:5]
    assert versions[new.version] > 0 and versions[old.version] > 0
    # every answer is wholly one model's: its spam_score is that version's score of the text
    models = {old.version: old, new.version: new}
    for text, _status, version, score in results[:: max(1, len(results) // 200)]:
        clf = models[version]
        expected = clf.score_one({"content": text}).spam_score
        assert score == pytest.approx(expected, abs=1e-9), (version, text)
