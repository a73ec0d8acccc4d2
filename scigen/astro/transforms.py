"""The invertible pixel transform between physical map values and a network's tanh range.

cosmoGAN (Mustafa et al., arXiv:1706.02390) trains on maps squashed by ``s(x) = 2x/(x + a) - 1``
(``a = 4`` in its PyTorch port), which maps ``x in [0, inf)`` monotonically onto ``[-1, 1)`` and
``x = a`` onto 0; the inverse is ``x = a (1 + s) / (1 - s)``. Convergence maps are small numbers
of either sign (a log-normal map is bounded below by ``-shift``), so :class:`CosmoGANTransform` first
applies an affine step ``y = (x - offset) / scale`` and then the cosmoGAN squash. :meth:`fit` picks
``offset`` just below the data's minimum and ``scale`` so that the data's median lands on ``s = 0``.

The transform is stored with a model (``to_json`` / ``transform_from_json``), and statistics are
always computed after :meth:`inverse`: in physical units, never in the network's space.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from scigen.errors import InputError

#: largest |s| handed to the inverse: tanh outputs of exactly +-1 would map to +-infinity.
S_CLIP = 1.0 - 1e-6


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
        x = np.asarray(maps, dtype=np.float64)
        if x.size == 0 or not np.all(np.isfinite(x)):
            raise InputError("CosmoGANTransform.fit: the maps are empty or contain NaN/inf; mask or drop them first")
        lo, med = float(x.min()), float(np.median(x))
        spread = med - lo
        if spread <= 0:
            spread = float(x.std()) or 1.0
        offset = lo - margin * spread
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


def transform_from_json(text: str | dict | None) -> CosmoGANTransform | None:
    """Rebuild a stored pixel transform (``None`` stays ``None``: the maps are already physical)."""
    if text is None:
        return None
    d = json.loads(text) if isinstance(text, str) else dict(text)
    kind = d.get("kind")
    if kind == "cosmogan":
        return CosmoGANTransform.from_json(d)
    raise InputError(f"unknown pixel transform kind {kind!r}; known: 'cosmogan'")


def as_transform(obj) -> CosmoGANTransform | None:
    """Accept a transform, its JSON (str or dict), or None."""
    if obj is None or isinstance(obj, CosmoGANTransform):
        return obj
    return transform_from_json(obj)
