"""The report's figures, drawn from the report's JSON dict with matplotlib (Agg, no pyplot state).

Every function takes plain dicts/lists (what ``report.json`` holds) and returns a base64 PNG string.
Colours: real data black/grey with its noise band shaded, fake in orange; failures in red.
"""

from __future__ import annotations

import base64
import io

import numpy as np

REAL, FAKE, FAIL, PASS = "#222222", "#e6711b", "#c62828", "#2e7d32"
VERDICT_COLOURS = {"pass": PASS, "fail": FAIL, "missing": FAIL, "insufficient": FAIL, "error": FAIL,
                   "unmatched": "#888888", "skipped": "#888888"}


def _figure(w: float, h: float, rows: int = 1, cols: int = 1, **kw):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=90, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **kw)
    return fig, axes


def to_png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _arr(v) -> np.ndarray:
    return np.array([np.nan if a is None else a for a in np.atleast_1d(v if v is not None else [])], dtype=float)


def _numeric_groups(results: list[dict]) -> np.ndarray | None:
    """Condition values of the groups when they are one number each (temperature), else None."""
    vals = []
    for r in results:
        g = r.get("group") or {}
        if len(g) != 1 or not isinstance(next(iter(g.values())), (int, float)):
            return None
        vals.append(float(next(iter(g.values()))))
    return np.array(vals)


def overview(stats: list[dict], factor: float) -> str | None:
    """Ratio distance / noise floor for every statistic and group: a heatmap when there are groups,
    else horizontal bars; the verdict threshold is ``factor``."""
    names = list(dict.fromkeys(r["name"] for r in stats))
    groups = list(dict.fromkeys(r["group_label"] for r in stats if r["group"] is not None))
    if not names:
        return None
    if len(groups) > 1:
        from matplotlib.colors import LinearSegmentedColormap

        cols = ["all"] + groups if any(r["group"] is None for r in stats) else groups
        mat = np.full((len(names), len(cols)), np.nan)
        verdict = {}
        for r in stats:
            i, j = names.index(r["name"]), cols.index(r["group_label"] if r["group"] is not None else "all")
            ratio = r.get("ratio")
            mat[i, j] = ratio if ratio is not None else (np.inf if r["verdict"] in ("fail", "error") else np.nan)
            verdict[i, j] = r["verdict"]
        fig, ax = _figure(min(2.0 + 0.55 * len(cols), 16), 1.2 + 0.42 * len(names))
        ax = ax[0, 0]
        shown = np.clip(np.where(np.isinf(mat), 10 * factor, mat), 0, 2 * factor) / factor
        cmap = LinearSegmentedColormap.from_list("verdict", [(0, "#e8f5e9"), (0.5, "#a5d6a7"), (0.5, "#ffcdd2"),
                                                             (1, "#c62828")])
        ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, vmin=0, vmax=2, aspect="auto")
        for (i, j), v in verdict.items():
            txt = {"missing": "miss", "unmatched": "-", "error": "err", "skipped": "skip",
                   "insufficient": "few"}.get(v, f"{mat[i, j]:.2g}" if np.isfinite(mat[i, j]) else "inf")
            ax.text(j, i, txt, ha="center", va="center", fontsize=7)
        ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_title(f"distance / noise floor (fails above {factor:g}, red)", fontsize=9)
        return to_png(fig)
    ratios = [next((r.get("ratio") for r in stats if r["name"] == n), None) for n in names]
    verdicts = [next(r["verdict"] for r in stats if r["name"] == n) for n in names]
    fig, ax = _figure(6.5, 0.9 + 0.32 * len(names))
    ax = ax[0, 0]
    vals = [min(r, 5 * factor) if r is not None else 0 for r in ratios]
    ax.barh(range(len(names)), vals, color=[VERDICT_COLOURS.get(v, "#888") for v in verdicts])
    ax.axvline(factor, color=FAIL, ls="--", lw=1, label=f"threshold {factor:g}")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("distance / noise floor")
    ax.legend(fontsize=7)
    return to_png(fig)


