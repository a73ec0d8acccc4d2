"""``report.html``: one self-contained page (inline CSS, plots as base64 PNG) from the report's JSON dict.

Layout: the verdict and inputs; an overview figure (distance / noise floor for every statistic and
group) and the summary table; one section per statistic (one figure across all its groups: a
scalar plotted against the condition with the real data's noise band, curves overlaid with the
residuals in noise units below; then the per-group numbers); one section per generic check.
"""

from __future__ import annotations

import html as _html
import json
from typing import Any

from scigen.validate import plots

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:1.5em auto;
padding:0 1em;color:#222;line-height:1.4}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em} th,td{border:1px solid #ddd;padding:.25em .55em;
text-align:right} th{background:#f5f5f5} td.l,th.l{text-align:left}
.badge{display:inline-block;padding:.1em .6em;border-radius:.3em;color:#fff;font-weight:600;font-size:.85em}
.pass{background:#2e7d32} .fail,.missing,.error,.insufficient{background:#c62828} .unmatched,.skipped{background:#888}
.big{font-size:1.3em} .muted{color:#666;font-size:.88em} img{max-width:100%} code{background:#f3f3f3;padding:0 .2em}
tr.bad td{background:#fff1f1}
"""


def _e(x: Any) -> str:
    return _html.escape("" if x is None else str(x))


def _n(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        return f"{v:.4g}"
    if isinstance(v, list):
        return f"[{len(v)} values]"
    return _e(v)


def _badge(verdict: str, big: bool = False) -> str:
    return f'<span class="badge {_e(verdict)}{" big" if big else ""}">{_e(verdict.upper())}</span>'


def _img(png: str | None, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{png}">' if png else ""


def _anchor(name: str) -> str:
    return "stat-" + "".join(c if c.isalnum() or c in "_-" else "-" for c in name)


def render_html(doc: dict) -> str:
    """The whole page for a report dict (``Report.to_dict()``)."""
    factor = float(doc["settings"]["factor"])
    stats = doc["statistics"]
    by_name: dict[str, list[dict]] = {}
    for r in stats:
        by_name.setdefault(r["name"], []).append(r)
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           "<title>scigen validation report</title>", f"<style>{_CSS}</style></head><body>"]
    out.append(f"<h1>Validation report {_badge(doc['verdict'], True)}</h1>")
    s = doc["summary"]
    out.append(f"<p>{s['statistics'] - s['statistics_failed']} of {s['statistics']} statistic results and "
               f"{s['checks'] - s['checks_failed']} of {s['checks']} checks pass. "
               f"Domain <b>{_e(doc['settings']['domain'])}</b>; "
               f"a statistic passes when its distance is at most {factor:g} × the noise floor (the same distance "
               f"between two disjoint halves of the real data, corrected to the real and fake sample sizes) or within "
               f"its own tolerance. <span class='muted'>scigen {_e(doc['scigen_version'])}, "
               f"{_e(doc['created'])}</span></p>")
    if s["failed"]:
        out.append("<p><b>Failing:</b> " + ", ".join(_e(f) for f in s["failed"][:40])
                   + (" …" if len(s["failed"]) > 40 else "") + "</p>")
    out.append(_inputs(doc["inputs"]))
    out.append("<h2>Summary</h2>")
    out.append(_img(plots.overview(stats, factor), "overview of distance / noise floor"))
    out.append(_summary_table(by_name, doc["checks"]))
    unmatched = [g for g in doc.get("groups", []) if g["status"] != "matched"]
    if unmatched:
        where = {"real_only": "real only", "fake_only": "fake only"}
        out.append("<p><b>Groups in only one set:</b> "
                   + ", ".join(f"{_e(g['label'])} ({where[g['status']]})" for g in unmatched) + "</p>")
    for name, results in by_name.items():
        out.append(_stat_section(name, results, factor))
    for c in doc["checks"]:
        out.append(_check_section(c))
    out.append("<h2>Settings</h2><pre>" + _e(json.dumps(doc["settings"], indent=1)) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out)


def _inputs(inputs: dict) -> str:
    rows = ["<table><tr><th class='l'>input</th><th class='l'>source</th><th>samples</th>"
            "<th class='l'>shape / kind</th><th class='l'>domain</th><th class='l'>produced by</th></tr>"]
    for role in ("real", "fake", "train"):
        d = inputs.get(role)
        if not d:
            continue
        shape = d.get("sample_shape")
        what = f"{d['kind']} {tuple(shape)}" if shape is not None else d["kind"]
        attrs = d.get("attrs") or {}
        producer = attrs.get("producer")
        prod = ", ".join(f"{k}={v}" for k, v in producer.items()) if isinstance(producer, dict) else (producer or "")
        rows.append(f"<tr><td class='l'>{role}</td><td class='l'>{_e(d.get('path') or d['name'])}</td><td>{d['n']}</td>"
                    f"<td class='l'>{_e(what)}</td><td class='l'>{_e(attrs.get('domain'))}</td>"
                    f"<td class='l'>{_e(prod)[:200]}</td></tr>")
    return "\n".join(rows) + "</table>"


def _summary_table(by_name: dict, checks: list) -> str:
    rows = ["<table><tr><th class='l'>verdict</th><th class='l'>statistic</th><th>groups passing</th>"
            "<th class='l'>worst group</th><th>distance</th><th>noise floor</th><th>ratio</th>"
            "<th class='l'>measured by</th></tr>"]
    for name, results in by_name.items():
        bad = [r for r in results if r["verdict"] in ("fail", "missing", "insufficient", "error")]
        verdict = "fail" if bad else ("pass" if any(r["verdict"] == "pass" for r in results) else results[0]["verdict"])
        scored = [r for r in results if r.get("ratio") is not None]
        worst = max(scored, key=lambda r: r["ratio"]) if scored else (bad[0] if bad else results[0])
        n_ok = sum(r["verdict"] == "pass" for r in results)
        rows.append(f"<tr class='{'bad' if bad else ''}'><td class='l'>{_badge(verdict)}</td>"
                    f"<td class='l'><a href='#{_anchor(name)}'>{_e(name)}</a></td><td>{n_ok}/{len(results)}</td>"
                    f"<td class='l'>{_e(worst['group_label'])}</td><td>{_n(worst.get('distance'))}</td>"
                    f"<td>{_n(worst.get('noise_floor'))}</td><td>{_n(worst.get('ratio'))}</td>"
                    f"<td class='l'>{_e(worst.get('distance_name'))}</td></tr>")
    for c in checks:
        rows.append(f"<tr class='{'bad' if c['verdict'] in ('fail', 'error', 'insufficient') else ''}'>"
                    f"<td class='l'>{_badge(c['verdict'])}</td><td class='l'><a href='#check-{_e(c['name'])}'>"
                    f"check: {_e(c['name'])}</a></td><td></td><td class='l'>{_e(c.get('statistic_name'))} = "
                    f"{_n(c.get('statistic'))}</td><td></td><td></td><td>p = {_n(c.get('p_value'))}</td><td></td></tr>")
    return "\n".join(rows) + "</table>"


def _stat_section(name: str, results: list[dict], factor: float) -> str:
    first = results[0]
    bad = any(r["verdict"] in ("fail", "missing", "insufficient", "error") for r in results)
    out = [f"<h2 id='{_anchor(name)}'>{_e(name)} {_badge('fail' if bad else 'pass')}</h2>"]
    if first.get("description"):
        out.append(f"<p>{_e(first['description'])}</p>")
    try:
        png = plots.statistic_figure(results, factor)
    except Exception as exc:  # a plot must never lose the numbers
        png = None
        out.append(f"<p class='muted'>(plot failed: {_e(exc)})</p>")
    out.append(_img(png, f"{name}: real vs fake with the noise band"))
    scalar = first["kind"] == "scalar"
    head = ("<table><tr><th class='l'>group</th><th>N real</th><th>N fake</th>"
            + ("<th>real</th><th>fake</th>" if scalar else "")
            + "<th>distance</th><th>noise floor</th><th>ratio</th><th class='l'>verdict</th>"
            + "<th class='l'>why</th></tr>")
    rows = [head]
    for r in results:
        cls = "bad" if r["verdict"] in ("fail", "missing", "insufficient", "error") else ""
        vals = "".join(f"<td>{_n(r.get(k))}{_pm(r.get(k + '_error'))}</td>" for k in ("real", "fake")) if scalar else ""
        rows.append(f"<tr class='{cls}'><td class='l'>{_e(r['group_label'])}</td><td>{r['n_real']}</td>"
                    f"<td>{r['n_fake']}</td>{vals}<td>{_n(r.get('distance'))}</td><td>{_n(r.get('noise_floor'))}</td><td>{_n(r.get('ratio'))}</td>"
                    f"<td class='l'>{_badge(r['verdict'])}</td><td class='l'>{_e(r.get('reason'))}</td></tr>")
    out.append("\n".join(rows) + "</table>")
    tests = [r for r in results if r.get("tests")]
    if tests:
        out.append("<p class='muted'>Per-sample values (independent samples): " + "; ".join(
            f"{_e(r['group_label'])}: KS {_n(r['tests'].get('ks'))} (p {_n(r['tests'].get('ks_p'))}), "
            f"Wasserstein {_n(r['tests'].get('wasserstein'))}" for r in tests[:12]) + ("; …" if len(tests) > 12 else "")
            + "</p>")
    return "\n".join(out)


def _pm(err) -> str:
    if err is None or isinstance(err, list):
        return ""
    return f" ± {err:.2g}"


def _check_section(c: dict) -> str:
    out = [f"<h2 id='check-{_e(c['name'])}'>{_e(c['title'])} {_badge(c['verdict'])}</h2>",
           f"<p>{_e(c.get('reason'))}</p>"]
    try:
        out.append(_img(plots.check_figure(c), c["name"]))
    except Exception as exc:
        out.append(f"<p class='muted'>(plot failed: {_e(exc)})</p>")
    fields = [("measure", c.get("statistic_name")), ("value", c.get("statistic")),
              ("same-distribution mean", c.get("null_mean")), ("same-distribution sd", c.get("null_sd")),
              ("z", c.get("z")), ("p-value", c.get("p_value")), ("alpha", c.get("alpha")), ("95% CI", c.get("ci")),
              ("tolerance", c.get("tolerance")), ("N real / fake", f"{c.get('n_real')} / {c.get('n_fake')}")]

    def cell(v):
        return _e(", ".join(f"{x:.3f}" for x in v)) if isinstance(v, list) else _n(v)

    out.append("<table>" + "".join(f"<tr><th class='l'>{_e(k)}</th><td>{cell(v)}</td></tr>"
                                   for k, v in fields if v is not None) + "</table>")
    return "\n".join(out)
