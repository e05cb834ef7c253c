using GenNeg.Data;
using GenNeg.Metrics;
using GenNeg.Runs;
using GenNeg.Runtime;
using GenNeg.Sampling;
using GenNeg.Sharding;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

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
/// <param name="Elements">on padded data, the real elements of every sample (the first ones; traffic_files: vehicles per
/// scene); null for each held-out condition's own (its element mask)</param>
public sealed record SampleRequest(string RunPath, long Count, string? CsvPath, string? PlotPath, string? Stage = null, long? Seed = null, string? Device = null,
    ShardSpec? Shard = null, long? Elements = null);

/// <param name="WaitingForParts">a shard wrote its part and other parts are still missing: nothing merged yet</param>
public sealed record SampleSummary(string Stage, long Count, double InfractionRate, bool WaitingForParts = false);

/// <summary>
/// Draws samples from a stage under conditions from the held-out split, labels them with the oracle, and writes them in
/// the data set's files and picture (checkerboard: CSV x0,x1,valid and a scatter). On padded data each sample has the
/// real elements of the held-out condition it is drawn under, or the count the request gives; padded rows are no
/// elements, and the data set's files leave them out (traffic: no row in scenes.csv, nothing drawn).
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

    /// <summary>The scatter plot shows at most this many samples (the first ones); more only blacken the picture.</summary>
    public const int MaxPlottedSamples = 200_000;

    /// <summary>The option that sets <see cref="SampleRequest.Elements"/>, as messages name it.</summary>
    public const string ElementsOption = "--agents";

    /// <summary>Disposes the tensors a condition pool holds beyond the held-out split's own (an element mask made for --agents).</summary>
    private sealed class AddedTensors(Condition pool, Condition original) : IDisposable
    {
        public void Dispose() => pool.DisposeTensorsNotIn(original);
    }

    public SampleSummary Run(SampleRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        if (request.Count < 1) throw new GenNegException($"-n must be at least 1, got {request.Count}");
        CheckOutputPath(request.CsvPath, "--out");
        CheckOutputPath(request.PlotPath, "--plot");
        var run = RunFolder.Open(request.RunPath);
        var record = run.Stage(request.Stage);
        var config = run.ConfigOf(record, registries.ConfigSchema);
        if (request.Device is { } device) config = config with { Device = device };

        using var experiment = Experiment.Open(config, registries);
        var data = experiment.Data;
        var oracle = experiment.Oracle;
        var pool = request.Elements is { } elements ? data.WithRealElements(data.ValidationCondition, elements, ElementsOption) : data.ValidationCondition;
        using var added = new AddedTensors(pool, data.ValidationCondition);
        MemoryBudget.EnsureBatchFits(config.Sampler.BatchSize, config.Model, "sampler.batch_size");
        if (request.CsvPath is not null) CheckDiskSpace(request.CsvPath, request.Count, (int)data.SampleSize);
        using var stage = LoadedStage.Load(run, experiment, record);
        using var generator = experiment.NewGenerator(request.Seed ?? config.Seed);
        var sampler = experiment.Models.CreateSampler(config.Sampler);
        if (request.Shard is { } shard)
        {
            var phase = (progress ?? IWorkflowProgress.None).Sampling($"sample {stage.Record.Name}");
            using var merged = DrawSharded(request, shard, config, experiment, stage, sampler, pool, phase, cancellation);
            if (merged is null)
            {
                logger.LogInformation("Wrote {Shard} of {Count} samples from {Stage}; the last shard to finish writes the outputs", request.Shard, request.Count, stage.Record.Name);
                return new SampleSummary(stage.Record.Name, request.Count, double.NaN, WaitingForParts: true);
            }
            var mergedInfraction = WriteMerged(experiment, request, merged, stage.Record.Name);
            return new SampleSummary(stage.Record.Name, request.Count, mergedInfraction);
        }

        // Flat, unconditional samples go to the CSV batch by batch, so memory stays bounded however large -n is; a data set
        // with shaped or conditioned samples writes its own files (IDataSet.WriteSamples) from all of them at the end.
        var flat = !data.IsConditional && data.SampleShape.Length == 1;
        using var csv = request.CsvPath is null || !flat ? null : SampleCsvWriter.Create(request.CsvPath, (int)data.SampleSize);
        var keepAll = request.CsvPath is not null && !flat;
        // These samples are all kept until the data set writes its files: refuse before sampling what cannot be held.
        if (keepAll) MemoryBudget.EnsureSamplesFit(request.Count, data.SampleShape, pool, "-n");
        var kept = new List<DrawnSamples>();
        long keptCount = 0, validCount = 0;
        var sampling = (progress ?? IWorkflowProgress.None).Sampling($"sample {stage.Record.Name}");
        try
        {
            for (long done = 0; done < request.Count;)
            {
                var size = (int)Math.Min(config.Sampler.BatchSize, request.Count - done);
                using (var scope = NewDisposeScope())
                {
                    using var drawn = BatchedSampling.Draw(sampler, stage.Denoiser, size, data.SampleShape, pool, size, generator,
                        cancellation: cancellation);
                    var samples = drawn.Samples.cpu();
                    var condition = drawn.Condition.To(CPU);
                    if (!samples.isfinite().all().item<bool>())
                        throw new GenNegException($"stage '{stage.Record.Name}' produced non-finite samples; its model has probably diverged");
                    var valid = oracle.Judge(samples, condition).SampleValid().data<bool>().ToArray();
                    csv?.Append(samples.flatten(1), valid);
                    validCount += valid.LongCount(v => v);
                    if (keepAll || (request.PlotPath is not null && keptCount < MaxPlottedSamples))
                    {
                        kept.Add(new DrawnSamples(samples.clone().DetachFromDisposeScope(), condition.Map(t => t.clone()).DetachFromDisposeScope()));
                        keptCount += size;
                    }
                }
                done += size;
                sampling.Report(new SamplingProgress(done, request.Count));
            }
            csv?.Commit();
            WriteKept(experiment, request, kept, keepAll, stage.Record.Name);
        }
        finally
        {
            foreach (var batch in kept) batch.Dispose();
        }
        var infraction = 1.0 - validCount / (double)request.Count;
        logger.LogInformation("Drew {Count} samples from {Stage}: infraction rate {Infraction:P3}", request.Count, stage.Record.Name, infraction);
        return new SampleSummary(stage.Record.Name, request.Count, infraction);
    }

    /// <summary>Draws the shard's part (unless there already), then the merged samples once every part is there, else null.</summary>
    private static DrawnSamples? DrawSharded(
        SampleRequest request, ShardSpec shard, GenNeg.Configuration.GenNegConfig config, Experiment experiment, LoadedStage stage, ISampler sampler,
        Condition pool, IProgress<SamplingProgress> progress, CancellationToken cancellation)
    {
        var output = request.CsvPath ?? request.PlotPath ?? throw new GenNegException("sharded sampling needs --out or --plot: the parts are kept beside it");
        var seed = request.Seed ?? config.Seed;
        var plan = ShardedSampling.Plan(request.Count, config.Sampler.BatchSize);
        var text = $"{stage.Record.Name}\n{seed}\n{request.Count}\n{config.Sampler.BatchSize}\n{(request.Elements is { } elements ? $"elements {elements}\n" : "")}{RunFolder.ExperimentYaml(config)}";
        var fingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
        var folder = output + ".parts";
        Directory.CreateDirectory(folder);
        string PartOf(int index) => Path.Combine(folder, $"samples-{new ShardSpec(index, shard.Count).Tag}.bin");
        if (!File.Exists(PartOf(shard.Index)))
            ShardedSampling.DrawShard(sampler, stage.Denoiser, experiment.Data.SampleShape, pool, plan, seed, shard,
                fingerprint, PartOf(shard.Index), experiment.Device, progress, cancellation);
        var parts = Enumerable.Range(0, shard.Count).Select(i => (Path: PartOf(i), Name: PartOf(i))).ToList();
        return parts.All(p => File.Exists(p.Path)) ? ShardedSampling.Merge(parts, fingerprint, plan).Samples : null;
    }

    /// <summary>The merged shards' samples in the data set's files and picture; returns their infraction rate.</summary>
    private static double WriteMerged(Experiment experiment, SampleRequest request, DrawnSamples merged, string stage)
    {
        using var scope = NewDisposeScope();
        var samples = merged.Samples.cpu();
        var condition = merged.Condition.To(CPU);
        if (!samples.isfinite().all().item<bool>())
            throw new GenNegException($"stage '{stage}' produced non-finite samples; its model has probably diverged");
        var verdict = experiment.Oracle.Judge(samples, condition);
        if (request.CsvPath is not null) experiment.DataSet.WriteSamples(experiment.Data, IDataSet.Same("sample", samples.shape[0]), samples, condition, verdict, request.CsvPath);
        if (request.PlotPath is not null)
            AtomicFile.WriteAllBytes(request.PlotPath, experiment.DataSet.RenderSamples(experiment.Data, samples, condition, verdict, stage));
        return InfractionRates.Of(verdict, experiment.Data.PaddingMask(condition)).Samples;
    }

    /// <summary>Checked before any work: an output path must name a file in an existing folder.</summary>
    /// <param name="example">a file name to suggest when the path names a folder (default: samples.csv for --out, else samples.png)</param>
    internal static void CheckOutputPath(string? path, string option, string? example = null)
    {
        if (path is null) return;
        if (path.Length == 0) throw new GenNegException($"{option} must name a file, got an empty path");
        if (path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(path))
            throw new GenNegException($"{option} '{path}' is a folder; give a file name, e.g. {Path.Combine(path, example ?? (option == "--out" ? "samples.csv" : "samples.png"))}");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new GenNegException($"cannot write '{path}': folder '{folder}' does not exist");
    }

    /// <summary>Refuses a CSV that cannot fit on its disk (each value takes up to 15 characters).</summary>
    /// <summary>The data set's files for non-flat samples, and its picture of the first samples.</summary>
    private static void WriteKept(Experiment experiment, SampleRequest request, List<DrawnSamples> kept, bool keepAll, string stage)
    {
        if (kept.Count == 0) return;
        using var scope = NewDisposeScope();
        var samples = cat(kept.Select(k => k.Samples).ToList(), 0);
        var condition = Condition.Concat(kept.Select(k => k.Condition).ToList());
        var verdict = experiment.Oracle.Judge(samples, condition);
        if (keepAll) experiment.DataSet.WriteSamples(experiment.Data, IDataSet.Same("sample", samples.shape[0]), samples, condition, verdict, request.CsvPath!);
        if (request.PlotPath is null) return;
        var plotted = (int)Math.Min(samples.shape[0], MaxPlottedSamples);
        var plottedCondition = condition.Slice(0, plotted);
        AtomicFile.WriteAllBytes(request.PlotPath, experiment.DataSet.RenderSamples(experiment.Data, samples[..plotted], plottedCondition,
            experiment.Oracle.Judge(samples[..plotted], plottedCondition), stage));
    }

    private static void CheckDiskSpace(string path, long count, int dimension)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var needed = (double)count * (dimension * 15 + 2);
        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (needed > free)
            throw new GenNegException($"{count:N0} samples as CSV need up to {needed / 1e9:G3} GB, more than the {free / 1e9:G3} GB free for '{path}'; lower -n");
    }
}
