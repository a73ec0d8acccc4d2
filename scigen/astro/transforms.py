"""The invertible pixel transform between physical map values and a network's tanh range.

cosmoGAN (Mustafa et al., arXiv:1706.02390) trains on maps squashed by ``s(x) = 2x/(x + a) - 1``
(``a = 4`` in its PyTorch port), which maps ``x in [0, inf)`` monotonically onto ``[-1, 1)`` and
``x = a`` onto 0; the inverse is ``x = a (1 + s) / (1 - s)``. Convergence maps are small numbers
of either sign (a log-normal map is bounded below by ``-shift``), so :class:`CosmoGANTransform` first
applies an affine step ``y = (x - offset) / scale`` and then the cosmoGAN squash. :meth:`fit` picks
``offset`` just below the data's minimum and ``scale`` so that the data's median lands on ``s = 0``.

:class:`LogNormalTransform` is the alternative for fields that are close to a shifted log-normal
(convergence maps are: Taruya et al. 2002, Clerkin et al. 2017): ``s = (ln(x - offset) - center) /
width`` with the shift fitted from the pixels' variance and skewness, so that a log-normal field is an
exactly Gaussian one in the network's space. Under the squash it is not quite (skewness -0.10, excess
kurtosis -0.18 for the benchmark's maps), and cosmoGANs trained there drift toward Gaussian in ``s``
(docs/astro.md section 6).

A transform is stored with a model (``to_json`` / ``transform_from_json``), and statistics are
always computed after ``inverse``: in physical units, never in the network's space.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scigen.errors import InputError

if TYPE_CHECKING:
    import torch

#: largest |s| handed to the inverse: tanh outputs of exactly +-1 would map to +-infinity.
S_CLIP = 1.0 - 1e-6


def _finite_values(maps, who: str) -> np.ndarray:
    """Training maps as float64, refused (naming ``who``) when empty or not finite."""
    x = np.asarray(maps, dtype=np.float64)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise InputError(f"{who}: the maps are empty or contain NaN/inf; mask or drop them first")
    return x


def _below_minimum(x: np.ndarray, median: float, margin: float) -> float:
    """``min - margin * (median - min)``: an offset a margin below every value (the spread falls back to
    the standard deviation, then 1, where the median is the minimum)."""
    lo = float(x.min())
    spread = median - lo
    if spread <= 0:
        spread = float(x.std()) or 1.0
    return lo - margin * spread


@dataclass(frozen=True)
class CosmoGANTransform:
    """``s = 2y/(y + a) - 1`` with ``y = (x - offset) / scale``; exact inverse.

    Attributes:
        a: the cosmoGAN constant (4 in the PyTorch port); ``y = a`` maps to ``s = 0``.
        offset: physical value mapped to ``s = -1`` (must lie below every value transformed).
        scale: physical units per unit of ``y`` (> 0).

    ``forward`` takes physical maps of any shape and returns float32 in ``[-1, 1)``; values below
    ``offset`` are an error (they have no image). ``inverse`` takes network outputs in
    ``[-1, 1]`` (clipped to ``+-S_CLIP``) and returns physical values (float32).
    """

    a: float = 4.0
    offset: float = 0.0
    scale: float = 1.0
    kind: str = "cosmogan"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.a) and self.a > 0):
            raise InputError(f"CosmoGANTransform: a must be a positive number, got {self.a}")
        if not (np.isfinite(self.scale) and self.scale > 0):
            raise InputError(f"CosmoGANTransform: scale must be a positive number, got {self.scale}")
        if not np.isfinite(self.offset):
            raise InputError(f"CosmoGANTransform: offset must be finite, got {self.offset}")

    @classmethod
    def fit(cls, maps, a: float = 4.0, margin: float = 0.05) -> "CosmoGANTransform":
        """Choose ``offset`` and ``scale`` from training maps (any shape, physical units).

        ``offset = min - margin * (median - min)`` keeps every training value (and a margin below the
        smallest) inside the transform's domain; ``scale = (median - offset) / a`` puts the median at
        ``s = 0``, so the network works around the middle of its tanh range.
        """
        x = _finite_values(maps, "CosmoGANTransform.fit")
        med = float(np.median(x))
        offset = _below_minimum(x, med, margin)
        return cls(a=float(a), offset=offset, scale=(med - offset) / a)

    def forward(self, x) -> np.ndarray:
        """Physical values -> network space ``[-1, 1)`` (float32, same shape)."""
        y = (np.asarray(x, dtype=np.float64) - self.offset) / self.scale
        if y.size and float(y.min()) < 0:
            raise InputError(
                f"pixel transform: a value {float(y.min()) * self.scale + self.offset:.6g} is below the "
                f"transform's offset {self.offset:.6g}; refit it on data that includes such values "
                "(CosmoGANTransform.fit) or lower 'offset'"
            )
        return (2.0 * y / (y + self.a) - 1.0).astype(np.float32)

    def inverse(self, s) -> np.ndarray:
        """Network space -> physical values (float32, same shape). ``s`` is clipped to ``+-S_CLIP``."""
        s = np.clip(np.asarray(s, dtype=np.float64), -S_CLIP, S_CLIP)
        y = self.a * (1.0 + s) / (1.0 - s)
        return (y * self.scale + self.offset).astype(np.float32)

    def inverse_torch(self, s: torch.Tensor) -> torch.Tensor:
        """:meth:`inverse` on a tensor, differentiable (the statistic-matching losses use it)."""
        s = s.clamp(-S_CLIP, S_CLIP)
        return self.a * (1.0 + s) / (1.0 - s) * self.scale + self.offset

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "a": self.a, "offset": self.offset, "scale": self.scale})

    @classmethod
    def from_json(cls, text: str | dict) -> "CosmoGANTransform":
        d = json.loads(text) if isinstance(text, str) else dict(text)
        if d.get("kind", "cosmogan") != "cosmogan":
            raise InputError(f"not a cosmoGAN pixel transform: kind={d.get('kind')!r}")
        try:
            return cls(a=float(d["a"]), offset=float(d.get("offset", 0.0)), scale=float(d.get("scale", 1.0)))
        except KeyError as exc:
            raise InputError(f"pixel transform JSON lacks {exc}; expected keys kind, a, offset, scale") from None


def shifted_lognormal_offset(values: np.ndarray) -> float:
    """The lower bound ``offset`` of a shifted log-normal fitted to ``values`` by their moments.

    For ``x = offset + exp(g)`` with Gaussian ``g`` of variance ``sigma^2``, the skewness is
    ``(w + 2) sqrt(w - 1)`` with ``w = exp(sigma^2)``: solve ``t^3 + 3 t = skewness`` for
    ``t = sqrt(w - 1)`` (one real root), then ``mean - offset = std / t``.

    Raises:
        InputError: the values are not skewed to the right (no log-normal has them).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    mean, std = float(x.mean()), float(x.std())
    if std <= 0:
        raise InputError("LogNormalTransform.fit: the maps are constant; there is no distribution to fit")
    skewness = float(np.mean(((x - mean) / std) ** 3))
    if skewness <= 0:
        raise InputError(f"LogNormalTransform.fit: the pixels' skewness is {skewness:.3g}, not positive, so no "
                         "shifted log-normal fits them; use the cosmoGAN transform (--pixel-transform cosmogan)")
    root = np.sqrt(skewness ** 2 / 4.0 + 1.0)
    t = np.cbrt(skewness / 2.0 + root) + np.cbrt(skewness / 2.0 - root)
    return mean - std / t


