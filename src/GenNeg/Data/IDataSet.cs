using GenNeg.Configuration;
using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>
/// A data set GenNeg can train on, picked by name (data.name) from <see cref="DataSetRegistry"/>: it makes its training
/// and held-out splits, draws the picture people read its samples with, and writes samples in files other tools read.
/// </summary>
public interface IDataSet
{
    /// <summary>The name configs use (data.name).</summary>
    string Name { get; }

    /// <summary>
    /// The record of the data set's own keys, bound from data.NAME (e.g. <c>TrafficDataConfig</c> for data.traffic);
    /// null when it has none. Its properties are the keys, their ranges and doc comments the reference.
    /// </summary>
    Type? ConfigType => null;

    /// <summary>The two splits, each from its own seed (data.seed, data.validation_seed), on the CPU.</summary>
    DataSplit Load(DataConfig config);

    /// <summary>
    /// Refuses, before anything is made, sizes whose splits cannot fit in memory (<see cref="Runtime.MemoryBudget"/>),
    /// naming the key to change. By default nothing is checked.
    /// </summary>
    void EnsureFits(DataConfig config) { }

    /// <summary>A PNG of samples [B, *S] with their conditions and the oracle's verdict.</summary>
    byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title);

    /// <summary>The file <c>genneg data export</c> writes the samples of both splits to (e.g. scenes.csv).</summary>
    string ExportFileName { get; }

    /// <summary>
    /// Writes samples [B, *S], their conditions and verdicts to <paramref name="path"/> (CSV), plus whatever the
    /// domain keeps beside it (e.g. the maps as GeoJSON). <paramref name="splits"/> names where each sample came from
    /// (one entry per sample).
    /// </summary>
    void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path);

    /// <summary>The split names of <paramref name="count"/> samples that all come from <paramref name="split"/>.</summary>
    static IReadOnlyList<string> Same(string split, long count) => Enumerable.Repeat(split, checked((int)count)).ToArray();

    /// <summary>
    /// The points the evaluation's MMD compares, [P, D], for samples [B, *S] of this data set (the same number of points
    /// for every batch of B samples). By default each sample flattened; a domain may compare what fits it better (e.g.
    /// per-frame poses and velocities of motions).
    /// </summary>
    Tensor DistanceFeatures(DataSplit data, Tensor samples) => samples.flatten(1);
}
