"""Syntax-constrained decoding: the mask never forbids a SMILES RDKit writes, forbids what RDKit cannot
parse, and a model decoded with it writes no syntax errors."""

import numpy as np
import pytest
import torch
from rdkit import Chem

from scigen.chem.data import load_moses, nci_first_5k
from scigen.chem.models import CharLSTM, PrototypeVAE
from scigen.chem.mol import invalid_reason
from scigen.chem.syntax import SmilesSyntax
from scigen.chem.tokenizer import Vocabulary, tokenize_smiles
from scigen.engine import seeded
from scigen.errors import InputError


def _refusals(syntax: SmilesSyntax, vocab: Vocabulary, smiles: list[str]) -> dict[int, int]:
    """{i: index of the first token of smiles[i] the mask forbids (its <eos> = number of tokens)},
    for the strings the mask refuses; all strings go through the mask as one batch."""
    seqs = [[vocab.index(t) for t in tokenize_smiles(s)] + [vocab.eos_id] for s in smiles]
    ids = torch.full((len(seqs), max(map(len, seqs))), -1)
    for i, seq in enumerate(seqs):
        ids[i, :len(seq)] = torch.tensor(seq)
    state, rows, refused = syntax.start(len(seqs), "cpu"), torch.arange(len(seqs)), {}
    for t in range(ids.shape[1]):
        running = ids[rows, t] >= 0
        state, rows = syntax.keep(state, running), rows[running]
        tokens = ids[rows, t]
        ok = syntax.allowed(state)[torch.arange(len(rows)), tokens]
        refused.update((int(r), t) for r in rows[~ok])
        state, rows = syntax.keep(state, ok), rows[ok]
        syntax.advance(state, tokens[ok])
    return refused


@pytest.fixture(scope="module")
def molecules():
    """Canonical MOSES molecules, NCI molecules (charges, brackets, %nn labels, '.') and random SMILES
    of both: orders and ring labels RDKit's canonical writer never uses."""
    moses = list(load_moses("train", 5000))
    nci = [s for s in nci_first_5k().smiles if Chem.MolFromSmiles(s) is not None]
    rng = np.random.default_rng(0)
    shuffled = []
    for s in rng.choice(moses + nci, 3000, replace=False):
        mol = Chem.MolFromSmiles(s)
        shuffled += [Chem.MolToSmiles(mol, doRandom=True, canonical=False) for _ in range(2)]
    by_hand = ["C%10CC%10", "C1CC2CC%10CC1C2CCC%10", "C1.C1", "[NH4+].[Cl-]", "C=1CCCCC=1", "C(C)(C)(C)C",
               "c1ccc2c(c1)[nH]c1ccccc12", "F/C=C/F", "C%(100)CC%(100)"]
    assert all(Chem.MolFromSmiles(s) is not None for s in by_hand)
    every = moses + nci + shuffled + by_hand
    return every, Vocabulary.build(every)


def test_the_mask_never_forbids_a_valid_smiles(molecules):
    smiles, vocab = molecules
    assert any("%" in s for s in smiles) and any("." in s for s in smiles) and any("[" in s for s in smiles)
    syntax = SmilesSyntax(vocab)
    refused = _refusals(syntax, vocab, smiles)
    assert [(smiles[i], t) for i, t in refused.items()] == []


@pytest.mark.parametrize("smiles, refused_at", [
    ("C1CC", 4),        # <eos> with ring 1 open
    ("CC(C", 4),        # <eos> with a branch open
    ("C)C", 1),         # ')' with no branch open
    ("C=", 2),          # <eos> after a bond
    ("", 0),            # an empty string
    ("C11", 2),         # a ring closed on the atom that opened it
    ("C1C1", 3),        # a ring closed on the atom bonded to it: a doubled bond
    ("C12CC21", 6),     # two rings closed between the same two atoms: a doubled bond
    ("C()C", 2),        # an empty branch
    ("(C)C", 0),        # a branch before the first atom
    ("C.(C)", 2),       # a branch after '.'
])
def test_the_mask_forbids_what_rdkit_cannot_parse(molecules, smiles, refused_at):
    _, vocab = molecules
    assert invalid_reason(smiles) in ("syntax", "empty")
    assert _refusals(SmilesSyntax(vocab), vocab, [smiles]) == {0: refused_at}


def test_constrained_decoding_writes_no_syntax_errors(molecules):
    """An untrained model writes mostly broken strings; the same model decoded with the mask writes
    none that RDKit fails to parse, and what remains invalid is valence or aromaticity."""
    smiles, vocab = molecules
    with seeded(0):
        lstm = CharLSTM(vocab.to_dict(), embed_dim=8, hidden=16, layers=1, max_len=60)
        vae = PrototypeVAE(vocab.to_dict(), max_len=60, latent_dim=4, embed_dim=8, conv_channels=[4, 4],
                           conv_kernels=[5, 5], dense=16, dec_embed=8, hidden=16, layers=1)
    for sample in (lambda **kw: lstm.sample(300, **kw), lambda **kw: vae.sample(300, **kw)):
        free = sample(generator=torch.Generator().manual_seed(1))
        masked = sample(generator=torch.Generator().manual_seed(1), constrained=True)
        free_reasons = [invalid_reason(s) for s in free]
        masked_reasons = [invalid_reason(s) for s in masked]
        assert free_reasons.count("syntax") + free_reasons.count("empty") > 150
        # an untrained model rarely ends; only strings cut at max_len may still be incomplete
        cut = sum(len(tokenize_smiles(s)) == 60 for s in masked)
        assert masked_reasons.count("syntax") <= cut and masked_reasons.count("empty") == 0
        assert all(r in (None, "syntax", "valence", "aromaticity") for r in masked_reasons)


def test_selfies_models_need_no_mask():
    vocab = Vocabulary.build(["[C][O]"], representation="selfies")
    with pytest.raises(InputError, match="selfies"):
        SmilesSyntax(vocab)
