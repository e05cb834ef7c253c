using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Oracles;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Sharding;

/// <summary>
/// Synthetic drawing split over processes. Block b is drawn from its own generator seeded with
/// <see cref="BlockSeeds.For"/>(seed, b); shard I of N draws the blocks b with b mod N == I and writes them to its
/// own file. The merge walks the blocks in order through the same step as unsharded drawing
/// (<see cref="SyntheticDrawing.AddLabelled"/>), so 1, 4 or 8 shards, run in any order, give the same set and alpha.
/// The price: shards draw their whole block budget, though the merge may stop earlier.
/// </summary>
public static class ShardedDrawing
{
    /// <summary>Draws the shard's blocks and writes them to <paramref name="path"/> atomically.</summary>
    public static void DrawShard(
        ISampler sampler, IDenoiser model, IOracle oracle, DrawSource source, BlockPlan plan, long seed, ShardSpec shard,
        string fingerprint, string path, Device device, IProgress<SamplingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ShardWriter.Write(path, plan, shard, writer => DrawShardFile.WriteHeader(writer, fingerprint, shard, plan), (writer, block) =>
        {
            using var scope = NewDisposeScope();
            using var generator = new Generator((ulong)BlockSeeds.For(seed, block), device);
            var drawn = SamplerBatch.Draw(sampler, model, plan.SizeOf(block), source.SampleShape, source.Conditions, generator);
            var (labelled, valid) = SyntheticDrawing.Label(oracle, drawn, source.ElementShape);
            DrawShardFile.WriteBlock(writer, block, labelled, valid);
        }, progress, cancellation);
    }

    /// <summary>
    /// Merges shard files (<paramref name="shards"/>[i] is shard i's path and display name) block by block until N of
    /// each class, or settles as unsharded drawing does when the blocks run out.
    /// </summary>
    public static SyntheticSet Merge(
        IReadOnlyList<(string Path, string Name)> shards, string fingerprint, BlockPlan plan, DrawSource source, DrawSettings settings, Device device)
    {
        var readers = new List<DrawShardFile.Reader>();
        var set = new SyntheticSet(LabelledSamples.Empty(source, device), LabelledSamples.Empty(source, device), 0, 0, 0, complete: false);
        try
        {
            for (var i = 0; i < shards.Count; i++)
                readers.Add(new DrawShardFile.Reader(shards[i].Path, shards[i].Name, fingerprint, new ShardSpec(i, shards.Count), plan));
            for (long block = 0; block < plan.Blocks && !set.Complete; block++)
            {
                var (labelled, valid) = readers[(int)(block % shards.Count)].ReadBlock(block, device);
                using (labelled)
                using (valid)
                {
                    var next = SyntheticDrawing.AddLabelled(set, labelled, valid, settings);
                    set.Dispose();
                    set = next;
                }
            }
            if (set.Complete) return set;
            var settled = SyntheticDrawing.SettleForBudget(set, settings);
            set.Dispose();
            return settled;
        }
        catch
        {
            set.Dispose();
            throw;
        }
        finally
        {
            foreach (var reader in readers) reader.Dispose();
        }
    }
}
