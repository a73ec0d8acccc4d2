"""compare(): verdicts against the noise floor on data whose truth we know."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from scigen.errors import InputError
from scigen.io import SampleSet
from scigen.validate import NotApplicable, Statistic, StatValue, compare, take
from scigen.validate.distances import noise_scaling

GENERIC = ["mean", "std", "value_histogram"]


def _rms(samples, condition):
    v = np.sqrt((np.asarray(samples, float) ** 2).mean(axis=1))
    return StatValue(value=v.mean(), per_sample=v)


RMS = Statistic("rms", _rms, ylabel="rms")


def _verdicts(report):
    return {r.name: r.verdict for r in report.statistics}


def test_same_distribution_passes_and_sits_near_the_floor():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(600, 6)), rng.normal(size=(600, 6))
    report = compare(real, fake, [*GENERIC, RMS], checks=None, seed=3)
    assert report.passed, report.table()
    ratios = np.array([r.ratio for r in report.statistics])
    assert np.all(ratios < 3)
    # the distance of an independent draw is of the size of the real-vs-real noise, not far below it
    assert 0.2 < np.median(ratios) < 2.0
    for r in report.statistics:  # the floor of a standardised distance is its null RMS: ~1
        assert r.noise_scaling == "standardised" and 0.6 < r.noise_floor < 1.6


def test_shifted_fake_fails_on_the_mean_not_the_width():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(600, 6)), rng.normal(size=(600, 6)) + 0.4
    v = _verdicts(compare(real, fake, GENERIC, checks=None))
    assert v["mean"] == "fail" and v["value_histogram"] == "fail"
    assert v["std"] == "pass"


def test_wider_fake_fails_on_the_width_not_the_mean():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(600, 6)), 1.3 * rng.normal(size=(600, 6))
    report = compare(real, fake, [*GENERIC, RMS], checks=None)
    v = _verdicts(report)
    assert v["std"] == "fail" and v["rms"] == "fail"
    assert v["mean"] == "pass"
    assert not report.passed
    assert {f.name for f in report.failures()} >= {"std", "rms"}


def test_pooled_pixel_ks_rejects_independent_draws_of_one_field(grf):
    """Why per-sample statistics: KS over correlated pixels treats 200 x 1024 pixels as independent
    and rejects two independent sets of fields with one spectrum most of the time."""
    rng = np.random.default_rng(40)
    p = [st.ks_2samp(grf(200, 32, 4.0, rng).ravel(), grf(200, 32, 4.0, rng).ravel()).pvalue for _ in range(6)]
    assert np.mean(np.array(p) < 0.01) >= 0.5  # 4 of 6 here; a valid test would reject 1 % of the time


def test_gaussian_fields_pass_per_map_statistics_and_another_spectrum_fails(grf, power_spectrum):
    rng = np.random.default_rng(4)
    real, fake = grf(300, 32, 4.0, rng), grf(300, 32, 4.0, rng)
    report = compare(real, fake, [power_spectrum, *GENERIC], checks=None, seed=1)
    assert report.passed, report.table()
    other = grf(300, 32, 3.0, rng)
    other *= real.std() / other.std()  # same pixel variance, other spectrum
    v = _verdicts(compare(real, other, [power_spectrum, "value_histogram"], checks=None))
    assert v == {"power_spectrum": "fail", "value_histogram": "pass"}


def test_halves_floor_is_corrected_to_the_real_and_fake_sizes():
    """For a plain |difference| (scales like a standard error) the size-corrected halves floor matches
    the typical real(N=400)-vs-fake(N=100) distance, though the halves hold 200 each."""

    @noise_scaling("se")
    def absdiff(a, b):
        return float(abs(b.value - a.value))

    stat = Statistic("m0", lambda s, c: StatValue(s[:, 0].mean(), per_sample=s[:, 0]), distance=absdiff)
    d2, f2 = [], []
    for rep in range(60):
        rng = np.random.default_rng(100 + rep)
        r = compare(rng.normal(size=(400, 1)), rng.normal(size=(100, 1)), [stat], checks=None, seed=rep).statistics[0]
        d2.append(r.distance**2)
        f2.append(r.noise_floor**2)
    expected = 1 / 400 + 1 / 100  # variance of the mean difference
    assert np.mean(f2) == pytest.approx(expected, rel=0.15)
    assert np.mean(d2) == pytest.approx(expected, rel=0.35)


def test_bootstrap_floor_gives_the_same_verdicts():
    rng = np.random.default_rng(5)
    real = rng.normal(size=(500, 4))
    same = compare(real, rng.normal(size=(300, 4)), GENERIC, checks=None, noise_floor="bootstrap")
    shifted = compare(real, rng.normal(size=(300, 4)) + 0.5, ["mean"], checks=None, noise_floor="bootstrap")
    assert same.passed and not shifted.passed


def test_condition_groups_are_compared_per_group_and_unmatched_groups_reported():
    rng = np.random.default_rng(6)
    t_real = np.repeat([1.0, 2.0, 3.0], 200)
    t_fake = np.repeat([2.0, 3.0, 4.0], 200)
    real = SampleSet(rng.normal(size=(600, 3)) * t_real[:, None], condition=t_real[:, None],
                     attrs={"condition_names": ["T"]})
    fake = SampleSet(rng.normal(size=(600, 3)) * t_fake[:, None], condition=t_fake[:, None])
    report = compare(real, fake, ["std"], checks=None)
    by_group = {r.group_label: r.verdict for r in report.statistics}
    assert by_group == {"T=1": "missing", "T=2": "pass", "T=3": "pass", "T=4": "unmatched"}
    assert not report.passed  # the generator did not cover T=1
    assert {g["label"]: g["status"] for g in report.groups} == {"T=1": "real_only", "T=2": "matched",
                                                               "T=3": "matched", "T=4": "fake_only"}


def test_a_wrong_group_fails_alone():
    rng = np.random.default_rng(7)
    t = np.repeat([1.0, 2.0, 3.0], 300)
    real = SampleSet(rng.normal(size=(900, 4)) + t[:, None], condition=t[:, None])
    x = rng.normal(size=(900, 4)) + t[:, None]
    x[t == 2.0] += 0.5
    report = compare(real, SampleSet(x, condition=t[:, None]), ["mean"], checks=None)
    assert {r.group_label: r.verdict for r in report.statistics} == {
        "condition=1": "pass", "condition=2": "fail", "condition=3": "pass"}


def test_whole_set_statistic_gets_the_per_sample_condition():
    rng = np.random.default_rng(8)
    t = np.repeat([1.0, 2.0], 200)
    seen = []

    def slope(samples, condition):
        seen.append(None if condition is None else condition.shape)
        return float(np.polyfit(condition[:, 0], samples[:, 0], 1)[0])

    stat = Statistic("slope", slope, group_by_condition=False)
    real = SampleSet(rng.normal(size=(400, 1)) + t[:, None], condition=t[:, None])
    fake = SampleSet(rng.normal(size=(400, 1)) + t[:, None], condition=t[:, None])
    report = compare(real, fake, [stat], checks=None, n_splits=4)
    (r,) = report.statistics
    assert r.group is None and r.verdict == "pass"
    assert seen[0] == (400, 1) and seen[2] == (200, 1)  # halves are stratified: 100 of each T


def test_plain_function_statistic_and_tolerance():
    rng = np.random.default_rng(9)
    real, fake = rng.normal(size=(400, 2)), rng.normal(size=(400, 2)) + 0.3

    def frac_positive(samples):
        return float((samples > 0).mean())

    report = compare(real, fake, [frac_positive], checks=None)
    (r,) = report.statistics
    assert r.name == "frac_positive" and r.distance_name == "relative difference" and r.verdict == "fail"
    lenient = Statistic("frac_positive", lambda s, c: float((s > 0).mean()), tolerance=0.5)
    assert compare(real, fake, [lenient], checks=None).passed


def test_not_applicable_is_skipped_and_statistic_errors_fail():
    rng = np.random.default_rng(10)
    real, fake = rng.normal(size=(100, 2)), rng.normal(size=(100, 2))

    def needs_train(samples, condition, train=None):
        if train is None:
            raise NotApplicable("needs a training set")
        return {}

    skip = Statistic("novelty", lambda s, c: 1.0, prepare=needs_train)
    report = compare(real, fake, [skip], checks=None)
    assert report.statistics[0].verdict == "skipped" and report.passed
    with_train = compare(real, fake, [skip], train=rng.normal(size=(50, 2)), checks=None)
    assert with_train.statistics[0].verdict == "pass"

    calls = {"n": 0}

    def breaks_on_fake(samples, condition):
        calls["n"] += 1
        if calls["n"] == 2:  # the fake set is the second evaluation
            raise RuntimeError("boom")
        return float(samples.mean())

    report = compare(real, fake, [Statistic("fragile", breaks_on_fake)], checks=None)
    assert report.statistics[0].verdict == "error" and "boom" in report.statistics[0].reason
    assert not report.passed


def test_statistic_that_does_not_fit_the_real_data_is_a_user_error():
    strings = np.array(["CCO", "c1ccccc1", "CC(=O)O", "CCN"] * 10, dtype=object)
    with pytest.raises(InputError, match="cannot be computed on real.*chem"):
        compare(strings, strings.copy(), ["mean"], checks=None)


def test_tables_grouped_by_label_and_strings_work():
    rng = np.random.default_rng(11)

    def table(n):
        y = rng.integers(0, 2, n)
        return pd.DataFrame({"age": rng.normal(50 + 10 * y, 5), "bmi": rng.normal(25, 3, n), "y": y})

    report = compare(table(400), table(400), ["mean", "std"], label="y", checks=["classifier"])
    assert {r.group_label for r in report.statistics} == {"y=0", "y=1"}
    assert report.passed, report.table()

    words = np.array(["".join(rng.choice(list("CNOc()="), rng.integers(3, 9))) for _ in range(300)], dtype=object)

    def mean_length(samples):
        return StatValue(np.mean([len(s) for s in samples]), per_sample=[len(s) for s in samples])

    report = compare(words[:150], words[150:], [mean_length], checks=["energy"])
    assert report.passed


def test_take_keeps_the_kind_of_samples():
    arr = np.arange(10).reshape(5, 2)
    frame = pd.DataFrame({"a": range(5)}, index=[10, 11, 12, 13, 14])
    strings = np.array(["a", "b", "c", "d", "e"], dtype=object)
    idx = np.array([4, 1])
    assert take(arr, idx).tolist() == [[8, 9], [2, 3]]
    assert take(frame, idx)["a"].tolist() == [4, 1] and take(frame, idx).index.tolist() == [0, 1]
    assert take(strings, idx).tolist() == ["e", "b"]
    assert take(["x", "y", "z"], np.array([True, False, True])) == ["x", "z"]


@pytest.mark.parametrize("case, match", [
    ("nan", "fake: 1 of 50 samples contain NaN"),
    ("shape", "fake: samples have shape"),
    ("empty", "fake: the sample set is empty"),
    ("domain", "different domains"),
    ("condition", "fake has no condition"),
    ("unknown_stat", "has no statistic 'nope'"),
    ("continuous", "distinct condition values"),
])
def test_bad_inputs_are_clear_errors(case, match):
    rng = np.random.default_rng(12)
    real = rng.normal(size=(50, 3))
    fake = rng.normal(size=(50, 3))
    kwargs = {}
    stats = ["mean"]
    if case == "nan":
        fake[7, 1] = np.nan
    elif case == "shape":
        fake = rng.normal(size=(50, 4))
    elif case == "empty":
        fake = np.zeros((0, 3))
    elif case == "domain":
        real = SampleSet(real, attrs={"domain": "ising"})
        fake = SampleSet(fake, attrs={"domain": "astro"})
    elif case == "condition":
        real = SampleSet(real, condition=np.ones((50, 1)))
    elif case == "unknown_stat":
        stats = ["nope"]
    elif case == "continuous":
        real = SampleSet(real, condition=rng.normal(size=(50, 1)))
        fake = SampleSet(fake, condition=rng.normal(size=(50, 1)))
    with pytest.raises(InputError, match=match):
        compare(real, fake, stats, checks=None, **kwargs)


def test_unwritten_domain_module_is_a_clear_error(monkeypatch):
    from scigen.validate import statistic

    monkeypatch.setitem(statistic._DOMAIN_MODULES, "future", "scigen.future_domain.stats")
    rng = np.random.default_rng(13)
    with pytest.raises(InputError, match="domain 'future' has no statistics yet"):
        compare(rng.normal(size=(20, 2)), rng.normal(size=(20, 2)), domain="future", checks=None)


def test_splits_per_statistic():
    rng = np.random.default_rng(15)
    r = compare(rng.normal(size=(100, 2)), rng.normal(size=(100, 2)), ["mean", "std"], checks=None,
                n_splits={"std": 3})
    assert {x.name: len(x.noise_floor_splits) for x in r.statistics} == {"mean": 20, "std": 3}
    with pytest.raises(InputError, match="positive integer"):
        compare(rng.normal(size=(100, 2)), rng.normal(size=(100, 2)), ["mean"], checks=None, n_splits=0)


def test_seed_makes_the_report_reproducible():
    rng = np.random.default_rng(14)
    real, fake = rng.normal(size=(200, 3)), rng.normal(size=(200, 3))
    a = compare(real, fake, GENERIC, checks=["energy"], seed=5).to_dict()
    b = compare(real, fake, GENERIC, checks=["energy"], seed=5).to_dict()
    for d in (a, b):
        d.pop("created")
    assert a == b


def test_too_few_permutations_for_alpha_is_refused():
    import numpy as np
    import pytest

    from scigen.errors import InputError
    from scigen.validate import compare

    x = np.random.default_rng(0).normal(size=(60, 3))
    with pytest.raises(InputError, match="could never fail"):
        compare(x[:30], x[30:], n_permutations=200)
