"""The checkerboard rule of GenNeg's built-in oracle, in Python: a 4x4 board over [-4, 4)^2 with cells of side 2;
a point is valid iff it lies on the board and its cell (floor(x0 / 2), floor(x1 / 2)) has an even index sum.

    oracle: external
    external_oracle: { command: [python3, samples/PythonOracle/checkerboard_oracle.py] }
"""
import numpy as np

from genneg_oracle import serve

HALF_WIDTH, CELL_SIDE = 4.0, 2.0


def judge(request):
    points = request["samples"]                      # [B, 2] float32
    on_board = np.all((points >= -HALF_WIDTH) & (points < HALF_WIDTH), axis=1)
    cells = np.floor(points / CELL_SIDE).astype(np.int64)
    filled = (cells[:, 0] + cells[:, 1]) % 2 == 0
    return on_board & filled                         # [B] bool


if __name__ == "__main__":
    serve(judge)
