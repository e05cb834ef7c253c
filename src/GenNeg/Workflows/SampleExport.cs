using GenNeg.Metrics;
using GenNeg.Runs;
using GenNeg.Sampling;
using GenNeg.Sharding;
using Microsoft.Extensions.Logging;

namespace GenNeg.Workflows;

/// <param name="RunPath">the run folder</param>
/// <param name="Count">samples to draw</param>
/// <param name="CsvPath">where to write the samples in the data set's files (CSV, and whatever it keeps beside it), or null</param>
/// <param name="PlotPath">where to write the data set's picture of the samples (PNG), or null</param>
/// <param name="Stage">stage to sample; null for the newest</param>
/// <param name="Seed">sampling seed; null for the config's seed</param>
/// <param name="Device">device to compute on; null for the config's</param>
/// <param name="Shard">draw only this shard's blocks into a part file beside the outputs; the shard that finds every part
/// there writes the outputs. Null: sample in one process as always</param>
public sealed record SampleRequest(string RunPath, long Count, string? CsvPath, string? PlotPath, string? Stage = null, long? Seed = null, string? Device = null,
    ShardSpec? Shard = null);

/// <param name="WaitingForParts">a shard wrote its part and other parts are still missing: nothing merged yet</param>
public sealed record SampleSummary(string Stage, long Count, double InfractionRate, bool WaitingForParts = false);

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
        var phase = (progress ?? IWorkflowProgress.None).Sampling($"sample {stage.Record.Name}");
        using var drawn = request.Shard is { } shard
            ? DrawSharded(request, shard, config, experiment, stage, sampler, phase, cancellation)
            : BatchedSampling.Draw(sampler, stage.Denoiser, request.Count, data.SampleShape, data.ValidationCondition, config.Sampler.BatchSize,
                generator, phase, cancellation);
        if (drawn is null)
        {
            logger.LogInformation("Wrote {Shard} of {Count} samples from {Stage}; the last shard to finish writes the outputs", request.Shard, request.Count, stage.Record.Name);
            return new SampleSummary(stage.Record.Name, request.Count, double.NaN, WaitingForParts: true);
        }
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

    /// <summary>Draws the shard's part (unless there already), then the merged samples once every part is there, else null.</summary>
    private static DrawnSamples? DrawSharded(
        SampleRequest request, ShardSpec shard, GenNeg.Configuration.GenNegConfig config, Experiment experiment, LoadedStage stage, ISampler sampler,
        IProgress<SamplingProgress> progress, CancellationToken cancellation)
    {
        var output = request.CsvPath ?? request.PlotPath ?? throw new GenNegException("sharded sampling needs --out or --plot: the parts are kept beside it");
        var seed = request.Seed ?? config.Seed;
        var plan = ShardedSampling.Plan(request.Count, config.Sampler.BatchSize);
        var text = $"{stage.Record.Name}\n{seed}\n{request.Count}\n{config.Sampler.BatchSize}\n{GenNeg.Configuration.ConfigLoader.ExperimentYaml(config)}";
        var fingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
        var folder = output + ".parts";
        Directory.CreateDirectory(folder);
        string PartOf(int index) => Path.Combine(folder, $"samples-{new ShardSpec(index, shard.Count).Tag}.bin");
        if (!File.Exists(PartOf(shard.Index)))
            ShardedSampling.DrawShard(sampler, stage.Denoiser, experiment.Data.SampleShape, experiment.Data.ValidationCondition, plan, seed, shard,
                fingerprint, PartOf(shard.Index), experiment.Device, progress, cancellation);
        var parts = Enumerable.Range(0, shard.Count).Select(i => (Path: PartOf(i), Name: PartOf(i))).ToList();
        return parts.All(p => File.Exists(p.Path)) ? ShardedSampling.Merge(parts, fingerprint, plan) : null;
    }

    private static void CheckOutputFolder(string? path)
    {
        if (path is null) return;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new GenNegException($"cannot write '{path}': folder '{folder}' does not exist");
    }
}
