"""The fitted latent prior of the prototype VAE (ex-post density estimation, scigen.chem.latent)."""

import numpy as np
import pytest
import torch

from scigen.chem import pipeline
from scigen.chem.latent import LatentMixture, fit_prior, load_prior
from scigen.chem.mol import canonical
from scigen.engine import TrainConfig, load_model
from scigen.errors import InputError


def _two_blobs(n: int, seed: int = 0) -> tuple[np.ndarray, dict]:
    """(n, 3) codes from a known mixture: weights 0.3 / 0.7, distinct means and covariances."""
    rng = np.random.default_rng(seed)
    truth = {"weights": np.array([0.3, 0.7]), "means": np.array([[4.0, 0.0, -1.0], [-2.0, 1.0, 0.5]]),
             "covariances": np.array([np.diag([0.5, 0.2, 0.1]), [[1.0, 0.6, 0.0], [0.6, 1.0, 0.0], [0.0, 0.0, 0.3]]])}
    which = rng.random(n) < truth["weights"][0]
    codes = np.where(which[:, None], rng.multivariate_normal(truth["means"][0], truth["covariances"][0], n),
                     rng.multivariate_normal(truth["means"][1], truth["covariances"][1], n))
    return codes, truth


def test_mixture_recovers_a_known_mixture_and_samples_from_it():
    codes, truth = _two_blobs(4000)
    mix = LatentMixture.fit(codes, components=2)
    order = np.argsort(mix.means[:, 0])[::-1]  # the component at x = 4 first, as in the truth
    assert np.allclose(mix.weights[order], truth["weights"], atol=0.03)
    assert np.allclose(mix.means[order], truth["means"], atol=0.1)
    assert np.allclose(mix.covariances[order], truth["covariances"], atol=0.1)
    # its samples have the codes' mean and covariance (standard errors ~0.03 at n = 4000)
    z = mix.sample(4000, torch.Generator().manual_seed(1)).numpy()
    assert z.shape == (4000, 3) and z.dtype == np.float32
    assert np.allclose(z.mean(0), codes.mean(0), atol=0.15)
    assert np.allclose(np.cov(z.T), np.cov(codes.T), atol=0.3)
    # seeded: the same generator seed, the same codes
    assert torch.equal(mix.sample(5, torch.Generator().manual_seed(2)), mix.sample(5, torch.Generator().manual_seed(2)))
    with pytest.raises(InputError, match="too few"):
        LatentMixture.fit(codes[:3], components=2)
    with pytest.raises(InputError, match="at least 1 component"):
        LatentMixture.fit(codes, components=0)


def test_mixture_file_round_trips_and_bad_files_are_named(tmp_path):
    mix = LatentMixture.fit(_two_blobs(400)[0], components=2, weights_sha256="ab" * 32)
    path = mix.save(tmp_path / "prior.npz")
    back = LatentMixture.load(path)
    assert back.n_codes == 400 and back.weights_sha256 == "ab" * 32
    for name in ("weights", "means", "covariances"):
        assert np.array_equal(getattr(back, name), getattr(mix, name))
    assert list(tmp_path.iterdir()) == [path]  # written atomically: no temp file left

    with pytest.raises(InputError, match="missing.npz.*fit-prior"):
        LatentMixture.load(tmp_path / "missing.npz")
    (tmp_path / "garbage.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="garbage.npz"):
        LatentMixture.load(tmp_path / "garbage.npz")
    np.savez(tmp_path / "partial.npz", weights=mix.weights, means=mix.means)
    with pytest.raises(InputError, match="partial.npz.*covariances"):
        LatentMixture.load(tmp_path / "partial.npz")
    # an object array would need unpickling: refused, not executed
    np.savez(tmp_path / "pickled.npz", weights=np.array([{"a": 1}], dtype=object), means=mix.means,
             covariances=mix.covariances, n_codes=1, weights_sha256="")
    with pytest.raises(InputError, match="pickled.npz"):
        LatentMixture.load(tmp_path / "pickled.npz")
    np.savez(tmp_path / "unnormalised.npz", weights=mix.weights * 2, means=mix.means, covariances=mix.covariances,
             n_codes=1, weights_sha256="")
    with pytest.raises(InputError, match="unnormalised.npz.*sum to 1"):
        LatentMixture.load(tmp_path / "unnormalised.npz")


def test_a_vae_samples_its_codes_from_the_fitted_prior(tmp_path):
    """A small VAE trained on 8 drugs: the prior fitted to their codes reproduces the codes' spread
    (which N(0, I) does not), and the codes it draws are the ones decoded."""
    from scigen.chem.data import load_prototypes

    drugs = [canonical(s) for s in load_prototypes().smiles][:8]
    pipeline.train_vae(drugs * 8, tmp_path / "vae", TrainConfig(steps=250, batch_size=16, log_every=50, seed=0),
                       latent_dim=8, hidden=64, layers=1, lr=5e-3, kl_weight=0.01, max_len=60,
                       embed_dim=16, conv_channels=[16, 16], conv_kernels=[7, 7], dense=64)
    vae = load_model(tmp_path / "vae")
    mix, summary = fit_prior(tmp_path / "vae", drugs + ["CC[Se]CC", "not a molecule"], tmp_path / "prior.npz",
                             components=1)
    assert summary["n_in"] == 10 and summary["n_encoded"] == 8  # selenium and the invalid one skipped
    assert mix.weights_sha256 == vae.checkpoint_info["weights_sha256"]
    codes = vae.encode_latent(drugs)[0].numpy()
    drawn = load_prior(tmp_path / "prior.npz", vae).sample(20_000, torch.Generator().manual_seed(0)).numpy()
    assert np.allclose(drawn.mean(0), codes.mean(0), atol=0.05 * codes.std())
    assert np.allclose(np.cov(drawn.T), np.cov(codes.T, bias=True), atol=0.05 * codes.var(0).max())
    assert abs(np.log(codes.var(0).mean())) > 1  # the codes' spread is not N(0, I)'s, so the fit matters

    # a prior concentrated on aspirin's code: every sample decodes (greedily) to aspirin
    aspirin = canonical("CC(=O)Oc1ccccc1C(=O)O")
    at_aspirin = LatentMixture(np.ones(1), vae.encode_latent([aspirin])[0].numpy().astype(np.float64),
                               np.eye(8)[None] * 1e-10, 1)
    assert set(vae.sample(5, temperature=0.0, prior=at_aspirin)) == {aspirin}
    assert vae.sample(5, temperature=0.0) != [aspirin] * 5

    other = LatentMixture(mix.weights, mix.means, mix.covariances, 8, "cd" * 32)
    other.save(tmp_path / "other.npz")
    with pytest.raises(InputError, match="other weights"):
        load_prior(tmp_path / "other.npz", vae)
    narrow = LatentMixture.fit(np.random.default_rng(0).normal(size=(40, 3)), components=2)
    with pytest.raises(InputError, match="3 dimensions"):
        vae.sample(2, prior=narrow)
    with pytest.raises(InputError, match="needs at least"):
        fit_prior(vae, drugs[:3], components=2)
