"""The astro domain's generative models, trained through ``scigen.engine``.

* :class:`CosmoGAN` ("astro.cosmogan") — the DCGAN of Mustafa et al. (arXiv:1706.02390) for
  convergence maps: latent 64, 5x5 kernels, stride 2, batch norm, non-saturating loss, Adam 2e-4 /
  beta1 0.5, label flipping. It trains on maps carried into tanh space by a stored pixel transform
  (:mod:`scigen.astro.transforms`: the paper's squash by default) and ``sample`` returns maps in
  PHYSICAL units.
* :class:`GalaxyVAE` ("astro.galaxy_vae") — convolutional VAE for colour or grey galaxy images of any
  size :func:`scigen.nn.plan_resolution` can reach: reconstruction, sampling, latent interpolation.
* :class:`GalaxyACGAN` ("astro.galaxy_acgan") — class-conditional DCGAN with an auxiliary classifier
  head (AC-GAN, Odena, Olah & Shlens, arXiv:1610.09585): a galaxy of a chosen type, and the
  discriminator's classifier.

Images go in and come out as (N, C, H, W) float32 in [0, 1]; maps as (N, H, W) float32 in the data's
own units. Every constructor argument is JSON (it is the checkpoint's config).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from scigen.engine.model import Model, register_model
from scigen.engine.schedules import linear_decay, scale_learning_rates
from scigen.nn import (ConvDecoder, ConvEncoder, DCGANDiscriminator, DCGANGenerator, averaged_copy,
                       batch_statistics, ema_decay, kl_divergence, r1_penalty, recalibrate_batch_norm,
                       reparameterize, update_average)

D_BATCHES = ("separate", "joint")  # how real and generated maps meet D's batch norm
D_NORMS = ("batch", "spectral")
SAMPLE_NORMS = ("running", "batch")  # the generator's batch norm when sampling
EMA_CALIBRATION_BATCH, EMA_CALIBRATION_BATCHES = 64, 16  # 1,024 noise vectors for the average's batch-norm statistics


def _adam(params, lr: float, beta1: float) -> torch.optim.Adam:
    return torch.optim.Adam(params, lr=lr, betas=(beta1, 0.999))


def _noisy_targets(n: int, value: float, flip: float, device) -> torch.Tensor:
    """Targets ``value`` (1 real, 0 fake), each flipped to ``1 - value`` with probability ``flip``."""
    target = torch.full((n,), float(value), device=device)
    return torch.where(torch.rand(n, device=device) < flip, 1.0 - target, target) if flip > 0 else target


@register_model("astro.cosmogan")
class CosmoGAN(Model):
    """DCGAN for (H, W) maps, sized by the map size; samples are maps in physical units.

    Architecture (Mustafa et al., ANCHORS.md): G: z (64) -> linear -> s x s x 512 -> BN-ReLU -> 5x5
    stride-2 transposed convolutions halving the channels (BN-ReLU) -> 5x5 stride-2 transposed
    convolution to 1 channel, tanh. D: 5x5 stride-2 convolutions 64 (LeakyReLU 0.2, no BN), 128,
    256, 512 (BN + LeakyReLU) -> linear logit. ``s = map_size / 16`` (four x2 stages, from
    :func:`scigen.nn.plan_resolution`): 4 for 64x64 maps, 8 for 128, 16 for 256 (the paper's). Init
    N(0, 0.02); non-saturating loss; real/fake labels of D flipped with probability ``label_flip``.

    Args:
        map_size: pixels per side (64, 128, 256; any even size plan_resolution can reach).
        latent_dim: noise dimension (64).
        width: channels of the finest stage (64 in the paper; the coarser stages double up to
            ``max_width``). Smaller widths train much faster on a CPU.
        kernel_size: 5 (the paper).
        padding_mode: "zeros" (the paper) or "circular" (both networks see a torus: for periodic
            maps such as the simulator's).
        upsample: "transpose" (the paper's stride-2 transposed convolutions), "transpose_blur" (the
            same, each hidden stage followed by a fixed binomial low-pass), "nearest" or
            "bilinear" (x2 upsampling then a convolution: no checkerboard pattern in the power
            spectrum, Odena, Dumoulin & Olah 2016; about twice the generator's compute).
        minibatch_std: append the batch-spread feature to D (off in the paper).
        d_batch: "separate" (the paper, DCGAN): real and generated maps go through D in batches of
            their own, so D's batch norm normalises each by its own statistics and hides a common
            change of amplitude from D (a D trained to tell real maps from the same maps at 95%
            amplitude stays at 53-57% on held-out maps; ``docs/astro.md`` section 6). "joint": one
            batch of both, in the D step and the G step, sharing the statistics (98% on the same test).
        d_norm: D's normalisation: "batch" (the paper) or "spectral" (no batch norm; spectral
            normalisation of every layer, Miyato et al. 2018: D judges each map on its own).
        lr, beta1: Adam settings of both networks (2e-4, 0.5).
        lr_decay, lr_final: [start, end] steps of a linear decay of both learning rates to ``lr_final``
            x lr (then constant); None (the paper): constant.
        match_spectrum, match_pixels, match_modes, match_means, match_smoothed, match_boundary,
        match_histogram: weights of the statistic-matching generator losses (:mod:`scigen.astro.matching`:
            the batch's log power per ring, pixel quantiles, power in every Fourier mode, spread of the
            maps' means, smoothed maps' pixel quantiles and contour length per threshold, and pixel
            histogram, against the training set's), added to the non-saturating loss. 0 (the paper): off.
        match_target: their targets (:func:`scigen.astro.matching.match_target` of the training maps;
            ``train_gan`` computes it), required when any weight is positive.
        label_flip: probability of swapping a D target (0.01).
        r1: weight gamma of the R1 penalty on D, gamma/2 x E||grad_x D(x)||^2 over real maps (Mescheder,
            Geiger & Nowozin 2018: it damps the oscillation around the equilibrium), computed every
            ``r1_every`` D steps with gamma x r1_every (lazy regularisation, Karras et al. 2020).
            0 (the paper): off.
        ema: decay of an exponential moving average of the generator's weights, updated after each
            generator step (0.999 in progressive GANs); sampling then uses the average, with its
            batch-norm statistics re-estimated on 1,024 fixed noise vectors (BigGAN's "standing
            statistics"). None (the paper): sample the last generator.
        sample_norm: the generator's batch norm when sampling: "running" (stored statistics, each
            map on its own) or "batch" (each batch of ``sample_batch`` maps by its own statistics, as
            in training, where the losses, matching included, were met; ``docs/astro.md`` §6).
        sample_batch: maps per batch when ``sample_norm="batch"`` (``train_gan``: the training batch).
        transform: the pixel transform as a dict (``json.loads(transform.to_json())``); the
            network works in its tanh space. None: the data already lie in [-1, 1].
        map_attrs: geometry and units of the training maps (``fov_deg``, ``pixel_arcmin``,
            ``units``), carried into generated sample sets and FITS headers.

    ``sample(n, generator=g)`` returns (n, H, W) float32 in PHYSICAL units on the CPU (the tanh
    outputs passed through ``transform.inverse``); ``sample_network`` returns the raw
    (n, 1, H, W) tanh-space outputs.
    """

    def __init__(self, map_size: int = 64, latent_dim: int = 64, width: int = 64, max_width: int = 512,
                 kernel_size: int = 5, padding_mode: str = "zeros", upsample: str = "transpose",
                 minibatch_std: bool = False, lr: float = 2e-4, beta1: float = 0.5, label_flip: float = 0.01,
                 lr_decay: list[int] | None = None, lr_final: float = 0.05,
                 ema: float | None = None, d_batch: str = "separate", d_norm: str = "batch",
                 match_spectrum: float = 0.0, match_pixels: float = 0.0, match_modes: float = 0.0,
                 match_means: float = 0.0, match_smoothed: float = 0.0, match_target: dict | None = None,
                 match_boundary: float = 0.0, match_histogram: float = 0.0, sample_norm: str = "running",
                 sample_batch: int = 64, r1: float = 0.0, r1_every: int = 4, transform: dict | None = None,
                 map_attrs: dict | None = None) -> None:
        super().__init__()
        from scigen.astro.transforms import as_transform

        for name, value, options in (("padding_mode", padding_mode, ("zeros", "circular")), ("d_batch", d_batch, D_BATCHES),
                                     ("d_norm", d_norm, D_NORMS), ("sample_norm", sample_norm, SAMPLE_NORMS)):
            if value not in options:
                raise ValueError(f"{name} must be one of {options}, got {value!r}")
        if ema is not None and not 0.0 < ema < 1.0:
            raise ValueError(f"ema must be a decay in (0, 1) (e.g. 0.999) or None, got {ema!r}")
        if r1 < 0 or int(r1_every) < 1:
            raise ValueError(f"r1 must be >= 0 and r1_every >= 1, got r1={r1!r}, r1_every={r1_every!r}")
        self.r1, self.r1_every, self._last_r1 = float(r1), int(r1_every), torch.zeros(())
        if sample_batch < 2:
            raise ValueError(f"sample_batch must be >= 2, got {sample_batch!r}")
        self.d_batch, self.sample_norm, self.sample_batch = d_batch, sample_norm, int(sample_batch)
        self.latent_dim, self.lr, self.beta1, self.label_flip = latent_dim, lr, beta1, label_flip
        self.lr_factor = None if lr_decay is None else linear_decay(*lr_decay, float(lr_final))
        self.map_size, self.ema = map_size, ema
        self.transform = as_transform(transform)
        self.map_attrs = dict(map_attrs or {})
        self.generator = DCGANGenerator(map_size, 1, latent_dim, width=width, max_width=max_width,
                                        kernel_size=kernel_size, padding_mode=padding_mode, upsample=upsample,
                                        out_act="tanh")
        self.discriminator = DCGANDiscriminator(map_size, 1, width=width, max_width=max_width,
                                                kernel_size=kernel_size, padding_mode=padding_mode,
                                                minibatch_std=minibatch_std,
                                                norm="batch" if d_norm == "batch" else None,
                                                spectral=d_norm == "spectral")
        self.generator_ema = averaged_copy(self.generator) if ema else None
        self._ema_calibrated = False  # batch-norm statistics of the average: re-estimated before sampling
        self.match_weights = {"spectrum": float(match_spectrum), "pixels": float(match_pixels),
                              "modes": float(match_modes), "means": float(match_means),
                              "smoothed": float(match_smoothed), "boundary": float(match_boundary),
                              "histogram": float(match_histogram)}
        self.matcher = None
        if min(self.match_weights.values()) < 0:
            raise ValueError(f"statistic-matching weights must be >= 0, got {self.match_weights}")
        if max(self.match_weights.values()) > 0:
            from scigen.astro.matching import StatisticMatcher, check_target_terms

            if match_target is None:
                raise ValueError("statistic matching needs match_target: "
                                 "scigen.astro.matching.match_target(training_maps) (train_gan computes it)")
            check_target_terms(match_target, self.match_weights)
            self.matcher = StatisticMatcher(match_target, self.transform,
                                            terms=[k for k, w in self.match_weights.items() if w > 0])

    def configure_optimizers(self):
        return {"discriminator": _adam(self.discriminator.parameters(), self.lr, self.beta1),
                "generator": _adam(self.generator.parameters(), self.lr, self.beta1)}

    def configure_schedulers(self, optimizers):
        return scale_learning_rates(optimizers, self.lr_factor)

    def load_state_dict(self, state_dict, *args, **kwargs):
        self._ema_calibrated = False  # new weights: the average's statistics are measured again
        return super().load_state_dict(state_dict, *args, **kwargs)

    def training_step(self, batch, ctx):
        real = batch["samples"]  # (B, 1, H, W) in tanh space
        if real.dim() == 3:
            real = real.unsqueeze(1)
        b = real.shape[0]
        z = torch.randn(b, self.latent_dim, device=real.device)
        with ctx.frozen("generator"):
            fake = self.generator(z)
        penalise = self.r1 > 0 and ctx.step % self.r1_every == 0
        if penalise:
            real = real.detach().requires_grad_(True)
        d_real, d_fake = self._judge(real, fake)
        loss_d = (F.binary_cross_entropy_with_logits(d_real, _noisy_targets(b, 1.0, self.label_flip, real.device))
                  + F.binary_cross_entropy_with_logits(d_fake, _noisy_targets(b, 0.0, self.label_flip, real.device)))
        if penalise:
            penalty = r1_penalty(d_real, real)
            ctx.optimize("discriminator", loss_d + 0.5 * self.r1 * self.r1_every * penalty)
            self._last_r1, real = penalty.detach(), real.detach()
        else:
            ctx.optimize("discriminator", loss_d)
        with ctx.frozen("discriminator"):
            fake = self.generator(z)
            d_gen = self._judge(real, fake)[1] if self.d_batch == "joint" else self.discriminator(fake)
            loss_g = F.softplus(-d_gen).mean()  # non-saturating: -log D(G(z))
            total_g, matched = loss_g, {}
            if self.matcher is not None:  # logged apart: loss_g stays the adversarial loss alone
                losses = self.matcher(fake)
                matched = {f"match_{name}": loss for name, loss in losses.items()}
                total_g = loss_g + sum(self.match_weights[name] * loss for name, loss in losses.items())
        ctx.optimize("generator", total_g)
        if self.generator_ema is not None:
            update_average(self.generator_ema, self.generator, ema_decay(self.ema, ctx.step))
            self._ema_calibrated = False
        r1 = {"r1_penalty": self._last_r1} if self.r1 > 0 else {}  # the latest computed
        return {"loss_d": loss_d, "loss_g": loss_g, "d_real": torch.sigmoid(d_real).mean(),
                "d_fake": torch.sigmoid(d_fake).mean(), **matched, **r1}

    def _judge(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits (B,) of the real and the generated maps, in separate batches or one (``d_batch``)."""
        if self.d_batch == "joint":
            logits = self.discriminator(torch.cat([real, fake.to(real.dtype)]))
            return logits[: len(real)], logits[len(real):]
        return self.discriminator(real), self.discriminator(fake)

    @torch.no_grad()
    def sample_network(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, 1, H, W) generator outputs in tanh space (noise drawn from ``generator``), from the
        averaged generator when the model keeps one (``ema``), batch norm as ``sample_norm`` says."""
        if self.sample_norm == "batch":  # whole batches of the training size; the padding is dropped
            b = self.sample_batch
            z = torch.randn(-(-n // b) * b, self.latent_dim, generator=generator, device="cpu").to(self.device)
            with batch_statistics(self.generator if self.generator_ema is None else self.generator_ema) as net:
                return torch.cat([net(z[i:i + b]).float() for i in range(0, len(z), b)])[:n]
        z = torch.randn(n, self.latent_dim, generator=generator, device="cpu").to(self.device)
        if self.generator_ema is None:
            return self.generator(z).float()
        if not self._ema_calibrated:  # standing statistics of the averaged weights, from fixed noise
            noise = torch.Generator().manual_seed(0)
            recalibrate_batch_norm(self.generator_ema, lambda i: torch.randn(
                EMA_CALIBRATION_BATCH, self.latent_dim, generator=noise).to(self.device), EMA_CALIBRATION_BATCHES)
            self._ema_calibrated = True
        return self.generator_ema(z).float()

    def to_physical(self, s: torch.Tensor | np.ndarray) -> torch.Tensor:
        """Tanh-space maps (N, 1, H, W) or (N, H, W) -> physical maps (N, H, W) float32 (CPU)."""
        arr = s.detach().cpu().numpy() if isinstance(s, torch.Tensor) else np.asarray(s)
        if arr.ndim == 4:
            arr = arr[:, 0]
        if self.transform is not None:
            arr = self.transform.inverse(arr)
        return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        """(n, H, W) float32 maps in physical units (CPU tensor)."""
        return self.to_physical(self.sample_network(n, generator=generator))


@register_model("astro.galaxy_vae")
class GalaxyVAE(Model):
    """Convolutional VAE for (C, H, W) images in [0, 1] (C = 1 or 3, H = W any plan_resolution size).

    Encoder: stride-2 convolutions (BN, LeakyReLU) -> (mu, log sigma^2); decoder: a DCGAN generator
    giving Bernoulli logits per pixel. Loss: binary cross-entropy summed over pixels plus
    ``beta`` x KL(q(z|x) || N(0, I)), ``beta`` rising linearly to ``kl_weight`` over
    ``kl_warmup_steps`` (Bowman et al. 2016), the usual guard against an unused latent space.

    ``reconstruct(x)`` decodes the posterior means; ``encode`` gives (mu, logvar); ``decode(z)``
    images in [0, 1]; ``sample(n)`` (n, C, H, W) float32 in [0, 1] decoded from prior draws.
    """

    def __init__(self, image_size: int = 64, channels: int = 3, latent_dim: int = 32, width: int = 32,
                 max_width: int = 256, lr: float = 1e-3, kl_weight: float = 1.0, kl_warmup_steps: int = 500) -> None:
        super().__init__()
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 (grey) or 3 (colour), got {channels}")
        self.latent_dim, self.lr, self.kl_weight, self.kl_warmup_steps = latent_dim, lr, kl_weight, kl_warmup_steps
        self.image_size, self.channels = image_size, channels
        self.encoder = ConvEncoder(image_size, channels, latent_dim, width=width, max_width=max_width)
        self.decoder = ConvDecoder(image_size, channels, latent_dim, width=width, max_width=max_width, out_act=None)

    def configure_optimizers(self):
        return {"vae": torch.optim.Adam(self.parameters(), lr=self.lr)}

    def training_step(self, batch, ctx):
        x = batch["samples"]
        mu, logvar = self.encoder(x)
        logits = self.decoder(reparameterize(mu, logvar))
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()
        kl = kl_divergence(mu, logvar).mean()
        beta = self.kl_weight * min(1.0, (ctx.step + 1) / max(1, self.kl_warmup_steps))
        loss = recon + beta * kl
        ctx.optimize("vae", loss)
        mse = F.mse_loss(torch.sigmoid(logits.detach()), x)
        return {"loss": loss, "recon": recon, "kl": kl, "mse": mse}

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, C, H, W) images in [0, 1] -> (mu, logvar), each (N, latent_dim)."""
        return self.encoder(torch.as_tensor(x, dtype=torch.float32).to(self.device))

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(N, latent_dim) codes -> (N, C, H, W) float32 images in [0, 1]."""
        return torch.sigmoid(self.decoder(torch.as_tensor(z, dtype=torch.float32).to(self.device))).float()

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Decoded posterior means of ``x`` (N, C, H, W) -> (N, C, H, W) in [0, 1]."""
        return self.decode(self.encode(x)[0])

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        z = torch.randn(n, self.latent_dim, generator=generator, device="cpu")
        return self.decode(z)


@register_model("astro.galaxy_acgan")
class GalaxyACGAN(Model):
    """Class-conditional DCGAN with an auxiliary classifier (AC-GAN) for (C, H, W) images in [0, 1].

    G embeds the class and draws an image (tanh, mapped to [0, 1] outside the network); D returns a
    realness logit and class logits. D minimises the real/fake loss plus ``aux_weight`` x the class
    cross-entropy on real AND generated images; G the non-saturating loss plus the class
    cross-entropy of its images (Odena et al. 2017).

    Args:
        image_size, channels: the images' size and channels (1 or 3).
        n_classes, class_names: number of classes and their names (e.g. elliptical, spiral, barred).
        latent_dim, width, max_width, kernel_size: network sizes (see :class:`scigen.nn.DCGANGenerator`).
        lr, beta1: Adam settings (2e-4, 0.5). aux_weight: weight of the class losses.
        label_flip: probability of swapping a D real/fake target (0 = off).

    ``sample(n, condition=labels)``: ``condition`` is a class index, a class name, an (n,) tensor of
    indices, or None (uniform random classes from ``generator``); returns (n, C, H, W) float32 in
    [0, 1]. :meth:`sample_with_labels` also returns the labels; :meth:`classify` gives D's class
    probabilities for images.
    """

    def __init__(self, image_size: int = 32, channels: int = 3, n_classes: int = 3, class_names: list | None = None,
                 latent_dim: int = 64, width: int = 32, max_width: int = 256, kernel_size: int = 4,
                 lr: float = 2e-4, beta1: float = 0.5, aux_weight: float = 1.0, label_flip: float = 0.0) -> None:
        super().__init__()
        if n_classes < 2:
            raise ValueError(f"an AC-GAN needs at least 2 classes, got {n_classes}")
        if class_names is not None and len(class_names) != n_classes:
            raise ValueError(f"class_names has {len(class_names)} entries for {n_classes} classes")
        self.latent_dim, self.n_classes, self.lr, self.beta1 = latent_dim, n_classes, lr, beta1
        self.aux_weight, self.label_flip = aux_weight, label_flip
        self.class_names = list(class_names) if class_names else [str(i) for i in range(n_classes)]
        self.image_size, self.channels = image_size, channels
        self.generator = DCGANGenerator(image_size, channels, latent_dim, width=width, max_width=max_width,
                                        kernel_size=kernel_size, n_classes=n_classes, out_act="tanh")
        self.discriminator = DCGANDiscriminator(image_size, channels, width=width, max_width=max_width,
                                                kernel_size=kernel_size, n_classes=n_classes, class_mode="aux")

    def configure_optimizers(self):
        return {"discriminator": _adam(self.discriminator.parameters(), self.lr, self.beta1),
                "generator": _adam(self.generator.parameters(), self.lr, self.beta1)}

    def training_step(self, batch, ctx):
        real = batch["samples"] * 2.0 - 1.0
        labels = batch["labels"].long()
        b, dev = real.shape[0], real.device
        z = torch.randn(b, self.latent_dim, device=dev)
        fake_labels = torch.randint(0, self.n_classes, (b,), device=dev)
        with ctx.frozen("generator"):
            fake = self.generator(z, fake_labels)
        logit_r, cls_r = self.discriminator(real)
        logit_f, cls_f = self.discriminator(fake)
        loss_adv = (F.binary_cross_entropy_with_logits(logit_r, _noisy_targets(b, 1.0, self.label_flip, dev))
                    + F.binary_cross_entropy_with_logits(logit_f, _noisy_targets(b, 0.0, self.label_flip, dev)))
        loss_cls = F.cross_entropy(cls_r, labels) + F.cross_entropy(cls_f, fake_labels)
        loss_d = loss_adv + self.aux_weight * loss_cls
        ctx.optimize("discriminator", loss_d)
        with ctx.frozen("discriminator"):
            logit_g, cls_g = self.discriminator(self.generator(z, fake_labels))
            loss_g = F.softplus(-logit_g).mean() + self.aux_weight * F.cross_entropy(cls_g, fake_labels)
        ctx.optimize("generator", loss_g)
        acc = (cls_r.detach().argmax(1) == labels).float().mean()
        return {"loss_d": loss_d, "loss_g": loss_g, "loss_cls": loss_cls, "train_class_acc": acc}

    def class_labels(self, n: int, condition=None, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n,) int64 class indices for ``condition`` (see the class docstring)."""
        if condition is None:
            return torch.randint(0, self.n_classes, (n,), generator=generator)
        if isinstance(condition, str):
            if condition not in self.class_names:
                raise ValueError(f"unknown class {condition!r}; this model knows {self.class_names}")
            condition = self.class_names.index(condition)
        labels = torch.as_tensor(condition, dtype=torch.long).cpu().reshape(-1)
        if labels.numel() == 1:
            labels = labels.expand(n).clone()
        if labels.shape != (n,):
            raise ValueError(f"condition must be one class or (n,) = ({n},) class indices, "
                             f"got shape {tuple(labels.shape)}")
        if labels.min() < 0 or labels.max() >= self.n_classes:
            raise ValueError(f"class indices must lie in 0..{self.n_classes - 1}, got {labels.min()}..{labels.max()}")
        return labels

    @torch.no_grad()
    def sample_with_labels(self, n: int, condition=None, *, generator: torch.Generator | None = None):
        """((n, C, H, W) float32 images in [0, 1], (n,) int64 labels) for the requested classes."""
        labels = self.class_labels(n, condition, generator)
        z = torch.randn(n, self.latent_dim, generator=generator, device="cpu")
        images = self.generator(z.to(self.device), labels.to(self.device))
        return ((images.float() + 1.0) / 2.0).clamp(0.0, 1.0).cpu(), labels

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        return self.sample_with_labels(n, condition, generator=generator)[0]

    @torch.no_grad()
    def classify(self, images, batch_size: int = 256) -> torch.Tensor:
        """The discriminator's class probabilities (N, n_classes) for images (N, C, H, W) in [0, 1]."""
        x = torch.as_tensor(images, dtype=torch.float32)
        out = []
        for i in range(0, len(x), batch_size):
            _, logits = self.discriminator(x[i:i + batch_size].to(self.device) * 2.0 - 1.0)
            out.append(torch.softmax(logits.float(), dim=1).cpu())
        return torch.cat(out)