@dataclass(frozen=True)
class LogNormalTransform:
    """``s = (ln(x - offset) - center) / width``; exact inverse ``x = offset + exp(center + width s)``.

    Attributes:
        offset: physical value below every value transformed (the log-normal's lower bound).
        center: ``ln(x - offset)`` mapped to ``s = 0`` (dimensionless, the log of physical units).
        width: units of ``ln(x - offset)`` per unit of ``s`` (> 0).

    ``forward`` takes physical maps of any shape and returns float32; values at or below ``offset``
    are an error. ``inverse`` clips ``s`` to ``+-S_CLIP`` and returns physical values (float32).
    """

    offset: float = -1.0
    center: float = 0.0
    width: float = 1.0
    kind: str = "lognormal"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.width) and self.width > 0):
            raise InputError(f"LogNormalTransform: width must be a positive number, got {self.width}")
        if not (np.isfinite(self.offset) and np.isfinite(self.center)):
            raise InputError(f"LogNormalTransform: offset and center must be finite, got {self.offset}, {self.center}")

    @classmethod
    def fit(cls, maps, headroom: float = 0.9, margin: float = 0.05) -> "LogNormalTransform":
        """Fit to training maps (any shape, physical units).

        ``offset`` is the moment-fitted log-normal bound (:func:`shifted_lognormal_offset`); where
        that lies above the smallest value (a tail lighter than log-normal), it falls back to
        ``min - margin * (median - min)`` as in :meth:`CosmoGANTransform.fit`. ``center`` is the mean
        of ``ln(x - offset)`` and ``width`` puts the furthest training value at ``|s| = headroom``.
        """
        x = _finite_values(maps, "LogNormalTransform.fit")
        if not 0 < headroom < 1:
            raise InputError(f"LogNormalTransform.fit: headroom must lie in (0, 1), got {headroom}")
        offset, lo = shifted_lognormal_offset(x), float(x.min())
        if offset >= lo:
            offset = _below_minimum(x, float(np.median(x)), margin)
        u = np.log(x - offset)
        center = float(u.mean())
        return cls(offset=float(offset), center=center, width=float(np.abs(u - center).max()) / headroom)

    def forward(self, x) -> np.ndarray:
        """Physical values -> network space (float32, same shape)."""
        y = np.asarray(x, dtype=np.float64) - self.offset
        if y.size and float(y.min()) <= 0:
            raise InputError(
                f"pixel transform: a value {float(y.min()) + self.offset:.6g} is at or below the log-normal "
                f"transform's offset {self.offset:.6g}; refit it on data that includes such values "
                "(LogNormalTransform.fit) or lower 'offset'"
            )
        return ((np.log(y) - self.center) / self.width).astype(np.float32)

    def inverse(self, s) -> np.ndarray:
        """Network space -> physical values (float32, same shape). ``s`` is clipped to ``+-S_CLIP``."""
        s = np.clip(np.asarray(s, dtype=np.float64), -S_CLIP, S_CLIP)
        return (np.exp(self.center + self.width * s) + self.offset).astype(np.float32)

    def inverse_torch(self, s: torch.Tensor) -> torch.Tensor:
        """:meth:`inverse` on a tensor, differentiable (the statistic-matching losses use it)."""
        return (s.clamp(-S_CLIP, S_CLIP) * self.width + self.center).exp() + self.offset

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "offset": self.offset, "center": self.center, "width": self.width})

    @classmethod
    def from_json(cls, text: str | dict) -> "LogNormalTransform":
        d = json.loads(text) if isinstance(text, str) else dict(text)
        if d.get("kind") != "lognormal":
            raise InputError(f"not a log-normal pixel transform: kind={d.get('kind')!r}")
        try:
            return cls(offset=float(d["offset"]), center=float(d["center"]), width=float(d["width"]))
        except KeyError as exc:
            raise InputError(f"pixel transform JSON lacks {exc}; expected keys kind, offset, center, width") from None


