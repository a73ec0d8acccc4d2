"""FITS in and out on real FITS files that ship inside astropy."""

import os
from pathlib import Path

import astropy
import numpy as np
import pytest
from astropy.io import fits

from scigen.astro.data import load_maps
from scigen.astro.fits import read_fits, read_fits_folder, write_fits_maps
from scigen.errors import InputError, MissingFileError

ASTROPY = Path(os.path.dirname(astropy.__file__))
COMP = ASTROPY / "io/fits/tests/data/comp.fits"                      # NGC 1316, tile-compressed, extension 1
M13 = ASTROPY / "io/fits/hdu/compressed/tests/data/m13.fits"         # primary image
M13_RICE = ASTROPY / "io/fits/hdu/compressed/tests/data/m13_rice.fits"
DSS = ASTROPY / "wcs/tests/data/dss.14.29.56-62.41.05.fits.gz"       # gzipped, image + binary table
AZP = ASTROPY / "modeling/tests/data/1904-66_AZP.fits"               # JY/BEAM, NaN outside the projection
TEST0 = ASTROPY / "io/fits/tests/data/test0.fits"                    # four 'SCI' image extensions
CUBE = ASTROPY / "io/fits/tests/data/arange.fits"                    # (7, 10, 11) cube
BLANK = ASTROPY / "io/fits/tests/data/blank.fits"                    # integer image with BLANK


def test_primary_and_compressed_extension_images():
    im = read_fits(COMP)
    assert im.hdu == 1 and im.shape == (300, 440) and im.header["OBJECT"] == "NGC 1316"
    assert im.pixel_scale_deg == pytest.approx(1.944444492e-3)
    assert im.wcs.has_celestial and im.fov_deg == pytest.approx(440 * 1.944444492e-3)
    plain, rice = read_fits(M13), read_fits(M13_RICE)
    assert plain.hdu == 0 and rice.hdu == 1
    # lossless Rice compression of the same image: identical pixels
    np.testing.assert_allclose(rice.data, plain.data, rtol=1e-6)
    dss = read_fits(DSS)  # .fits.gz, primary image before a binary table
    assert dss.shape == (100, 100) and dss.wcs.has_celestial


def test_nan_and_blank_become_masks():
    im = read_fits(AZP)
    assert im.unit == "JY/BEAM" and im.pixel_scale_deg == pytest.approx(0.0666666667)
    assert im.mask.any() and not im.mask.all()
    assert np.all(np.isnan(im.data[im.mask])) and np.all(np.isfinite(im.data[~im.mask]))
    blank = read_fits(BLANK)
    assert blank.mask.all() and np.isnan(blank.data).all()


def test_blank_integer_image_written_here(tmp_path):
    raw = np.arange(20, dtype=np.int16).reshape(4, 5)
    raw[1, 2] = -32768
    hdu = fits.PrimaryHDU(raw)
    hdu.header["BLANK"] = -32768
    hdu.writeto(tmp_path / "b.fits")
    im = read_fits(tmp_path / "b.fits")
    assert im.mask.sum() == 1 and im.mask[1, 2] and np.isnan(im.data[1, 2])
    assert im.data[0, 1] == 1.0
    # unsigned 16-bit (stored as int16 + BZERO 32768): BLANK names the stored value
    hdu = fits.PrimaryHDU(np.arange(60000, 60012, dtype=np.uint16).reshape(3, 4))
    hdu.writeto(tmp_path / "u.fits")
    with fits.open(tmp_path / "u.fits", mode="update") as f:
        f[0].header["BLANK"] = 60005 - 32768
    im = read_fits(tmp_path / "u.fits")
    assert im.mask.sum() == 1 and im.mask[1, 1] and im.data[0, 0] == 60000.0
    # scaled integers arrive as float with NaN at BLANK
    hdu = fits.PrimaryHDU(raw)
    hdu.header.update(BLANK=-32768, BSCALE=2.0, BZERO=10.0)
    hdu.writeto(tmp_path / "s.fits", output_verify="ignore")
    im = read_fits(tmp_path / "s.fits")
    assert im.mask.sum() == 1 and im.mask[1, 2] and im.data[0, 1] == 12.0


def test_extensions_by_index_and_name_and_cubes():
    a, b = read_fits(TEST0, hdu=1), read_fits(TEST0, hdu=3)
    assert a.shape == b.shape == (40, 40) and not np.array_equal(a.data, b.data)
    assert np.array_equal(read_fits(TEST0, hdu="SCI").data, a.data)  # first SCI extension
    cube = read_fits(CUBE)
    assert cube.shape == (7, 10, 11) and cube.maps().shape == (7, 10, 11)
    assert cube.data[1, 0, 0] == 110


def test_squeeze_degenerate_axes_keeps_celestial_wcs(tmp_path):
    header = fits.Header()
    for k, v in {"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN", "CTYPE3": "STOKES", "CDELT1": -0.01, "CDELT2": 0.01,
                 "CDELT3": 1.0, "CRPIX1": 4, "CRPIX2": 4, "CRPIX3": 1, "CRVAL1": 10.0, "CRVAL2": -20.0,
                 "CRVAL3": 1.0, "CUNIT1": "deg", "CUNIT2": "deg"}.items():
        header[k] = v
    fits.PrimaryHDU(np.ones((1, 8, 8), np.float32), header=header).writeto(tmp_path / "stokes.fits")
    im = read_fits(tmp_path / "stokes.fits")
    assert im.shape == (8, 8) and im.wcs.naxis == 2 and im.pixel_scale_deg == pytest.approx(0.01)


