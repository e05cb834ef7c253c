namespace GenNeg.Runtime;

/// <summary>
/// The peak resident memory of this process over one phase of work (training, drawing, evaluating), measured, not
/// estimated: Linux keeps the process's high-water mark (VmHWM in /proc/self/status) and lowers it to the current
/// resident set when "5" is written to /proc/self/clear_refs. Phases run one after another, so each starts by
/// resetting the mark; on a system without these files (or where they are not writable) <see cref="PeakBytes"/> is null.
/// </summary>
public sealed class PeakMemory
{
    private const string StatusFile = "/proc/self/status", ClearRefsFile = "/proc/self/clear_refs";

    private readonly bool reset;

    private PeakMemory(bool reset) => this.reset = reset;

    /// <summary>Starts a phase: the high-water mark from here on is the phase's.</summary>
    public static PeakMemory StartPhase()
    {
        try
        {
            File.WriteAllText(ClearRefsFile, "5");
            return new PeakMemory(true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return new PeakMemory(false);
        }
    }

    /// <summary>The most memory resident at once since <see cref="StartPhase"/>, in bytes; null where it cannot be measured.</summary>
    public long? PeakBytes => reset ? HighWaterMark() : null;

    private static long? HighWaterMark()
    {
        try
        {
            foreach (var line in File.ReadLines(StatusFile))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) * 1024;   // kB
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }
}
