"""Generators on SELFIES: SMILES in and out, every sample a molecule, the whole pipeline and CLI."""

import json

import pytest
import torch
from rdkit import Chem

from scigen.chem import pipeline
from scigen.chem.data import load_moses
from scigen.chem.metrics import validity
from scigen.chem.models import CharLSTM, PrototypeVAE, encode_smiles
from scigen.chem.mol import canonical
from scigen.chem.tokenizer import Vocabulary, from_smiles, smiles_to_selfies, to_smiles
from scigen.cli import main
from scigen.engine import ArrayDataset, TrainConfig, load_model, seeded
from scigen.errors import InputError
from scigen.testing import check_model

TINY_VAE = dict(latent_dim=4, embed_dim=8, conv_channels=[4, 4], conv_kernels=[5, 5], dense=16, dec_embed=8,
                hidden=16, layers=1)


@pytest.fixture(scope="module")
def selfies_set():
    smiles = list(load_moses("train", 200))
    vocab = Vocabulary.build([smiles_to_selfies(s) for s in smiles], representation="selfies")
    return smiles, vocab


def test_smiles_survive_the_trip_through_selfies_ids(selfies_set):
    smiles, vocab = selfies_set
    ids = encode_smiles(vocab, smiles, 80)  # SMILES in: written as SELFIES, then tokenized
    assert ids.shape == (len(smiles), 82)
    back = [vocab.to_smiles(vocab.decode(row)) for row in ids.numpy()]
    assert [canonical(s) for s in back] == [canonical(s) for s in smiles]
    assert from_smiles("CCO", "smiles") == "CCO" and to_smiles("CCO") == "CCO"
    assert to_smiles("[C]<unk>[O]", "selfies") == "[C]<unk>[O]"  # undecodable: kept, so counted invalid
    with pytest.raises(InputError, match="representation"):
        from_smiles("CCO", "inchi")


def test_an_untrained_selfies_model_writes_only_molecules(selfies_set):
    """SELFIES' guarantee, end to end: random weights, random symbols, and every non-empty sample is
    a molecule RDKit accepts; the same untrained model on SMILES writes almost none."""
    smiles, vocab = selfies_set
    smiles_vocab = Vocabulary.build(smiles)
    out = {}
    for name, v in (("selfies", vocab), ("smiles", smiles_vocab)):
        with seeded(0):
            m = CharLSTM(vocab=v.to_dict(), embed_dim=8, hidden=16, layers=1, max_len=40).eval()
        out[name] = m.sample(300, generator=torch.Generator().manual_seed(0))
    written = [s for s in out["selfies"] if s]
    assert len(written) > 200
    assert all(Chem.MolFromSmiles(s) is not None for s in written)
    assert validity(out["smiles"]) < 0.2


def test_selfies_vae_passes_the_conformance_suite_and_samples_smiles(selfies_set, tmp_path):
    smiles, vocab = selfies_set
    ids = encode_smiles(vocab, smiles[:64], 80)

    def molecules(samples):
        assert len(samples) == 5
        assert all(Chem.MolFromSmiles(s) is not None for s in samples if s)  # SMILES out, not SELFIES

    make = lambda: PrototypeVAE(vocab=vocab.to_dict(), max_len=80, **TINY_VAE)
    check_model(make, ArrayDataset(samples=ids), tmp_path, sample_n=5, check_sample=molecules)
    model = load_model(tmp_path / "full")
    assert model.vocabulary.representation == "selfies"
    variations = model.generate_from_prototype("CC(=O)Oc1ccccc1C(=O)O", 4, 0.5, generator=torch.Generator().manual_seed(0))
    assert all(Chem.MolFromSmiles(s) is not None for s in variations if s)
    beams = model.beam_search(model.encode_latent([smiles[0]])[0], beam_width=3, n_best=2)[0]
    assert all(Chem.MolFromSmiles(s) is not None for s, _ in beams if s)


def test_training_on_selfies_counts_its_tokens_and_learns(tmp_path):
    """Lengths are counted in SELFIES symbols; a small VAE learns to reconstruct what it saw; the
    fine-tuning path reads SMILES for a SELFIES LSTM."""
    from scigen.chem.prototypes import encodable, reconstruction

    mols = list(load_moses("train", 16))
    long_one = "C" * 30  # 30 SMILES tokens, 30 SELFIES symbols: over max_len 28
    prepared = pipeline.prepare_smiles(mols + [long_one], max_len=28, representation="selfies")
    lengths = [len(Vocabulary([], representation="selfies").tokenize(t)) for t in prepared.texts]
    assert prepared.dropped["too_long"] >= 1 and max(lengths) <= 28
    assert prepared.texts == [smiles_to_selfies(s) for s in prepared.smiles]

    summary = pipeline.train_vae(mols * 8, tmp_path / "vae", TrainConfig(steps=400, batch_size=16, log_every=100, seed=0),
                                 latent_dim=8, hidden=64, layers=1, lr=5e-3, kl_weight=0.01, max_len=60, embed_dim=16,
                                 conv_channels=[16, 16], conv_kernels=[7, 7], dense=64, representation="selfies")
    assert summary["representation"] == "selfies"
    report = json.loads((tmp_path / "vae" / "data_report.json").read_text())
    assert report["representation"] == "selfies" and report["n_kept"] == 16
    vae = load_model(tmp_path / "vae")
    assert all(encodable(vae, mols))
    rec = reconstruction(vae, mols)
    assert rec["validity"] == 1.0 and rec["exact"] >= 0.9

    pipeline.train_lstm(mols, tmp_path / "lstm", TrainConfig(steps=20, batch_size=8, log_every=10),
                        embed_dim=8, hidden=16, layers=1, max_len=60, representation="selfies")
    tuned = pipeline.fine_tune(tmp_path / "lstm", ["CC(=O)Oc1ccccc1C(=O)O", "CCO"], tmp_path / "ft",
                               TrainConfig(steps=0, batch_size=2), epochs=3, measure_n=0)
    assert tuned["molecules"] == 2 and load_model(tmp_path / "ft").vocabulary.representation == "selfies"


def test_representation_from_the_command_line(tmp_path):
    from scigen.chem.files import write_smiles

    train = write_smiles(tmp_path / "train.smi", list(load_moses("train", 40)))
    args = ["--steps", "4", "--batch-size", "8", "--hidden", "16", "--layers", "1", "--log-every", "2", "--threads", "1"]
    assert main(["chem", "train-vae", "--smiles", str(train), "--out", str(tmp_path / "vae"),
                 "--representation", "selfies", *args]) == 0
    assert Vocabulary.load(tmp_path / "vae" / "vocab.json").representation == "selfies"
    assert main(["chem", "vocab", "--smiles", str(train), "--out", str(tmp_path / "v.json"),
                 "--representation", "selfies"]) == 0
    assert Vocabulary.load(tmp_path / "v.json") == Vocabulary.load(tmp_path / "vae" / "vocab.json")
    assert main(["chem", "sample", "--model", str(tmp_path / "vae"), "--n", "50", "--filter", "none",
                 "--out", str(tmp_path / "s.smi"), "--threads", "1"]) == 0
    report = json.loads((tmp_path / "s.filter.json").read_text())["filter"]
    assert set(report["dropped"]) <= {"empty"}  # nothing invalid but empty strings
