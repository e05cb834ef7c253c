using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Checkerboard;
using GenNeg.Oracles;
using GenNeg.Reporting;
using GenNeg.Runs;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>
/// A small shaped, conditioned test problem: sets of 3 points on the 4x4 board, [N, 3, 2], each set with a condition
/// "parity" [N, 1] that chooses which cells are filled: cell (i, j) is filled iff (i + j) mod 2 equals the parity.
/// Registered by the tests the way a user registers a data set of their own.
/// </summary>
internal sealed class PointSetsDataSet : IDataSet
{
    public const string DataSetName = "point-sets";
    public const int Points = 3;

    public string Name => DataSetName;

    public DataSplit Load(DataConfig config)
    {
        var (train, trainParity) = Draw(config.TrainSize, config.Seed);
        var (validation, validationParity) = Draw(config.ValidationSize, config.ValidationSeed);
        return new DataSplit(train, validation, Condition.Of("parity", trainParity), Condition.Of("parity", validationParity), elementShape: [Points]);
    }

    /// <summary>Checkerboard points (even cells), moved one cell right (wrapping) where the parity is odd.</summary>
    public static (Tensor Points, Tensor Parity) Draw(long count, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var parity = randint(0, 2, [count, 1], generator: generator).to(ScalarType.Float32);
        var points = CheckerboardData.Sample(count * Points, generator).reshape(count, Points, 2);
        var shift = parity.unsqueeze(2) * tensor(new[] { 2f, 0f }).reshape(1, 1, 2);
        var moved = points + shift;
        moved = where(moved >= 4, moved - 8, moved);
        return (moved.MoveToOuterDisposeScope(), parity.MoveToOuterDisposeScope());
    }

    public byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title)
    {
        var points = samples.reshape(-1, 2).cpu().data<float>().ToArray();
        var valid = verdict.Valid.reshape(-1).cpu().data<bool>().ToArray();
        return CheckerboardScatterPlot.RenderPng(valid.Select((v, i) => ((double)points[2 * i], (double)points[2 * i + 1], v)).ToArray(), title, size: 200);
    }

    public string ExportFileName => "points.csv";

    public void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path)
    {
        using var sampleValid = verdict.SampleValid();
        SampleCsv.Write(path, samples.flatten(1), sampleValid.cpu().data<bool>().ToArray());
    }
}

/// <summary>Labels each point of a set: on the board and in a cell the set's parity fills; reasons off_board and empty_cell.</summary>
internal sealed class PointSetsOracle : IOracle
{
    public string Name => "point-sets";

    public Tensor IsValid(Tensor samples) => throw new GenNegException("the point-sets oracle needs each set's parity");

    public OracleVerdict Judge(Tensor samples, Condition condition)
    {
        using var scope = NewDisposeScope();
        var onBoard = (samples >= -4).logical_and(samples < 4).all(2);
        var cells = (samples / 2).floor().to(ScalarType.Int64);
        var parity = condition["parity"].to(ScalarType.Int64);
        var filled = (cells[.., .., 0] + cells[.., .., 1]).remainder(2).eq(parity);
        var valid = onBoard.logical_and(filled);
        var reasons = new Dictionary<string, Tensor>
        {
            ["off_board"] = onBoard.logical_not(),
            ["empty_cell"] = onBoard.logical_and(filled.logical_not()),
        };
        return new OracleVerdict(valid, reasons).MoveToOuterDisposeScope();
    }
}
