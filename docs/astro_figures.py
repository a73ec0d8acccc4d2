"""Make the figures of docs/astro.md: ``python docs/astro_figures.py`` (about half a minute on 2 cores).

Writes docs/img/astro_*.png (each kept under 200 KB). The data figures are computed here from
scigen's own simulator, statistics and theory functions, with fixed seeds. The model figures
(``--models``) come from the artifacts ``python -m benchmarks astro`` leaves in
``runs/benchmarks/astro/full/``: the validation report's own plots (P(l) and the Minkowski
functionals, real vs generated with the noise band), a grid of generated maps beside real ones, the
VAE's interpolation GIF and class-conditional AC-GAN samples.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from scigen.astro.galaxies import hubble_patches, render_galaxies  # noqa: E402
from scigen.astro.maps import MapSimulator  # noqa: E402
from scigen.astro.spectra import PowerLawSpectrum  # noqa: E402
from scigen.astro.stats import minkowski_functionals, peak_counts, power_spectrum, spectrum_bins  # noqa: E402
from scigen.astro.theory import grid_moments, peak_density, tomita_minkowski  # noqa: E402
from scigen.io.atomic import write_bytes_atomic  # noqa: E402

IMG = Path(__file__).resolve().parent / "img"
BENCH = Path(__file__).resolve().parents[1] / "runs" / "benchmarks" / "astro" / "full"


def save(fig, name: str, dpi: int = 90) -> None:
    """Save as a 256-colour palette PNG (images of maps and galaxies compress poorly in full colour)."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    buf.seek(0)
    out = io.BytesIO()
    Image.open(buf).convert("RGB").quantize(256).save(out, format="PNG", optimize=True)
    data = out.getvalue()
    assert len(data) < 200_000, f"{name} is {len(data)} bytes"
    write_bytes_atomic(IMG / name, data)
    print(f"wrote docs/img/{name} ({len(data) / 1e3:.0f} kB)")


def maps_grid() -> None:
    gauss = MapSimulator(64, 3.5).sample(4, seed=0)
    logn = MapSimulator(64, 3.5, lognormal=True).sample(4, seed=0)
    lim = np.percentile(np.abs(np.concatenate([gauss, logn])), 99.5)
    two_row_grid(((gauss, "Gaussian"), (logn, "log-normal")), lim, (8, 4.3),
                 "simulated maps: 64 x 64 px, 3.5 deg, linear LCDM P(l) (same seed in each column)", "astro_maps.png")


