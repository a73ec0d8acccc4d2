"""The SMILES generators: engine conformance, sampling, fine-tuning, the prototype VAE's diversity layer."""

import json

import pytest
import torch

from scigen.chem import pipeline
from scigen.chem.data import load_moses
from scigen.chem.models import CharLSTM, PrototypeVAE, encode_smiles
from scigen.chem.tokenizer import Vocabulary
from scigen.engine import ArrayDataset, TrainConfig, load_model, seeded
from scigen.errors import InputError
from scigen.nn.recurrent import entropy_per_token
from scigen.testing import check_model

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


@pytest.fixture(scope="module")
def moses():
    smiles = list(load_moses("train", 64))
    vocab = Vocabulary.build(smiles)
    return smiles, vocab


def _decodable(vocab, n):
    def check(samples):
        assert isinstance(samples, list) and len(samples) == n
        for s in samples:
            assert isinstance(s, str)
            assert vocab.decode(vocab.encode(s)) == s  # every token is in the vocabulary
    return check


def test_char_lstm_passes_the_engine_conformance_suite(moses, tmp_path):
    smiles, vocab = moses
    ids = encode_smiles(vocab, smiles, 60)
    summary = check_model(lambda: CharLSTM(vocab=vocab.to_dict(), embed_dim=8, hidden=16, layers=1, max_len=60),
                          ArrayDataset(samples=ids), tmp_path, sample_n=5, check_sample=_decodable(vocab, 5))
    assert summary["model"] == "chem.char_lstm"


def test_prototype_vae_passes_the_engine_conformance_suite(moses, tmp_path):
    smiles, vocab = moses
    ids = encode_smiles(vocab, smiles, 60)
    make = lambda: PrototypeVAE(vocab=vocab.to_dict(), max_len=60, latent_dim=4, embed_dim=8, conv_channels=[4, 4],
                                conv_kernels=[5, 5], dense=16, dec_embed=8, hidden=16, layers=1)
    check_model(make, ArrayDataset(samples=ids), tmp_path, sample_n=5, check_sample=_decodable(vocab, 5))
    model = load_model(tmp_path / "full")  # the vocabulary travels in the checkpoint's config
    assert model.vocabulary == vocab
    out = model.generate_from_prototype(smiles[0], 3, 0.5, generator=torch.Generator().manual_seed(0))
    _decodable(vocab, 3)(out)
    beams = model.beam_search(model.encode_latent([smiles[0]])[0], beam_width=4, n_best=3)[0]
    assert [s for _, s in beams] == sorted((s for _, s in beams), reverse=True)


def test_kl_annealing_schedule(moses):
    _, vocab = moses
    m = PrototypeVAE(vocab=vocab.to_dict(), max_len=60, latent_dim=4, dense=16, hidden=16, layers=1,
                     kl_weight=0.5, kl_warmup_steps=10, kl_start=5)
    assert [m.beta(s) for s in (0, 4)] == [0.0, 0.0]
    assert m.beta(5) == pytest.approx(0.05) and m.beta(9) == pytest.approx(0.25)
    assert m.beta(14) == m.beta(1000) == 0.5


def test_temperature_lowers_entropy_on_the_models_own_distribution(moses):
    smiles, vocab = moses
    with seeded(0):
        m = CharLSTM(vocab=vocab.to_dict(), embed_dim=8, hidden=16, layers=1, max_len=60).eval()
    logits = m.next_token_logits(encode_smiles(vocab, smiles[:8], 60))
    h = torch.stack([entropy_per_token(logits, t).mean() for t in (0.25, 0.5, 0.75, 1.0, 1.5)])
    assert (h[1:] > h[:-1]).all()
    cold = m.sample(50, generator=torch.Generator().manual_seed(0), temperature=0.0)
    assert len(set(cold)) == 1  # temperature 0: greedy, one sequence


def test_invalid_training_smiles_are_skipped_and_counted(tmp_path):
    smiles = list(load_moses("train", 40)) + ["C1CC", "", "c1cccc1", "CC(C"] + list(load_moses("train", 3))
    summary = pipeline.train_lstm(smiles, tmp_path / "run", TrainConfig(steps=2, batch_size=8, log_every=1),
                                  embed_dim=8, hidden=8, layers=1, max_len=60)
    assert summary["molecules"] == 40
    report = json.loads((tmp_path / "run" / "data_report.json").read_text())
    assert report["dropped"] == {"invalid_syntax": 2, "empty": 1, "invalid_aromaticity": 1, "duplicate": 3}
    assert report["n_in"] == 47 and report["n_kept"] == 40
    assert Vocabulary.load(tmp_path / "run" / "vocab.json") == load_model(tmp_path / "run").vocabulary


@pytest.mark.parametrize("train", [pipeline.train_lstm, pipeline.train_vae])
def test_bf16_autocast_trains_as_well_as_fp32_on_the_cpu(train, tmp_path):
    """The LSTMs run under CPU bf16 autocast and learn at fp32's pace: the same seed and batches give
    a final training loss within 3% of fp32's, far below the untrained loss (ln V nats/token)."""
    smiles = list(load_moses("train", 300))
    size = dict(hidden=32, layers=1, max_len=60, lr=3e-3)
    final = {}
    for precision in ("fp32", "bf16"):
        summary = train(smiles, tmp_path / precision, TrainConfig(steps=60, batch_size=32, log_every=20, seed=0,
                                                                 precision=precision), **size)
        assert summary["precision"] == precision
        final[precision] = summary["final"].get("recon", summary["final"]["loss"])
    vocab_size = len(load_model(tmp_path / "fp32").vocabulary)
    assert final["fp32"] < 0.7 * torch.log(torch.tensor(float(vocab_size)))
    assert final["bf16"] == pytest.approx(final["fp32"], rel=0.03)