PixelTransform = CosmoGANTransform | LogNormalTransform
#: the pixel transforms by name (``train_gan(pixel_transform=...)``, ``--pixel-transform``).
TRANSFORMS = {"cosmogan": CosmoGANTransform, "lognormal": LogNormalTransform}


def fit_transform(kind: str, maps) -> PixelTransform:
    """The transform named ``kind`` (a key of :data:`TRANSFORMS`) fitted to ``maps``."""
    if kind not in TRANSFORMS:
        raise InputError(f"pixel transform must be one of {', '.join(TRANSFORMS)}, got {kind!r}")
    return TRANSFORMS[kind].fit(maps)


def transform_from_json(text: str | dict | None) -> PixelTransform | None:
    """Rebuild a stored pixel transform (``None`` stays ``None``: the maps are already physical)."""
    if text is None:
        return None
    d = json.loads(text) if isinstance(text, str) else dict(text)
    kind = d.get("kind")
    if kind not in TRANSFORMS:
        raise InputError(f"unknown pixel transform kind {kind!r}; known: {', '.join(map(repr, TRANSFORMS))}")
    return TRANSFORMS[kind].from_json(d)


def as_transform(obj) -> PixelTransform | None:
    """Accept a transform, its JSON (str or dict), or None."""
    if obj is None or isinstance(obj, tuple(TRANSFORMS.values())):
        return obj
    return transform_from_json(obj)
