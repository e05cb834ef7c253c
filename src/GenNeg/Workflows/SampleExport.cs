using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Oracles;
using GenNeg.Reporting;
using GenNeg.Runs;
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
    private readonly Registries registries;

    public SampleExport(ILogger<SampleExport> logger, Registries registries)
    {
        this.logger = logger;
        this.registries = registries;
    }

    public SampleSummary Run(SampleRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        if (request.Count < 1) throw new GenNegException($"-n must be at least 1, got {request.Count}");
        CheckOutputFolder(request.CsvPath);
        CheckOutputFolder(request.PlotPath);
        var run = RunFolder.Open(request.RunPath);
        var record = run.Stage(request.Stage);
        var config = run.ConfigOf(record);

        using var data = registries.DataSets.Resolve(config.Data.Name).Load(config.Data);
        var oracle = registries.Oracles.Resolve(config.Oracle, data);
        if (request.PlotPath is not null && (int)data.SampleSize != 2)
            throw new GenNegException($"--plot draws 2-D data only; this data set has {(int)data.SampleSize} dimensions");
        using var stage = LoadedStage.Load(run, config, record, (int)data.SampleSize);
        using var generator = new Generator((ulong)(request.Seed ?? config.Seed));
        var sampler = ModelFactory.CreateSampler(config.Sampler, config.Model);
        using var samples = BatchedSampling.Draw(sampler, stage.Denoiser, request.Count, (int)data.SampleSize, config.Sampler.BatchSize, generator,
            (progress ?? IWorkflowProgress.None).Sampling($"sample {stage.Record.Name}"), cancellation);
        using var validTensor = oracle.IsValid(samples);

        var valid = validTensor.data<bool>().ToArray();
        if (request.CsvPath is not null) SampleCsv.Write(request.CsvPath, samples, valid);
        if (request.PlotPath is not null)
        {
            var values = samples.data<float>().ToArray();
            var points = Enumerable.Range(0, valid.Length).Select(i => ((double)values[2 * i], (double)values[2 * i + 1], valid[i])).ToArray();
            AtomicFile.WriteAllBytes(request.PlotPath, GenNeg.Domains.Checkerboard.CheckerboardScatterPlot.RenderPng(points, $"{stage.Record.Name}"));
        }
        var infraction = 1.0 - valid.Count(v => v) / (double)valid.Length;
        logger.LogInformation("Drew {Count} samples from {Stage}: infraction rate {Infraction:P3}", request.Count, stage.Record.Name, infraction);
        return new SampleSummary(stage.Record.Name, request.Count, infraction);
    }

    private static void CheckOutputFolder(string? path)
    {
        if (path is null) return;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new GenNegException($"cannot write '{path}': folder '{folder}' does not exist");
    }
}
