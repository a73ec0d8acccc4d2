"""Images in and out: PNG/JPEG files, class-labelled folder trees, resizing, cropping, tiling, cutouts.

Arrays follow the torch layout: one image is (C, H, W) float32 in [0, 1]; a set is (N, C, H, W), with
C = 3 (colour, RGB) or 1 (grey: ITU-R 601 luma). A folder tree whose subfolders are class names::

    galaxies/
      elliptical/ 0001.png ...
      spiral/     ...
      barred/     ...

loads as an :class:`ImageSet` with integer labels indexing ``class_names`` (sorted folder names). A
folder of images without subfolders loads unlabelled. Pillow (installed with matplotlib) reads and
writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scigen.errors import InputError, MissingFileError, require_file

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp")


@dataclass
class ImageSet:
    """Images with optional class labels.

    Attributes:
        images: (N, C, H, W) float32 in [0, 1].
        labels: (N,) int64 indices into ``class_names``, or None for unlabelled images.
        class_names: the class of each label value ([] when unlabelled).
        sources: (N,) where each image came from ("path" or "path[tile y,x]").
    """

    images: np.ndarray
    labels: np.ndarray | None = None
    class_names: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.images.shape[0])


def _to_float(arr: np.ndarray, where: str) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    if arr.dtype == np.uint16 or arr.dtype == np.int32 and arr.max(initial=0) > 255:
        return arr.astype(np.float32) / 65535.0
    if arr.dtype.kind in "iu":
        return arr.astype(np.float32) / 255.0
    if arr.dtype.kind == "f":
        return np.clip(arr.astype(np.float32), 0.0, 1.0)
    raise InputError(f"image '{where}': unsupported pixel type {arr.dtype}")


def to_mode(img: np.ndarray, mode: str) -> np.ndarray:
    """(C, H, W) -> (3, H, W) for "rgb" or (1, H, W) for "grey"."""
    if mode not in ("rgb", "grey"):
        raise InputError(f"image mode must be 'rgb' or 'grey', got {mode!r}")
    c = img.shape[0]
    if mode == "grey":
        if c == 1:
            return img
        return (0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2])[None].astype(np.float32)
    return img if c == 3 else np.repeat(img, 3, axis=0)


def load_image(path, mode: str = "rgb") -> np.ndarray:
    """Read a PNG/JPEG/TIFF file into (C, H, W) float32 in [0, 1] (alpha dropped, 16-bit scaled)."""
    from PIL import Image, UnidentifiedImageError

    path = require_file(path, "image")
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(im).astype(np.uint16) if im.mode != "I" else np.asarray(im)
                img = _to_float(arr, str(path))[None]
            else:
                img = np.asarray(im.convert("RGB") if im.mode not in ("L", "RGB") else im)
                img = _to_float(img, str(path))
                img = img[None] if img.ndim == 2 else np.moveaxis(img, -1, 0)
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputError(f"image '{path}' cannot be read ({exc}); expected PNG, JPEG or TIFF") from None
    return to_mode(np.ascontiguousarray(img, dtype=np.float32), mode)


def resize(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resample (C, H, W) to (C, size[0], size[1]) with Pillow's antialiased bicubic filter."""
    from PIL import Image

    h, w = int(size[0]), int(size[1])
    if img.shape[1:] == (h, w):
        return img
    out = [np.asarray(Image.fromarray(ch.astype(np.float32), mode="F").resize((w, h), Image.Resampling.BICUBIC))
           for ch in img]
    return np.clip(np.stack(out), 0.0, 1.0).astype(np.float32)


