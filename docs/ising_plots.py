"""Make the figures of docs/ising.md: ``python docs/ising_plots.py [--gan-only]``.

Writes docs/img/ising_observables.png (Monte Carlo observables vs T with the exact curves),
docs/img/ising_autocorrelation.png (configurations and integrated autocorrelation times), about a
minute on 2 CPU cores, and, from the files the benchmark leaves in runs/bench_ising/full
(``python -m benchmarks ising``), docs/img/ising_gan_observables.png (real vs generated observables
vs T with the exact curves, trained and held-out temperatures, the GAN alone and with Metropolis
refinement), docs/img/ising_gan_samples.png (real and generated configurations) and, from
benchmarks/results/ising.json, docs/img/ising_gan_ratios.png (distance / noise floor vs T).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from scigen.io.atomic import atomic_path  # noqa: E402
from scigen.ising import exact, simulate  # noqa: E402
from scigen.ising.stats import observables  # noqa: E402

OUT = Path(__file__).resolve().parent / "img"


def _save(fig, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=80, format="png")
    plt.close(fig)
    return path


def observables_figure(sets: dict) -> Path:
    t = np.linspace(1.2, 3.8, 400)
    fig, ax = plt.subplots(2, 2, figsize=(9, 6.4))
    inf = exact.onsager(t)
    colours = {16: "tab:blue", 32: "tab:red"}
    for L, s in sets.items():
        temps = np.unique(s.condition[:, 0])
        obs = [observables(s.samples[s.condition[:, 0] == T], T) for T in temps]
        fin = exact.finite_lattice(L, t)
        c = colours[L]
        for a, key, curve in ((ax[0, 0], "energy", fin.energy), (ax[0, 1], "specific_heat", fin.specific_heat),
                              (ax[1, 0], "abs_magnetization", None), (ax[1, 1], "binder_cumulant", None)):
            v = np.array([o[key][0] for o in obs])
            e = np.array([o[key][1] for o in obs])
            a.errorbar(temps, v, yerr=e, fmt="o", ms=3, color=c, label=f"Monte Carlo L={L}")
            if curve is not None:
                a.plot(t, curve, color=c, lw=1, label=f"exact L={L}")
    ax[0, 0].plot(t, inf.energy, "k--", lw=1, label="Onsager (L=inf)")
    ax[0, 1].plot(t, np.minimum(inf.specific_heat, 5), "k--", lw=1, label="Onsager (L=inf)")
    ax[1, 0].plot(t, inf.magnetization, "k--", lw=1, label="Onsager spontaneous m")
    for a, label in zip(ax.ravel(), ("e = E/N", "c = beta^2 Var(E)/N", "<|m|>", "U4 = 1 - <m^4>/3<m^2>^2")):
        a.set_ylabel(label)
        a.set_xlabel("T")
        a.axvline(exact.TC, color="0.7", lw=0.8)
        a.legend(fontsize=7)
    ax[0, 1].set_ylim(0, 2.2)
    fig.suptitle("2D Ising: Monte Carlo samples vs exact results (grey line: Tc)", fontsize=10)
    fig.tight_layout()
    return _save(fig, "ising_observables.png")


def autocorrelation_figure(sets: dict) -> Path:
    fig = plt.figure(figsize=(9, 3.4))
    s32 = sets[32]
    for k, T in enumerate((1.5, 2.3, 3.5)):
        a = fig.add_axes([0.02 + 0.16 * k, 0.2, 0.15, 0.62])
        idx = np.nonzero(np.isclose(s32.condition[:, 0], T))[0][0]
        a.imshow(s32.samples[idx], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
        a.set_title(f"T = {T}", fontsize=9)
        a.axis("off")
    a = fig.add_axes([0.57, 0.17, 0.4, 0.72])
    for L, s in sets.items():
        recs = s.attrs["per_temperature"]
        T = [r["T"] for r in recs]
        a.errorbar(T, [r["tau_abs_m"] for r in recs], yerr=[r["tau_abs_m_error"] for r in recs], fmt="o-", ms=3,
                   label=f"|m|, L={L}")
        a.errorbar(T, [r["tau_energy"] for r in recs], yerr=[r["tau_energy_error"] for r in recs], fmt="s--", ms=3,
                   label=f"E, L={L}")
    a.set_yscale("log")
    a.set_xlabel("T")
    a.set_ylabel("tau_int (sweeps), checkerboard Metropolis")
    a.axvline(exact.TC, color="0.7", lw=0.8)
    a.legend(fontsize=7)
    return _save(fig, "ising_autocorrelation.png")


def _per_temperature(data, keys=("energy", "specific_heat", "abs_magnetization", "susceptibility")):
    temps = np.unique(data.condition[:, 0])
    obs = [observables(data.samples[data.condition[:, 0] == T], T) for T in temps]
    return temps, {k: (np.array([o[k][0] for o in obs]), np.array([o[k][1] for o in obs])) for k in keys}


REFINED = 20  # the refinement shown beside the GAN alone (one of benchmarks/_ising_gan.py REFINE_SWEEPS)


def gan_observables_figure(work: Path) -> Path:
    """Real (held-out Monte Carlo) vs generated e, c, |m|, chi vs T, exact finite-lattice e and c."""
    from scigen.io import read_sample_set

    names = ["real", "reference", "fake", "fake_heldout"]
    if (work / f"fake_refined{REFINED}.h5").is_file():
        names.append(f"fake_refined{REFINED}")
    sets = {name: read_sample_set(work / f"{name}.h5") for name in names}
    L = sets["real"].samples.shape[1]
    t = np.linspace(1.4, 3.6, 300)
    fin = exact.finite_lattice(L, t)
    fig, ax = plt.subplots(2, 2, figsize=(9, 6.2))
    panels = (("energy", "e = E/N", fin.energy), ("specific_heat", "c = beta^2 Var(E)/N", fin.specific_heat),
              ("abs_magnetization", "<|m|>", None), ("susceptibility", "chi = N (<m^2> - <|m|>^2)/T", None))
    style = {"real": dict(fmt="o", color="k", mfc="none", label="Monte Carlo (held-out set)"),
             "reference": dict(fmt="s", color="k", mfc="none", label="Monte Carlo at held-out T"),
             "fake": dict(fmt="o", color="tab:red", ms=3, label="GAN, trained T"),
             "fake_heldout": dict(fmt="s", color="tab:blue", ms=3, label="GAN, held-out T (interpolation)"),
             f"fake_refined{REFINED}": dict(fmt="D", color="tab:green", ms=3,
                                            label=f"GAN + {REFINED} Metropolis sweeps, trained T")}
    values = {name: _per_temperature(s) for name, s in sets.items()}
    for a, (key, label, curve) in zip(ax.ravel(), panels):
        if curve is not None:
            a.plot(t, curve, color="0.5", lw=1, label=f"exact, L = {L}")
        for name, (temps, obs) in values.items():
            v, e = obs[key]
            a.errorbar(temps, v, yerr=e, ms=style[name].get("ms", 5), lw=0.8,
                       **{k: w for k, w in style[name].items() if k != "ms"})
        a.set_xlabel("T")
        a.set_ylabel(label)
        a.axvline(exact.TC, color="0.85", lw=0.8, zorder=0)
    ax[0, 0].legend(fontsize=7)
    fig.suptitle(f"Lattice GAN vs Monte Carlo, L = {L} (grey vertical line: Tc)", fontsize=10)
    fig.tight_layout()
    return _save(fig, "ising_gan_observables.png")


def gan_samples_figure(work: Path, temps=(1.5, 2.3, 3.5), per=3) -> Path:
    """Rows: temperatures; columns: real configurations, then generated ones."""
    from scigen.io import read_sample_set

    real, fake = read_sample_set(work / "real.h5"), read_sample_set(work / "fake.h5")
    fig, axes = plt.subplots(len(temps), 2 * per, figsize=(1.3 * 2 * per, 1.55 * len(temps)))
    for i, T in enumerate(temps):
        for j, (data, tag) in enumerate(((real, "real"), (fake, "GAN"))):
            idx = np.nonzero(np.isclose(data.condition[:, 0], T))[0][:per]
            for k, n in enumerate(idx):
                a = axes[i, j * per + k]
                a.imshow(data.samples[n], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
                a.set_xticks([])
                a.set_yticks([])
                if k == 0:
                    a.set_title(f"{tag}, T = {T}", fontsize=8, loc="left")
    fig.tight_layout(pad=0.3, h_pad=1.2)
    return _save(fig, "ising_gan_samples.png")


def gan_ratio_figure(result: dict) -> Path:
    """Distance / noise floor of e, |m|, c, chi vs T: GAN alone, GAN + K sweeps, K sweeps without the GAN."""
    r = result["gan"]
    keys = (("energy", "e"), ("abs_magnetization", "<|m|>"), ("specific_heat", "c"), ("susceptibility", "chi"))
    fig, ax = plt.subplots(1, 4, figsize=(12, 3.3), sharey=True)
    colours = plt.cm.viridis(np.linspace(0.1, 0.8, len(r.get("refine_sweeps", []))))

    def curve(a, table, key, **style):
        rows = table.get(key, {})
        t = sorted(rows, key=float)
        a.plot([float(x) for x in t], [max(rows[x]["ratio"], 1e-2) for x in t], **style)

    for a, (key, label) in zip(ax, keys):
        curve(a, r["trained"], key, color="tab:red", marker="o", lw=1.5, label="GAN alone")
        for c, k in zip(colours, r.get("refine_sweeps", [])):
            curve(a, r["refined"][str(k)], key, color=c, marker="D", ms=3, lw=1, label=f"GAN + {k} sweeps")
            curve(a, r["control"][str(k)], key, color=c, ls=":", lw=1, label=f"{k} sweeps, no GAN")
        a.axhline(3, color="k", lw=0.8, ls="--")
        a.axvline(exact.TC, color="0.85", lw=0.8, zorder=0)
        a.set_yscale("log")
        a.set_title(label, fontsize=9)
        a.set_xlabel("T")
    ax[0].set_ylabel("distance / noise floor (pass <= 3)")
    handles, labels = ax[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return _save(fig, "ising_gan_ratios.png")


def main() -> None:
    import sys

    written = []
    if "--gan-only" not in sys.argv:
        temps = np.round(np.linspace(1.5, 3.5, 21), 10)
        sets = {L: simulate(L, temps, 1000, seed=L) for L in (16, 32)}
        written += [observables_figure(sets), autocorrelation_figure(sets)]
    work = Path(__file__).resolve().parent.parent / "runs" / "bench_ising" / "full"
    if (work / "fake.h5").is_file():
        written += [gan_observables_figure(work), gan_samples_figure(work)]
        import json

        stored = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "ising.json"
        result = json.loads(stored.read_text())
        if "gan" in result and not result.get("quick"):
            written.append(gan_ratio_figure(result))
    else:
        print(f"no GAN benchmark files in {work}: run 'python -m benchmarks ising' for the GAN figures")
    for p in written:
        print(f"wrote {p} ({p.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
