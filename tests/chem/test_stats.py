"""The chem statistics inside scigen.validate: registered, MOSES-equal, and giving the right verdicts."""

import numpy as np
import pytest

from scigen.chem import metrics as M
from scigen.chem.data import load_moses
from scigen.validate.statistic import statistics_for

FAST = ["validity", "uniqueness", "novelty", "filters", "intdiv1", "intdiv2", "snn", "frag", "scaf", "logP", "QED"]


def test_registered_statistics():
    names = {s.name for s in statistics_for("chem")}
    assert names == {"validity", "uniqueness", "novelty", "filters", "intdiv1", "intdiv2", "snn", "frag", "scaf",
                     "fcd", "logP", "SA", "QED", "weight"}


def test_statistic_distances_equal_the_moses_metrics():
    stats = {s.name: s for s in statistics_for("chem")}
    real, fake = load_moses("test", 300), load_moses("test_scaffolds", 300)

    def both(name, **params):
        s = stats[name]
        p = s.prepare(real, None, **params) if s.prepare else {}
        return s.evaluate(real, None, **p), s.evaluate(fake, None, **p)

    r, f = both("snn")
    assert 1 - stats["snn"].distance(r, f) == pytest.approx(M.snn(fake, real), abs=1e-12)
    for name, fn in (("frag", M.fragment_similarity), ("scaf", M.scaffold_similarity)):
        r, f = both(name)
        assert 1 - stats[name].distance(r, f) == pytest.approx(fn(fake, real), abs=1e-12)
    r, f = both("logP")
    assert stats["logP"].distance(r, f) == pytest.approx(M.property_distance(fake, real, "logP"), abs=1e-12)
    r, f = both("intdiv2")
    assert f.value == pytest.approx(M.internal_diversity(fake, 2), abs=1e-12)
    r, f = both("novelty", train=load_moses("train", 500))
    assert f.value == 1.0 and r.value == 1.0


def test_compare_passes_same_distribution_and_fails_a_broken_generator():
    from scigen.validate import compare

    real = load_moses("test", 400)
    same = load_moses("test", 800)[400:]
    rng = np.random.default_rng(0)
    broken = same.copy()
    pick = rng.choice(len(broken), 200, replace=False)
    broken[pick[:100]] = "C1CC"  # 25% invalid
    broken[pick[100:]] = "CCO"  # and a quarter of them one molecule
    ok = compare(real, same, FAST, domain="chem", checks=None, n_splits=4, train=load_moses("train", 2000))
    verdicts = {r.name: r.verdict for r in ok.statistics}
    assert all(v == "pass" for v in verdicts.values()), verdicts
    bad = compare(real, broken, ["validity", "uniqueness"], domain="chem", checks=None, n_splits=4)
    verdicts = {r.name: r.verdict for r in bad.statistics}
    assert verdicts["validity"] == "fail" and verdicts["uniqueness"] == "fail"  


def test_novelty_is_skipped_without_training_set():
    from scigen.validate import compare

    rep = compare(load_moses("test", 40), load_moses("test_scaffolds", 40), ["novelty"], domain="chem", checks=None,
                  n_splits=2)
    assert rep.statistics[0].verdict == "skipped" and "training set" in rep.statistics[0].reason


def test_chem_features_for_the_generic_checks():
    from scigen.chem.stats import FEATURE_NAMES, chem_features
    from scigen.validate.features import features_for

    assert features_for("chem") is chem_features
    f = chem_features(np.array(["CCO", "C1CC", "c1ccccc1Cl"], dtype=object))
    assert f.shape == (3, len(FEATURE_NAMES)) and np.isfinite(f).all()
    assert f[1, FEATURE_NAMES.index("invalid")] == 1 and f[0, FEATURE_NAMES.index("invalid")] == 0
    assert f[2, FEATURE_NAMES.index("n_halogen")] == 1 and f[0, FEATURE_NAMES.index("heavy_atoms")] == 3
    assert f[0, -64:].sum() == M.as_set(["CCO"]).fingerprints().sum()  # folding keeps every bit