def center_crop(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The central (C, size[0], size[1]) part of (C, H, W)."""
    h, w = img.shape[1:]
    ch, cw = int(size[0]), int(size[1])
    if ch > h or cw > w:
        raise InputError(f"cannot crop {ch}x{cw} out of a {h}x{w} image; resize it first")
    top, left = (h - ch) // 2, (w - cw) // 2
    return img[:, top:top + ch, left:left + cw]


def resize_crop(img: np.ndarray, size: int) -> np.ndarray:
    """Scale the shorter side to ``size`` and cut the central ``size x size`` square."""
    h, w = img.shape[1:]
    scale = size / min(h, w)
    img = resize(img, (max(size, round(h * scale)), max(size, round(w * scale))))
    return center_crop(img, (size, size))


def tile_image(img: np.ndarray, patch: int, stride: int | None = None) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Cut (C, H, W) into (n, C, patch, patch) tiles on a grid of ``stride`` (default ``patch``).

    Returns the tiles and the (top, left) corner of each; the ragged border is dropped.
    """
    stride = int(stride or patch)
    c, h, w = img.shape
    if patch > h or patch > w or patch < 1 or stride < 1:
        raise InputError(f"cannot tile a {h}x{w} image into {patch}x{patch} patches with stride {stride}")
    corners = [(y, x) for y in range(0, h - patch + 1, stride) for x in range(0, w - patch + 1, stride)]
    tiles = np.stack([img[:, y:y + patch, x:x + patch] for y, x in corners])
    return tiles.astype(np.float32), corners


def source_cutouts(img: np.ndarray, size: int, n_max: int = 200, threshold: float = 5.0, min_area: int = 12,
                   smoothing: float = 1.0, min_separation: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cutouts centred on the brightest sources of a large (C, H, W) sky image.

    Sources are connected regions of the smoothed grey image at least ``threshold`` robust sigmas
    (median absolute deviation) above the median sky, of at least ``min_area`` pixels; each cutout is
    centred on a source's flux-weighted centroid, lies wholly inside the image, and its centre is at
    least ``min_separation`` (default ``size / 2``) pixels from every brighter source's. Returns
    (n, C, size, size) cutouts, brightest first, and their (n, 2) centres (row, column).
    """
    from scipy import ndimage

    grey = to_mode(img, "grey")[0].astype(np.float64)
    if smoothing:
        grey = ndimage.gaussian_filter(grey, smoothing)
    sky = np.median(grey)
    noise = 1.4826 * np.median(np.abs(grey - sky)) or grey.std() or 1.0
    labels, n = ndimage.label(grey > sky + threshold * noise)
    if n == 0:
        return np.zeros((0, img.shape[0], size, size), np.float32), np.zeros((0, 2), int)
    index = np.arange(1, n + 1)
    area = ndimage.sum_labels(np.ones_like(grey), labels, index)
    flux = ndimage.sum_labels(grey - sky, labels, index)
    centres = np.array(ndimage.center_of_mass(np.clip(grey - sky, 0, None), labels, index))
    order = np.argsort(-flux)
    sep = size / 2 if min_separation is None else min_separation
    half = size // 2
    h, w = grey.shape
    chosen: list[tuple[int, int]] = []
    for i in order:
        if area[i] < min_area or len(chosen) >= n_max:
            continue
        cy, cx = int(round(centres[i][0])), int(round(centres[i][1]))
        if cy - half < 0 or cx - half < 0 or cy - half + size > h or cx - half + size > w:
            continue
        if any((cy - y) ** 2 + (cx - x) ** 2 < sep ** 2 for y, x in chosen):
            continue
        chosen.append((cy, cx))
    cutouts = np.stack([img[:, y - half:y - half + size, x - half:x - half + size] for y, x in chosen]) if chosen \
        else np.zeros((0, img.shape[0], size, size))
    return cutouts.astype(np.float32), np.array(chosen, dtype=int).reshape(-1, 2)


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def load_image_folder(root, size: int | None = 64, mode: str = "rgb", tile: int | None = None,
                      stride: int | None = None) -> ImageSet:
    """Load a folder of images, labelled by subfolder when it has class subfolders.

    Args:
        root: a folder of images, or of class subfolders holding images (labels = sorted names).
        size: every image is scaled (shorter side) and centre-cropped to ``size x size``; None keeps
            sizes (they must then agree).
        mode: "rgb" (C = 3) or "grey" (C = 1).
        tile: cut every image into ``tile x tile`` patches (with ``stride``) instead of resizing.
    """
    root = Path(root)
    if not root.is_dir():
        raise MissingFileError(f"image folder '{root}' does not exist or is not a directory")
    subdirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    loose = _images_in(root)
    if subdirs and loose:
        raise InputError(f"image folder '{root}' mixes images ({loose[0].name}, ...) with class subfolders "
                         f"({subdirs[0].name}/, ...); put every image in a class folder, or none")
    if not subdirs and not loose:
        raise InputError(f"image folder '{root}' holds no images ({', '.join(IMAGE_SUFFIXES)})")
    groups = [(d.name, _images_in(d)) for d in subdirs] if subdirs else [(None, loose)]
    empty = [name for name, files in groups if not files]
    if empty:
        raise InputError(f"image folder '{root}': class folder(s) {empty} hold no images "
                         f"({', '.join(IMAGE_SUFFIXES)})")
    images, labels, sources = [], [], []
    for label, (_name, files) in enumerate(groups):
        for path in files:
            img = load_image(path, mode)
            if tile:
                tiles, corners = tile_image(img, tile, stride)
                images.extend(tiles)
                sources.extend(f"{path}[tile {y},{x}]" for y, x in corners)
                labels.extend([label] * len(tiles))
                continue
            if size:
                img = resize_crop(img, size)
            elif images and img.shape != images[0].shape:
                raise InputError(f"image '{path}' is {img.shape[1]}x{img.shape[2]} but '{sources[0]}' is "
                                 f"{images[0].shape[1]}x{images[0].shape[2]}; pass size= to resize them all")
            images.append(img)
            sources.append(str(path))
            labels.append(label)
    labelled = groups[0][0] is not None
    return ImageSet(np.stack(images).astype(np.float32), np.asarray(labels, np.int64) if labelled else None,
                    [name for name, _ in groups] if labelled else [], sources)


def write_image_folder(images, out, labels=None, class_names=None, overwrite: bool = False,
                       prefix: str = "img") -> Path:
    """Write (N, C, H, W) images in [0, 1] as 8-bit PNGs, into class subfolders when labelled.

    The folder appears atomically (written under a temporary name, then renamed).
    """
    from PIL import Image

    from scigen.io.atomic import atomic_directory

    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim != 4 or arr.shape[1] not in (1, 3):
        raise InputError(f"write_image_folder: images must be (N, C, H, W) with C = 1 or 3, got {arr.shape}")
    if labels is not None:
        labels = np.asarray(labels)
        if class_names is None:
            class_names = [str(v) for v in range(int(labels.max()) + 1)]
        if labels.shape != (arr.shape[0],) or labels.min() < 0 or labels.max() >= len(class_names):
            raise InputError("write_image_folder: labels must be (N,) integers indexing class_names")
    data = np.round(np.clip(arr, 0, 1) * 255).astype(np.uint8)
    try:
        with atomic_directory(out, overwrite=overwrite) as tmp:
            for i, img in enumerate(data):
                folder = tmp / class_names[labels[i]] if labels is not None else tmp
                folder.mkdir(exist_ok=True)
                pil = Image.fromarray(img[0] if img.shape[0] == 1 else np.moveaxis(img, 0, -1))
                pil.save(folder / f"{prefix}_{i:05d}.png")
    except FileExistsError:
        raise InputError(f"image folder '{out}' already exists: pass overwrite=True (--overwrite) or choose "
                         "another folder") from None
    return Path(out)


def write_gif(frames, path, fps: float = 12.0, scale: int = 1, loop: bool = True) -> Path:
    """Write an animation of ``frames`` (T, C, H, W) in [0, 1] (C = 1 or 3) as a GIF, atomically.

    Each frame is enlarged ``scale`` times (nearest neighbour, so pixels stay sharp) and shown for
    ``1 / fps`` seconds; ``loop`` repeats forever. Colour frames are quantised to 256 colours per
    frame (the GIF format's limit). Pillow merges consecutive frames that are pixel-identical.
    """
    from PIL import Image

    from scigen.io.atomic import atomic_path

    arr = np.asarray(frames, dtype=np.float32)
    if arr.ndim != 4 or arr.shape[1] not in (1, 3) or arr.shape[0] < 1:
        raise InputError(f"write_gif: frames must be (T, C, H, W) with T >= 1 and C = 1 or 3, got {arr.shape}")
    if not fps > 0 or int(scale) != scale or scale < 1:
        raise InputError(f"write_gif: fps must be positive and scale a positive integer, got {fps}, {scale}")
    data = np.round(np.clip(arr, 0, 1) * 255).astype(np.uint8)
    images = []
    for img in data:
        pil = Image.fromarray(img[0] if img.shape[0] == 1 else np.moveaxis(img, 0, -1))
        if scale > 1:
            pil = pil.resize((pil.width * int(scale), pil.height * int(scale)), Image.Resampling.NEAREST)
        images.append(pil)
    extra = {"loop": 0} if loop else {}
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=max(1, int(round(1000.0 / fps))), **extra)
    return Path(path)
