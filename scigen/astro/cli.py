"""``scigen astro <verb>``: convergence maps and galaxy images.

    scigen astro simulate-maps --size 64 --fov 3.5 --maps 2000 --lognormal --seed 0 --out maps.h5 [--fits-dir DIR]
    scigen astro render-galaxies --n 600 --size 64 --seed 0 --out galaxies/ [--h5 galaxies.h5]
    scigen astro map-stats --data maps.h5 [--out stats.json]
    scigen astro train-gan --data maps.h5 --out runs/cosmo [--steps N ...]     # also a FITS file or folder
    scigen astro generate --model runs/cosmo --maps 1000 --out fake.h5 [--fits-dir fake_fits/]
    scigen astro train-vae --images galaxies/ --out runs/gvae
    scigen astro interpolate --model runs/gvae --out movie.gif
    scigen astro train-acgan --images galaxies/ --out runs/acgan
    scigen astro generate-galaxies --model runs/acgan --n 90 [--type spiral] --out fake_galaxies/

Maps are written as an HDF5 sample set (domain "astro", samples (N, H, W) float32, attributes fov_deg,
pixel_arcmin, spectrum, lognormal_shift, seed) and optionally as FITS. Galaxies are written as PNG
files in class folders (elliptical/, spiral/, barred/), optionally also as a labelled sample set.
"""

from __future__ import annotations

import json


def _simulate_maps(args) -> int:
    from pathlib import Path

    from scigen.astro.maps import MapSimulator, write_maps
    from scigen.astro.spectra import LinearConvergenceSpectrum, PowerLawSpectrum, TabulatedSpectrum
    from scigen.errors import InputError

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise InputError(f"'{out}' already exists: pass --overwrite or choose another --out")
    if args.spectrum == "lcdm":
        spectrum = LinearConvergenceSpectrum(omega_m=args.omega_m, sigma8=args.sigma8, z_source=args.z_source)
    elif args.spectrum == "powerlaw":
        spectrum = PowerLawSpectrum(amplitude=args.amplitude, index=args.index, l_pivot=args.l_pivot)
    else:
        spectrum = TabulatedSpectrum.from_file(args.spectrum)
    sim = MapSimulator(args.size, args.fov, spectrum, lognormal=args.lognormal, shift=args.shift)
    if args.fits_dir and Path(args.fits_dir).exists() and not args.overwrite:
        raise InputError(f"'{args.fits_dir}' already exists: pass --overwrite or choose another --fits-dir")
    summary = write_maps(out, args.maps, sim, seed=args.seed, fits_dir=args.fits_dir, fits_cube=args.fits_cube,
                         fits_overwrite=args.overwrite)
    kind = "log-normal" if args.lognormal else "Gaussian"
    print(f"wrote {out}: {args.maps} {kind} maps of {args.size}x{args.size} px over {args.fov:g} deg "
          f"({args.fov * 60 / args.size:.3g} arcmin/px), pixel std {summary['std']:.4g} "
          f"(expected {sim.sigma:.4g}), spectrum {spectrum!r}")
    if sim.lognormal and sim.clipped_power_fraction > 1e-3:
        print(f"note: {100 * sim.clipped_power_fraction:.2f}% of the Gaussian field's power came out negative and "
              "was clipped; the log-normal spectrum deviates from the target by about that much")
    if "fits" in summary:
        print(f"wrote FITS to {summary['fits']}")
    return 0


def _render_galaxies(args) -> int:
    from pathlib import Path

    from scigen.astro.galaxies import render_galaxies
    from scigen.astro.images import write_image_folder
    from scigen.errors import InputError

    classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    if Path(args.out).exists() and not args.overwrite:
        raise InputError(f"'{args.out}' already exists: pass --overwrite or choose another --out")
    images, params = render_galaxies(args.n, args.size, classes, seed=args.seed)
    write_image_folder(images.images, args.out, images.labels, images.class_names, overwrite=args.overwrite,
                       prefix="galaxy")
    print(f"wrote {args.out}: {args.n} galaxies of {args.size}x{args.size} px in folders "
          f"{', '.join(c + '/' for c in images.class_names)}")
    if args.h5:
        from scigen.io import write_sample_set

        write_sample_set(args.h5, images.images, domain="astro", labels=images.labels, seed=args.seed,
                         attrs={"class_names": images.class_names, "image_kind": "galaxy", "channels": "rgb"},
                         producer={"kind": "simulator", "name": "scigen.astro.galaxies.render_galaxies",
                                   "size": args.size, "classes": images.class_names, "seed": args.seed})
        print(f"wrote {args.h5}: samples (N, 3, {args.size}, {args.size}) float32 in [0, 1], labels, class_names")
    return 0


