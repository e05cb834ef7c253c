using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Oracles;
using GenNeg.Runs;
using GenNeg.Training;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <param name="RunPath">the run folder</param>
/// <param name="FromStage">teacher stage; null for the newest</param>
/// <param name="Overrides">config overrides (e.g. distill.iterations=...); saved in the stage's config.yaml</param>
public sealed record DistillationRequest(string RunPath, string? FromStage = null, IReadOnlyList<string>? Overrides = null);

/// <summary>
/// Distils a stage's guided stack (the teacher) into one network with the baseline's architecture, initialised from the
/// teacher's base weights (Eq. 12), records the stage "distilled-k" and evaluates it. It samples at the baseline's
/// per-step cost; later iterations stack new classifiers on it.
/// </summary>
public sealed class Distillation
{
    public const string StagePrefix = "distilled-";

    private readonly ILoggerFactory loggers;
    private readonly OracleRegistry oracles;

    public Distillation(ILoggerFactory loggers, OracleRegistry oracles)
    {
        this.loggers = loggers;
        this.oracles = oracles;
    }

    public (StageRecord Stage, StageMetrics Metrics) Run(DistillationRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        progress ??= IWorkflowProgress.None;
        var run = RunFolder.Open(request.RunPath);
        var manifest = run.LoadManifest();
        var name = StagePrefix + (manifest.Stages.Count(s => s.Name.StartsWith(StagePrefix, StringComparison.Ordinal)) + 1);
        var folder = name + "/";
        var configPath = run.PathOf(folder + "config.yaml");
        var config = File.Exists(configPath) ? ConfigLoader.LoadFile(configPath) : run.LoadConfig(request.Overrides);
        var teacherStage = run.Stage(ResumedTeacher(run, folder) ?? request.FromStage);
        // Checked before the folder is made: a refused distillation leaves nothing behind.
        if (teacherStage.Classifiers.Count == 0)
            throw new GenNegException($"stage '{teacherStage.Name}' has no classifiers, so distilling it would only copy its network; " +
                "run iterate first, or name a stage with classifiers with --stage");
        run.EnsureFolder(folder);
        AtomicFile.WriteAllText(configPath, ConfigLoader.ToYaml(config));
        AtomicFile.WriteAllText(run.PathOf(folder + "teacher.txt"), teacherStage.Name);

        using var data = Datasets.Load(config.Data);
        using var teacher = LoadedStage.Load(run, config, teacherStage, data.Dimension);
        using var student = ModelFiles.Load(ModelFactory.CreateDenoiser(config.Model, data.Dimension, config.Seed), run.VerifiedModelPath(teacherStage.Denoiser));
        using var generator = new Generator((ulong)(config.Seed + 104_729));
        var loss = new DistillationLoss(ModelFactory.Formalism(config.Model));
        var train = data.Train;
        var batchSize = config.Distill.BatchSize;

        Tensor StepLoss(Generator g) => loss.Compute(teacher.Denoiser, student, TrainingLoop.Batch(train, batchSize, g), g).mean();

        var weights = folder + "denoiser.bin";
        AveragedTraining.Run(loggers, student, () => ModelFactory.CreateDenoiser(config.Model, data.Dimension, config.Seed), StepLoss,
            TrainingOptions.From(config.Distill, "distill"), run.PathOf(folder + "training.ckpt"), run.PathOf(weights), generator,
            progress.Training($"distill {teacherStage.Name}"), cancellation);

        var stage = new StageRecord(name, weights, []);
        var metrics = new Evaluation(loggers.CreateLogger<Evaluation>(), oracles)
            .Evaluate(run, config, stage, config.Evaluate.Samples, progress, cancellation);
        run.RecordStage(stage);
        return (stage, metrics);
    }

    /// <summary>The teacher an interrupted distillation into this folder was using, so a resume keeps it.</summary>
    private static string? ResumedTeacher(RunFolder run, string folder)
    {
        var path = run.PathOf(folder + "teacher.txt");
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}