def statistic_figure(results: list[dict], factor: float) -> str | None:
    """One figure for one statistic across its groups (see the module docstring of html)."""
    done = [r for r in results if r.get("real") is not None and r.get("fake") is not None]
    if not done:
        return None
    if done[0]["kind"] == "scalar":
        if len(done) == 1:
            return _scalar_single(done[0], factor)
        return _scalar_groups(done, factor)
    return _curves(done, factor)


def _scalar_single(r: dict, factor: float) -> str:
    fig, ax = _figure(6.0, 3.0)
    ax = ax[0, 0]
    dist = r.get("distribution")
    if dist:
        e = np.array(dist["edges"])
        ax.stairs(dist["real"], e, fill=True, color="#bbbbbb", label=f"real (N={r['n_real']})")
        ax.stairs(dist["fake"], e, color=FAKE, lw=1.8, label=f"fake (N={r['n_fake']})")
        ax.axvline(r["real"], color=REAL, lw=1.2)
        ax.axvline(r["fake"], color=FAKE, lw=1.2, ls="--")
        band = _arr(r.get("noise_band"))[0]
        ax.axvspan(r["real"] - factor * band, r["real"] + factor * band, color="#4c72b0", alpha=0.15,
                   label=f"mean ± {factor:g}σ noise")
        ax.set_xlabel(r.get("ylabel") or r["name"])
        ax.set_ylabel("density of per-sample values")
    else:
        band = _arr(r.get("noise_band"))[0]
        ax.axhspan(r["real"] - factor * band, r["real"] + factor * band, color="#4c72b0", alpha=0.15,
                   label=f"real ± {factor:g}σ noise")
        ax.axhspan(r["real"] - band, r["real"] + band, color="#4c72b0", alpha=0.3, label="real ± 1σ noise")
        ax.errorbar([0], [r["real"]], yerr=_err0(r.get("real_error")), fmt="o", color=REAL, label="real")
        ax.errorbar([1], [r["fake"]], yerr=_err0(r.get("fake_error")), fmt="s", color=FAKE, label="fake")
        ax.set_xticks([0, 1], ["real", "fake"])
        ax.set_xlim(-0.7, 1.7)
        ax.set_ylabel(r.get("ylabel") or r["name"])
    ax.legend(fontsize=7)
    return to_png(fig)


def _err0(e):
    return None if e is None else abs(float(np.atleast_1d(e)[0]))


