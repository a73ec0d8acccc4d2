"""Make the figures of docs/ising.md: ``python docs/ising_plots.py`` (about a minute on 2 CPU cores).

Writes docs/img/ising_observables.png (Monte Carlo observables vs T with the exact curves) and
docs/img/ising_autocorrelation.png (configurations and integrated autocorrelation times).
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


def main() -> None:
    temps = np.round(np.linspace(1.5, 3.5, 21), 10)
    sets = {L: simulate(L, temps, 1000, seed=L) for L in (16, 32)}
    for p in (observables_figure(sets), autocorrelation_figure(sets)):
        print(f"wrote {p} ({p.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
