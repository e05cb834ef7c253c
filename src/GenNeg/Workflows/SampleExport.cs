using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Oracles;
using GenNeg.Reporting;
using GenNeg.Runs;
using GenNeg.Runtime;
using GenNeg.Sampling;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <param name="RunPath">the run folder</param>
/// <param name="Count">samples to draw</param>
/// <param name="CsvPath">where to write the samples as CSV, or null</param>
/// <param name="PlotPath">where to write a PNG scatter (2-D data only), or null</param>
/// <param name="Stage">stage to sample; null for the newest</param>
/// <param name="Seed">sampling seed; null for the config's seed</param>
public sealed record SampleRequest(string RunPath, long Count, string? CsvPath, string? PlotPath, string? Stage = null, long? Seed = null);

public sealed record SampleSummary(string Stage, long Count, double InfractionRate);

/// <summary>Draws samples from a stage, labels them with the oracle, and writes CSV and a scatter plot.</summary>
public sealed class SampleExport
{
    private readonly ILogger<SampleExport> logger;
    private readonly OracleRegistry oracles;

    public SampleExport(ILogger<SampleExport> logger, OracleRegistry oracles)
    {
        this.logger = logger;
        this.oracles = oracles;
    }

    /// <summary>The scatter plot shows at most this many samples (the first ones); more only blacken the picture.</summary>
    public const int MaxPlottedSamples = 200_000;

    public SampleSummary Run(SampleRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        if (request.Count < 1) throw new GenNegException($"-n must be at least 1, got {request.Count}");
        CheckOutputPath(request.CsvPath, "--out");
        CheckOutputPath(request.PlotPath, "--plot");
        var run = RunFolder.Open(request.RunPath);
        var record = run.Stage(request.Stage);
        var config = run.ConfigOf(record);
        var oracle = oracles.Resolve(config.Oracle);

        using var data = Datasets.Load(config.Data);
        if (request.PlotPath is not null && data.Dimension != 2)
            throw new GenNegException($"--plot draws 2-D data only; this data set has {data.Dimension} dimensions");
        MemoryBudget.EnsureBatchFits(config.Sampler.BatchSize, config.Model, "sampler.batch_size");
        if (request.CsvPath is not null) CheckDiskSpace(request.CsvPath, request.Count, data.Dimension);
        using var stage = LoadedStage.Load(run, config, record, data.Dimension);
        using var generator = new Generator((ulong)(request.Seed ?? config.Seed));
        var sampler = ModelFactory.CreateSampler(config.Sampler, config.Model);

        // Rows go to the CSV batch by batch, so memory stays bounded however large -n is.
        using var csv = request.CsvPath is null ? null : SampleCsvWriter.Create(request.CsvPath, data.Dimension);
        var points = new List<(double X, double Y, bool Valid)>();
        var validCount = 0L;
        var sampling = (progress ?? IWorkflowProgress.None).Sampling($"sample {stage.Record.Name}");
        for (long done = 0; done < request.Count;)
        {
            var size = (int)Math.Min(config.Sampler.BatchSize, request.Count - done);
            using (var scope = NewDisposeScope())
            {
                var samples = BatchedSampling.Draw(sampler, stage.Denoiser, size, data.Dimension, size, generator, cancellation: cancellation);
                var valid = oracle.IsValid(samples).data<bool>().ToArray();
                csv?.Append(samples, valid);
                if (csv is null && !samples.isfinite().all().item<bool>())
                    throw new GenNegException($"stage '{stage.Record.Name}' produced non-finite samples; its model has probably diverged");
                validCount += valid.LongCount(v => v);
                if (request.PlotPath is not null && points.Count < MaxPlottedSamples)
                {
                    var values = samples.data<float>().ToArray();
                    var plotted = Math.Min(valid.Length, MaxPlottedSamples - points.Count);
                    points.AddRange(Enumerable.Range(0, plotted).Select(i => ((double)values[2 * i], (double)values[2 * i + 1], valid[i])));
                }
            }
            done += size;
            sampling.Report(new SamplingProgress(done, request.Count));
        }
        csv?.Commit();
        if (request.PlotPath is not null)
            AtomicFile.WriteAllBytes(request.PlotPath, SampleScatterPlot.RenderPng(points.ToArray(), $"{stage.Record.Name}"));
        var infraction = 1.0 - validCount / (double)request.Count;
        logger.LogInformation("Drew {Count} samples from {Stage}: infraction rate {Infraction:P3}", request.Count, stage.Record.Name, infraction);
        return new SampleSummary(stage.Record.Name, request.Count, infraction);
    }

    /// <summary>Checked before any sampling: an output path must name a file in an existing folder.</summary>
    private static void CheckOutputPath(string? path, string option)
    {
        if (path is null) return;
        if (path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(path))
            throw new GenNegException($"{option} '{path}' is a folder; give a file name, e.g. {Path.Combine(path, option == "--out" ? "samples.csv" : "samples.png")}");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new GenNegException($"cannot write '{path}': folder '{folder}' does not exist");
    }

    /// <summary>Refuses a CSV that cannot fit on its disk (each value takes up to 15 characters).</summary>
    private static void CheckDiskSpace(string path, long count, int dimension)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var needed = (double)count * (dimension * 15 + 2);
        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (needed > free)
            throw new GenNegException($"{count:N0} samples as CSV need up to {needed / 1e9:G3} GB, more than the {free / 1e9:G3} GB free for '{path}'; lower -n");
    }
}
