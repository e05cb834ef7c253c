using GenNeg.Runs;
using GenNeg.Guidance;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Sharding;

/// <summary>
/// One shard's draws: a header (fingerprint of the iteration, shard, block plan), then each of the shard's blocks in
/// order with all its labelled samples as drawn and their sample labels. Written whole or not at all.
/// </summary>
public static class DrawShardFile
{
    private const string Magic = "GENNEG-DRAW-SHARD-1";

    public static void WriteHeader(BinaryWriter writer, string fingerprint, ShardSpec shard, BlockPlan plan)
    {
        writer.Write(Magic);
        writer.Write(fingerprint);
        writer.Write(shard.Index);
        writer.Write(shard.Count);
        writer.Write(plan.BlockSize);
        writer.Write(plan.MaxDraws);
        writer.Write(plan.Blocks);
    }

    public static void WriteBlock(BinaryWriter writer, long block, LabelledSamples labelled, Tensor sampleValid)
    {
        writer.Write(block);
        labelled.Save(writer);
        using var valid = sampleValid.cpu();
        valid.Save(writer);
    }

    /// <summary>The header's fingerprint, or null when the file is not a shard file (or is unreadable).</summary>
    public static string? ReadFingerprint(string path) => ShardWriter.ReadFingerprint(path, Magic);

    /// <summary>Reads a shard's blocks in order, after checking its header against what the merge expects.</summary>
    public sealed class Reader : IDisposable
    {
        private readonly BinaryReader reader;
        private readonly string name;

        public Reader(string path, string name, string fingerprint, ShardSpec shard, BlockPlan plan)
        {
            this.name = name;
            FileChecksum.Verify(path, "delete it and draw that shard again");
            reader = new BinaryReader(File.OpenRead(path));
            try
            {
                if (reader.ReadString() != Magic) throw new GenNegException($"'{name}' is not a GenNeg draw shard");
                var found = reader.ReadString();
                if (found != fingerprint)
                    throw new GenNegException($"shard '{name}' belongs to another iteration (fingerprint {found}, this iteration's is {fingerprint}); delete it and draw it again");
                var header = new ShardSpec(reader.ReadInt32(), reader.ReadInt32());
                var headerPlan = new BlockPlan(reader.ReadInt32(), reader.ReadInt64(), reader.ReadInt64());
                if (header != shard || headerPlan != plan)
                    throw new GenNegException($"shard '{name}' holds {header} of plan {headerPlan}, expected {shard} of {plan}; delete it and draw it again");
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                reader.Dispose();
                throw new GenNegException($"cannot read shard '{name}': {e.Message}");
            }
            catch
            {
                reader.Dispose();
                throw;
            }
        }

        public (LabelledSamples Labelled, Tensor SampleValid) ReadBlock(long expected, Device device)
        {
            try
            {
                var block = reader.ReadInt64();
                if (block != expected) throw new GenNegException($"shard '{name}' holds block {block} where block {expected} belongs; delete it and draw it again");
                var labelled = LabelledSamples.Load(reader, device);
                var valid = TensorExtensionMethods.Load(reader).to(device);
                return (labelled, valid);
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                throw new GenNegException($"shard '{name}' ends before block {expected}; delete it and draw it again");
            }
        }

        public void Dispose() => reader.Dispose();
    }
}