def two_row_grid(rows, lim: float, figsize, title: str, name: str) -> None:
    """Two rows of maps ((maps, row label), ...) on one symmetric colour scale [-lim, lim], saved as ``name``."""
    fig, axes = plt.subplots(2, len(rows[0][0]), figsize=figsize)
    for row, (maps, label) in enumerate(rows):
        for ax, m in zip(axes[row], maps):
            im = ax.imshow(m, cmap="inferno", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(label)
    fig.colorbar(im, ax=axes, shrink=0.8, label="convergence")
    fig.suptitle(title)
    save(fig, name)


def spectrum_figure() -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    bins = spectrum_bins((64, 64))
    for lognormal, colour in ((False, "C0"), (True, "C3")):
        sim = MapSimulator(64, 3.5, lognormal=lognormal)
        ps = power_spectrum(sim.sample(1000, seed=3), fov_deg=3.5)
        spread = ps.per_sample.std(axis=0)
        label = "log-normal" if lognormal else "Gaussian"
        ax.fill_between(ps.x, ps.value - spread, ps.value + spread, color=colour, alpha=0.15,
                        label=f"{label}: scatter of one map")
        ax.errorbar(ps.x, ps.value, ps.error, fmt="o", ms=3, color=colour, label=f"{label}: mean of 1000 maps")
    expected = bins.average(sim.power_grid[:, :33]) * ps.x * (ps.x + 1) / (2 * np.pi)
    ell = np.geomspace(80, 4000, 200)
    ax.plot(ell, ell * (ell + 1) * sim.spectrum(ell) / (2 * np.pi), "k-", lw=1, label="input P(l)")
    ax.plot(ps.x, expected, "k+", label="input averaged over each bin's modes")
    ax.set_xscale("log")
    ax.set_xlabel("multipole l")
    ax.set_ylabel("l(l+1) P(l) / 2 pi")
    ax.legend(fontsize=7)
    ax.set_title("recovered power spectrum vs input (64^2 px, 3.5 deg)")
    save(fig, "astro_power_spectrum.png")


def minkowski_figure() -> None:
    sim = MapSimulator(256, 14.0, PowerLawSpectrum(1e-9, -1.0))
    maps = sim.sample(32, seed=7)
    smoothing = 2.0
    out = minkowski_functionals(maps, smoothing_px=smoothing, fov_deg=sim.fov_deg, mean=0.0)
    s0, s1, s2 = grid_moments(sim.power_grid, sim.fov_deg, smoothing)
    nu = out["nu"] * out["sigma"] / s0
    theory = tomita_minkowski(nu, s0, s1, bin_width=out["bin_width"][0] * out["sigma"] / s0)
    fine = np.linspace(nu[0], nu[-1], 200)
    smooth_theory = tomita_minkowski(fine, s0, s1)
    ln_sim = MapSimulator(256, 14.0, PowerLawSpectrum(1e-9, -1.0), lognormal=True, shift=0.05)
    ln = minkowski_functionals(ln_sim.sample(32, seed=7), smoothing_px=smoothing, fov_deg=sim.fov_deg)
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.3))
    labels = ("V0 (area fraction)", "V1 [1/deg]", "V2 [1/deg^2]")
    for ax, key, th, sth, label in zip(axes, ("v0", "v1", "v2"), theory, smooth_theory, labels):
        mean, err = out[key].mean(axis=0), out[key].std(axis=0) / np.sqrt(len(maps))
        ax.plot(fine, sth, "k-", lw=1, label="Tomita (Gaussian)")
        ax.errorbar(nu, mean, err, fmt="o", ms=3, label="Gaussian maps")
        ax.plot(ln["nu"], ln[key].mean(axis=0), "s", ms=3, color="C3", label="log-normal maps")
        ax.set_xlabel("threshold nu [sigma]")
        ax.set_title(label, fontsize=9)
        dev = 100 * np.abs(mean - th).max() / np.abs(th).max()
        ax.text(0.03, 0.04, f"max dev {dev:.2f}% of peak", transform=ax.transAxes, fontsize=7)
    axes[0].legend(fontsize=7)
    edges = np.linspace(-4, 6, 41)
    sp0, sp1, sp2 = grid_moments(sim.power_grid, sim.fov_deg, 4.0, derivative="spectral")
    pk = peak_counts(maps, edges=edges, mean=0.0, sigma=sp0, smoothing_px=4.0, fov_deg=sim.fov_deg)
    axes[3].plot(pk["nu"], pk["density"].mean(axis=0), "o", ms=3, label="Gaussian maps (4 px)")
    axes[3].plot(pk["nu"], peak_density(pk["nu"], sp0, sp1, sp2) * np.diff(edges), "k-", lw=1,
                 label="Bond & Efstathiou")
    axes[3].set_title("peaks per deg^2 per bin", fontsize=9)
    axes[3].set_xlabel("peak height nu [sigma]")
    axes[3].legend(fontsize=7)
    fig.suptitle(f"Minkowski functionals ({len(maps)} maps of 256^2 px, {smoothing:g} px smoothing) and peak counts",
                 fontsize=10)
    save(fig, "astro_minkowski.png")


def galaxy_grids() -> None:
    s, _ = render_galaxies(24, 64, seed=1)
    fig, axes = plt.subplots(3, 8, figsize=(9, 3.7))
    for k in range(3):
        for ax, img in zip(axes[k], s.images[s.labels == k]):
            ax.imshow(np.moveaxis(img, 0, -1))
            ax.set_xticks([])
            ax.set_yticks([])
        axes[k, 0].set_ylabel(s.class_names[k], fontsize=9)
    fig.suptitle("render_galaxies(24, 64, seed=1)", fontsize=10)
    save(fig, "astro_galaxies.png")
    h = hubble_patches()
    fig, axes = plt.subplots(3, 8, figsize=(9, 3.5))
    for ax, img in zip(axes.ravel(), h.images[::8]):
        ax.imshow(np.moveaxis(img, 0, -1))
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("hubble_patches(): every 8th of 200 cutouts, 48 x 48 px (NASA, public domain)", fontsize=10)
    save(fig, "astro_hubble.png")


