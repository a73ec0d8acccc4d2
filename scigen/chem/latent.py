"""A fitted prior for the prototype VAE's latent space: a Gaussian mixture over encoded molecules.

A VAE trained with a small KL weight keeps an informative code (it reconstructs its prototypes),
but its aggregate posterior then fills only part of N(0, I): codes drawn from the standard normal
prior land in regions no training molecule was encoded to, and decode less often to valid SMILES.
"Ex-post density estimation" (Ghosh et al. 2020, "From Variational to Deterministic Autoencoders",
arXiv:1903.12436) fits a density to the codes of the training set after training and samples from
it instead. :class:`LatentMixture` is that density: a full-covariance Gaussian mixture fitted with
scikit-learn's EM to the posterior means of training molecules, saved as a plain ``.npz`` (no
pickles) beside the run, and tied to the checkpoint it was fitted to by the weights' SHA-256.

docs/chem.md section 7 measures it against N(0, I) (validity, FCD, novelty at the same n).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from scigen.errors import InputError

FIELDS = ("weights", "means", "covariances", "n_codes", "weights_sha256")


@dataclass(frozen=True)
class LatentMixture:
    """A Gaussian mixture on a latent space of width D with K components.

    Attributes:
        weights: (K,) mixing weights, summing to 1.
        means: (K, D) component means.
        covariances: (K, D, D) full, positive-definite component covariances.
        n_codes: how many codes it was fitted to.
        weights_sha256: SHA-256 of the model weights whose codes these are ('' if unknown).
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    n_codes: int
    weights_sha256: str = ""

    def __post_init__(self) -> None:
        k, d = self.means.shape if self.means.ndim == 2 else (None, None)
        if k is None or self.weights.shape != (k,) or self.covariances.shape != (k, d, d):
            raise InputError(f"a latent mixture needs weights (K,), means (K, D) and covariances (K, D, D); got "
                             f"{self.weights.shape}, {self.means.shape}, {self.covariances.shape}")
        if not np.all(np.isfinite(self.means)) or not np.all(np.isfinite(self.covariances)):
            raise InputError("a latent mixture's means and covariances must be finite")
        if np.any(self.weights < 0) or not np.isclose(self.weights.sum(), 1.0, atol=1e-6):
            raise InputError(f"a latent mixture's weights must be >= 0 and sum to 1 (sum {self.weights.sum():.6f})")

    @property
    def latent_dim(self) -> int:
        return int(self.means.shape[1])

    @property
    def components(self) -> int:
        return int(self.means.shape[0])

    @classmethod
    def fit(cls, codes: np.ndarray, components: int = 20, *, seed: int = 0, weights_sha256: str = "") -> LatentMixture:
        """Fit ``components`` full-covariance Gaussians to ``codes`` (N, D) by EM (k-means start;
        scikit-learn's ``reg_covar`` 1e-6 keeps each covariance positive definite), on as many BLAS
        threads as torch uses (``torch.set_num_threads``, ``--threads``)."""
        from sklearn.mixture import GaussianMixture

        codes = np.asarray(codes, dtype=np.float64)
        if codes.ndim != 2 or not np.all(np.isfinite(codes)):
            raise InputError(f"latent codes must be a finite (N, D) array, got shape {codes.shape}")
        if components < 1:
            raise InputError(f"a latent mixture needs at least 1 component, got {components}")
        if len(codes) < 2 * components:
            raise InputError(f"{len(codes)} codes are too few for {components} mixture components; encode at least "
                             f"{2 * components} molecules or ask for fewer components")
        from threadpoolctl import threadpool_limits

        with threadpool_limits(torch.get_num_threads()):  # as many BLAS threads as torch's: no oversubscription
            gm = GaussianMixture(components, covariance_type="full", random_state=seed, max_iter=200).fit(codes)
        return cls(gm.weights_ / gm.weights_.sum(), gm.means_, gm.covariances_, len(codes), weights_sha256)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, D) float32 codes: a component by its weight, then a draw from its Gaussian."""
        weights = torch.as_tensor(self.weights, dtype=torch.float64)
        which = torch.multinomial(weights, n, replacement=True, generator=generator)
        chol = torch.linalg.cholesky(torch.as_tensor(self.covariances, dtype=torch.float64))
        eps = torch.randn(n, self.latent_dim, generator=generator, dtype=torch.float64)
        z = torch.as_tensor(self.means, dtype=torch.float64)[which] + (chol[which] @ eps.unsqueeze(-1)).squeeze(-1)
        return z.float()

    def save(self, path: str | os.PathLike) -> Path:
        """Write the mixture to ``path`` (.npz, atomically)."""
        from scigen.io.atomic import write_bytes_atomic

        buffer = io.BytesIO()
        np.savez(buffer, weights=self.weights, means=self.means, covariances=self.covariances,
                 n_codes=np.int64(self.n_codes), weights_sha256=np.str_(self.weights_sha256))
        return write_bytes_atomic(path, buffer.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike) -> LatentMixture:
        """Read a mixture written by :meth:`save` (arrays only: no pickled objects are read)."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"latent prior '{path}' does not exist; fit one with `scigen chem fit-prior`")
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = [f for f in FIELDS if f not in data.files]
                if missing:
                    raise InputError(f"latent prior '{path}' lacks the field(s) {missing}; it was not written by "
                                     f"`scigen chem fit-prior` (refit it)")
                fields = {f: data[f] for f in FIELDS}
        except (ValueError, OSError) as err:
            raise InputError(f"latent prior '{path}' is not a readable .npz file ({err}); refit it with "
                             f"`scigen chem fit-prior`") from err
        try:
            return cls(fields["weights"].astype(np.float64), fields["means"].astype(np.float64),
                       fields["covariances"].astype(np.float64), int(fields["n_codes"]), str(fields["weights_sha256"]))
        except InputError as err:
            raise InputError(f"latent prior '{path}': {err}") from err


