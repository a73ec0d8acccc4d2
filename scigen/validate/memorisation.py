"""Memorisation: do generated samples sit closer to the training set than unseen real data does?

Two one-sided tests, each at level alpha / 2, decide the verdict:

* **copies**: the fraction of fake samples identical to a training sample, against the fraction of
  held-out real samples (real data not used for training) that are (two-proportion z-test: with
  discrete data, such as spins at low temperature, honest copies happen);
* **nearness**: for a sample x, q = d_train(x) / d_heldout(x), its distance to the nearest training
  sample over its distance to the nearest held-out real sample (itself excluded). Both reference
  sets are draws of the real distribution, so wherever x lands, dense region or sparse, both
  distances scale alike and q keeps the same distribution: a fake that is merely narrower, wider or
  shifted is not mistaken for a copier. A copy or near-copy has q ~ 0. The test compares the fake
  q with the held-out real q (which carries the effect of the two reference sets' sizes) by a
  Mann-Whitney U, reported as an AUC (0.5: the fake is as near to the training set as fresh real
  data; 1: always nearer) with the null spread sqrt((m + n + 1) / (12 m n)). This is the
  data-copying question of Meehan, Chaudhuri & Dasgupta (AISTATS 2020), asked with held-out data as
  the local yardstick.

Reported beside them, not deciding: the raw nearest-training-sample distances of fake and held-out
samples and their Mann-Whitney Z_U (negative: fake closer; the global form of Meehan et al.'s
statistic), which also moves when the fake's distribution differs from the real one without any
copying. In high dimensions a strongly under- or over-dispersed fake can still shift q somewhat;
read the nearness test together with the per-statistic verdicts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as _st


def _row_keys(rows) -> list:
    if isinstance(rows, np.ndarray) and rows.dtype.kind not in "OUS":
        flat = np.ascontiguousarray(rows.reshape(len(rows), -1))
        return [r.tobytes() for r in flat]
    if hasattr(rows, "itertuples"):
        return [tuple(map(str, r)) for r in rows.itertuples(index=False, name=None)]
    return [str(r) for r in rows]


def memorisation_test(fake_f: np.ndarray, real_f: np.ndarray, train_f: np.ndarray, *, fake_raw=None,
                      real_raw=None, train_raw=None, alpha: float = 0.0027) -> dict[str, Any]:
    """Memorisation tests of fake features ``fake_f`` against training ``train_f`` and held-out real ``real_f``.

    Features are (n, d) arrays on one scale (see :func:`scigen.validate.features.featurize`);
    ``*_raw`` are the raw samples (arrays, strings, DataFrames) for exact-copy detection by value
    (the features are used when not given). Returns a dict: copy fractions and their test
    (``z_copy``, ``p_copy``), the nearness AUC and its test (``nearness_auc``, ``z_near``,
    ``p_near``), median ratios and raw distances, ``z_u``, ``p_value`` (the smaller deciding
    p-value, Bonferroni-adjusted over the two) and ``flagged`` (p_value < alpha), plus the per-sample
    ``q_fake``, ``q_real``, ``d_fake``, ``d_real`` arrays.
    """
    from sklearn.neighbors import NearestNeighbors

    m, n = len(fake_f), len(real_f)
    to_train = NearestNeighbors(n_neighbors=1).fit(train_f)
    d_fake = to_train.kneighbors(fake_f)[0][:, 0]
    d_real = to_train.kneighbors(real_f)[0][:, 0]
    to_real = NearestNeighbors(n_neighbors=2).fit(real_f)
    h_fake = to_real.kneighbors(fake_f, 1)[0][:, 0]
    h_real = to_real.kneighbors(real_f)[0][:, 1]  # the nearest other held-out sample
    q_fake, q_real = _ratio(d_fake, h_fake), _ratio(d_real, h_real)

    train_keys = set(_row_keys(train_raw if train_raw is not None else train_f))
    fake_copy = np.array([k in train_keys for k in _row_keys(fake_raw if fake_raw is not None else fake_f)])
    real_copy = np.array([k in train_keys for k in _row_keys(real_raw if real_raw is not None else real_f)])
    f_copy, r_copy = float(fake_copy.mean()), float(real_copy.mean())
    pooled = (fake_copy.sum() + real_copy.sum()) / (m + n)
    se = np.sqrt(pooled * (1 - pooled) * (1 / m + 1 / n))
    z_copy = (f_copy - r_copy) / se if se > 0 else (0.0 if f_copy <= r_copy else np.inf)
    p_copy = float(_st.norm.sf(z_copy))

    null_sd = np.sqrt((m + n + 1) / (12.0 * m * n))
    u_near = _st.mannwhitneyu(q_real, q_fake, method="asymptotic").statistic  # large: fake nearer
    auc = float(u_near) / (m * n)
    z_near = (auc - 0.5) / null_sd
    p_near = float(_st.norm.sf(z_near))
    u_raw = _st.mannwhitneyu(d_fake, d_real, method="asymptotic").statistic
    z_u = (float(u_raw) / (m * n) - 0.5) / null_sd

    p_min = min(1.0, 2 * min(p_copy, p_near))
    med_r = float(np.median(d_real))
    return {
        "fake_copy_fraction": f_copy, "real_copy_fraction": r_copy, "z_copy": float(z_copy), "p_copy": p_copy,
        "nearness_auc": auc, "nearness_null_sd": float(null_sd), "z_near": float(z_near), "p_near": p_near,
        "median_q_fake": float(np.median(q_fake)), "median_q_real": float(np.median(q_real)),
        "real_duplicate_fraction": _duplicate_fraction(real_raw if real_raw is not None else real_f),
        "median_fake_distance": float(np.median(d_fake)), "median_real_distance": med_r,
        "distance_ratio": float(np.median(d_fake) / med_r) if med_r > 0 else None, "z_u": float(z_u),
        "p_value": p_min, "flagged": bool(p_min < alpha), "n_fake": m, "n_real": n, "n_train": len(train_f),
        "q_fake": q_fake, "q_real": q_real, "d_fake": d_fake, "d_real": d_real,
    }


def _ratio(d: np.ndarray, h: np.ndarray) -> np.ndarray:
    """d / h, with 0/0 -> 1 (equally near both: discrete data) and d/0 -> inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(h > 0, d / np.where(h > 0, h, 1.0), np.where(d > 0, np.inf, 1.0))


def _duplicate_fraction(rows) -> float:
    """Fraction of rows that equal another row of the same set."""
    from collections import Counter

    keys = _row_keys(rows)
    counts = Counter(keys)
    return float(np.mean([counts[k] > 1 for k in keys])) if keys else 0.0
