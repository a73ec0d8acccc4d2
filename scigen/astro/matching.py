"""Statistic matching: an optional generator loss that pulls cosmoGAN's maps toward the training set's
power spectrum and pixel distribution.

Feature matching (Salimans et al. 2016, "Improved techniques for training GANs") asks a generator to
reproduce the mean of features of the real data. Here the features are physical ones, computed on
the generated batch after the pixel transform's inverse (physical units), so they are the same
quantities :mod:`scigen.astro.stats` validates:

* **spectrum**: the batch's mean power per ring of ``|k|`` (the rings of
  :func:`scigen.astro.stats.spectrum_bins`), compared in log with the training maps' mean power:
  ``mean_b (log P_fake(b) - log P_train(b))^2``. A 5% error in every ring costs 0.0025.
* **pixels**: the batch's pixel quantiles at ``Q`` evenly spaced levels against the training
  maps', in units of the training pixels' standard deviation: ``mean_j ((q_fake(j) - q_train(j)) /
  sigma)^2``. This is the squared 1-D Wasserstein-2 distance between the two pixel distributions
  (per sigma^2), and it sees a change of amplitude that D's batch norm hides (``docs/astro.md`` §6).
* **modes** (square maps): the batch's mean power in every Fourier mode but ``k = 0`` against the
  training maps' mean power in that mode's symmetry orbit (the modes ``(+-ky, +-kx)`` and
  ``(+-kx, +-ky)``, which a statistically isotropic field on a square grid gives equal power):
  ``mean_k 2 (r_k - log r_k - 1)`` with ``r_k = P_fake(k) / P_train(k)``, every mode the same weight
  (as the P(l) statistic's chi-square weighs a fractional error in a ring by its number of modes).
  Near ``r = 1`` this is ``(log r)^2``, as the ring term; unlike a log-square, its minimum over a
  batch's noise sits at the right MEAN power (``E[r] = 1``: the Whittle form), which matters at 64
  maps per batch. A ring average can be right while single modes are not: stride-2 upsampling puts
  spikes of power at ``k = N/2, N/4, ...`` (a cosmoGAN trained with the ring term alone had 73x the
  training power at ``(32, 32)`` and 0.5x at its neighbours, ``docs/astro.md`` §6); this term sees
  each of them.
* **means**: the spread of the maps' means, which no other term sees (the modes term leaves out
  ``k = 0``, and the pooled pixel quantiles cannot tell an offset between maps from a wider
  distribution within them): ``((mean_b m - mu) / sigma)^2 + ((std_b m - s) / sigma)^2`` for the
  batch's map means ``m`` against the training maps' mean ``mu`` and spread ``s`` of their means, in
  units of the pixels' standard deviation ``sigma``. Mean-subtracted data (``s = 0``) works the
  same way. A cosmoGAN matched on the other terms drew maps whose means scattered 7.5x as much as the
  training maps' (18% of the pixel rms against 2.4%, ``docs/astro.md`` §6).

The targets come from ALL training maps (:func:`match_target`), so the loss has no noise from a real
batch; they are stored in the model's config. What the losses pull on is also what the report
checks: a matched model's P(l) and pixel histogram are no longer independent tests of the
network, while V1, V2, peak counts and the classifier test still are.
"""

from __future__ import annotations

import numpy as np
import torch

from scigen.astro.transforms import S_CLIP
from scigen.errors import InputError

MATCH_QUANTILES = 256  # quantile levels (j + 0.5) / Q of the pixel loss


def _ring_matrix(shape: tuple[int, int]) -> np.ndarray:
    """Dense (B, H * (W//2+1)) averaging operator of the power spectrum's rings (float64)."""
    from scigen.astro.stats import spectrum_bins

    return np.asarray(spectrum_bins(tuple(shape)).matrix.todense())


