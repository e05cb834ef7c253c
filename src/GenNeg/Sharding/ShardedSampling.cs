using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Sharding;

/// <summary>
/// Plain sampling split over processes: <paramref name="count"/> samples in blocks of the sampler's batch size, block b
/// from a generator seeded with <see cref="BlockSeeds.For"/>(seed, b), shard I doing the blocks b mod N == I into its
/// own part file. Merging the parts in block order gives the same samples for any N (not those of unsharded sampling,
/// which draws every batch from one stream).
/// </summary>
public static class ShardedSampling
{
    private const string Magic = "GENNEG-SAMPLE-SHARD-1";

    public static BlockPlan Plan(long count, int batchSize) => new(batchSize, count, (count + batchSize - 1) / batchSize);

    public static void DrawShard(
        ISampler sampler, IDenoiser denoiser, long[] sampleShape, Condition pool, BlockPlan plan, long seed, ShardSpec shard,
        string fingerprint, string path, Device device, IProgress<SamplingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ShardWriter.Write(path, plan, shard, writer =>
        {
            writer.Write(Magic);
            writer.Write(fingerprint);
        }, (writer, block) =>
        {
            using var generator = new Generator((ulong)BlockSeeds.For(seed, block), device);
            using var drawn = SamplerBatch.Draw(sampler, denoiser, plan.SizeOf(block), sampleShape, pool, generator);
            using var samples = drawn.Samples.cpu();
            writer.Write(block);
            samples.Save(writer);
            writer.Write(drawn.Condition.Names.Count());
            foreach (var (name, value) in drawn.Condition.Entries)
            {
                writer.Write(name);
                using var row = value.cpu();
                row.Save(writer);
            }
        }, progress, cancellation);
    }

    /// <summary>All parts' samples (on the CPU) in block order; one-line errors for a foreign or short part.</summary>
    public static DrawnSamples Merge(IReadOnlyList<(string Path, string Name)> parts, string fingerprint, BlockPlan plan)
    {
        var readers = parts.Select(p => new BinaryReader(File.OpenRead(p.Path))).ToList();
        var blocks = new List<DrawnSamples>();
        try
        {
            for (var i = 0; i < parts.Count; i++)
            {
                if (readers[i].ReadString() != Magic || readers[i].ReadString() != fingerprint)
                    throw new GenNegException($"sample part '{parts[i].Name}' belongs to another sampling job (stage, seed, count or shards differ); delete it");
            }
            for (long block = 0; block < plan.Blocks; block++)
            {
                var i = (int)(block % parts.Count);
                var reader = readers[i];
                try
                {
                    if (reader.ReadInt64() != block) throw new GenNegException($"sample part '{parts[i].Name}' is out of order; delete it");
                    var samples = TensorExtensionMethods.Load(reader);
                    var entries = new List<KeyValuePair<string, Tensor>>();
                    for (var n = reader.ReadInt32(); n > 0; n--) entries.Add(new(reader.ReadString(), TensorExtensionMethods.Load(reader)));
                    blocks.Add(new DrawnSamples(samples, new Condition(entries)));
                }
                catch (EndOfStreamException)
                {
                    throw new GenNegException($"sample part '{parts[i].Name}' ends before block {block}; delete it");
                }
            }
            return new DrawnSamples(cat(blocks.Select(b => b.Samples).ToList(), 0), Condition.Concat(blocks.Select(b => b.Condition).ToList()));
        }
        finally
        {
            foreach (var block in blocks) block.Dispose();
            foreach (var reader in readers) reader.Dispose();
        }
    }
}
