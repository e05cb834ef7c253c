using System.Diagnostics;
using GenNeg.Data;
using GenNeg.Runtime;
using Microsoft.Extensions.Logging;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Training;

/// <param name="Iterations">optimizer steps in total</param>
/// <param name="LearningRate">Adam's learning rate</param>
/// <param name="LearningRateDecay">fraction of the steps, at the end, over which the rate falls linearly to zero</param>
/// <param name="EmaDecay">decay of the weights' moving average (0: no average)</param>
/// <param name="CheckpointEvery">steps between resumable checkpoints</param>
/// <param name="ConfigSection">the config section these come from (train, genneg.classifier, distill), for messages</param>
public sealed record TrainingOptions(int Iterations, double LearningRate, double LearningRateDecay, double EmaDecay, int CheckpointEvery, string ConfigSection = "train")
{
    public static TrainingOptions From(Configuration.TrainConfig c, string section = "train") =>
        new(c.Iterations, c.LearningRate, c.LearningRateDecay, c.EmaDecay, c.CheckpointEvery, section);
}

/// <summary>Where a training job is: steps done of the total, the latest loss read, and the step rate.</summary>
public readonly record struct TrainingProgress(int Step, int TotalSteps, double Loss, double StepsPerSecond)
{
    /// <summary>Adam's learning rate in the step just taken.</summary>
    public double LearningRate { get; init; }

    /// <summary>Whether <see cref="Loss"/> was read afresh at this step (it is read every few steps, and at the last).</summary>
    public bool LossIsNew => Step % TrainingLoop.LossReadInterval == 0 || Step == TotalSteps;
}

/// <summary>Training stopped because its loss or weights stopped being finite; a workflow may give more precise advice.</summary>
/// <param name="summary">where and how it diverged, without advice</param>
public sealed class TrainingDivergedException(string summary, string message) : GenNegException(message)
{
    public string Summary { get; } = summary;
}

/// <summary>
/// The optimisation loop every model in GenNeg trains with (baseline, classifiers, distilled students):
/// Adam on a per-step loss over the gathered weights (see <see cref="FlatParameters"/>), optional EMA, resumable
/// checkpoints, cancellation that saves before it stops. A loss or weights that stop being finite (divergence) end
/// training with a <see cref="GenNegException"/> naming the step and the setting to change; no checkpoint is written
/// after that, so the last one saved holds finite weights.
/// </summary>
public sealed class TrainingLoop
{
    /// <summary>The loss is read back from native memory only this often: each read forces a synchronisation.</summary>
    public const int LossReadInterval = 25;

    /// <summary>Steps between returns of freed native memory to the system (see <see cref="NativeHeap"/>).</summary>
    private const int HeapTrimInterval = 200;

    private readonly ILogger<TrainingLoop> logger;

    public TrainingLoop(ILogger<TrainingLoop> logger) => this.logger = logger;

