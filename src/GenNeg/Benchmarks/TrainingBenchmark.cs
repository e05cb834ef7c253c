using System.Diagnostics;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Networks;
using GenNeg.Runtime;
using GenNeg.Sampling;
using GenNeg.Training;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace GenNeg.Benchmarks;

/// <summary>
/// The matrix-multiply rate as the roofline and the library's own training loop on the baseline denoiser and on a
/// classifier, in steps per second and (for the MLP) as a fraction of the roofline.
/// </summary>
public sealed class TrainingBenchmark(GenNegConfig config)
{
    /// <remarks>The FLOP figures need the MLP's exact count; other backbones report the step rates only.</remarks>
    internal void AddFigures(Workflows.Experiment experiment, Backbone backbone, Action<string, double, string> add)
    {
        var trainBatch = config.Train.BatchSize;
        var rounds = RooflineAndTrainingStep(experiment, trainBatch);
        add("matmul 2048x2048 float32", Medians.Of(rounds.Select(r => r.MatmulGflops)), "GFLOP/s");
        var trainSeconds = Medians.Of(rounds.Select(r => r.TrainSeconds));
        add($"baseline training, training loop (batch {trainBatch})", 1 / trainSeconds, "it/s");
        if (backbone is ResidualMlp mlp)
        {
            var stepFlops = StepFlops(mlp.Shape, trainBatch);
            add("baseline training, effective", stepFlops / trainSeconds / 1e9, "GFLOP/s");
            add("baseline training, fraction of matmul rate", Medians.Of(rounds.Select(r => stepFlops / r.TrainSeconds / 1e9 / r.MatmulGflops)), "");
        }
        var classifierBatch = config.Genneg.Classifier.BatchSize;
        using var trainee = experiment.Models.CreateClassifier(6, config.Genneg.Head);
        add($"classifier training (batch {classifierBatch})", 1 / ClassifierStepSeconds(experiment, trainee, classifierBatch), "it/s");
    }

    /// <summary>The training loop's rate in steps per second: the median of five rounds.</summary>
    internal double LoopRate(Workflows.Experiment experiment)
    {
        var seconds = Enumerable.Range(0, 5).Select(_ => TrainingStepSeconds(experiment, config.Train.BatchSize)).ToList();
        return 1 / Medians.Of(seconds);
    }

    /// <summary>
    /// Matrix-multiply FLOPs of one training step, 2 per multiply-add: the forward pass, the weight gradients (as many)
    /// and the input gradients, which backward skips for the two layers that read the data and the noise embedding.
    /// </summary>
    public static double StepFlops(MlpShape shape, int batch)
    {
        long firstLayers = shape.InputWidth * shape.Hidden + shape.TimeEmbedding * shape.Hidden;
        long perSample = firstLayers + shape.Hidden * shape.OutputWidth + shape.Hidden * shape.Hidden + shape.Blocks * 3L * shape.Hidden * shape.Hidden;
        return 2.0 * (3 * perSample - firstLayers) * batch;
    }

