"""The report of one retrain run: ``report.html`` and PNG plots in the run folder.

Plots (matplotlib, Agg backend; curves and bins from :mod:`sklearn.metrics` and
:func:`sklearn.calibration.calibration_curve`), each with the candidate beside the current model
(and, where present, the reference and the published refit — see :mod:`training.retrain`):

* ``roc.png`` — ROC curves (false positive rate on a symlog axis, since the thresholds live at
  0.1–1 %), the models' hold (●) and reject (■) operating points marked;
* ``precision_recall.png`` — precision-recall curves with the same points;
* ``score_histograms.png`` — spam_score histograms per class (ham, spam), thresholds as lines;
* ``calibration.png`` — reliability curves (10 quantile bins);
* ``confusion_<split>.png`` — confusion matrices at the hold and reject thresholds;

for the two evaluation sets: the fixed evaluation split of the base data (``base_eval``) and the
newest feedback (``feedback_newest``). The per-data-set table and the gate's checks are in the
HTML (Jinja2, autoescaped).
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from jinja2 import Environment, select_autoescape  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay, precision_recall_curve, roc_curve  # noqa: E402

__all__ = ["PLOTS", "write_report"]

#: Colour and line style of each model in every plot.
STYLE = {
    "current": {"color": "#6b7280", "ls": "--"},
    "candidate": {"color": "#2563eb", "ls": "-"},
    "reference": {"color": "#d97706", "ls": ":"},
    "published": {"color": "#059669", "ls": "-."},
}
SPLIT_TITLES = {"base_eval": "fixed evaluation split (base data)", "feedback_newest": "newest feedback (time split)"}
#: Files written besides report.html.
PLOTS = ("roc.png", "precision_recall.png", "score_histograms.png", "calibration.png",
         "confusion_base_eval.png", "confusion_feedback_newest.png")


def _usable(split: dict[str, Any]) -> bool:
    y = np.asarray(split["y"])
    return len(y) > 0 and len(np.unique(y)) == 2


def _empty(ax: Any, title: str, why: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, fontsize=9, color="#6b7280", wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def _not_enough(split: dict[str, Any]) -> str:
    y = np.asarray(split["y"])
    return f"not enough data: {len(y)} comments, {int(y.sum()) if len(y) else 0} spam"


def _split_panels(splits: dict[str, dict[str, Any]]) -> tuple[Any, list[tuple[Any, str, dict[str, Any], np.ndarray]]]:
    """One panel per evaluation set; sets without both classes get a "not enough data" panel.
    Returns ``(figure, [(axes, set name, set, labels) for the usable sets])``."""
    fig, axes = plt.subplots(1, len(splits), figsize=(6 * len(splits), 5), squeeze=False)
    panels = []
    for ax, (name, sp) in zip(axes[0], splits.items()):
        if _usable(sp):
            panels.append((ax, name, sp, np.asarray(sp["y"])))
        else:
            _empty(ax, SPLIT_TITLES[name], _not_enough(sp))
    return fig, panels


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _curves(splits: dict[str, dict[str, Any]], path: Path, kind: str) -> None:
    """ROC (``kind="roc"``) or precision-recall (``"pr"``) curves per model, with each model's hold
    (●) and reject (■) operating points."""
    fig, panels = _split_panels(splits)
    for ax, name, sp, y in panels:
        for model, s in sp["scores"].items():
            s = np.asarray(s)
            st = STYLE[model]
            if kind == "roc":
                xs, ys, _ = roc_curve(y, s)
            else:
                precision, recall, _ = precision_recall_curve(y, s)
                xs, ys = recall, precision
            ax.plot(xs, ys, color=st["color"], ls=st["ls"], lw=1.6, label=model)
            for key, marker in (("hold", "o"), ("reject", "s")):
                flagged = s >= sp["thresholds"][model][key]
                if not flagged.any() and kind == "pr":
                    continue
                point = ((flagged[y == 0].mean(), flagged[y == 1].mean()) if kind == "roc"
                         else (flagged[y == 1].mean(), y[flagged].mean()))
                ax.plot([point[0]], [point[1]], marker=marker, color=st["color"], ms=7, mec="black", mew=0.6, ls="none")
        if kind == "roc":
            ax.set_xscale("symlog", linthresh=1e-3)
            ax.set_xlim(0, 1)
            for x in (0.01, 0.001):
                ax.axvline(x, color="#d1d5db", lw=0.8)
            ax.set_xlabel("false positive rate (ham flagged; symlog axis, lines at 0.1 % and 1 %)")
            ax.set_ylabel("spam recall")
            ax.set_title(f"ROC — {SPLIT_TITLES[name]} (n={len(y):,})", fontsize=10)
        else:
            ax.set_xlabel("spam recall")
            ax.set_ylabel("precision")
            ax.set_title(f"Precision-recall — {SPLIT_TITLES[name]} (spam {int(y.sum()):,} of {len(y):,})", fontsize=10)
        ax.set_ylim(0, 1.01)
        ax.legend(loc="lower right" if kind == "roc" else "lower left", fontsize=8, title="● hold  ■ reject",
                  title_fontsize=8)
        ax.grid(alpha=0.3)
    _save(fig, path)


def _histograms(splits: dict[str, dict[str, Any]], path: Path) -> None:
    models = ["current", "candidate"]
    fig, axes = plt.subplots(len(splits), len(models), figsize=(6 * len(models), 3.6 * len(splits)), squeeze=False)
    bins = np.linspace(0, 1, 41)
    for row, (name, sp) in zip(axes, splits.items()):
        y = np.asarray(sp["y"])
        for ax, model in zip(row, models):
            title = f"{model} — {SPLIT_TITLES[name]}"
            if len(y) == 0:
                _empty(ax, title, _not_enough(sp))
                continue
            s = np.asarray(sp["scores"][model])
            ax.hist(s[y == 0], bins=bins, color="#10b981", alpha=0.6, label=f"ham (n={int((y == 0).sum()):,})")
            ax.hist(s[y == 1], bins=bins, color="#ef4444", alpha=0.6, label=f"spam (n={int((y == 1).sum()):,})")
            th = sp["thresholds"][model]
            ax.axvline(th["hold"], color="#f59e0b", lw=1.2, label=f"hold {th['hold']:.3f}")
            ax.axvline(th["reject"], color="#7f1d1d", lw=1.2, label=f"reject {th['reject']:.3f}")
            ax.set_yscale("log")
            ax.set_xlabel("spam_score")
            ax.set_ylabel("comments (log)")
            ax.set_title(title, fontsize=10)
            ax.legend(fontsize=8)
    _save(fig, path)


def _calibration(splits: dict[str, dict[str, Any]], path: Path) -> None:
    fig, panels = _split_panels(splits)
    for ax, name, sp, y in panels:
        ax.plot([0, 1], [0, 1], color="#9ca3af", lw=0.8, label="perfectly calibrated")
        n_bins = 10 if len(y) >= 100 else max(2, len(y) // 10)
        for model, s in sp["scores"].items():
            frac, mean = calibration_curve(y, s, n_bins=n_bins, strategy="quantile")
            st = STYLE[model]
            ax.plot(mean, frac, marker="o", ms=4, color=st["color"], ls=st["ls"], lw=1.4, label=model)
        ax.set_xlabel("mean spam_score in bin")
        ax.set_ylabel("share of spam in bin")
        ax.set_title(f"Calibration ({n_bins} quantile bins) — {SPLIT_TITLES[name]}", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    _save(fig, path)


def _confusion(name: str, sp: dict[str, Any], path: Path) -> None:
    models = list(sp["scores"])
    fig, axes = plt.subplots(2, len(models), figsize=(3.4 * len(models), 6.4), squeeze=False)
    y = np.asarray(sp["y"])
    for r, key in enumerate(("hold", "reject")):
        for c, model in enumerate(models):
            ax = axes[r][c]
            th = sp["thresholds"][model][key]
            title = f"{model} @ {key} {th:.3f}"
            if len(y) == 0:
                _empty(ax, title, _not_enough(sp))
                continue
            pred = (np.asarray(sp["scores"][model]) >= th).astype(int)
            ConfusionMatrixDisplay.from_predictions(y, pred, labels=[0, 1], display_labels=["ham", "spam"], ax=ax,
                                                    colorbar=False, cmap="Blues", values_format="d")
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("predicted (flagged = spam)", fontsize=8)
            ax.set_ylabel("label", fontsize=8)
    fig.suptitle(f"Confusion matrices — {SPLIT_TITLES[name]}", fontsize=10)
    _save(fig, path)


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Retrain run {{ run_id }} · Saring</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#111827}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #e5e7eb;padding:3px 8px;text-align:right} th:first-child,td:first-child{text-align:left}
th{background:#f9fafb} .ok{color:#047857;font-weight:600} .bad{color:#b91c1c;font-weight:600} .na{color:#6b7280}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:white;font-weight:600}
.published{background:#059669} .refused{background:#b91c1c} .dry-run{background:#6b7280}
img{max-width:100%;border:1px solid #e5e7eb;margin:6px 0} .muted{color:#6b7280} code{font-size:12px}
</style></head><body>
<h1>Retrain run {{ run_id }} <span class="badge {{ s.status }}">{{ s.status }}</span></h1>
<p class="muted">gate {{ 'passed' if s.gate.passed else 'refused' }}{{ ', forced' if s.gate.forced }} ·
current <code>{{ s.versions.current }}</code> → candidate <code>{{ s.versions.candidate }}</code>
{% if s.versions.published_model != s.versions.candidate %} · published model (refit on all feedback)
<code>{{ s.versions.published_model }}</code>{% endif %} · {{ s.seconds }} s</p>
{% if s.gate.failed %}<p class="bad">Refused because: {{ s.gate.failed | join('; ') }}</p>{% endif %}
{% for n in s.notes %}<p class="muted">Note: {{ n }}</p>{% endfor %}
{% for w in s.warnings %}<p class="bad">Warning: {{ w }}</p>{% endfor %}

<h2>Gate</h2>
<p class="muted">Each model at its own thresholds. Guarded: ham FPR at hold and reject (lower is better), spam recall
at hold and ROC AUC (higher is better). Tolerances: {{ tol }}; on small sets one comment's worth.
Comparator on the base split: <b>{{ s.gate.base_comparator }}</b>.</p>
<table><tr><th>evaluation set · figure</th><th>candidate</th><th>comparator</th><th>tolerance</th><th>ok</th></tr>
{% for c in s.gate.checks %}<tr><td>{{ c.split }} · {{ c.figure }}</td><td>{{ f(c.candidate) }}</td><td>{{ f(c.current) }}</td>
<td>{{ f(c.tolerance) }}</td><td class="{{ {True: 'ok', False: 'bad', None: 'na'}[c.ok] }}">{{ {True: 'yes', False: 'NO', None: 'n/a'}[c.ok] }}</td></tr>
{% endfor %}</table>

{% for split, rows in [('base_eval', s.figures.base_eval), ('feedback_newest', s.figures.feedback_newest)] %}
<h2>{{ titles[split] }}</h2>
{% if rows %}
<table><tr><th>model</th><th>n</th><th>spam</th><th>ROC AUC</th><th>precision@hold</th><th>recall@hold</th>
<th>ham FPR@hold</th><th>recall@reject</th><th>ham FPR@reject</th><th>hold</th><th>reject</th></tr>
{% for model, r in rows.items() %}<tr><td>{{ model }}{% if model == 'current' and split == 'base_eval' and s.current_saw_eval_split %}
<span class="muted">(trained on these rows: optimistic)</span>{% endif %}</td><td>{{ r.n }}</td><td>{{ r.n_spam }}</td><td>{{ f(r.roc_auc) }}</td>
<td>{{ f(r.precision_at_hold) }}</td><td>{{ f(r.recall_at_hold) }}</td><td>{{ pct(r.fpr_at_hold) }}</td>
<td>{{ f(r.recall_at_reject) }}</td><td>{{ pct(r.fpr_at_reject) }}</td>
<td>{{ f(s.thresholds[model].hold) }}</td><td>{{ f(s.thresholds[model].reject) }}</td></tr>{% endfor %}
</table>{% else %}<p class="muted">No comments in this set.</p>{% endif %}
{% endfor %}

{% if s.out_of_source %}<h2>Candidate out of source (its thresholds were chosen on these scores)</h2>
<p class="muted">Each group (a data set's natural unit, or one site's feedback) scored by the candidate's recipe
fitted without it, at the thresholds the candidate serves for each comment's language.
Thresholds by language: {% for lg, t in (s.thresholds_by_lang.candidate or {}).items() %}{{ lg }} hold {{ f(t.hold) }} · reject {{ f(t.reject) }}; {% endfor %}
other languages hold {{ f(s.thresholds.candidate.hold) }} · reject {{ f(s.thresholds.candidate.reject) }}.</p>
<table><tr><th>group</th><th>n</th><th>ham held</th><th>ham rejected</th><th>spam caught</th><th>ROC AUC</th><th>recall@1% FPR</th></tr>
{% for name, r in s.out_of_source.per_group.items() %}<tr><td>{{ name }}</td><td>{{ r.n }}</td><td>{{ pct(r.ham_held) }}</td>
<td>{{ pct(r.ham_rejected) }}</td><td>{{ pct(r.spam_caught) }}</td><td>{{ f(r.roc_auc) }}</td><td>{{ pct(r.recall_at_1pct_fpr) }}</td></tr>{% endfor %}
{% for name, r in s.out_of_source.per_lang.items() %}<tr><td><b>language {{ name }}</b>{% if r.worst_group_ham_held %}
<span class="muted">(worst ham held: {{ r.worst_group_ham_held.group }} {{ pct(r.worst_group_ham_held.ham_held) }})</span>{% endif %}</td>
<td>{{ r.n }}</td><td>{{ pct(r.ham_held) }}</td><td>{{ pct(r.ham_rejected) }}</td><td>{{ pct(r.spam_caught) }}</td><td>{{ f(r.roc_auc) }}</td>
<td>{{ pct(r.recall_at_1pct_fpr) }}</td></tr>{% endfor %}
{% set r = s.out_of_source.overall %}<tr><td><b>all</b></td><td>{{ r.n }}</td><td>{{ pct(r.ham_held) }}</td><td>{{ pct(r.ham_rejected) }}</td>
<td>{{ pct(r.spam_caught) }}</td><td>{{ f(r.roc_auc) }}</td><td>{{ pct(r.recall_at_1pct_fpr) }}</td></tr>
</table>{% endif %}

<h2>Per data set (fixed evaluation split)</h2>
<table><tr><th>data set</th><th>n</th><th>spam</th>{% for m in per_models %}<th>{{ m }} AUC</th><th>{{ m }} recall@hold</th>
<th>{{ m }} FPR@hold</th><th>{{ m }} FPR@reject</th>{% endfor %}</tr>
{% for ds in datasets %}<tr><td>{{ ds }}</td><td>{{ s.figures.base_eval_per_dataset[per_models[0]][ds].n }}</td>
<td>{{ s.figures.base_eval_per_dataset[per_models[0]][ds].n_spam }}</td>
{% for m in per_models %}{% set r = s.figures.base_eval_per_dataset[m][ds] %}<td>{{ f(r.roc_auc) }}</td><td>{{ f(r.recall_at_hold) }}</td>
<td>{{ pct(r.fpr_at_hold) }}</td><td>{{ pct(r.fpr_at_reject) }}</td>{% endfor %}</tr>{% endfor %}
</table>

<h2>Plots</h2>
{% for p in plots %}<p><img src="{{ p }}" alt="{{ p }}"></p>{% endfor %}

<h2>Data</h2>
<table>
<tr><td>base rows (raw → after dedupe → used)</td><td>{{ d.base.rows_raw }} → {{ d.base.rows_after_dedupe }} → {{ d.base.rows_used }}</td></tr>
<tr><td>base train / evaluation rows</td><td>{{ d.base.train_rows }} / {{ d.base.eval_rows }}</td></tr>
<tr><td>base train rows replaced by a feedback label</td><td>{{ d.base.train_rows_replaced_by_feedback }}</td></tr>
<tr><td>evaluation split</td><td>{{ d.eval_split.version }} · {{ d.eval_split.percent }} % · digest <code>{{ d.eval_split.digest[:16] }}</code> · pinned: {{ d.eval_split.pinned }}</td></tr>
<tr><td>feedback labels → distinct texts (spam)</td><td>{{ d.feedback.labels }} → {{ d.feedback.kept }} ({{ d.feedback.spam }})</td></tr>
<tr><td>feedback older (trained on) / newest (test)</td><td>{{ d.feedback.older }} ({{ d.feedback.trained_on }}) / {{ d.feedback.newest }}</td></tr>
<tr><td>newest feedback from · until</td><td>{{ d.feedback.newest_from or '–' }} · {{ d.feedback.until or '–' }}</td></tr>
<tr><td>feedback weight · since</td><td>{{ d.feedback.weight }} · {{ d.feedback.since or 'all labels' }}</td></tr>
<tr><td>label sources</td><td>{{ d.feedback.sources }}</td></tr>
</table>
<h2>Stages</h2>
<table><tr><th>stage</th><th>seconds</th></tr>{% for st in stages %}<tr><td>{{ st.stage }}{% if st.skipped %} (skipped: {{ st.skipped }}){% endif %}</td><td>{{ st.seconds }}</td></tr>{% endfor %}</table>
<p class="muted">Pipeline parameters: <code>{{ params }}</code></p>
</body></html>
"""


