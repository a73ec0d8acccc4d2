"""Recurrent token decoders and the decoding procedures every sequence generator uses.

:class:`TokenDecoder` is an embedding -> multi-layer LSTM -> linear head over a token vocabulary,
optionally conditioned on a vector (a VAE's latent code): the condition sets the initial hidden and
cell states and is concatenated to every input embedding. Three procedures decode from it:

- :func:`sample_tokens`: ancestral sampling with a temperature (0 = greedy), all randomness drawn
  from a ``torch.Generator`` on the CPU (Gumbel-max), so samples depend only on the seed;
- :func:`beam_search`: the ``n_best`` highest-likelihood complete sequences per condition, best
  first, with their log-likelihoods (exact when the beam is wide enough to hold every live prefix);
- :func:`sequence_log_prob`: log p(sequence) by teacher forcing, the score beam search ranks by.

Token ids follow :class:`scigen.chem.tokenizer.Vocabulary`'s convention, passed explicitly:
``pad_id`` (never generated), ``bos_id`` (starts every sequence, never generated), ``eos_id``
(ends one). Sequences are (B, T) int64 with ``bos`` first; log-probabilities are in nats.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class TokenDecoder(nn.Module):
    """Embedding -> LSTM (``layers`` x ``hidden``) -> logits over ``vocab_size`` tokens.

    Args:
        vocab_size: number of token ids (specials included).
        embed_dim: token embedding width.
        hidden: LSTM hidden units per layer.
        layers: stacked LSTM layers.
        dropout: dropout between LSTM layers and before the output head.
        cond_dim: width of the conditioning vector (0: unconditioned).
        pad_id: the padding id (its embedding is zero and receives no gradient).
    """

    def __init__(self, vocab_size: int, embed_dim: int = 64, hidden: int = 256, layers: int = 2, *,
                 dropout: float = 0.0, cond_dim: int = 0, pad_id: int = 0) -> None:
        super().__init__()
        self.vocab_size, self.hidden, self.layers, self.cond_dim = vocab_size, hidden, layers, cond_dim
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.lstm = nn.LSTM(embed_dim + cond_dim, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab_size)
        self.init_state = nn.Linear(cond_dim, 2 * layers * hidden) if cond_dim else None

    def initial_state(self, batch: int, cond: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(h0, c0), each (layers, batch, hidden): zeros, or computed from ``cond`` (batch, cond_dim)."""
        if self.init_state is None:
            z = torch.zeros(self.layers, batch, self.hidden, device=self.head.weight.device,
                            dtype=self.head.weight.dtype)
            return z, z.clone()
        hc = self.init_state(cond).view(batch, 2, self.layers, self.hidden).permute(1, 2, 0, 3)
        return torch.tanh(hc[0]).contiguous(), hc[1].contiguous()

    def forward(self, tokens: torch.Tensor, cond: torch.Tensor | None = None,
                state: tuple[torch.Tensor, torch.Tensor] | None = None):
        """Logits (B, T, vocab_size) for the next token after each position of ``tokens`` (B, T).

        ``cond`` (B, cond_dim) is required when the decoder is conditioned; ``state`` continues a
        previous call (None: the initial state). Returns (logits, state).
        """
        if self.cond_dim and cond is None:
            raise ValueError("this decoder is conditioned: pass cond (batch, cond_dim)")
        x = self.embed(tokens)
        if self.cond_dim:
            x = torch.cat([x, cond[:, None, :].expand(-1, tokens.shape[1], -1)], dim=2)
        if state is None:
            state = self.initial_state(tokens.shape[0], cond)
        out, state = self.lstm(x, state)
        return self.head(self.drop(out)), state


def _masked(logits: torch.Tensor, banned: tuple[int, ...]) -> torch.Tensor:
    if banned:
        logits = logits.clone()
        logits[..., list(banned)] = float("-inf")
    return logits


