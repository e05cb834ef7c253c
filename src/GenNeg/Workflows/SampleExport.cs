using GenNeg.Metrics;
using GenNeg.Runs;
using GenNeg.Sampling;
using Microsoft.Extensions.Logging;

namespace GenNeg.Workflows;

/// <param name="RunPath">the run folder</param>
/// <param name="Count">samples to draw</param>
/// <param name="CsvPath">where to write the samples in the data set's files (CSV, and whatever it keeps beside it), or null</param>
/// <param name="PlotPath">where to write the data set's picture of the samples (PNG), or null</param>
/// <param name="Stage">stage to sample; null for the newest</param>
/// <param name="Seed">sampling seed; null for the config's seed</param>
/// <param name="Device">device to compute on; null for the config's</param>
public sealed record SampleRequest(string RunPath, long Count, string? CsvPath, string? PlotPath, string? Stage = null, long? Seed = null, string? Device = null);

public sealed record SampleSummary(string Stage, long Count, double InfractionRate);

/// <summary>
/// Draws samples from a stage under conditions from the held-out split, labels them with the oracle, and writes them in
/// the data set's files and picture (checkerboard: CSV x0,x1,valid and a scatter).
/// </summary>
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
        if (request.Device is { } device) config = config with { Device = device };

        using var experiment = Experiment.Open(config, registries);
        var data = experiment.Data;
        var oracle = experiment.Oracle;
        using var stage = LoadedStage.Load(run, experiment, record);
        using var generator = experiment.NewGenerator(request.Seed ?? config.Seed);
        var sampler = experiment.Models.CreateSampler(config.Sampler);
        using var drawn = BatchedSampling.Draw(sampler, stage.Denoiser, request.Count, data.SampleShape, data.ValidationCondition, config.Sampler.BatchSize,
            generator, (progress ?? IWorkflowProgress.None).Sampling($"sample {stage.Record.Name}"), cancellation);
        using var samples = drawn.Samples.cpu();
        var condition = drawn.Condition.To(TorchSharp.torch.CPU);
        var verdict = oracle.Judge(samples, condition);

        if (request.CsvPath is not null) experiment.DataSet.WriteSamples(data, "sample", samples, condition, verdict, request.CsvPath);
        if (request.PlotPath is not null)
            AtomicFile.WriteAllBytes(request.PlotPath, experiment.DataSet.RenderSamples(data, samples, condition, verdict, stage.Record.Name));
        var infraction = InfractionRates.Of(verdict).Samples;
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
