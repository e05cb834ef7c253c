using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using GenNeg.Configuration;
using GenNeg.Runs;
using GenNeg.Sampling;
using GenNeg.Sharding;
using Microsoft.Extensions.Logging;

namespace GenNeg.Workflows;

/// <param name="Evaluation">what to evaluate (run, stage, samples, likelihood, device), as unsharded evaluate takes it</param>
/// <param name="Shards">N: how many parts the evaluation samples are split into</param>
/// <param name="Shard">the part this process draws, 0..N-1; null to draw none and only merge, when every part must be there</param>
public sealed record ShardedEvaluationRequest(EvaluationRequest Evaluation, int Shards, int? Shard);

/// <param name="Part">the part this process drew or found drawn, relative to the run folder; null when it only merged</param>
/// <param name="AlreadyDrawn">the part was there already, from this evaluation: nothing was drawn</param>
/// <param name="Metrics">the figures, when this process merged the parts; else null</param>
/// <param name="Pending">why nothing was merged (parts still missing, or the run folder in use), when Metrics is null</param>
public sealed record ShardedEvaluationResult(string Stage, string? Part, bool AlreadyDrawn, StageMetrics? Metrics, string? Pending);

/// <summary>
/// genneg evaluate split over processes. The evaluation samples (those the infraction rates and MMD are measured on)
/// are cut into blocks of sampler.batch_size, block b drawn from <see cref="BlockSeeds.For"/>(evaluation seed, b);
/// shard I of N draws the blocks b mod N == I into its part, {stage}/evaluation-parts/samples-IIII-of-NNNN.bin,
/// written whole or not at all. The shard that finds every part there (or evaluate --merge) merges them in block order
/// under the run folder's lock and measures and records the figures as unsharded evaluate does; the likelihood figures
/// (ELBO, exact NLL), which are measured on held-out data rather than on samples, are computed once there, with noise
/// from the stream after the blocks. So 1, 2 or 4 shards run in any order give the same figures (not those of unsharded
/// evaluate, which draws every batch from one stream).
/// </summary>
public sealed class ShardedEvaluation
{
    private readonly ILogger<ShardedEvaluation> logger;
    private readonly Registries registries;

    public ShardedEvaluation(ILogger<ShardedEvaluation> logger, Registries registries)
    {
        this.logger = logger;
        this.registries = registries;
    }

    /// <summary>Where a stage's evaluation parts live, relative to the run folder.</summary>
    public static string PartsFolder(string stage) => $"{stage}/evaluation-parts";

    public static string PartOf(string stage, ShardSpec shard) => $"{PartsFolder(stage)}/samples-{shard.Tag}.bin";

