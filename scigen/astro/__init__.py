"""Astronomy: convergence maps and galaxy images.

Rooms (as in every domain): :mod:`~scigen.astro.data` loads and simulates the real data (FITS in
:mod:`~scigen.astro.fits`, images in :mod:`~scigen.astro.images`, the map simulator in
:mod:`~scigen.astro.maps` with spectra in :mod:`~scigen.astro.spectra`, the galaxy renderer in
:mod:`~scigen.astro.galaxies`); :mod:`~scigen.astro.stats` holds the cosmology statistics registered
with ``scigen.validate`` (domain "astro"), checked against :mod:`~scigen.astro.theory`;
:mod:`~scigen.astro.transforms` holds the invertible pixel transforms a map model stores (the cosmoGAN
squash, a log-normal one);
:mod:`~scigen.astro.models` holds cosmoGAN, the galaxy VAE and the galaxy AC-GAN, and
:mod:`~scigen.astro.pipeline` (with :mod:`~scigen.astro.galaxy_pipeline`) wires training, generation
and validation for the CLI, the demo and the benchmark.

Importing this package loads none of its modules; the names below resolve on first use.
"""

from __future__ import annotations

from scigen._lazy import lazy_exports

_EXPORTS = {
    "MapSimulator": "maps", "simulate_maps": "maps", "write_maps": "maps", "multipoles": "maps",
    "LinearConvergenceSpectrum": "spectra", "PowerLawSpectrum": "spectra", "TabulatedSpectrum": "spectra",
    "FitsImage": "fits", "read_fits": "fits", "read_fits_folder": "fits", "write_fits_maps": "fits",
    "ImageSet": "images", "load_image": "images", "load_image_folder": "images", "tile_image": "images",
    "source_cutouts": "images", "write_image_folder": "images",
    "render_galaxy": "galaxies", "render_galaxies": "galaxies", "hubble_patches": "galaxies",
    "load_maps": "data", "load_galaxy_images": "data", "MapData": "data",
    "CosmoGANTransform": "transforms", "LogNormalTransform": "transforms", "fit_transform": "transforms",
    "transform_from_json": "transforms",
    "power_spectrum": "stats", "pixel_histogram": "stats", "minkowski_functionals": "stats",
    "peak_counts": "stats", "make_statistics": "stats",
    "tomita_minkowski": "theory", "peak_density": "theory", "grid_moments": "theory",
    "CosmoGAN": "models", "GalaxyVAE": "models", "GalaxyACGAN": "models",
    "train_gan": "pipeline", "generate": "pipeline", "validate_maps": "pipeline", "train_vae": "pipeline",
    "interpolate": "pipeline", "train_acgan": "pipeline", "generate_galaxies": "pipeline",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, {name: f"scigen.astro.{module}" for name, module in _EXPORTS.items()})
