using System.Diagnostics;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Oracles;
using GenNeg.Runs;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <summary>
/// What to look at: a split of the configured data set (train or validation), at most <paramref name="Count"/> samples of it
/// (null: all), optionally jittered by Gaussian noise of std <paramref name="Jitter"/> in the model's (normalised) space
/// so that the oracle has infractions to show.
/// </summary>
public sealed record DataSelection(GenNegConfig Config, string Split = "train", long? Count = null, double Jitter = 0, long Seed = 0);

/// <summary>What was made and how long it took: generating the data set, and labelling the selected samples with the oracle.</summary>
public sealed record DataSummary(string DataSet, string Split, long Samples, IReadOnlyList<VerdictRate> Rates,
    IReadOnlyList<string> Files, double GenerateSeconds, double LabelSeconds);

/// <summary>
/// genneg data preview / export: the configured data set's training or held-out samples, labelled by the configured
/// oracle, drawn as the data set's picture or written in its export formats. Knows no domain: the data set decides.
/// </summary>
public sealed class DataInspection(ILogger<DataInspection> logger, Registries registries)
{
    public static readonly string[] Splits = ["train", "validation"];

    /// <summary>The data set's picture of the selection, written to <paramref name="pngPath"/>.</summary>
    public DataSummary Preview(DataSelection selection, string pngPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(pngPath))!;
        if (!Directory.Exists(folder)) throw new GenNegException($"output folder '{folder}' does not exist");
        return Inspect(selection, (dataSet, data, split, samples, condition, verdict) =>
        {
            var title = selection.Jitter > 0 ? $"{dataSet.Name} {split}, jitter {selection.Jitter:G3}" : $"{dataSet.Name} {split}";
            AtomicFile.WriteAllBytes(pngPath, dataSet.RenderSamples(data, samples, condition, verdict, title));
            return [pngPath];
        });
    }

    /// <summary>The data set's files for the selection (<c>folder/{split}.csv</c> and whatever the data set writes beside it).</summary>
    public DataSummary Export(DataSelection selection, string folder)
    {
        if (!Directory.Exists(folder)) throw new GenNegException($"output folder '{folder}' does not exist");
        return Inspect(selection, (dataSet, data, split, samples, condition, verdict) =>
        {
            var path = Path.Combine(folder, $"{split}.csv");
            var before = Directory.GetFiles(folder).ToHashSet();
            dataSet.WriteSamples(data, split, samples, condition, verdict, path);
            return Directory.GetFiles(folder).Where(f => !before.Contains(f)).Append(path).Distinct().Order().ToArray();
        });
    }

    private delegate IReadOnlyList<string> Output(IDataSet dataSet, DataSplit data, string split, Tensor samples, Condition condition, OracleVerdict verdict);

    private DataSummary Inspect(DataSelection selection, Output output)
    {
        if (!Splits.Contains(selection.Split)) throw new GenNegException($"unknown split '{selection.Split}'; use {string.Join(" or ", Splits)}");
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
        var (all, allCondition) = selection.Split == "train" ? (data.Train, data.TrainCondition) : (data.Validation, data.ValidationCondition);
        var count = Math.Min(selection.Count ?? all.shape[0], all.shape[0]);
        var samples = all.narrow(0, 0, count);
        var condition = allCondition.Slice(0, count);
        if (selection.Jitter > 0)
        {
            using var generator = new Generator((ulong)selection.Seed);
            samples = samples + selection.Jitter * randn(samples.shape, generator: generator).to(samples.dtype);
        }
        clock.Restart();
        var oracle = registries.Oracles.Resolve(config.Oracle, data);
        var verdict = oracle.Judge(samples, condition);
        var rates = VerdictRate.Of(verdict);
        var labelSeconds = clock.Elapsed.TotalSeconds;
        logger.LogInformation("Labelled {Count} {Split} samples with the {Oracle} oracle in {Seconds:F2} s", count, selection.Split, oracle.Name, labelSeconds);

        var files = output(dataSet, data, selection.Split, samples, condition, verdict);
        return new DataSummary(dataSet.Name, selection.Split, count, rates, files, generateSeconds, labelSeconds);
    }
}