def _weights_sha256(model) -> str:
    """SHA-256 of the checkpoint weights ``model`` was loaded from ('' for a model built in memory)."""
    return (getattr(model, "checkpoint_info", None) or {}).get("weights_sha256") or ""


def fit_prior(model, smiles, out=None, *, components: int = 20, max_molecules: int = 20_000, seed: int = 0,
              batch_size: int = 1000) -> tuple[LatentMixture, dict]:
    """Fit a :class:`LatentMixture` to the posterior means of ``smiles`` (a file or a list; the
    model's training set is the natural choice) under ``model`` (a prototype VAE or its run
    directory), and write it to ``out`` (.npz) when given.

    Molecules are canonicalised by RDKit; those the model cannot encode (invalid, a token outside
    its vocabulary, longer than ``max_len``) and repeats are skipped. Molecules are taken in a random
    order (``seed``) until ``max_molecules`` are usable. Returns (mixture, summary).
    """
    from scigen.chem.mol import canonical
    from scigen.chem.pipeline import VAE, load, read_input
    from scigen.chem.prototypes import fits_model

    vae = load(model, expected=VAE)
    raw, source = read_input(smiles)
    usable: list[str] = []
    seen: set[str] = set()
    order = np.random.default_rng(seed).permutation(len(raw))
    for start in range(0, len(raw), 10_000):  # in a random order, until max_molecules are usable
        canon = list(dict.fromkeys(c for c in (canonical(raw[i]) if raw[i] else None for i in order[start:start + 10_000])
                                   if c is not None and c not in seen))
        seen.update(canon)
        usable += [s for s, ok in zip(canon, fits_model(vae, canon)) if ok]
        if len(usable) >= max_molecules:
            usable = usable[:max_molecules]
            break
    if len(usable) < 2 * components:
        raise InputError(f"{source}: {len(usable)} molecule(s) the model can encode (of {len(raw)}); a "
                         f"{components}-component latent prior needs at least {2 * components}")
    codes = torch.cat([vae.encode_latent(usable[i:i + batch_size], source=source)[0].cpu()
                       for i in range(0, len(usable), batch_size)]).numpy()
    sha = _weights_sha256(vae)
    mixture = LatentMixture.fit(codes, components, seed=seed, weights_sha256=sha)
    summary = {"source": source, "n_in": len(raw), "n_encoded": len(usable), "components": components,
               "latent_dim": mixture.latent_dim, "weights_sha256": sha}
    if out is not None:
        summary["out"] = str(mixture.save(out))
    return mixture, summary


def load_prior(path, model) -> LatentMixture:
    """The mixture at ``path``, checked against ``model``: the same latent width and, where both
    record it, the same checkpoint weights."""
    mixture = LatentMixture.load(path)
    sha = _weights_sha256(model)
    if mixture.weights_sha256 and sha and mixture.weights_sha256 != sha:
        raise InputError(f"latent prior '{path}' was fitted to other weights (sha256 {mixture.weights_sha256[:12]}...) "
                         f"than this model's ({sha[:12]}...); refit it with `scigen chem fit-prior --model ...`")
    if mixture.latent_dim != model.latent_dim:
        raise InputError(f"latent prior '{path}' has {mixture.latent_dim} dimensions, the model's code "
                         f"{model.latent_dim}; refit it with `scigen chem fit-prior`")
    return mixture
