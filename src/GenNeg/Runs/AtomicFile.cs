using System.Text;

namespace GenNeg.Runs;

/// <summary>
/// Writes files whole or not at all: into a temporary file in the same folder, flushed to disk, then renamed
/// over the target. An interrupted write leaves the previous version (or nothing), never a truncated file.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder)) throw new GenNegException($"folder '{folder}' does not exist (for '{path}')");
        var temporary = TemporaryPath(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk, a read-only folder, a directory in the way: one line naming the file, not an internal error.
            throw new GenNegException($"cannot write '{path}': {e.Message}", e);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <summary>
    /// The hidden file a write to <paramref name="path"/> goes through: <c>.name.HOST-PID.tmp</c>, HOST a short hash of
    /// the machine's name, because shards on several machines share a run folder and a process id says nothing about
    /// another machine's processes.
    /// </summary>
    public static string TemporaryPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{HostTag}-{Environment.ProcessId}.tmp");

    /// <summary>
    /// Removes every temporary file of <paramref name="path"/>, whichever machine or process wrote it: for a retry that
    /// is that file's only writer (a shard task run again after its node was lost).
    /// </summary>
    public static void RemoveTemporariesOf(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var stale in Directory.EnumerateFiles(folder, $".{Path.GetFileName(path)}.*.tmp")) File.Delete(stale);
    }

    private static readonly string HostTag = Convert.ToHexStringLower(
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Environment.MachineName)))[..8];

    /// <summary>
    /// Removes temporary files under <paramref name="folder"/> left by writers that were killed mid-write (kill -9 runs
    /// no cleanup); those of processes still running are kept, since they may be writing them now, and so are those
    /// written on another machine, whose processes this one cannot see (names without a machine tag count as local).
    /// </summary>
    public static int RemoveAbandoned(string folder)
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.AllDirectories))
        {
            var parts = Path.GetFileName(file).Split('.');
            if (parts.Length < 4) continue;
            var writerPart = parts[^2];
            var dash = writerPart.IndexOf('-');
            if (dash >= 0 && writerPart[..dash] != HostTag) continue;
            if (!int.TryParse(writerPart[(dash + 1)..], out var writer) || IsRunning(writer)) continue;
            if (TryDelete(file)) removed++;
        }
        return removed;
    }

    private static bool IsRunning(int processId)
    {
        if (processId == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));
}