def mode_orbits(size: int) -> np.ndarray:
    """(size, size//2 + 1) int index of each ``rfft2`` mode's orbit under the square's symmetries.

    Modes whose ``{|ky|, |kx|}`` agree share an orbit; orbit ``(a, b)`` with ``a >= b`` is number
    ``a (a + 1) / 2 + b``, so there are ``(size/2 + 1)(size/2 + 2) / 2`` of them.
    """
    ky = np.abs(np.fft.fftfreq(size, 1.0 / size)).round().astype(np.int64)[:, None]
    kx = np.arange(size // 2 + 1, dtype=np.int64)[None, :]
    a, b = np.maximum(ky, kx), np.minimum(ky, kx)
    return a * (a + 1) // 2 + b


def match_target(maps: np.ndarray, n_quantiles: int = MATCH_QUANTILES) -> dict:
    """The matching targets of training maps (N, H, W) in physical units, as JSON-able lists.

    Returns ``{"log_power": (B,) log of the mean |FFT|^2 / (H W) per ring, "quantiles": (Q,) pixel
    quantiles at levels (j + 0.5) / Q, "pixel_std": the pixels' standard deviation, "map_mean" and
    "map_mean_std": the mean and standard deviation of the maps' means, "shape": [H, W]}`` and, for
    square maps, ``"mode_log_power"``: log of the mean |FFT|^2 / (H W) per orbit of
    :func:`mode_orbits` (all maps, all modes of the orbit).
    """
    from scigen.astro.stats import spectrum_bins

    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3 or not np.all(np.isfinite(maps)):
        raise InputError(f"statistic matching needs finite maps (N, H, W); got shape {maps.shape}")
    n, h, w = maps.shape
    # one FFT pass (in chunks, to keep memory small for large training sets): the mean |FFT|^2 / (H W)
    # of every rfft2 mode, binned into the P(l) statistic's rings and into the square's orbits
    chunks = range(0, n, 512)
    mode_power = sum((np.abs(np.fft.rfft2(maps[i:i + 512])) ** 2).sum(axis=0) for i in chunks) / (n * h * w)
    levels = (np.arange(n_quantiles) + 0.5) / n_quantiles
    target = {"log_power": np.log(spectrum_bins((h, w)).average(mode_power)).tolist(),
              "quantiles": np.quantile(maps, levels).tolist(), "pixel_std": float(maps.std()), "shape": [h, w]}
    means = maps.mean(axis=(1, 2))
    target.update(map_mean=float(means.mean()), map_mean_std=float(means.std()))
    if h == w:
        orbits = mode_orbits(h).ravel()
        orbit_power = np.bincount(orbits, mode_power.ravel()) / np.bincount(orbits)
        target["mode_log_power"] = np.log(np.maximum(orbit_power, np.finfo(float).tiny)).tolist()
    return target


class StatisticMatcher(torch.nn.Module):
    """The two matching losses of a batch of generated maps in the network's tanh space.

    Args:
        target: :func:`match_target`'s dict.
        transform: the model's :class:`~scigen.astro.transforms.CosmoGANTransform` (None: the network
            works in physical units).

    ``forward(s)`` takes (B, 1, H, W) or (B, H, W) tanh-space maps and returns a dict of scalar losses
    (float32, differentiable): ``spectrum``, ``pixels``, ``means`` when the target has the maps' means
    (targets written before that term lack them) and, when it has per-mode power (square maps),
    ``modes``.
    """

    def __init__(self, target: dict, transform=None) -> None:
        super().__init__()
        try:
            h, w = (int(v) for v in target["shape"])
            log_power, quantiles = target["log_power"], target["quantiles"]
            pixel_std = float(target["pixel_std"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"statistic-matching target is malformed ({exc}); rebuild it with "
                             "scigen.astro.matching.match_target(training_maps)") from None
        self.shape, self.transform = (h, w), transform
        self.register_buffer("rings", torch.tensor(_ring_matrix((h, w)), dtype=torch.float32), persistent=False)
        self.register_buffer("log_power", torch.tensor(log_power, dtype=torch.float32), persistent=False)
        self.register_buffer("quantiles", torch.tensor(quantiles, dtype=torch.float32), persistent=False)
        if self.rings.shape[0] != self.log_power.numel() or pixel_std <= 0:
            raise InputError("statistic-matching target does not fit these maps: rebuild it with match_target")
        self.pixel_std = pixel_std
        self.has_means = "map_mean_std" in target
        if self.has_means:
            self.map_means = (float(target["map_mean"]), float(target["map_mean_std"]))
        self.has_modes = "mode_log_power" in target
        if self.has_modes:
            orbits = mode_orbits(h)
            mode_log_power = np.asarray(target["mode_log_power"], dtype=np.float64)
            if h != w or mode_log_power.shape != (int(orbits.max()) + 1,):
                raise InputError("statistic-matching target's per-mode power does not fit these maps: "
                                 "rebuild it with match_target")
            # every mode but k = 0: a map's mean is not a fluctuation (and is 0 in mean-subtracted data)
            self.register_buffer("mode_power", torch.tensor(np.exp(mode_log_power[orbits]).ravel()[1:],
                                                            dtype=torch.float32), persistent=False)

    def physical(self, s: torch.Tensor) -> torch.Tensor:
        """Tanh-space maps -> physical maps (B, H, W) float32, differentiable (the transform's inverse)."""
        s = s.float().reshape(-1, *self.shape)
        t = self.transform
        if t is None:
            return s
        s = s.clamp(-S_CLIP, S_CLIP)
        return t.a * (1.0 + s) / (1.0 - s) * t.scale + t.offset

    def forward(self, s: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.autocast(s.device.type, enabled=False):  # float32 throughout, also under mixed precision
            x = self.physical(s)
            h, w = self.shape
            ft = torch.fft.rfft2(x)
            power = (ft.real ** 2 + ft.imag ** 2).mean(dim=0).reshape(-1) / (h * w)
            losses = {"spectrum": ((torch.log(self.rings @ power) - self.log_power) ** 2).mean()}
            flat = torch.sort(x.reshape(-1)).values
            q = self.quantiles.numel()
            index = ((torch.arange(q, device=x.device) + 0.5) * (flat.numel() / q)).long()
            losses["pixels"] = (((flat[index] - self.quantiles) / self.pixel_std) ** 2).mean()
            if self.has_means and len(x) > 1:
                means, (mu, spread) = x.mean(dim=(1, 2)), self.map_means
                losses["means"] = ((means.mean() - mu) ** 2 + (means.std() - spread) ** 2) / self.pixel_std ** 2
            if self.has_modes:
                ratio = power[1:].clamp_min(1e-30) / self.mode_power
                losses["modes"] = 2.0 * (ratio - torch.log(ratio) - 1.0).mean()
        return losses
