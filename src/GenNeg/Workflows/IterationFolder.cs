using System.Text.Json;
using GenNeg.Configuration;
using GenNeg.Runs;

namespace GenNeg.Workflows;

/// <param name="BaseStage">the stage this iteration stacks its classifier onto</param>
/// <param name="Seed">seed of drawing and classifier training</param>
/// <param name="EarlierDrawSeconds">drawing time spent by earlier, interrupted attempts</param>
public sealed record IterationState(string BaseStage, long Seed, double EarlierDrawSeconds);

/// <summary>The next iteration's stage name, folder (with a trailing slash), resolved config and state.</summary>
public sealed record PreparedIteration(string Name, string Folder, GenNegConfig Config, IterationState State);

/// <summary>
/// Prepares the next iteration's folder (config.yaml, iteration.json with its seed), or reopens the one an earlier
/// attempt prepared. `iterate` and each `draw` shard go through here, so shards drawn beforehand belong to the
/// iteration `iterate` then runs. Concurrent shards write the same files with the same contents, each atomically.
/// </summary>
public static class IterationFolder
{
    public static PreparedIteration Prepare(RunFolder run, IterationRequest request, Registries registries)
    {
        var manifest = run.LoadManifest();
        var number = manifest.Stages.Count(s => s.Name.StartsWith(GenNegIteration.StagePrefix, StringComparison.Ordinal)) + 1;
        var name = GenNegIteration.StagePrefix + number;
        var folder = name + "/";
        var (config, state) = PrepareFolder(run, folder, request, number, registries);
        return new PreparedIteration(name, folder, config, state);
    }

    public static void SaveState(RunFolder run, string folder, IterationState state) =>
        AtomicFile.WriteAllText(run.PathOf(folder + "iteration.json"), JsonSerializer.Serialize(state, RunManifest.Json));

    /// <summary>The iteration's resolved config and state: new, or those saved by an interrupted attempt.</summary>
    /// <remarks>
    /// Everything that can be refused (overrides, names, base stage) is checked before the folder is made, so a
    /// refused iteration leaves nothing behind. A resumed one keeps its settings, except those
    /// <see cref="UnfinishedIteration.AdjustableOnResume"/> lists, which only steer how drawing ends (and the device).
    /// </remarks>
    private static (GenNegConfig Config, IterationState State) PrepareFolder(
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
            if (request.Overrides is { Count: > 0 })
            {
                saved = UnfinishedIteration.Adjusted(run, folder, saved, wanted);
                AtomicFile.WriteAllText(configPath, ConfigLoader.ToYaml(saved));
            }
            return (saved, state);
        }

        var fresh = new IterationState(run.Stage(request.FromStage).Name, wanted.Seed + 7919L * number, 0);
        run.EnsureFolder(folder);
        AtomicFile.WriteAllText(configPath, ConfigLoader.ToYaml(wanted));
        SaveState(run, folder, fresh);
        return (wanted, fresh);
    }
}
