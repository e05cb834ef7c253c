using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using GenNeg.Configuration;
using GenNeg.Guidance;
using GenNeg.Runs;
using GenNeg.Sharding;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <summary>
/// Where an iteration's draw shards live (genneg-K/shards/draws-IIII-of-NNNN.bin), what ties them to the iteration
/// (a fingerprint of stage, base stage, seed and experiment config), and how `iterate` turns them into draws.bin.
/// </summary>
public static partial class IterationShards
{
    public static string Folder(PreparedIteration iteration) => iteration.Folder + "shards/";

    public static string FileOf(PreparedIteration iteration, ShardSpec shard) => Folder(iteration) + $"draws-{shard.Tag}.bin";

    /// <summary>Identifies the iteration a shard belongs to: same stage, base stage, seed and experiment (device aside).</summary>
    public static string Fingerprint(PreparedIteration iteration)
    {
        var text = $"{iteration.Name}\n{iteration.State.BaseStage}\n{iteration.State.Seed}\n{RunFolder.ExperimentYaml(iteration.Config)}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();
    }

    public static DrawSettings Settings(GenNegConfig config)
    {
        var g = config.Genneg;
        return new DrawSettings(g.PerClass, g.DrawBatchSize, g.MaxDraws, g.Ablation != Ablations.Imbalanced, g.MinPerClass);
    }

    public static BlockPlan Plan(GenNegConfig config) => BlockPlan.From(Settings(config), config.Genneg.ShardBlocks);

    /// <summary>
    /// When the iteration has shard files and no draws.bin yet: checks that every shard is there and is this
    /// iteration's, merges them, and saves the set as draws.bin with <paramref name="generator"/> reseeded to the
    /// stream that follows the blocks, so classifier training does not depend on the shard count either.
    /// Returns false when there are no shards (drawing goes on as without sharding).
    /// </summary>
    public static bool MergeIfPresent(RunFolder run, PreparedIteration iteration, Experiment experiment, Generator generator)
    {
        var drawsPath = run.PathOf(iteration.Folder + "draws.bin");
        var shards = Find(run, iteration);
        if (shards.Count == 0 || File.Exists(drawsPath)) return false;
        var counts = shards.Select(s => s.Count).Distinct().ToList();
        if (counts.Count > 1)
            throw new GenNegException($"'{Folder(iteration).TrimEnd('/')}' holds shards of {string.Join(" and ", counts)}-way splits; delete the stale ones");
        var count = counts[0];
        var paths = new List<(string Path, string Name)>();
        for (var i = 0; i < count; i++)
        {
            var name = FileOf(iteration, new ShardSpec(i, count));
            if (!File.Exists(run.PathOf(name)))
                throw new GenNegException($"shard '{name}' is missing; draw it with: genneg draw --run {run.Root} --shard {i} --shards {count}");
            paths.Add((run.PathOf(name), name));
        }
        using var set = ShardedDrawing.Merge(paths, Fingerprint(iteration), Plan(iteration.Config), DrawSource.Training(experiment.Data),
            Settings(iteration.Config), experiment.Device);
        generator.manual_seed(BlockSeeds.For(iteration.State.Seed, BlockSeeds.AfterBlocks));
        set.Save(drawsPath, generator);
        return true;
    }

    /// <summary>The shard files present, by the split their names give.</summary>
    public static IReadOnlyList<ShardSpec> Find(RunFolder run, PreparedIteration iteration)
    {
        var folder = run.PathOf(Folder(iteration));
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, "draws-*-of-*.bin")
            .Select(path => ShardName().Match(Path.GetFileName(path)))
            .Where(match => match.Success)
            .Select(match => (Index: int.TryParse(match.Groups[1].Value, out var index) ? index : -1, Count: int.TryParse(match.Groups[2].Value, out var count) ? count : 0))
            .Where(s => s.Count >= 1 && s.Index >= 0 && s.Index < s.Count)
            .Select(s => new ShardSpec(s.Index, s.Count))
            .OrderBy(s => s.Count).ThenBy(s => s.Index)
            .ToList();
    }

    // At least four digits: ShardSpec.Tag pads to four and writes more for 10,000 shards or more.
    [GeneratedRegex(@"^draws-([0-9]{4,})-of-([0-9]{4,})\.bin$")]
    private static partial Regex ShardName();
}
