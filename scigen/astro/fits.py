"""FITS images in and out (astropy.io.fits), with masks, headers, WCS and provenance kept.

Reading: :func:`read_fits` opens one image HDU (the first one holding >= 2-D data unless told which:
primary, extension by index or EXTNAME, tile-compressed images too) into a :class:`FitsImage`:
float data with NaN at missing pixels, a boolean ``mask`` (True = missing: the integer ``BLANK`` value,
NaN or inf), the header, the WCS and where it came from. :func:`read_fits_folder` reads a folder of
FITS files into one (N, H, W) stack (every plane of a cube becomes one map).

Writing: :func:`write_fits_maps` writes generated or simulated maps as one file per map (a folder,
written atomically as a whole) or one cube, with provenance keywords (``SGMODEL``, ``SGCKPT``,
``SGHASH``, ``SGSEED``, ``SGVERS``, ``SGINDEX``), the unit (``BUNIT``) and a linear WCS giving the
pixel scale in degrees. Generated maps are no piece of the real sky, so no sky position is written.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scigen.errors import InputError, MissingFileError, require_file

FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz", ".fz")
#: provenance keywords written by :func:`write_fits_maps` (key -> comment)
PROVENANCE_KEYS = {
    "SGMODEL": "model or simulator that made the map",
    "SGCKPT": "checkpoint the model was loaded from",
    "SGHASH": "hash of the checkpoint weights",
    "SGSEED": "random seed of the run",
    "SGVERS": "scigen version",
}


def is_fits_path(path) -> bool:
    name = str(path).lower()
    return any(name.endswith(s) for s in FITS_SUFFIXES)


@dataclass
class FitsImage:
    """One FITS image (2-D map or cube) with everything needed to interpret it.

    Attributes:
        data: (H, W) or (D, H, W) float32 (float64 for 32/64-bit input), NaN where ``mask``.
        mask: bool, same shape as ``data``; True marks missing pixels (BLANK, NaN, inf).
        header: the HDU's header (``astropy.io.fits.Header``), unchanged.
        wcs: the header's WCS (``astropy.wcs.WCS``) or None when it has none or it does not parse.
        path: the file it was read from. hdu: index of the HDU in that file.
    """

    data: np.ndarray
    mask: np.ndarray
    header: object
    wcs: object = None
    path: Path | None = None
    hdu: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def unit(self) -> str | None:
        """The ``BUNIT`` keyword (e.g. 'JY/BEAM'), or None."""
        unit = self.header.get("BUNIT")
        return str(unit).strip() if unit is not None else None

    @property
    def pixel_scale_deg(self) -> float | None:
        """Mean pixel side in degrees from the celestial WCS (or a linear WCS in degrees), else None."""
        if self.wcs is None:
            return None
        try:
            from astropy.wcs.utils import proj_plane_pixel_scales

            w = self.wcs.celestial if self.wcs.has_celestial else self.wcs.sub(2)
            units = [str(u) for u in w.wcs.cunit]
            if not w.has_celestial and not all(u == "deg" for u in units):
                return None
            return float(np.mean(np.abs(proj_plane_pixel_scales(w))))
        except Exception:  # malformed or non-spatial WCS
            return None

    @property
    def fov_deg(self) -> float | None:
        """Width of the image in degrees (pixel scale x width), else None."""
        scale = self.pixel_scale_deg
        return None if scale is None else scale * self.data.shape[-1]

    def maps(self) -> np.ndarray:
        """The data as a (D, H, W) stack (a 2-D image gives D = 1)."""
        return self.data[None] if self.data.ndim == 2 else self.data

    def masked(self) -> np.ma.MaskedArray:
        return np.ma.MaskedArray(self.data, mask=self.mask)


def _where(path, hdu) -> str:
    return f"FITS file '{path}'" + (f", HDU {hdu}" if hdu is not None else "")


def _pick_hdu(hdul, hdu, path):
    if hdu is None:
        for i, h in enumerate(hdul):
            if h.is_image and h.header.get("NAXIS", 0) >= 2 and all(
                    h.header.get(f"NAXIS{k}", 0) > 0 for k in range(1, h.header["NAXIS"] + 1)):
                return i, h
        found = ", ".join(f"{i}: {type(h).__name__} {getattr(h, 'shape', '')}" for i, h in enumerate(hdul))
        raise InputError(f"{_where(path, None)} has no HDU with a 2-D image or cube (found {found}); "
                         "pass hdu= to pick one explicitly")
    try:
        index = hdul.index_of(hdu)
        h = hdul[index]
    except (KeyError, IndexError):
        names = [h.name for h in hdul]
        raise InputError(f"{_where(path, hdu)} does not exist: the file has {len(hdul)} HDUs ({names})") from None
    if not h.is_image:
        raise InputError(f"{_where(path, index)} is a {type(h).__name__}, not an image; pick an image HDU")
    return index, h


def read_fits(path, hdu: int | str | None = None, squeeze: bool = True) -> FitsImage:
    """Read one image HDU of a FITS file.

    Args:
        path: the file (.fits, .fits.gz, tile-compressed .fz ...).
        hdu: HDU index or EXTNAME; None = the first HDU with a 2-D image or cube.
        squeeze: drop length-1 axes beyond the last two (radio cubes with one Stokes plane).
    Raises:
        MissingFileError when the file is absent; InputError naming the file and HDU when it is not
        FITS, is truncated, or the HDU holds no 2-D image.
    """
    from astropy.io import fits
    from astropy.wcs import WCS

    path = require_file(path, "FITS file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "file may have been truncated": reading the data says so
            hdul = fits.open(path, memmap=False)
    except Exception as exc:  # astropy raises OSError/ValueError/TypeError for garbage
        raise InputError(f"{_where(path, None)} cannot be opened as FITS ({exc}); is it a FITS file?") from None
    with hdul:
        index, h = _pick_hdu(hdul, hdu, path)
        where = _where(path, index)
        header = h.header.copy()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw = h.data
        except Exception as exc:
            raise InputError(f"{where}: the data cannot be read ({exc}); the file may be truncated") from None
        if raw is None or np.ndim(raw) < 2:
            raise InputError(f"{where} holds {'no data' if raw is None else f'{np.ndim(raw)}-D data'}; "
                             "an image needs at least 2 axes")
        raw = np.asarray(raw)
        if raw.dtype.kind in "iu":
            # integer data stay integer when unscaled or only shifted (uint16 as int16 + BZERO): BLANK is
            # the stored value, so compare with its physical image; scaled data arrive as float with NaN
            blank = header.get("BLANK")
            physical = None if blank is None else blank * header.get("BSCALE", 1) + header.get("BZERO", 0)
            mask = raw == physical if physical is not None else np.zeros(raw.shape, dtype=bool)
        elif raw.dtype.kind == "f":
            mask = ~np.isfinite(raw)
        else:
            raise InputError(f"{where}: unsupported pixel type {raw.dtype}")
        dtype = np.float64 if raw.dtype.itemsize >= 4 and raw.dtype != np.float32 else np.float32
        data = raw.astype(dtype)
        data[mask] = np.nan
        wcs, notes = None, []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wcs = WCS(header, fobj=hdul)
            if wcs.naxis == 0 or not wcs.wcs.ctype[0]:
                wcs = None
        except Exception as exc:
            notes.append(f"WCS not parsed: {exc}")
            wcs = None
    if squeeze and data.ndim > 2:
        keep = [ax for ax in range(data.ndim) if data.shape[ax] != 1 or ax >= data.ndim - 2]
        data, mask = data.reshape([data.shape[a] for a in keep]), mask.reshape([mask.shape[a] for a in keep])
        if wcs is not None and wcs.naxis > data.ndim:
            # FITS axis order is the reverse of numpy's: numpy axis a is WCS axis ndim - a
            wcs_axes = sorted(raw.ndim - a for a in keep)
            wcs = wcs.sub(wcs_axes)
    if data.ndim > 3:
        raise InputError(f"{where} holds a {data.ndim}-D array {data.shape}; scigen reads 2-D images and "
                         "3-D cubes: slice the planes you need first")
    return FitsImage(data=data, mask=mask, header=header, wcs=wcs, path=path, hdu=index, notes=notes)


@dataclass
class FitsStack:
    """Maps from a folder of FITS files.

    Attributes:
        maps: (N, H, W) float32, NaN where masked. mask: (N, H, W) bool, True = missing.
        sources: (N,) list of (path, hdu, plane) for every map. images: the FitsImage of each file
            (headers and WCS), with their data dropped to save memory.
    """

    maps: np.ndarray
    mask: np.ndarray
    sources: list[tuple[str, int, int]]
    images: list[FitsImage]

    @property
    def pixel_scale_deg(self) -> float | None:
        scales = {round(s, 12) for s in (im.pixel_scale_deg for im in self.images) if s is not None}
        return next(iter(scales)) if len(scales) == 1 else None

    @property
    def unit(self) -> str | None:
        units = {im.unit for im in self.images}
        return next(iter(units)) if len(units) == 1 else None


def list_fits(folder) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingFileError(f"FITS folder '{folder}' does not exist or is not a directory")
    files = sorted(p for p in folder.iterdir() if p.is_file() and is_fits_path(p))
    if not files:
        raise InputError(f"FITS folder '{folder}' has no files ending in {', '.join(FITS_SUFFIXES)}")
    return files


def read_fits_folder(folder, hdu: int | str | None = None) -> FitsStack:
    """Read every FITS file of ``folder`` (sorted by name) into one (N, H, W) stack.

    Every file must hold images of the same height and width; a cube contributes each plane.
    """
    maps, masks, sources, images = [], [], [], []
    first = None
    for path in list_fits(folder):
        im = read_fits(path, hdu=hdu)
        stack = im.maps()
        if first is None:
            first = (path, stack.shape[1:])
        elif stack.shape[1:] != first[1]:
            raise InputError(f"FITS file '{path}' has maps of {stack.shape[1:]} pixels but '{first[0]}' has "
                             f"{first[1]}; every map of a folder must have one size (crop or resample them)")
        maps.append(stack.astype(np.float32))
        masks.append(im.mask if im.mask.ndim == 3 else im.mask[None])
        sources.extend((str(path), im.hdu, plane) for plane in range(stack.shape[0]))
        im.data, im.mask = np.empty((0, 0)), np.empty((0, 0), dtype=bool)
        images.append(im)
    return FitsStack(np.concatenate(maps), np.concatenate(masks), sources, images)


def _provenance_cards(header, provenance: dict | None) -> None:
    from scigen import __version__

    prov = dict(provenance or {})
    values = {"SGMODEL": prov.get("model"), "SGCKPT": prov.get("checkpoint"), "SGHASH": prov.get("hash"),
              "SGSEED": prov.get("seed"), "SGVERS": __version__}
    for key, value in values.items():
        if value is None:
            continue
        value = value if isinstance(value, (int, float)) else str(value)
        # a long string (a checkpoint path, a hash) goes without its comment, which would be cut
        fits_card = not isinstance(value, str) or len(value) + len(PROVENANCE_KEYS[key]) <= 62
        header[key] = (value, PROVENANCE_KEYS[key]) if fits_card else value
    header["ORIGIN"] = ("scigen", "software that wrote this file")
    header["DATE"] = (_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), "UTC file creation")


def _linear_wcs(header, pixel_scale_deg: float | None, shape: tuple[int, int]) -> None:
    if pixel_scale_deg is None:
        return
    h, w = shape
    for axis, n in ((1, w), (2, h)):
        header[f"CTYPE{axis}"] = ("XOFFSET" if axis == 1 else "YOFFSET", "offset from the map centre")
        header[f"CUNIT{axis}"] = ("deg", "")
        header[f"CRPIX{axis}"] = ((n + 1) / 2.0, "reference pixel: the centre")
        header[f"CRVAL{axis}"] = (0.0, "")
        header[f"CDELT{axis}"] = (float(pixel_scale_deg), "pixel side [deg]")


def write_fits_maps(maps, out, *, cube: bool = False, pixel_scale_deg: float | None = None,
                    unit: str | None = None, provenance: dict | None = None, template=None,
                    extra: dict | None = None, prefix: str = "map", overwrite: bool = False) -> Path:
    """Write maps (N, H, W) (or one (H, W)) as FITS, atomically.

    Args:
        maps: the maps, physical units; written as float32.
        out: a folder (one file ``{prefix}_{i:05d}.fits`` per map) or, with ``cube``, one file.
        pixel_scale_deg: pixel side in degrees, written as a linear WCS (CDELT, CUNIT = deg).
        unit: BUNIT value ('' for dimensionless convergence).
        provenance: {"model", "checkpoint", "hash", "seed"}: written as SG* keywords.
        template: a :class:`FitsImage` (or header) of the real input: its BUNIT and pixel scale are
            carried over unless given explicitly.
        extra: more keywords, ``{KEY: value or (value, comment)}``.
        overwrite: replace an existing ``out``.
    Returns: ``out``.
    """
    from astropy.io import fits

    from scigen.io.atomic import atomic_directory, atomic_path

    arr = np.asarray(maps, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] == 0:
        raise InputError(f"write_fits_maps: maps must be (N, H, W) with N >= 1, got shape {np.shape(maps)}")
    if template is not None:
        t_header = template.header if isinstance(template, FitsImage) else template
        if unit is None and t_header.get("BUNIT") is not None:
            unit = str(t_header["BUNIT"])
        if pixel_scale_deg is None and isinstance(template, FitsImage):
            pixel_scale_deg = template.pixel_scale_deg
    out = Path(out)

    def header_for(index: int | None, shape) -> "fits.Header":
        header = fits.Header()
        _linear_wcs(header, pixel_scale_deg, shape)
        if unit is not None:
            header["BUNIT"] = (unit, "pixel unit ('' = dimensionless)")
        _provenance_cards(header, provenance)
        if index is not None:
            header["SGINDEX"] = (index, "index of the map in its set")
        for key, value in (extra or {}).items():
            header[key] = value
        return header

    if cube:
        header = header_for(None, arr.shape[1:])
        header["CTYPE3"] = ("MAPINDEX", "map number")
        if out.exists() and not overwrite:
            raise InputError(f"'{out}' already exists: pass overwrite=True (--overwrite) or choose another name")
        with atomic_path(out) as tmp:
            fits.PrimaryHDU(arr, header=header).writeto(tmp, overwrite=True)
        return out
    if out.exists() and not out.is_dir():
        raise InputError(f"'{out}' exists and is not a folder; FITS maps are written one file per map into a folder")
    try:
        with atomic_directory(out, overwrite=overwrite) as tmp:
            for i, m in enumerate(arr):
                fits.PrimaryHDU(m, header=header_for(i, m.shape)).writeto(tmp / f"{prefix}_{i:05d}.fits")
    except FileExistsError:
        raise InputError(f"FITS folder '{out}' already exists: pass overwrite=True (--overwrite) or choose "
                         "another folder") from None
    return out
