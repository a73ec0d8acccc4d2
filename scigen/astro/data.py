"""The astro domain's real data: one entry point per kind, whatever form it comes in.

* :func:`load_maps` — convergence (or any 2-D) maps from an HDF5 sample set, one FITS file (an image or
  a cube) or a folder of FITS files, as a :class:`MapData` with the geometry (``fov_deg``) and unit
  found on the way. Default real data needing no download: :class:`~scigen.astro.maps.MapSimulator`
  (``scigen astro simulate-maps``).
* :func:`load_galaxy_images` — colour/grey galaxy images from a folder (class subfolders become
  labels), an HDF5 sample set, or the shipped Hubble deep field patches (``"hubble"``); default real
  data needing no download: :func:`~scigen.astro.galaxies.render_galaxies`
  (``scigen astro render-galaxies``).

The pieces live in :mod:`~scigen.astro.fits`, :mod:`~scigen.astro.images`, :mod:`~scigen.astro.maps`
and :mod:`~scigen.astro.galaxies`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scigen.astro.fits import is_fits_path, read_fits, read_fits_folder
from scigen.astro.images import ImageSet
from scigen.errors import InputError, require_file


@dataclass
class MapData:
    """Maps ready for statistics or training.

    Attributes:
        maps: (N, H, W) float32, physical units.
        fov_deg: width of a map in degrees, when the source says (sample-set attribute or FITS WCS).
        unit: pixel unit ('' = dimensionless), when known.
        attrs: the sample set's attributes, or what the FITS headers gave.
        source: where the maps came from.
        dropped: how many maps were dropped because they had masked (NaN/BLANK) pixels.
    """

    maps: np.ndarray
    fov_deg: float | None = None
    unit: str | None = None
    attrs: dict = field(default_factory=dict)
    source: str = ""
    dropped: int = 0

    def __len__(self) -> int:
        return int(self.maps.shape[0])


def _handle_masked(maps: np.ndarray, mask: np.ndarray, masked: str, source: str) -> tuple[np.ndarray, int]:
    bad = mask.reshape(len(mask), -1).any(axis=1)
    if not bad.any():
        return maps, 0
    if masked == "drop":
        if bad.all():
            raise InputError(f"every map of '{source}' has masked pixels; nothing is left after masked='drop'")
        return maps[~bad], int(bad.sum())
    if masked == "fill":
        out = maps.copy()
        for i in np.flatnonzero(bad):
            out[i][mask[i]] = np.nanmean(out[i]) if np.isfinite(out[i]).any() else 0.0
        return out, 0
    raise InputError(f"{int(bad.sum())} map(s) of '{source}' have masked (BLANK/NaN) pixels; pass masked='drop' "
                     "(--masked drop) to skip them or masked='fill' to fill them with the map's mean")


def load_maps(path, *, hdu: int | str | None = None, fov_deg: float | None = None, masked: str = "error",
              limit: int | None = None) -> MapData:
    """Load maps from a sample set (.h5/.hdf5), a FITS file, or a folder of FITS files.

    Args:
        path: the source. hdu: FITS HDU (index or EXTNAME; default the first image).
        fov_deg: override (or supply) the width of a map in degrees.
        masked: what to do with maps that have masked pixels: "error", "drop" or "fill".
        limit: keep at most this many maps (the first ones).
    """
    data = _load_maps(require_file(path, "maps"), hdu, fov_deg, masked, limit)
    if limit is not None and len(data) > limit:
        data.maps = data.maps[:limit]
    return data


def _load_maps(path: Path, hdu, fov_deg, masked, limit) -> MapData:
    if path.is_dir():
        stack = read_fits_folder(path, hdu=hdu)
        maps, dropped = _handle_masked(stack.maps, stack.mask, masked, str(path))
        scale = stack.pixel_scale_deg
        return MapData(maps.astype(np.float32), fov_deg or (scale * maps.shape[-1] if scale else None), stack.unit,
                       {"fits_files": len(stack.images)}, str(path), dropped)
    if is_fits_path(path):
        im = read_fits(path, hdu=hdu)
        mask = im.mask if im.mask.ndim == 3 else im.mask[None]
        maps, dropped = _handle_masked(im.maps(), mask, masked, str(path))
        return MapData(maps.astype(np.float32), fov_deg or im.fov_deg, im.unit, {"fits_hdu": im.hdu}, str(path),
                       dropped)
    if path.suffix.lower() in (".h5", ".hdf5", ".hdf"):
        from scigen.io import read_sample_set

        s = read_sample_set(path, limit)
        maps = np.asarray(s.samples)
        if maps.ndim == 4 and maps.shape[1] == 1:
            maps = maps[:, 0]
        if maps.ndim != 3:
            raise InputError(f"sample set '{path}' holds samples of shape {maps.shape[1:]}; maps must be (H, W)")
        maps, dropped = _handle_masked(maps, ~np.isfinite(maps), masked, str(path))
        return MapData(maps.astype(np.float32), fov_deg or s.attrs.get("fov_deg"), s.attrs.get("units"),
                       dict(s.attrs), str(path), dropped)
    raise InputError(f"'{path}': maps are read from .h5 sample sets, FITS files (.fits, .fits.gz, .fz) or "
                     "a folder of FITS files")


def load_galaxy_images(source, size: int | None = 64, mode: str = "rgb") -> ImageSet:
    """Galaxy images from a folder tree, an HDF5 sample set of (N, C, H, W) images, or ``"hubble"``."""
    from scigen.astro.galaxies import hubble_patches
    from scigen.astro.images import load_image_folder, resize, to_mode

    if str(source) == "hubble":
        return hubble_patches(size=size, mode=mode)
    path = require_file(source, "galaxy images")
    if path.is_dir():
        return load_image_folder(path, size=size, mode=mode)
    if path.suffix.lower() in (".h5", ".hdf5", ".hdf"):
        from scigen.io import read_sample_set

        s = read_sample_set(path)
        images = np.asarray(s.samples, dtype=np.float32)
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            raise InputError(f"sample set '{path}' holds samples of shape {images.shape[1:]}; galaxy images "
                             "must be (C, H, W) with C = 1 or 3")
        images = np.stack([to_mode(img, mode) for img in images])
        if size and images.shape[-2:] != (size, size):
            images = np.stack([resize(img, (size, size)) for img in images])
        names = list(s.attrs.get("class_names") or [])
        return ImageSet(images, s.labels, names, [f"{path}[{i}]" for i in range(len(images))])
    raise InputError(f"'{path}': galaxy images come from a folder (class subfolders = labels), an .h5 sample "
                     "set, or 'hubble' (the shipped Hubble deep field patches)")
