"""Image loading, class folders, tiling, cutouts, and the shipped Hubble deep field patches."""

import numpy as np
import pytest
from PIL import Image

from scigen.astro.data import load_galaxy_images
from scigen.astro.galaxies import RESOURCES, hubble_patches
from scigen.astro.images import (center_crop, load_image, load_image_folder, resize_crop, source_cutouts,
                                 tile_image, write_image_folder)
from scigen.errors import InputError, MissingFileError


def _png(path, arr, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr, mode=mode).save(path)
    return path


def test_load_png_jpeg_grey_and_16bit(tmp_path):
    rgb = np.zeros((10, 12, 3), np.uint8)
    rgb[..., 0] = 255
    img = load_image(_png(tmp_path / "red.png", rgb))
    assert img.shape == (3, 10, 12) and img.dtype == np.float32
    np.testing.assert_allclose(img[:, 0, 0], [1, 0, 0])
    grey = load_image(tmp_path / "red.png", mode="grey")
    assert grey.shape == (1, 10, 12) and grey[0, 0, 0] == pytest.approx(0.299, abs=1e-3)
    Image.fromarray(rgb).save(tmp_path / "red.jpg", quality=95)
    assert load_image(tmp_path / "red.jpg")[0].mean() > 0.95
    deep = np.full((6, 6), 65535, np.uint16)
    deep[0, 0] = 0
    img16 = load_image(_png(tmp_path / "deep.png", deep), mode="grey")
    assert img16.max() == pytest.approx(1.0) and img16.min() == 0.0
    with pytest.raises(InputError, match="cannot be read"):
        (tmp_path / "bad.png").write_text("no")
        load_image(tmp_path / "bad.png")


def test_crop_resize_and_tile():
    img = np.random.default_rng(0).random((3, 40, 60)).astype(np.float32)
    assert center_crop(img, (20, 20)).shape == (3, 20, 20)
    np.testing.assert_array_equal(center_crop(img, (20, 20)), img[:, 10:30, 20:40])
    assert resize_crop(img, 32).shape == (3, 32, 32)
    tiles, corners = tile_image(img, 16)
    assert tiles.shape == (2 * 3, 3, 16, 16) and corners[1] == (0, 16)
    np.testing.assert_array_equal(tiles[4], img[:, 16:32, 16:32])
    tiles, _ = tile_image(img, 16, stride=8)
    assert len(tiles) == 4 * 6
    with pytest.raises(InputError, match="crop"):
        center_crop(img, (50, 50))
    # a smooth image resized keeps its mean
    smooth = np.tile(np.linspace(0, 1, 60, dtype=np.float32), (3, 40, 1))
    assert resize_crop(smooth, 20).mean() == pytest.approx(smooth[:, :, 10:50].mean(), abs=0.02)


def test_class_folder_tree(tmp_path):
    rng = np.random.default_rng(1)
    for cls, n in (("elliptical", 2), ("spiral", 3), ("barred", 1)):
        for i in range(n):
            _png(tmp_path / "gal" / cls / f"{i}.png", (rng.random((20, 30, 3)) * 255).astype(np.uint8))
    s = load_image_folder(tmp_path / "gal", size=16)
    assert s.images.shape == (6, 3, 16, 16) and s.class_names == ["barred", "elliptical", "spiral"]
    assert s.labels.tolist() == [0, 1, 1, 2, 2, 2]
    assert 0 <= s.images.min() and s.images.max() <= 1
    tiles = load_image_folder(tmp_path / "gal", tile=10, mode="grey")
    assert tiles.images.shape == (6 * 6, 1, 10, 10) and "tile" in tiles.sources[0]
    flat = load_image_folder(tmp_path / "gal" / "spiral", size=8)
    assert flat.labels is None and len(flat) == 3
    _png(tmp_path / "gal" / "stray.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(InputError, match="mixes images"):
        load_image_folder(tmp_path / "gal")
    with pytest.raises(MissingFileError):
        load_image_folder(tmp_path / "none")
    (tmp_path / "empty" / "spiral").mkdir(parents=True)
    with pytest.raises(InputError, match=r"\['spiral'\] hold no images"):
        load_image_folder(tmp_path / "empty")
    (tmp_path / "void").mkdir()
    with pytest.raises(InputError, match="holds no images"):
        load_image_folder(tmp_path / "void")
    (tmp_path / "sizes").mkdir()
    _png(tmp_path / "sizes" / "a.png", np.zeros((4, 4, 3), np.uint8))
    _png(tmp_path / "sizes" / "b.png", np.zeros((5, 4, 3), np.uint8))
    with pytest.raises(InputError, match="pass size="):
        load_image_folder(tmp_path / "sizes", size=None)


def test_write_image_folder_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    images = rng.random((5, 3, 12, 12)).astype(np.float32)
    labels = np.array([0, 1, 0, 2, 1])
    out = write_image_folder(images, tmp_path / "out", labels, ["a", "b", "c"])
    back = load_image_folder(out, size=None)
    assert back.class_names == ["a", "b", "c"] and sorted(back.labels.tolist()) == sorted(labels.tolist())
    order = np.argsort(labels, kind="stable")
    np.testing.assert_allclose(back.images, images[order], atol=0.5 / 255 + 1e-6)
    with pytest.raises(InputError, match="already exists"):
        write_image_folder(images, out, labels, ["a", "b", "c"])


def test_source_cutouts_find_bright_blobs():
    img = np.zeros((3, 100, 120), np.float32)
    rng = np.random.default_rng(3)
    img += rng.normal(0.02, 0.005, img.shape).astype(np.float32)
    yy, xx = np.mgrid[:100, :120]
    for (y, x, amp) in ((30, 40, 0.9), (70, 90, 0.5), (50, 5, 1.0)):  # the last is too close to the edge
        img += amp * np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / 8.0)[None]
    cut, centres = source_cutouts(img, 20)
    assert cut.shape == (2, 3, 20, 20)
    assert centres.tolist() == [[30, 40], [70, 90]]  # brightest first
    assert cut[0, :, 10, 10].mean() > 0.8


def test_hubble_patches_ship_and_load():
    path = RESOURCES / "hubble_deep_field_patches.npz"
    assert path.exists() and path.stat().st_size < 2e6
    s = hubble_patches()
    assert s.images.shape == (200, 3, 48, 48) and s.labels is None
    assert 0 <= s.images.min() and s.images.max() <= 1
    # real galaxies: bright centres on a dark sky
    centre = s.images[:, :, 20:28, 20:28].mean()
    border = s.images[:, :, :4, :].mean()
    assert centre > 3 * border
    grey = load_galaxy_images("hubble", size=32, mode="grey")
    assert grey.images.shape == (200, 1, 32, 32)
    with pytest.raises(MissingFileError, match="build_hubble_patches"):
        hubble_patches(path="/nonexistent/patches.npz")
