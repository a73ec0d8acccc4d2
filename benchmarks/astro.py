"""Astro benchmark: speed of the map statistics, and their accuracy against Gaussian-field theory.

``python -m benchmarks astro [--quick]``.

* Speed (maps per second, one process, best of 3): power spectrum P(l), Minkowski functionals V0-V2
  (one pass), peak counts, pixel histogram, at 64x64 and 256x256. P(l) is measured beside two
  independent implementations in the same run: powerbox 1.0's ``get_power`` (one map per call,
  ``dimensionless=False`` as a convergence map needs, the same bin edges), and a plain numpy loop
  (full ``fft2`` + ``bincount`` per map) written here; the agreement of the spectra is reported.
* Accuracy: recovered P(l) against the input spectrum (chi^2 per degree of freedom over many maps,
  Gaussian and log-normal), V0-V2 against Tomita's formulas (max deviation in % of each curve's peak)
  and peak counts against Bond & Efstathiou (measured / theory) at several smoothings.

A section on cosmoGAN's quality (fake vs real within the noise floor) comes with the models.
"""

from __future__ import annotations

import time

import numpy as np


def _best_time(fn, repeats: int = 3) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def numpy_reference_power(maps: np.ndarray, fov_deg: float, edges_l: np.ndarray) -> np.ndarray:
    """Plain per-map reference: full fft2, |l| of every mode, bincount into the same l edges."""
    n, h, w = maps.shape
    d = np.deg2rad(fov_deg) / w
    ly = 2 * np.pi * np.fft.fftfreq(h, d=d)
    lx = 2 * np.pi * np.fft.fftfreq(w, d=d)
    ell = np.hypot(ly[:, None], lx[None, :]).ravel()
    idx = np.digitize(ell, edges_l) - 1
    keep = (idx >= 0) & (idx < len(edges_l) - 1)
    counts = np.bincount(idx[keep], minlength=len(edges_l) - 1)
    out = np.empty((n, len(edges_l) - 1))
    for i, m in enumerate(maps):
        p = (np.abs(np.fft.fft2(m)) ** 2).ravel() * d * d / (h * w)
        out[i] = np.bincount(idx[keep], weights=p[keep], minlength=len(edges_l) - 1) / counts
    return out


def _speed(size: int, n_maps: int, fov: float) -> dict:
    from scigen.astro.maps import MapSimulator
    from scigen.astro.stats import minkowski_functionals, peak_counts, pixel_histogram, power_spectrum

    maps = MapSimulator(size, fov, lognormal=True).sample(n_maps, seed=1).astype(np.float64)
    ps = power_spectrum(maps, fov_deg=fov)
    edges = np.array(ps.extra["edges_l"])
    row = {"size": size, "maps": n_maps}
    timings = {
        "power_spectrum": lambda: power_spectrum(maps, fov_deg=fov),
        "minkowski_v0_v2": lambda: minkowski_functionals(maps, smoothing_px=2.0, fov_deg=fov),
        "peak_counts": lambda: peak_counts(maps, smoothing_px=2.0, fov_deg=fov),
        "pixel_histogram": lambda: pixel_histogram(maps),
        "numpy_reference_power": lambda: numpy_reference_power(maps, fov, edges),
    }
    for name, fn in timings.items():
        row[f"{name}_maps_per_s"] = n_maps / _best_time(fn)
    ref = numpy_reference_power(maps, fov, edges)
    row["numpy_reference_max_rel_diff"] = float(np.max(np.abs(ref.mean(0) / np.array(ps.extra["power"]) - 1)))
    try:
        import powerbox

        box = np.deg2rad(fov)

        def pb_all():
            return np.array([powerbox.get_power(m, box, bins=edges, dimensionless=False,
                                                ignore_zero_mode=True).power for m in maps])

        row["powerbox_version"] = powerbox.__version__
        row["powerbox_maps_per_s"] = n_maps / _best_time(pb_all)
        row["powerbox_max_rel_diff"] = float(np.max(np.abs(pb_all().mean(0) / np.array(ps.extra["power"]) - 1)))
        row["speedup_vs_powerbox"] = row["power_spectrum_maps_per_s"] / row["powerbox_maps_per_s"]
    except ImportError:
        row["powerbox_version"] = None  # `pip install powerbox` to compare; the numpy reference stands in
    row["speedup_vs_numpy_reference"] = row["power_spectrum_maps_per_s"] / row["numpy_reference_power_maps_per_s"]
    return row


