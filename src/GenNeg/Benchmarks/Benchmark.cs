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
    private const int SamplerRepetitions = 11;
    private const int WarmUp = 2;

    public const string SpinCountFigure = "OpenMP spin count before a waiting thread sleeps";

    private readonly GenNegConfig config;
    private readonly Registries registries;

    public Benchmark(GenNegConfig config, Registries registries)
    {
        this.config = config;
        this.registries = registries;
    }

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
        Add("glibc allocator settings applied (1 = yes)", Runtime.ProcessSettings.Applied ? 1 : 0, "");
        Add(SpinCountFigure, Runtime.ProcessSettings.OpenMpSpinCount, "");
        using var experiment = Workflows.Experiment.Open(config, registries);
        using var denoiser = experiment.Models.CreateDenoiser(1);
        AddTrainingFigures(experiment, denoiser.Network, Add);
        AddSamplerFigures(experiment, denoiser, Add);
        AddDrawingFigures(experiment, denoiser, Add);
        Add("peak resident memory", Process.GetCurrentProcess().PeakWorkingSet64 / 1e6, "MB");
        return figures;
    }

    /// <summary>
    /// The training loop's rate (steps per second, the median of five rounds): what <c>bench --processes N</c> times in
    /// N processes at once against one alone, to show how GenNeg shares a machine with itself.
    /// </summary>
    public double TrainingLoopRate()
    {
        using var experiment = Workflows.Experiment.Open(config, registries);
        var seconds = Enumerable.Range(0, 5).Select(_ => TrainingStepSeconds(experiment, config.Train.BatchSize)).ToList();
        return 1 / Medians.Of(seconds);
    }

    /// <remarks>The FLOP figures need the MLP's exact count; other backbones report the step rates only.</remarks>
    private void AddTrainingFigures(Workflows.Experiment experiment, Backbone backbone, Action<string, double, string> add)
    {
        var trainBatch = config.Train.BatchSize;
        var rounds = RooflineAndTrainingStep(experiment, trainBatch);
        add("matmul 2048x2048 float32", Medians.Of(rounds.Select(r => r.MatmulGflops)), "GFLOP/s");
        var trainSeconds = Medians.Of(rounds.Select(r => r.TrainSeconds));
        add($"baseline training, training loop (batch {trainBatch})", 1 / trainSeconds, "it/s");
        if (backbone is ResidualMlp mlp)
        {
            var stepFlops = TrainingStepFlops(mlp.Shape, trainBatch);
            add("baseline training, effective", stepFlops / trainSeconds / 1e9, "GFLOP/s");
            add("baseline training, fraction of matmul rate", Medians.Of(rounds.Select(r => stepFlops / r.TrainSeconds / 1e9 / r.MatmulGflops)), "");
        }
        var classifierBatch = config.Genneg.Classifier.BatchSize;
        using var trainee = experiment.Models.CreateClassifier(6, config.Genneg.Head);
        add($"classifier training (batch {classifierBatch})", 1 / ClassifierStepSeconds(experiment, trainee, classifierBatch), "it/s");
    }

    /// <summary>
    /// All sampler variants are timed in turns, so that allocator warm-up and load changes hit them alike. Each is
    /// evaluated in cache-sized slices as the library does, except the two that measure what slicing saves.
    /// </summary>
    private void AddSamplerFigures(Workflows.Experiment experiment, PreconditionedDenoiser denoiser, Action<string, double, string> add)
    {
        using var classifierA = experiment.Models.CreateClassifier(2, config.Genneg.Head);
        using var classifierB = experiment.Models.CreateClassifier(3, config.Genneg.Head);
        RandomiseOutputs(classifierA, classifierB);
        using var distilled = experiment.Models.CreateDenoiser(4);
        var batch = config.Sampler.BatchSize;
        IDenoiser[] variants =
        [
            new ChunkedDenoiser(denoiser), new ChunkedDenoiser(new PerSampleNoiseLevel(denoiser)), denoiser,
            new ChunkedDenoiser(new GuidedDenoiser(denoiser, [classifierA])),
            new ChunkedDenoiser(new GuidedDenoiser(denoiser, [classifierA, classifierB])), new ChunkedDenoiser(distilled),
            new GuidedDenoiser(denoiser, [classifierA]),
            new ChunkedDenoiser(new ConditionEncodedEveryCall(denoiser)),
        ];
        const int Base = 0, PerSample = 1, Unsliced = 2, One = 3, Two = 4, Distilled = 5, OneUnsliced = 6, EncodedEveryCall = 7;
        var timings = StepLatency.Measure(variants, StepLatency.Inputs.From(experiment.Data), batch, SamplerRepetitions, warmUp: 3);
        var (baseStep, twoStep) = (timings.Median(Base), timings.Median(Two));
        add($"sampler step, baseline (batch {batch})", baseStep, "ms");
        add("sampler step, baseline, time conditioning per sample", timings.Median(PerSample), "ms");
        add("speed-up of shared time conditioning", timings.MedianOfRounds(t => t[PerSample] / t[Base]), "x");
        add($"sampler step, baseline, one {batch}-row slice", timings.Median(Unsliced), "ms");
        add($"speed-up of {ChunkedDenoiser.DefaultRows}-row slices", timings.MedianOfRounds(t => t[Unsliced] / t[Base]), "x");
        add($"sampler step, baseline + 1 classifier, one {batch}-row slice", timings.Median(OneUnsliced), "ms");
        add($"speed-up of {ChunkedDenoiser.DefaultRows}-row slices, baseline + 1 classifier", timings.MedianOfRounds(t => t[OneUnsliced] / t[One]), "x");
        if (!experiment.Data.ValidationCondition.IsEmpty)
        {
            add("sampler step, baseline, condition encoded at every step", timings.Median(EncodedEveryCall), "ms");
            add("speed-up of encoding the condition once per batch", timings.MedianOfRounds(t => t[EncodedEveryCall] / t[Base]), "x");
        }
        add("sampler step, baseline + 1 classifier", timings.Median(One), "ms");
        add("sampler step, baseline + 2 classifiers", twoStep, "ms");
        add("sampler step, distilled", timings.Median(Distilled), "ms");
        add("distilled step / baseline step", timings.MedianOfRounds(t => t[Distilled] / t[Base]), "x");
        add("cost of each stacked classifier (x baseline step)", timings.MedianOfRounds(t => Reporting.DeploymentArithmetic.ClassifierStepCost(t[Two], t[Base], 2)), "x");
        var evaluations = ModelFactory.CreateSampler(config.Sampler, config.Model).Evaluations;
        add("sampling, baseline", SamplesPerSecond(batch, baseStep, evaluations), "samples/s");
        add("sampling, baseline + 2 classifiers", SamplesPerSecond(batch, twoStep, evaluations), "samples/s");
    }

    private void AddDrawingFigures(Workflows.Experiment experiment, IDenoiser denoiser, Action<string, double, string> add)
    {
        var (drawRate, samplingRate, infraction) = DrawAndSampleRates(experiment, new ChunkedDenoiser(denoiser));
        add($"drawing synthetic data (infraction rate {infraction:P1})", drawRate, "samples/s");
        add("sampling as many, without the oracle and the data set", samplingRate, "samples/s");
        add("drawing rate / sampling rate", drawRate / samplingRate, "");
    }

    /// <summary>Sampler step and sampling rate of each stage of a real run, all timed in turns.</summary>
    public static IReadOnlyList<BenchmarkFigure> Stages(Runs.RunFolder run, Registries registries)
    {
        var config = run.LoadConfig(registries.ConfigSchema);
        var records = run.LoadManifest().Stages;
        if (records.Count == 0) throw new GenNegException($"run folder '{run.Root}' has no stage to benchmark");
        using var experiment = Workflows.Experiment.Open(config, registries);
        var batch = config.Sampler.BatchSize;
        var steps = Workflows.LoadedStage.TimeSamplerSteps(run, experiment, records, batch);
        var evaluations = ModelFactory.CreateSampler(config.Sampler, config.Model).Evaluations;
        return records.SelectMany((record, i) => new[]
        {
            new BenchmarkFigure($"{record.Name}: sampler step (batch {batch})", steps[i], "ms"),
            new BenchmarkFigure($"{record.Name}: sampling", SamplesPerSecond(batch, steps[i], evaluations), "samples/s"),
        }).ToList();
    }

    /// <summary>Samples per oracle call in <see cref="ExternalOracleFigures"/>.</summary>
    public const int OracleBatch = 1000;

    /// <summary>
    /// What the external-oracle protocol costs: milliseconds per <see cref="OracleBatch"/>-sample batch of the config's
    /// oracle (unless it is the external one) and of the external program of external_oracle.command (e.g. an oracle
    /// that finds every sample valid), each the median over the repetitions after a warm-up that includes the
    /// program's start, and their difference. The batch is training samples with their condition.
    /// </summary>
    public static IReadOnlyList<BenchmarkFigure> ExternalOracleFigures(GenNegConfig config, Registries registries)
    {
        if (config.ExternalOracle.Command.Count == 0)
            throw Configuration.ConfigKey.Error("external_oracle.command",
                "must name the program bench --external-oracle times, e.g. --set 'external_oracle.command=[python3, samples/PythonOracle/identity_oracle.py]'");
        using var experiment = Workflows.Experiment.Open(config with { Oracle = Oracles.External.ExternalOracle.OracleName }, registries);
        using var scope = NewDisposeScope();
        var data = experiment.Data;
        using var index = arange(OracleBatch, device: data.Train.device).remainder(data.Train.shape[0]);
        var samples = data.Train.index_select(0, index);
        var condition = data.TrainCondition.Select(index);
        var figures = new List<BenchmarkFigure>();
        double? builtInMs = null;
        if (!string.Equals(config.Oracle, Oracles.External.ExternalOracle.OracleName, StringComparison.OrdinalIgnoreCase))
        {
            var builtIn = registries.Oracles.Resolve(config.Oracle, data, config);
            try
            {
                builtInMs = 1000 * MedianSeconds(() => builtIn.Judge(samples, condition).SampleValid().Dispose());
            }
            finally
            {
                (builtIn as IDisposable)?.Dispose();
            }
            figures.Add(new($"oracle {config.Oracle}, {OracleBatch:N0}-sample batch", builtInMs.Value, "ms"));
        }
        var external = experiment.Oracle;
        var externalMs = 1000 * MedianSeconds(() => external.Judge(samples, condition).SampleValid().Dispose());
        figures.Add(new($"external oracle '{string.Join(' ', config.ExternalOracle.Command)}', {OracleBatch:N0}-sample batch", externalMs, "ms"));
        if (builtInMs is { } ms) figures.Add(new($"external oracle minus oracle {config.Oracle}, per {OracleBatch:N0}-sample batch", externalMs - ms, "ms"));
        return figures;
    }

    /// <summary>Samples per second of a sampler making <paramref name="evaluations"/> denoiser calls, from a two-call step's time.</summary>
    private static double SamplesPerSecond(int batch, double twoEvaluationMs, int evaluations) =>
        batch / (twoEvaluationMs / 2 / 1000 * evaluations);

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
        double Matmul() => MedianSeconds(() =>
        {
            a.matmul(b).Dispose();
            DeviceSelection.Synchronize(experiment.Device);
        });
        for (var round = 0; round < Rounds; round++)
            rounds.Add((2.0 * n * n * n / Matmul() / 1e9, TrainingStepSeconds(experiment, batch)));
        return rounds;
    }

    /// <summary>
    /// Matrix-multiply FLOPs of one training step, 2 per multiply-add: the forward pass, the weight gradients (as many)
    /// and the input gradients, which backward skips for the two layers that read the data and the noise embedding.
    /// </summary>
    public static double TrainingStepFlops(MlpShape shape, int batch)
    {
        long firstLayers = shape.InputWidth * shape.Hidden + shape.TimeEmbedding * shape.Hidden;
        long perSample = firstLayers + shape.Hidden * shape.OutputWidth + shape.Hidden * shape.Hidden + shape.Blocks * 3L * shape.Hidden * shape.Hidden;
        return 2.0 * (3 * perSample - firstLayers) * batch;
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

    /// <summary>
    /// Drawing a balanced data set (sampler, oracle, positives and negatives written to disk) against plain batched
    /// sampling of as many samples, timed back to back: equal rates mean drawing adds no per-sample host work.
    /// </summary>
    private (double DrawRate, double SamplingRate, double Infraction) DrawAndSampleRates(Workflows.Experiment experiment, IDenoiser denoiser)
    {
        var path = Path.Combine(Path.GetTempPath(), $"genneg-bench-{Environment.ProcessId}.bin");
        try
        {
            var sampler = experiment.Models.CreateSampler(config.Sampler);
            var batch = config.Sampler.BatchSize;
            var draws = 2L * batch;
            var source = DrawSource.Training(experiment.Data);
            double samplingSeconds;
            using (var generator = experiment.NewGenerator(0))
            {
                var clock = Stopwatch.StartNew();
                BatchedSampling.Draw(sampler, denoiser, draws, source.SampleShape, source.Conditions, batch, generator).Dispose();
                DeviceSelection.Synchronize(experiment.Device);
                samplingSeconds = clock.Elapsed.TotalSeconds;
            }
            using (var generator = experiment.NewGenerator(0))
            {
                // The drawing path is timed whatever the fresh model's class mix (an untrained traffic model draws no valid scene).
                var settings = new DrawSettings(PerClass: (int)draws, batch, draws, Balanced: true, MinPerClass: 0);
                var clock = Stopwatch.StartNew();
                using var set = SyntheticDrawing.Draw(sampler, denoiser, experiment.Oracle, source, settings, generator, path);
                return (set.Drawn / clock.Elapsed.TotalSeconds, draws / samplingSeconds, 1 - set.Alpha);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The time-conditioning path computed once per sample instead of once per step (what sharing saves).</summary>
    private sealed class PerSampleNoiseLevel(IDenoiser inner) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) => inner.Denoise(x, sigma.expand(x.shape[0]).contiguous(), condition);

        public Condition EncodeCondition(Condition condition) => inner.EncodeCondition(condition);
    }

    /// <summary>The condition left raw, so the backbone encodes it (e.g. a map into tokens) at every step (what encoding once saves).</summary>
    private sealed class ConditionEncodedEveryCall(IDenoiser inner) : IDenoiser
    {
        public Tensor Denoise(Tensor x, Tensor sigma, Condition condition) => inner.Denoise(x, sigma, condition);

        public Condition EncodeCondition(Condition condition) => condition;
    }

    /// <summary>
    /// Frozen, as a loaded stage's are; and since zero-initialised output layers would make the guidance vanish,
    /// they get random weights.
    /// </summary>
    private static void RandomiseOutputs(params TimeDependentClassifier[] classifiers)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(5, classifiers[0].parameters().First().device);
        foreach (var classifier in classifiers)
            foreach (var parameter in classifier.parameters())
            {
                parameter.requires_grad = false;
                if (parameter.count_nonzero().item<long>() == 0) parameter.normal_(0, 0.05, generator);
            }
    }

    /// <summary>Median seconds of an action over the repetitions after a warm-up.</summary>
    private static double MedianSeconds(Action action)
    {
        var times = new List<double>();
        for (var i = 0; i < WarmUp + Repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            if (i >= WarmUp) times.Add(clock.Elapsed.TotalSeconds);
        }
        return Medians.Of(times);
    }
}
