using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Configuration;
using GenNeg.Runtime;

namespace GenNeg.Runs;

/// <summary>
/// A run's folder: resolved config, manifest of stages, metrics per stage, log, and each stage's files.
/// All writes are atomic (<see cref="AtomicFile"/>).
/// </summary>
public sealed partial class RunFolder
{
    /// <summary>
    /// The config as YAML without the settings that do not change the experiment (the device), for deciding whether a
    /// run is being continued under the config it started with.
    /// </summary>
    public static string ExperimentYaml(GenNegConfig config) => ConfigLoader.ToYaml(config with { Device = DeviceSelection.Auto });

    private RunFolder(string root) => Root = root;

    public string Root { get; }
    public const string ConfigFile = "config.yaml";

    public string ConfigPath => Path.Combine(Root, ConfigFile);
    public string ManifestPath => Path.Combine(Root, "manifest.json");
    public string MetricsPath => Path.Combine(Root, "metrics.json");
    public string LogPath => Path.Combine(Root, LogFile);

    /// <summary>Opens a run folder for a new run, creating it and its parents.</summary>
    public static RunFolder Create(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new GenNegException("--run must name a folder, got an empty path");
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
        if (string.IsNullOrWhiteSpace(path)) throw new GenNegException("--run must name a folder, got an empty path");
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new GenNegException($"run folder '{path}' does not exist");
        var run = new RunFolder(full);
        if (!File.Exists(run.ConfigPath)) throw new GenNegException($"run folder '{path}' has no config.yaml; is it a GenNeg run?");
        return run;
    }

    public const string LogFile = "log.txt";

    /// <summary>What a start that failed before its run began may leave: the lock's files and the log of the attempt.</summary>
    public static bool IsStartLeftover(string path) => RunLock.IsLockEntry(path) || Path.GetFileName(path) == LogFile;

    /// <summary>
    /// The folders GenNeg writes in a run at <paramref name="root"/>: the root, each stage's folder (those the manifest
    /// names and those GenNeg's own stage names give, finished or not), the report's, and the shard and part folders
    /// within stages. Symbolic links are not followed: what they point to is not the run's.
    /// </summary>
    public static IEnumerable<string> OwnFolders(string root)
    {
        yield return root;
        var named = new HashSet<string>(StringComparer.Ordinal) { "report" };
        try
        {
            foreach (var stage in new RunFolder(root).LoadManifest().Stages) named.Add(stage.Name);
        }
        catch (GenNegException)
        {
            // A damaged manifest names no stages; the commands that read it report it.
        }
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(folder);
            if (!named.Contains(name) && !StageFolderName().IsMatch(name)) continue;
            if (new DirectoryInfo(folder).LinkTarget is not null) continue;
            yield return folder;
            foreach (var inner in new[] { "shards", "evaluation-parts" })
            {
                var path = Path.Combine(folder, inner);
                if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null) yield return path;
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(baseline|genneg-[0-9]+|distilled-[0-9]+|rescaled-.+)$")]
    private static partial System.Text.RegularExpressions.Regex StageFolderName();

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GenNegException($"cannot read '{path}': {e.Message}");
        }
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string EnsureFolder(string relative)
    {
        var folder = PathOf(relative);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>The run's config.yaml, read with the records the registered parts declare (<paramref name="schema"/>).</summary>
    public GenNegConfig LoadConfig(ConfigSchema schema, IEnumerable<string>? overrides = null) => ConfigLoader.LoadSaved(ConfigPath, schema, overrides);

    /// <summary>The config a stage was made with: its own folder's config.yaml (iterations and distillations save one), else the run's.</summary>
    public GenNegConfig ConfigOf(StageRecord stage, ConfigSchema schema)
    {
        var own = StageConfigPath(stage.Name);
        return File.Exists(own) ? ConfigLoader.LoadSaved(own, schema) : LoadConfig(schema);
    }

    /// <summary>Where a stage saves the fully resolved config it was made with.</summary>
    public string StageConfigPath(string stage) => PathOf(Path.Combine(stage, "config.yaml"));

    public void SaveConfig(GenNegConfig config) => AtomicFile.WriteAllText(ConfigPath, ConfigLoader.ToYaml(config));

    /// <summary>Refuses to continue the run under a config other than the one it started with.</summary>
    public void EnsureSameConfig(GenNegConfig config, ConfigSchema schema)
    {
        var saved = ExperimentYaml(LoadConfig(schema));
        var wanted = ExperimentYaml(config);
        if (saved == wanted) return;
        var difference = saved.Split('\n').Zip(wanted.Split('\n')).First(pair => pair.First != pair.Second);
        throw new GenNegException(
            $"cannot resume: the config differs from the run's config.yaml ('{difference.First.Trim()}' there, '{difference.Second.Trim()}' now)");
    }

    /// <summary>manifest.json (empty when no stage was recorded yet); a corrupt or unreadable one fails naming the file.</summary>
    public RunManifest LoadManifest()
    {
        if (!File.Exists(ManifestPath)) return new RunManifest();
        RunManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<RunManifest>(ReadText(ManifestPath), RunManifest.Json);
        }
        catch (JsonException e)
        {
            throw new GenNegException($"'{ManifestPath}' is not a valid manifest: {e.Message}");
        }
        return ManifestCheck.Validated(manifest, ManifestPath).WithSequenceNumbers();
    }

    public void SaveManifest(RunManifest manifest) =>
        AtomicFile.WriteAllText(ManifestPath, JsonSerializer.Serialize(manifest, RunManifest.Json));

    /// <summary>
    /// Records a finished stage in the manifest, with the checksums of the model files in its own folder (files of
    /// earlier stages it builds on keep the checksums recorded when they were made).
    /// </summary>
    public void RecordStage(StageRecord stage)
    {
        var own = new[] { stage.Denoiser }.Concat(stage.Classifiers.Select(c => c.Weights))
            .Where(file => file.StartsWith(stage.Name + "/", StringComparison.Ordinal))
            .Select(file => KeyValuePair.Create(file, ModelChecksum.Of(PathOf(file))));
        SaveManifest(LoadManifest().WithStage(stage).WithChecksums(own));
    }

    /// <summary>The full path of a model file, after checking it against the checksum the manifest recorded for it.</summary>
    public string VerifiedModelPath(string relative)
    {
        var path = PathOf(relative);
        if (File.Exists(path) && LoadManifest().Checksums.TryGetValue(relative, out var expected))
            ModelChecksum.Verify(path, expected);
        return path;
    }

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
    public JsonObject LoadMetrics()
    {
        if (!File.Exists(MetricsPath)) return [];
        try
        {
            return JsonNode.Parse(ReadText(MetricsPath)) as JsonObject
                ?? throw new GenNegException($"'{MetricsPath}' is not a valid metrics file: its top level must be an object of stages");
        }
        catch (JsonException e)
        {
            throw new GenNegException($"'{MetricsPath}' is not a valid metrics file: {e.Message}; delete it and run evaluate again");
        }
    }

    /// <summary>Sets one stage's metrics in metrics.json, keeping the other stages'. Non-finite figures are refused.</summary>
    public void RecordMetrics(string stage, object metrics)
    {
        FiniteFigures.Check(metrics, $"stage '{stage}'");
        var all = LoadMetrics();
        all[stage] = JsonSerializer.SerializeToNode(metrics, metrics.GetType(), RunManifest.Json);
        AtomicFile.WriteAllText(MetricsPath, all.ToJsonString(RunManifest.Json));
    }
}
