"""Galaxy images: a parametric renderer of labelled galaxies, and real patches of the Hubble deep field.

The renderer draws three classes, elliptical / spiral / barred (barred spiral), as colour images
(3, size, size) in [0, 1], reproducible from a seed:

* elliptical: a Sersic profile ``I(r) = I_e exp(-b_n ((r/r_e)^{1/n} - 1))`` with ``n`` in 3..5
  (``b_n`` from the expansion of Ciotti & Bertin 1999), axis ratio 0.55..1, red;
* spiral: a small Sersic bulge (red) plus an exponential disk (``exp(-r/h)``, bluer) whose light is
  partly gathered into ``m`` logarithmic arms ``cos(m (theta - ln(r / r_0) / tan(pitch)))`` (pitch
  12..30 degrees), with blue star-forming knots along the arms; inclined (disk axis ratio
  ``sqrt(cos^2 i (1 - q_0^2) + q_0^2)``, ``q_0 = 0.15``) and rotated by a position angle;
* barred: the same with a Ferrers bar (``(1 - (x/a)^2 - (y/b)^2)^2``) and two arms leaving its ends.

Every image is rendered 3x oversampled and averaged down, convolved with a Gaussian PSF, given sky
and photon noise, and mapped to [0, 1] with an asinh stretch applied to all channels alike (Lupton
et al. 2004), so colours survive the stretch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scigen.astro.images import ImageSet
from scigen.errors import InputError, MissingFileError

GALAXY_CLASSES = ("elliptical", "spiral", "barred")
#: RGB weights of each component (bulges and ellipticals red, disks whiter, arms and knots blue)
COLOURS = {"bulge": (1.0, 0.75, 0.5), "disk": (0.85, 0.85, 0.9), "arms": (0.55, 0.72, 1.0), "bar": (1.0, 0.85, 0.65)}
HUBBLE_PATCHES = "hubble_deep_field_patches.npz"


def sersic_bn(n: float) -> float:
    """b_n such that r_e encloses half the light (Ciotti & Bertin 1999 asymptotic expansion)."""
    return 2 * n - 1 / 3 + 4 / (405 * n) + 46 / (25515 * n ** 2)


def _sersic(r, r_e, n):
    return np.exp(-sersic_bn(n) * ((r / r_e) ** (1 / n) - 1))


def draw_params(kind: str, size: int, rng: np.random.Generator) -> dict:
    """Random parameters of one galaxy of class ``kind`` (lengths in pixels, angles in radians)."""
    if kind not in GALAXY_CLASSES:
        raise InputError(f"galaxy class must be one of {GALAXY_CLASSES}, got {kind!r}")
    u = rng.uniform
    p = {"kind": kind, "size": int(size), "pa": u(0, np.pi), "dx": u(-1, 1), "dy": u(-1, 1),
         "brightness": u(0.6, 1.0), "psf_fwhm": u(1.2, 2.2), "sky_noise": u(0.005, 0.02),
         "colour_jitter": rng.normal(0, 0.04, 3).tolist()}
    if kind == "elliptical":
        p.update(n=u(3.0, 5.0), r_e=u(0.10, 0.20) * size, q=u(0.55, 1.0))
        return p
    cos_i = u(0.45, 1.0)
    h = u(0.09, 0.14) * size
    p.update(cos_i=cos_i, q=float(np.sqrt(cos_i ** 2 * (1 - 0.15 ** 2) + 0.15 ** 2)), h=h,
             bulge_fraction=u(0.08, 0.3), bulge_n=u(1.5, 3.0), bulge_re=u(0.25, 0.45) * h,
             arms=int(rng.choice([2, 2, 2, 3])) if kind == "spiral" else 2, pitch=np.deg2rad(u(12, 30)),
             arm_phase=u(0, 2 * np.pi), arm_fraction=u(0.45, 0.7), arm_sharpness=u(2.5, 5.0),
             knots=int(rng.integers(4, 12)), knot_seed=int(rng.integers(2 ** 31)))
    if kind == "barred":
        p.update(bar_length=u(1.3, 2.0) * h, bar_ratio=u(0.22, 0.35), bar_angle=u(0, np.pi),
                 bar_fraction=u(0.06, 0.12))
    return p


def _grids(p: dict, oversample: int):
    size = p["size"]
    n = size * oversample
    coords = (np.arange(n) + 0.5) / oversample - size / 2
    y, x = np.meshgrid(coords - p["dy"], coords - p["dx"], indexing="ij")
    c, s = np.cos(p["pa"]), np.sin(p["pa"])
    return x * c + y * s, -x * s + y * c  # along / across the major axis (sky plane)


def _layers(p: dict, oversample: int) -> dict[str, np.ndarray]:
    """Noiseless surface brightness of each component on the oversampled grid."""
    xm, ym = _grids(p, oversample)
    if p["kind"] == "elliptical":
        return {"bulge": _sersic(np.hypot(xm, ym / p["q"]), p["r_e"], p["n"])}
    xg, yg = xm, ym / p["q"]  # deprojected disk plane
    r = np.hypot(xg, yg) + 1e-3
    theta = np.arctan2(yg, xg)
    h = p["h"]
    disk = np.exp(-r / h)
    q_b = max(p["q"], 0.75)
    bulge = _sersic(np.hypot(xm, ym / q_b), p["bulge_re"], p["bulge_n"])
    r_in = p.get("bar_length", 0.6 * h)
    phase = p["arm_phase"] if p["kind"] == "spiral" else 2 * p["bar_angle"]
    wave = 0.5 * (1 + np.cos(p["arms"] * (theta - np.log(r / r_in) / np.tan(p["pitch"])) - phase))
    ramp = np.clip((r - 0.7 * r_in) / (0.5 * r_in), 0, 1)  # arms start near r_in (the bar's ends)
    arm_pattern = wave ** p["arm_sharpness"] * ramp
    arms = disk * arm_pattern
    knots = np.zeros_like(disk)
    krng = np.random.default_rng(p["knot_seed"])
    ridge = np.argwhere((arm_pattern > 0.8) & (r > r_in) & (r < 3 * h))
    if len(ridge):
        for iy, ix in ridge[krng.integers(0, len(ridge), p["knots"])]:
            width = krng.uniform(0.4, 0.9) * oversample
            yy, xx = np.ogrid[: disk.shape[0], : disk.shape[1]]
            knots += krng.uniform(0.5, 1.5) * np.exp(-((yy - iy) ** 2 + (xx - ix) ** 2) / (2 * width ** 2))
    layers = {"bulge": bulge, "disk": disk, "arms": arms + 0.02 * knots}
    if p["kind"] == "barred":
        a, ca, sa = p["bar_length"], np.cos(p["bar_angle"]), np.sin(p["bar_angle"])
        xb, yb = xg * ca + yg * sa, -xg * sa + yg * ca
        layers["bar"] = np.clip(1 - (xb / a) ** 2 - (yb / (p["bar_ratio"] * a)) ** 2, 0, None) ** 2
    return layers


def _fractions(p: dict) -> dict[str, float]:
    if p["kind"] == "elliptical":
        return {"bulge": 1.0}
    bar = p.get("bar_fraction", 0.0)
    disk_total = 1 - p["bulge_fraction"] - bar
    fr = {"bulge": p["bulge_fraction"], "disk": disk_total * (1 - p["arm_fraction"]),
          "arms": disk_total * p["arm_fraction"]}
    if bar:
        fr["bar"] = bar
    return fr


def render_galaxy(kind: str = "spiral", size: int = 64, seed: int | np.random.Generator | None = 0,
                  params: dict | None = None, stretch: float = 15.0) -> tuple[np.ndarray, dict]:
    """Render one galaxy: ((3, size, size) float32 in [0, 1], its parameters).

    Args:
        kind: "elliptical", "spiral" or "barred". size: pixels per side (>= 16).
        seed: int or numpy Generator (draws the parameters and the noise).
        params: override any of :func:`draw_params`'s values (e.g. ``{"cos_i": 1.0}``).
        stretch: the asinh softening ``Q``: display ``asinh(Q I) / asinh(Q)`` of the intensity ``I``.
    """
    from scipy import ndimage

    if int(size) != size or size < 16:
        raise InputError(f"galaxy image size must be an integer >= 16, got {size}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    p = draw_params(kind, int(size), rng)
    if params:
        p.update(params)
        if "cos_i" in params:
            p["q"] = float(np.sqrt(p["cos_i"] ** 2 * (1 - 0.15 ** 2) + 0.15 ** 2))
    over = 3
    rgb = np.zeros((3, size, size))
    layers = _layers(p, over)
    for name, frac in _fractions(p).items():
        layer = layers[name].reshape(size, over, size, over).mean(axis=(1, 3))
        total = layer.sum()
        if total > 0:
            colour = np.asarray(COLOURS[name]) * (1 + np.asarray(p["colour_jitter"]))
            rgb += frac * layer[None] / total * colour[:, None, None]
    sigma_psf = p["psf_fwhm"] / 2.3548
    rgb = np.stack([ndimage.gaussian_filter(ch, sigma_psf, mode="constant") for ch in rgb])
    rgb *= p["brightness"] / rgb.max()
    noise = np.sqrt(p["sky_noise"] ** 2 + 0.002 * np.clip(rgb, 0, None))
    rgb = rgb + noise * rng.standard_normal(rgb.shape)
    intensity = np.clip(rgb.mean(axis=0), 1e-12, None)
    scaled = rgb * (np.arcsinh(stretch * intensity) / (np.arcsinh(stretch) * intensity))[None]
    return np.clip(scaled, 0, 1).astype(np.float32), p


def render_galaxies(n: int, size: int = 64, classes=GALAXY_CLASSES, seed: int = 0) -> tuple[ImageSet, list[dict]]:
    """``n`` labelled galaxies, classes in turn (balanced), reproducible from ``seed``.

    Returns an :class:`ImageSet` (images (n, 3, size, size), labels indexing ``class_names``) and the
    parameters of each galaxy.
    """
    classes = tuple(classes)
    unknown = [c for c in classes if c not in GALAXY_CLASSES]
    if unknown or not classes:
        raise InputError(f"galaxy classes must be among {GALAXY_CLASSES}, got {list(classes)}")
    if int(n) != n or n < 1:
        raise InputError(f"number of galaxies must be a positive integer, got {n}")
    rngs = np.random.default_rng(seed).spawn(int(n))
    images, labels, params = [], [], []
    for i in range(int(n)):
        label = i % len(classes)
        img, p = render_galaxy(classes[label], size, rngs[i])
        images.append(img)
        labels.append(label)
        params.append(p)
    return ImageSet(np.stack(images), np.asarray(labels, np.int64), list(classes),
                    [f"render_galaxy(seed={seed}, index={i})" for i in range(int(n))]), params


RESOURCES = Path(__file__).resolve().parent / "resources"  # shipped data files (package data)


def hubble_patches(path=None, size: int | None = None, mode: str = "rgb") -> ImageSet:
    """Real galaxy cutouts from the Hubble eXtreme Deep Field (NASA, public domain).

    Shipped in ``scigen/astro/resources/``, built by ``datasets/astro/build_hubble_patches.py`` (see
    ``datasets/README.md``): source-centred
    cutouts of the colour image scikit-image ships. Returns an unlabelled :class:`ImageSet`
    ((N, C, H, W) float32 in [0, 1]); ``size`` resamples them, ``mode="grey"`` gives one channel.
    """
    from scigen.astro.images import resize, to_mode

    path = Path(path) if path is not None else RESOURCES / HUBBLE_PATCHES
    if not path.exists():
        raise MissingFileError(f"Hubble deep field patches '{path}' not found; they ship inside scigen "
                               "(scigen/astro/resources/): reinstall it, or rebuild the file with "
                               "datasets/astro/build_hubble_patches.py")
    with np.load(path, allow_pickle=False) as f:
        patches = f["patches"].astype(np.float32) / 255.0
        centres = f["centres"]
    images = [to_mode(img, mode) for img in patches]
    if size:
        images = [resize(img, (size, size)) for img in images]
    sources = [f"hubble_deep_field.jpg[{y},{x}]" for y, x in centres]
    return ImageSet(np.stack(images).astype(np.float32), None, [], sources)
