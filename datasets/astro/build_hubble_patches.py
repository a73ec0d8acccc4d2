"""Build scigen/astro/resources/hubble_deep_field_patches.npz: real galaxy cutouts from the Hubble deep field.

Source: ``skimage/data/hubble_deep_field.jpg`` as shipped in the scikit-image wheel (0.26.0 used here;
``skimage.data.hubble_deep_field()``), 1000 x 872 pixels, RGB JPEG. Scikit-image's documentation of that
function: the Hubble eXtreme Deep Field, downloaded from HubbleSite (news release 2012-37, image a),
"captured by NASA and may be freely used in the public domain". Credit: NASA, ESA, G. Illingworth,
D. Magee, P. Oesch (University of California, Santa Cruz), R. Bouwens (Leiden University) and the
HUDF09 Team.

What it does: finds sources (connected regions of the lightly smoothed grey image at least 8 robust
sigmas above the sky, >= 20 pixels) with ``scigen.astro.images.source_cutouts``, keeps the 200
brightest whose 48 x 48 cutout lies inside the image and whose centres are >= 24 px from brighter
ones, and stores them as uint8 (N, 3, 48, 48) with their centres. Bright stars (diffraction spikes)
are kept: they are part of a real deep field.

Usage (scikit-image need not be installed; point it at the JPEG from the wheel)::

    pip download scikit-image --no-deps -d /tmp/sk
    unzip -j /tmp/sk/*.whl 'skimage/data/hubble_deep_field.jpg' -d /tmp/sk
    python datasets/astro/build_hubble_patches.py /tmp/sk/hubble_deep_field.jpg
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "scigen" / "astro" / "resources" / "hubble_deep_field_patches.npz"
SIZE, COUNT, THRESHOLD, MIN_AREA = 48, 200, 8.0, 20


def find_jpeg(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    try:
        import skimage

        return Path(skimage.__file__).parent / "data" / "hubble_deep_field.jpg"
    except ImportError:
        sys.exit("pass the path of hubble_deep_field.jpg (scikit-image is not installed); see the docstring")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("jpeg", nargs="?", help="path of hubble_deep_field.jpg (default: from scikit-image)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    from scigen.astro.images import load_image, source_cutouts
    from scigen.io.atomic import atomic_path

    jpeg = find_jpeg(args.jpeg)
    digest = hashlib.sha256(jpeg.read_bytes()).hexdigest()
    image = load_image(jpeg, "rgb")
    patches, centres = source_cutouts(image, SIZE, n_max=COUNT, threshold=THRESHOLD, min_area=MIN_AREA)
    data = np.round(patches * 255).astype(np.uint8)
    with atomic_path(args.out) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(
                fh, patches=data, centres=centres.astype(np.int32),
                source=np.array("skimage/data/hubble_deep_field.jpg (scikit-image 0.26.0); Hubble eXtreme Deep "
                                "Field, HubbleSite news release 2012-37; NASA, public domain"),
                source_sha256=np.array(digest), image_shape=np.array(image.shape),
            )
    print(f"wrote {args.out}: {len(data)} patches of {SIZE}x{SIZE} from {jpeg} (sha256 {digest[:12]}...), "
          f"{Path(args.out).stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
