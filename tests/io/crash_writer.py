"""Run by test_crash_safety.py: writes checkpoints or sample sets in a loop until killed.

usage: crash_writer.py checkpoint|samples DIR
"""

import sys
from pathlib import Path

import numpy as np
import torch

from scigen.engine.checkpoint import point_latest, save_checkpoint
from scigen.engine.examples import MLPAutoencoder
from scigen.io import write_sample_set


def main() -> None:
    kind, out = sys.argv[1], Path(sys.argv[2])
    step = 0
    model = MLPAutoencoder(dim=4096, hidden=512)  # ~16 MB of weights: writing takes a while
    while True:
        step += 1
        if kind == "checkpoint":
            with torch.no_grad():
                for p in model.parameters():
                    p.fill_(float(step))
            path = save_checkpoint(out / "checkpoints" / f"step_{step:08d}", model, step=step)
            point_latest(out, path)
        else:
            data = np.full((400, 64, 64), step, dtype=np.float32)
            write_sample_set(out / "set.h5", data, domain=None, attrs={"step": step}, compression=None)
        print(step, flush=True)


if __name__ == "__main__":
    main()
