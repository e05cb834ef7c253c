using System.Diagnostics;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Metrics;
using GenNeg.Oracles;
using GenNeg.Runs;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <summary>
/// What to look at: a split of the configured data set (train, validation, or all: both, training samples first), at most
/// <paramref name="Count"/> samples of each (null: all), optionally jittered by Gaussian noise of std <paramref name="Jitter"/> in the model's (normalised) space
/// so that the oracle has infractions to show.
/// </summary>
public sealed record DataSelection(GenNegConfig Config, string Split = "train", long? Count = null, double Jitter = 0, long Seed = 0);

/// <summary>
/// What was made and how long it took: generating the data set, and labelling the selected samples with the oracle;
/// where the data set has realism features (<see cref="IRealismFeatures"/>), where the selection's values lie.
/// </summary>
public sealed record DataSummary(string DataSet, string Split, long Samples, IReadOnlyList<VerdictRate> Rates,
    IReadOnlyList<string> Files, double GenerateSeconds, double LabelSeconds, IReadOnlyList<FeatureQuantiles> Realism);

/// <summary>
/// genneg data preview / export: the configured data set's training or held-out samples, labelled by the configured
/// oracle, drawn as the data set's picture or written in its export formats. Knows no domain: the data set decides.
/// </summary>
public sealed class DataInspection(ILogger<DataInspection> logger, Registries registries)
{
    public const string BothSplits = "all";
    public static readonly string[] Splits = ["train", "validation", BothSplits];

    /// <summary>The data set's picture of the selection, written to <paramref name="pngPath"/>.</summary>
    public DataSummary Preview(DataSelection selection, string pngPath)
    {
        SampleExport.CheckOutputPath(pngPath, "--out", "preview.png");
        return Inspect(selection, (dataSet, data, _, samples, condition, verdict) =>
        {
            var split = selection.Split == BothSplits ? "train and validation" : selection.Split;
            var title = selection.Jitter > 0 ? $"{dataSet.Name} {split}, jitter {selection.Jitter:G3}" : $"{dataSet.Name} {split}";
            AtomicFile.WriteAllBytes(pngPath, dataSet.RenderSamples(data, samples, condition, verdict, title));
            return [pngPath];
        });
    }

    /// <summary>
    /// The data set's files for the selection: its export file (e.g. <c>folder/scenes.csv</c>, with each sample's split)
    /// and whatever the data set writes beside it.
    /// </summary>
    public DataSummary Export(DataSelection selection, string folder)
    {
        if (!Directory.Exists(folder)) throw new GenNegException($"output folder '{folder}' does not exist");
        return Inspect(selection, (dataSet, data, splits, samples, condition, verdict) =>
        {
            var path = Path.Combine(folder, dataSet.ExportFileName);
            var before = Directory.GetFiles(folder).ToHashSet();
            dataSet.WriteSamples(data, splits, samples, condition, verdict, path);
            return Directory.GetFiles(folder).Where(f => !before.Contains(f)).Append(path).Distinct().Order().ToArray();
        });
    }

    private delegate IReadOnlyList<string> Output(IDataSet dataSet, DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict);

    private DataSummary Inspect(DataSelection selection, Output output)
    {
        if (!Splits.Contains(selection.Split)) throw new GenNegException($"unknown split '{selection.Split}'; use {string.Join(", ", Splits[..^1])} or {Splits[^1]}");
        if (selection.Count is < 1) throw new GenNegException($"the sample count must be at least 1, got {selection.Count}");
        if (selection.Jitter < 0 || !double.IsFinite(selection.Jitter)) throw new GenNegException($"the jitter must be a finite number at least 0, got {selection.Jitter}");
        var config = selection.Config;
        var dataSet = registries.DataSets.Resolve(config.Data.Name);
        registries.Oracles.EnsureKnown(config.Oracle);

        var clock = Stopwatch.StartNew();
        using var data = dataSet.Load(config.Data);
        var generateSeconds = clock.Elapsed.TotalSeconds;
        logger.LogInformation("Generated {DataSet}: {Train} training and {Validation} held-out samples in {Seconds:F2} s",
            dataSet.Name, data.Train.shape[0], data.Validation.shape[0], generateSeconds);

        using var scope = NewDisposeScope();
        var parts = new List<(string Split, Tensor Samples, Condition Condition)>();
        foreach (var (split, all, allCondition) in new[] { ("train", data.Train, data.TrainCondition), ("validation", data.Validation, data.ValidationCondition) })
        {
            if (selection.Split != split && selection.Split != BothSplits) continue;
            var taken = Math.Min(selection.Count ?? all.shape[0], all.shape[0]);
            parts.Add((split, all.narrow(0, 0, taken), allCondition.Slice(0, taken)));
        }
        var samples = parts.Count == 1 ? parts[0].Samples : cat(parts.Select(p => p.Samples).ToArray(), 0);
        var condition = parts.Count == 1 ? parts[0].Condition : Condition.Concat(parts.Select(p => p.Condition).ToArray());
        var splits = parts.SelectMany(p => IDataSet.Same(p.Split, p.Samples.shape[0])).ToArray();
        var count = samples.shape[0];
        if (selection.Jitter > 0)
        {
            using var generator = new Generator((ulong)selection.Seed);
            samples = samples + selection.Jitter * randn(samples.shape, generator: generator).to(samples.dtype);
            // Jitter beyond float range makes infinities, which no file or picture should carry.
            if (!samples.isfinite().all().item<bool>())
                throw new GenNegException($"a jitter of {selection.Jitter:G3} makes the samples overflow to infinity; lower --jitter");
        }
        clock.Restart();
        var oracle = registries.Oracles.Resolve(config.Oracle, data, config);
        OracleVerdict verdict;
        try
        {
            verdict = OracleBatches.JudgeInBatches(oracle, samples, condition);
        }
        finally
        {
            (oracle as IDisposable)?.Dispose();
        }
        var rates = VerdictRate.Of(verdict, data.PaddingMask(condition));
        var labelSeconds = clock.Elapsed.TotalSeconds;
        logger.LogInformation("Labelled {Count} {Split} samples with the {Oracle} oracle in {Seconds:F2} s", count, selection.Split, oracle.Name, labelSeconds);

        var realism = dataSet is IRealismFeatures features
            ? features.RealismFeatures(data, samples, condition).Select(FeatureQuantiles.Of).OfType<FeatureQuantiles>().ToList()
            : [];
        var files = output(dataSet, data, splits, samples, condition, verdict);
        return new DataSummary(dataSet.Name, selection.Split, count, rates, files, generateSeconds, labelSeconds, realism);
    }
}
