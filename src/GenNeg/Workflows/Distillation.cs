using GenNeg.Configuration;
using GenNeg.Guidance;
using GenNeg.Runs;
using GenNeg.Runtime;
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
    private readonly Registries registries;

    public Distillation(ILoggerFactory loggers, Registries registries)
    {
        this.loggers = loggers;
        this.registries = registries;
    }

    public (StageRecord Stage, StageMetrics Metrics) Run(DistillationRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        progress ??= IWorkflowProgress.None;
        var memory = PeakMemory.StartPhase();
        var run = RunFolder.Open(request.RunPath);
        var manifest = run.LoadManifest();
        var name = StagePrefix + (manifest.Stages.Count(s => s.Name.StartsWith(StagePrefix, StringComparison.Ordinal)) + 1);
        var folder = name + "/";
        var configPath = run.StageConfigPath(name);
        var requested = run.LoadConfig(registries.ConfigSchema, request.Overrides);
        // An interrupted distillation continues under the settings it started with, on the device asked for now.
        var config = File.Exists(configPath) ? ConfigLoader.LoadSaved(configPath, registries.ConfigSchema) with { Device = requested.Device } : requested;
        var teacherStage = run.Stage(ResumedTeacher(run, folder) ?? request.FromStage);
        // Checked before the folder is made: a refused distillation leaves nothing behind.
        if (teacherStage.Classifiers.Count == 0)
            throw new GenNegException($"stage '{teacherStage.Name}' has no classifiers, so distilling it would only copy its network; " +
                "run iterate first, or name a stage with classifiers with --stage");
        MemoryBudget.EnsureBatchFits(config.Distill.BatchSize, config.Model, "distill.batch_size");
        // So are the device, the data and the teacher's files: the stage's folder is made only once they load.
        using var experiment = Experiment.Open(config, registries);
        var data = experiment.Data;
        using var teacher = LoadedStage.Load(run, experiment, teacherStage);
        using var student = experiment.Models.LoadDenoiser(run.VerifiedModelPath(teacherStage.Denoiser), config.Seed);
        run.EnsureFolder(folder);
        AtomicFile.WriteAllText(configPath, ConfigLoader.ToYaml(config));
        AtomicFile.WriteAllText(run.PathOf(folder + "teacher.txt"), teacherStage.Name);
        using var generator = experiment.NewGenerator(config.Seed + 104_729);
        var loss = new DistillationLoss(experiment.Models.Formalism);
        var batchSize = config.Distill.BatchSize;

        Tensor StepLoss(Generator g)
        {
            var (x0, condition) = TrainingLoop.Batch(data.Train, data.TrainCondition, batchSize, g);
            return Formalisms.DenoisingLoss.Mean(loss.Compute(teacher.Denoiser, student, x0, condition, g), data.PaddingMask(condition));
        }

        var weights = folder + "denoiser.bin";
        try
        {
            AveragedTraining.Run(loggers, student, () => experiment.Models.CreateDenoiser(config.Seed), StepLoss,
                TrainingOptions.From(config.Distill, "distill"), run.PathOf(folder + "training.ckpt"), run.PathOf(weights), generator,
                progress.Training($"distill {teacherStage.Name}"), cancellation);
        }
        catch (TrainingDivergedException e)
        {
            // A resumed distillation keeps the settings it started with, so it would diverge again: it starts afresh instead.
            var cleared = TryDelete(run.PathOf(name));
            throw new GenNegException($"{e.Summary}; lower distill.learning_rate (now {config.Distill.LearningRate:G4}) and run distill again" +
                (cleared ? $" (this attempt's folder '{name}' was removed)" : $" after deleting '{run.PathOf(name)}'"), e);
        }

        SaveTorchScript(experiment, run.PathOf(weights), run.PathOf(folder + TorchScriptFile), config.Seed);
        var stage = new StageRecord(name, weights, []).WithPeakMemory(StageRecord.Phases.Distill, memory.PeakBytes);
        var metrics = new Evaluation(loggers.CreateLogger<Evaluation>(), registries)
            .Evaluate(run, experiment, stage, config.Evaluate.Samples, progress, cancellation, exactLikelihood: false);
        run.RecordStage(stage);
        return (stage, metrics);
    }

    /// <summary>The distilled network of a TorchScript baseline, as torch.jit.save writes it, beside the stage's weights.</summary>
    public const string TorchScriptFile = "denoiser.pt";

    /// <summary>A TorchScript network with the distilled weights goes back to PyTorch as a file torch.jit.load runs with no GenNeg code.</summary>
    private static void SaveTorchScript(Experiment experiment, string weights, string path, long seed)
    {
        using var distilled = experiment.Models.LoadDenoiser(weights, seed);
        if (!distilled.Network.IsTorchScript) return;
        AtomicFile.WriteByName(path, distilled.Network.SaveTorchScript);
    }

    private static bool TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The teacher an interrupted distillation into this folder was using, so a resume keeps it.</summary>
    private static string? ResumedTeacher(RunFolder run, string folder)
    {
        var path = run.PathOf(folder + "teacher.txt");
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}
