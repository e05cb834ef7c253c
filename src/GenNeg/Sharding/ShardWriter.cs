using GenNeg.Runs;
using GenNeg.Runtime;
using GenNeg.Sampling;

namespace GenNeg.Sharding;

/// <summary>
/// Writes a shard's file atomically: a header, then each of the shard's blocks in order, with progress, then an optional
/// trailer (e.g. what the shard spent). A process killed mid-write leaves only its temporary file, never a short part.
/// </summary>
internal static class ShardWriter
{
    public static void Write(
        string path, BlockPlan plan, ShardSpec shard, Action<BinaryWriter> writeHeader, Action<BinaryWriter, long> writeBlock,
        IProgress<SamplingProgress>? progress, CancellationToken cancellation, Action<BinaryWriter>? writeTrailer = null)
    {
        var blocks = plan.BlocksOf(shard).ToList();
        var total = blocks.Sum(plan.SizeOf);
        long done = 0;
        FileChecksum.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writeHeader(writer);
            foreach (var block in blocks)
            {
                cancellation.ThrowIfCancellationRequested();
                writeBlock(writer, block);
                NativeHeap.Trim();
                done += plan.SizeOf(block);
                progress?.Report(new SamplingProgress(done, total));
            }
            writeTrailer?.Invoke(writer);
        });
    }

    /// <summary>The fingerprint in the header of a file that starts with <paramref name="magic"/>, or null when the file is
    /// another kind (or unreadable).</summary>
    public static string? ReadFingerprint(string path, string magic)
    {
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            return ReadFingerprint(reader, magic);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The same from an open reader at the file's start, leaving it after the header.</summary>
    public static string? ReadFingerprint(BinaryReader reader, string magic)
    {
        try
        {
            return reader.ReadString() == magic ? reader.ReadString() : null;
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }
}
