using System.Text;

namespace GenNeg.Runs;

/// <summary>
/// Writes files whole or not at all: into a temporary file in the same folder, flushed to disk, then renamed
/// over the target. An interrupted write leaves the previous version (or nothing), never a truncated file.
/// Only regular files are replaced so: a symbolic link keeps its place and its target is replaced, and a device, FIFO
/// or socket (/dev/stdout, a named pipe) is written to directly, since renaming over it would destroy it.
/// </summary>
public static partial class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        using var output = Open(path);
        output.Guarded(() => write(output.Stream));
        output.Commit();
    }

    /// <summary>
    /// For writers that take a file name (libtorch's): <paramref name="write"/> writes the temporary file it is given,
    /// which then replaces <paramref name="path"/>; a failed write leaves the previous file.
    /// </summary>
    public static void WriteByName(string path, Action<string> write)
    {
        // The temporary file keeps the target's name, in a hidden folder of its own: some formats record the name
        // they were written under (a TorchScript archive's root folder).
        var folder = TemporaryPath(path);
        var temporary = Path.Combine(folder, Path.GetFileName(path));
        try
        {
            Guard(path, () => Directory.CreateDirectory(folder));
            try
            {
                write(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Runtime.InteropServices.ExternalException)
            {
                // libtorch's message quotes the temporary file; the line names the file itself.
                throw new GenNegException($"cannot write '{path}': {e.Message.Split('\n')[0].Replace(temporary, path)}", e);
            }
            Guard(path, () =>
            {
                File.Move(temporary, path, overwrite: true);
                return 0;
            });
        }
        finally
        {
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Only a leftover hidden folder; the write's own outcome is what is reported.
            }
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for a write that takes effect at <see cref="Output.Commit"/>; disposing without
    /// committing leaves the previous file. For writers that stream their contents in several steps.
    /// </summary>
    public static Output Open(string path)
    {
        var kind = FileKinds.Of(path);
        var isLink = new FileInfo(path).LinkTarget is not null;
        if (kind == FileKind.Special || (isLink && kind == FileKind.Missing))
            return new Output(path, null, null, Guard(path, () =>
                new FileStream(path, kind == FileKind.Missing ? FileMode.Create : FileMode.Open, FileAccess.Write, FileShare.ReadWrite)));
        // A link's relative target is relative to the link's folder; resolving a bare name would take it from the root
        // instead, so the link is resolved by its full path.
        var target = isLink && kind == FileKind.RegularFile ? File.ResolveLinkTarget(Path.GetFullPath(path), returnFinalTarget: true)?.FullName ?? path : path;
        var folder = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (!Directory.Exists(folder)) throw new GenNegException($"cannot write '{path}': folder '{folder}' does not exist");
        var temporary = TemporaryPath(target);
        return new Output(path, target, temporary, Guard(path, () => new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None)));
    }

    /// <summary>
    /// A write in progress: into a temporary file renamed over the target at commit (regular files), or straight into
    /// what is there (a device or pipe, written as a shell redirection would; or the missing target of a link).
    /// </summary>
    public sealed class Output : IDisposable
    {
        private readonly string path;
        private readonly string? target;
        private readonly string? temporary;
        private bool done;

        internal Output(string path, string? target, string? temporary, FileStream stream)
        {
            this.path = path;
            this.target = target;
            this.temporary = temporary;
            Stream = stream;
        }

        public FileStream Stream { get; }

        /// <summary>Runs a step of the write, turning I/O failures into one line naming the file.</summary>
        public void Guarded(Action write) => Guard(path, () =>
        {
            write();
            return 0;
        });

        public void Commit()
        {
            Guarded(() =>
            {
                if (temporary is null)
                {
                    Stream.Flush();
                    Stream.Dispose();
                    return;
                }
                Stream.Flush(flushToDisk: true);
                Stream.Dispose();
                File.Move(temporary, target!, overwrite: true);
            });
            done = true;
        }

        public void Dispose()
        {
            if (done) return;
            done = true;
            try
            {
                Stream.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The write failed already; its error is the one reported.
            }
            if (temporary is not null) TryDelete(temporary);
        }
    }

    private static T Guard<T>(string path, Func<T> io)
    {
        try
        {
            return io();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk, a read-only folder, a directory in the way: one line naming the file, not an internal error.
            throw CannotWrite(path, e);
        }
    }

    private static GenNegException CannotWrite(string path, Exception e)
    {
        // .NET appends " : 'path'" to errno messages; the line names the file once.
        var reason = e.Message;
        var suffix = reason.IndexOf(" : '", StringComparison.Ordinal);
        if (suffix > 0) reason = reason[..suffix];
        // A message quoting the temporary file the write went through names the file itself instead.
        reason = System.Text.RegularExpressions.Regex.Replace(reason, @"'[^']*\.tmp'", $"'{path}'");
        return new GenNegException($"cannot write '{path}': {reason}", e);
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
    /// Removes, from the given folders only (no walk into subfolders, no symbolic links followed), the temporary files
    /// this machine's GenNeg processes left when killed mid-write (kill -9 runs no cleanup). Only names of the form
    /// this class writes count; those of processes still running are kept, since they may be writing them now, and so
    /// are those written on another machine, whose processes this one cannot see.
    /// </summary>
    public static int RemoveAbandoned(IEnumerable<string> folders)
    {
        var removed = 0;
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder) || new DirectoryInfo(folder).LinkTarget is not null) continue;
            foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.TopDirectoryOnly))
            {
                var match = TemporaryName().Match(Path.GetFileName(file));
                if (!match.Success || match.Groups[1].Value != HostTag) continue;
                if (!int.TryParse(match.Groups[2].Value, out var writer) || IsRunning(writer)) continue;
                if (new FileInfo(file).LinkTarget is not null) continue;
                if (TryDelete(file)) removed++;
            }
        }
        return removed;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\..+\.([0-9a-f]{8})-([0-9]{1,10})\.tmp$")]
    private static partial System.Text.RegularExpressions.Regex TemporaryName();

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