def _scalar_groups(done: list[dict], factor: float) -> str:
    xs = _numeric_groups(done)
    labels = [r["group_label"] for r in done]
    x = xs if xs is not None else np.arange(len(done))
    order = np.argsort(x)
    x = x[order]
    done = [done[i] for i in order]
    real = np.array([r["real"] for r in done], float)
    fake = np.array([r["fake"] for r in done], float)
    band = np.array([_arr(r.get("noise_band"))[0] for r in done])
    fig, axes = _figure(7.0, 4.6, 2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    top, bottom = axes[:, 0]
    top.fill_between(x, real - factor * band, real + factor * band, color="#4c72b0", alpha=0.15,
                     label=f"real ± {factor:g}σ noise", step=None if xs is not None else "mid")
    top.fill_between(x, real - band, real + band, color="#4c72b0", alpha=0.3, label="real ± 1σ noise",
                     step=None if xs is not None else "mid")
    top.plot(x, real, "-o", color=REAL, ms=4, label="real")
    ferr = [_err0(r.get("fake_error")) or 0.0 for r in done]
    top.errorbar(x, fake, yerr=ferr, fmt="s", color=FAKE, ms=4, label="fake", ls="none")
    top.set_ylabel(done[0].get("ylabel") or done[0]["name"])
    top.legend(fontsize=7)
    ratio = np.array([r["ratio"] if r.get("ratio") is not None else np.nan for r in done], float)
    colours = [VERDICT_COLOURS.get(r["verdict"], "#888") for r in done]
    bottom.scatter(x, np.clip(ratio, 0, 5 * factor), c=colours, s=18, zorder=3)
    bottom.axhline(factor, color=FAIL, ls="--", lw=1)
    bottom.set_ylabel("dist / floor", fontsize=8)
    top_ratio = np.nanmax(np.clip(ratio, 0, 5 * factor)) * 1.1 if np.isfinite(ratio).any() else 0.0
    bottom.set_ylim(0, max(2 * factor, top_ratio))
    name = next(iter(done[0]["group"])) if done[0].get("group") else "group"
    if xs is None:
        bottom.set_xticks(x, [labels[i] for i in order], rotation=45, ha="right", fontsize=7)
    bottom.set_xlabel(name)
    return to_png(fig)


def _scale(ax, x, ys):
    ys = np.concatenate([np.ravel(y) for y in ys])
    ys = ys[np.isfinite(ys)]
    if ys.size and ys.min() > 0 and ys.max() / ys.min() > 100:
        ax.set_yscale("log")
    if x is not None and np.all(x > 0) and x.max() / x.min() > 100:
        ax.set_xscale("log")


def _curves(done: list[dict], factor: float) -> str:
    """One group: real with its noise band (1 and ``factor`` sigma), fake dashed, residuals in noise units
    below. Several groups: real solid / fake dashed coloured by group, and below a map of the residual
    (fake - real) / sigma over groups x axis, where a failing group shows as a dark row."""
    step = "mid" if done[0]["kind"] == "histogram" else None
    ds = "steps-mid" if step else "default"
    many = len(done) > 1
    xs = [_arr(r["x"]) if r.get("x") is not None else np.arange(_arr(r["real"]).size, dtype=float) for r in done]
    same_x = all(x.shape == xs[0].shape and np.allclose(x, xs[0]) for x in xs)
    heat = many and same_x and xs[0].size > 1
    fig, axes = _figure(7.5, 5.0 if not heat else 4.2 + 0.12 * len(done), 2, 1, sharex=not heat,
                        gridspec_kw={"height_ratios": [3, 1.5 if not heat else 0.6 + 0.1 * len(done)]})
    top, bottom = axes[:, 0]
    cmap = __import__("matplotlib").colormaps["viridis"]
    ys, resids = [], []
    for i, (r, x) in enumerate(zip(done, xs)):
        real, fake, band = _arr(r["real"]), _arr(r["fake"]), _arr(r.get("noise_band"))
        if many:
            colour = cmap(i / max(1, len(done) - 1))
            top.plot(x, real, color=colour, lw=1.4, drawstyle=ds, label=r["group_label"])
            top.plot(x, fake, color=colour, lw=1.2, ls="--", drawstyle=ds)
        else:
            top.fill_between(x, real - factor * band, real + factor * band, color="#4c72b0", alpha=0.15,
                             step=step, label=f"real ± {factor:g}σ noise")
            top.fill_between(x, real - band, real + band, color="#4c72b0", alpha=0.3, step=step,
                             label="real ± 1σ noise")
            top.plot(x, real, color=REAL, lw=1.5, drawstyle=ds, label="real")
            top.plot(x, fake, color=FAKE, lw=1.3, ls="--", drawstyle=ds, marker="." if x.size < 40 else None,
                     label="fake")
        with np.errstate(divide="ignore", invalid="ignore"):
            resid = np.where(band > 0, (fake - real) / np.where(band > 0, band, 1.0), 0.0)
        resids.append(resid)
        if not heat:
            bottom.plot(x, resid, color=cmap(i / max(1, len(done) - 1)) if many else FAKE, lw=1, drawstyle=ds,
                        marker="." if x.size < 40 else None)
        ys += [real, fake]
    _scale(top, xs[0], ys)
    top.set_ylabel(done[0].get("ylabel") or done[0]["name"])
    xlabel = done[0].get("xlabel") or "x"
    if heat:
        x = xs[0]
        mid = 0.5 * (x[1:] + x[:-1])
        edges = np.r_[x[0] - (mid[0] - x[0]), mid, x[-1] + (x[-1] - mid[-1])]
        lim = 2 * factor
        mesh = bottom.pcolormesh(edges, np.arange(len(done) + 1), np.clip(np.array(resids), -lim, lim),
                                 cmap="RdBu_r", vmin=-lim, vmax=lim)
        bottom.set_yticks(np.arange(len(done)) + 0.5,
                          [("✗ " if r["verdict"] != "pass" else "") + r["group_label"] for r in done], fontsize=6)
        for tick, r in zip(bottom.get_yticklabels(), done):
            if r["verdict"] != "pass":
                tick.set_color(FAIL)
        if top.get_xscale() == "log":
            bottom.set_xscale("log")
        bottom.set_xlim(top.get_xlim())
        cb = fig.colorbar(mesh, ax=bottom, pad=0.01)
        cb.set_label("(fake−real) / σ", fontsize=7)
        bottom.set_xlabel(xlabel)
        top.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="solid real,\ndashed fake",
                   title_fontsize=6)
    else:
        bottom.axhspan(-factor, factor, color="#4c72b0", alpha=0.1)
        bottom.axhline(0, color="#666", lw=0.8)
        bottom.set_ylabel("(fake−real) / σ", fontsize=8)
        bottom.set_xlabel(xlabel)
        if many:
            top.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="solid real,\ndashed fake",
                       title_fontsize=6)
        else:
            top.legend(fontsize=7)
    names = (done[0].get("extra") or {}).get("real", {}).get("x_names")
    if names and len(names) <= 30:
        bottom.set_xticks(xs[0], names, rotation=60, ha="right", fontsize=6)
    return to_png(fig)