def save_png_bytes(data: bytes, name: str) -> None:
    """Quantise a PNG (e.g. one of the report's plots) to 256 colours and store it."""
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").quantize(256).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 200_000, f"{name} is {len(out.getvalue())} bytes"
    write_bytes_atomic(IMG / name, out.getvalue())
    print(f"wrote docs/img/{name} ({len(out.getvalue()) / 1e3:.0f} kB)")


def report_figures(run: Path = BENCH) -> None:
    """The validation report's plots for P(l) and V0-V2, exactly as report.html draws them."""
    import base64
    import json

    from scigen.validate.plots import statistic_figure

    doc = json.loads((run / "report" / "report.json").read_text())
    factor = doc["settings"]["factor"]
    for r in doc["statistics"]:
        if r["name"] in ("power_spectrum", "minkowski_v0", "minkowski_v1", "minkowski_v2", "pixel_histogram"):
            save_png_bytes(base64.b64decode(statistic_figure([r], factor)), f"astro_report_{r['name']}.png")


def generated_maps_grid(run: Path = BENCH) -> None:
    from scigen.io import read_sample_set

    real = read_sample_set(run / "maps_test.h5", 6).samples
    fake = read_sample_set(run / "maps_fake.h5", 6).samples
    two_row_grid(((real, "simulated"), (fake, "cosmoGAN")), np.percentile(np.abs(real), 99.5), (10, 3.9),
                 "log-normal maps, 64 x 64 px over 3.5 deg: simulated (top) and generated (bottom)",
                 "astro_cosmogan_maps.png")


def galaxy_model_figures(run: Path = BENCH) -> None:
    import shutil

    import torch

    from scigen.engine import load_model

    gif = run / "galaxy_interpolation.gif"
    assert gif.stat().st_size < 400_000, f"{gif} is {gif.stat().st_size} bytes"
    shutil.copyfile(gif, IMG / "astro_interpolation.gif")
    print(f"wrote docs/img/astro_interpolation.gif ({gif.stat().st_size / 1e3:.0f} kB)")
    model = load_model(run / "acgan_run")
    real, _ = render_galaxies(24, model.image_size, seed=11)
    fig, axes = plt.subplots(3, 16, figsize=(12, 2.9))
    g = torch.Generator().manual_seed(4)
    for k, name in enumerate(model.class_names):
        fake = model.sample(8, condition=name, generator=g).numpy()
        for ax, img in zip(axes[k], [*real.images[real.labels == k], *fake]):
            ax.imshow(np.moveaxis(img, 0, -1))
            ax.set_xticks([])
            ax.set_yticks([])
        axes[k, 0].set_ylabel(name, fontsize=8)
    fig.suptitle("AC-GAN: rendered galaxies (left 8) and generated ones of the requested class (right 8), "
                 f"{model.image_size} x {model.image_size} px", fontsize=9)
    save(fig, "astro_acgan.png")
    vae = load_model(run / "gvae_run")
    rec = vae.reconstruct(torch.from_numpy(real.images[:8])).numpy()
    fig, axes = plt.subplots(2, 8, figsize=(7, 2.1))
    for ax, img in zip(axes.ravel(), [*real.images[:8], *rec]):
        ax.imshow(np.moveaxis(img, 0, -1))
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("input", fontsize=8)
    axes[1, 0].set_ylabel("VAE", fontsize=8)
    fig.suptitle("galaxy VAE: unseen rendered galaxies and their reconstructions", fontsize=9)
    save(fig, "astro_vae_reconstruction.png")


if __name__ == "__main__":
    import sys

    IMG.mkdir(parents=True, exist_ok=True)
    if "--models" not in sys.argv or "--data" in sys.argv:
        maps_grid()
        spectrum_figure()
        minkowski_figure()
        galaxy_grids()
    if "--models" in sys.argv:
        if not (BENCH / "report" / "report.json").exists():
            raise SystemExit(f"{BENCH} holds no benchmark run: run `python -m benchmarks astro` first")
        report_figures()
        generated_maps_grid()
        galaxy_model_figures()
