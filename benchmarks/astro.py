"""Astro benchmark: speed of the map statistics, and their accuracy against Gaussian-field theory.

``python -m benchmarks astro [--quick]``; ``python -m benchmarks astro:cosmogan_nearest`` reruns one
section (speed, spectrum_chi2, minkowski_accuracy, cosmogan, cosmogan_k4, cosmogan_blur,
cosmogan_ema, cosmogan_k4_ema, cosmogan_spectral, cosmogan_spectral_ema, cosmogan_matched,
cosmogan_matched_ema, cosmogan_k4_matched_ema, cosmogan_matched100_ema, cosmogan_k4_modes_batch,
cosmogan_k4_modes_ema_batch, cosmogan_k4_modes_batch_lr1e-4, cosmogan_k4_modes_batch_lr5e-5,
cosmogan_k4_modes_ema_batch_lr1e-4, cosmogan_k4_modes30_batch_lr1e-4, cosmogan_k4_modes30_pixels30_batch_lr1e-4,
cosmogan_k4_modes_means_batch_lr1e-4, cosmogan_k4_modes_means_batch_lr5e-5, cosmogan_k4_modes_means_batch_lr1e-4_seed1,
cosmogan_k4_modes_means30_batch_lr1e-4, cosmogan_k4_modes_means_smoothed_batch_lr1e-4,
cosmogan_k4_modes_means_smoothed_batch_lr1e-4_seed1, cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay,
cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_seed1,
cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_seed2, cosmogan_k4_modes_means1000_smoothed_batch_lr1e-4_decay,
cosmogan_k4_modes_means_smoothed3_batch_lr1e-4, cosmogan_k4_modes_means_smoothed3_batch_lr1e-4_seed1,
cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst,
cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed1,
cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst,
cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed1,
cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed2,
cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed2,
cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed3,
cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed3 to _seed5,
cosmogan_k4_modes_means_smoothed_boundary_histogram1_batch_lr1e-4_decay_val1000_worst and ..._histogram3_...,
cosmogan_redraws, the ..._lognormal sections, cosmogan_redraws_pixel_space, cosmogan_posthoc,
cosmogan_recipe_r1gamma1 and ..._seed1 (the recipe with an R1 penalty on D), cosmogan_redraws_r1,
cosmogan_nearest, cosmogan_bilinear, galaxies).

* Speed (maps per second, one process, best of 3): power spectrum P(l), Minkowski functionals V0-V2
  (one pass), peak counts, pixel histogram, at 64x64 and 256x256. P(l) is measured beside two
  independent implementations in the same run: powerbox 1.0's ``get_power`` (one map per call,
  ``dimensionless=False`` as a convergence map needs, the same bin edges), and a plain numpy loop
  (full ``fft2`` + ``bincount`` per map) written here; the agreement of the spectra is reported.
* Accuracy: recovered P(l) against the input spectrum (chi^2 per degree of freedom over many maps,
  Gaussian and log-normal), V0-V2 against Tomita's formulas (max deviation in % of each curve's peak)
  and peak counts against Bond & Efstathiou (measured / theory) at several smoothings.

* cosmoGAN quality: log-normal maps 64 x 64 over 3.5 deg; cosmoGAN (width 16, circular padding for the
  periodic maps) trained on the CPU in 500-step rounds (exact resume) until a wall-clock budget of
  30 min or a step cap; every 250 steps 300 generated maps are compared with 300 validation maps
  and the best checkpoint is kept (``train_gan(validation=...)``). Then 1,000 maps from the best
  checkpoint against 1,000 held-out test maps (never used for selection): every statistic's
  distance / noise floor and whether it is within 2x the floor (the issue's target), at 100, 300
  and 1,000 maps per set (the floor shrinks with the set size), plus the generic checks, and the
  latest checkpoint beside it. Wall time, steps and the machine's load are recorded: other jobs
  share the cores.
* cosmoGAN with 4 x 4 kernels (``cosmogan_k4``): the paper's network with DCGAN's 4 x 4 kernels instead
  of 5 x 5; 4 divides the stride 2, so every output pixel of a transposed convolution gets the same
  number of taps (with 5 x 5, even pixels get 9 and odd ones 4: a built-in period-2 pattern).
* cosmoGAN sampled from an exponential moving average of its generator's weights (``cosmogan_ema``,
  ``ema=0.999``, batch-norm statistics of the average re-estimated before sampling), alone and with
  4 x 4 kernels (``cosmogan_k4_ema``).
* cosmoGAN whose discriminator has no batch norm but spectral normalisation on every layer
  (``cosmogan_spectral``, ``d_norm="spectral"``, Miyato et al. 2018): it judges each map on its own,
  so a wrong amplitude is visible to it (the paper's batch norm, fed real and generated maps in
  separate batches, normalises it away: docs/astro.md section 6); alone and with the generator's
  moving average (``cosmogan_spectral_ema``, ``ema=0.999``).
* cosmoGAN with statistic matching (``cosmogan_matched``, ``match_spectrum = match_pixels = 10``): the
  generator's loss also pulls each batch's log power per ring and its pixel quantiles toward all
  training maps' (feature matching on physical statistics, ``scigen.astro.matching``); P(l) and the
  pixel histogram are then no longer independent checks of the network, V1, V2 and peaks still are;
  alone and with the generator's moving average (``cosmogan_matched_ema``, ``ema=0.999``), the latter
  also with 4 x 4 kernels (``cosmogan_k4_matched_ema``) and with both weights at 100
  (``cosmogan_matched100_ema``).
* cosmoGAN with per-mode spectrum matching, sampled with batch statistics (4 x 4 kernels,
  ``match_modes = match_pixels = 10``, no ring term, ``sample_norm="batch"``): the spectrum loss
  compares the batch's power in every Fourier mode with the training maps' power in that mode's
  symmetry orbit, so the spikes of stride-2 upsampling at single modes, which a ring average hides,
  are pulled down too; and the generator samples in batches of 64 normalised by their own
  statistics, as it ran when its losses were met (with stored statistics, a matched generator's
  pixel histogram is 30-200x further off: docs/astro.md section 6): ``cosmogan_k4_modes_batch``;
  with EMA 0.999 (``cosmogan_k4_modes_ema_batch``); at a half and a quarter of the paper's learning
  rate (``cosmogan_k4_modes_batch_lr1e-4``, ``cosmogan_k4_modes_batch_lr5e-5``); with EMA at half the
  learning rate (``cosmogan_k4_modes_ema_batch_lr1e-4``); at lr 1e-4 with the per-mode weight tripled
  (``cosmogan_k4_modes30_batch_lr1e-4``) and with both weights tripled
  (``cosmogan_k4_modes30_pixels30_batch_lr1e-4``); at lr 1e-4 with the spread of the maps' means
  matched too (``cosmogan_k4_modes_means_batch_lr1e-4``, ``match_means=10``: the matched runs drew
  maps whose means scattered 7.5x as much as the training maps'), and the same at lr 5e-5
  (``cosmogan_k4_modes_means_batch_lr5e-5``), with another training seed
  (``cosmogan_k4_modes_means_batch_lr1e-4_seed1``: initial weights and batches differ; data, validation
  and test maps do not) and with the means weight tripled (``cosmogan_k4_modes_means30_batch_lr1e-4``);
  with the smoothed maps' pixel quantiles matched as well (``match_smoothed=10``: the means-matched
  runs' smoothed maps were less skewed than the training maps', so V0 missed;
  ``cosmogan_k4_modes_means_smoothed_batch_lr1e-4`` and ``..._seed1``), and the same with both
  learning rates decayed linearly to 5% from step 3,500 to 7,000 (``..._decay``, ``..._decay_seed1`` and
  ``..._decay_seed2``:
  against the oscillation between checkpoints); and that with the means weight at 1,000
  (``cosmogan_k4_modes_means1000_smoothed_batch_lr1e-4_decay``: at weight 10 the maps' means still
  scattered 1.8x as much as the training maps', an error the term, in units of the pixel variance,
  barely weighs); and the smoothed term at weight 3 without the decay
  (``cosmogan_k4_modes_means_smoothed3_batch_lr1e-4`` and ``..._seed1``: at weight 10 the raw pixel
  histogram got worse); and the decayed runs with the checkpoint chosen by 1,000 validation maps and
  the statistic furthest from its floor, every checkpoint kept for a look afterwards
  (``cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst``, ``..._seed1`` to ``..._seed3``: 300
  validation maps and the mean over the statistics chose checkpoints 5-6 floors off at test); and those
  with the smoothed maps' contour length per threshold matched as well (``match_boundary=10``:
  ``cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst``, ``..._seed1`` to
  ``..._seed5``:
  seed 1's maps had 2-4% too much contour at -1.25..-0.25 sigma at every checkpoint, V1 6.9-23 floors);
  and those with the pixel histogram matched bin by bin as well, at weights 1 and 3 (training seed 0;
  ``match_histogram``: all six seeds drew too many pixels near the mode and 2-6% too few at 1.5-4 sigma,
  histogram 2.2-4.6 floors, a shape the quantile term barely weighs).
* How much one draw of 1,000 maps decides (``cosmogan_redraws``): four checkpoints of those runs draw
  ten independent sets of 1,000 maps each, all validated against the run's same test maps.
* The "In short" recipe in a log-normal pixel space (``..._val1000_worst_lognormal``, ``..._seed1`` to
  ``..._seed5``; ``pixel_transform="lognormal"``: the log of the maps above their fitted log-normal
  bound, a Gaussian field in the network's space, where the squash leaves excess kurtosis -0.18 and
  every recipe run's maps drifted toward 0 there), and the chosen checkpoints of both pixel spaces,
  six seeds each, drawn ten times (``cosmogan_redraws_pixel_space``).
* Fixes after training (``cosmogan_posthoc``, seed 0's run with every checkpoint kept): the chosen
  checkpoint's maps remapped onto the training maps' pixel quantiles, and the weights averaged over
  the last 5, 9 and 13 checkpoints; each drawn ten times like ``cosmogan_redraws``.
* The recipe on both of the budget's two cores (every run above used one torch thread):
  ``..._val1000_worst_12000steps_2threads`` spends the 1.45x faster steps on up to 12,000 steps (the
  learning-rate decay stretched to 5,250-10,500), ``..._val1000_worst_w24_2threads`` on width 24 for
  the same 8,000; their chosen checkpoints drawn ten times beside the one-thread recipe's
  (``cosmogan_redraws_two_cores``).
* Checkpoint ensembles (``cosmogan_ensembles``, ``..._seed1``, in
  ``benchmarks/_astro_selection.py``): maps drawn from a mixture of several checkpoints of the recipe's
  run, the members chosen on the validation maps (the best by the training log, or greedily), each
  mixture drawn ten times like ``cosmogan_redraws``.
* The checkpoint chosen on three validation draws instead of one (``cosmogan_reselect``,
  ``cosmogan_reselect_lognormal``): every kept checkpoint of the recipe's runs (both pixel spaces)
  scored on two more draws of generated maps, the lowest median chosen and drawn ten times; with
  ``_fresh`` the two extra draws are scored against fresh simulated validation sets.
* cosmoGAN with anti-aliased transposed convolutions (``cosmogan_blur``, ``upsample="transpose_blur"``):
  each hidden stage's transposed convolution followed by a fixed [1, 2, 1]^2 / 16 low-pass, which
  removes the period-2 pattern of that stage (the lattice of excess power at multiples of k = 4 in
  the transposed run's 2-D spectrum); the output stage stays a plain transposed convolution.
* cosmoGAN with resize-convolutions (``cosmogan_nearest``, ``cosmogan_bilinear``): the same with the
  generator's stride-2 transposed convolutions replaced by x2 nearest-neighbour or bilinear
  upsampling + convolution (``upsample="nearest"`` / ``"bilinear"``), which cannot print the
  checkerboard pattern (Odena, Dumoulin & Olah 2016) that transposed convolutions leave in P(l)
  until training cancels it.
* Galaxies (rendered, 32 x 32 colour): the VAE's held-out reconstruction error beside the mean-image
  baseline (also on the shipped Hubble patches); the AC-GAN's held-out classifier accuracy, and an
  independent classifier (logistic regression on colour / concentration / m = 2 features, trained on
  real images) applied to generated galaxies of each requested class.

Artifacts (runs, generated sets, report) stay under ``runs/benchmarks/astro/`` for ``docs/astro_figures.py``.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks._astro_cosmogan import (CONTOUR_RECIPE, MODES_SETTINGS, WORK, cosmogan_markdown, cosmogan_quality,
                                        posthoc_spread, redraw_markdown, redraw_spread)
from benchmarks._astro_selection import ensemble_markdown, ensemble_spread, reselect_markdown, reselect_spread


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


def _morphology(images: np.ndarray) -> np.ndarray:
    """Colour, concentration and ring m = 2 amplitudes / phase twists, radii scaled to the image size."""
    n, _, h, w = images.shape
    f = h / 64
    grey = images.mean(axis=1) + 1e-6
    yy, xx = np.mgrid[:h, :w] - (h - 1) / 2
    r, th = np.hypot(yy, xx), np.arctan2(yy, xx)
    flux = images.reshape(n, 3, -1).sum(-1) + 1e-6
    total = grey.reshape(n, -1).sum(1)
    feats = [np.log(flux[:, 2] / flux[:, 0])] + [(grey * (r < r1 * f)).reshape(n, -1).sum(1) / total
                                                 for r1 in (4, 8, 16)]
    phases = []
    for a, b in ((2, 5), (5, 9), (9, 14), (14, 20)):
        ring = (r >= a * f) & (r < b * f)
        c2 = (grey * ring * np.exp(2j * th)).reshape(n, -1).sum(1) / (grey * ring).reshape(n, -1).sum(1)
        feats.append(np.abs(c2))
        phases.append(np.angle(c2))
    feats += [np.abs(np.angle(np.exp(1j * (q - p)))) for p, q in zip(phases, phases[1:])]
    return np.stack(feats, axis=1)


def _galaxy_quality(quick: bool) -> dict:
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from scigen.astro.galaxies import hubble_patches, render_galaxies
    from scigen.astro.galaxy_pipeline import _split, interpolate, train_acgan, train_vae
    from scigen.engine import TrainConfig

    work = WORK / ("quick" if quick else "full")
    n, size = (300, 32) if quick else (3000, 32)
    vae_steps, ac_steps = (20, 20) if quick else (1500, 1500)
    galaxies, _ = render_galaxies(n, size, seed=0)
    out = {"images": {"n": n, "size": size, "classes": galaxies.class_names}}
    t0 = time.perf_counter()
    vae = train_vae(galaxies, work / "gvae_run", TrainConfig(steps=vae_steps, batch_size=64, seed=0, threads=1,
                    log_every=100), latent_dim=32, width=32, kl_warmup_steps=min(500, vae_steps), holdout=0.1)
    out["vae"] = {"steps": vae_steps, "train_s": time.perf_counter() - t0, **vae["heldout"]}
    out["vae"]["gif_frames"] = interpolate(work / "gvae_run", work / "galaxy_interpolation.gif", images=galaxies,
                                           n_points=5, frames_per_segment=12, seed=3, scale=3)["frames"]
    hub = hubble_patches()
    t0 = time.perf_counter()
    hv = train_vae(hub, work / "hubble_vae_run", TrainConfig(steps=vae_steps // 2 or 1, batch_size=32, seed=0,
                   threads=1, log_every=100), latent_dim=16, width=32, kl_warmup_steps=min(300, vae_steps), holdout=0.1)
    out["hubble_vae"] = {"steps": vae_steps // 2 or 1, "size": int(hub.images.shape[-1]), "images": len(hub),
                         "train_s": time.perf_counter() - t0, **hv["heldout"]}

    t0 = time.perf_counter()
    ac = train_acgan(galaxies, work / "acgan_run", TrainConfig(steps=ac_steps, batch_size=64, seed=0, threads=1,
                     log_every=100), width=32, latent_dim=64, holdout=0.2)
    out["acgan"] = {"steps": ac_steps, "train_s": time.perf_counter() - t0, **ac["heldout"]}
    # an independent judge: logistic regression on morphology features, trained on the real training part
    train_idx, test_idx = _split(n, 0.2, 0, galaxies.labels)
    judge = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    judge.fit(_morphology(galaxies.images[train_idx]), galaxies.labels[train_idx])
    out["acgan"]["judge_accuracy_real_heldout"] = float(
        judge.score(_morphology(galaxies.images[test_idx]), galaxies.labels[test_idx]))
    g = torch.Generator().manual_seed(5)
    fidelity = {}
    for k, name in enumerate(galaxies.class_names):
        fake = ac["model"].sample(200, condition=k, generator=g).numpy()
        fidelity[name] = float((judge.predict(_morphology(fake)) == k).mean())
    out["acgan"]["judge_accuracy_generated"] = fidelity
    return out


# ``python -m benchmarks astro:cosmogan`` reruns one section (see benchmarks/__main__.py)
REDRAW_CHECKPOINTS = {  # the cosmogan_redraws section's checkpoints: label -> (its run's options, which)
    "contour length, seed 0, chosen": (CONTOUR_RECIPE, "best"),
    "+ histogram 1, chosen": ({**CONTOUR_RECIPE, "match_histogram": 1.0}, "best"),
    "+ histogram 1, last": ({**CONTOUR_RECIPE, "match_histogram": 1.0}, "latest"),
    "+ histogram 3, chosen": ({**CONTOUR_RECIPE, "match_histogram": 3.0}, "best"),
}
PIXEL_SPACE_CHECKPOINTS = {  # cosmogan_redraws_pixel_space: the recipe's chosen checkpoints, six seeds, two pixel spaces
    **{f"cosmoGAN squash, seed {seed}": ({**CONTOUR_RECIPE, "train_seed": seed}, "best") for seed in range(6)},
    **{f"log-normal, seed {seed}": ({**CONTOUR_RECIPE, "pixel_transform": "lognormal", "train_seed": seed}, "best")
       for seed in range(6)},
}

# the recipe on both of the budget's cores (two torch threads, 1.45x the steps per second of one at width 16):
# the extra speed spent on more steps (the learning-rate decay stretched with them) or on a wider network
TWO_CORES = {
    "_12000steps_2threads": {**CONTOUR_RECIPE, "threads": 2, "max_steps": 12000, "lr_decay": (5250, 10500),
                             "keep_checkpoints": 50},
    "_w24_2threads": {**CONTOUR_RECIPE, "threads": 2, "width": 24, "keep_checkpoints": 40},
}
TWO_CORES_CHECKPOINTS = {  # cosmogan_redraws_two_cores: the one-thread recipe's best seed beside the two-core runs
    "one thread, width 16, 8,000 steps (seed 0)": (CONTOUR_RECIPE, "best"),
    "two threads, width 16, 12,000 steps": (TWO_CORES["_12000steps_2threads"], "best"),
    "two threads, width 24, 8,000 steps": (TWO_CORES["_w24_2threads"], "best"),
}

# the recipe with an R1 penalty on D (Mescheder et al. 2018), lazily every 4 steps: sections
# cosmogan_recipe_r1gamma{gamma}[_seed{n}], and their chosen checkpoints redrawn beside the recipe's
R1_RUNS = {f"_r1gamma{gamma:g}{f'_seed{seed}' if seed else ''}": {**CONTOUR_RECIPE, "r1": gamma, "train_seed": seed}
           for gamma in (1.0,) for seed in (0, 1)}
R1_CHECKPOINTS = {
    **{f"recipe, seed {seed}": ({**CONTOUR_RECIPE, "train_seed": seed}, "best") for seed in (0, 1)},
    **{f"R1 gamma {o['r1']:g}, seed {o['train_seed']}": (o, "best") for o in R1_RUNS.values()},
}

RESELECT_RUNS = {  # cosmogan_reselect(_lognormal): the recipe's runs that kept every checkpoint
    **{f"cosmoGAN squash, seed {seed}": {**CONTOUR_RECIPE, "train_seed": seed} for seed in range(3)},
    **{f"log-normal, seed {seed}": {**CONTOUR_RECIPE, "pixel_transform": "lognormal", "train_seed": seed}
       for seed in range(6)},
}

SECTIONS = {
    "speed": lambda quick: [_speed(64, 200 if quick else 2000, 3.5), _speed(256, 20 if quick else 200, 14.0)],
    "spectrum_chi2": lambda quick: [_spectrum_chi2(100 if quick else 500, ln, 4 if quick else 40)
                                    for ln in (False, True)],
    "minkowski_accuracy": lambda quick: _minkowski_accuracy(8 if quick else 64, 256,
                                                            (2.0, 4.0) if quick else (1.0, 2.0, 3.0, 4.0, 6.0)),
    "cosmogan": lambda quick: cosmogan_quality(quick),
    "cosmogan_k4": lambda quick: cosmogan_quality(quick, kernel_size=4),
    "cosmogan_blur": lambda quick: cosmogan_quality(quick, upsample="transpose_blur"),
    "cosmogan_ema": lambda quick: cosmogan_quality(quick, ema=0.999),
    "cosmogan_k4_ema": lambda quick: cosmogan_quality(quick, kernel_size=4, ema=0.999),
    "cosmogan_spectral": lambda quick: cosmogan_quality(quick, d_norm="spectral"),
    "cosmogan_spectral_ema": lambda quick: cosmogan_quality(quick, d_norm="spectral", ema=0.999),
    "cosmogan_matched": lambda quick: cosmogan_quality(quick, match=10.0),
    "cosmogan_matched_ema": lambda quick: cosmogan_quality(quick, match=10.0, ema=0.999),
    "cosmogan_k4_matched_ema": lambda quick: cosmogan_quality(quick, kernel_size=4, match=10.0, ema=0.999),
    "cosmogan_matched100_ema": lambda quick: cosmogan_quality(quick, match=100.0, ema=0.999),
    "cosmogan_k4_modes_batch": lambda quick: cosmogan_quality(quick, **MODES_SETTINGS),
    "cosmogan_k4_modes_ema_batch": lambda quick: cosmogan_quality(quick, **MODES_SETTINGS, ema=0.999),
    "cosmogan_k4_modes_batch_lr1e-4": lambda quick: cosmogan_quality(quick, **MODES_SETTINGS, lr=1e-4),
    "cosmogan_k4_modes_batch_lr5e-5": lambda quick: cosmogan_quality(quick, **MODES_SETTINGS, lr=5e-5),
    "cosmogan_k4_modes_ema_batch_lr1e-4": lambda quick: cosmogan_quality(quick, **MODES_SETTINGS, ema=0.999, lr=1e-4),
    "cosmogan_k4_modes30_batch_lr1e-4": lambda quick: cosmogan_quality(
        quick, **{**MODES_SETTINGS, "match_modes": 30.0}, lr=1e-4),
    "cosmogan_k4_modes30_pixels30_batch_lr1e-4": lambda quick: cosmogan_quality(
        quick, **{**MODES_SETTINGS, "match_modes": 30.0, "match": 30.0}, lr=1e-4),
    "cosmogan_k4_modes_means_batch_lr1e-4": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, lr=1e-4),
    "cosmogan_k4_modes_means_batch_lr5e-5": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, lr=5e-5),
    "cosmogan_k4_modes_means_batch_lr1e-4_seed1": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, lr=1e-4, train_seed=1),
    "cosmogan_k4_modes_means30_batch_lr1e-4": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=30.0, lr=1e-4),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4_seed1": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4, train_seed=1),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4, lr_decay=(3500, 7000)),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_seed1": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4, lr_decay=(3500, 7000),
        train_seed=1),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4, lr_decay=(3500, 7000),
        n_val=1000, select="worst", keep_checkpoints=40),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed1": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4, lr_decay=(3500, 7000),
        n_val=1000, select="worst", keep_checkpoints=40, train_seed=1),
    "cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, match_boundary=10.0, lr=1e-4,
        lr_decay=(3500, 7000), n_val=1000, select="worst", keep_checkpoints=40),
    "cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed1": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, match_boundary=10.0, lr=1e-4,
        lr_decay=(3500, 7000), n_val=1000, select="worst", keep_checkpoints=40, train_seed=1),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed2": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4, lr_decay=(3500, 7000),
        n_val=1000, select="worst", keep_checkpoints=40, train_seed=2),
    "cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed2": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, match_boundary=10.0, lr=1e-4,
        lr_decay=(3500, 7000), n_val=1000, select="worst", keep_checkpoints=40, train_seed=2),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed3": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4, lr_decay=(3500, 7000),
        n_val=1000, select="worst", train_seed=3),
    **{f"cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed{seed}":
       (lambda quick, seed=seed: cosmogan_quality(quick, **CONTOUR_RECIPE, train_seed=seed)) for seed in (3, 4, 5)},
    **{f"cosmogan_k4_modes_means_smoothed_boundary_histogram{weight:g}_batch_lr1e-4_decay_val1000_worst":
       (lambda quick, weight=weight: cosmogan_quality(quick, **CONTOUR_RECIPE, match_histogram=weight))
       for weight in (1.0, 3.0)},
    **{f"cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_lognormal{f'_seed{seed}' if seed else ''}":
       (lambda quick, seed=seed: cosmogan_quality(quick, **CONTOUR_RECIPE, pixel_transform="lognormal",
                                                  keep_checkpoints=40, train_seed=seed)) for seed in range(6)},
    **{f"cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst{suffix}":
       (lambda quick, options=options: cosmogan_quality(quick, **options)) for suffix, options in TWO_CORES.items()},
    **{f"cosmogan_recipe{suffix}": (lambda quick, options=options: cosmogan_quality(quick, **options))
       for suffix, options in R1_RUNS.items()},
    "cosmogan_redraws_r1": lambda quick: redraw_spread(R1_CHECKPOINTS, quick),
    "cosmogan_redraws": lambda quick: redraw_spread(REDRAW_CHECKPOINTS, quick),
    "cosmogan_redraws_two_cores": lambda quick: redraw_spread(TWO_CORES_CHECKPOINTS, quick),
    "cosmogan_redraws_pixel_space": lambda quick: redraw_spread(PIXEL_SPACE_CHECKPOINTS, quick),
    "cosmogan_posthoc": posthoc_spread,
    "cosmogan_reselect": lambda quick: {label: reselect_spread(options, quick)
                                        for label, options in RESELECT_RUNS.items() if "squash" in label},
    "cosmogan_reselect_lognormal": lambda quick: {label: reselect_spread(options, quick)
                                                  for label, options in RESELECT_RUNS.items() if "log-normal" in label},
    **{f"cosmogan_reselect{suffix}_fresh": (lambda quick, kind=kind: {
        label: reselect_spread(options, quick, fresh_maps=True) for label, options in RESELECT_RUNS.items()
        if kind in label}) for suffix, kind in (("", "squash"), ("_lognormal", "log-normal"))},
    **{f"cosmogan_ensembles{f'_seed{seed}' if seed else ''}":
       (lambda quick, seed=seed: ensemble_spread({**CONTOUR_RECIPE, "train_seed": seed}, quick)) for seed in range(2)},
    "cosmogan_k4_modes_means_smoothed3_batch_lr1e-4": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=3.0, lr=1e-4),
    "cosmogan_k4_modes_means_smoothed3_batch_lr1e-4_seed1": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=3.0, lr=1e-4, train_seed=1),
    "cosmogan_k4_modes_means1000_smoothed_batch_lr1e-4_decay": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=1000.0, match_smoothed=10.0, lr=1e-4, lr_decay=(3500, 7000)),
    "cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_seed2": lambda quick: cosmogan_quality(
        quick, **MODES_SETTINGS, match_means=10.0, match_smoothed=10.0, lr=1e-4, lr_decay=(3500, 7000),
        train_seed=2),
    "cosmogan_nearest": lambda quick: cosmogan_quality(quick, upsample="nearest"),
    "cosmogan_bilinear": lambda quick: cosmogan_quality(quick, upsample="bilinear"),
    "galaxies": lambda quick: _galaxy_quality(quick),
}


MODES_TITLE = "cosmoGAN with 4 x 4 kernels, per-mode spectrum and pixel matching, sampled with batch statistics"


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
    for key, title in (("cosmogan", "cosmoGAN on log-normal maps"),
                       ("cosmogan_k4", "cosmoGAN with 4 x 4 kernels"),
                       ("cosmogan_blur",
                        "cosmoGAN with anti-aliased transposed convolutions (hidden stages low-passed)"),
                       ("cosmogan_ema", "cosmoGAN sampled from a moving average of its generator (EMA 0.999)"),
                       ("cosmogan_k4_ema", "cosmoGAN with 4 x 4 kernels and the moving average (EMA 0.999)"),
                       ("cosmogan_spectral", "cosmoGAN whose D has spectral normalisation instead of batch norm"),
                       ("cosmogan_spectral_ema", "cosmoGAN with the spectrally normalised D and the moving average"),
                       ("cosmogan_matched", "cosmoGAN with statistic matching (power spectrum and pixel quantiles)"),
                       ("cosmogan_matched_ema", "cosmoGAN with statistic matching and the moving average (EMA 0.999)"),
                       ("cosmogan_k4_matched_ema", "cosmoGAN with 4 x 4 kernels, statistic matching and the moving average"),
                       ("cosmogan_matched100_ema", "cosmoGAN with 10x stronger statistic matching and the moving average"),
                       ("cosmogan_k4_modes_batch", MODES_TITLE),
                       ("cosmogan_k4_modes_ema_batch", MODES_TITLE + ", with the moving average (EMA 0.999)"),
                       ("cosmogan_k4_modes_batch_lr1e-4", MODES_TITLE + ", learning rate 1e-4"),
                       ("cosmogan_k4_modes_batch_lr5e-5", MODES_TITLE + ", learning rate 5e-5"),
                       ("cosmogan_k4_modes_ema_batch_lr1e-4", MODES_TITLE + ", with the moving average (EMA 0.999), "
                        "learning rate 1e-4"),
                       ("cosmogan_k4_modes30_batch_lr1e-4", MODES_TITLE + ", per-mode weight 30, learning rate 1e-4"),
                       ("cosmogan_k4_modes30_pixels30_batch_lr1e-4",
                        MODES_TITLE + ", per-mode and pixel weights 30, learning rate 1e-4"),
                       ("cosmogan_k4_modes_means_batch_lr1e-4",
                        MODES_TITLE + " and the spread of the map means, learning rate 1e-4"),
                       ("cosmogan_k4_modes_means_batch_lr5e-5",
                        MODES_TITLE + " and the spread of the map means, learning rate 5e-5"),
                       ("cosmogan_k4_modes_means_batch_lr1e-4_seed1",
                        MODES_TITLE + " and the spread of the map means, learning rate 1e-4, training seed 1"),
                       ("cosmogan_k4_modes_means30_batch_lr1e-4",
                        MODES_TITLE + " and the spread of the map means (weight 30), learning rate 1e-4"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4_seed1",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4, training seed 1"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4 decayed from step 3,500 to 7,000"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_seed1",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4 decayed from step 3,500 to 7,000, training seed 1"),
                       ("cosmogan_k4_modes_means_smoothed3_batch_lr1e-4",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles (weight 3), "
                        "learning rate 1e-4"),
                       ("cosmogan_k4_modes_means_smoothed3_batch_lr1e-4_seed1",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles (weight 3), "
                        "learning rate 1e-4, training seed 1"),
                       ("cosmogan_k4_modes_means1000_smoothed_batch_lr1e-4_decay",
                        MODES_TITLE + ", the spread of the map means (weight 1,000) and the smoothed pixel "
                        "quantiles, learning rate 1e-4 decayed from step 3,500 to 7,000"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_seed2",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4 decayed from step 3,500 to 7,000, training seed 2"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4 decayed from step 3,500 to 7,000; checkpoint chosen by 1,000 validation "
                        "maps and the worst statistic"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed1",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4 decayed from step 3,500 to 7,000, training seed 1; checkpoint chosen by "
                        "1,000 validation maps and the worst statistic"),
                       ("cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst",
                        MODES_TITLE + ", the spread of the map means, the smoothed pixel quantiles and the contour "
                        "length, learning rate 1e-4 decayed from step 3,500 to 7,000; checkpoint chosen by 1,000 "
                        "validation maps and the worst statistic"),
                       ("cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed1",
                        MODES_TITLE + ", the spread of the map means, the smoothed pixel quantiles and the contour "
                        "length, learning rate 1e-4 decayed from step 3,500 to 7,000, training seed 1; checkpoint "
                        "chosen by 1,000 validation maps and the worst statistic"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed2",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4 decayed from step 3,500 to 7,000, training seed 2; checkpoint chosen by "
                        "1,000 validation maps and the worst statistic"),
                       ("cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed2",
                        MODES_TITLE + ", the spread of the map means, the smoothed pixel quantiles and the contour "
                        "length, learning rate 1e-4 decayed from step 3,500 to 7,000, training seed 2; checkpoint "
                        "chosen by 1,000 validation maps and the worst statistic"),
                       ("cosmogan_k4_modes_means_smoothed_batch_lr1e-4_decay_val1000_worst_seed3",
                        MODES_TITLE + ", the spread of the map means and the smoothed pixel quantiles, "
                        "learning rate 1e-4 decayed from step 3,500 to 7,000, training seed 3; checkpoint chosen by "
                        "1,000 validation maps and the worst statistic"),
                       *((f"cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_seed{seed}",
                          MODES_TITLE + ", the spread of the map means, the smoothed pixel quantiles and the contour "
                          f"length, learning rate 1e-4 decayed from step 3,500 to 7,000, training seed {seed}; "
                          "checkpoint chosen by 1,000 validation maps and the worst statistic") for seed in (3, 4, 5)),
                       *((f"cosmogan_k4_modes_means_smoothed_boundary_histogram{weight:g}_batch_lr1e-4_decay_val1000_worst",
                          MODES_TITLE + ", the spread of the map means, the smoothed pixel quantiles, the contour "
                          f"length and the pixel histogram per bin (weight {weight:g}), learning rate 1e-4 decayed "
                          "from step 3,500 to 7,000; checkpoint chosen by 1,000 validation maps and the worst "
                          "statistic") for weight in (1, 3)),
                       *((f"cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_lognormal"
                          f"{f'_seed{seed}' if seed else ''}",
                          MODES_TITLE + ", the spread of the map means, the smoothed pixel quantiles and the contour "
                          "length, learning rate 1e-4 decayed from step 3,500 to 7,000, in a log-normal pixel space "
                          f"(pixel_transform='lognormal'), training seed {seed}; checkpoint chosen by 1,000 "
                          "validation maps and the worst statistic") for seed in range(6)),
                       ("cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_12000steps_2threads",
                        MODES_TITLE + ", the spread of the map means, the smoothed pixel quantiles and the contour "
                        "length, learning rate 1e-4 decayed from step 5,250 to 10,500, two torch threads and up to "
                        "12,000 steps; checkpoint chosen by 1,000 validation maps and the worst statistic"),
                       ("cosmogan_k4_modes_means_smoothed_boundary_batch_lr1e-4_decay_val1000_worst_w24_2threads",
                        MODES_TITLE + ", the spread of the map means, the smoothed pixel quantiles and the contour "
                        "length, learning rate 1e-4 decayed from step 3,500 to 7,000, width 24 on two torch threads; "
                        "checkpoint chosen by 1,000 validation maps and the worst statistic"),
                       *((f"cosmogan_recipe{suffix}", f"cosmoGAN: the recipe (the contour-length runs above) with an R1 "
                          f"penalty on the discriminator, gamma {o['r1']:g} every 4 steps, training seed {o['train_seed']}")
                         for suffix, o in R1_RUNS.items()),
                       ("cosmogan_nearest", "cosmoGAN with resize-convolutions (x2 nearest + convolution)"),
                       ("cosmogan_bilinear", "cosmoGAN with resize-convolutions (x2 bilinear + convolution)")):
        if key in result:
            lines += cosmogan_markdown(result[key], title)
    if "cosmogan_redraws" in result:
        lines += redraw_markdown(result["cosmogan_redraws"])
    if "cosmogan_redraws_pixel_space" in result:
        lines += redraw_markdown(result["cosmogan_redraws_pixel_space"],
                                 "the cosmoGAN squash against a log-normal pixel space, six training seeds each")
    if "cosmogan_redraws_two_cores" in result:
        lines += redraw_markdown(result["cosmogan_redraws_two_cores"],
                                 "the recipe on one core against both of the budget's cores")
    if "cosmogan_redraws_r1" in result:
        lines += redraw_markdown(result["cosmogan_redraws_r1"], "the recipe with and without an R1 penalty on D")
    if "cosmogan_posthoc" in result:
        lines += redraw_markdown(result["cosmogan_posthoc"], "fixes after training (seed 0's run): pixels remapped "
                                 "onto the training quantiles, weights averaged over checkpoints")
    for fresh in ("", "_fresh"):
        lines += reselect_markdown({**result.get(f"cosmogan_reselect{fresh}", {}),
                                    **result.get(f"cosmogan_reselect_lognormal{fresh}", {})})
    for seed in range(2):
        key = f"cosmogan_ensembles{f'_seed{seed}' if seed else ''}"
        if key in result:
            lines += ensemble_markdown(result[key], f"checkpoint ensembles, the recipe's run with training seed {seed}")
    if "galaxies" in result:
        lines += _galaxy_markdown(result["galaxies"])
    return "\n".join(lines)


def _galaxy_markdown(g: dict) -> list[str]:
    v, h, a = g["vae"], g["hubble_vae"], g["acgan"]
    lines = ["", "### Galaxy VAE and AC-GAN", "",
              f"Rendered galaxies: {g['images']['n']} colour images {g['images']['size']}^2, classes "
              f"{', '.join(g['images']['classes'])}.", "",
              "| model | steps | minutes | held-out result |", "|---|---|---|---|",
              f"| VAE (latent 32), rendered | {v['steps']} | {v['train_s'] / 60:.1f} | reconstruction MSE {v['mse']:.4f} "
              f"per pixel vs mean-image baseline {v['baseline_mse']:.4f} (ratio {v['ratio_to_baseline']:.2f}, "
              f"{v['n']} images) |",
              f"| VAE (latent 16), Hubble patches {h['size']}^2 | {h['steps']} | {h['train_s'] / 60:.1f} | MSE "
              f"{h['mse']:.4f} vs baseline {h['baseline_mse']:.4f} (ratio {h['ratio_to_baseline']:.2f}, {h['n']} images) |",
              f"| AC-GAN (width 32) | {a['steps']} | {a['train_s'] / 60:.1f} | discriminator's classifier: "
              f"{a['accuracy']:.1%} on {a['n']} real images (chance {a['chance']:.0%}; " +
              ", ".join(f"{k} {x:.0%}" for k, x in a["per_class"].items()) + ") |",
              "", f"Independent judge (logistic regression on colour, concentration and m = 2 features, trained on "
              f"real images): {a['judge_accuracy_real_heldout']:.1%} on held-out real images; generated galaxies "
              "classified as the requested class: " +
              ", ".join(f"{k} {x:.0%}" for k, x in a["judge_accuracy_generated"].items()) + "."]
    return lines
