"""SMILES generators trained through the scigen engine: a character LSTM and a prototype-based VAE.

Both models carry their token vocabulary in their config (``vocab``: the dict of
:meth:`scigen.chem.tokenizer.Vocabulary.to_dict`), so a checkpoint rebuilds everything
(``scigen.engine.load_model(run_dir)``). Training batches are ``{"samples": ids}`` with ids (B, T)
int64: ``<bos>`` tokens ``<eos>``, padded with 0 (:func:`encode_smiles`). Samples are lists of raw
SMILES strings, exactly as decoded (invalid ones included: filter them with
:mod:`scigen.chem.filters`, as :mod:`scigen.chem.pipeline` does). Losses are in nats per token.
A model whose vocabulary is SELFIES (``representation="selfies"``) reads and writes SMILES all the
same: it encodes SMILES to SELFIES on the way in and decodes its SELFIES to SMILES on the way out.

- ``chem.char_lstm`` (:class:`CharLSTM`): Ertl et al. (arXiv:1712.07449), Segler et al., MOSES
  CharRNN (3 x 768 LSTM) and Gupta et al. (2 x 256 LSTM, sampled at temperature 0.75, fine-tuned
  on a handful of actives). Default here: 2 x 256, which sees 5.3 epochs of 500k MOSES molecules
  in 24 minutes on two CPU cores in bf16 (validity 0.967 at T=1, 0.995 at T=0.75; see
  ``benchmarks/chem.py``).
- ``chem.prototype_vae`` (:class:`PrototypeVAE`): after Harel & Radinsky, "Prototype-Based Compound
  Discovery using Deep Generative Models": embedded SMILES tokens -> three 1-D convolutions ->
  dense mean / log-variance -> a *diversity layer* (at generation, noise scaled by ``diversity``
  around the prototype's code) -> LSTM decoder with teacher forcing; KL weight annealed linearly.

Both train under bf16 autocast when asked (``TrainConfig(precision="bf16")``, ``--precision bf16``):
on a CPU with AVX512-BF16 the 2 x 256 LSTM runs 1.5x (two threads) to 1.7x (one) the steps/s of
fp32 at the same loss per step (torch 2.13; ``benchmarks/chem.py`` probes both and trains with the
faster). Sampling and scoring run in fp32.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from scigen.chem.tokenizer import Vocabulary
from scigen.engine.model import Model, register_model
from scigen.engine.schedules import cosine_decay, scale_learning_rates
from scigen.errors import InputError
from scigen.nn.recurrent import (
    TokenDecoder,
    beam_search,
    sample_tokens,
    sequence_log_prob,
    token_nll,
)
from scigen.nn.vae import kl_divergence, reparameterize


def encode_texts(vocab: Vocabulary, texts: Sequence[str], max_len: int, *, source: str | None = None) -> torch.Tensor:
    """(N, max_len + 2) int64 ids of ``texts`` (strings in the vocabulary's representation: SMILES or
    SELFIES) with ``<bos>``/``<eos>``, padded with 0.

    Raises:
        InputError: a token outside the vocabulary or a molecule longer than ``max_len`` tokens,
            naming the molecule (and ``source``, e.g. the file it came from).
    """
    texts = list(texts)
    ids = np.zeros((len(texts), max_len + 2), dtype=np.int64)  # 0 is <pad>
    for i, s in enumerate(texts):
        row = vocab.encode(s, where=_where(i, len(texts), source))
        if len(row) > max_len + 2:
            raise InputError(f"'{s}' ({_where(i, len(texts), source)}) has {len(row) - 2} tokens, more than the "
                             f"model's max_len of {max_len}: leave such molecules out, or train a model with a "
                             "larger --max-len")
        ids[i, :len(row)] = row
    return torch.from_numpy(ids)


def encode_smiles(vocab: Vocabulary, smiles: Sequence[str], max_len: int, *, source: str | None = None) -> torch.Tensor:
    """(N, max_len + 2) int64 ids of ``smiles``, written first in the vocabulary's representation
    (SELFIES for a SELFIES vocabulary; see :func:`encode_texts`)."""
    smiles = list(smiles)
    if vocab.representation != "smiles":
        smiles = [vocab.from_smiles(s, where=_where(i, len(smiles), source)) for i, s in enumerate(smiles)]
    return encode_texts(vocab, smiles, max_len, source=source)


def _where(i: int, n: int, source: str | None) -> str:
    return (f"molecule {i} of {source}" if n > 1 else source) if source else f"molecule {i}"


class _SmilesModel(Model):
    """What both generators share: the vocabulary, encoding, decoding ids to strings."""

    def _setup_vocab(self, vocab: dict, max_len: int) -> None:
        if isinstance(vocab, Vocabulary):
            raise TypeError("pass vocab as a dict (Vocabulary.to_dict()), so it can be saved in the config")
        self.vocabulary = Vocabulary.from_dict(vocab, where="model config 'vocab'")
        if max_len < 1:
            raise InputError(f"max_len must be >= 1 token, got {max_len}")
        self.max_len = int(max_len)

    def encode(self, smiles: Sequence[str], *, source: str | None = None) -> torch.Tensor:
        """(N, max_len + 2) ids of ``smiles`` (see :func:`encode_smiles`)."""
        return encode_smiles(self.vocabulary, smiles, self.max_len, source=source)

    def _grammar(self, constrained: bool):
        """The SMILES syntax mask for ``sample_tokens`` when ``constrained`` (None otherwise)."""
        if not constrained:
            return None
        from scigen.chem.syntax import SmilesSyntax

        return SmilesSyntax(self.vocabulary)

    def _smiles(self, ids) -> str:
        """The SMILES of one decoded id sequence (its SELFIES decoded for a SELFIES vocabulary)."""
        v = self.vocabulary
        return v.to_smiles(v.decode(ids))

    def _strings(self, ids: torch.Tensor, lengths: torch.Tensor) -> list[str]:
        """SMILES of sampled ids (B, T) starting with ``<bos>``, each up to its length."""
        return [self._smiles(row[1:1 + n]) for row, n in zip(ids.cpu().numpy(), lengths.cpu().numpy())]

    def configure_optimizers(self):
        return {"model": torch.optim.Adam(self.parameters(), lr=self.lr)}

    def configure_schedulers(self, optimizers):
        """Cosine decay of the learning rate to ``lr_final`` x lr over ``lr_decay_steps`` steps
        (then constant); none when ``lr_decay_steps`` is None (e.g. while fine-tuning)."""
        steps = self.lr_decay_steps
        return scale_learning_rates(optimizers, cosine_decay(steps, self.lr_final) if steps else None)


@register_model("chem.char_lstm")
class CharLSTM(_SmilesModel):
    """Character-level (token-level) LSTM language model of SMILES.

    Args:
        vocab: the vocabulary as a dict (``Vocabulary.to_dict()``).
        embed_dim, hidden, layers, dropout: network size (default 64, 2 x 256, no dropout).
        lr: Adam learning rate.
        lr_decay_steps: cosine decay of the learning rate over this many steps (None: constant).
        lr_final: the decayed learning rate, as a fraction of ``lr``.
        max_len: most tokens per sampled molecule (``<bos>``/``<eos>`` excluded).
    """

    def __init__(self, vocab: dict, embed_dim: int = 64, hidden: int = 256, layers: int = 2, dropout: float = 0.0,
                 lr: float = 1e-3, lr_decay_steps: int | None = None, lr_final: float = 0.05,
                 max_len: int = 100) -> None:
        super().__init__()
        self._setup_vocab(vocab, max_len)
        self.lr, self.lr_decay_steps, self.lr_final = lr, lr_decay_steps, lr_final
        self.decoder = TokenDecoder(len(self.vocabulary), embed_dim, hidden, layers, dropout=dropout,
                                    pad_id=Vocabulary.pad_id)

    def training_step(self, batch, ctx):
        loss = token_nll(self.decoder, batch["samples"], pad_id=Vocabulary.pad_id)
        ctx.optimize("model", loss)
        return {"loss": loss}

    @torch.no_grad()
    def sample(self, n: int, *, condition=None, generator: torch.Generator | None = None, temperature: float = 1.0,
               max_len: int | None = None, batch_size: int = 1024, constrained: bool = False) -> list[str]:
        """``n`` raw SMILES strings drawn token by token at ``temperature`` (0: greedy); ``constrained``
        masks the tokens that would break SMILES syntax (:mod:`scigen.chem.syntax`)."""
        out: list[str] = []
        v = self.vocabulary
        grammar = self._grammar(constrained)
        for start in range(0, n, batch_size):
            ids, lengths = sample_tokens(self.decoder, min(batch_size, n - start), bos_id=v.bos_id, eos_id=v.eos_id,
                                         max_len=max_len or self.max_len, temperature=temperature, generator=generator,
                                         grammar=grammar)
            out += self._strings(ids, lengths)
        return out

    def fine_tune(self, smiles, *, out=None, epochs: int = 12, batch_size: int = 8, lr: float | None = None,
                  measure_n: int = 0, temperature: float = 1.0, seed: int = 0) -> dict:
        """Transfer learning (Gupta et al.) in place: ``epochs`` passes over ``smiles`` (a list or a
        file of a few actives/fragments) through the engine, at a constant learning rate (``lr``,
        default the model's). ``out``: a run directory for the checkpoint (None: none kept).
        ``measure_n`` > 0 samples that many molecules at ``temperature`` before and after and
        reports their similarity to the set (the shift); see :func:`scigen.chem.pipeline.fine_tune`,
        which this calls, for the returned summary."""
        from scigen.chem.pipeline import fine_tune
        from scigen.engine import TrainConfig

        config = TrainConfig(steps=0, batch_size=batch_size, seed=seed)
        return fine_tune(self, smiles, out, config, epochs=epochs, lr=lr, measure_n=measure_n,
                         temperature=temperature, seed=seed)

    @torch.no_grad()
    def log_likelihood(self, smiles: Sequence[str], *, source: str | None = None, batch_size: int = 512) -> np.ndarray:
        """(N,) log p(molecule's token sequence) in nats, ``<eos>`` included."""
        ids = self.encode(smiles, source=source).to(self.device)
        out = [sequence_log_prob(self.decoder, ids[i:i + batch_size], eos_id=Vocabulary.eos_id)
               for i in range(0, len(ids), batch_size)]
        return torch.cat(out).cpu().numpy()

    @torch.no_grad()
    def next_token_logits(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, T, V) logits of the next token after each position of ``ids`` (B, T)."""
        return self.decoder(ids.to(self.device))[0]


class ConvEncoder1d(nn.Module):
    """(B, T) token ids -> (mu, logvar), each (B, latent_dim): embedding, 1-D convolutions (valid
    padding, ReLU), a dense layer, and linear heads (Gomez-Bombarelli et al.'s encoder shape)."""

    def __init__(self, vocab_size: int, length: int, latent_dim: int, *, embed_dim: int = 32,
                 channels: Sequence[int] = (32, 32, 64), kernels: Sequence[int] = (9, 9, 11), dense: int = 256,
                 pad_id: int = 0) -> None:
        super().__init__()
        if len(channels) != len(kernels):
            raise InputError(f"conv channels {list(channels)} and kernels {list(kernels)} differ in length")
        out_len = length - sum(k - 1 for k in kernels)
        if out_len < 1:
            raise InputError(f"sequences of {length} tokens are too short for convolution kernels {list(kernels)}")
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        layers, c_in = [], embed_dim
        for c, k in zip(channels, kernels):
            layers += [nn.Conv1d(c_in, c, k), nn.ReLU()]
            c_in = c
        self.convs = nn.Sequential(*layers)
        self.dense = nn.Sequential(nn.Linear(c_in * out_len, dense), nn.ReLU())
        self.mu = nn.Linear(dense, latent_dim)
        self.logvar = nn.Linear(dense, latent_dim)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.convs(self.embed(ids).transpose(1, 2)).flatten(1)
        h = self.dense(h)
        return self.mu(h), self.logvar(h).clamp(-12.0, 8.0)


@register_model("chem.prototype_vae")
class PrototypeVAE(_SmilesModel):
    """Prototype-based SMILES VAE (after Harel & Radinsky; see the module docstring).

    Args:
        vocab: the vocabulary as a dict (``Vocabulary.to_dict()``).
        max_len: the fixed encoder length in tokens (molecules up to ``max_len`` tokens; the
            convolutions see ``max_len + 2`` positions with ``<bos>``/``<eos>``).
        latent_dim: latent code width.
        embed_dim, conv_channels, conv_kernels, dense: encoder size.
        dec_embed, hidden, layers, dropout: LSTM decoder size.
        lr: Adam learning rate.
        lr_decay_steps, lr_final: cosine learning-rate decay (as :class:`CharLSTM`).
        kl_weight: final weight of the KL term per token (1 is the ELBO; MOSES' VAE's 0.05 per molecule is
            about 1.8 here; docs/chem.md section 7 measures 0.05 to 1.82).
        kl_warmup_steps: steps over which the KL weight rises linearly from 0 to ``kl_weight``.
        kl_start: steps of pure reconstruction before the warm-up.
    """

    def __init__(self, vocab: dict, max_len: int = 100, latent_dim: int = 64, embed_dim: int = 32,
                 conv_channels: list[int] = (32, 32, 64), conv_kernels: list[int] = (9, 9, 11), dense: int = 256,
                 dec_embed: int = 64, hidden: int = 256, layers: int = 2, dropout: float = 0.0, lr: float = 1e-3,
                 lr_decay_steps: int | None = None, lr_final: float = 0.05, kl_weight: float = 0.05,
                 kl_warmup_steps: int = 2000, kl_start: int = 0) -> None:
        super().__init__()
        self._setup_vocab(vocab, max_len)
        self.lr, self.lr_decay_steps, self.lr_final, self.latent_dim = lr, lr_decay_steps, lr_final, latent_dim
        self.kl_weight, self.kl_warmup_steps, self.kl_start = kl_weight, kl_warmup_steps, kl_start
        self.encoder = ConvEncoder1d(len(self.vocabulary), self.max_len + 2, latent_dim, embed_dim=embed_dim,
                                     channels=list(conv_channels), kernels=list(conv_kernels), dense=dense)
        self.decoder = TokenDecoder(len(self.vocabulary), dec_embed, hidden, layers, dropout=dropout,
                                    cond_dim=latent_dim, pad_id=Vocabulary.pad_id)

    def beta(self, step: int) -> float:
        """KL weight at training step ``step`` (0-based): 0 until ``kl_start``, then a linear ramp."""
        if step < self.kl_start:
            return 0.0
        return self.kl_weight * min(1.0, (step - self.kl_start + 1) / max(1, self.kl_warmup_steps))

    def training_step(self, batch, ctx):
        ids = batch["samples"]
        mu, logvar = self.encoder(ids)
        z = reparameterize(mu, logvar)
        recon = token_nll(self.decoder, ids, pad_id=Vocabulary.pad_id, cond=z)
        kl = kl_divergence(mu, logvar).mean()
        tokens = (ids[:, 1:] != Vocabulary.pad_id).sum(dim=1).float().mean()
        beta = self.beta(ctx.step)
        loss = recon + beta * kl / tokens  # per-token ELBO scale: KL (nats per molecule) / tokens
        ctx.optimize("model", loss)
        return {"loss": loss, "recon": recon, "kl": kl, "beta": beta}

    # ---- latent codes ---------------------------------------------------------------------------
    @torch.no_grad()
    def encode_latent(self, smiles: Sequence[str], *, source: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, sigma), each (N, latent_dim), of the posterior of each molecule (as written: pass
        canonical SMILES, as the model was trained on)."""
        mu, logvar = self.encoder(self.encode(smiles, source=source).to(self.device))
        return mu, torch.exp(0.5 * logvar)

    @torch.no_grad()
    def decode(self, z: torch.Tensor, *, method: str = "sample", temperature: float = 1.0,
               generator: torch.Generator | None = None, beam_width: int = 5, constrained: bool = False) -> list[str]:
        """Decode latent codes (N, latent_dim) to SMILES: ``method`` "sample" (at ``temperature``;
        0 is greedy) or "beam" (the most likely sequence found by a beam of ``beam_width``).
        ``constrained`` (sampling only) masks the tokens that would break SMILES syntax."""
        v = self.vocabulary
        z = z.to(self.device)
        if method == "sample":
            ids, lengths = sample_tokens(self.decoder, len(z), bos_id=v.bos_id, eos_id=v.eos_id, max_len=self.max_len,
                                         temperature=temperature, generator=generator, cond=z,
                                         grammar=self._grammar(constrained))
            return self._strings(ids, lengths)
        if method == "beam":
            if constrained:
                raise InputError("syntax-constrained decoding works with sampling (method 'sample', temperature 0 "
                                 "for greedy), not with beam search")
            best = beam_search(self.decoder, bos_id=v.bos_id, eos_id=v.eos_id, max_len=self.max_len,
                               beam_width=beam_width, n_best=1, cond=z)
            return [self._smiles(found[0][0]) if found else "" for found in best]
        raise InputError(f"decoding method must be 'sample' or 'beam', got {method!r}")

    @torch.no_grad()
    def beam_search(self, z: torch.Tensor, *, beam_width: int = 10, n_best: int = 5) -> list[list[tuple[str, float]]]:
        """For each code in ``z`` (N, latent_dim), the ``n_best`` most likely SMILES with their log
        p(SMILES | z) in nats, highest first."""
        v = self.vocabulary
        found = beam_search(self.decoder, bos_id=v.bos_id, eos_id=v.eos_id, max_len=self.max_len,
                            beam_width=beam_width, n_best=n_best, cond=z.to(self.device))
        return [[(self._smiles(seq), s) for seq, s in row] for row in found]

    @torch.no_grad()
    def sample(self, n: int, *, condition=None, generator: torch.Generator | None = None, temperature: float = 1.0,
               method: str = "sample", beam_width: int = 5, batch_size: int = 1024, constrained: bool = False,
               prior=None) -> list[str]:
        """``n`` raw SMILES decoded (see :meth:`decode`) from latent codes drawn from the prior N(0, I),
        or from ``prior``, a :class:`~scigen.chem.latent.LatentMixture` fitted to this model's codes."""
        if prior is not None and prior.latent_dim != self.latent_dim:
            raise InputError(f"the latent prior has {prior.latent_dim} dimensions, the model's code {self.latent_dim}: "
                             f"it was fitted to another model")
        out: list[str] = []
        for start in range(0, n, batch_size):
            m = min(batch_size, n - start)
            z = torch.randn(m, self.latent_dim, generator=generator) if prior is None else prior.sample(m, generator)
            out += self.decode(z, method=method, temperature=temperature, generator=generator, beam_width=beam_width,
                               constrained=constrained)
        return out

    @torch.no_grad()
    def generate_from_prototype(self, smiles: str, n: int, diversity: float = 0.5, *, temperature: float = 1.0,
                                method: str = "sample", beam_width: int = 5, generator: torch.Generator | None = None,
                                batch_size: int = 1024, constrained: bool = False) -> list[str]:
        """``n`` raw SMILES around the prototype ``smiles`` (the diversity layer).

        The prototype is canonicalised by RDKit (the model was trained on canonical SMILES) and
        encoded to its posterior N(mu, sigma^2); each variation decodes the code
        ``z = mu + diversity * sigma * eps``, eps ~ N(0, I): ``diversity`` 0 decodes the prototype's
        own code, 1 draws from its posterior, larger values move further from it. Decoding as in
        :meth:`decode` (``method``, ``temperature``, ``beam_width``, ``constrained``).

        Raises:
            InputError: an invalid prototype, a token outside the vocabulary, or a prototype longer
                than ``max_len`` tokens (each naming the prototype).
        """
        from scigen.chem.mol import canonical

        if diversity < 0:
            raise InputError(f"diversity must be >= 0, got {diversity}")
        can = canonical(smiles)
        if can is None:
            raise InputError(f"prototype '{smiles}' is not a valid molecule (RDKit cannot parse it)")
        mu, sigma = self.encode_latent([can], source=f"prototype '{smiles}'")
        out: list[str] = []
        for start in range(0, n, batch_size):
            m = min(batch_size, n - start)
            eps = torch.randn(m, self.latent_dim, generator=generator).to(self.device)
            z = mu + diversity * sigma * eps
            out += self.decode(z, method=method, temperature=temperature, generator=generator, beam_width=beam_width,
                               constrained=constrained)
        return out
