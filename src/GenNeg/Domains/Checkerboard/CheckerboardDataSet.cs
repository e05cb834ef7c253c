using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Oracles;
using GenNeg.Reporting;
using GenNeg.Runs;
using static TorchSharp.torch;

namespace GenNeg.Domains.Checkerboard;

/// <summary>The paper's 2-D checkerboard (Figure 3): unconditional points [N, 2], one label per point.</summary>
public sealed class CheckerboardDataSet : IDataSet
{
    public const string DataSetName = "checkerboard";

    public string Name => DataSetName;

    /// <summary>A point's two coordinates and the cell index, offsets and sum made on the way (8 bytes each).</summary>
    private const double BytesPerPoint = 32;

    public DataSplit Load(DataConfig config)
    {
        EnsureFits(config);
        using var trainGenerator = new Generator((ulong)config.Seed);
        using var validationGenerator = new Generator((ulong)config.ValidationSeed);
        return new DataSplit(CheckerboardData.Sample(config.TrainSize, trainGenerator), CheckerboardData.Sample(config.ValidationSize, validationGenerator));
    }

    public void EnsureFits(DataConfig config)
    {
        var key = config.TrainSize >= config.ValidationSize ? "data.train_size" : "data.validation_size";
        Runtime.MemoryBudget.EnsureFits(BytesPerPoint * ((double)config.TrainSize + config.ValidationSize),
            $"the checkerboard data set ({config.TrainSize:N0} + {config.ValidationSize:N0} points)", $"lower {key}");
    }

    public byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title)
    {
        var values = samples.cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var valid = ValidFlags(verdict);
        var points = Enumerable.Range(0, valid.Length).Select(i => ((double)values[2 * i], (double)values[2 * i + 1], valid[i])).ToArray();
        return CheckerboardScatterPlot.RenderPng(points, title);
    }

    public string ExportFileName => "points.csv";

    public void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path) =>
        SampleCsv.Write(path, samples, ValidFlags(verdict));

    private static bool[] ValidFlags(OracleVerdict verdict)
    {
        using var valid = verdict.SampleValid();
        return valid.cpu().data<bool>().ToArray();
    }
}
