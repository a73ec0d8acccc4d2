"""Train / generate wiring for galaxy images: the VAE (reconstruction, interpolation GIF) and the AC-GAN.

    from scigen.astro import pipeline
    vae = pipeline.train_vae("galaxies/", "runs/gvae", TrainConfig(steps=3000))   # folder, .h5, "hubble"
    vae["heldout"]                      # {"mse": ..., "baseline_mse": ...} on held-out images
    pipeline.interpolate("runs/gvae", "movie.gif", images="galaxies/")
    ac = pipeline.train_acgan("galaxies/", "runs/acgan", TrainConfig(steps=3000))
    ac["heldout"]["accuracy"]           # the discriminator's classifier on held-out real images
    pipeline.generate_galaxies("runs/acgan", 90, "fake_galaxies/", galaxy_type="spiral")

Images are (N, C, H, W) float32 in [0, 1] (C = 3 colour or 1 grey); a folder's class subfolders are
the labels. Each trainer holds out a seeded random part of the images (stratified by class for the
AC-GAN), never trains on it, measures the model on it at the end and writes ``evaluation.json`` into
the run directory (atomically).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from scigen.errors import InputError

GALAXY_VAE = "astro.galaxy_vae"
GALAXY_ACGAN = "astro.galaxy_acgan"


def _as_images(images, size: int | None = None, mode: str = "rgb"):
    """An :class:`~scigen.astro.images.ImageSet` from an ImageSet, an (N, C, H, W) array or a source
    (a folder tree, an .h5 sample set or "hubble"); ``size`` None keeps the data's own size."""
    from scigen.astro.data import load_galaxy_images
    from scigen.astro.images import ImageSet, resize, to_mode

    if isinstance(images, ImageSet):
        s = images
    elif isinstance(images, np.ndarray):
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            raise InputError(f"images must be (N, C, H, W) with C = 1 or 3, got shape {images.shape}")
        s = ImageSet(images.astype(np.float32), None, [], [f"array[{i}]" for i in range(len(images))])
    else:
        return load_galaxy_images(images, size=size, mode=mode)
    arr = s.images
    if arr.shape[1] != (3 if mode == "rgb" else 1):
        arr = np.stack([to_mode(img, mode) for img in arr])
    if size and arr.shape[-2:] != (size, size):
        arr = np.stack([resize(img, (size, size)) for img in arr])
    return ImageSet(arr.astype(np.float32), s.labels, list(s.class_names), list(s.sources))


def _source_name(images) -> str:
    return str(images) if isinstance(images, (str, Path)) else type(images).__name__


def _split(n: int, holdout: float, seed: int, labels=None) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) indices: a seeded random ``holdout`` fraction, stratified by ``labels``."""
    if not 0 <= holdout < 1:
        raise InputError(f"holdout must be a fraction in [0, 1), got {holdout}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    train, test = [], []
    for idx in groups:
        p = rng.permutation(idx)
        k = int(round(holdout * len(p)))
        test.append(p[:k])
        train.append(p[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _check_size(size: int, source: str) -> None:
    from scigen.nn import plan_resolution

    try:
        plan_resolution(size)
    except ValueError as exc:
        raise InputError(f"'{source}': images of {size} px: {exc} (pass --size to resize them)") from None


def _write_evaluation(out, payload: dict) -> None:
    from scigen.io.atomic import write_text_atomic

    write_text_atomic(Path(out) / "evaluation.json", json.dumps(payload, indent=1) + "\n")


# --- VAE ------------------------------------------------------------------------------------------

def reconstruction_error(model, images, batch_size: int = 256) -> dict[str, float]:
    """Mean squared error per pixel of the VAE's reconstructions (decoded posterior means) of
    ``images`` (N, C, H, W) in [0, 1], beside the baseline of predicting the images' own mean image."""
    import torch

    x = np.asarray(images, dtype=np.float32)
    model.eval()
    err = 0.0
    for i in range(0, len(x), batch_size):
        rec = model.reconstruct(torch.from_numpy(x[i:i + batch_size])).cpu().numpy()
        err += float(np.square(rec - x[i:i + batch_size], dtype=np.float64).sum())
    mse = err / x.size
    baseline = float(np.square(x - x.mean(axis=0, keepdims=True), dtype=np.float64).mean())
    return {"mse": mse, "baseline_mse": baseline, "ratio_to_baseline": mse / baseline if baseline else float("nan"),
            "n": int(len(x))}


