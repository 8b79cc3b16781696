"""Collect ``benchmarks/oos_experiment.py`` outputs into ``models/default/experiments.json`` (read by the
model card). Usage: ``python benchmarks/oos_summary.py OUT.json NAME=RUN.json[:NOTE] ...``."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    out = Path(sys.argv[1])
    runs = {}
    for arg in sys.argv[2:]:
        name, _, rest = arg.partition("=")
        path, _, note = rest.partition(":")
        r = json.loads(Path(path).read_text())
        t = r["table"]
        runs[name] = {"recipe": r["recipe"], "trained_on": note or f"{len(r['train_on'])} data sets",
                      "thresholds": r["thresholds"], "overall": t["overall"], "per_lang": t["per_lang"],
                      "per_group": t["per_group"], "seconds": r["seconds"]}
    prev = json.loads(out.read_text()) if out.is_file() else {}
    prev.setdefault("runs", {}).update(runs)
    out.write_text(json.dumps(prev, indent=1) + "\n")


if __name__ == "__main__":
    main()