    public ShardedEvaluationResult Run(ShardedEvaluationRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        if (request.Shards < 1) throw new GenNegException($"the number of shards must be at least 1, got {request.Shards}");
        ShardSpec? shard = request.Shard is { } index ? new ShardSpec(index, request.Shards) : null;
        var (run, record, config, samples) = Evaluation.Resolve(request.Evaluation, registries);
        var seed = config.Seed + Evaluation.SeedOffset;
        var plan = ShardedSampling.Plan(samples, config.Sampler.BatchSize);
        var fingerprint = Fingerprint(run, record, config, seed, samples);
        string NameOf(int i) => PartOf(record.Name, new ShardSpec(i, request.Shards));

        // Refused before any work: a stale part of this process's own shard, or (merging only) a missing part.
        var alreadyDrawn = false;
        if (shard is { } own && File.Exists(run.PathOf(NameOf(own.Index))))
        {
            if (ShardedSampling.ReadFingerprint(run.PathOf(NameOf(own.Index))) != fingerprint)
                throw new GenNegException($"part '{NameOf(own.Index)}' belongs to another evaluation (stage, model, config, seed or samples differ); delete it and run this shard again");
            alreadyDrawn = true;
        }
        // Every option that decides the parts (the sample count) or the merged figures (the likelihood) goes into the
        // commands suggested below, so following them finishes this job rather than starting another.
        var options = $" --samples {samples}{(request.Evaluation.Likelihood is { } likelihood ? $" --likelihood {likelihood}" : "")}";
        if (shard is null) CheckAllThere(run, record, request.Shards, NameOf, options);

        using var experiment = Experiment.Open(config, registries);
        using var stage = LoadedStage.Load(run, experiment, record);
        var sampler = experiment.Models.Formalism.CreateSampler(config.Sampler);
        if (shard is { } mine && !alreadyDrawn)
        {
            var name = NameOf(mine.Index);
            run.EnsureFolder(PartsFolder(record.Name));
            // A shard killed mid-write (SIGKILL, node lost) leaves only its temporary file behind; the retry removes it.
            AtomicFile.RemoveTemporariesOf(run.PathOf(name));
            ShardedSampling.DrawShard(sampler, stage.Denoiser, experiment.Data.SampleShape, experiment.Data.ValidationCondition, plan, seed, mine,
                fingerprint, run.PathOf(name), experiment.Device, (progress ?? IWorkflowProgress.None).Sampling($"evaluate {record.Name} {mine}"), cancellation);
            logger.LogInformation("{Stage}: drew {Shard} of the evaluation samples ({Blocks} of {AllBlocks} blocks) into {Part}",
                record.Name, mine, plan.BlocksOf(mine).Count(), plan.Blocks, name);
        }

        var part = shard is { } drawnShard ? NameOf(drawnShard.Index) : null;
        var missing = Enumerable.Range(0, request.Shards).Where(i => !File.Exists(run.PathOf(NameOf(i)))).ToList();
        if (missing.Count > 0)
            return new ShardedEvaluationResult(record.Name, part, alreadyDrawn, null,
                $"{missing.Count} of {request.Shards} parts still missing (shards {string.Join(", ", missing)})");

        var command = $"genneg evaluate --run {run.Root} --stage {record.Name} merging {request.Shards} shards";
        RunLock? folderLock;
        string holder;
        if (shard is null) folderLock = RunLock.Acquire(run.Root, command, mayCreate: false);
        else if ((folderLock = RunLock.TryAcquire(run.Root, command, out holder)) is null)
        {
            // Most likely a sibling shard that finished at the same moment and merges now; else its owner's work comes first.
            logger.LogWarning("{Stage}: every part is there but run folder {Run} is in use by {Holder}; if that is not another shard merging, " +
                "merge later with genneg evaluate --run {Run} --stage {Stage}{Options} --merge --shards {Shards}", record.Name, run.Root, holder, run.Root, record.Name, options, request.Shards);
            return new ShardedEvaluationResult(record.Name, part, alreadyDrawn, null, $"run folder in use by {holder}");
        }
        using (folderLock)
        {
            var clock = Stopwatch.StartNew();
            var parts = Enumerable.Range(0, request.Shards).Select(i => (Path: run.PathOf(NameOf(i)), Name: NameOf(i))).ToList();
            var (merged, samplingSeconds) = ShardedSampling.Merge(parts, fingerprint, plan);
            using (merged)
            using (var drawn = new DrawnSamples(merged.Samples.to(experiment.Device), merged.Condition.To(experiment.Device)))
            using (var generator = experiment.NewGenerator(BlockSeeds.For(seed, BlockSeeds.AfterBlocks)))
            {
                var metrics = Evaluation.Measure(run, experiment, stage, drawn, sampler.Steps, generator, samplingSeconds, clock, samplingSeconds, cancellation);
                logger.LogInformation("Stage {Stage} ({Shards} shards merged): {Summary}", metrics.Stage, request.Shards, metrics.Summary);
                return new ShardedEvaluationResult(record.Name, part, alreadyDrawn, metrics, null);
            }
        }
    }

    /// <summary>Merging only: every part must be there; the first missing one is named, with the command that draws it.</summary>
    private static void CheckAllThere(RunFolder run, StageRecord record, int shards, Func<int, string> nameOf, string options)
    {
        for (var i = 0; i < shards; i++)
        {
            if (!File.Exists(run.PathOf(nameOf(i))))
                throw new GenNegException($"part '{nameOf(i)}' is missing; draw it with: genneg evaluate --run {run.Root} --stage {record.Name}{options} --shard {i} --shards {shards}");
        }
    }

    /// <summary>
    /// Identifies the evaluation a part belongs to: the stage and its model files (their checksums), seed, sample count,
    /// batch size and experiment config, device aside. The evaluate section other than the count is left out: it decides
    /// the figures the merge computes, not the samples.
    /// </summary>
    private static string Fingerprint(RunFolder run, StageRecord record, GenNegConfig config, long seed, long samples)
    {
        var checksums = run.LoadManifest().Checksums;
        string Sum(string file) => checksums.TryGetValue(file, out var sum) ? sum : "-";
        var text = $"evaluate\n{record.Name}\n{record.GuidanceScale}\n{(record.GuidanceMaxSigma is { } maxSigma ? $"{maxSigma}\n" : "")}{Sum(record.Denoiser)}\n{string.Join(",", record.Classifiers.Select(c => Sum(c.Weights)))}\n" +
            $"{seed}\n{samples}\n{config.Sampler.BatchSize}\n{RunFolder.ExperimentYaml(config with { Evaluate = new EvaluateConfig() })}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
