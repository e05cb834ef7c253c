using GenNeg.Runs;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Sharding;

/// <summary>
/// Plain sampling split over processes: count samples in blocks of the sampler's batch size, block b
/// from a generator seeded with <see cref="BlockSeeds.For"/>(seed, b), shard I doing the blocks b mod N == I into its
/// own part file. Merging the parts in block order gives the same samples for any N (not those of unsharded sampling,
/// which draws every batch from one stream). Used by genneg sample and genneg evaluate; a part ends with the seconds its
/// shard spent sampling.
/// </summary>
public static class ShardedSampling
{
    private const string Magic = "GENNEG-SAMPLE-SHARD-2";

    public static BlockPlan Plan(long count, int batchSize) => new(batchSize, count, (count + batchSize - 1) / batchSize);

    public static void DrawShard(
        ISampler sampler, IDenoiser denoiser, long[] sampleShape, Condition pool, BlockPlan plan, long seed, ShardSpec shard,
        string fingerprint, string path, Device device, IProgress<SamplingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var sampling = new System.Diagnostics.Stopwatch();
        ShardWriter.Write(path, plan, shard, writer =>
        {
            writer.Write(Magic);
            writer.Write(fingerprint);
        }, (writer, block) =>
        {
            sampling.Start();
            using var generator = new Generator((ulong)BlockSeeds.For(seed, block), device);
            using var drawn = SamplerBatch.Draw(sampler, denoiser, plan.SizeOf(block), sampleShape, pool, generator);
            using var samples = drawn.Samples.cpu();
            sampling.Stop();
            writer.Write(block);
            samples.Save(writer);
            writer.Write(drawn.Condition.Names.Count());
            foreach (var (name, value) in drawn.Condition.Entries)
            {
                writer.Write(name);
                using var row = value.cpu();
                row.Save(writer);
            }
        }, progress, cancellation, writer => writer.Write(sampling.Elapsed.TotalSeconds));
    }

    /// <summary>The fingerprint a part was written under, or null when the file is not a (readable) sample part.</summary>
    public static string? ReadFingerprint(string path) => ShardWriter.ReadFingerprint(path, Magic);

    /// <summary>
    /// All parts' samples (on the CPU) in block order, and the seconds the shards spent sampling, summed; one-line errors
    /// naming a part that is foreign, short or out of order.
    /// </summary>
    public static (DrawnSamples Samples, double SamplingSeconds) Merge(IReadOnlyList<(string Path, string Name)> parts, string fingerprint, BlockPlan plan)
    {
        foreach (var part in parts) FileChecksum.Verify(part.Path, "delete it and draw that part again");
        var readers = parts.Select(p => new BinaryReader(File.OpenRead(p.Path))).ToList();
        var blocks = new List<DrawnSamples>();
        try
        {
            for (var i = 0; i < parts.Count; i++)
            {
                if (ShardWriter.ReadFingerprint(readers[i], Magic) != fingerprint)
                    throw new GenNegException($"part '{parts[i].Name}' belongs to another job (stage, model, config, seed or count differ) or is no sample part; delete it");
            }
            for (long block = 0; block < plan.Blocks; block++)
            {
                var i = (int)(block % parts.Count);
                var reader = readers[i];
                try
                {
                    if (reader.ReadInt64() != block) throw new GenNegException($"part '{parts[i].Name}' is out of order; delete it");
                    var samples = TensorExtensionMethods.Load(reader);
                    var entries = new List<KeyValuePair<string, Tensor>>();
                    for (var n = reader.ReadInt32(); n > 0; n--) entries.Add(new(reader.ReadString(), TensorExtensionMethods.Load(reader)));
                    blocks.Add(new DrawnSamples(samples, new Condition(entries)));
                }
                catch (EndOfStreamException)
                {
                    throw new GenNegException($"part '{parts[i].Name}' ends before block {block}; delete it");
                }
            }
            var seconds = 0.0;
            for (var i = 0; i < parts.Count; i++)
            {
                try
                {
                    seconds += readers[i].ReadDouble();
                }
                catch (EndOfStreamException)
                {
                    throw new GenNegException($"part '{parts[i].Name}' ends before its trailer; delete it");
                }
            }
            return (new DrawnSamples(cat(blocks.Select(b => b.Samples).ToList(), 0), Condition.Concat(blocks.Select(b => b.Condition).ToList())), seconds);
        }
        finally
        {
            foreach (var block in blocks) block.Dispose();
            foreach (var reader in readers) reader.Dispose();
        }
    }
}
