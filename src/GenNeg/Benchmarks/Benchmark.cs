using System.Diagnostics;
using GenNeg.Configuration;
using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Networks;
using GenNeg.Oracles;
using GenNeg.Sampling;
using GenNeg.Training;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace GenNeg.Benchmarks;

/// <summary>One benchmark figure: what was measured, its value and unit.</summary>
public sealed record BenchmarkFigure(string Name, double Value, string Unit);

/// <summary>
/// Throughput of every Gen-neG phase on this machine, with synthetic weights at the checkerboard-quick settings:
/// the matrix-multiply rate as the roofline, baseline and classifier training, sampler steps for the baseline,
/// one and two stacked classifiers and a distilled model, drawing of synthetic data, and peak memory.
/// Each figure is the median of several timed repetitions after a warm-up.
/// </summary>
public sealed class Benchmark
{
    private const int Repetitions = 7;
    private const int WarmUp = 2;

    private readonly GenNegConfig config;

    public Benchmark(GenNegConfig config) => this.config = config;

    public IReadOnlyList<BenchmarkFigure> Run(Action<BenchmarkFigure>? onFigure = null)
    {
        var figures = new List<BenchmarkFigure>();
        void Add(string name, double value, string unit)
        {
            var figure = new BenchmarkFigure(name, value, unit);
            figures.Add(figure);
            onFigure?.Invoke(figure);
        }

        Add("threads", get_num_threads(), "");

        using var denoiser = ModelFactory.CreateDenoiser(config.Model, 2, 1);
        using var classifierA = ModelFactory.CreateClassifier(config.Model, 2, 2);
        using var classifierB = ModelFactory.CreateClassifier(config.Model, 2, 3);
        RandomiseOutputs(classifierA, classifierB);

        var trainBatch = config.Train.BatchSize;
        var (roofline, trainSeconds) = RooflineAndTrainingStep(trainBatch);
        Add("matmul 2048x2048 float32", roofline, "GFLOP/s");
        var trainGflops = TrainingStepFlops(denoiser.Network.Shape, trainBatch) / trainSeconds / 1e9;
        Add($"baseline training, training loop (batch {trainBatch})", 1 / trainSeconds, "it/s");
        Add("baseline training, effective", trainGflops, "GFLOP/s");
        Add("baseline training, fraction of matmul rate", trainGflops / roofline, "");
        var classifierBatch = config.Genneg.Classifier.BatchSize;
        using (var trainee = ModelFactory.CreateClassifier(config.Model, 2, 6))
            Add($"classifier training (batch {classifierBatch})", 1 / ClassifierStepSeconds(trainee, classifierBatch), "it/s");

        // All sampler variants are timed in turns, so that allocator warm-up and load changes hit them alike.
        var batch = config.Sampler.BatchSize;
        using var distilled = ModelFactory.CreateDenoiser(config.Model, 2, 4);
        var steps = StepLatency.MedianMilliseconds(
        [
            denoiser, new PerSampleNoiseLevel(denoiser), new GuidedDenoiser(denoiser, [classifierA]),
            new GuidedDenoiser(denoiser, [classifierA, classifierB]), distilled,
        ], 2, batch, Repetitions, warmUp: 3);
        var (baseStep, perSampleStep, oneStep, twoStep, distilledStep) = (steps[0], steps[1], steps[2], steps[3], steps[4]);
        Add($"sampler step, baseline (batch {batch})", baseStep, "ms");
        Add("sampler step, baseline, time conditioning per sample", perSampleStep, "ms");
        Add("speed-up of shared time conditioning", perSampleStep / baseStep, "x");
        Add("sampler step, baseline + 1 classifier", oneStep, "ms");
        Add("sampler step, baseline + 2 classifiers", twoStep, "ms");
        Add("sampler step, distilled", distilledStep, "ms");
        Add("cost of each stacked classifier (x baseline step)", (twoStep - baseStep) / 2 / baseStep, "x");
        var evaluations = ModelFactory.CreateSampler(config.Sampler, config.Model).Evaluations;
        Add("sampling, baseline", SamplesPerSecond(batch, baseStep, evaluations), "samples/s");
        Add("sampling, baseline + 2 classifiers", SamplesPerSecond(batch, twoStep, evaluations), "samples/s");

        var (drawRate, infraction) = DrawRate(denoiser);
        Add($"drawing synthetic data (infraction rate {infraction:P1})", drawRate, "samples/s");
        Add("peak resident memory", Process.GetCurrentProcess().PeakWorkingSet64 / 1e6, "MB");
        return figures;
    }

    /// <summary>Sampler step and sampling rate of each stage of a real run, all timed in turns.</summary>
    public static IReadOnlyList<BenchmarkFigure> Stages(Runs.RunFolder run)
    {
        var config = run.LoadConfig();
        var records = run.LoadManifest().Stages;
        if (records.Count == 0) throw new GenNegException($"run folder '{run.Root}' has no stage to benchmark");
        using var data = Data.Datasets.Load(config.Data);
        var batch = config.Sampler.BatchSize;
        var steps = Workflows.LoadedStage.TimeSamplerSteps(run, config, records, data.Dimension, batch);
        var evaluations = ModelFactory.CreateSampler(config.Sampler, config.Model).Evaluations;
        return records.SelectMany((record, i) => new[]
        {
            new BenchmarkFigure($"{record.Name}: sampler step (batch {batch})", steps[i], "ms"),
            new BenchmarkFigure($"{record.Name}: sampling", SamplesPerSecond(batch, steps[i], evaluations), "samples/s"),
        }).ToList();
    }

