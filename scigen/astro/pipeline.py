"""Train / generate / validate wiring for convergence maps (used by the CLI, the demo and the benchmark).

    from scigen.engine import TrainConfig
    from scigen.astro import pipeline

    pipeline.train_gan("maps.h5", "runs/cosmo", TrainConfig(steps=20000))      # or a folder of FITS files
    pipeline.generate("runs/cosmo", 1000, "fake.h5", fits_dir="fake_fits/", seed=1)
    report = pipeline.validate_maps("maps_test.h5", "fake.h5", out="report/")  # report.html, report.json

The galaxy models' wiring (VAE, interpolation GIF, AC-GAN) lives in :mod:`scigen.astro.galaxy_pipeline`
and is re-exported here; :func:`demo` runs the whole path for ``scigen demo``.

Maps travel in PHYSICAL units everywhere outside the network: ``train_gan`` fits the pixel transform
on the training maps and stores it in the model's config; ``generate`` writes maps already mapped
back, with the training set's geometry (``fov_deg``, ``pixel_arcmin``) in the attributes, so the
statistics of real and generated sets are computed alike.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from scigen.astro.galaxy_pipeline import (generate_galaxies, interpolate, reconstruction_error,  # noqa: F401
                                          train_acgan, train_vae)
from scigen.errors import InputError

log = logging.getLogger("scigen.astro")

COSMOGAN = "astro.cosmogan"
SELECT_METRICS = {"mean": "stat_score", "worst": "stat_worst"}  # train_gan(select=...): the metric that picks "best"


def _as_map_data(data, fov_deg: float | None = None, limit: int | None = None, masked: str = "error"):
    """A :class:`~scigen.astro.data.MapData` from a path (.h5, FITS file or folder), MapData or array."""
    from scigen.astro.data import MapData, load_maps

    if isinstance(data, MapData):
        if fov_deg is not None and fov_deg != data.fov_deg:
            import dataclasses

            return dataclasses.replace(data, fov_deg=float(fov_deg))
        return data
    if isinstance(data, np.ndarray):
        maps = data[:, 0] if data.ndim == 4 and data.shape[1] == 1 else data
        if maps.ndim != 3:
            raise InputError(f"maps must be an (N, H, W) array, got shape {data.shape}")
        return MapData(maps.astype(np.float32), fov_deg, None, {}, "array")
    return load_maps(data, fov_deg=fov_deg, masked=masked, limit=limit)


def is_periodic(data) -> bool:
    """True when a map set says its maps are periodic (scigen's simulator makes periodic patches)."""
    attrs = getattr(data, "attrs", {}) or {}
    if "periodic" in attrs:
        return bool(attrs["periodic"])
    producer = attrs.get("producer") or {}
    return isinstance(producer, dict) and producer.get("name") == "scigen.astro.maps.MapSimulator"


def _fits_unit(data) -> str | None:
    """A BUNIT for generated FITS: the FITS input's, '' for dimensionless convergence, else None."""
    if data.attrs.get("fits_hdu") is not None or data.attrs.get("fits_files") is not None:
        return data.unit
    return "" if "dimensionless" in str(data.unit or "") else None


def statistics_evaluator(real, n: int = 300, *, fov_deg: float | None = None, seed: int = 0):
    """``evaluate(model) -> dict`` for the engine: ``n`` generated maps against ``n`` held-out real maps.

    Returns ``{"stat_score": mean over the astro statistics of log10(distance / noise floor),
    "stat_worst": the largest of those logs, "<statistic>_ratio": distance / noise floor, ...}``; lower
    is better, and a ``stat_worst`` of log10(2) = 0.3 or less (every ratio <= 2) is the benchmark's
    target. The same noise seed every time, so scores of different checkpoints compare the networks,
    not the draws. ``real``: maps the model
    never trained on (path, MapData or array).
    """
    import torch

    from scigen.astro.stats import make_statistics
    from scigen.validate import compare

    data = _as_map_data(real, fov_deg)
    maps = data.maps[:n]
    if len(maps) < n:
        log.warning("validation maps '%s' hold %d maps, fewer than the %d asked for: comparing as many generated "
                    "maps with them (the noise floors are wider)", data.source, len(maps), n)
    if len(maps) < 20:
        raise InputError(f"validation maps '{data.source}': {len(maps)} maps are too few for a noise floor (need 20)")
    stats = make_statistics(fov_deg=data.fov_deg)

    def evaluate(model) -> dict[str, float]:
        fake = model.sample(len(maps), generator=torch.Generator().manual_seed(seed)).numpy()
        report = compare(maps, fake, stats, domain="astro", checks=None, n_splits=6, seed=seed)
        ratios = {f"{r.name}_ratio": float(r.ratio) if r.ratio is not None else float("inf")
                  for r in report.statistics}
        logs = [np.log10(max(v, 1e-3)) for v in ratios.values()]
        return {"stat_score": float(np.mean(logs)), "stat_worst": float(np.max(logs)), **ratios}

    return evaluate


def train_gan(data, out, config=None, *, width: int = 64, max_width: int = 512, latent_dim: int = 64,
              kernel_size: int = 5, padding_mode: str = "auto", upsample: str = "transpose",
              minibatch_std: bool = False, label_flip: float = 0.01, lr: float = 2e-4, lr_decay=None,
              lr_final: float = 0.05, ema: float | None = None,
              d_batch: str = "separate", d_norm: str = "batch", match_spectrum: float = 0.0,
              match_pixels: float = 0.0, match_modes: float = 0.0, match_means: float = 0.0,
              match_smoothed: float = 0.0, match_boundary: float = 0.0, match_histogram: float = 0.0,
              sample_norm: str = "running", r1: float = 0.0, pixel_transform: str = "cosmogan",
              fov_deg: float | None = None, limit: int | None = None,
              masked: str = "error", resume: bool = False, validation=None, validation_maps: int = 300,
              select: str = "mean", evaluate=None):
    """Train a :class:`~scigen.astro.models.CosmoGAN` on maps; returns the engine's ``TrainResult``.

    Args:
        data: an HDF5 sample set of (N, H, W) maps, a FITS file (image or cube), a folder of FITS
            files, a :class:`~scigen.astro.data.MapData` or an (N, H, W) array (physical units).
        out: the run directory (checkpoints, metrics.jsonl).
        config: :class:`scigen.engine.TrainConfig` (steps, batch size 64, seed, device...).
        width, max_width, latent_dim, kernel_size, upsample, minibatch_std, label_flip, lr, lr_decay, lr_final, ema,
        d_batch, d_norm, match_spectrum, match_pixels, match_modes, match_means, match_smoothed, match_boundary,
        match_histogram, sample_norm, r1:
            :class:`CosmoGAN` (the defaults are the paper's; ``sample_batch`` is the training batch size); with
            a matching weight above 0 the targets come from all training maps
            (:func:`scigen.astro.matching.match_target`).
        pixel_transform: the network's pixel space, fitted on the training maps: "cosmogan" (the
            paper's squash) or "lognormal" (the log of the maps above their fitted log-normal bound;
            :mod:`scigen.astro.transforms`).
        padding_mode: "zeros", "circular", or "auto": circular when the data say they are periodic
            (:func:`is_periodic`: maps from scigen's simulator), zeros otherwise.
        fov_deg: width of a map in degrees when the data do not say (FITS WCS or ``fov_deg`` attribute).
        limit: use at most this many maps. masked: maps with masked pixels ("error", "drop", "fill").
        resume: continue the run in ``out``; the model (and its pixel transform) come from its checkpoint.
        validation: held-out real maps (path, MapData or array): every ``config.eval_every`` steps
            (default steps / 10) ``validation_maps`` generated maps are compared with them
            (:func:`statistics_evaluator`), the ratios are logged (``eval_*`` in metrics.jsonl) and the
            best checkpoint is kept as ``checkpoints/best``. GAN training oscillates; this keeps the
            best networks seen (``generate(..., which="best")``).
        select: what "best" means: "mean", the lowest mean log ratio over the statistics
            (``stat_score``), or "worst", the lowest largest ratio (``stat_worst``: the statistic
            furthest from its noise floor decides, as the all-within-2x target does).
        evaluate: a custom ``evaluate(model) -> dict`` instead (with ``config.eval_every``).
    """
    import torch

    from scigen.astro.matching import match_target
    from scigen.astro.models import CosmoGAN
    from scigen.astro.transforms import fit_transform
    from scigen.engine import ArrayDataset, TrainConfig, fit, seeded
    from scigen.nn import plan_resolution

    config = config or TrainConfig()
    maps = _as_map_data(data, fov_deg, limit, masked)
    n, h, w = maps.maps.shape
    if h != w:
        raise InputError(f"'{maps.source}': maps are {h}x{w}; cosmoGAN needs square maps (crop or tile them first)")
    try:
        plan_resolution(h)
    except ValueError as exc:
        raise InputError(f"'{maps.source}': {exc}") from None
    if n < config.batch_size:
        raise InputError(f"'{maps.source}' holds {n} maps, fewer than one batch of {config.batch_size}; "
                         "simulate more or lower --batch-size")
    model_config = resumed_config(out, COSMOGAN, resume)
    if model_config is not None:
        if model_config.get("map_size") != h:
            raise InputError(f"cannot resume '{out}': it trains {model_config.get('map_size')}^2 maps, "
                             f"'{maps.source}' holds {h}^2 maps")
    else:
        if padding_mode == "auto":
            padding_mode = "circular" if is_periodic(maps) else "zeros"
        transform = fit_transform(pixel_transform, maps.maps)
        fov = maps.fov_deg
        map_attrs = {"fov_deg": None if fov is None else float(fov),
                     "pixel_arcmin": None if fov is None else float(fov) * 60.0 / w,
                     "units": maps.attrs.get("units") or maps.unit, "bunit": _fits_unit(maps),
                     "map_kind": maps.attrs.get("map_kind"), "periodic": is_periodic(maps),
                     "training_data": str(maps.source), "training_maps": int(n)}
        model_config = dict(map_size=h, latent_dim=latent_dim, width=width, max_width=max_width,
                            kernel_size=kernel_size, padding_mode=padding_mode, upsample=upsample, minibatch_std=minibatch_std, lr=lr,
                            lr_decay=None if lr_decay is None else [int(v) for v in lr_decay], lr_final=lr_final,
                            label_flip=label_flip, ema=ema, d_batch=d_batch, d_norm=d_norm,
                            match_spectrum=match_spectrum, match_pixels=match_pixels, match_modes=match_modes,
                            match_means=match_means, match_smoothed=match_smoothed,
                            match_boundary=match_boundary, match_histogram=match_histogram,
                            match_target=(match_target(maps.maps) if max(match_spectrum, match_pixels, match_modes,
                                                                          match_means, match_smoothed, match_boundary,
                                                                          match_histogram) > 0 else None),
                            sample_norm=sample_norm, sample_batch=config.batch_size, r1=r1,
                            transform=json.loads(transform.to_json()), map_attrs=map_attrs)
    if select not in SELECT_METRICS:
        raise InputError(f"select must be one of {sorted(SELECT_METRICS)}, got {select!r}")
    if validation is not None:
        import dataclasses

        evaluate = statistics_evaluator(validation, validation_maps, fov_deg=maps.fov_deg, seed=config.seed)
        config = dataclasses.replace(config, eval_every=config.eval_every or max(1, config.steps // 10),
                                     select_metric=SELECT_METRICS[select], select_mode="min")
    with seeded(config.seed):
        model = CosmoGAN(**model_config)
    samples = torch.from_numpy(model.transform.forward(maps.maps) if model.transform else maps.maps)[:, None]
    return fit(model, ArrayDataset(samples=samples), config, out_dir=out, resume=resume, evaluate=evaluate,
               checkpoint_extra={"data": str(maps.source), "n_maps": int(n)})


def resumed_config(out, expected: str, resume: bool) -> dict | None:
    """The stored model config of the run in ``out`` when resuming one (None when starting afresh)."""
    from scigen.engine import read_checkpoint_config
    from scigen.engine.checkpoint import list_step_checkpoints

    if not (resume and out is not None and list_step_checkpoints(Path(out))):
        return None
    meta = read_checkpoint_config(out)
    if meta["model"] != expected:
        raise InputError(f"cannot resume '{out}': it trains '{meta['model']}', not '{expected}'")
    return dict(meta["config"])


def _check_new(path, overwrite: bool, what: str) -> None:
    if path is not None and Path(path).exists() and not overwrite:
        raise InputError(f"{what} '{path}' already exists: pass overwrite=True (--overwrite) or choose another name")


def generate(model_dir, n: int, out, *, fits_dir=None, seed: int = 0, batch_size: int = 256,
             overwrite: bool = False, which: str = "latest") -> dict[str, Any]:
    """Draw ``n`` maps from a trained cosmoGAN into an HDF5 sample set (and FITS files).

    The set holds samples (n, H, W) float32 in physical units, domain "astro", the training maps'
    ``fov_deg``, ``pixel_arcmin`` and ``units`` as attributes, and the model's provenance (checkpoint,
    step, weights hash) as ``producer``. With ``fits_dir`` every map is also written as a FITS file
    with the pixel scale (linear WCS), BUNIT and provenance keywords (SGMODEL, SGCKPT, SGHASH, SGSEED).
    ``which``: "latest" or "best" (the checkpoint kept by ``train_gan(..., validation=...)``).
    Returns ``{"samples": path, "fits": folder or None, "n": n}``.
    """
    from scigen.engine import load_model
    from scigen.engine.generate import generate_to_file, model_provenance

    if int(n) != n or n < 1:
        raise InputError(f"number of maps to generate must be a positive integer, got {n}")
    _check_new(out, overwrite, "output")
    _check_new(fits_dir, overwrite, "FITS folder")
    model = load_model(model_dir, expected=COSMOGAN, which=which)
    geometry = {k: v for k, v in model.map_attrs.items() if k in ("fov_deg", "pixel_arcmin", "units", "periodic")
                and v is not None}
    attrs = {**geometry, "map_kind": "generated", "generated_from": model.map_attrs.get("map_kind")}
    producer = model_provenance(model)
    path = generate_to_file(out, lambda k, g: {"samples": model.sample(k, generator=g)}, int(n), domain="astro",
                            batch_size=batch_size, seed=seed, attrs=attrs, producer=producer)
    result = {"samples": str(path), "fits": None, "n": int(n)}
    if fits_dir is not None:
        import torch.distributed as tdist

        if not (tdist.is_available() and tdist.is_initialized()) or tdist.get_rank() == 0:
            from scigen.astro.fits import write_fits_maps
            from scigen.io import read_sample_set

            fov = model.map_attrs.get("fov_deg")
            info = getattr(model, "checkpoint_info", {})
            extra = {"FOV_DEG": (float(fov), "side of the patch [deg]")} if fov else {}
            write_fits_maps(read_sample_set(path).samples, fits_dir,
                            pixel_scale_deg=None if fov is None else fov / model.map_size,
                            unit=model.map_attrs.get("bunit"), overwrite=overwrite, extra=extra,
                            provenance={"model": model.name, "checkpoint": info.get("path"),
                                        "hash": info.get("weights_sha256"), "seed": seed})
        result["fits"] = str(fits_dir)
    return result


def validate_maps(real, fake, out=None, *, train=None, fov_deg: float | None = None, checks="default",
                  **compare_kwargs):
    """Compare generated maps with real ones on the astro statistics; write report.json/html to ``out``.

    ``real``, ``fake`` (and ``train`` for the memorisation check): paths (.h5, FITS, folder of FITS),
    :class:`MapData` or (N, H, W) arrays in physical units. The statistics take ``fov_deg`` from the
    real set (or the argument), so multipoles and areas are physical. Returns the
    :class:`scigen.validate.Report`; other keywords go to :func:`scigen.validate.compare`.
    """
    from scigen.astro.stats import make_statistics
    from scigen.validate import compare

    real_m = _as_map_data(real, fov_deg)
    fake_m = _as_map_data(fake, fov_deg if fov_deg is not None else real_m.fov_deg)
    fov = fov_deg if fov_deg is not None else real_m.fov_deg
    if fake_m.fov_deg is not None and fov is not None and not np.isclose(fake_m.fov_deg, fov, rtol=1e-6):
        raise InputError(f"the real maps span {fov} deg but the fake ones {fake_m.fov_deg} deg: compare maps of "
                         "one geometry (or pass fov_deg to override)")
    if real_m.maps.shape[1:] != fake_m.maps.shape[1:]:
        raise InputError(f"real maps are {real_m.maps.shape[1:]} px, fake ones {fake_m.maps.shape[1:]}: "
                         "compare maps of one size")
    train_maps = None if train is None else _as_map_data(train, fov).maps
    report = compare(real_m.maps, fake_m.maps, make_statistics(fov_deg=fov), domain="astro", train=train_maps,
                     checks=checks, **compare_kwargs)
    if out is not None:
        report.write(out)
    return report


def demo(out_dir: Path, seed: int = 0) -> dict:
    """The whole map path on small settings (a minute or two on 2 CPU cores), then a small galaxy VAE.

    Simulates log-normal maps (32 x 32 px over 1.75 deg: 3.3 arcmin pixels, as the default 64 px /
    3.5 deg), trains a narrow cosmoGAN for a few hundred steps, generates maps (HDF5 + FITS),
    validates them against held-out simulated maps (report.html), then trains a galaxy VAE on
    rendered galaxies and writes a latent interpolation GIF. A short CPU training does not pass every
    statistic: the point is the path, and the report says exactly where the maps fall short.
    """
    import shutil

    from scigen.astro.galaxies import render_galaxies
    from scigen.astro.maps import MapSimulator, write_maps
    from scigen.engine import TrainConfig

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("cosmo_run", "fake_fits", "gvae_run"):
        shutil.rmtree(out_dir / stale, ignore_errors=True)  # the demo's own earlier outputs
    sim = MapSimulator(32, 1.75, lognormal=True)
    write_maps(out_dir / "maps_train.h5", 2000, sim, seed=seed)
    write_maps(out_dir / "maps_test.h5", 500, sim, seed=seed + 1)
    result = train_gan(out_dir / "maps_train.h5", out_dir / "cosmo_run",
                       TrainConfig(steps=600, batch_size=64, seed=seed, log_every=50), width=16, max_width=128)
    fake = generate(out_dir / "cosmo_run", 500, out_dir / "maps_fake.h5", fits_dir=out_dir / "fake_fits",
                    seed=seed + 2, overwrite=True)
    report = validate_maps(out_dir / "maps_test.h5", fake["samples"], out_dir / "report",
                           train=out_dir / "maps_train.h5", max_samples=500)
    summary = report.summary()
    outputs = {"real": str(out_dir / "maps_test.h5"), "fake": fake["samples"], "fits": str(out_dir / "fake_fits"),
               "model": str(out_dir / "cosmo_run"), "train_steps_per_s": f"{result.steps_per_s:.1f}",
               "report": str(out_dir / "report" / "report.html"), "verdict": report.verdict,
               "statistics_passed": f"{summary['statistics_passed']}/{summary['statistics']}"}
    galaxies, _ = render_galaxies(600, 32, seed=seed)
    vae = train_vae(galaxies, out_dir / "gvae_run", TrainConfig(steps=300, batch_size=32, seed=seed, log_every=50),
                    latent_dim=16, width=16, kl_warmup_steps=150)
    movie = interpolate(out_dir / "gvae_run", out_dir / "galaxy_interpolation.gif", images=galaxies, n_points=4,
                        frames_per_segment=10, seed=seed)
    outputs.update({"galaxy_vae": str(out_dir / "gvae_run"), "interpolation_gif": movie["gif"],
                    "vae_heldout_mse": f"{vae['heldout']['mse']:.4f} (mean-image baseline "
                                       f"{vae['heldout']['baseline_mse']:.4f})"})
    return outputs