    /// <summary>
    /// The matmul rate and the training loop's seconds per step, measured in alternating rounds: this machine's speed
    /// drifts over seconds, and pairing them round by round keeps their ratio (the roofline fraction) honest.
    /// </summary>
    private List<(double MatmulGflops, double TrainSeconds)> RooflineAndTrainingStep(Workflows.Experiment experiment, int batch)
    {
        const int Rounds = 5;
        const int n = 2048;
        var rounds = new List<(double, double)>();
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: experiment.Device);
        var b = randn(n, n, device: experiment.Device);
        double Matmul() => BenchmarkTiming.MedianSeconds(() =>
        {
            a.matmul(b).Dispose();
            DeviceSelection.Synchronize(experiment.Device);
        });
        for (var round = 0; round < Rounds; round++)
            rounds.Add((2.0 * n * n * n / Matmul() / 1e9, TrainingStepSeconds(experiment, batch)));
        return rounds;
    }

    /// <summary>Seconds per step of the library's own training loop on the baseline denoiser (with EMA).</summary>
    private double TrainingStepSeconds(Workflows.Experiment experiment, int batch)
    {
        using var model = experiment.Models.CreateDenoiser(1);
        using var ema = experiment.Models.CreateDenoiser(1);
        using var generator = experiment.NewGenerator(0);
        var (data, condition) = TrainingBatch(experiment, batch, generator);
        var loss = new DenoisingLoss(experiment.Models.Formalism);
        try
        {
            return LoopStepSeconds(experiment, model, ema, g => loss.Compute(model, data, condition, g).mean(), config.Train.LearningRate, generator);
        }
        finally
        {
            data.Dispose();
            condition.DisposeTensors();
        }
    }

    /// <summary>A fixed batch of random samples of the data's shape, under conditions picked from the training split.</summary>
    private static (Tensor Samples, Condition Condition) TrainingBatch(Workflows.Experiment experiment, int batch, Generator generator)
    {
        var condition = SamplerBatch.Pick(experiment.Data.TrainCondition, batch, generator).DetachFromDisposeScope();
        return (randn([batch, .. experiment.Data.SampleShape], generator: generator, device: experiment.Device).DetachFromDisposeScope(), condition);
    }

    /// <summary>Seconds per step of the library's own training loop on a classifier with the importance-weighted loss.</summary>
    private double ClassifierStepSeconds(Workflows.Experiment experiment, TimeDependentClassifier classifier, int batch)
    {
        using var generator = experiment.NewGenerator(0);
        var (data, condition) = TrainingBatch(experiment, batch, generator);
        using var sampleLabels = (rand(batch, generator: generator, device: experiment.Device) > 0.5).to(ScalarType.Float32);
        using var labels = config.Genneg.Head == ClassifierHead.BySample
            ? sampleLabels.alias()
            : PerSample.Broadcast(sampleLabels, zeros([batch, .. experiment.Data.ElementShape], device: experiment.Device))
                .expand([batch, .. experiment.Data.ElementShape]).contiguous();
        var formalism = experiment.Models.Formalism;
        var loss = ImportanceWeightedLoss.ForAlpha(0.95);
        Tensor StepLoss(Generator g)
        {
            var (sigma, noisy) = Noising.Perturb(formalism, data, g);
            return loss.Compute(classifier.Logit(noisy, sigma, condition), labels, sampleLabels).mean();
        }
        try
        {
            return LoopStepSeconds(experiment, classifier, null, StepLoss, config.Genneg.Classifier.LearningRate, generator);
        }
        finally
        {
            data.Dispose();
            condition.DisposeTensors();
        }
    }

    /// <summary>
    /// Seconds per step of <see cref="TrainingLoop"/> (gathered weights, EMA when given, loss reads and the final
    /// checkpoint included), after a warm-up run.
    /// </summary>
    private static double LoopStepSeconds(
        Workflows.Experiment experiment, nn.Module model, nn.Module? ema, Func<Generator, Tensor> stepLoss, double learningRate, Generator generator)
    {
        const int Steps = 40;
        var checkpoint = Path.Combine(Path.GetTempPath(), $"genneg-bench-{Environment.ProcessId}.ckpt");
        try
        {
            var loop = new TrainingLoop(NullLogger<TrainingLoop>.Instance);
            var options = new TrainingOptions(Steps, learningRate, 0, 0.99, int.MaxValue);
            loop.Run(model, ema, stepLoss, options with { Iterations = 20 }, checkpoint, generator);   // warm-up
            File.Delete(checkpoint);
            DeviceSelection.Synchronize(experiment.Device);
            var clock = Stopwatch.StartNew();
            loop.Run(model, ema, stepLoss, options, checkpoint, generator);
            DeviceSelection.Synchronize(experiment.Device);
            return clock.Elapsed.TotalSeconds / Steps;
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }
}
