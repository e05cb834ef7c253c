using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Runs;
using GenNeg.Runtime;
using GenNeg.Training;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <param name="Config">the experiment (already resolved with overrides)</param>
/// <param name="RunPath">the run folder to create, or to continue when <paramref name="Resume"/> is set</param>
/// <param name="Resume">continue an interrupted run from its checkpoint</param>
/// <param name="AsIs">record a TorchScript file's network (model.backbone torchscript) as the baseline without training it</param>
public sealed record BaselineTrainingRequest(GenNegConfig Config, string RunPath, bool Resume, bool AsIs = false);

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
        var memory = PeakMemory.StartPhase();
        Experiment.CheckBeforeWork(config, registries);
        Runtime.MemoryBudget.EnsureBatchFits(config.Train.BatchSize, config.Model, "train.batch_size");
        var resumed = request.Resume ? OpenForResume(request) : null;
        if (!request.Resume) EnsureEmpty(request.RunPath);

        // The device, the data and the model are set up before anything is written: a refused run leaves no folder.
        using var experiment = Experiment.Open(config, registries);
        var data = experiment.Data;
        using var denoiser = experiment.Models.CreateDenoiser(config.Seed);
        if (request.AsIs && !denoiser.Network.IsTorchScript)
            throw new GenNegException($"--as-is takes a network trained elsewhere as the baseline: it needs model.backbone: torchscript (model.backbone is {config.Model.Backbone})");
        var run = resumed ?? CreateFresh(request);
        run.EnsureFolder(StageName);
        if (request.AsIs)
        {
            // A model trained in PyTorch is the baseline itself: its weights are recorded as the file gives them.
            ModelFiles.Save(denoiser, run.PathOf(DenoiserFile));
            return Record(run, data, config, memory);
        }
        using var generator = experiment.NewGenerator(config.Seed);
        var loss = new DenoisingLoss(experiment.Models.Formalism);
        var batchSize = config.Train.BatchSize;

        Tensor StepLoss(Generator g)
        {
            var (x0, condition) = TrainingLoop.Batch(data.Train, data.TrainCondition, batchSize, g);
            return DenoisingLoss.Mean(loss.Compute(denoiser, x0, condition, g), data.PaddingMask(condition));
        }

        try
        {
            AveragedTraining.Run(loggers, denoiser, () => experiment.Models.CreateDenoiser(config.Seed), StepLoss,
                TrainingOptions.From(config.Train, "train"), run.PathOf(CheckpointFile), run.PathOf(DenoiserFile), generator,
                (progress ?? IWorkflowProgress.None).Training("train baseline"), cancellation);
        }
        catch (TrainingDivergedException e)
        {
            throw Diverged(run, request, e);
        }
        return Record(run, data, config, memory);
    }

    private static StageRecord Record(RunFolder run, Data.DataSplit data, GenNegConfig config, PeakMemory memory)
    {
        var stage = new StageRecord(StageName, DenoiserFile, []).WithPeakMemory(StageRecord.Phases.Train, memory.PeakBytes);
        run.SaveManifest(run.LoadManifest().WithData(DataRecord.Of(data, config)));
        run.RecordStage(stage);
        return stage;
    }

    /// <summary>
    /// Advice that works after a divergence: a new run's files are removed, so the same command with a lower rate
    /// starts afresh; a resumed run cannot change its settings, so it is pointed to a new run folder.
    /// </summary>
    private static GenNegException Diverged(RunFolder run, BaselineTrainingRequest request, TrainingDivergedException e)
    {
        var rate = $"lower train.learning_rate (now {request.Config.Train.LearningRate:G4})";
        if (request.Resume || run.LoadManifest().Stages.Count > 0)
            return new GenNegException($"{e.Summary}; --resume keeps the run's settings, so {rate} in a new run: " +
                $"genneg train-baseline --config CONFIG --run NEW_FOLDER --set train.learning_rate=LOWER (the last good checkpoint stays in '{run.PathOf(CheckpointFile)}')", e);
        try
        {
            Directory.Delete(run.PathOf(StageName), recursive: true);
            File.Delete(run.ConfigPath);
        }
        catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
        {
            return new GenNegException($"{e.Summary}; {rate}, delete the run folder '{request.RunPath}' and train again " +
                $"(it could not be cleared: {cleanup.Message})", e);
        }
        return new GenNegException($"{e.Summary}; {rate} and run train-baseline again with the same --run (this attempt's files were removed)", e);
    }

    /// <summary>Refuses a folder that already holds files (a folder holding only the lock and a log of failed starts counts as empty).</summary>
    private static void EnsureEmpty(string runPath)
    {
        if (Directory.Exists(runPath) && Directory.EnumerateFileSystemEntries(runPath).Any(entry => !RunFolder.IsStartLeftover(entry)))
            throw new GenNegException($"run folder '{runPath}' is not empty; add --resume to continue it, or choose a new --run");
    }

    private static RunFolder CreateFresh(BaselineTrainingRequest request)
    {
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
