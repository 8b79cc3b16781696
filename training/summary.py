"""What ``saring retrain`` prints: the outcome, candidate vs current figures, failed checks."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from training.retrain import RetrainResult


def format_summary(result: "RetrainResult") -> str:
    """The lines ``saring retrain`` prints: outcome, candidate vs current figures, failed checks."""
    s = result.summary
    if s.get("refused_early"):
        fb = s["data"]["feedback"]
        return "\n".join([f"run {result.run_id}: {result.status}  (before training: nothing was fitted)",
                          f"current {s['versions']['current']}; feedback {fb['kept']} comments ({fb['spam']} spam), "
                          f"newest label {fb['until'] or '-'}",
                          "refused because: " + "; ".join(s["gate"]["failed"]),
                          *[f"note: {n}" for n in s["notes"]],
                          f"summary: {result.report_dir / 'summary.json'}  ({s['seconds']:.0f} s)"])
    lines = [f"run {result.run_id}: {result.status}  (gate {'passed' if s['gate']['passed'] else 'REFUSED'}"
             f"{', forced' if s['gate']['forced'] else ''})",
             f"current {s['versions']['current']}  ->  candidate {s['versions']['candidate']}"
             + (f"  (published model: refit {s['versions']['published_model']})"
                if s["versions"]["published_model"] != s["versions"]["candidate"] else "")]
    d = s["data"]
    lines.append(f"data: base train {d['base']['train_rows']:,} / eval {d['base']['eval_rows']:,} rows "
                 f"(split {d['eval_split']['version']} {d['eval_split']['digest'][:12]}, pinned: "
                 f"{d['eval_split'].get('pinned')}); feedback {d['feedback']['kept']} comments "
                 f"({d['feedback']['spam']} spam): older {d['feedback']['older']}, newest {d['feedback']['newest']}")
    lines.append(f"{'figure':<34}{'candidate':>11}{'comparator':>11}{'tolerance':>11}  ok  (comparator: current model; on base_eval {s['gate']['base_comparator']})")
    for c in s["gate"]["checks"]:
        ok = {True: "yes", False: "NO", None: "n/a"}[c["ok"]]
        lines.append(f"{c['split'] + ' ' + c['figure']:<34}{_fmt(c['candidate']):>11}{_fmt(c['current']):>11}"
                     f"{_fmt(c['tolerance']):>11}  {ok}")
    if s["gate"]["failed"]:
        lines.append("refused because: " + "; ".join(s["gate"]["failed"]))
    lines += [f"note: {n}" for n in s["notes"]] + [f"warning: {w}" for w in s["warnings"]]
    lines.append(f"report: {result.report_dir / 'report.html'}  ({s['seconds']:.0f} s)")
    return "\n".join(lines)


def _fmt(x: Any) -> str:
    return "–" if x is None else f"{float(x):.4f}"