def train_vae(images, out, config=None, *, size: int | None = None, mode: str = "rgb", latent_dim: int = 32,
              width: int = 32, max_width: int = 256, lr: float = 1e-3, kl_weight: float = 1.0,
              kl_warmup_steps: int = 500, holdout: float = 0.1, resume: bool = False) -> dict[str, Any]:
    """Train a :class:`~scigen.astro.models.GalaxyVAE`; returns ``{"train": TrainResult, "heldout":
    reconstruction_error on the held-out images, "model": the trained model (eval mode)}``.

    ``images``: a folder (class subfolders allowed), an .h5 sample set, "hubble", an ImageSet or an
    (N, C, H, W) array in [0, 1]. ``size`` resizes (None keeps the data's size); ``mode`` "rgb" or
    "grey". With ``config.eval_every`` the held-out error is logged during training too.
    """
    import torch

    from scigen.astro.models import GalaxyVAE
    from scigen.astro.pipeline import resumed_config
    from scigen.engine import ArrayDataset, TrainConfig, fit, seeded

    config = config or TrainConfig()
    data = _as_images(images, size, mode)
    n, c, h, w = data.images.shape
    if h != w:
        raise InputError(f"'{_source_name(images)}': images are {h}x{w}; pass size= to make them square")
    _check_size(h, _source_name(images))
    train_idx, test_idx = _split(n, holdout, config.seed)
    model_config = resumed_config(out, GALAXY_VAE, resume) or dict(
        image_size=h, channels=c, latent_dim=latent_dim, width=width, max_width=max_width, lr=lr,
        kl_weight=kl_weight, kl_warmup_steps=kl_warmup_steps)
    if (model_config["image_size"], model_config["channels"]) != (h, c):
        raise InputError(f"cannot resume '{out}': it trains {model_config['image_size']} px x "
                         f"{model_config['channels']} channels, the images are {h} px x {c}")
    with seeded(config.seed):
        model = GalaxyVAE(**model_config)
    test = data.images[test_idx]
    evaluate = (lambda m: reconstruction_error(m, test)) if len(test) and config.eval_every else None
    if len(train_idx) < config.batch_size:
        raise InputError(f"{len(train_idx)} training images are fewer than one batch of {config.batch_size}; "
                         "lower --batch-size or --holdout")
    result = fit(model, ArrayDataset(samples=torch.from_numpy(data.images[train_idx])), config, out_dir=out,
                 resume=resume, evaluate=evaluate,
                 checkpoint_extra={"data": _source_name(images), "n_images": int(n), "holdout": float(holdout),
                                   "mode": mode, "size": size})
    heldout = reconstruction_error(model, test) if len(test) else None
    if out is not None:
        _write_evaluation(out, {"model": GALAXY_VAE, "step": result.steps, "heldout": heldout,
                                "train": reconstruction_error(model, data.images[train_idx[:1000]])})
    return {"train": result, "heldout": heldout, "model": model.eval()}


def _anchor_codes(model, images, n_points: int, seed: int):
    """Latent codes to interpolate through: posterior means of ``n_points`` random images, or prior draws."""
    import torch

    if images is None:
        source = (getattr(model, "checkpoint_info", {}) or {}).get("extra", {}).get("data")
        if source and (source == "hubble" or Path(source).exists()):
            images = source
    if images is not None:
        data = _as_images(images, model.image_size, "rgb" if model.channels == 3 else "grey")
        if len(data) < n_points:
            raise InputError(f"{len(data)} images are fewer than the {n_points} interpolation points")
        pick = np.random.default_rng(seed).choice(len(data), n_points, replace=False)
        mu, _ = model.encode(torch.from_numpy(data.images[pick]))
        return mu.cpu(), f"{n_points} encoded images of {_source_name(images)}"
    z = torch.randn(n_points, model.latent_dim, generator=torch.Generator().manual_seed(seed))
    return z, f"{n_points} draws from the prior N(0, I) (no images given and the training data not found)"


