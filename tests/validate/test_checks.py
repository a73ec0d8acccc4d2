"""Generic checks: two-sample tests, the classifier test, memorisation; distances and error bars."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from scigen.validate import (StatValue, chi2_per_dof, classifier_test, compare, energy_test, jackknife,
                             memorisation_test, mmd_test, size_correction, z_score)
from scigen.validate.features import featurize
from scigen.validate.twosample import auroc_null_sd, delong


def test_classifier_auroc_is_half_for_one_distribution_and_near_one_for_two():
    rng = np.random.default_rng(0)
    same = classifier_test(rng.normal(size=(600, 5)), rng.normal(size=(600, 5)), seed=0)
    assert abs(same["auroc"] - 0.5) < 0.08 and same["p_value"] > 0.0027
    assert same["ci"][1] - same["ci"][0] == pytest.approx(2 * 1.96 * same["se"], rel=1e-6)
    diff = classifier_test(rng.normal(size=(600, 5)), rng.normal(size=(600, 5)) + 1.5, seed=0)
    assert diff["auroc"] > 0.95 and diff["ci"][0] > 0.9 and diff["p_value"] < 1e-10


def test_classifier_catches_a_change_of_width_too():
    rng = np.random.default_rng(1)
    r = classifier_test(rng.normal(size=(600, 4)), 1.6 * rng.normal(size=(600, 4)), seed=0)
    assert r["auroc"] > 0.7 and r["p_value"] < 1e-6


def test_delong_auc_matches_sklearn_and_its_variance_the_null_formula():
    rng = np.random.default_rng(2)
    pos, neg = rng.normal(0.3, 1, 300), rng.normal(0, 1, 400)
    auc, var = delong(pos, neg)
    assert auc == pytest.approx(roc_auc_score(np.r_[np.ones(300), np.zeros(400)], np.r_[pos, neg]))
    # for an uninformative score the DeLong variance matches (m + n + 1) / (12 m n)
    aucs, vars_ = zip(*[delong(rng.normal(size=300), rng.normal(size=400)) for _ in range(200)])
    assert np.sqrt(np.mean(vars_)) == pytest.approx(auroc_null_sd(300, 400), rel=0.05)
    assert np.std(aucs) == pytest.approx(auroc_null_sd(300, 400), rel=0.15)


@pytest.mark.parametrize("test", [energy_test, mmd_test])
def test_permutation_tests_accept_one_distribution_and_reject_a_shift(test):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3))
    same = test(x, rng.normal(size=(200, 3)), n_permutations=300, seed=1)
    shifted = test(x, rng.normal(size=(200, 3)) + 0.5, n_permutations=300, seed=1)
    assert same.p_value > 0.01 and abs(same.z) < 3
    assert shifted.p_value < 0.01 and shifted.z > 5


def test_permutation_p_values_are_calibrated():
    rng = np.random.default_rng(4)
    p = [energy_test(rng.normal(size=(40, 2)), rng.normal(size=(40, 2)), n_permutations=99, seed=i).p_value
         for i in range(60)]
    assert 0.35 < np.mean(p) < 0.65  # uniform under the null
    assert np.mean(np.array(p) < 0.1) < 0.25


def _memo(real, fake, train):
    f = featurize([real, fake, train])
    return memorisation_test(f[1], f[0], f[2], fake_raw=fake, real_raw=real, train_raw=train)


def test_memorisation_flags_a_copy_of_the_training_set():
    rng = np.random.default_rng(5)
    train, real = rng.normal(size=(500, 6)), rng.normal(size=(300, 6))
    copied = _memo(real, train[:300].copy(), train)
    assert copied["flagged"] and copied["fake_copy_fraction"] == 1.0 and copied["real_copy_fraction"] == 0.0
    noisy = _memo(real, train[:300] + 0.01 * rng.normal(size=(300, 6)), train)
    assert noisy["flagged"] and noisy["fake_copy_fraction"] == 0.0 and noisy["nearness_auc"] > 0.95
    partial = np.vstack([train[:60], rng.normal(size=(240, 6))])  # 20% copies
    assert _memo(real, partial, train)["flagged"]


def test_memorisation_does_not_flag_fresh_or_merely_different_samples():
    rng = np.random.default_rng(6)
    train, real = rng.normal(size=(500, 6)), rng.normal(size=(300, 6))
    fresh = _memo(real, rng.normal(size=(300, 6)), train)
    assert not fresh["flagged"] and abs(fresh["nearness_auc"] - 0.5) < 0.07
    for other in (0.6 * rng.normal(size=(300, 6)), rng.normal(size=(300, 6)) + 0.5):  # narrower, shifted
        assert not _memo(real, other, train)["flagged"]


def test_memorisation_check_in_compare():
    rng = np.random.default_rng(7)
    train, real = rng.normal(size=(400, 5)), rng.normal(size=(300, 5))
    copy = compare(real, train[:300], ["mean"], train=train, checks=["memorisation"])
    (c,) = copy.checks
    assert c.verdict == "fail" and c.details["fake_copy_fraction"] == 1.0 and not copy.passed
    fresh = compare(real, rng.normal(size=(300, 5)), ["mean"], train=train, checks=["memorisation"])
    assert fresh.checks[0].verdict == "pass" and fresh.passed
    leaked = compare(train[:300], rng.normal(size=(300, 5)), ["mean"], train=train, checks=["memorisation"])
    assert leaked.checks[0].verdict == "error" and "held-out" in leaked.checks[0].reason
    no_train = compare(real, rng.normal(size=(300, 5)), ["mean"], checks=["memorisation"])
    assert no_train.checks[0].verdict == "skipped" and no_train.passed


def test_default_checks_pass_for_one_distribution_and_fail_for_another():
    rng = np.random.default_rng(8)
    real = rng.normal(size=(400, 8))
    same = compare(real, rng.normal(size=(400, 8)), ["mean"], train=rng.normal(size=(400, 8)))
    assert [c.name for c in same.checks] == ["marginals", "energy", "mmd", "classifier", "memorisation"]
    assert all(c.verdict == "pass" for c in same.checks), same.table()
    other = compare(real, rng.normal(size=(400, 8)) * 1.4, ["mean"], checks=["energy", "mmd", "classifier"])
    assert all(c.verdict == "fail" for c in other.checks)
    tolerated = compare(real, rng.normal(size=(400, 8)) * 1.4, ["mean"], checks=["classifier"],
                        check_tolerance={"classifier": 0.4})
    assert tolerated.checks[0].verdict == "pass"


def test_features_are_consistent_across_sets_of_every_kind():
    import pandas as pd

    a = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": ["u", "v", "u"]})
    b = pd.DataFrame({"x": [2.0, np.nan, 5.0], "c": ["w", "u", "u"]})
    fa, fb = featurize([a, b], standardise=False)
    assert fa.shape[1] == fb.shape[1] == 5  # x, x missing, one-hot u, v, w
    assert fa[1, 0] == 2.0 and fa[1, 1] == 1.0  # median-filled with a missing indicator
    complete = b.fillna(4.0)  # a complete generated table: no indicator, gaps alone must not separate the sets
    fa, fc = featurize([a, complete], standardise=False)
    assert fa.shape[1] == fc.shape[1] == 4 and fa[1, 0] == 2.0


def test_a_joint_feature_function_sees_every_set_at_once():
    seen = []

    def centred_on_first(sets):
        seen.append(len(sets))
        ref = np.asarray(sets[0], dtype=float).mean(axis=0)
        return [np.asarray(s, dtype=float) - ref for s in sets]

    centred_on_first.scigen_joint_features = True
    fa, fb = featurize([np.ones((3, 2)), np.full((4, 2), 3.0)], features=centred_on_first, standardise=False)
    assert seen == [2] and np.all(fa == 0) and np.all(fb == 2)
    s1, s2 = featurize([np.array(["CCO", "CC"], dtype=object), np.array(["N", "CCCN"], dtype=object)],
                       standardise=False)
    assert s1.shape[1] == s2.shape[1] and s2[1, -1] == 4  # last column: length
    big = featurize([np.zeros((3, 64, 64)), np.ones((3, 64, 64))], max_dims=100, standardise=False)
    assert big[0].shape == (3, 100)


def test_standardised_distances_have_unit_size_under_the_null():
    rng = np.random.default_rng(9)
    cov = 0.7 ** np.abs(np.subtract.outer(np.arange(10), np.arange(10)))  # correlated components
    chi2, z = [], []
    for _ in range(150):
        a = rng.multivariate_normal(np.zeros(10), cov, 300)
        b = rng.multivariate_normal(np.zeros(10), cov, 200)
        chi2.append(chi2_per_dof(StatValue(a.mean(0), per_sample=a), StatValue(b.mean(0), per_sample=b)))
        z.append(z_score(StatValue(a[:, 0].mean(), per_sample=a[:, 0]), StatValue(b[:, 0].mean(), per_sample=b[:, 0])))
    assert np.mean(chi2) == pytest.approx(1.0, abs=0.15)
    assert np.sqrt(np.mean(np.square(z))) == pytest.approx(1.0, abs=0.15)


def test_size_correction():
    assert size_correction("se", 1000, 1000, 500, 500) == pytest.approx(1 / np.sqrt(2))
    assert size_correction("variance", 1000, 1000, 500, 500) == pytest.approx(0.5)
    assert size_correction("standardised", 1000, 10, 500, 500) == 1.0


def test_jackknife_error_of_a_variance():
    rng = np.random.default_rng(10)
    values = rng.normal(size=4000)
    sv = jackknife(values, np.var, n_blocks=40)
    assert sv.value == pytest.approx(1.0, abs=0.08)
    assert sv.error == pytest.approx(np.sqrt(2 / 4000), rel=0.35)  # Var(s^2) = 2 sigma^4 / N
    assert sv.n == 4000 and sv.per_sample.shape == (40,)