def _map_stats(args) -> int:
    import numpy as np

    from scigen.astro.data import load_maps
    from scigen.astro.stats import minkowski_functionals, peak_counts, power_spectrum
    from scigen.io import write_text_atomic

    data = load_maps(args.data, fov_deg=args.fov, masked=args.masked, limit=args.limit)
    ps = power_spectrum(data.maps, fov_deg=data.fov_deg)
    mf = minkowski_functionals(data.maps, smoothing_px=args.smoothing, fov_deg=data.fov_deg)
    pk = peak_counts(data.maps, smoothing_px=args.smoothing, fov_deg=data.fov_deg)
    m = data.maps.astype(np.float64)
    result = {
        "source": data.source, "maps": len(data), "shape": list(data.maps.shape[1:]), "fov_deg": data.fov_deg,
        "mean": float(m.mean()), "std": float(m.std()),
        "skewness": float(((m - m.mean()) ** 3).mean() / m.std() ** 3), "min": float(m.min()), "max": float(m.max()),
        "power_spectrum": {"l": ps.x.tolist(), "D_l": ps.value.tolist(), "error": ps.error.tolist()
                           if ps.error is not None else None},
        "minkowski": {"nu": mf["nu"].tolist(), "smoothing_px": args.smoothing, "sigma0": mf["sigma0"],
                      "sigma1": mf["sigma1"], **{k: mf[k].mean(axis=0).tolist() for k in ("v0", "v1", "v2")}},
        "peaks": {"nu": pk["nu"].tolist(), "density": pk["density"].mean(axis=0).tolist(),
                  "total_per_area": float(pk["total"].mean())},
    }
    if args.out:
        write_text_atomic(args.out, json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.out}")
    unit = "deg" if data.fov_deg else "px"
    print(f"{len(data)} maps {data.maps.shape[1]}x{data.maps.shape[2]}, fov {data.fov_deg or 'unknown'} deg: "
          f"mean {result['mean']:.4g}, std {result['std']:.4g}, skewness {result['skewness']:.3f}, "
          f"peaks {result['peaks']['total_per_area']:.4g} per {unit}^2 (smoothing {args.smoothing:g} px)")
    return 0


def _train_gan(args) -> int:
    from scigen.astro.pipeline import train_gan
    from scigen.engine.cli import train_config_from_args

    result = train_gan(args.data, args.out, train_config_from_args(args), width=args.width,
                       max_width=args.max_width, latent_dim=args.latent_dim, kernel_size=args.kernel_size,
                       padding_mode=args.padding, upsample=args.upsample, minibatch_std=args.minibatch_std,
                       label_flip=args.label_flip, lr=args.lr, lr_decay=args.lr_decay, lr_final=args.lr_final,
                       ema=args.ema, d_batch=args.d_batch, d_norm=args.d_norm, r1=args.r1,
                       match_spectrum=args.match_spectrum, match_pixels=args.match_pixels,
                       match_modes=args.match_modes, match_means=args.match_means,
                       match_smoothed=args.match_smoothed, match_boundary=args.match_boundary,
                       match_histogram=args.match_histogram, sample_norm=args.sample_norm,
                       pixel_transform=args.pixel_transform,
                       fov_deg=args.fov, limit=args.limit, masked=args.masked, resume=args.resume,
                       validation=args.validation, validation_maps=args.validation_maps,
                       select=args.select)
    losses = ", ".join(f"{k} {v:.3g}" for k, v in result.metrics.items() if k.startswith("loss"))
    print(f"trained cosmoGAN for {result.steps} steps ({result.elapsed_s:.0f} s, {result.steps_per_s:.2f} steps/s; "
          f"{losses}); checkpoint {result.checkpoint}")
    best = ""
    if result.best and result.best.get("step") is not None:
        print(f"best checkpoint by the validation statistics: step {result.best['step']} "
              f"({'mean' if args.select == 'mean' else 'largest'} log10 distance/floor {result.best['value']:.2f})")
        best = " --checkpoint best"
    print(f"next: scigen astro generate --model {args.out}{best} --maps 1000 --out fake.h5")
    return 0


