using System.Text.Json;
using GenNeg.Configuration;
using GenNeg.Runs;

namespace GenNeg.Workflows;

/// <param name="BaseStage">the stage this iteration stacks its classifier onto</param>
/// <param name="Seed">seed of drawing and classifier training</param>
/// <param name="EarlierDrawSeconds">drawing time spent by earlier, interrupted attempts</param>
public sealed record IterationState(string BaseStage, long Seed, double EarlierDrawSeconds);

/// <summary>The next iteration's stage name, folder (with a trailing slash), resolved config and state.</summary>
/// <param name="Resumed">the folder holds an earlier, unfinished attempt, which this one continues</param>
public sealed record PreparedIteration(string Name, string Folder, GenNegConfig Config, IterationState State, bool Resumed = false);

/// <summary>
/// Prepares the next iteration's folder (config.yaml, iteration.json with its seed), or reopens the one an earlier
/// attempt prepared. `iterate` and each `draw` shard go through here, so shards drawn beforehand belong to the
/// iteration `iterate` then runs. Concurrent shards write the same files with the same contents, each atomically.
/// </summary>
public static class IterationFolder
{
    /// <summary>Resolves and writes the next iteration's folder (see <see cref="Resolve"/> and <see cref="Create"/>).</summary>
    public static PreparedIteration Prepare(RunFolder run, IterationRequest request, Registries registries)
    {
        var iteration = Resolve(run, request, registries);
        Create(run, iteration);
        return iteration;
    }

    /// <summary>
    /// The next iteration's name, config and state, new or those an interrupted attempt saved, without writing
    /// anything: everything that can be refused is checked before <see cref="Create"/> makes the folder.
    /// </summary>
    public static PreparedIteration Resolve(RunFolder run, IterationRequest request, Registries registries)
    {
        var manifest = run.LoadManifest();
        var number = manifest.Stages.Count(s => s.Name.StartsWith(GenNegIteration.StagePrefix, StringComparison.Ordinal)) + 1;
        var name = GenNegIteration.StagePrefix + number;
        var folder = name + "/";
        var (config, state, resumed) = ResolveFolder(run, folder, request, number, registries);
        return new PreparedIteration(name, folder, config, state, resumed);
    }

    /// <summary>Writes the iteration's folder, config.yaml and iteration.json (a resumed one's config, as adjusted).</summary>
    public static void Create(RunFolder run, PreparedIteration iteration)
    {
        run.EnsureFolder(iteration.Folder);
        var configPath = run.PathOf(iteration.Folder + "config.yaml");
        var yaml = ConfigLoader.ToYaml(iteration.Config);
        if (!File.Exists(configPath) || File.ReadAllText(configPath) != yaml) AtomicFile.WriteAllText(configPath, yaml);
        if (!iteration.Resumed) SaveState(run, iteration.Folder, iteration.State);
    }

    /// <summary>
    /// Runs the checks an iteration makes before any work; when it continues an unfinished attempt, a refusal says
    /// how to drop that attempt, since running iterate again would only meet the same refusal.
    /// </summary>
    public static T CheckedBeforeWork<T>(RunFolder run, PreparedIteration iteration, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (GenNegException e) when (iteration.Resumed)
        {
            throw new GenNegException($"{e.Message}; '{iteration.Name}' is an unfinished iteration made with these settings: " +
                $"to start it afresh, discard it with: genneg iterate --run {run.Root} --discard", e);
        }
    }

    public static void SaveState(RunFolder run, string folder, IterationState state) =>
        AtomicFile.WriteAllText(run.PathOf(folder + "iteration.json"), JsonSerializer.Serialize(state, RunManifest.Json));

    /// <summary>The iteration's resolved config and state: new, or those saved by an interrupted attempt.</summary>
    /// <remarks>
    /// A resumed one keeps its settings, except those <see cref="UnfinishedIteration.AdjustableOnResume"/> lists, which
    /// only steer how drawing ends (and the device).
    /// </remarks>
    private static (GenNegConfig Config, IterationState State, bool Resumed) ResolveFolder(
        RunFolder run, string folder, IterationRequest request, int number, Registries registries)
    {
        var configPath = run.PathOf(folder + "config.yaml");
        var statePath = run.PathOf(folder + "iteration.json");
        var wanted = run.LoadConfig(registries.ConfigSchema, request.Overrides);
        Experiment.CheckBeforeWork(wanted, registries);
        Runtime.MemoryBudget.EnsureBatchFits(wanted.Genneg.Classifier.BatchSize, wanted.Model, "genneg.classifier.batch_size");
        ImportanceDraw.CheckProposal(run, wanted);
        if (File.Exists(configPath) && File.Exists(statePath))
        {
            var saved = ConfigLoader.LoadSaved(configPath, registries.ConfigSchema);
            var state = JsonSerializer.Deserialize<IterationState>(File.ReadAllText(statePath), RunManifest.Json)
                ?? throw new GenNegException($"'{statePath}' is empty");
            UnfinishedIteration.EnsureSameBase(run, folder, state.BaseStage, request.FromStage);
            if (request.Overrides is { Count: > 0 }) saved = UnfinishedIteration.Adjusted(run, folder, saved, wanted);
            return (saved, state, true);
        }

        var fresh = new IterationState(run.Stage(request.FromStage).Name, wanted.Seed + 7919L * number, 0);
        return (wanted, fresh, false);
    }
}