def _spectrum_chi2(n_maps: int, lognormal: bool, seeds: int) -> dict:
    from scigen.astro.maps import MapSimulator
    from scigen.astro.stats import power_spectrum, spectrum_bins

    sim = MapSimulator(64, 3.5, lognormal=lognormal)
    bins = spectrum_bins((64, 64))
    expected_p = bins.average(sim.power_grid[:, :33])
    values = []
    for seed in range(seeds):
        ps = power_spectrum(sim.sample(n_maps, seed=100 + seed), fov_deg=3.5)
        expected = expected_p * ps.x * (ps.x + 1) / (2 * np.pi)
        values.append(float(np.mean(((ps.value - expected) / ps.error) ** 2)))
    from scipy.stats import chi2

    dof = int(len(expected_p))
    total = float(np.sum(values) * dof)
    return {"maps": n_maps, "lognormal": lognormal, "chi2_per_dof": values, "mean_chi2_per_dof": float(np.mean(values)),
            "std_chi2_per_dof": float(np.std(values, ddof=1)), "expected_std": float(np.sqrt(2 / dof)), "dof": dof,
            "total_chi2": total, "total_dof": dof * seeds, "p_value": float(chi2.sf(total, dof * seeds))}


def _minkowski_accuracy(n_maps: int, size: int, smoothings) -> list[dict]:
    from scigen.astro.maps import MapSimulator
    from scigen.astro.spectra import PowerLawSpectrum
    from scigen.astro.stats import minkowski_functionals, peak_counts
    from scigen.astro.theory import grid_moments, peak_density, tomita_minkowski

    sim = MapSimulator(size, 14.0 * size / 256, PowerLawSpectrum(1e-9, -1.0))
    maps = sim.sample(n_maps, seed=7)
    rows = []
    for sm in smoothings:
        out = minkowski_functionals(maps, smoothing_px=sm, fov_deg=sim.fov_deg, mean=0.0)
        s0, s1, _ = grid_moments(sim.power_grid, sim.fov_deg, sm, derivative="central")
        nu = out["nu"] * out["sigma"] / s0
        theory = tomita_minkowski(nu, s0, s1, bin_width=out["bin_width"][0] * out["sigma"] / s0)
        row = {"smoothing_px": sm, "maps": n_maps, "size": size}
        for name, th in zip(("v0", "v1", "v2"), theory):
            m = out[name].mean(axis=0)
            row[f"{name}_max_dev_pct_of_peak"] = float(100 * np.abs(m - th).max() / np.abs(th).max())
            row[f"{name}_stat_err_pct_of_peak"] = float(100 * (out[name].std(axis=0, ddof=1).max() / np.sqrt(n_maps))
                                                        / np.abs(th).max())
        _, s1c, _ = grid_moments(sim.power_grid, sim.fov_deg, sm, derivative="spectral")
        row["sigma1_continuum_over_grid"] = s1c / s1
        sp0, sp1, sp2 = grid_moments(sim.power_grid, sim.fov_deg, sm, derivative="spectral")
        edges = np.linspace(-5, 7, 49)
        pk = peak_counts(maps, edges=edges, mean=0.0, sigma=sp0, smoothing_px=sm, fov_deg=sim.fov_deg)
        row["peaks_measured_over_bond_efstathiou"] = float(
            pk["total"].mean() / (peak_density(pk["nu"], sp0, sp1, sp2) * np.diff(edges)).sum())
        rows.append(row)
    return rows


def run(quick: bool = False) -> dict:
    speed = [_speed(64, 200 if quick else 2000, 3.5), _speed(256, 20 if quick else 200, 14.0)]
    chi2 = [_spectrum_chi2(100 if quick else 500, ln, 4 if quick else 40) for ln in (False, True)]
    mf = _minkowski_accuracy(8 if quick else 64, 256, (2.0, 4.0) if quick else (1.0, 2.0, 3.0, 4.0, 6.0))
    return {"speed": speed, "spectrum_chi2": chi2, "minkowski_accuracy": mf}