def test_fine_tuning_lowers_the_loss_on_the_set_and_names_unknown_tokens(tmp_path):
    train = list(load_moses("train", 200))
    pipeline.train_lstm(train, tmp_path / "base", TrainConfig(steps=30, batch_size=32, log_every=10),
                        embed_dim=16, hidden=32, layers=1, max_len=60, lr=3e-3)
    actives = ["CC(=O)Oc1ccccc1C(=O)O", "CC(=O)Nc1ccc(O)cc1", "CC(C)Cc1ccc(C(C)C(=O)O)cc1"]
    summary = pipeline.fine_tune(tmp_path / "base", actives, tmp_path / "ft", TrainConfig(steps=0, batch_size=3),
                                 epochs=12, lr=3e-3, measure_n=50)
    assert summary["steps"] == 12 and summary["molecules"] == 3
    assert summary["after"]["actives_log_likelihood"] > summary["before"]["actives_log_likelihood"] + 1.0
    tuned = load_model(tmp_path / "ft")
    base = load_model(tmp_path / "base")
    assert tuned.log_likelihood(actives).mean() > base.log_likelihood(actives).mean()
    assert json.loads((tmp_path / "ft" / "fine_tune_report.json").read_text())["molecules"] == 3
    # the model's own method: in place, no run directory, the same 12 steps from the same weights
    before = base.log_likelihood(actives)
    in_place = base.fine_tune(actives, epochs=12, batch_size=3, lr=3e-3, seed=0)
    assert in_place["steps"] == 12 and in_place["run"] is None and in_place["before"] is None
    assert base.log_likelihood(actives).mean() > before.mean() + 1.0
    assert base.log_likelihood(actives) == pytest.approx(tuned.log_likelihood(actives), abs=1e-3)
    with pytest.raises(InputError, match=r"\[Se\].*not in the vocabulary|not in the vocabulary.*"):
        pipeline.fine_tune(tmp_path / "base", ["CCO", "CC[Se]CC"], tmp_path / "ft2", measure_n=0)
    try:
        pipeline.fine_tune(tmp_path / "base", ["CCO", "CC[Se]CC"], tmp_path / "ft3", measure_n=0)
    except InputError as exc:
        assert "CC[Se]CC" in str(exc) and "molecule 1" in str(exc)


def test_prototype_errors(moses):
    _, vocab = moses
    m = PrototypeVAE(vocab=vocab.to_dict(), max_len=30, latent_dim=4, dense=16, hidden=16, layers=1,
                     conv_kernels=[3, 3, 3]).eval()
    with pytest.raises(InputError, match="not a valid molecule"):
        m.generate_from_prototype("C1CC", 2)
    with pytest.raises(InputError, match="max_len"):
        m.generate_from_prototype("CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", 2)
    with pytest.raises(InputError, match="Se"):
        m.generate_from_prototype("CC[Se]CC", 2)
    with pytest.raises(InputError, match="diversity"):
        m.generate_from_prototype(ASPIRIN, 2, diversity=-1)


def test_diversity_layer_controls_distance_from_the_prototype(tmp_path):
    """A small VAE trained on a few drugs reconstructs the prototype from its own code (diversity 0,
    greedy) and yields more distinct, less similar molecules as the diversity grows."""
    from scigen.chem.data import load_prototypes

    drugs = [s for s in load_prototypes().smiles][:8]
    pipeline.train_vae(drugs * 8, tmp_path / "vae", TrainConfig(steps=250, batch_size=16, log_every=50, seed=0),
                       latent_dim=8, hidden=64, layers=1, lr=5e-3, kl_weight=0.01, max_len=60,
                       embed_dim=16, conv_channels=[16, 16], conv_kernels=[7, 7], dense=64)
    vae = load_model(tmp_path / "vae")
    from scigen.chem.mol import canonical

    proto = canonical(ASPIRIN)
    g = lambda: torch.Generator().manual_seed(1)
    assert vae.generate_from_prototype(ASPIRIN, 1, 0.0, temperature=0.0, generator=g()) == [proto]
    assert vae.generate_from_prototype(ASPIRIN, 1, 0.0, method="beam", beam_width=3, generator=g()) == [proto]
    distinct, similarity = [], []
    for diversity in (0.0, 3.0):
        out = vae.generate_from_prototype(ASPIRIN, 60, diversity, temperature=0.7, generator=g())
        distinct.append(len(set(out)))
        valid = [s for s in out if canonical(s)]
        similarity.append(pipeline.similarity_to(valid, [proto]).mean() if valid else 0.0)
    assert distinct[1] > distinct[0]
    assert similarity[0] > similarity[1]
    from scigen.chem.prototypes import diversity_sweep, reconstruction

    rec = reconstruction(vae, [ASPIRIN, "CC[Se]CC"])  # selenium: not in the vocabulary, skipped
    assert rec["n"] == 1 and rec["skipped"] == 1 and rec["exact"] == 1.0 and rec["similarity"] == 1.0
    # eight training molecules lie far apart in the code space: 10 sigma leaves aspirin's basin
    near, far = diversity_sweep(vae, ASPIRIN, (0.0, 10.0), n=40, temperature=0.7, seed=1)
    assert near["prototype_fraction"] > far["prototype_fraction"] and near["distinct"] < far["distinct"]