def _generate(args) -> int:
    from scigen.astro.pipeline import generate

    out = generate(args.model, args.maps, args.out, fits_dir=args.fits_dir, seed=args.seed,
                   batch_size=args.batch_size, overwrite=args.overwrite, which=args.checkpoint)
    print(f"wrote {out['samples']}: {out['n']} maps in physical units")
    if out["fits"]:
        print(f"wrote FITS to {out['fits']}")
    return 0


def _train_vae(args) -> int:
    from scigen.astro.pipeline import train_vae
    from scigen.engine.cli import train_config_from_args

    out = train_vae(args.images, args.out, train_config_from_args(args), size=args.size, mode=args.mode,
                    latent_dim=args.latent_dim, width=args.width, kl_warmup_steps=args.kl_warmup,
                    holdout=args.holdout, lr=args.lr, resume=args.resume)
    r, h = out["train"], out["heldout"]
    print(f"trained the galaxy VAE for {r.steps} steps ({r.elapsed_s:.0f} s); checkpoint {r.checkpoint}")
    if h:
        print(f"held-out reconstruction error {h['mse']:.4g} per pixel (mean-image baseline {h['baseline_mse']:.4g}, "
              f"{h['n']} images)")
    return 0


def _interpolate(args) -> int:
    from scigen.astro.pipeline import interpolate

    out = interpolate(args.model, args.out, images=args.images, n_points=args.points,
                      frames_per_segment=args.frames, seed=args.seed, fps=args.fps, scale=args.scale)
    print(f"wrote {out['gif']}: {out['frames']} frames through {out['anchors']}")
    return 0


def _train_acgan(args) -> int:
    from scigen.astro.pipeline import train_acgan
    from scigen.engine.cli import train_config_from_args

    out = train_acgan(args.images, args.out, train_config_from_args(args), size=args.size, mode=args.mode,
                      holdout=args.holdout, latent_dim=args.latent_dim, width=args.width, lr=args.lr,
                      resume=args.resume)
    r, h = out["train"], out["heldout"]
    print(f"trained the galaxy AC-GAN for {r.steps} steps ({r.elapsed_s:.0f} s); checkpoint {r.checkpoint}")
    if h:
        per = ", ".join(f"{k} {v:.0%}" for k, v in h["per_class"].items())
        print(f"discriminator's classifier on {h['n']} held-out real images: accuracy {h['accuracy']:.1%} "
              f"(chance {h['chance']:.0%}; {per})")
    return 0


def _generate_galaxies(args) -> int:
    from scigen.astro.pipeline import generate_galaxies

    out = generate_galaxies(args.model, args.n, args.out, galaxy_type=args.type, seed=args.seed,
                            overwrite=args.overwrite)
    counts = ", ".join(f"{n} {k}" for k, n in out["counts"].items() if n)
    print(f"wrote {out['out']}: {counts}")
    return 0


