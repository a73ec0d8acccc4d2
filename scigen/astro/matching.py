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
* **smoothed**: the pixel quantiles of the maps after the Gaussian smoothing of the Minkowski and
  peak statistics (``smoothing_px``, 2 px), against the smoothed training maps', in units of their
  standard deviation (as ``pixels``). The one-point distribution at one scale does not fix it at
  another: a cosmoGAN matched on the raw pixels drew the right raw tail as small, incoherent hot
  spots, so its smoothed maps were less skewed (0.65 against 0.79) and fell short of the training
  maps' area above 1.5-3 sigma by 4-8 standard errors (V0 at 6 floors, ``docs/astro.md`` §6).
* **boundary**: the length of the smoothed maps' iso-contours per threshold, i.e. the Minkowski
  functional V1: ``V1(nu) = mean over pixels of K_h(t - nu) |grad t| / 4`` for the smoothed maps
  ``t`` in units of the training maps' smoothed mean and standard deviation, with the delta function
  of the V1 statistic replaced by a Gaussian ``K_h`` of the thresholds' spacing ``h`` so that it has a
  gradient (:func:`soft_boundary_length`), at the statistic's thresholds ``nu``:
  ``mean_nu ((V1_fake(nu) - V1_train(nu)) / max V1_train)^2``. Matched on the other four terms,
  one training seed drew maps whose low regions were cut by 2-4% too much contour at -1.25..-0.25
  sigma (gradient rms 1.2% high; V1 8 floors at 1,000 maps, ``docs/astro.md`` §6).
