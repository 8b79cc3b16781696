"""Out-of-source comparison of training recipes and data choices (issue 9 experiments).

Every recipe is scored on the same held-out groups (all data sets, the same folds of
:func:`training.oos.group_folds`); a recipe may train on a subset of the data sets
(``--train-on``), so the effect of adding or removing a data set shows on every group.

    .venv/bin/python benchmarks/oos_experiment.py --recipe old --train-on base --out /tmp/old.json
    .venv/bin/python benchmarks/oos_experiment.py --recipe new --out /tmp/new.json
    .venv/bin/python benchmarks/oos_experiment.py --recipe new --drop spamassassin_public_corpus

``--thresholds shipped`` evaluates at the thresholds in ``--model-json`` (with the language rule
given by ``--lang-rule``), else thresholds are chosen on the out-of-source scores themselves.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training.data import BASE_DATASETS, dedupe  # noqa: E402
from training.oos import choose_oos_thresholds, group_folds, oos_scores, oos_table, row_langs  # noqa: E402
from training.sources import ALL_DATASETS, load_datasets  # noqa: E402

RECIPES = {
    "old": {"classifier": "svm"},
}

# the function-word guess shipped before issue 9 (models/lang.py on main), for the old baseline
_OLD_EN = frozenset("the and is are was were to of in it this that for you your my with on be have has not but "
                    "they what so if at as just can will would from about all there their an or do does".split())
_OLD_ID = frozenset("yang dan di ini itu tidak saya untuk dengan ada aku kamu gak ga nggak ya juga dari ke "
                    "kita kami mereka sudah belum akan bisa karena tapi pak bu semoga sama lagi banget aja "
                    "apa kalau kalo deh sih nya dong jangan sangat".split())


def old_comment_lang(declared: str, text: str) -> str:
    words = re.findall(r"[a-z]+", text[:2000].lower())
    en = sum(w in _OLD_EN for w in words)
    idn = sum(w in _OLD_ID for w in words)
    if en >= 2 and en >= 2 * idn:
        return "en"
    if idn >= 2 and idn >= 2 * en:
        return "id"
    return (declared or "").strip().lower().replace("-", "_").split("_")[0]


def fitter(recipe: str, allowed: set[str]):  # type: ignore[no-untyped-def]
    from training.recipe import fit_recipe

    def fit(frame, y):  # type: ignore[no-untyped-def]
        keep = frame["dataset"].isin(allowed).to_numpy()
        return fit_recipe(recipe, frame[keep], y[keep])

    return fit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default="new")
    ap.add_argument("--train-on", default="all", help="'base' (the five old sets) or 'all'")
    ap.add_argument("--drop", action="append", default=[], help="data set not trained on (still evaluated)")
    ap.add_argument("--thresholds", default="oos", choices=["oos", "shipped"])
    ap.add_argument("--model-json", type=Path, default=None)
    ap.add_argument("--lang-rule", default="new", choices=["new", "old"])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--jobs", type=int, default=2, help="folds fitted at once")
    args = ap.parse_args()

    t0 = time.perf_counter()
    raw = load_datasets(None, list(ALL_DATASETS))
    data, _ = dedupe(raw)
    y = data["label"].to_numpy().astype(int)
    allowed = set(BASE_DATASETS if args.train_on == "base" else ALL_DATASETS) - set(args.drop)
    folds = group_folds(data["group"].to_numpy(), data["dataset"].to_numpy())
    s = oos_scores(fitter(args.recipe, allowed), data, y, folds, progress=lambda: print(".", end="", flush=True),
                   n_jobs=args.jobs)
    if args.lang_rule == "old":
        langs = np.asarray([old_comment_lang(d, t) for d, t in zip(data["lang"], data["content"])])
    else:
        langs = row_langs(data)
    if args.thresholds == "shipped":
        meta = json.loads(args.model_json.read_text())
    else:
        trained = data["dataset"].isin(allowed).to_numpy()
        meta = choose_oos_thresholds(y[trained], s[trained], langs[trained])
    table = oos_table(y, s, data["group"].to_numpy(), langs, meta)
    result = {"recipe": args.recipe, "train_on": sorted(allowed), "thresholds": {k: meta.get(k) for k in ("thresholds", "thresholds_by_lang")},
              "lang_rule": args.lang_rule, "seconds": round(time.perf_counter() - t0, 1), "table": table,
              "folds": [sorted(set(data["group"].to_numpy()[te].tolist())) for _, te in folds]}
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
        np.save(args.out.with_suffix(".npy"), s)
    print()
    print(format_table(result))


def format_table(result: dict) -> str:
    def pct(x):  # type: ignore[no-untyped-def]
        return "    –" if x is None else f"{100 * x:5.1f}"

    def f3(x):  # type: ignore[no-untyped-def]
        return "    –" if x is None else f"{x:.3f}"

    lines = [f"recipe {result['recipe']}  thresholds {json.dumps(result['thresholds'])}  ({result['seconds']} s)",
             f"{'group':<44}{'n':>7}{'ham':>7}{'spam':>6}{'held%':>7}{'rej%':>7}{'caught%':>8}{'AUC':>7}{'R@1%':>7}"]
    t = result["table"]
    rows = [("ALL", t["overall"])] + list(t["per_group"].items()) + [("lang:" + k, v) for k, v in t["per_lang"].items()]
    for name, b in rows:
        lines.append(f"{name:<44}{b['n']:>7}{b['n_ham']:>7}{b['n_spam']:>6}{pct(b['ham_held']):>7}{pct(b['ham_rejected']):>7}"
                     f"{pct(b['spam_caught']):>8}{f3(b['roc_auc']):>7}{pct(b['recall_at_1pct_fpr']):>7}")
        if name.startswith("lang:") and "worst_group_ham_held" in b:
            w = b["worst_group_ham_held"]
            lines.append(f"{'   worst group held':<44}{w['group']} {pct(w['ham_held'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
