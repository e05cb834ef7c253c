using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Oracles;
using GenNeg.Reporting;
using GenNeg.Runs;
using static TorchSharp.torch;

namespace RingDomain.Ring;

/// <summary>Points on a ring with a gap (<see cref="RingDataConfig"/>): unconditional samples [N, 2], one label per point.</summary>
public sealed class RingDataSet : IDataSet
{
    public const string DataSetName = "ring";

    public string Name => DataSetName;

    public Type ConfigType => typeof(RingDataConfig);

    public DataSplit Load(DataConfig config)
    {
        var ring = config.OptionsAs<RingDataConfig>();
        // The ring's settings are its world: the oracle reads the gap from them.
        return new DataSplit(Sample(ring, config.TrainSize, config.Seed), Sample(ring, config.ValidationSize, config.ValidationSeed), world: ring);
    }

    /// <summary>Angles uniform on the circle outside the gap, radii normal around the radius.</summary>
    private static Tensor Sample(RingDataConfig ring, int count, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var gap = ring.GapDegrees * Math.PI / 180;
        var angle = gap / 2 + rand([count], dtype: ScalarType.Float64, generator: generator) * (2 * Math.PI - gap);
        var radius = ring.Radius + ring.Thickness * randn([count], dtype: ScalarType.Float64, generator: generator);
        return stack([radius * cos(angle), radius * sin(angle)], 1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title)
    {
        var points = samples.cpu().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var valid = verdict.SampleValidFlags();
        return PointScatterPlot.RenderPng(Enumerable.Range(0, valid.Length).Select(i => (points[2 * i], points[2 * i + 1], valid[i])).ToArray(), title, "in the gap");
    }

    public string ExportFileName => "points.csv";

    public void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path)
        => SampleCsv.Write(path, samples, verdict.SampleValidFlags());
}