@torch.no_grad()
def sample_tokens(decoder: nn.Module, n: int, *, bos_id: int, eos_id: int, max_len: int, temperature: float = 1.0,
                  generator: torch.Generator | None = None, cond: torch.Tensor | None = None,
                  banned: tuple[int, ...] = (0,), grammar=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n`` token sequences by ancestral sampling.

    Args:
        decoder: a :class:`TokenDecoder` (or anything with its ``forward``).
        n: number of sequences.
        bos_id, eos_id: start and end ids; ``bos`` and ``banned`` ids (default: pad 0) are never drawn.
        max_len: most tokens per sequence, ``<eos>`` excluded; a sequence still running then is cut.
        temperature: logits are divided by it; 0 picks the most likely token (greedy decoding).
        generator: CPU generator all randomness comes from (Gumbel-max on uniforms drawn from it).
        cond: (n, cond_dim) conditioning vectors for a conditioned decoder.
        grammar: None, or an object that masks tokens by what was written so far (e.g.
            :class:`scigen.chem.syntax.SmilesSyntax`): ``start(n, device)`` gives a batch state,
            ``allowed(state)`` a (rows, V) bool mask, ``advance(state, ids)`` takes the drawn ids and
            ``keep(state, rows)`` returns the state of the rows still running. Each step then draws
            from the model's distribution renormalised over the allowed tokens.

    Returns:
        ids: (n, max_len + 1) int64: ``<bos>``, the drawn tokens, then 0 (``<eos>`` is not stored).
        lengths: (n,) int64 tokens per sequence excluding ``<bos>`` and ``<eos>``.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    device = next(decoder.parameters()).device
    banned = tuple(sorted(set(banned) | {bos_id}))
    ids = torch.zeros(n, max_len + 1, dtype=torch.long, device=device)
    ids[:, 0] = bos_id
    lengths = torch.full((n,), max_len, dtype=torch.long, device=device)
    alive = torch.arange(n, device=device)  # rows still running: only they go through the network
    last, state = ids[:, :1], None
    rules = None if grammar is None else grammar.start(n, device)
    for t in range(max_len + 1):
        logits, state = decoder(last, cond, state)
        logits = _masked(logits[:, -1].float(), banned)
        if rules is not None:
            logits = logits.masked_fill(~grammar.allowed(rules), float("-inf"))
        if temperature == 0:
            nxt = logits.argmax(dim=1)
        else:
            u = torch.rand(logits.shape, generator=generator).clamp_(1e-12, 1.0 - 1e-7).to(device)
            nxt = (logits / temperature - torch.log(-torch.log(u))).argmax(dim=1)
        ended = nxt == eos_id
        lengths[alive[ended]] = t
        keep = ~ended
        if t == max_len or not bool(keep.any()):
            break
        if rules is not None:
            grammar.advance(rules, nxt)
            rules = grammar.keep(rules, keep)
        alive, nxt = alive[keep], nxt[keep]
        ids[alive, t + 1] = nxt
        state = tuple(s[:, keep] for s in state)
        cond = None if cond is None else cond[keep]
        last = nxt[:, None]
    return ids, lengths


@torch.no_grad()
def sequence_log_prob(decoder: nn.Module, ids: torch.Tensor, *, eos_id: int, pad_id: int = 0,
                      cond: torch.Tensor | None = None, banned: tuple[int, ...] = (0,)) -> torch.Tensor:
    """(B,) log p(sequence) in nats of ``ids`` (B, T): ``<bos>`` first, ``<eos>`` last, padded with
    ``pad_id``; every token after ``<bos>`` up to and including ``<eos>`` counts. The distribution is
    the one :func:`sample_tokens` and :func:`beam_search` draw from: ``<bos>`` (``ids[:, 0]``) and
    the ``banned`` ids are excluded before normalising."""
    logits, _ = decoder(ids[:, :-1], cond)
    logp = torch.log_softmax(_masked(logits.float(), tuple(sorted(set(banned) | {int(ids[0, 0])}))), dim=2)
    target = ids[:, 1:]
    picked = logp.gather(2, target[..., None])[..., 0]
    return torch.where(target != pad_id, picked, torch.zeros_like(picked)).sum(dim=1)


def token_nll(decoder: nn.Module, ids: torch.Tensor, *, pad_id: int = 0, cond: torch.Tensor | None = None,
              reduction: str = "mean") -> torch.Tensor:
    """Teacher-forced cross entropy (nats per token) of ``ids`` (B, T) with ``<bos>`` first.

    The batch is trimmed to its longest sequence first (padding beyond it costs nothing).
    ``reduction``: "mean" over all real tokens, or "sum_per_sequence" -> (B,).
    """
    width = int((ids != pad_id).sum(dim=1).max())
    ids = ids[:, :width]
    logits, _ = decoder(ids[:, :-1], cond)
    target = ids[:, 1:]
    if reduction == "mean":
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), target.reshape(-1), ignore_index=pad_id)
    nll = F.cross_entropy(logits.transpose(1, 2).float(), target, ignore_index=pad_id, reduction="none")
    return nll.sum(dim=1)


