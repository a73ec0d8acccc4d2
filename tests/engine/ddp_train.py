"""Run by torchrun from test_distributed.py: trains a model through the engine on every rank.

usage: ddp_train.py MODEL OUT_DIR STEPS GLOBAL_BATCH
"""

import sys

import torch

from scigen.engine import ArrayDataset, TrainConfig, fit, seeded
from scigen.engine.examples import MLPAutoencoder, RingGAN, load_digits_dataset, ring_of_gaussians
from scigen.engine.generate import generate_to_file


def build(name: str):
    with seeded(0):
        if name == "autoencoder":
            return MLPAutoencoder(hidden=32), ArrayDataset(samples=torch.from_numpy(load_digits_dataset()[0][:512]))
        return RingGAN(hidden=32), ArrayDataset(samples=torch.from_numpy(ring_of_gaussians(512, seed=0)))


def main() -> None:
    name, out, steps, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(1)
    model, data = build(name)
    fit(model, data, TrainConfig(steps=steps, batch_size=batch, seed=1, device="cpu", log_every=5), out_dir=out)
    # fit gives the model back without its DDP wrappers
    assert not any(isinstance(m, torch.nn.parallel.DistributedDataParallel) for m in model.modules())
    if name == "gan":
        # every rank ends with identical weights: the same generator samples the same points
        generate_to_file(f"{out}/samples.h5", lambda n, g: {"samples": model.sample(n, generator=g)}, 1001,
                         domain=None, batch_size=128, seed=7)


if __name__ == "__main__":
    main()
