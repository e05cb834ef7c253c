using System.Runtime.InteropServices;

namespace GenNeg.Runtime;

/// <summary>
/// Settings of the native runtime that only take effect when set before the process starts: glibc's allocator and
/// OpenMP's waiting (<see cref="SpinCount"/>).
///
/// The allocator, for libtorch's workload:
/// libtorch allocates every tensor 64-byte aligned; glibc serves that by cutting a larger chunk and keeps the cut-off
/// slivers in its per-thread cache, where they pin the space around each freed activation buffer. Freed buffers then
/// never coalesce, so the heap grew by about 5 MB per training step (1 GB after 200 steps, with 77 MB in use) and
/// every step touched fresh pages. With the thread cache off and the heap kept (not trimmed or mmapped per buffer)
/// the resident size stays flat and page faults fall about 9-fold (see docs/performance.md). No buffer is mmapped, however
/// large: the traffic network's pair tensors at a 1,000-scene batch (37-75 MB) were, so every sampler step faulted its
/// pages in afresh (on this VM the host hands them back), and drawing ran 2-3x slower. The heap is trimmed only beyond
/// 4 GiB free, so a step's freed buffers are reused by the next one.
/// </summary>
public static partial class ProcessSettings
{
    /// <summary>
    /// How long libtorch's OpenMP threads spin at a barrier before they sleep (GOMP_SPINCOUNT; libgomp's default is
    /// 300,000). A thread spinning while its team-mate waits for a core starves that team-mate: two GenNeg processes on
    /// two cores each ran at 0.14x their speed alone (600 checkerboard training steps: 15.1 s alone, 111 s two at once).
    /// At 1,000 spins each ran at about 0.5x (31.9 s), and a whole run alone was no slower (paired: 14.4 s against 15.3 s),
    /// though bench's short in-process timings read up to 15 % slower; sleeping at once (OMP_WAIT_POLICY=PASSIVE) cost
    /// 28 % alone. A GOMP_SPINCOUNT or OMP_WAIT_POLICY already in the environment is kept (see docs/performance.md).
    /// </summary>
    public const string SpinCount = "1000";

    private const string SpinCountVariable = "GOMP_SPINCOUNT";
    private const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>The settings, in GLIBC_TUNABLES syntax.</summary>
    public const string Tunables =
        "glibc.malloc.tcache_count=0:glibc.malloc.trim_threshold=4294967296:glibc.malloc.mmap_max=0:glibc.malloc.top_pad=268435456";

    /// <summary>Set to 1 to keep glibc's and libgomp's defaults (to measure what the settings change).</summary>
    public const string OptOutVariable = "GENNEG_DEFAULT_ALLOCATOR";

    private const string TunablesVariable = "GLIBC_TUNABLES";

    /// <summary>Marks the restarted process. glibc 2.36 rewrites GLIBC_TUNABLES at start to show only its first entry (it
    /// still applies them all), so the variable itself cannot tell whether a restart already happened.</summary>
    private const string RestartedVariable = "GENNEG_ALLOCATOR_RESTARTED";

    /// <summary>OpenMP's spin count in this process: GOMP_SPINCOUNT, or libgomp's default 300,000 when it is unset.</summary>
    public static double OpenMpSpinCount =>
        double.TryParse(Environment.GetEnvironmentVariable(SpinCountVariable), System.Globalization.CultureInfo.InvariantCulture, out var spins) ? spins : 300_000;

    /// <summary>Whether this process started with the settings (restarted by this class, or started so by its caller).</summary>
    public static bool Applied =>
        Environment.GetEnvironmentVariable(RestartedVariable) == "1" ||
        (Environment.GetEnvironmentVariable(TunablesVariable) ?? "").Contains("glibc.malloc.tcache_count=0");

    /// <summary>
    /// On Linux, when the settings are missing and not opted out of, replaces this process with a fresh copy of itself
    /// (same process id, arguments and standard streams) whose environment has them. Returns only when nothing was
    /// done or the replacement failed, in which case the program simply runs with glibc's defaults.
    /// Call it first thing in Main, before any native library is loaded.
    /// </summary>
    public static void RestartWithSettingsIfMissing()
    {
        if (!OperatingSystem.IsLinux() || Applied || Environment.GetEnvironmentVariable(OptOutVariable) == "1") return;
        try
        {
            var arguments = File.ReadAllText("/proc/self/cmdline").Split('\0');
            var argv = arguments.Take(arguments.Length - 1).Append(null).ToArray();   // the file ends with a NUL
            var existing = Environment.GetEnvironmentVariable(TunablesVariable);
            var tunables = string.IsNullOrEmpty(existing) ? Tunables : Tunables + ":" + existing;
            var inherited = Environment.GetEnvironmentVariables().Keys.Cast<string>().ToHashSet(StringComparer.Ordinal);
            var spin = inherited.Contains(SpinCountVariable) || inherited.Contains(WaitPolicyVariable) ? [] : new[] { $"{SpinCountVariable}={SpinCount}" };
            var environment = inherited
                .Where(name => name is not TunablesVariable and not RestartedVariable)
                .Select(name => $"{name}={Environment.GetEnvironmentVariable(name)}")
                .Append($"{TunablesVariable}={tunables}")
                .Concat(spin)
                .Append($"{RestartedVariable}=1")
                .Append(null)
                .ToArray();
            _ = Execve("/proc/self/exe", argv, environment);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            // No /proc or no execve: run with the defaults.
        }
    }

    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execve(string path, string?[] argv, string?[] environment);
}
