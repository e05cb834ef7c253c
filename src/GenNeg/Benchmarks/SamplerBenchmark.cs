using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Sampling;
using static TorchSharp.torch;

namespace GenNeg.Benchmarks;

/// <summary>
/// Sampler steps of the baseline, one and two stacked classifiers and a distilled model, and what the library's
/// shortcuts save: time conditioning shared by the batch, cache-sized slices and a condition encoded once per batch.
/// </summary>
internal sealed class SamplerBenchmark(GenNegConfig config)
{
    private const int Repetitions = 11;

    /// <summary>
    /// The sampler variants timed together, one value of <typeparamref name="T"/> each: their denoisers, or one
    /// round's step times. The order of <see cref="ToList"/> is the order they are handed to <see cref="StepLatency"/>.
    /// </summary>
    /// <param name="Baseline">the baseline, in cache-sized slices</param>
    /// <param name="PerSampleNoise">the baseline with its time conditioning computed per sample</param>
    /// <param name="Unsliced">the baseline in one slice of the whole batch</param>
    /// <param name="OneClassifier">baseline + 1 classifier, sliced</param>
    /// <param name="TwoClassifiers">baseline + 2 classifiers, sliced</param>
    /// <param name="Distilled">a distilled model, sliced</param>
    /// <param name="OneClassifierUnsliced">baseline + 1 classifier in one slice</param>
    /// <param name="ConditionEncodedEveryCall">the baseline encoding the raw condition at every call, sliced</param>
    private sealed record Variants<T>(T Baseline, T PerSampleNoise, T Unsliced, T OneClassifier, T TwoClassifiers, T Distilled,
        T OneClassifierUnsliced, T ConditionEncodedEveryCall)
    {
        public List<T> ToList() =>
            [Baseline, PerSampleNoise, Unsliced, OneClassifier, TwoClassifiers, Distilled, OneClassifierUnsliced, ConditionEncodedEveryCall];

        public static Variants<T> FromList(IReadOnlyList<T> values) =>
            new(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]);
    }

    /// <summary>
    /// All sampler variants are timed in turns, so that allocator warm-up and load changes hit them alike. Each is
    /// evaluated in cache-sized slices as the library does, except the two that measure what slicing saves.
    /// </summary>
    public void AddFigures(Workflows.Experiment experiment, PreconditionedDenoiser denoiser, Action<string, double, string> add)
    {
        using var classifierA = experiment.Models.CreateClassifier(2, config.Genneg.Head);
        using var classifierB = experiment.Models.CreateClassifier(3, config.Genneg.Head);
        RandomiseOutputs(classifierA, classifierB);
        using var distilled = experiment.Models.CreateDenoiser(4);
        var batch = config.Sampler.BatchSize;
        var variants = new Variants<IDenoiser>(
            Baseline: new ChunkedDenoiser(denoiser),
            PerSampleNoise: new ChunkedDenoiser(new PerSampleNoiseLevel(denoiser)),
            Unsliced: denoiser,
            OneClassifier: new ChunkedDenoiser(new GuidedDenoiser(denoiser, [classifierA])),
            TwoClassifiers: new ChunkedDenoiser(new GuidedDenoiser(denoiser, [classifierA, classifierB])),
            Distilled: new ChunkedDenoiser(distilled),
            OneClassifierUnsliced: new GuidedDenoiser(denoiser, [classifierA]),
            ConditionEncodedEveryCall: new ChunkedDenoiser(new ConditionEncodedEveryCall(denoiser)));
        var timings = StepLatency.Measure(variants.ToList(), StepLatency.Inputs.From(experiment.Data), batch, Repetitions, warmUp: 3);
        var rounds = timings.Rounds.Select(Variants<double>.FromList).ToList();
        // The median over rounds of one variant's time, or of a figure of each round's times.
        double Median(Func<Variants<double>, double> figure) => Medians.Of(rounds.Select(figure));

        var (baseStep, twoStep) = (Median(t => t.Baseline), Median(t => t.TwoClassifiers));
        add($"sampler step, baseline (batch {batch})", baseStep, "ms");
        add("sampler step, baseline, time conditioning per sample", Median(t => t.PerSampleNoise), "ms");
        add("speed-up of shared time conditioning", Median(t => t.PerSampleNoise / t.Baseline), "x");
        add($"sampler step, baseline, one {batch}-row slice", Median(t => t.Unsliced), "ms");
        add($"speed-up of {ChunkedDenoiser.DefaultRows}-row slices", Median(t => t.Unsliced / t.Baseline), "x");
        add($"sampler step, baseline + 1 classifier, one {batch}-row slice", Median(t => t.OneClassifierUnsliced), "ms");
        add($"speed-up of {ChunkedDenoiser.DefaultRows}-row slices, baseline + 1 classifier", Median(t => t.OneClassifierUnsliced / t.OneClassifier), "x");
        if (!experiment.Data.ValidationCondition.IsEmpty)
        {
            add("sampler step, baseline, condition encoded at every step", Median(t => t.ConditionEncodedEveryCall), "ms");
            add("speed-up of encoding the condition once per batch", Median(t => t.ConditionEncodedEveryCall / t.Baseline), "x");
        }
        add("sampler step, baseline + 1 classifier", Median(t => t.OneClassifier), "ms");
        add("sampler step, baseline + 2 classifiers", twoStep, "ms");
        add("sampler step, distilled", Median(t => t.Distilled), "ms");
        add("distilled step / baseline step", Median(t => t.Distilled / t.Baseline), "x");
        add("cost of each stacked classifier (x baseline step)", Median(t => Reporting.DeploymentArithmetic.ClassifierStepCost(t.TwoClassifiers, t.Baseline, 2)), "x");
        var evaluations = ModelFactory.CreateSampler(config.Sampler, config.Model).Evaluations;
        add("sampling, baseline", BenchmarkTiming.SamplesPerSecond(batch, baseStep, evaluations), "samples/s");
        add("sampling, baseline + 2 classifiers", BenchmarkTiming.SamplesPerSecond(batch, twoStep, evaluations), "samples/s");
        if (config.Model.Backbone == Networks.TorchScriptBackbone.BackboneName) AddOwnBackboneComparison(experiment, denoiser, add);
    }

    /// <summary>An imported TorchScript network's sampler step against GenNeg's own backbone of the same model keys, timed in turns.</summary>
    private void AddOwnBackboneComparison(Workflows.Experiment experiment, PreconditionedDenoiser imported, Action<string, double, string> add)
    {
        using var own = experiment.Models.WithOwnBackbone().CreateDenoiser(6);
        var batch = config.Sampler.BatchSize;
        var timings = StepLatency.Measure([new ChunkedDenoiser(imported), new ChunkedDenoiser(own)], StepLatency.Inputs.From(experiment.Data), batch, Repetitions, warmUp: 3);
        static long Parameters(PreconditionedDenoiser denoiser) => denoiser.parameters().Sum(p => p.numel());
        add($"sampler step, GenNeg's own {config.Model.Hidden}-wide backbone ({Parameters(own):N0} parameters; the file's {Parameters(imported):N0})", timings.Median(1), "ms");
        add("TorchScript step / GenNeg's own backbone step", timings.MedianOfRounds(round => round[0] / round[1]), "x");
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
}