    /// <param name="model">the module being trained</param>
    /// <param name="ema">a module of the same shape that receives the moving average, or null</param>
    /// <param name="stepLoss">the scalar loss of one step; it draws its own batch and noise from the generator</param>
    /// <param name="checkpointPath">where the resumable state lives; an existing file there is resumed from</param>
    /// <returns>the mean loss over the last read interval</returns>
    public double Run(
        Module model, Module? ema, Func<Generator, Tensor> stepLoss, TrainingOptions options, string checkpointPath,
        Generator generator, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        using var weights = FlatParameters.Gather(model, withGradients: true);
        using var averages = ema is null ? null : FlatParameters.Gather(ema, withGradients: false);
        using var optimizer = optim.Adam([weights.Values], options.LearningRate);
        var step = 0;
        int? savedStep = null;
        if (File.Exists(checkpointPath))
        {
            step = TrainingCheckpoint.Load(checkpointPath, model, ema, optimizer, generator);
            savedStep = step;
            logger.LogInformation("Resuming from step {Step} of {Total} ({Checkpoint})", step, options.Iterations, checkpointPath);
        }
        else
        {
            using var noGrad = no_grad();
            averages?.Values.copy_(weights.Values);
        }

        model.train();
        var clock = Stopwatch.StartNew();
        var startStep = step;
        var lossSum = zeros(1, device: weights.Values.device);
        // Each step's loss, so a divergence found at a read can be traced to the step where it began.
        var intervalLosses = zeros(LossReadInterval, device: weights.Values.device);
        var lastLoss = double.NaN;

        void SaveCheckpoint()
        {
            using (var scope = NewDisposeScope())
                if (!weights.Values.isfinite().all().item<bool>()) throw FirstNonFinite(intervalLosses, options, step, checkpointPath, savedStep);
            TrainingCheckpoint.Save(checkpointPath, step, model, ema, optimizer, generator);
            savedStep = step;
        }
        try
        {
            while (step < options.Iterations)
            {
                if (cancellation.IsCancellationRequested)
                {
                    SaveCheckpoint();
                    logger.LogWarning("Interrupted at step {Step}; state saved to {Checkpoint}", step, checkpointPath);
                    cancellation.ThrowIfCancellationRequested();
                }

                using (var scope = NewDisposeScope())
                {
                    SetLearningRate(optimizer, options, step);
                    weights.ZeroGradients();
                    var loss = stepLoss(generator);
                    loss.backward();
                    optimizer.step();
                    if (averages is not null) UpdateAverage(averages.Values, weights.Values, options.EmaDecay);
                    lossSum.add_(loss.detach());
                    intervalLosses[step % LossReadInterval].copy_(loss.detach());
                }
                step++;

                if (step % LossReadInterval == 0 || step == options.Iterations)
                {
                    using var readScope = NewDisposeScope();
                    var interval = step % LossReadInterval == 0 ? LossReadInterval : step % LossReadInterval;
                    lastLoss = lossSum.item<float>() / interval;
                    lossSum.zero_();
                    if (!double.IsFinite(lastLoss)) throw FirstNonFinite(intervalLosses, options, step, checkpointPath, savedStep);
                    intervalLosses.zero_();
                }
                if (step % options.CheckpointEvery == 0 && step < options.Iterations)
                    SaveCheckpoint();
                if (step % HeapTrimInterval == 0) NativeHeap.Trim();
                progress?.Report(new TrainingProgress(step, options.Iterations, lastLoss, (step - startStep) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9))
                {
                    LearningRate = LearningRateAt(options, step - 1),
                });
            }
            SaveCheckpoint();
        }
        finally
        {
            lossSum.Dispose();
            intervalLosses.Dispose();
            model.eval();
        }
        if (step == startStep)
            logger.LogInformation("Nothing to train: the checkpoint already holds all {Steps} steps", options.Iterations);
        else
            logger.LogInformation("Trained {Steps} steps in {Seconds:F1} s, final loss {Loss:G4}", step - startStep, clock.Elapsed.TotalSeconds, lastLoss);
        return lastLoss;
    }

    /// <summary>The divergence error for the first non-finite loss among the steps since the last read (else for the weights).</summary>
    private static GenNegException FirstNonFinite(Tensor intervalLosses, TrainingOptions options, int step, string checkpointPath, int? savedStep)
    {
        var losses = intervalLosses.data<float>().ToArray();
        var first = Array.FindIndex(losses, value => !float.IsFinite(value));
        // Slot j of the buffer holds the step whose 0-based index is j modulo the interval.
        var intervalStart = (step - 1) / LossReadInterval * LossReadInterval;
        return first < 0
            ? Diverged(options, step, "the weights", double.NaN, checkpointPath, savedStep)
            : Diverged(options, intervalStart + first + 1, "the loss", losses[first], checkpointPath, savedStep);
    }

    private static GenNegException Diverged(TrainingOptions options, int step, string what, double value, string checkpointPath, int? savedStep)
    {
        var kept = savedStep is { } saved
            ? $"the last good checkpoint (step {saved:N0}) is kept in '{checkpointPath}'"
            : "no checkpoint had been saved yet";
        var shown = double.IsNaN(value) ? "NaN" : value.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
        var summary = $"training diverged at step {step:N0} of {options.Iterations:N0}: {what} became {(what == "the loss" ? shown : "non-finite")}";
        return new TrainingDivergedException(summary,
            $"{summary}; lower {options.ConfigSection}.learning_rate (now {options.LearningRate:G4}) and train again; {kept}; no stage was recorded");
    }

    /// <summary>
    /// A training batch: the whole set when the batch covers it (full-batch training, the paper's setting),
    /// else a uniform draw with replacement; the condition's rows go with their samples.
    /// </summary>
    public static (Tensor Samples, Condition Condition) Batch(Tensor data, Condition condition, int batchSize, Generator generator)
    {
        if (batchSize == data.shape[0]) return (data.alias(), condition);
        var index = randint(0, data.shape[0], [batchSize], generator: generator, device: data.device);
        return (data.Rows(index), condition.Select(index));
    }

    private static void SetLearningRate(OptimizerHelper optimizer, TrainingOptions options, int step)
    {
        if (options.LearningRateDecay <= 0) return;
        var rate = LearningRateAt(options, step);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
    }

    /// <summary>The rate of the step that starts at <paramref name="step"/> steps done.</summary>
    public static double LearningRateAt(TrainingOptions options, int step)
    {
        if (options.LearningRateDecay <= 0) return options.LearningRate;
        var decaySteps = options.LearningRateDecay * options.Iterations;
        var factor = Math.Min(1.0, (options.Iterations - step) / decaySteps);
        return options.LearningRate * factor;
    }

    private static void UpdateAverage(Tensor average, Tensor current, double decay)
    {
        using var noGrad = no_grad();
        average.mul_(decay).add_(current, alpha: 1 - decay);
    }
}
