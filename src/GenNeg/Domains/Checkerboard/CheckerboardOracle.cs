using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Domains.Checkerboard;

/// <summary>
/// The 2-D checkerboard of the paper's Figure 3: a 4x4 board over [-4, 4)^2 with cells of side 2.
/// Cell (i, j) = (floor(x/2), floor(y/2)) is filled iff i + j is even. Cells are half-open,
/// [2i, 2i+2) x [2j, 2j+2), so every point has exactly one cell and the board is [-4, 4)^2.
/// </summary>
public sealed class CheckerboardOracle : IOracle
{
    public const double HalfWidth = 4.0;
    public const double CellSide = 2.0;

    public string Name => "checkerboard";

    public Tensor IsValid(Tensor samples)
    {
        if (samples.ndim != 2 || samples.shape[1] != 2)
            throw new GenNegException($"the checkerboard oracle takes 2-D points [B, 2], got shape [{string.Join(", ", samples.shape)}]");
        using var scope = NewDisposeScope();
        var onBoard = (samples >= -HalfWidth).logical_and(samples < HalfWidth).all(1);
        var cells = (samples / CellSide).floor().to(ScalarType.Int64);
        var filled = (cells[.., 0] + cells[.., 1]).remainder(2).eq(0);
        return onBoard.logical_and(filled).MoveToOuterDisposeScope();
    }
}
