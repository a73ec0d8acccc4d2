"""Conformance checks every scigen model passes (in the spirit of scikit-learn's estimator checks).

    from scigen.testing import check_model
    check_model(lambda: RingGAN(), ArrayDataset(samples=x), tmp_path, batch_size=32,
                expect_shape=(2,), expect_dtype=torch.float32)

It trains a few steps through the engine, checkpoints, resumes, reloads and samples, asserting:
1. construction under the same seed gives identical parameters, and the config survives JSON;
2. an interrupted run resumed from its checkpoint ends with exactly the parameters of an
   uninterrupted run (weights, optimizer moments, RNG and data position all restored);
3. ``load_model`` rebuilds the trained model from disk with equal parameters;
4. ``sample(n, generator=...)`` has the documented shape and dtype, finite values, and is
   reproducible for a fixed generator seed.
Each failure raises AssertionError naming the check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import torch

from scigen.engine import TrainConfig, fit, load_model, seeded
from scigen.engine.model import Model


class _Interrupt(Exception):
    pass


def _params(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def _assert_same(a: dict, b: dict, what: str, atol: float = 0.0) -> None:
    assert a.keys() == b.keys(), f"{what}: parameter names differ: {sorted(a.keys() ^ b.keys())[:5]}"
    for key in a:
        if a[key].dtype.is_floating_point:
            diff = (a[key].float() - b[key].float()).abs().max().item() if a[key].numel() else 0.0
            assert diff <= atol, f"{what}: '{key}' differs by {diff:.3g}"
        else:
            assert torch.equal(a[key], b[key]), f"{what}: '{key}' differs"


def check_model(
    make_model: Callable[[], Model],
    dataset,
    workdir: str | Path,
    *,
    steps: int = 6,
    batch_size: int = 8,
    sample_n: int = 4,
    sample_kwargs: dict[str, Any] | None = None,
    expect_shape: tuple[int, ...] | None = None,
    expect_dtype: torch.dtype | None = None,
    check_sample: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    """Run the conformance checks on the model built by ``make_model`` (see the module docstring).

    ``expect_shape`` is the shape of one sample; ``check_sample`` replaces the tensor checks for
    models whose samples are not tensors (SMILES strings, tables). Returns a summary dict.
    """
    workdir = Path(workdir)
    sample_kwargs = sample_kwargs or {}
    config = TrainConfig(steps=steps, batch_size=batch_size, seed=3, log_every=1, checkpoint_every=steps // 2,
                         keep_checkpoints=5, device="cpu", threads=None)

    with seeded(11):
        first = make_model()
    with seeded(11):
        second = make_model()
    assert isinstance(first, Model) and first.name, "the model must subclass scigen.engine.Model and be registered"
    _assert_same(_params(first), _params(second), "construction under one seed")
    assert json.loads(json.dumps(first.config)) == first.config, "model config does not survive a JSON round trip"

    fit(first, dataset, config, out_dir=workdir / "full")
    full = _params(first)
    for key, value in full.items():
        if value.dtype.is_floating_point:
            assert torch.isfinite(value).all(), f"training produced non-finite values in '{key}'"

    def interrupt(state):
        if state.step == steps // 2 + 1:
            raise _Interrupt

    try:
        fit(second, dataset, config, out_dir=workdir / "interrupted", callbacks=[interrupt])
        raise AssertionError("the interruption callback did not stop training")
    except _Interrupt:
        pass
    with seeded(12):
        third = make_model()  # a different init: everything must come from the checkpoint
    fit(third, dataset, config, out_dir=workdir / "interrupted", resume=True)
    _assert_same(full, _params(third), "resume after interruption vs uninterrupted run")

    loaded = load_model(workdir / "full", expected=first.name)
    _assert_same(full, _params(loaded), "load_model of the final checkpoint")

    a = loaded.sample(sample_n, generator=torch.Generator().manual_seed(5), **sample_kwargs)
    b = loaded.sample(sample_n, generator=torch.Generator().manual_seed(5), **sample_kwargs)
    if check_sample is not None:
        check_sample(a)
        assert a == b if not isinstance(a, torch.Tensor) else torch.equal(a, b), "sampling with one generator seed is not reproducible"
    else:
        assert isinstance(a, torch.Tensor), f"sample() must return a tensor, got {type(a).__name__}"
        if expect_shape is not None:
            assert tuple(a.shape) == (sample_n, *expect_shape), f"sample shape {tuple(a.shape)} != {(sample_n, *expect_shape)}"
        if expect_dtype is not None:
            assert a.dtype == expect_dtype, f"sample dtype {a.dtype} != {expect_dtype}"
        if a.dtype.is_floating_point:
            assert torch.isfinite(a).all(), "samples contain NaN/inf"
        assert torch.equal(a, b), "sampling with one generator seed is not reproducible"
    return {"model": first.name, "steps": steps, "parameters": sum(v.numel() for v in full.values())}
