"""The ehr networks, trained through :func:`scigen.engine.fit`: a mask-aware denoising imputer and an AC-GAN.

Both work in the encoded space of a :class:`~scigen.ehr.encoding.TableEncoder` with
``numeric="standard"`` (numeric columns as z-scores), binary columns as 0/1 and categorical columns
one-hot; the encoder's JSON state is part of each model's config, so a checkpoint rebuilds the
model *and* the way back to the table's own units and categories.

``ehr.denoising_autoencoder`` (:class:`DenoisingAutoencoder`)
    Input: the encoded record with missing entries set to 0 and the observation mask (B, 2D).
    A wide MLP plus a linear skip path predicts every column: numeric means, binary logits,
    categorical logits, and a log-variance per numeric column. Training (Vincent et al. 2008's
    denoising, made mask-aware as in Gondara & Wang 2018 and GAIN's hint idea): each step hides a
    further ``drop_rate`` of the observed feature columns at random; the loss covers the observed
    entries only (squared error on numeric z-scores, cross-entropy on binary/categorical), so the
    network learns p(x_j | any observed subset). The log-variance head sits on the detached
    features and is fitted by the Gaussian likelihood of the hidden entries given the (detached)
    mean, so it never pulls the mean away from the least-squares optimum.
    Imputation: the predicted means / most probable levels (:meth:`DenoisingAutoencoder.impute`);
    multiple imputation by sequential sampling (:meth:`DenoisingAutoencoder.draw`): the missing
    columns of each row are visited in random order, each drawn from its predicted conditional
    (Gaussian, Bernoulli, categorical) and fed back as observed before the next, which samples the
    joint of the missing entries (the chain rule over an arbitrary-conditional model), not
    independent per-entry noise. ``sample(n)`` runs the same chain from an empty record.

``ehr.acgan`` (:class:`ACGAN`)
    Odena, Olah & Shlens (arXiv:1610.09585) on tables, as Hwang, Choi & Yoon (arXiv:1711.04126)
    use it for disease prediction: the generator maps noise and a class to a record (numeric
    z-scores linear; binary and categorical columns through a relaxed Bernoulli / Gumbel-softmax at
    temperature ``tau`` while training, exact draws when sampling); the discriminator has a
    real/fake head and an auxiliary class head trained on real records (and, weighted, on fakes).
    The class head is the disease predictor (:meth:`ACGAN.predict_proba`). Non-saturating loss and
    an R1 penalty on real records (Mescheder et al. 2018) keep the small-table GAN stable.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from scigen.ehr.layout import TableLayout, encoder_state, to_tensors
from scigen.engine.model import Model, register_model
from scigen.nn.gan import r1_penalty
from scigen.nn.mlp import MLP


class ImputerNetwork(nn.Module):
    """(values * mask, mask) (B, 2D) -> (means/logits (B, D), log-variances of numeric columns (B, Nn))."""

    def __init__(self, d: int, n_numeric: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.trunk = MLP(2 * d, [hidden] * (layers - 1), hidden, dropout=dropout, out_act="relu")
        self.head = nn.Linear(hidden, d)
        self.skip = nn.Linear(2 * d, d)  # the linear part of the relations between columns, directly
        self.log_var = nn.Linear(hidden, max(n_numeric, 1))

    def forward(self, x: torch.Tensor, m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = torch.cat([x * m, m], dim=1)
        h = self.trunk(z)
        return self.head(h) + self.skip(z), self.log_var(h.detach()).clamp(-12.0, 6.0)


@register_model("ehr.denoising_autoencoder")
class DenoisingAutoencoder(Model):
    """Mask-aware denoising autoencoder imputer for one table (see the module docstring).

    Batches: {"values": (B, D) float32 encoded values, 0 where missing; "mask": (B, F) float32,
    1 where the feature entry is observed and may be trained on}. ``sample(n)`` returns (n, D)
    float32 encoded records drawn by sequential sampling.

    Args:
        encoder: ``TableEncoder(schema, numeric="standard").fit(df).to_dict()``.
        hidden, layers: MLP width and number of hidden layers.
        dropout: dropout after each hidden layer.
        drop_rate: fraction of the observed feature entries hidden from the input at each step.
        lr, weight_decay: AdamW settings; the learning rate decays to 0 over ``schedule_steps``
            by a cosine (None: constant).
        var_weight: weight of the log-variance likelihood term.
    """

    def __init__(self, encoder: dict, hidden: int = 512, layers: int = 4, dropout: float = 0.0,
                 drop_rate: float = 0.3, lr: float = 1e-3, weight_decay: float = 0.0,
                 schedule_steps: int | None = None, var_weight: float = 0.1) -> None:
        super().__init__()
        self.layout = TableLayout(encoder)
        self.drop_rate, self.lr, self.weight_decay = drop_rate, lr, weight_decay
        self.schedule_steps, self.var_weight = schedule_steps, var_weight
        self.network = ImputerNetwork(self.layout.d, int(self.layout.numeric.numel()), hidden, layers, dropout)

    def configure_optimizers(self):
        return {"imputer": torch.optim.AdamW(self.network.parameters(), lr=self.lr, weight_decay=self.weight_decay)}

    def configure_schedulers(self, optimizers):
        if not self.schedule_steps:
            return {}
        return {"imputer": torch.optim.lr_scheduler.CosineAnnealingLR(optimizers["imputer"], self.schedule_steps)}

    def losses(self, x: torch.Tensor, avail: torch.Tensor, shown: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction loss over ``avail`` entries, variance NLL over avail-but-hidden numeric entries).

        x (B, D) encoded values; avail (B, F) entries that may be scored; shown (B, F) entries given as input.
        """
        lay = self.layout
        pred, log_var = self.network(x, lay.expand(shown))
        per = lay.feature_losses(pred, x)
        rec = (per * avail).sum() / avail.sum().clamp(min=1.0)
        if not lay.numeric.numel():
            return rec, rec.new_zeros(())
        i = lay.numeric.to(x.device)
        hid = (avail - shown)[:, lay.col_of[lay.numeric].to(x.device)]
        nll = 0.5 * (log_var + (x[:, i] - pred[:, i].detach()) ** 2 * torch.exp(-log_var))
        return rec, (nll * hid).sum() / hid.sum().clamp(min=1.0)

    def training_step(self, batch, ctx):
        x, avail = batch["values"], batch["mask"]
        shown = avail * (torch.rand_like(avail) >= self.drop_rate).to(avail.dtype)
        rec, nll = self.losses(x, avail, shown)
        ctx.optimize("imputer", rec + self.var_weight * nll)
        return {"loss": rec, "nll": nll}

    @torch.no_grad()
    def predict(self, x: torch.Tensor, observed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw predictions (means/logits (N, D), log-variances (N, Nn)) given (N, F) observed entries."""
        x = x.to(self.device)
        observed = observed.to(self.device, x.dtype)
        return self.network(x, self.layout.expand(observed))

    @torch.no_grad()
    def impute(self, x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        """(N, D) encoded records with every unobserved entry replaced by its point prediction."""
        x = x.to(self.device)
        pred, _ = self.predict(x, observed)
        keep = self.layout.expand(observed.to(self.device, x.dtype)) > 0
        return torch.where(keep, x, self.layout.point_values(pred))

    @torch.no_grad()
    def draw(self, x: torch.Tensor, observed: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One random completion: the missing columns of each row drawn one at a time in random order.

        x (N, D) encoded values (anything where unobserved), observed (N, F) bool/0-1. Returns (N, D);
        observed entries unchanged. All randomness comes from ``generator``.
        """
        lay = self.layout
        dev = self.device
        x = x.to(dev).clone()
        obs = observed.to(dev).bool().clone()
        n = x.shape[0]
        keys = torch.rand(n, lay.f, generator=generator).to(dev)
        keys[obs] = 2.0  # observed columns sort last
        order = keys.argsort(dim=1)
        n_missing = (~obs).sum(dim=1)
        rows = torch.arange(n, device=dev)
        for t in range(int(n_missing.max()) if n else 0):
            active = n_missing > t
            col = order[:, t]
            pred, log_var = self.network(x, lay.expand(obs.to(x.dtype)))
            value = self._draw_columns(pred, log_var, col, generator)  # (N, D) with the drawn column filled
            span = lay.col_of.to(dev)[None, :] == col[:, None]          # (N, D) encoded columns of `col`
            x = torch.where(span & active[:, None], value, x)
            obs[rows[active], col[active]] = True
        return x

    def _draw_columns(self, pred, log_var, col, generator) -> torch.Tensor:
        """Draw every column's value from its predicted conditional (only column ``col`` of a row is used)."""
        lay = self.layout
        dev = pred.device
        v = pred.clone()
        n = pred.shape[0]
        if lay.numeric.numel():
            i = lay.numeric.to(dev)
            eps = torch.randn(n, i.numel(), generator=generator).to(dev)
            draw = pred[:, i] + torch.exp(0.5 * log_var[:, : i.numel()]) * eps
            v[:, i] = torch.maximum(torch.minimum(draw, lay.hi.to(dev)), lay.lo.to(dev))
        if lay.binary.numel():
            i = lay.binary.to(dev)
            u = torch.rand(n, i.numel(), generator=generator).to(dev)
            v[:, i] = (u < torch.sigmoid(pred[:, i])).to(v.dtype)
        for a, b in lay.blocks:
            idx = torch.multinomial(torch.softmax(pred[:, a:b].cpu(), dim=1), 1, generator=generator)[:, 0].to(dev)
            v[:, a:b] = F.one_hot(idx, b - a).to(v.dtype)
        return v

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        """(n, D) float32 encoded records drawn from the learned joint, starting from empty records."""
        lay = self.layout
        x = torch.zeros(n, lay.d, device=self.device)
        return self.draw(x, torch.zeros(n, lay.f, dtype=torch.bool), generator)


class Generator(nn.Module):
    """(noise (B, latent), one-hot class (B, K)) -> raw outputs (B, D): numeric values, binary and
    categorical logits (activated by :meth:`ACGAN.activate`)."""

    def __init__(self, latent_dim: int, n_classes: int, d: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.net = MLP(latent_dim + n_classes, [hidden] * layers, d, act="relu", norm="batch")

    def forward(self, z: torch.Tensor, y_onehot: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, y_onehot], dim=1))


