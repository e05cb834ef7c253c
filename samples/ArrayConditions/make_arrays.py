"""Writes a tiny conditional data set for `data.name: arrays`: 2-D points on the checkerboard's filled cells, each
with a condition array `column` saying which half of the board (left 0, right 1) it lies in.

    python3 make_arrays.py [folder]      # default: the current folder

Files: train.npy [N, 2] and validation.npy [M, 2] (float32 samples), train-column.npy [N, 1] and
validation-column.npy [M, 1] (float32 conditions, row i belongs to sample i).
"""
import os
import sys

import numpy as np

CELL = 2.0
# Lower-left corners of the filled cells: (i, j) in {-2, ..., 1}^2 with i + j even.
CORNERS = np.array([(i * CELL, j * CELL) for i in range(-2, 2) for j in range(-2, 2) if (i + j) % 2 == 0], dtype=np.float32)


def points(count, rng):
    cells = CORNERS[rng.integers(0, len(CORNERS), count)]
    return (cells + rng.random((count, 2), dtype=np.float32) * CELL).astype(np.float32)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(1)
    for split, count in (("train", 4000), ("validation", 1000)):
        samples = points(count, rng)
        column = (samples[:, :1] >= 0).astype(np.float32)  # [N, 1]: one number per sample
        np.save(os.path.join(folder, f"{split}.npy"), samples)
        np.save(os.path.join(folder, f"{split}-column.npy"), column)
        print(f"{split}: samples {samples.shape}, column {column.shape} ({int(column.sum())} on the right)")


if __name__ == "__main__":
    main()
