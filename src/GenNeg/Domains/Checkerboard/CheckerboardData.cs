
using static TorchSharp.torch;

namespace GenNeg.Domains.Checkerboard;

/// <summary>Points drawn uniformly from the 8 filled cells of the checkerboard (see <see cref="CheckerboardOracle"/>).</summary>
public static class CheckerboardData
{
    /// <summary>Lower-left corners of the filled cells: cell (i, j) with i + j even, i, j in {-2, ..., 1}.</summary>
    private static readonly float[] FilledCellCorners = BuildCorners();

    public static Tensor Sample(long count, Generator generator)
    {
        using var scope = NewDisposeScope();
        var corners = tensor(FilledCellCorners).reshape(-1, 2);
        var cell = randint(0, corners.shape[0], [count], generator: generator);
        var offset = rand([count, 2], generator: generator) * CheckerboardOracle.CellSide;
        return (corners.index_select(0, cell) + offset).MoveToOuterDisposeScope();
    }

    private static float[] BuildCorners()
    {
        var corners = new List<float>();
        for (var i = -2; i < 2; i++)
            for (var j = -2; j < 2; j++)
                if ((i + j) % 2 == 0)
                    corners.AddRange([(float)(i * CheckerboardOracle.CellSide), (float)(j * CheckerboardOracle.CellSide)]);
        return corners.ToArray();
    }
}