def _add_image_model_arguments(p, *, images_help: str, latent_dim: int, latent_help: str, holdout: float,
                               holdout_help: str, lr: str, eval_help: str) -> None:
    """The data and model options shared by the image models' training verbs (train-vae, train-acgan)."""
    p.add_argument("--images", required=True, help=images_help)
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--size", type=int, help="resize images to this many pixels (default: keep the data's size)")
    p.add_argument("--mode", default="rgb", choices=["rgb", "grey"], help="colour (default) or grey")
    p.add_argument("--latent-dim", type=int, default=latent_dim, help=f"{latent_help} (default {latent_dim})")
    p.add_argument("--width", type=int, default=32, help="channels of the finest stage (default 32)")
    p.add_argument("--holdout", type=float, default=holdout, help=f"{holdout_help} (default {holdout:g})")
    p.add_argument("--lr", type=float, default=float(lr), help=f"Adam learning rate ({lr})")
    p.add_argument("--eval-every", type=int, help=eval_help)


def register(subparsers) -> None:
    from scigen.cli import add_group

    verbs = add_group(subparsers, "astro", "convergence maps and galaxy images: simulate, train, generate")

    p = verbs.add_parser("simulate-maps", help="Gaussian or log-normal convergence maps with a chosen P(l)",
                         description="Simulate periodic convergence maps (Gaussian or shifted log-normal) with a "
                         "chosen angular power spectrum; write an HDF5 sample set (and FITS).")
    p.add_argument("--size", type=int, default=64, help="pixels per side (default 64)")
    p.add_argument("--fov", type=float, default=3.5, help="side of the patch in degrees (default 3.5)")
    p.add_argument("--maps", type=int, default=2000, help="number of maps (default 2000)")
    p.add_argument("--lognormal", action="store_true", help="shifted log-normal maps (default Gaussian)")
    p.add_argument("--shift", type=float, default=0.02, help="log-normal shift: the maps' lower bound is -shift")
    p.add_argument("--spectrum", default="lcdm",
                   help="'lcdm' (linear LCDM convergence, default), 'powerlaw', or a file of two columns l P")
    p.add_argument("--omega-m", type=float, default=0.3, help="lcdm: matter density (default 0.3)")
    p.add_argument("--sigma8", type=float, default=0.8, help="lcdm: sigma_8 (default 0.8)")
    p.add_argument("--z-source", type=float, default=1.0, help="lcdm: source redshift (default 1)")
    p.add_argument("--amplitude", type=float, default=1e-9, help="powerlaw: P(l_pivot) in sr (default 1e-9)")
    p.add_argument("--index", type=float, default=-1.0, help="powerlaw: slope of P(l) (default -1)")
    p.add_argument("--l-pivot", type=float, default=1000.0, help="powerlaw: pivot multipole (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", required=True, help="output HDF5 sample set")
    p.add_argument("--fits-dir", help="also write the maps as FITS files into this folder")
    p.add_argument("--fits-cube", action="store_true", help="with --fits-dir: one cube file instead of one per map")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.set_defaults(func=_simulate_maps)

    p = verbs.add_parser("render-galaxies", help="labelled elliptical / spiral / barred galaxy images",
                         description="Render parametric galaxies (Sersic bulge, exponential disk, spiral arms, "
                         "bar, PSF, noise) as PNG files in class folders.")
    p.add_argument("--n", type=int, default=600, help="number of galaxies, classes in turn (default 600)")
    p.add_argument("--size", type=int, default=64, help="pixels per side (default 64)")
    p.add_argument("--classes", default="elliptical,spiral,barred", help="comma-separated classes")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", required=True, help="output folder (one subfolder per class)")
    p.add_argument("--h5", help="also write a labelled HDF5 sample set")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    p.set_defaults(func=_render_galaxies)

    p = verbs.add_parser("map-stats", help="power spectrum, Minkowski functionals and peaks of a set of maps",
                         description="Measure the cosmology statistics of maps (.h5 sample set, FITS file or "
                         "folder of FITS files) and print a summary (JSON with --out).")
    p.add_argument("--data", required=True, help="maps: .h5 sample set, FITS file or folder of FITS files")
    p.add_argument("--fov", type=float, help="map width in degrees (default: from the file)")
    p.add_argument("--smoothing", type=float, default=2.0, help="Gaussian smoothing in pixels (default 2)")
    p.add_argument("--masked", default="error", choices=["error", "drop", "fill"],
                   help="maps with masked pixels: error (default), drop, or fill with the map mean")
    p.add_argument("--limit", type=int, help="use at most this many maps")
    p.add_argument("--out", help="write the statistics as JSON")
    p.set_defaults(func=_map_stats)

    from scigen.astro.pipeline import SELECT_METRICS
    from scigen.astro.transforms import TRANSFORMS
    from scigen.engine.cli import add_training_arguments

    p = verbs.add_parser("train-gan", help="train cosmoGAN on convergence maps (.h5 set, FITS file or folder)",
                         description="Train the cosmoGAN DCGAN (Mustafa et al.) on maps through the scigen engine. "
                         "The pixel transform is fitted on the maps and stored with the model.")
    p.add_argument("--data", required=True, help="maps: .h5 sample set, FITS file or folder of FITS files")
    p.add_argument("--out", required=True, help="run directory (checkpoints, metrics.jsonl)")
    p.add_argument("--width", type=int, default=64, help="channels of the finest stage (64: the paper; "
                   "16-32 train several times faster on a CPU)")
    p.add_argument("--max-width", type=int, default=512, help="channel cap of the coarse stages (default 512)")
    p.add_argument("--kernel-size", type=int, default=5, help="convolution kernel size of both networks (5: the "
                   "paper; 4 divides the stride, so every output pixel of a transposed convolution gets as many taps)")
    p.add_argument("--latent-dim", type=int, default=64, help="noise dimension (default 64)")
    p.add_argument("--padding", default="auto", choices=["auto", "zeros", "circular"],
                   help="convolution padding: circular for periodic maps; auto = circular for scigen's "
                   "simulated (periodic) maps, zeros otherwise")
    p.add_argument("--upsample", default="transpose", choices=["transpose", "transpose_blur", "nearest", "bilinear"],
                   help="generator upsampling: transpose (the paper's stride-2 transposed convolutions), "
                   "transpose_blur (each hidden stage low-passed: no checkerboard lattice in P(l)), "
                   "nearest or bilinear (x2 upsampling + convolution: no checkerboard pattern in P(l), slower)")
    p.add_argument("--minibatch-std", action="store_true", help="give D the batch-spread feature")
    p.add_argument("--label-flip", type=float, default=0.01, help="probability of flipping a D label (0.01)")
    p.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate (2e-4)")
    p.add_argument("--ema", type=float, help="sample from a moving average of the generator's weights with this "
                   "decay (e.g. 0.999); off in the paper")
    p.add_argument("--d-batch", default="separate", choices=["separate", "joint"],
                   help="real and generated maps through D's batch norm in separate batches (the paper) or in "
                   "one joint batch, which lets D see a wrong amplitude (measured: D then overpowers G; "
                   "docs/astro.md section 6)")
    p.add_argument("--d-norm", default="batch", choices=["batch", "spectral"],
                   help="D's normalisation: batch norm (the paper) or spectral normalisation without batch norm")
    p.add_argument("--r1", type=float, default=0.0, help="weight gamma of an R1 penalty on D's gradient at real maps, "
                   "every 4th D step (0 = off, the paper; docs/astro.md section 6)")
    p.add_argument("--lr-decay", type=int, nargs=2, metavar=("START", "END"),
                   help="decay both learning rates linearly from step START to --lr-final x lr at step END "
                   "(default: constant, as in the paper)")
    p.add_argument("--lr-final", type=float, default=0.05, help="the learning rate's final factor (default 0.05)")
    p.add_argument("--match-spectrum", type=float, default=0.0,
                   help="weight of a generator loss pulling each batch's power spectrum (log power per ring) to "
                   "the training maps' (0 = off, the paper); P(l) is then no longer an independent check")
    p.add_argument("--match-pixels", type=float, default=0.0,
                   help="weight of a generator loss pulling each batch's pixel quantiles to the training maps' "
                   "(0 = off, the paper); the pixel histogram is then no longer an independent check")
    p.add_argument("--match-modes", type=float, default=0.0,
                   help="weight of a generator loss pulling each batch's power in every Fourier mode to the "
                   "training maps' (0 = off, the paper): it sees the spikes of stride-2 upsampling that a "
                   "ring average hides; P(l) is then no longer an independent check")
    p.add_argument("--match-means", type=float, default=0.0,
                   help="weight of a generator loss pulling the spread of each batch's map means to the training "
                   "maps' (0 = off, the paper): an offset between maps, which the other terms cannot see")
    p.add_argument("--match-smoothed", type=float, default=0.0,
                   help="weight of a generator loss pulling each batch's pixel quantiles after the 2 px smoothing "
                   "of the Minkowski and peak statistics to the training maps' (0 = off, the paper); V0 is then "
                   "no longer an independent check")
    p.add_argument("--match-boundary", type=float, default=0.0, help="weight of a generator loss pulling the "
                   "smoothed maps' contour length per threshold (V1) to the training maps' (0 = off)")
    p.add_argument("--match-histogram", type=float, default=0.0, help="weight of a generator loss pulling the "
                   "pixel histogram, bin by bin in units of its map-to-map scatter, to the training maps' (0 = off)")
    p.add_argument("--sample-norm", default="running", choices=["running", "batch"],
                   help="the generator's batch norm when sampling: stored statistics (each map on its own) or "
                   "each batch of --batch-size maps by its own statistics, as in training (measured better for "
                   "statistic-matched models: docs/astro.md section 6)")
    p.add_argument("--pixel-transform", default="cosmogan", choices=list(TRANSFORMS),
                   help="the network's pixel space, fitted on the training maps: the paper's squash, or the log "
                   "of the maps above their fitted log-normal bound (for near-log-normal fields)")
    p.add_argument("--fov", type=float, help="map width in degrees when the data do not say")
    p.add_argument("--limit", type=int, help="train on at most this many maps")
    p.add_argument("--validation", help="held-out real maps: compare generated maps with them every --eval-every "
                   "steps and keep the best checkpoint (checkpoints/best)")
    p.add_argument("--validation-maps", type=int, default=300, help="maps per comparison (default 300)")
    p.add_argument("--select", default="mean", choices=list(SELECT_METRICS), help="best checkpoint by the mean log "
                   "ratio over the statistics, or by the statistic furthest from its floor")
    p.add_argument("--eval-every", type=int, help="steps between validations (default steps / 10)")
    p.add_argument("--masked", default="error", choices=["error", "drop", "fill"],
                   help="maps with masked pixels: error (default), drop, or fill with the map mean")
    add_training_arguments(p, steps=5000)
    p.set_defaults(func=_train_gan)

    p = verbs.add_parser("generate", help="draw maps from a trained cosmoGAN (HDF5, optional FITS)",
                         description="Generate maps in physical units into an HDF5 sample set with the model's "
                         "provenance and the training maps' geometry; optionally also FITS files.")
    p.add_argument("--model", required=True, help="run directory of train-gan (or one of its checkpoints)")
    p.add_argument("--maps", type=int, default=1000, help="number of maps (default 1000)")
    p.add_argument("--out", required=True, help="output HDF5 sample set")
    p.add_argument("--fits-dir", help="also write one FITS file per map into this folder")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--batch-size", type=int, default=256, help="maps per generator call (default 256)")
    p.add_argument("--checkpoint", default="latest", choices=["latest", "best"],
                   help="latest, or best by the validation statistics (train-gan --validation)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.set_defaults(func=_generate)

    p = verbs.add_parser("train-vae", help="train the galaxy VAE on images (folder, .h5 or 'hubble')",
                         description="Train a convolutional VAE on galaxy images; a held-out part measures the "
                         "reconstruction error.")
    _add_image_model_arguments(
        p, images_help="folder of images (class subfolders allowed), .h5 set, or 'hubble' (the shipped Hubble "
        "deep field patches)", latent_dim=32, latent_help="latent dimension", holdout=0.1,
        holdout_help="fraction of images held out", lr="1e-3",
        eval_help="steps between held-out reconstruction errors in metrics.jsonl")
    p.add_argument("--kl-warmup", type=int, default=500, help="steps over which the KL weight rises to 1")
    add_training_arguments(p, steps=3000)
    p.set_defaults(func=_train_vae)

    p = verbs.add_parser("interpolate", help="latent interpolation movie (GIF) of a trained galaxy VAE",
                         description="Encode a few images, walk great circles between their latent codes "
                         "(spherical interpolation) and write the decoded frames as an animated GIF.")
    p.add_argument("--model", required=True, help="run directory of train-vae")
    p.add_argument("--out", required=True, help="output .gif")
    p.add_argument("--images", help="images to encode (default: the training data if it still exists, "
                   "else draws from the prior)")
    p.add_argument("--points", type=int, default=4, help="images to pass through (default 4)")
    p.add_argument("--frames", type=int, default=12, help="frames between two images (default 12)")
    p.add_argument("--fps", type=float, default=12, help="frames per second (default 12)")
    p.add_argument("--scale", type=int, default=4, help="enlarge frames this many times (default 4)")
    p.add_argument("--seed", type=int, default=0, help="which images are picked (default 0)")
    p.set_defaults(func=_interpolate)

    p = verbs.add_parser("train-acgan", help="train the class-conditional galaxy AC-GAN on labelled images",
                         description="Train an AC-GAN (Odena et al.) on images in class subfolders; reports the "
                         "discriminator's classifier accuracy on held-out real images.")
    _add_image_model_arguments(
        p, images_help="folder with one subfolder per class, or a labelled .h5 set", latent_dim=64,
        latent_help="noise dimension", holdout=0.2, holdout_help="fraction held out for the accuracy", lr="2e-4",
        eval_help="steps between held-out classifier accuracies in metrics.jsonl")
    add_training_arguments(p, steps=3000)
    p.set_defaults(func=_train_acgan)

    p = verbs.add_parser("generate-galaxies", help="draw galaxies of a chosen type from a trained AC-GAN",
                         description="Generate galaxy images (PNG files in class folders, or a labelled .h5 set).")
    p.add_argument("--model", required=True, help="run directory of train-acgan")
    p.add_argument("--n", type=int, default=90, help="number of galaxies (default 90)")
    p.add_argument("--type", help="class name (e.g. spiral) or index; default: every class in turn")
    p.add_argument("--out", required=True, help="output folder (PNG files) or .h5 file")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.set_defaults(func=_generate_galaxies)