def interpolate(model_dir, out, *, images=None, n_points: int = 4, frames_per_segment: int = 12, seed: int = 0,
                fps: float = 12.0, scale: int = 4, loop: bool = True) -> dict[str, Any]:
    """Write a latent-space interpolation movie (GIF) of a trained galaxy VAE.

    Encodes ``n_points`` images (random, seeded) from ``images`` (default: the run's training data
    when it still exists, else prior draws), walks great circles between consecutive codes
    (spherical interpolation, :func:`scigen.nn.slerp`), ``frames_per_segment`` frames each, back to
    the first when ``loop``, decodes every point and writes the frames, enlarged ``scale`` times.
    Returns ``{"gif": path, "frames": T, "anchors": description}``; T = n_points x frames_per_segment
    with ``loop``, else (n_points - 1) x frames_per_segment + 1.
    """
    import torch

    from scigen.astro.images import write_gif
    from scigen.engine import load_model
    from scigen.nn import slerp

    if n_points < 2 or frames_per_segment < 1:
        raise InputError(f"interpolation needs n_points >= 2 and frames_per_segment >= 1, got {n_points}, "
                         f"{frames_per_segment}")
    model = load_model(model_dir, expected=GALAXY_VAE)
    codes, anchors = _anchor_codes(model, images, n_points, seed)
    pairs = list(zip(codes, torch.roll(codes, -1, dims=0))) if loop else list(zip(codes[:-1], codes[1:]))
    t = torch.arange(frames_per_segment, dtype=torch.float32) / frames_per_segment
    path = [slerp(a, b, t) for a, b in pairs]
    if not loop:
        path.append(codes[-1:])
    frames = model.decode(torch.cat(path)).cpu().numpy()
    gif = write_gif(frames, out, fps=fps, scale=scale, loop=loop)
    return {"gif": str(gif), "frames": int(len(frames)), "anchors": anchors}


# --- AC-GAN ---------------------------------------------------------------------------------------

def classifier_accuracy(model, images, labels) -> dict[str, Any]:
    """The AC-GAN discriminator's classifier on labelled images: accuracy overall and per class."""
    labels = np.asarray(labels)
    pred = model.eval().classify(images).argmax(1).numpy()
    per_class = {name: float((pred[labels == k] == k).mean()) for k, name in enumerate(model.class_names)
                 if np.any(labels == k)}
    return {"accuracy": float((pred == labels).mean()), "per_class": per_class, "n": int(len(labels)),
            "chance": 1.0 / model.n_classes}


def train_acgan(images, out, config=None, *, size: int | None = None, mode: str = "rgb", holdout: float = 0.2,
                latent_dim: int = 64, width: int = 32, max_width: int = 256, kernel_size: int = 4,
                lr: float = 2e-4, aux_weight: float = 1.0, label_flip: float = 0.0,
                resume: bool = False) -> dict[str, Any]:
    """Train a :class:`~scigen.astro.models.GalaxyACGAN` on labelled images; returns ``{"train":
    TrainResult, "heldout": classifier_accuracy on the held-out real images, "model": the trained
    model (eval mode)}``.

    ``images`` must be labelled: a folder with class subfolders (elliptical/, spiral/, barred/), a
    labelled .h5 set, or an ImageSet with labels. The held-out part (``holdout``, stratified by
    class) is never trained on.
    """
    import torch

    from scigen.astro.models import GalaxyACGAN
    from scigen.astro.pipeline import resumed_config
    from scigen.engine import ArrayDataset, TrainConfig, fit, seeded

    config = config or TrainConfig()
    data = _as_images(images, size, mode)
    source = _source_name(images)
    if data.labels is None or len(np.unique(data.labels)) < 2:
        raise InputError(f"'{source}': the AC-GAN needs labelled images of at least 2 classes (a folder with "
                         "one subfolder per class, or a labelled .h5 set)")
    n, c, h, w = data.images.shape
    if h != w:
        raise InputError(f"'{source}': images are {h}x{w}; pass size= to make them square")
    _check_size(h, source)
    names = list(data.class_names) or [str(k) for k in range(int(data.labels.max()) + 1)]
    model_config = resumed_config(out, GALAXY_ACGAN, resume) or dict(
        image_size=h, channels=c, n_classes=len(names), class_names=names, latent_dim=latent_dim, width=width,
        max_width=max_width, kernel_size=kernel_size, lr=lr, aux_weight=aux_weight, label_flip=label_flip)
    if (model_config["image_size"], model_config["channels"], model_config["class_names"]) != (h, c, names):
        raise InputError(f"cannot resume '{out}': it trains {model_config['image_size']} px images of classes "
                         f"{model_config['class_names']}, the data are {h} px of {names}")
    train_idx, test_idx = _split(n, holdout, config.seed, data.labels)
    if len(train_idx) < config.batch_size:
        raise InputError(f"{len(train_idx)} training images are fewer than one batch of {config.batch_size}; "
                         "lower --batch-size or --holdout")
    with seeded(config.seed):
        model = GalaxyACGAN(**model_config)
    x_test, y_test = data.images[test_idx], data.labels[test_idx]

    def evaluate(m):
        return {"heldout_accuracy": classifier_accuracy(m, x_test, y_test)["accuracy"]}

    dataset = ArrayDataset(samples=torch.from_numpy(data.images[train_idx]),
                           labels=torch.from_numpy(data.labels[train_idx].astype(np.int64)))
    result = fit(model, dataset, config, out_dir=out, resume=resume,
                 evaluate=evaluate if len(test_idx) and config.eval_every else None,
                 checkpoint_extra={"data": source, "n_images": int(n), "holdout": float(holdout)})
    heldout = classifier_accuracy(model, x_test, y_test) if len(test_idx) else None
    if out is not None:
        _write_evaluation(out, {"model": GALAXY_ACGAN, "step": result.steps, "heldout": heldout,
                                "train": classifier_accuracy(model, data.images[train_idx],
                                                             data.labels[train_idx])})
    return {"train": result, "heldout": heldout, "model": model.eval()}