    /// <summary>Samples per second of a sampler making <paramref name="evaluations"/> denoiser calls, from a two-call step's time.</summary>
    private static double SamplesPerSecond(int batch, double twoEvaluationMs, int evaluations) =>
        batch / (twoEvaluationMs / 2 / 1000 * evaluations);

    /// <summary>
    /// The matmul rate and the training loop's seconds per step, measured in alternating rounds: this machine's speed
    /// drifts over tens of seconds, and alternating keeps their ratio (the roofline fraction) honest.
    /// </summary>
    private (double MatmulGflops, double TrainSeconds) RooflineAndTrainingStep(int batch)
    {
        const int Rounds = 5;
        const int n = 2048;
        var matmulRates = new List<double>();
        var trainSteps = new List<double>();
        using (var scope = NewDisposeScope())
        {
            var a = randn(n, n);
            var b = randn(n, n);
            for (var round = 0; round < Rounds; round++)
            {
                matmulRates.Add(2.0 * n * n * n / Median(() => a.matmul(b).Dispose()) / 1e9);
                trainSteps.Add(TrainingStepSeconds(batch));
            }
        }
        return (matmulRates.Order().ElementAt(Rounds / 2), trainSteps.Order().ElementAt(Rounds / 2));
    }

    /// <summary>Matrix-multiply FLOPs of one training step: forward (2 per multiply-add) plus backward (twice that).</summary>
    public static double TrainingStepFlops(MlpShape shape, int batch)
    {
        long perSample = shape.InputWidth * shape.Hidden + shape.Hidden * shape.OutputWidth + shape.TimeEmbedding * shape.Hidden
                         + shape.Hidden * shape.Hidden + shape.Blocks * 3L * shape.Hidden * shape.Hidden;
        return 3 * 2.0 * perSample * batch;
    }

    /// <summary>Seconds per step of the library's own training loop (EMA, loss reads and checkpoint included).</summary>
    private double TrainingStepSeconds(int batch)
    {
        const int Steps = 40;
        var checkpoint = Path.Combine(Path.GetTempPath(), $"genneg-bench-{Environment.ProcessId}.ckpt");
        try
        {
            using var model = ModelFactory.CreateDenoiser(config.Model, 2, 1);
            using var ema = ModelFactory.CreateDenoiser(config.Model, 2, 1);
            using var generator = new Generator(0);
            using var data = randn([batch, 2], generator: generator);
            var loss = new DenoisingLoss(ModelFactory.Formalism(config.Model));
            var loop = new TrainingLoop(NullLogger<TrainingLoop>.Instance);
            var options = new TrainingOptions(Steps, config.Train.LearningRate, 0, 0.99, int.MaxValue);
            loop.Run(model, ema, g => loss.Compute(model, data, g).mean(), options with { Iterations = 20 }, checkpoint, generator);   // warm-up
            File.Delete(checkpoint);
            var clock = Stopwatch.StartNew();
            loop.Run(model, ema, g => loss.Compute(model, data, g).mean(), options, checkpoint, generator);
            return clock.Elapsed.TotalSeconds / Steps;
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }

    private double ClassifierStepSeconds(TimeDependentClassifier classifier, int batch)
    {
        using var generator = new Generator(0);
        using var data = randn([batch, 2], generator: generator);
        using var labels = (rand(batch, generator: generator) > 0.5).to(ScalarType.Float32);
        using var optimizer = optim.Adam(classifier.parameters(), config.Genneg.Classifier.LearningRate);
        var formalism = ModelFactory.Formalism(config.Model);
        var loss = ImportanceWeightedLoss.ForAlpha(0.95);
        classifier.train();
        var seconds = Median(() =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (sigma, noisy) = Noising.Perturb(formalism, data, generator);
            loss.Compute(classifier.Logit(noisy, sigma), labels).mean().backward();
            optimizer.step();
        });
        classifier.eval();
        return seconds;
    }

    private (double Rate, double Infraction) DrawRate(IDenoiser denoiser)
    {
        var path = Path.Combine(Path.GetTempPath(), $"genneg-bench-{Environment.ProcessId}.bin");
        try
        {
            using var generator = new Generator(0);
            var sampler = ModelFactory.CreateSampler(config.Sampler, config.Model);
            var draws = 2L * config.Sampler.BatchSize;
            var settings = new DrawSettings(PerClass: (int)draws, config.Sampler.BatchSize, draws, Balanced: true, MinPerClass: 1);
            var clock = Stopwatch.StartNew();
            using var set = SyntheticDrawing.Draw(sampler, denoiser, new CheckerboardOracle(), 2, settings, generator, path);
            return (set.Drawn / clock.Elapsed.TotalSeconds, 1 - set.Alpha);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The time-conditioning path computed once per sample instead of once per step (what sharing saves).</summary>
    private sealed class PerSampleNoiseLevel(IDenoiser inner) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma) => inner.Denoise(x, sigma.expand(x.shape[0]).contiguous());
    }

    /// <summary>
    /// Frozen, as a loaded stage's are; and since zero-initialised output layers would make the guidance vanish,
    /// they get random weights.
    /// </summary>
    private static void RandomiseOutputs(params TimeDependentClassifier[] classifiers)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(5);
        foreach (var classifier in classifiers)
            foreach (var parameter in classifier.parameters())
            {
                parameter.requires_grad = false;
                if (parameter.count_nonzero().item<long>() == 0) parameter.normal_(0, 0.05, generator);
            }
    }

    private static double Median(Action action)
    {
        var times = new List<double>();
        for (var i = 0; i < WarmUp + Repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            if (i >= WarmUp) times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
