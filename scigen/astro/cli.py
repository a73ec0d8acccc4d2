"""``scigen astro <verb>``: convergence maps and galaxy images.

    scigen astro simulate-maps --size 64 --fov 3.5 --maps 2000 --lognormal --seed 0 --out maps.h5 [--fits-dir DIR]
    scigen astro render-galaxies --n 600 --size 64 --seed 0 --out galaxies/ [--h5 galaxies.h5]
    scigen astro map-stats --data maps.h5 [--out stats.json]

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


def register(subparsers) -> None:
    from scigen.cli import add_group

    verbs = add_group(subparsers, "astro", "convergence maps and galaxy images: simulate, render, measure")

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
