using GenNeg.Configuration;
using GenNeg.Runs;

namespace GenNeg.Workflows;

/// <summary>
/// An iteration folder (genneg-N/) that holds an interrupted or failed attempt: not yet a stage in the manifest.
/// The next iterate call resumes it; <see cref="Discard"/> drops it so the next call starts afresh.
/// </summary>
public static class UnfinishedIteration
{
    /// <summary>
    /// Keys a resumed iteration may change: they decide only when drawing stops, or how the external oracle is waited
    /// for and fed (e.g. a longer timeout after one ran out), not what was drawn.
    /// </summary>
    public static readonly IReadOnlyList<string> AdjustableOnResume =
        ["genneg.max_draws", "genneg.min_per_class", "external_oracle.timeout_seconds", "external_oracle.batch_size"];

    /// <summary>The unfinished iteration's folder name (relative to the run), or null when there is none.</summary>
    public static string? Find(RunFolder run)
    {
        var number = run.LoadManifest().Stages.Count(s => s.Name.StartsWith(GenNegIteration.StagePrefix, StringComparison.Ordinal)) + 1;
        var name = GenNegIteration.StagePrefix + number;
        return Directory.Exists(run.PathOf(name)) ? name : null;
    }

    /// <summary>Deletes the unfinished iteration's folder; returns its name, or null when there was none.</summary>
    public static string? Discard(RunFolder run)
    {
        var name = Find(run);
        if (name is null) return null;
        try
        {
            Directory.Delete(run.PathOf(name), recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GenNegException($"cannot remove '{run.PathOf(name)}': {e.Message}");
        }
        return name;
    }

    /// <summary>Refuses to resume an iteration on one stage when the caller asked for another.</summary>
    internal static void EnsureSameBase(RunFolder run, string folder, string savedBase, string? requested)
    {
        if (requested is null || requested == savedBase) return;
        throw new GenNegException(
            $"'{folder.TrimEnd('/')}' is an unfinished iteration on stage '{savedBase}', not '{requested}'; resume it without --stage, " +
            $"or discard it first with: genneg iterate --run {run.Root} --discard");
    }

    /// <summary>
    /// The saved config with the adjustable keys taken from <paramref name="wanted"/>; refuses any other difference,
    /// naming it.
    /// </summary>
    internal static GenNegConfig Adjusted(RunFolder run, string folder, GenNegConfig saved, GenNegConfig wanted)
    {
        // The device is not part of the experiment either: an interrupted iteration may continue on another one.
        var adjusted = saved with
        {
            Device = wanted.Device,
            Genneg = saved.Genneg with { MaxDraws = wanted.Genneg.MaxDraws, MinPerClass = wanted.Genneg.MinPerClass },
            ExternalOracle = saved.ExternalOracle with { TimeoutSeconds = wanted.ExternalOracle.TimeoutSeconds, BatchSize = wanted.ExternalOracle.BatchSize },
        };
        var before = ConfigLoader.ToYaml(adjusted).Split('\n');
        var now = ConfigLoader.ToYaml(wanted).Split('\n');
        var difference = before.Zip(now).FirstOrDefault(pair => pair.First != pair.Second);
        if (difference == default) return adjusted;
        throw new GenNegException(
            $"'{folder.TrimEnd('/')}' was started with other settings ('{difference.First.Trim()}' there, '{difference.Second.Trim()}' now); " +
            $"resume it with the options it started with (only {string.Join(", ", AdjustableOnResume.SkipLast(1))} and {AdjustableOnResume[^1]} may change), " +
            $"or discard it with: genneg iterate --run {run.Root} --discard");
    }
}
