using GenNeg.Guidance;
using GenNeg.Runs;
using GenNeg.Sharding;
using Microsoft.Extensions.Logging;

namespace GenNeg.Workflows;

/// <param name="RunPath">the run folder (with a trained baseline)</param>
/// <param name="Shard">which shard to draw</param>
/// <param name="Overrides">config overrides for the iteration, as `iterate` takes them</param>
/// <param name="FromStage">stage to build on; null for the newest</param>
public sealed record DrawShardRequest(string RunPath, ShardSpec Shard, IReadOnlyList<string>? Overrides = null, string? FromStage = null);

/// <param name="AlreadyDrawn">the shard's file was there already, from this iteration: nothing was drawn</param>
public sealed record DrawShardResult(string Stage, string File, long Blocks, long Drawn, bool AlreadyDrawn);

/// <summary>
/// Draws one shard of the next iteration's synthetic set (genneg draw): prepares the iteration's folder as `iterate`
/// does, draws the shard's blocks from the current model and writes them to the iteration's shards folder. A shard
/// already drawn for this iteration is left as it is, so a retried task changes nothing.
/// </summary>
public sealed class ShardDraw
{
    private readonly ILogger<ShardDraw> logger;
    private readonly Registries registries;

    public ShardDraw(ILogger<ShardDraw> logger, Registries registries)
    {
        this.logger = logger;
        this.registries = registries;
    }

    public DrawShardResult Run(DrawShardRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        var run = RunFolder.Open(request.RunPath);
        var iteration = IterationFolder.Resolve(run, new IterationRequest(request.RunPath, request.Overrides, request.FromStage), registries);
        if (File.Exists(run.PathOf(iteration.Folder + "draws.bin")))
            throw new GenNegException($"'{iteration.Name}' already has its synthetic set (draws.bin); run genneg iterate, or delete that file to draw in shards");
        var config = iteration.Config;
        if (config.Genneg.Draw == DrawMethods.Sis)
            throw new GenNegException("genneg draw shards only the standard drawing (genneg.draw: standard); with genneg.draw: sis run genneg iterate, which draws unsharded");
        var plan = IterationShards.Plan(config);
        var name = IterationShards.FileOf(iteration, request.Shard);
        var path = run.PathOf(name);
        var fingerprint = IterationShards.Fingerprint(iteration);
        var blocks = plan.BlocksOf(request.Shard).ToList();
        var drawn = blocks.Sum(plan.SizeOf);
        if (request.Shard.Count > plan.Blocks)
            logger.LogWarning("{Count:N0} shards share {Blocks} blocks (genneg.shard_blocks): shards {First:N0} and up draw nothing; " +
                "use at most {Blocks} shards, or raise genneg.shard_blocks", request.Shard.Count, plan.Blocks, plan.Blocks, plan.Blocks);
        if (File.Exists(path))
        {
            if (DrawShardFile.ReadFingerprint(path) != fingerprint)
                throw new GenNegException($"shard '{name}' belongs to another iteration; delete it and draw it again");
            logger.LogInformation("{Shard} is already drawn; nothing to do", name);
            return new DrawShardResult(iteration.Name, name, blocks.Count, drawn, AlreadyDrawn: true);
        }

        // Checked before the iteration's folder is made: a refused shard leaves nothing behind.
        using var experiment = IterationFolder.CheckedBeforeWork(run, iteration, () => GenNegIteration.OpenWithOracle(iteration, registries));
        var from = run.Stage(iteration.State.BaseStage);
        using var current = LoadedStage.Load(run, experiment, from);
        IterationFolder.Create(run, iteration);
        run.EnsureFolder(IterationShards.Folder(iteration));
        // A task killed mid-write (SIGKILL, node lost) leaves its temporary file behind; the retry removes it.
        AtomicFile.RemoveTemporariesOf(path);
        var sampler = experiment.Models.CreateSampler(config.Sampler);
        ShardedDrawing.DrawShard(sampler, current.Denoiser, experiment.Oracle, DrawSource.Training(experiment.Data), plan, iteration.State.Seed,
            request.Shard, fingerprint, path, experiment.Device, (progress ?? IWorkflowProgress.None).Sampling($"draw {request.Shard}"), cancellation);
        logger.LogInformation("{Stage}: drew {Shard} ({Blocks} of {AllBlocks} blocks, {Drawn} samples) from {From} into {File}",
            iteration.Name, request.Shard, blocks.Count, plan.Blocks, drawn, from.Name, name);
        return new DrawShardResult(iteration.Name, name, blocks.Count, drawn, AlreadyDrawn: false);
    }
}
