"""The recurrent decoder's decoding procedures (scigen.nn.recurrent), checked exactly on tiny vocabularies."""

import itertools

import numpy as np
import torch

from scigen.engine import seeded
from scigen.nn.recurrent import (
    TokenDecoder,
    beam_search,
    entropy_per_token,
    sample_tokens,
    sequence_log_prob,
)

PAD, BOS, EOS = 0, 1, 2
DATA = (3, 4, 5)  # three data tokens


def _decoder(cond_dim=0, seed=0):
    with seeded(seed):
        dec = TokenDecoder(6, 8, 16, 2, cond_dim=cond_dim)
    with torch.no_grad():  # sharper distributions than at initialisation, so rankings are clear-cut
        dec.head.weight.mul_(6.0)
    return dec.eval()


def _all_sequences(max_len):
    """Every complete sequence of at most max_len data tokens, as (B, max_len + 2) ids."""
    rows = []
    for n in range(max_len + 1):
        for body in itertools.product(DATA, repeat=n):
            rows.append([BOS, *body, EOS] + [PAD] * (max_len - n))
    return torch.tensor(rows)


def _brute_force_top(dec, max_len, k, cond=None):
    ids = _all_sequences(max_len)
    c = None if cond is None else cond.expand(len(ids), -1)
    logp = sequence_log_prob(dec, ids, eos_id=EOS, cond=c)
    order = torch.argsort(logp, descending=True)[:k]
    out = []
    for i in order.tolist():
        body = [t for t in ids[i, 1:].tolist() if t not in (PAD, EOS)]
        out.append((body, float(logp[i])))
    return out


def test_beam_search_is_exact_when_the_beam_holds_every_prefix():
    max_len, k = 4, 12
    dec = _decoder()
    found = beam_search(dec, bos_id=BOS, eos_id=EOS, max_len=max_len, beam_width=3**max_len, n_best=k)[0]
    expected = _brute_force_top(dec, max_len, k)
    assert [seq for seq, _ in found] == [seq for seq, _ in expected]
    np.testing.assert_allclose([s for _, s in found], [s for _, s in expected], atol=1e-5)
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True)  # highest likelihood first


def test_beam_search_per_condition_and_scores_match_teacher_forcing():
    max_len = 4
    dec = _decoder(cond_dim=3, seed=1)
    cond = torch.randn(2, 3, generator=torch.Generator().manual_seed(0)) * 2
    found = beam_search(dec, bos_id=BOS, eos_id=EOS, max_len=max_len, beam_width=3**max_len, n_best=5, cond=cond)
    assert len(found) == 2
    for b in range(2):
        expected = _brute_force_top(dec, max_len, 5, cond[b:b + 1])
        assert [seq for seq, _ in found[b]] == [seq for seq, _ in expected]
    assert [seq for seq, _ in found[0]] != [seq for seq, _ in found[1]]  # the condition matters
    # a narrow beam returns sequences whose scores are their true log-likelihoods, best first
    narrow = beam_search(dec, bos_id=BOS, eos_id=EOS, max_len=max_len, beam_width=2, n_best=2, cond=cond)
    for b, row in enumerate(narrow):
        for seq, s in row:
            ids = torch.tensor([[BOS, *seq, EOS] + [PAD] * (max_len - len(seq))])
            assert abs(float(sequence_log_prob(dec, ids, eos_id=EOS, cond=cond[b:b + 1])) - s) < 1e-5


def test_greedy_sampling_is_width_one_beam_search():
    dec = _decoder(seed=2)
    greedy, lengths = sample_tokens(dec, 3, bos_id=BOS, eos_id=EOS, max_len=6, temperature=0.0,
                                    generator=torch.Generator().manual_seed(9))
    assert (greedy == greedy[0]).all()  # no randomness at temperature 0
    best = beam_search(dec, bos_id=BOS, eos_id=EOS, max_len=6, beam_width=1)[0]
    if best:  # greedy path ended within max_len
        seq = best[0][0]
        assert int(lengths[0]) == len(seq) and greedy[0, 1:1 + len(seq)].tolist() == seq


def test_sampling_follows_the_tempered_distribution():
    dec = _decoder(seed=3)
    logits = dec(torch.tensor([[BOS]]))[0][0, -1].detach()
    logits[[PAD, BOS]] = float("-inf")  # never drawn
    n = 6000
    for temperature in (0.5, 1.0, 2.0):
        ids, _ = sample_tokens(dec, n, bos_id=BOS, eos_id=EOS, max_len=1, temperature=temperature,
                               generator=torch.Generator().manual_seed(4))
        first = torch.where(ids[:, 1] == PAD, torch.tensor(EOS), ids[:, 1])  # a sequence that ended draws EOS
        counts = torch.bincount(first, minlength=6).double()
        p = torch.softmax(logits.double() / temperature, 0)
        assert counts[PAD] == 0 and counts[BOS] == 0
        keep = p > 0
        chi2 = float((((counts - n * p) ** 2) / (n * p))[keep].sum())
        assert chi2 < 25.0, (temperature, chi2)  # 3 dof: p ~ 1e-5 for a correct sampler


def test_lower_temperature_lowers_entropy_at_every_position():
    dec = _decoder(seed=4)
    ids, _ = sample_tokens(dec, 32, bos_id=BOS, eos_id=EOS, max_len=8, generator=torch.Generator().manual_seed(1))
    logits = dec(ids)[0].detach()
    h = [entropy_per_token(logits, t) for t in (0.5, 0.75, 1.0, 1.5)]
    for low, high in zip(h, h[1:]):
        assert (low < high).all()
    assert (entropy_per_token(logits, 0.0) == 0).all()


def test_samples_are_reproducible_from_the_generator_only():
    dec = _decoder(seed=5)
    a = sample_tokens(dec, 20, bos_id=BOS, eos_id=EOS, max_len=8, generator=torch.Generator().manual_seed(3))
    torch.manual_seed(123)  # the global RNG plays no part
    b = sample_tokens(dec, 20, bos_id=BOS, eos_id=EOS, max_len=8, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    ids, lengths = a
    for row, n in zip(ids, lengths):
        body = row[1:1 + n]
        assert ((body >= 3) & (body <= 5)).all()  # only data tokens inside a sequence
