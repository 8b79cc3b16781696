"""Checks of the final model after ``saring train`` fits it (plain functions of ``training.train``):
single-comment latency with reasons, and the noisy live-chat set it never trained on, scored at
the served thresholds. Both end up in ``metrics.json``."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models import artifact, caches
from training.data import DataMissingError, load_livechat_check
from training.oos import oos_table, row_langs, served_thresholds, worst_examples


def latency_check(clf: artifact.SpamClassifier, frame: pd.DataFrame, seed: int, n: int = 300) -> dict[str, float]:
    """Wall-clock ms of ``score_one`` (with reasons) on ``n`` comments of ``frame`` (sampled with
    ``seed``), caches emptied first: ``{"n", "median_ms", "p95_ms", "p99_ms", "max_ms"}``."""
    rows = frame.sample(n=min(n, len(frame)), random_state=seed).to_dict("records")
    clf.score_one({"content": "warm-up"})
    caches.clear_all()
    times = []
    for rec in rows:
        t0 = time.perf_counter()
        clf.score_one(rec)
        times.append((time.perf_counter() - t0) * 1000.0)
    return {"n": len(times), "median_ms": float(np.median(times)), "p95_ms": float(np.percentile(times, 95)),
            "p99_ms": float(np.percentile(times, 99)), "max_ms": float(np.max(times))}


def livechat_check(clf: artifact.SpamClassifier, data_dir: Path) -> dict[str, Any]:
    """Score the noisy live-chat set with the final model (never trained on) at served thresholds."""
    try:
        chat = load_livechat_check(data_dir)
    except DataMissingError as exc:
        return {"skipped": str(exc)}
    scores = clf.spam_scores(chat)
    langs = row_langs(chat)
    usable = (chat["check"] == "as_labelled").to_numpy()
    y = chat["label"].to_numpy().astype(int)
    chat = chat.assign(group="id_judol_tribunjogja_livechat/all")
    table = oos_table(y[usable], scores[usable], chat["group"].to_numpy()[usable], langs[usable], clf.metadata)
    hold, _ = served_thresholds(clf.metadata, langs)
    mis = (chat["check"] == "known_mislabelled").to_numpy()
    kw = (chat["content"].str.contains(r"(?i)slot|judi|togel", regex=True) & (chat["label"] == 0)).to_numpy()
    return {
        "note": "distinct texts only; known mislabelled togel promo excluded from the metrics",
        "as_labelled": table["overall"],
        "known_mislabelled_togel_promo_scores": [round(float(x), 4) for x in scores[mis]],
        "ham_with_gambling_words": {
            "n": int(kw.sum()),
            "held": int((scores[kw] >= hold[kw]).sum()),
            "examples": [{"text": t, "score": round(float(s), 4)}
                         for t, s in list(zip(chat["content"][kw], scores[kw]))[:15]],
        },
        "worst": worst_examples(chat[usable].reset_index(drop=True), y[usable], scores[usable], k=20),
    }