def generate_galaxies(model_dir, n: int, out, *, galaxy_type=None, seed: int = 0, overwrite: bool = False,
                      batch_size: int = 256) -> dict[str, Any]:
    """Draw ``n`` galaxies from a trained AC-GAN: of one type (a class name or index) or, by default,
    every class in turn. ``out`` ending in .h5 gets a labelled sample set (domain "astro",
    ``class_names`` attribute, model provenance); anything else a folder of PNGs in class subfolders.
    Returns ``{"out": path, "counts": {class: n}}``."""
    import torch

    from scigen.astro.images import write_image_folder
    from scigen.engine import load_model
    from scigen.engine.generate import generate_to_file, model_provenance

    if int(n) != n or n < 1:
        raise InputError(f"number of galaxies must be a positive integer, got {n}")
    if Path(out).exists() and not overwrite:
        raise InputError(f"'{out}' already exists: pass overwrite=True (--overwrite) or choose another name")
    model = load_model(model_dir, expected=GALAXY_ACGAN)
    if galaxy_type is None:
        labels = np.arange(int(n)) % model.n_classes
    else:
        try:
            wanted = int(galaxy_type) if str(galaxy_type).isdigit() else galaxy_type
            labels = model.class_labels(int(n), wanted).numpy()
        except ValueError as exc:
            raise InputError(f"--type: {exc}") from None
    counts = {name: int((labels == k).sum()) for k, name in enumerate(model.class_names)}
    if str(out).lower().endswith((".h5", ".hdf5")):
        offset = [0]

        def sample_fn(count, g):
            lab = torch.from_numpy(labels[offset[0]:offset[0] + count])
            offset[0] += count
            images, lab = model.sample_with_labels(count, lab, generator=g)
            return {"samples": images, "labels": lab}

        path = generate_to_file(out, sample_fn, int(n), domain="astro", batch_size=batch_size, seed=seed,
                                attrs={"class_names": model.class_names, "image_kind": "galaxy",
                                       "channels": "rgb" if model.channels == 3 else "grey"},
                                producer=model_provenance(model))
        return {"out": str(path), "counts": counts}
    g = torch.Generator().manual_seed(seed)
    parts = [model.sample_with_labels(len(chunk), torch.from_numpy(chunk), generator=g)[0].numpy()
             for chunk in np.array_split(labels, max(1, int(np.ceil(n / batch_size))))]
    path = write_image_folder(np.concatenate(parts), out, labels, model.class_names, overwrite=overwrite,
                              prefix="galaxy")
    return {"out": str(path), "counts": counts}