def _f(x: Any) -> str:
    return "–" if x is None else f"{float(x):.4f}"


def _pct(x: Any) -> str:
    return "–" if x is None else f"{100 * float(x):.2f} %"


def write_report(run_dir: Path, run_id: int, summary: dict[str, Any], splits: dict[str, dict[str, Any]],
                 stages: list[dict[str, Any]] | None = None) -> Path:
    """Write the plots and ``report.html`` into ``run_dir``.

    Args:
        run_dir: the run folder (created).
        run_id: the ``RetrainRun`` id (shown in the title).
        summary: the run summary of :func:`training.retrain.retrain` (status, gate, figures ...).
        splits: ``{"base_eval" | "feedback_newest": {"y": labels (n,), "groups": data set per row
            (n,), "scores": {model: spam scores (n,)}, "thresholds": {model: {"hold", "reject"}}}}``.
        stages: stage timings to list (default ``summary["stages"]``).

    Returns:
        The path of ``report.html``.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    _curves(splits, run_dir / "roc.png", "roc")
    _curves(splits, run_dir / "precision_recall.png", "pr")
    _histograms(splits, run_dir / "score_histograms.png")
    _calibration(splits, run_dir / "calibration.png")
    for name, sp in splits.items():
        _confusion(name, sp, run_dir / f"confusion_{name}.png")
    per = summary["figures"]["base_eval_per_dataset"]
    per_models = [m for m in ("current", "candidate", "reference", "published") if m in per]
    env = Environment(autoescape=select_autoescape(default_for_string=True, default=True))
    page = env.from_string(_TEMPLATE).render(
        run_id=run_id, s=summary, f=_f, pct=_pct, titles=SPLIT_TITLES, plots=PLOTS,
        tol=html.unescape(", ".join(f"{k} {v}" for k, v in summary["gate"]["tolerances"].items())),
        per_models=per_models, datasets=list(per[per_models[0]]) if per_models else [],
        d=summary["data"], stages=stages if stages is not None else summary.get("stages", []),
        params=summary.get("params", {}))
    out = run_dir / "report.html"
    out.write_text(page, encoding="utf-8")
    return out

