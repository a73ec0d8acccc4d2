"""The parametric galaxy renderer: reproducible, physical colours, classes a simple classifier separates."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scigen.astro.galaxies import GALAXY_CLASSES, render_galaxies, render_galaxy, sersic_bn
from scigen.errors import InputError


def blue_red(images):
    flux = images.reshape(len(images), 3, -1).sum(-1)
    return np.log(flux[:, 2] / flux[:, 0])


def morphology_features(images):
    """Colour, concentration, and the m = 2 Fourier amplitude and phase twist in rings."""
    n, _, h, w = images.shape
    grey = images.mean(axis=1)
    yy, xx = np.mgrid[:h, :w] - (h - 1) / 2
    r, th = np.hypot(yy, xx), np.arctan2(yy, xx)
    total = grey.reshape(n, -1).sum(1)
    feats = [blue_red(images)] + [(grey * (r < r1)).reshape(n, -1).sum(1) / total for r1 in (4, 8, 16)]
    phases = []
    for a, b in ((2, 5), (5, 9), (9, 14), (14, 20)):
        ring = (r >= a) & (r < b)
        c2 = (grey * ring * np.exp(2j * th)).reshape(n, -1).sum(1) / (grey * ring).reshape(n, -1).sum(1)
        feats.append(np.abs(c2))
        phases.append(np.angle(c2))
    feats += [np.abs(np.angle(np.exp(1j * (q - p)))) for p, q in zip(phases, phases[1:])]
    return np.stack(feats, axis=1)


@pytest.fixture(scope="module")
def galaxies():
    return render_galaxies(240, 64, seed=5)


def test_shapes_range_and_reproducibility(galaxies):
    s, params = galaxies
    assert s.images.shape == (240, 3, 64, 64) and s.images.dtype == np.float32
    assert s.class_names == list(GALAXY_CLASSES) and np.bincount(s.labels).tolist() == [80, 80, 80]
    assert 0 <= s.images.min() and s.images.max() <= 1
    again, _ = render_galaxies(6, 64, seed=5)
    np.testing.assert_array_equal(again.images, s.images[:6])
    other, _ = render_galaxies(6, 64, seed=6)
    assert not np.array_equal(other.images, again.images)
    assert params[1]["kind"] == "spiral" and params[2]["kind"] == "barred" and "bar_length" in params[2]


def test_bulges_are_redder_than_disks(galaxies):
    s, _ = galaxies
    colour = blue_red(s.images)
    ell, spi = colour[s.labels == 0], colour[s.labels == 1]
    # a colour cut alone separates ellipticals (red) from spirals (blue disks)
    assert ell.max() < spi.min()
    # within a spiral the centre (bulge) is redder than the outskirts (disk + arms)
    img, _ = render_galaxy("spiral", 64, seed=1, params={"cos_i": 1.0, "sky_noise": 0.0})
    yy, xx = np.mgrid[:64, :64] - 31.5
    r = np.hypot(yy, xx)
    inner = img[:, r < 3].sum(axis=1)
    outer = img[:, (r > 8) & (r < 20)].sum(axis=1)
    assert inner[2] / inner[0] < outer[2] / outer[0]


def test_classes_are_distinguishable(galaxies):
    s, _ = galaxies
    X = morphology_features(s.images)
    acc = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)), X, s.labels, cv=4)
    assert acc.mean() > 0.9, acc


def test_face_on_spiral_has_arms_elliptical_is_smooth():
    from scipy import ndimage

    def m2_residual(img):  # arms change under a quarter turn; light smoothing removes photon noise
        grey = ndimage.gaussian_filter(img.mean(0), 1.5)
        return np.abs(grey - np.rot90(grey, 1)).sum() / grey.sum()

    face_on = {"cos_i": 1.0, "sky_noise": 0.0, "arms": 2, "dx": 0, "dy": 0}
    spiral, _ = render_galaxy("spiral", 64, seed=2, params=face_on)
    ellip, _ = render_galaxy("elliptical", 64, seed=2, params={"q": 1.0, "sky_noise": 0.0, "dx": 0, "dy": 0})
    assert m2_residual(spiral) > 5 * m2_residual(ellip)


def test_sersic_bn_encloses_half_the_light():
    from scipy.integrate import quad
    from scipy.special import gammainc

    for n in (1.0, 4.0):
        b = sersic_bn(n)
        assert gammainc(2 * n, b) == pytest.approx(0.5, abs=1e-4)  # L(<r_e) = L/2
        total = quad(lambda r: r * np.exp(-b * (r ** (1 / n) - 1)), 0, np.inf)[0]
        half = quad(lambda r: r * np.exp(-b * (r ** (1 / n) - 1)), 0, 1)[0]
        assert half / total == pytest.approx(0.5, abs=1e-3)


def test_bad_arguments():
    with pytest.raises(InputError, match="class"):
        render_galaxy("irregular")
    with pytest.raises(InputError, match="size"):
        render_galaxy("spiral", size=8)
    with pytest.raises(InputError, match="classes"):
        render_galaxies(3, classes=["spiral", "lenticular"])
