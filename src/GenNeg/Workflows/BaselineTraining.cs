using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Runs;
using GenNeg.Training;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <param name="Config">the experiment (already resolved with overrides)</param>
/// <param name="RunPath">the run folder to create, or to continue when <paramref name="Resume"/> is set</param>
/// <param name="Resume">continue an interrupted run from its checkpoint</param>
public sealed record BaselineTrainingRequest(GenNegConfig Config, string RunPath, bool Resume);

/// <summary>Algorithm 1, line 1: trains the baseline denoiser on the data set and records the stage "baseline".</summary>
public sealed class BaselineTraining
{
    public const string StageName = "baseline";
    public const string DenoiserFile = "baseline/denoiser.bin";
    public const string CheckpointFile = "baseline/training.ckpt";

    private readonly ILoggerFactory loggers;
    private readonly Registries registries;

    public BaselineTraining(ILoggerFactory loggers, Registries registries)
    {
        this.loggers = loggers;
        this.registries = registries;
    }

    public StageRecord Run(BaselineTrainingRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        var config = request.Config;
        Experiment.CheckBeforeWork(config, registries);
        Runtime.MemoryBudget.EnsureBatchFits(config.Train.BatchSize, config.Model, "train.batch_size");
        var run = request.Resume ? OpenForResume(request) : CreateFresh(request);
        run.EnsureFolder(StageName);

        using var experiment = Experiment.Open(config, registries);
        var data = experiment.Data;
        using var denoiser = experiment.Models.CreateDenoiser(config.Seed);
        using var generator = experiment.NewGenerator(config.Seed);
        var loss = new DenoisingLoss(experiment.Models.Formalism);
        var batchSize = config.Train.BatchSize;

        Tensor StepLoss(Generator g)
        {
            var (x0, condition) = TrainingLoop.Batch(data.Train, data.TrainCondition, batchSize, g);
            return loss.Compute(denoiser, x0, condition, g).mean();
        }

        AveragedTraining.Run(loggers, denoiser, () => experiment.Models.CreateDenoiser(config.Seed), StepLoss,
            TrainingOptions.From(config.Train, "train"), run.PathOf(CheckpointFile), run.PathOf(DenoiserFile), generator,
            (progress ?? IWorkflowProgress.None).Training("train baseline"), cancellation);
        var stage = new StageRecord(StageName, DenoiserFile, []);
        run.SaveManifest(run.LoadManifest().WithData(DataRecord.Of(data, config)));
        run.RecordStage(stage);
        return stage;
    }

    private static RunFolder CreateFresh(BaselineTrainingRequest request)
    {
        if (Directory.Exists(request.RunPath) && Directory.EnumerateFileSystemEntries(request.RunPath).Any(entry => !RunLock.IsLockEntry(entry)))
            throw new GenNegException($"run folder '{request.RunPath}' is not empty; add --resume to continue it, or choose a new --run");
        var run = RunFolder.Create(request.RunPath);
        run.SaveConfig(request.Config);
        return run;
    }

    private RunFolder OpenForResume(BaselineTrainingRequest request)
    {
        var run = RunFolder.Open(request.RunPath);
        run.EnsureSameConfig(request.Config, registries.ConfigSchema);
        return run;
    }
}
