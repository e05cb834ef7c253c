using System.Globalization;
using GenNeg.Configuration;
using GenNeg.Runs;
using Microsoft.Extensions.Logging;

namespace GenNeg.Workflows;

/// <param name="RunPath">the run folder</param>
/// <param name="FromStage">stage whose classifier stack is rescaled; null for the newest</param>
/// <param name="GuidanceScale">the new stage's multiplier of the stack's gradient (1 is the method)</param>
/// <param name="Name">the new stage's name; null for "rescaled-{stage}-x{scale}"</param>
/// <param name="Samples">samples for its evaluation; null for evaluate.samples</param>
/// <param name="Device">device to evaluate on; null for the stage's config's</param>
public sealed record RescalingRequest(string RunPath, string? FromStage, double GuidanceScale, string? Name = null, long? Samples = null, string? Device = null);

/// <summary>
/// Records a stage that samples with another stage's networks at another guidance scale, and evaluates it. Nothing is
/// trained: a larger scale cuts infractions harder and moves samples further from the data, a smaller one the reverse,
/// so a run's stages can be compared at matched likelihood. Later iterations built on it stack their classifier at the
/// config's genneg.guidance_scale, as always.
/// </summary>
public sealed class Rescaling
{
    public const string StagePrefix = "rescaled-";

    /// <summary>The default name of <paramref name="stage"/> rescaled to <paramref name="scale"/>: rescaled-genneg-4-x2, rescaled-genneg-4-x0.5.</summary>
    public static string DefaultName(string stage, double scale) => $"{StagePrefix}{stage}-x{scale.ToString("G", CultureInfo.InvariantCulture)}";

    /// <summary>The largest guidance scale accepted: a thousand times the method's gradient.</summary>
    public const double MaxGuidanceScale = 1_000;

    /// <summary>iterate and distill number their stages by counting the names with their prefix, so no other stage may take one.</summary>
    private static readonly string[] ReservedPrefixes = [GenNegIteration.StagePrefix, Distillation.StagePrefix];

    private readonly ILoggerFactory loggers;
    private readonly Registries registries;

    public Rescaling(ILoggerFactory loggers, Registries registries)
    {
        this.loggers = loggers;
        this.registries = registries;
    }

    public (StageRecord Stage, StageMetrics Metrics) Run(RescalingRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        var run = RunFolder.Open(request.RunPath);
        var source = run.Stage(request.FromStage);
        // Checked before anything is written (the sample count by the evaluation): a refused rescaling leaves the run as it was.
        if (source.Classifiers.Count == 0)
            throw new GenNegException($"stage '{source.Name}' has no classifiers, so its guidance scale changes nothing; name a stage with classifiers with --stage");
        if (!double.IsFinite(request.GuidanceScale) || request.GuidanceScale < 0)
            throw new GenNegException($"--guidance-scale must be a number of at least 0, got {request.GuidanceScale}");
        // Far beyond this the scaled gradient overflows and the samples stop being finite, which would look like divergence.
        if (request.GuidanceScale > MaxGuidanceScale)
            throw new GenNegException($"--guidance-scale must be at most {MaxGuidanceScale:N0} (1 is the method), got {request.GuidanceScale:G}");
        var name = request.Name ?? DefaultName(source.Name, request.GuidanceScale);
        if (!ManifestCheck.IsFolderName(name))
            throw new GenNegException($"--name must be usable as a folder name, got '{name}'");
        if (ReservedPrefixes.FirstOrDefault(prefix => name.StartsWith(prefix, StringComparison.Ordinal)) is { } reserved)
            throw new GenNegException($"--name must not start with '{reserved}', which iterate and distill number their stages with; got '{name}'");
        if (run.LoadManifest().Find(name) is not null)
            throw new GenNegException($"run folder '{run.Root}' already has a stage '{name}'; give another --name");

        var stageConfig = run.ConfigOf(source, registries.ConfigSchema);
        var config = stageConfig with { Genneg = stageConfig.Genneg with { GuidanceScale = request.GuidanceScale } };
        if (request.Device is { } device) config = config with { Device = device };

        using var experiment = Experiment.Open(config, registries);
        var stage = source with { Name = name, GuidanceScale = request.GuidanceScale };
        var folder = run.PathOf(name);
        var folderExisted = Directory.Exists(folder);
        StageMetrics metrics;
        try
        {
            metrics = new Evaluation(loggers.CreateLogger<Evaluation>(), registries)
                .Evaluate(run, experiment, stage, request.Samples ?? config.Evaluate.Samples, progress, cancellation, exactLikelihood: false);
        }
        catch when (!folderExisted && Directory.Exists(folder))
        {
            // The evaluation made the stage's folder before failing; the stage is not recorded, so its folder goes too.
            Directory.Delete(folder, recursive: true);
            throw;
        }
        run.EnsureFolder(name);
        AtomicFile.WriteAllText(run.StageConfigPath(name), ConfigLoader.ToYaml(config));
        run.RecordStage(stage);
        loggers.CreateLogger<Rescaling>().LogInformation("{Stage}: the networks of {From} at guidance scale {Scale}", name, source.Name, request.GuidanceScale);
        return (stage, metrics);
    }
}