* **histogram**: the pixel histogram statistic itself: each map's density of pixel values on the
  validation's bins (:func:`scigen.astro.stats.histogram_edges` of the training maps; cloud-in-cell
  binning, :func:`soft_histogram`, so that it has a gradient), the batch's mean against the
  training maps', per bin in units of the training maps' map-to-map variance of that bin (a
  diagonal chi-square, the scale of the statistic's noise floor). The batch's bias is multiplied by
  a running average of the previous batches' bias (detached; :data:`HISTOGRAM_MOMENTUM`):
  ``mean_b (d_batch(b) - d(b)) (r(b) - d(b)) / var(b)``, so the term pulls every batch along the
  bias that persists over batches and not along one batch's noise. A plain square would also
  reward the generator for drawing maps alike (its expectation holds the batch's variance), and a
  product of the batch's two halves was exploited: with batch-norm statistics shared by the whole
  batch, the generator made the halves' errors cancel (the product averaged -0.007..-0.054 per 50
  steps, where real maps give 0 +- 0.002). The quantile term above weighs density errors in the
  shoulders and tails weakly (a 3% deficit there moves a quantile by about 0.01 sigma): six
  training seeds matched on the other terms all drew too many pixels near the mode and 2-6% too
  few at 1.5-4 sigma (histogram 2.2-4.6 floors at 1,000 maps). Measured on one seed, the term did
  not bring the histogram closer (``docs/astro.md`` §6).

The targets come from ALL training maps (:func:`match_target`), so the loss has no noise from a real
batch; they are stored in the model's config. What the losses pull on is also what the report
checks: a matched model's P(l) and pixel histogram are no longer independent tests of the
network, while V1, V2, peak counts and the classifier test still are (V0 is fitted with the
smoothed term, V1 with the boundary term). The histogram term alone keeps state between batches
(its running average, not saved: a resumed run starts it afresh).
"""

from __future__ import annotations

import numpy as np
import torch

from scigen.astro.morphology import DEFAULT_SMOOTHING_PX, DEFAULT_THRESHOLDS, smooth
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


def soft_boundary_length(t: torch.Tensor, nu: torch.Tensor, width: float, stride: int = 1) -> torch.Tensor:
    """Mean contour length per pixel of maps ``t`` (B, H, W) at thresholds ``nu`` (T,): V1 with a Gaussian delta.

    ``t`` is in units of the threshold scale (standardised maps), ``width`` the Gaussian's sigma in
    the same units; the gradient is the periodic central difference, as in
    :func:`scigen.astro.morphology.minkowski_functionals`. ``stride`` > 1 averages over every
    ``stride``-th pixel in each direction only (the gradient still from neighbouring pixels): the same
    expectation for statistically homogeneous maps, at 1/stride^2 of the cost (the term runs on every
    training step). Returns (T,), differentiable in ``t``.
    """
    gx = 0.5 * (torch.roll(t, -1, 2) - torch.roll(t, 1, 2))
    gy = 0.5 * (torch.roll(t, -1, 1) - torch.roll(t, 1, 1))
    grad = torch.sqrt(gx ** 2 + gy ** 2 + 1e-12)[:, ::stride, ::stride].reshape(-1)
    t = t[:, ::stride, ::stride]
    kernel = torch.exp(-0.5 * ((t.reshape(-1, 1) - nu) / width) ** 2) / (width * np.sqrt(2 * np.pi))
    return (grad @ kernel) / (4.0 * grad.numel())


HISTOGRAM_MOMENTUM = 0.95  # the histogram term's running average of past batches (about 20 batches)


def soft_histogram(x: torch.Tensor, edges: torch.Tensor, stride: int = 1) -> torch.Tensor:
    """(B, nb) density of each map's pixel values (maps ``x`` (B, H, W)) on equal bins ``edges`` (nb + 1,).

    Cloud-in-cell binning: a pixel splits its count between the two bins whose centres bracket it, in
    proportion to its nearness, so the density is piecewise linear, hence differentiable, in ``x``
    (a hard histogram smoothed by a one-bin triangle); normalised by all pixels, as
    :func:`scigen.astro.stats.pixel_histogram`. ``stride`` > 1 uses every ``stride``-th pixel in each
    direction only (as :func:`soft_boundary_length`).
    """
    n_bins = edges.numel() - 1
    width = edges[1] - edges[0]
    u = ((x[:, ::stride, ::stride].reshape(len(x), -1) - edges[0]) / width - 0.5).clamp(-1.0, float(n_bins))
    left = torch.floor(u).detach()
    near = u - left  # share of the right-hand bin
    counts = torch.zeros(len(x), n_bins + 2, dtype=x.dtype, device=x.device)  # bins -1 .. nb: out of range
    counts.scatter_add_(1, (left + 1).long(), 1.0 - near)
    counts.scatter_add_(1, (left + 2).long().clamp_max(n_bins + 1), near)
    return counts[:, 1:-1] / (u.shape[1] * width)


def _histogram_target(maps: np.ndarray) -> dict:
    """The histogram term's target of training maps (N, H, W): bins, mean density, its map-to-map variance."""
    from scigen.astro.stats import histogram_edges

    edges = torch.from_numpy(histogram_edges(maps))
    density = torch.cat([soft_histogram(torch.from_numpy(maps[i:i + 256]), edges)
                         for i in range(0, len(maps), 256)]).numpy()
    return {"histogram_edges": edges.tolist(), "histogram_density": density.mean(axis=0).tolist(),
            "histogram_var": density.var(axis=0).tolist()}


def _boundary_target(smoothed: np.ndarray, mean: float, std: float) -> dict:
    """The boundary term's target of smoothed training maps (N, H, W): thresholds, kernel width, V1."""
    nu = torch.tensor(DEFAULT_THRESHOLDS, dtype=torch.float64)
    width = float(np.diff(DEFAULT_THRESHOLDS).mean())
    chunks = (smoothed[i:i + 256] for i in range(0, len(smoothed), 256))
    total = sum(soft_boundary_length(torch.from_numpy((c - mean) / std), nu, width) * len(c)
                for c in chunks) / len(smoothed)
    return {"boundary_thresholds": nu.tolist(), "boundary_width": width, "boundary_length": total.tolist()}


def match_target(maps: np.ndarray, n_quantiles: int = MATCH_QUANTILES,
                 smoothing_px: float = DEFAULT_SMOOTHING_PX) -> dict:
    """The matching targets of training maps (N, H, W) in physical units, as JSON-able lists.

    Returns ``{"log_power": (B,) log of the mean |FFT|^2 / (H W) per ring, "quantiles": (Q,) pixel
    quantiles at levels (j + 0.5) / Q, "pixel_std": the pixels' standard deviation, "map_mean" and
    "map_mean_std": the mean and standard deviation of the maps' means, "smoothed_quantiles" and
    "smoothed_std": the same quantiles and standard deviation after periodic Gaussian smoothing of
    ``smoothing_px`` pixels (``"smoothing_px"``) with their mean ``"smoothed_mean"``, the boundary
    term's ``"boundary_thresholds"`` (T,) [smoothed sigma], ``"boundary_width"`` and
    ``"boundary_length"`` (T,) (:func:`soft_boundary_length`), the histogram term's
    ``"histogram_edges"`` (nb + 1,), ``"histogram_density"`` and ``"histogram_var"`` (nb,)
    (:func:`soft_histogram`), "shape": [H, W]}`` and, for square maps,
    ``"mode_log_power"``: log of the mean |FFT|^2 / (H W) per orbit of :func:`mode_orbits` (all maps,
    all modes of the orbit).
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
    if smoothing_px <= 0:
        raise InputError(f"smoothing_px must be > 0 pixels, got {smoothing_px!r}")
    smoothed = np.concatenate([smooth(maps[i:i + 512], smoothing_px) for i in chunks])
    target.update(smoothing_px=float(smoothing_px), smoothed_quantiles=np.quantile(smoothed, levels).tolist(),
                  smoothed_std=float(smoothed.std()), smoothed_mean=float(smoothed.mean()))
    target.update(_boundary_target(smoothed, target["smoothed_mean"], target["smoothed_std"]))
    target.update(_histogram_target(maps))
    if h == w:
        orbits = mode_orbits(h).ravel()
        orbit_power = np.bincount(orbits, mode_power.ravel()) / np.bincount(orbits)
        target["mode_log_power"] = np.log(np.maximum(orbit_power, np.finfo(float).tiny)).tolist()
    return target


# the target keys of the terms added after the first two (targets written before a term lack its keys)
TERM_TARGETS = {"modes": ("mode_log_power", "per-mode power"), "means": ("map_mean_std", "the spread of the maps' means"),
                "smoothed": ("smoothed_quantiles", "the smoothed maps' quantiles"),
                "boundary": ("boundary_length", "the smoothed maps' contour length"),
                "histogram": ("histogram_density", "the pixel histogram")}


def check_target_terms(target: dict, weights: dict) -> None:
    """ValueError naming the missing key when a term weighted above 0 has no target in ``target``."""
    for name, (key, what) in TERM_TARGETS.items():
        if weights.get(name, 0.0) > 0 and key not in target:
            raise ValueError(f"match_{name} needs a match_target with {what} ('{key}'): rebuild it "
                             "with scigen.astro.matching.match_target(training_maps)")


class StatisticMatcher(torch.nn.Module):
    """The matching losses of a batch of generated maps in the network's tanh space.

    Args:
        target: :func:`match_target`'s dict.
        transform: the model's pixel transform (:mod:`scigen.astro.transforms`; None: the network
            works in physical units).
        terms: the losses to compute (None: every one the target has; a model asks only for those it
            weighs, as the smoothed term costs a second FFT and sort, ~10% of a CPU training step).

    ``forward(s)`` takes (B, 1, H, W) or (B, H, W) tanh-space maps and returns a dict of scalar losses
    (float32, differentiable): ``spectrum``, ``pixels``, ``means``, ``smoothed``, ``boundary`` and
    ``histogram`` when
    the target has what they need (targets written before those terms lack it) and,
    when it has per-mode power (square maps), ``modes``; only those in ``terms``.
    """

    def __init__(self, target: dict, transform=None, terms=None) -> None:
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
        self.terms = None if terms is None else frozenset(terms)
        self.has_smoothed = "smoothed_quantiles" in target and (terms is None or "smoothed" in self.terms)
        if self.has_smoothed:
            smoothed, self.smoothed_std = target["smoothed_quantiles"], float(target["smoothed_std"])
            if len(smoothed) != len(quantiles) or self.smoothed_std <= 0:
                raise InputError("statistic-matching target's smoothed quantiles do not fit: rebuild it with "
                                 "match_target")
            self.register_buffer("smoothed_quantiles", torch.tensor(smoothed, dtype=torch.float32),
                                 persistent=False)
        self.has_boundary = "boundary_length" in target and (terms is None or "boundary" in self.terms)
        if self.has_boundary:
            self.boundary = (float(target["smoothed_mean"]), float(target["smoothed_std"]),
                             float(target["boundary_width"]), float(np.max(target["boundary_length"])))
            for name in ("boundary_thresholds", "boundary_length"):
                self.register_buffer(name, torch.tensor(target[name], dtype=torch.float32), persistent=False)
        self.has_histogram = "histogram_density" in target and (terms is None or "histogram" in self.terms)
        if self.has_histogram:
            var = np.asarray(target["histogram_var"], dtype=np.float64)
            self.register_buffer("histogram_weight", torch.tensor(1.0 / np.maximum(var, 1e-6 * var.max()),
                                                                  dtype=torch.float32), persistent=False)
            for name in ("histogram_edges", "histogram_density"):
                self.register_buffer(name, torch.tensor(target[name], dtype=torch.float32), persistent=False)
            self.histogram_running = None  # (nb,) running average of past batches' density; restarts on resume
        if self.has_smoothed or self.has_boundary:
            ky = 2 * np.pi * np.fft.fftfreq(h)[:, None]  # the window of scigen.astro.morphology.smooth
            kx = 2 * np.pi * np.fft.rfftfreq(w)[None, :]
            window = np.exp(-0.5 * (kx ** 2 + ky ** 2) * float(target["smoothing_px"]) ** 2)
            self.register_buffer("window", torch.tensor(window, dtype=torch.float32), persistent=False)
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

    def _histogram_loss(self, density: torch.Tensor) -> torch.Tensor:
        """The batch's mean density (nb,) against the target, along the running bias; updates the average."""
        current = density.detach()
        running = current if self.histogram_running is None else self.histogram_running.to(current.device)
        if torch.is_grad_enabled():
            self.histogram_running = HISTOGRAM_MOMENTUM * running + (1.0 - HISTOGRAM_MOMENTUM) * current
        return ((density - self.histogram_density) * (running - self.histogram_density) * self.histogram_weight).mean()

    def physical(self, s: torch.Tensor) -> torch.Tensor:
        """Tanh-space maps -> physical maps (B, H, W) float32, differentiable (the transform's inverse)."""
        s = s.float().reshape(-1, *self.shape)
        return s if self.transform is None else self.transform.inverse_torch(s)

    def forward(self, s: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.autocast(s.device.type, enabled=False):  # float32 throughout, also under mixed precision
            x = self.physical(s)
            h, w = self.shape
            ft = torch.fft.rfft2(x)
            power = (ft.real ** 2 + ft.imag ** 2).mean(dim=0).reshape(-1) / (h * w)
            losses = {"spectrum": ((torch.log(self.rings @ power) - self.log_power) ** 2).mean()}
            q = self.quantiles.numel()
            index = ((torch.arange(q, device=x.device) + 0.5) * (x.numel() / q)).long()
            flat = torch.sort(x.reshape(-1)).values
            losses["pixels"] = (((flat[index] - self.quantiles) / self.pixel_std) ** 2).mean()
            smoothed = torch.fft.irfft2(ft * self.window, s=(h, w)) if self.has_smoothed or self.has_boundary else None
            if self.has_smoothed:
                ordered = torch.sort(smoothed.reshape(-1)).values
                losses["smoothed"] = (((ordered[index] - self.smoothed_quantiles) / self.smoothed_std) ** 2).mean()
            if self.has_boundary:
                mean, std, width, peak = self.boundary
                v1 = soft_boundary_length((smoothed - mean) / std, self.boundary_thresholds, width, stride=2)
                losses["boundary"] = (((v1 - self.boundary_length) / peak) ** 2).mean()
            if self.has_histogram:
                losses["histogram"] = self._histogram_loss(soft_histogram(x, self.histogram_edges, stride=2).mean(0))
            if self.has_means and len(x) > 1:
                means, (mu, spread) = x.mean(dim=(1, 2)), self.map_means
                losses["means"] = ((means.mean() - mu) ** 2 + (means.std() - spread) ** 2) / self.pixel_std ** 2
            if self.has_modes:
                ratio = power[1:].clamp_min(1e-30) / self.mode_power
                losses["modes"] = 2.0 * (ratio - torch.log(ratio) - 1.0).mean()
        return losses if self.terms is None else {k: v for k, v in losses.items() if k in self.terms}