class Discriminator(nn.Module):
    """Encoded record (B, D) -> (real/fake logit (B,), class logits (B, K))."""

    def __init__(self, d: int, n_classes: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.trunk = MLP(d, [hidden] * (layers - 1), hidden, act="leaky_relu", dropout=dropout, out_act="leaky_relu")
        self.adv = nn.Linear(hidden, 1)
        self.cls = nn.Linear(hidden, n_classes)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.drop(self.trunk(x))
        return self.adv(h)[:, 0], self.cls(h)


@register_model("ehr.acgan")
class ACGAN(Model):
    """AC-GAN for one labelled table (see the module docstring).

    Batches: {"samples": (B, D) float32 complete encoded records, "labels": (B,) int64 class codes}.
    ``sample(n, condition=codes)`` returns (n, D) float32 encoded records (classes drawn from the
    training prior when ``condition`` is None; :meth:`sample_labeled` returns them too).

    Args:
        encoder: ``TableEncoder(schema, numeric="standard").fit(df).to_dict()`` (schema with a label).
        class_prior: (K,) training class frequencies.
        latent_dim, hidden, layers: generator noise size, MLP widths and depth (both networks).
        dropout: discriminator dropout (0: with 0.3 the generator matched the records less closely at
            the same class-head AUROC; docs/ehr.md, synthetic records).
        lr, beta1, beta2: Adam settings of both networks.
        class_weight: weight of the auxiliary class losses; fake_class_weight: extra factor for the
            class loss of generated records in the discriminator step.
        tau: temperature of the relaxed categorical outputs while training.
        r1: weight of the R1 gradient penalty on real records.
    """

    def __init__(self, encoder: dict, class_prior: list[float], latent_dim: int = 32, hidden: int = 256,
                 layers: int = 2, dropout: float = 0.0, lr: float = 2e-4, beta1: float = 0.5, beta2: float = 0.999,
                 class_weight: float = 1.0, fake_class_weight: float = 0.5, tau: float = 0.5, r1: float = 1.0) -> None:
        super().__init__()
        self.layout = TableLayout(encoder)
        self.n_classes = len(class_prior)
        if self.n_classes < 2:
            raise ValueError("ACGAN needs at least two classes")
        self.register_buffer("prior", torch.tensor(class_prior, dtype=torch.float32) / float(sum(class_prior)))
        self.latent_dim, self.lr, self.betas = latent_dim, lr, (beta1, beta2)
        self.class_weight, self.fake_class_weight, self.tau, self.r1 = class_weight, fake_class_weight, tau, r1
        self.generator = Generator(latent_dim, self.n_classes, self.layout.d, hidden, layers)
        self.discriminator = Discriminator(self.layout.d, self.n_classes, hidden, layers, dropout)

    def configure_optimizers(self):
        return {"discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=self.lr, betas=self.betas),
                "generator": torch.optim.Adam(self.generator.parameters(), lr=self.lr, betas=self.betas)}

    def activate(self, raw: torch.Tensor, *, hard: bool = False, generator: torch.Generator | None = None) -> torch.Tensor:
        """Raw generator output -> encoded record: relaxed draws (training) or exact draws (``hard``)."""
        lay = self.layout
        dev = raw.device
        parts = raw.clone()
        n = raw.shape[0]

        def uniform(*shape):
            return torch.rand(*shape, generator=generator).to(dev).clamp(1e-6, 1 - 1e-6)

        if lay.binary.numel():
            i = lay.binary.to(dev)
            u = uniform(n, i.numel())
            if hard:
                parts[:, i] = (u < torch.sigmoid(raw[:, i])).to(raw.dtype)
            else:  # relaxed Bernoulli (binary concrete, Maddison et al. 2017)
                parts[:, i] = torch.sigmoid((raw[:, i] + torch.log(u) - torch.log1p(-u)) / self.tau)
        for a, b in lay.blocks:
            gumbel = -torch.log(-torch.log(uniform(n, b - a)))
            if hard:
                parts[:, a:b] = F.one_hot((raw[:, a:b] + gumbel).argmax(dim=1), b - a).to(raw.dtype)
            else:  # Gumbel-softmax (Jang et al. 2017)
                parts[:, a:b] = torch.softmax((raw[:, a:b] + gumbel) / self.tau, dim=1)
        return parts

    def training_step(self, batch, ctx):
        real, y = batch["samples"], batch["labels"]
        n = real.shape[0]
        z = torch.randn(n, self.latent_dim, device=real.device)
        y_fake = torch.multinomial(self.prior, n, replacement=True).to(real.device)
        onehot = F.one_hot(y_fake, self.n_classes).to(real.dtype)
        with ctx.frozen("generator"):
            fake = self.activate(self.generator(z, onehot)).detach()
        real = real.detach().requires_grad_(self.r1 > 0)
        adv_r, cls_r = self.discriminator(real)
        adv_f, cls_f = self.discriminator(fake)
        loss_cls = F.cross_entropy(cls_r, y)
        loss_d = (F.softplus(-adv_r).mean() + F.softplus(adv_f).mean()
                  + self.class_weight * (loss_cls + self.fake_class_weight * F.cross_entropy(cls_f, y_fake)))
        if self.r1 > 0:
            loss_d = loss_d + 0.5 * self.r1 * r1_penalty(adv_r, real)
        ctx.optimize("discriminator", loss_d)
        with ctx.frozen("discriminator"):
            adv_g, cls_g = self.discriminator(self.activate(self.generator(z, onehot)))
            loss_g = F.softplus(-adv_g).mean() + self.class_weight * F.cross_entropy(cls_g, y_fake)
        ctx.optimize("generator", loss_g)
        return {"loss_d": loss_d, "loss_g": loss_g, "loss_class": loss_cls}

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
        """(N, K) class probabilities of complete encoded records x (N, D) from the class head."""
        out = [torch.softmax(self.discriminator(x[i:i + batch_size].to(self.device))[1], dim=1)
               for i in range(0, x.shape[0], batch_size)]
        return torch.cat(out) if out else torch.zeros(0, self.n_classes)

    @torch.no_grad()
    def sample_labeled(self, n: int, labels: torch.Tensor | None = None,
                       generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(records (n, D) float32, class codes (n,) int64); codes drawn from the prior when not given."""
        if labels is None:
            labels = torch.multinomial(self.prior.cpu(), n, replacement=True, generator=generator)
        labels = torch.as_tensor(labels, dtype=torch.long).reshape(-1)
        if labels.numel() != n or (n and (labels.min() < 0 or labels.max() >= self.n_classes)):
            raise ValueError(f"labels must be {n} class codes in 0..{self.n_classes - 1}")
        was_training = self.generator.training
        self.generator.eval()
        try:
            z = torch.randn(n, self.latent_dim, generator=generator).to(self.device)
            raw = self.generator(z, F.one_hot(labels, self.n_classes).float().to(self.device))
            return self.activate(raw, hard=True, generator=generator), labels
        finally:
            self.generator.train(was_training)

    @torch.no_grad()
    def sample(self, n, *, condition=None, generator=None):
        labels = None if condition is None else torch.as_tensor(condition).reshape(-1).long()
        return self.sample_labeled(n, labels, generator)[0]


__all__ = ["ACGAN", "DenoisingAutoencoder", "Discriminator", "Generator", "ImputerNetwork", "TableLayout",
           "encoder_state", "to_tensors"]