def check_figure(c: dict) -> str | None:
    """The plot of one generic check: null distribution, ROC curve, distance histograms, KS per feature."""
    d = c.get("details") or {}
    name = c["name"]
    if name in ("energy", "mmd") and d.get("null_hist"):
        fig, ax = _figure(6.0, 2.8)
        ax = ax[0, 0]
        ax.stairs(d["null_hist"], d["null_edges"], fill=True, color="#bbbbbb", label="permutation null")
        ax.axvline(c["statistic"], color=FAKE, lw=2, label="real vs fake")
        ax.set_xlabel(c["statistic_name"])
        ax.legend(fontsize=7)
        return to_png(fig)
    if name == "classifier" and d.get("fpr"):
        fig, ax = _figure(3.6, 3.4)
        ax = ax[0, 0]
        ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1, label="indistinguishable")
        ax.plot(d["fpr"], d["tpr"], color=FAKE, lw=2, label=f"AUROC {c['statistic']:.3f}")
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.legend(fontsize=7, loc="lower right")
        return to_png(fig)
    if name == "memorisation" and d.get("hist_edges"):
        fig, ax = _figure(6.0, 2.8)
        ax = ax[0, 0]
        e = np.array(d["hist_edges"])
        nr, nf = max(1, sum(d["hist_real"])), max(1, sum(d["hist_fake"]))
        ax.stairs(np.array(d["hist_real"]) / nr, e, fill=True, color="#bbbbbb", label="held-out real")
        ax.stairs(np.array(d["hist_fake"]) / nf, e, color=FAKE, lw=1.8, label="fake")
        ax.set_xlabel("q = d(nearest training sample) / d(nearest held-out real sample); 0 = copy", fontsize=8)
        ax.set_ylabel("fraction")
        ax.legend(fontsize=7)
        return to_png(fig)
    if name == "marginals" and d.get("ks"):
        ks = np.array(d["ks"])
        fig, ax = _figure(6.5, 2.6)
        ax = ax[0, 0]
        ax.bar(np.arange(ks.size), ks, color=FAKE, width=1.0 if ks.size > 50 else 0.8)
        ax.set_xlabel("feature")
        ax.set_ylabel("KS statistic")
        return to_png(fig)
    return None
