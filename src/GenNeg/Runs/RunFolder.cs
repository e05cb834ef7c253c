using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Configuration;

namespace GenNeg.Runs;

/// <summary>
/// A run's folder: resolved config, manifest of stages, metrics per stage, log, and each stage's files.
/// All writes are atomic (<see cref="AtomicFile"/>).
/// </summary>
public sealed class RunFolder
{
    private RunFolder(string root) => Root = root;

    public string Root { get; }
    public string ConfigPath => Path.Combine(Root, "config.yaml");
    public string ManifestPath => Path.Combine(Root, "manifest.json");
    public string MetricsPath => Path.Combine(Root, "metrics.json");
    public string LogPath => Path.Combine(Root, "log.txt");

    /// <summary>Opens a run folder for a new run, creating it and its parents.</summary>
    public static RunFolder Create(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GenNegException($"cannot create run folder '{path}': {e.Message}");
        }
        return new RunFolder(full);
    }

    /// <summary>Opens an existing run folder; it must hold a config.</summary>
    public static RunFolder Open(string path)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new GenNegException($"run folder '{path}' does not exist");
        var run = new RunFolder(full);
        if (!File.Exists(run.ConfigPath)) throw new GenNegException($"run folder '{path}' has no config.yaml; is it a GenNeg run?");
        return run;
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string EnsureFolder(string relative)
    {
        var folder = PathOf(relative);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public GenNegConfig LoadConfig(IEnumerable<string>? overrides = null) => ConfigLoader.LoadFile(ConfigPath, overrides);

    /// <summary>The config a stage was made with: its own folder's config.yaml (iterations and distillations save one), else the run's.</summary>
    public GenNegConfig ConfigOf(StageRecord stage)
    {
        var own = PathOf(Path.Combine(stage.Name, "config.yaml"));
        return File.Exists(own) ? ConfigLoader.LoadFile(own) : LoadConfig();
    }

    public void SaveConfig(GenNegConfig config) => AtomicFile.WriteAllText(ConfigPath, ConfigLoader.ToYaml(config));

    /// <summary>Refuses to continue the run under a config other than the one it started with.</summary>
    public void EnsureSameConfig(GenNegConfig config)
    {
        var saved = ConfigLoader.ExperimentYaml(LoadConfig());
        var wanted = ConfigLoader.ExperimentYaml(config);
        if (saved == wanted) return;
        var difference = saved.Split('\n').Zip(wanted.Split('\n')).First(pair => pair.First != pair.Second);
        throw new GenNegException(
            $"cannot resume: the config differs from the run's config.yaml ('{difference.First.Trim()}' there, '{difference.Second.Trim()}' now)");
    }

    public RunManifest LoadManifest()
    {
        if (!File.Exists(ManifestPath)) return new RunManifest();
        try
        {
            var manifest = JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(ManifestPath), RunManifest.Json) ?? new RunManifest();
            if (manifest.Format is < 1 or > RunManifest.CurrentFormat)
                throw new GenNegException(
                    $"'{ManifestPath}' has manifest format {manifest.Format}; this GenNeg reads formats 1 to {RunManifest.CurrentFormat} (the format changed: use the GenNeg version that wrote the run)");
            return manifest;
        }
        catch (JsonException e)
        {
            throw new GenNegException($"'{ManifestPath}' is not a valid manifest: {e.Message}");
        }
    }

    public void SaveManifest(RunManifest manifest) =>
        AtomicFile.WriteAllText(ManifestPath, JsonSerializer.Serialize(manifest, RunManifest.Json));

    /// <summary>The stage called <paramref name="name"/>, or the newest stage when it is null.</summary>
    public StageRecord Stage(string? name)
    {
        var manifest = LoadManifest();
        if (name is null) return manifest.Stages.Count > 0
            ? manifest.Latest
            : throw new GenNegException($"run folder '{Root}' has no trained model yet; run train-baseline first");
        return manifest.Find(name) ?? throw new GenNegException(
            $"run folder '{Root}' has no stage '{name}'; stages: {string.Join(", ", manifest.Stages.Select(s => s.Name))}");
    }

    /// <summary>metrics.json: one object per evaluated stage (empty when nothing was evaluated yet).</summary>
    public JsonObject LoadMetrics() =>
        File.Exists(MetricsPath) ? JsonNode.Parse(File.ReadAllText(MetricsPath)) as JsonObject ?? [] : [];

    /// <summary>Sets one stage's metrics in metrics.json, keeping the other stages'.</summary>
    public void RecordMetrics(string stage, object metrics)
    {
        var all = LoadMetrics();
        all[stage] = JsonSerializer.SerializeToNode(metrics, metrics.GetType(), RunManifest.Json);
        AtomicFile.WriteAllText(MetricsPath, all.ToJsonString(RunManifest.Json));
    }
}
