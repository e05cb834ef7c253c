using GenNeg.Runs;
using GenNeg.Training;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Workflows;

/// <summary>
/// What every workflow's training phase does: run the training loop on a model, with a moving average of its weights
/// when the options ask for one, then save the weights to sample with (the average if kept, else the model).
/// </summary>
internal static class AveragedTraining
{
    /// <param name="newCopy">a fresh module of the model's shape, to hold the moving average</param>
    public static void Run<T>(
        ILoggerFactory loggers, T model, Func<T> newCopy, Func<Generator, Tensor> stepLoss, TrainingOptions options,
        string checkpointPath, string weightsPath, Generator generator, IProgress<TrainingProgress> progress, CancellationToken cancellation)
        where T : Module
    {
        using var average = options.EmaDecay > 0 ? newCopy() : null;
        new TrainingLoop(loggers.CreateLogger<TrainingLoop>())
            .Run(model, average, stepLoss, options, checkpointPath, generator, progress, cancellation);
        ModelFiles.Save(average ?? (Module)model, weightsPath);
    }
}
