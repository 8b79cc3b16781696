"""Replay the YouTube Spam Collection as five sites, with and without site learning (issue 10).

Each video's comments (AUTHOR, DATE, CONTENT, CLASS) are sent in time order through the JSON API
(``POST /api/v1/comments``) as one site. The data set's labels play the moderator: every comment
the service *held* gets its label as a moderator action (approve / spam), and a fraction
(``--report-fraction``, seeded) of the spam it *accepted* is reported with Akismet ``submit-spam``
(by guid). Rejected comments are left alone (moderators rarely look there). Each video is replayed
twice in the same run, on two sites: one with the site-learning rules (trusted commenters,
reputation, known ham, floods) and one with them off (``learning.enabled = false``: the model, the
hard rules and the near-duplicate memory of moderator spam, as before issue 10).

The model is *out of source* by default: the shipped recipe refitted on the training data without
``youtube_spam_collection`` (the shipped model was trained on these comments; its scores on them
would say nothing). It is cached under ``--out``. Thresholds: the shipped model's per-language
ones (what a new site gets).

Identity: YouTube authors are channels, so each comment carries ``author`` and an ``author_url``
``https://www.youtube.com/@<author>`` (a profile-platform URL: it identifies the commenter, its
domain never pools a reputation); ``user_ip`` is a documentation address (192.0.2.1: not public, so
no IP reputation or IP flood — the data set has no addresses).

Caveat: the replay is compressed into minutes, so the flood windows (10 minutes / 1 hour) see a
whole video's months of comments at once, and "accepted N days ago" trust never applies.

    .venv/bin/python benchmarks/site_replay.py [--data-dir ../shared/data] [--out var/replay]
        [--model oos|shipped] [--report-fraction 0.5] [--seed 20261203]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

VIDEOS = ["Youtube01-Psy", "Youtube02-KatyPerry", "Youtube03-LMFAO", "Youtube04-Eminem", "Youtube05-Shakira"]


def oos_model(data_dir: Path, out: Path) -> tuple[str, bytes, dict]:
    """``(version, artifact bytes, metadata)`` of the recipe fitted without the YouTube set (cached)."""
    from models import artifact
    from training.data import dedupe
    from training.recipe import fit_recipe
    from training.sources import TRAIN_DATASETS, load_datasets
    from training.train import RECIPE

    cache = out / "oos-model.bin"
    if cache.exists():
        blob = cache.read_bytes()
        clf = artifact.loads(blob)
        return clf.version, blob, clf.metadata
    meta_src = json.loads((Path("models/default") / "model.json").read_text())
    t0 = time.perf_counter()
    data, _ = dedupe(load_datasets(data_dir, TRAIN_DATASETS))
    data = data[data["dataset"] != "youtube_spam_collection"].reset_index(drop=True)
    y = data["label"].to_numpy().astype(int)
    model = fit_recipe(RECIPE, data, y)
    pipe, prior = (model.pipeline, model.prior) if hasattr(model, "prior") else (model, None)
    metadata = {k: meta_src[k] for k in ("thresholds", "thresholds_by_lang", "params", "weighting") if k in meta_src}
    metadata.update({"lexicon_prior": prior, "quick": False, "trained_at": "replay",
                     "data": {"rows_used": int(len(data)), "spam_used": int(y.sum()),
                              "excluded": ["youtube_spam_collection"]}})
    blob = artifact.dumps(pipe, metadata)
    out.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(blob)
    print(f"fitted the out-of-source model on {len(data)} rows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    clf = artifact.loads(blob)
    return clf.version, blob, clf.metadata


def load_video(data_dir: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(data_dir / "youtube_spam_collection" / f"{name}.csv")
    frame["DATE"] = pd.to_datetime(frame["DATE"], errors="coerce")
    return frame.sort_values("DATE", kind="stable", na_position="first").reset_index(drop=True)


def replay(client, key: str, blog: str, frame: pd.DataFrame, report_fraction: float, seed: int,
           admin_token: str) -> list[dict]:
    """Send every row; return one record per row: label, answered decision, rule, reasons. Whether an
    accepted spam row is reported depends on the seed and the row only, so both modes report the
    same rows when both accept them."""
    out = []
    auth = {"Authorization": f"Bearer {key}"}
    mod = {"Authorization": f"Bearer {admin_token}"}
    for row in frame.itertuples():
        author = str(row.AUTHOR)
        body = {"content": str(row.CONTENT), "author": author, "user_ip": "192.0.2.1",
                "author_url": "https://www.youtube.com/@" + "".join(ch for ch in author if ch.isalnum())[:60]}
        r = client.post("/api/v1/comments", headers=auth, json=body)
        if r.status_code != 200:
            out.append({"label": int(row.CLASS), "decision": "error", "status": r.status_code})
            continue
        ans = r.json
        label = int(row.CLASS)
        out.append({"label": label, "decision": ans["decision"], "reasons": ans["reasons"][:2],
                    "content": body["content"][:100]})
        if ans["decision"] == "hold":
            action = "spam" if label else "approve"
            resp = client.post("/api/v1/queue/actions", headers=mod, json={"action": action, "ids": [ans["id"]]})
            assert resp.status_code == 200, resp.json
        elif ans["decision"] == "accept" and label and random.Random(f"{seed}:{row.Index}").random() < report_fraction:
            resp = client.post("/1.1/submit-spam", data={"api_key": key, "blog": blog, "guid": ans["id"],
                                                         "user_ip": "192.0.2.1", "comment_content": body["content"],
                                                         "comment_author": author})
            assert resp.status_code == 200 and resp.text == "Thanks for making the web a better place.", resp.text
    return out


def rates(rows: list[dict]) -> dict:
    ham = [r for r in rows if r["label"] == 0]
    spam = [r for r in rows if r["label"] == 1]
    pct = lambda n, d: 100.0 * n / d if d else float("nan")  # noqa: E731
    return {"ham": len(ham), "spam": len(spam),
            "ham_held": pct(sum(r["decision"] in ("hold", "reject") for r in ham), len(ham)),
            "ham_rejected": pct(sum(r["decision"] == "reject" for r in ham), len(ham)),
            "spam_caught": pct(sum(r["decision"] in ("hold", "reject") for r in spam), len(spam)),
            "errors": sum(r["decision"] == "error" for r in rows)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=Path("var/replay"))
    ap.add_argument("--model", choices=["oos", "shipped"], default="oos")
    ap.add_argument("--report-fraction", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=20261203)
    args = ap.parse_args(argv)

    from training.paths import default_data_dir
    from service.accounts import sites, users
    from service.app import create_app
    from service.learning.settings import configure_site
    from service.runtime import Runtime
    from service.config import Settings
    from service.serving import versions
    from service.store.db import session_scope
    from service.store.tables import Site

    data_dir = args.data_dir or default_data_dir()
    home = Path(tempfile.mkdtemp(prefix="saring-replay-"))
    config = {"home": home, "database_url": f"sqlite:///{home / 'replay.db'}", "redis_url": "",
              "secret_key": "replay", "api_key_secret": "replay", "model_poll_seconds": 0.2}
    settings = Settings.from_env().with_overrides(config)
    rt = Runtime.create(settings, load_model=False)
    if args.model == "oos":
        version, blob, meta = oos_model(data_dir, args.out)
        versions.publish(rt.db, rt.registry, version, blob, meta, published_by="site_replay")
    rt.close()
    app = create_app(config)
    client = app.test_client()
    with session_scope(app.extensions["saring"].db) as s:
        token = users.create_api_token(s, users.create_user(s, "replay-admin@example.com",
                                                            "replay admin password 1", "admin"))
    model_version = app.extensions["saring"].holder.classifier.version
    results: dict[str, dict[str, list[dict]]] = {}
    t0 = time.perf_counter()
    for name in VIDEOS:
        frame = load_video(data_dir, name)
        results[name] = {}
        for mode in ("with", "without"):
            with session_scope(app.extensions["saring"].db) as s:
                new = sites.create_key(s, f"https://{name.lower()}-{mode}.example")
                site = s.get(Site, new.site_id)
                if mode == "without":
                    configure_site(site, changes={"enabled": False})
            results[name][mode] = replay(client, new.key, new.site_url, frame, args.report_fraction, args.seed, token)
    seconds = time.perf_counter() - t0
    app.extensions["saring"].close()

    print(f"model {model_version} ({args.model}); {sum(len(v['with']) for v in results.values())} comments per mode; "
          f"report fraction {args.report_fraction}; {seconds:.0f} s")
    header = f"{'video':<22}{'half':<7}{'ham':>5}{'spam':>5} | {'without: held':>14}{'rejected':>9}{'caught':>8} | " \
             f"{'with: held':>11}{'rejected':>9}{'caught':>8}"
    print(header)
    print("-" * len(header))
    totals = {m: {"all": [], "second": []} for m in ("with", "without")}
    for name in VIDEOS:
        for half in ("all", "second"):
            line = []
            for mode in ("without", "with"):
                rows = results[name][mode]
                part = rows if half == "all" else rows[len(rows) // 2:]
                totals[mode][half].extend(part)
                line.append(rates(part))
            a, b = line
            print(f"{name:<22}{half:<7}{a['ham']:>5}{a['spam']:>5} | {a['ham_held']:>13.1f}%{a['ham_rejected']:>8.1f}%"
                  f"{a['spam_caught']:>7.1f}% | {b['ham_held']:>10.1f}%{b['ham_rejected']:>8.1f}%{b['spam_caught']:>7.1f}%")
    for half in ("all", "second"):
        a, b = rates(totals["without"][half]), rates(totals["with"][half])
        print(f"{'ALL':<22}{half:<7}{a['ham']:>5}{a['spam']:>5} | {a['ham_held']:>13.1f}%{a['ham_rejected']:>8.1f}%"
              f"{a['spam_caught']:>7.1f}% | {b['ham_held']:>10.1f}%{b['ham_rejected']:>8.1f}%{b['spam_caught']:>7.1f}%")
    errors = sum(rates(totals[m]["all"])["errors"] for m in totals)
    print(f"errors: {errors}")
    # what the site rules changed, read them
    changed = {"ham held only with learning": [], "spam caught only with learning": [],
               "spam caught only without learning": [], "ham held only without learning": []}
    for name in VIDEOS:
        for w, wo in zip(results[name]["with"], results[name]["without"]):
            held_w, held_wo = w["decision"] in ("hold", "reject"), wo["decision"] in ("hold", "reject")
            if held_w != held_wo:
                key = ("spam caught only " if w["label"] else "ham held only ") + \
                      ("with learning" if held_w else "without learning")
                changed[key].append(f"[{name}] {w['content']!r} — {(w if held_w else wo)['reasons'][:1]}")
    for key, items in changed.items():
        print(f"\n{key}: {len(items)}")
        for item in items[:12]:
            print("   ", item)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