def markdown(result: dict) -> str:
    lines = ["## astro: map statistics", "",
             "Speed in maps per second (one process, best of 3; log-normal maps; MFs: V0, V1, V2 at 25 thresholds "
             "in one pass, 2 px smoothing). P(l) beside powerbox `get_power` (one call per map, "
             "`dimensionless=False`, same bin edges) and a plain numpy loop, measured in the same run.", "",
             "| maps | P(l) | powerbox | numpy ref | P(l) speed-up vs powerbox / numpy "
             "| max rel. diff vs powerbox / numpy | "
             "V0-V2 | peaks | histogram |", "|---|---|---|---|---|---|---|---|---|"]
    for r in result["speed"]:
        pb = r.get("powerbox_maps_per_s")
        pb_rate = f"{pb:,.0f}" if pb else "not installed"
        pb_speedup = f"{r['speedup_vs_powerbox']:.1f}x" if pb else "-"
        pb_diff = f"{r['powerbox_max_rel_diff']:.1e}" if pb else "-"
        lines.append(
            f"| {r['maps']} x {r['size']}^2 | {r['power_spectrum_maps_per_s']:,.0f} | {pb_rate} | "
            f"{r['numpy_reference_power_maps_per_s']:,.0f} | {pb_speedup} / {r['speedup_vs_numpy_reference']:.1f}x | "
            f"{pb_diff} / {r['numpy_reference_max_rel_diff']:.1e} | {r['minkowski_v0_v2_maps_per_s']:,.0f} | "
            f"{r['peak_counts_maps_per_s']:,.0f} | {r['pixel_histogram_maps_per_s']:,.0f} |")
    lines += ["", "Recovered P(l) vs the input spectrum (64^2 maps over 3.5 deg, linear LCDM, chi^2 per degree of "
              "freedom with the maps' own scatter; 1 is ideal):", "",
              "| maps x independent sets | field | chi2/dof: mean | std (chi2 law) | range "
              "| total chi2 / dof, p-value |",
              "|---|---|---|---|---|---|"]
    for r in result["spectrum_chi2"]:
        lines.append(f"| {r['maps']} x {len(r['chi2_per_dof'])} | {'log-normal' if r['lognormal'] else 'Gaussian'} | "
                     f"{r['mean_chi2_per_dof']:.2f} | {r['std_chi2_per_dof']:.2f} ({r['expected_std']:.2f}) | "
                     f"{min(r['chi2_per_dof']):.2f}-{max(r['chi2_per_dof']):.2f} | "
                     f"{r['total_chi2']:.0f} / {r['total_dof']}, p = {r['p_value']:.2f} |")
    lines += ["", "Minkowski functionals vs Tomita and peaks vs Bond & Efstathiou (Gaussian maps 256^2, P(l) ~ l^-1; "
              "deviation = max |measured - theory| in % of the curve's peak, with the largest statistical error "
              "beside it; sigma_1 from the grid's central differences):", "",
              "| smoothing [px] | maps | V0 dev (err) | V1 dev (err) | V2 dev (err) | continuum/grid sigma_1 | "
              "peaks / BE87 |", "|---|---|---|---|---|---|---|"]
    for r in result["minkowski_accuracy"]:
        cells = " | ".join(f"{r[f'{v}_max_dev_pct_of_peak']:.2f}% ({r[f'{v}_stat_err_pct_of_peak']:.2f}%)"
                           for v in ("v0", "v1", "v2"))
        lines.append(f"| {r['smoothing_px']:g} | {r['maps']} | {cells} | {r['sigma1_continuum_over_grid']:.3f} | "
                     f"{r['peaks_measured_over_bond_efstathiou']:.3f} |")
    lines.append("\nANCHORS: gradient MF estimators reach 0.1-1.4% of the peak at 3-6 px smoothing on 512^2 maps; "
                 "peaks/BE87 1.03-1.07 at 3-6 px.")
    return "\n".join(lines)