@torch.no_grad()
def beam_search(decoder: nn.Module, *, bos_id: int, eos_id: int, max_len: int, beam_width: int = 10,
                n_best: int = 1, cond: torch.Tensor | None = None, batch: int = 1,
                banned: tuple[int, ...] = (0,)) -> list[list[tuple[list[int], float]]]:
    """The ``n_best`` most likely complete sequences for each of ``batch`` conditions, best first.

    Keeps the ``beam_width`` most likely live prefixes per condition; a prefix that draws ``<eos>``
    becomes a finished candidate. Log-probabilities only fall as a prefix grows, so the search stops
    for a condition once its ``n_best``-th finished score beats every live prefix: with a beam wide
    enough to hold every live prefix the result is the exact top ``n_best``. Sequences still
    running after ``max_len`` tokens are dropped.

    Args:
        cond: (batch, cond_dim) for a conditioned decoder (``batch`` is then taken from it).

    Returns:
        For each condition, a list of (token ids without ``<bos>``/``<eos>``, log p in nats) sorted by
        log p, highest first (fewer than ``n_best`` if fewer sequences end within ``max_len``).
    """
    if beam_width < 1 or n_best < 1:
        raise ValueError(f"beam_width and n_best must be >= 1, got {beam_width}, {n_best}")
    device = next(decoder.parameters()).device
    B = cond.shape[0] if cond is not None else batch
    K = beam_width
    banned = tuple(sorted(set(banned) | {bos_id}))
    condk = None if cond is None else cond.repeat_interleave(K, dim=0)
    score = torch.full((B, K), float("-inf"), device=device)
    score[:, 0] = 0.0  # one live prefix (<bos>) per condition at the start
    prefixes = torch.full((B * K, 1), bos_id, dtype=torch.long, device=device)
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(B)]
    active = torch.ones(B, dtype=torch.bool, device=device)
    state = None
    for t in range(max_len + 1):
        logits, state = decoder(prefixes[:, -1:], condk, state)
        logp = torch.log_softmax(_masked(logits[:, -1].float(), banned), dim=1)  # (B*K, V)
        V = logp.shape[1]
        total = score.reshape(B * K, 1) + logp
        # finished candidates: prefix + <eos>
        end = total[:, eos_id].view(B, K)
        for b in torch.nonzero(active).flatten().tolist():
            for k in range(K):
                s = float(end[b, k])
                if s > float("-inf"):
                    finished[b].append((s, prefixes[b * K + k, 1:].tolist()))
        total[:, eos_id] = float("-inf")
        if t == max_len:
            break
        top, idx = total.view(B, K * V).topk(K, dim=1)
        for b in range(B):  # a condition is done when its n_best-th finished beats every live prefix
            if active[b] and len(finished[b]) >= n_best:
                kth = sorted((s for s, _ in finished[b]), reverse=True)[n_best - 1]
                if kth >= float(top[b, 0]):
                    active[b] = False
        top[~active] = float("-inf")
        if not bool(active.any()):
            break
        beam = idx // V
        token = idx % V
        rows = (torch.arange(B, device=device)[:, None] * K + beam).view(-1)
        prefixes = torch.cat([prefixes[rows], token.view(-1, 1)], dim=1)
        state = tuple(s[:, rows] for s in state)
        score = top
    out = []
    for b in range(B):
        best = sorted(finished[b], key=lambda item: -item[0])[:n_best]
        out.append([(seq, s) for s, seq in best])
    return out


def entropy_per_token(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Entropy (nats) of softmax(logits / temperature) over the last axis; 0 temperature gives 0."""
    if temperature == 0:
        return torch.zeros(logits.shape[:-1], device=logits.device)
    logp = torch.log_softmax(logits.float() / temperature, dim=-1)
    return -(logp.exp() * logp).nan_to_num().sum(dim=-1)


__all__ = ["TokenDecoder", "beam_search", "entropy_per_token", "sample_tokens", "sequence_log_prob", "token_nll"]
