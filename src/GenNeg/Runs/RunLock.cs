using System.Text;

namespace GenNeg.Runs;

/// <summary>
/// One writer per run folder: an exclusive OS lock (flock on Linux, through FileShare.None) on the folder's
/// <c>.lock</c> file, held while a command may write there. The OS drops it when the holding process ends, even by
/// kill -9, so a crashed writer never leaves the folder locked. The holder's command line and process id sit in
/// <c>.lock-holder</c> (the lock file itself cannot be read while locked) so a refused writer can name it.
/// Commands that only read (stages, sample) take no lock.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string LockFile = ".lock";
    public const string HolderFile = ".lock-holder";

    private readonly FileStream handle;
    private readonly string holderPath;
    private readonly string? createdFolder;

    private RunLock(FileStream handle, string holderPath, string? createdFolder)
    {
        this.handle = handle;
        this.holderPath = holderPath;
        this.createdFolder = createdFolder;
    }

    /// <summary>
    /// Takes the folder's lock (creating the folder if need be) or fails at once, naming the holder.
    /// A folder this call created is removed again on release when nothing but the lock was put in it.
    /// </summary>
    /// <param name="command">what the holder is doing, as another writer should see it (e.g. the command line)</param>
    /// <param name="mayCreate">true for commands that start runs: a missing folder is created; else it is an error</param>
    public static RunLock Acquire(string runPath, string command, bool mayCreate = true) =>
        Take(runPath, command, mayCreate, out var holder) ?? throw new GenNegException($"run folder '{runPath}' is in use by {holder}; " +
            "wait for it to finish or stop it (read-only commands such as stages and sample may run meanwhile)");

    /// <summary>
    /// Takes an existing folder's lock, or returns null at once when another writer holds it (named in
    /// <paramref name="holder"/>): for a step that may leave its work to whoever holds the folder.
    /// </summary>
    public static RunLock? TryAcquire(string runPath, string command, out string holder) => Take(runPath, command, mayCreate: false, out holder);

    private static RunLock? Take(string runPath, string command, bool mayCreate, out string holder)
    {
        holder = "";
        if (string.IsNullOrWhiteSpace(runPath)) throw new GenNegException("--run must name a folder, got an empty path");
        var folder = Path.GetFullPath(runPath);
        string? created = null;
        if (!Directory.Exists(folder))
        {
            if (!mayCreate) throw new GenNegException($"run folder '{runPath}' does not exist");
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new GenNegException($"cannot create run folder '{runPath}': {e.Message}");
            }
            created = folder;
        }
        // Nothing is put in, or removed from, a folder that is not a run (or an empty one about to become one).
        EnsureRunOrEmpty(runPath, folder, mayCreate);

        var lockPath = Path.Combine(folder, LockFile);
        var holderPath = Path.Combine(folder, HolderFile);
        FileStream handle;
        try
        {
            handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full file system fails the open too: only a lock someone holds is contention.
            if (e is IOException && IsHeldByAnother(lockPath))
            {
                holder = DescribeHolder(holderPath);
                return null;
            }
            throw CannotWrite(runPath, lockPath, e);
        }

        try
        {
            AtomicFile.WriteAllText(holderPath, $"{command}\n{Environment.ProcessId}\n");
        }
        catch (GenNegException e)
        {
            handle.Dispose();
            throw CannotWrite(runPath, holderPath, e.InnerException ?? e);
        }
        // Now that no other writer can be at work here, temporary files of killed writers are leftovers.
        AtomicFile.RemoveAbandoned(RunFolder.OwnFolders(folder));
        return new RunLock(handle, holderPath, created);
    }

    /// <summary>Refuses a folder holding files but no run: a mistyped --run must not be written to or cleaned up.</summary>
    private static void EnsureRunOrEmpty(string runPath, string folder, bool mayCreate)
    {
        if (File.Exists(Path.Combine(folder, RunFolder.ConfigFile))) return;
        if (!Directory.EnumerateFileSystemEntries(folder).All(RunFolder.IsStartLeftover))
            throw new GenNegException(mayCreate
                ? $"run folder '{runPath}' is not empty and holds no GenNeg run (no config.yaml); choose a new or empty --run"
                : $"run folder '{runPath}' has no config.yaml; is it a GenNeg run?");
        if (!mayCreate) throw new GenNegException($"run folder '{runPath}' has no config.yaml; is it a GenNeg run?");
    }

    /// <summary>Whether another process holds the lock: a shared lock on the file is refused only then.</summary>
    private static bool IsHeldByAnother(string lockPath)
    {
        try
        {
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static GenNegException CannotWrite(string runPath, string file, Exception e)
    {
        var reason = e.Message;
        var suffix = reason.IndexOf(" : '", StringComparison.Ordinal);
        if (suffix > 0) reason = reason[..suffix];
        return new GenNegException($"cannot write '{file}' in run folder '{runPath}': {reason}", e);
    }

    /// <summary>Who holds a folder's lock, as "'command' (process id)", read from its holder file.</summary>
    private static string DescribeHolder(string holderPath)
    {
        try
        {
            var lines = File.ReadAllLines(holderPath, Encoding.UTF8);
            if (lines.Length >= 2) return $"'{lines[0]}' (process {lines[1]})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The holder has just taken the lock and not yet written its name.
        }
        return "another genneg process";
    }

    public void Dispose()
    {
        try
        {
            File.Delete(holderPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stale holder file is harmless: it is only read while the lock is held, after its holder rewrote it.
        }
        handle.Dispose();
        // The lock file itself stays: deleting it would let a process that opened it just before lock a file
        // nobody else can see. Only a folder this lock created, and that stayed empty, goes away.
        if (createdFolder is not null && Directory.EnumerateFileSystemEntries(createdFolder).All(IsLockEntry))
        {
            try
            {
                Directory.Delete(createdFolder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process has just started using the folder: leave it.
            }
        }
    }

    /// <summary>True for the lock's own files, which do not make a run folder "non-empty".</summary>
    public static bool IsLockEntry(string path) => Path.GetFileName(path) is LockFile or HolderFile;
}
