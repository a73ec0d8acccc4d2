"""Validation: compare generated samples with real ones, statistic by statistic, against the noise floor.

::

    from scigen.validate import compare
    report = compare(real, fake, train=train)      # SampleSets, arrays, string arrays, DataFrames or paths
    print(report.table()); report.write("out/")    # out/report.json + out/report.html
    assert report.passed

Domains register statistics with :func:`register` (see :mod:`scigen.validate.statistic`) and
optionally a feature function for the generic checks with :func:`register_features`. This package
imports only numpy at import time; the comparison machinery loads when first used.
"""

from scigen._lazy import lazy_exports
from scigen.validate.statistic import KINDS, Statistic, StatValue, as_statistic, register, statistics_for

_LAZY = {
    "compare": "scigen.validate.comparison",
    "NotApplicable": "scigen.validate.comparison",
    "Report": "scigen.validate.report",
    "StatResult": "scigen.validate.report",
    "CheckResult": "scigen.validate.report",
    "load_schema": "scigen.validate.report",
    "register_features": "scigen.validate.features",
    "features_for": "scigen.validate.features",
    "featurize": "scigen.validate.features",
    "noise_scaling": "scigen.validate.distances",
    "size_correction": "scigen.validate.distances",
    "default_distance": "scigen.validate.distances",
    "z_score": "scigen.validate.distances",
    "chi2_per_dof": "scigen.validate.distances",
    "relative_l2": "scigen.validate.distances",
    "jackknife": "scigen.validate.resampling",
    "take": "scigen.validate.data",
    "n_samples": "scigen.validate.data",
    "load_input": "scigen.validate.files",
    "energy_test": "scigen.validate.twosample",
    "mmd_test": "scigen.validate.twosample",
    "classifier_test": "scigen.validate.twosample",
    "ks_wasserstein": "scigen.validate.twosample",
    "memorisation_test": "scigen.validate.memorisation",
}

__all__ = ["KINDS", "Statistic", "StatValue", "as_statistic", "register", "statistics_for", *_LAZY]


__getattr__ = lazy_exports(__name__, _LAZY)
