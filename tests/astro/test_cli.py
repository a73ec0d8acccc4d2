"""`scigen astro ...` end to end on tiny settings."""

import json

import numpy as np

from scigen.cli import main
from scigen.io import read_sample_set


def test_simulate_maps_h5_and_fits(tmp_path, capsys):
    out = tmp_path / "maps.h5"
    rc = main(["astro", "simulate-maps", "--size", "32", "--fov", "3.5", "--maps", "20", "--lognormal",
               "--seed", "0", "--out", str(out), "--fits-dir", str(tmp_path / "fits")])
    assert rc == 0
    s = read_sample_set(out)
    assert s.samples.shape == (20, 32, 32) and s.attrs["fov_deg"] == 3.5 and s.attrs["lognormal_shift"] == 0.02
    assert s.samples.min() > -0.02
    assert len(list((tmp_path / "fits").glob("*.fits"))) == 20
    assert "log-normal maps of 32x32" in capsys.readouterr().out
    # same seed, same maps; existing output refused without --overwrite
    assert main(["astro", "simulate-maps", "--size", "32", "--maps", "20", "--lognormal", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    rc = main(["astro", "simulate-maps", "--size", "32", "--maps", "20", "--lognormal", "--out", str(out),
               "--overwrite"])
    np.testing.assert_array_equal(read_sample_set(out).samples, s.samples)
    # statistics of what was written
    assert main(["astro", "map-stats", "--data", str(out), "--out", str(tmp_path / "st.json")]) == 0
    st = json.loads((tmp_path / "st.json").read_text())
    assert st["maps"] == 20 and st["skewness"] > 0 and len(st["power_spectrum"]["l"]) == 15


def test_simulate_maps_power_law_and_table(tmp_path):
    table = tmp_path / "p.txt"
    ell = np.geomspace(1, 1e5, 30)
    np.savetxt(table, np.c_[ell, 1e-9 * np.ones_like(ell)])
    assert main(["astro", "simulate-maps", "--size", "16", "--maps", "3", "--spectrum", str(table),
                 "--out", str(tmp_path / "t.h5")]) == 0
    assert read_sample_set(tmp_path / "t.h5").attrs["spectrum"]["kind"] == "table"
    assert main(["astro", "simulate-maps", "--size", "16", "--maps", "3", "--spectrum", "powerlaw", "--index", "-2",
                 "--out", str(tmp_path / "p.h5")]) == 0
    assert read_sample_set(tmp_path / "p.h5").attrs["spectrum"]["index"] == -2.0


def test_user_errors_exit_2(tmp_path, capsys):
    assert main(["astro", "simulate-maps", "--fov", "0", "--out", str(tmp_path / "x.h5")]) == 2
    assert "field of view" in capsys.readouterr().err
    assert main(["astro", "simulate-maps", "--spectrum", "missing.txt", "--out", str(tmp_path / "x.h5")]) == 2
    assert "missing.txt" in capsys.readouterr().err
    assert main(["astro", "map-stats", "--data", str(tmp_path / "nothing.h5")]) == 2
    assert not (tmp_path / "x.h5").exists()


def test_render_galaxies(tmp_path, capsys):
    rc = main(["astro", "render-galaxies", "--n", "9", "--size", "32", "--seed", "1", "--out", str(tmp_path / "g"),
               "--h5", str(tmp_path / "g.h5")])
    assert rc == 0
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["barred", "elliptical", "spiral"]
    assert len(list((tmp_path / "g" / "spiral").glob("*.png"))) == 3
    s = read_sample_set(tmp_path / "g.h5")
    assert s.samples.shape == (9, 3, 32, 32) and s.attrs["class_names"] == ["elliptical", "spiral", "barred"]
    from scigen.astro.data import load_galaxy_images

    back = load_galaxy_images(tmp_path / "g", size=32)
    assert len(back) == 9 and back.class_names == ["barred", "elliptical", "spiral"]
    assert main(["astro", "render-galaxies", "--n", "3", "--out", str(tmp_path / "g")]) == 2