def test_bad_fits_errors_name_file_and_hdu(tmp_path):
    junk = tmp_path / "junk.fits"
    junk.write_text("this is not FITS\n")
    with pytest.raises(InputError, match="junk.fits"):
        read_fits(junk)
    truncated = tmp_path / "truncated.fits"
    truncated.write_bytes(M13.read_bytes()[: 2880 * 4])
    with pytest.raises(InputError, match=r"truncated.fits', HDU 0"):
        read_fits(truncated)
    with pytest.raises(InputError, match=r"HDU 1 is a BinTableHDU"):
        read_fits(DSS, hdu=1)
    with pytest.raises(InputError, match=r"HDU 9 does not exist"):
        read_fits(TEST0, hdu=9)
    with pytest.raises(MissingFileError, match="nowhere.fits"):
        read_fits(tmp_path / "nowhere.fits")
    table_only = tmp_path / "table.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns([fits.Column("a", "E", array=[1.0])])]) \
        .writeto(table_only)
    with pytest.raises(InputError, match="no HDU with a 2-D image"):
        read_fits(table_only)


def test_write_read_round_trip_with_provenance(tmp_path):
    rng = np.random.default_rng(0)
    maps = rng.normal(0, 0.01, (3, 16, 16)).astype(np.float32)
    prov = {"model": "cosmogan", "checkpoint": "runs/cosmo/final", "hash": "sha256:abc123", "seed": 7}
    out = write_fits_maps(maps, tmp_path / "maps", pixel_scale_deg=3.5 / 16, unit="", provenance=prov)
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["map_00000.fits", "map_00001.fits", "map_00002.fits"]
    stack = read_fits_folder(out)
    np.testing.assert_array_equal(stack.maps, maps)
    assert stack.pixel_scale_deg == pytest.approx(3.5 / 16) and stack.unit == ""
    h = stack.images[2].header
    assert (h["SGMODEL"], h["SGCKPT"], h["SGHASH"], h["SGSEED"], h["SGINDEX"]) == \
        ("cosmogan", "runs/cosmo/final", "sha256:abc123", 7, 2)
    assert h["SGVERS"] and h["ORIGIN"] == "scigen"
    # the same as one cube
    cube = write_fits_maps(maps, tmp_path / "cube.fits", cube=True, pixel_scale_deg=0.01, provenance=prov)
    im = read_fits(cube)
    np.testing.assert_array_equal(im.data, maps)
    assert im.header["SGSEED"] == 7 and im.pixel_scale_deg == pytest.approx(0.01)
    data = load_maps(tmp_path / "maps")
    assert data.fov_deg == pytest.approx(3.5) and len(data) == 3


def test_template_carries_unit_and_pixel_scale(tmp_path):
    real = read_fits(AZP)
    out = write_fits_maps(np.zeros((2, 8, 8)), tmp_path / "gen", template=real, provenance={"seed": 1})
    again = read_fits(out / "map_00001.fits")
    assert again.unit == "JY/BEAM" and again.pixel_scale_deg == pytest.approx(real.pixel_scale_deg)
    assert "CRVAL1" in again.header and again.header["CRVAL1"] == 0.0  # no claim of a sky position


def test_writes_are_atomic_and_refuse_to_clobber(tmp_path):
    out = write_fits_maps(np.ones((2, 4, 4)), tmp_path / "m")
    with pytest.raises(InputError, match="already exists"):
        write_fits_maps(np.ones((1, 4, 4)), out)
    write_fits_maps(np.full((1, 4, 4), 2.0), out, overwrite=True)
    assert [f.name for f in sorted(out.iterdir())] == ["map_00000.fits"]
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
    with pytest.raises(InputError, match="N, H, W"):
        write_fits_maps(np.ones(4), tmp_path / "bad")


def test_folder_stack_shape_mismatch_and_masked_maps(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    fits.PrimaryHDU(np.zeros((8, 8), np.float32)).writeto(folder / "a.fits")
    fits.PrimaryHDU(np.zeros((4, 8, 8), np.float32)).writeto(folder / "b.fits")
    stack = read_fits_folder(folder)
    assert stack.maps.shape == (5, 8, 8) and stack.sources[1] == (str(folder / "b.fits"), 0, 0)
    fits.PrimaryHDU(np.zeros((9, 9), np.float32)).writeto(folder / "c.fits")
    with pytest.raises(InputError, match=r"c.fits' has maps of \(9, 9\)"):
        read_fits_folder(folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no files ending"):
        read_fits_folder(tmp_path / "empty")
    with pytest.raises(InputError, match="masked"):
        load_maps(AZP)
    assert len(load_maps(AZP, masked="fill")) == 1
    with pytest.raises(InputError, match="nothing is left"):
        load_maps(AZP, masked="drop")
