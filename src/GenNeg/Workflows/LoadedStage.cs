using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Runs;
using static TorchSharp.torch.nn;

namespace GenNeg.Workflows;

/// <summary>
/// A stage of a run, loaded for inference on the experiment's device: its base denoiser and, when it has a classifier
/// stack, the guided denoiser built on it. Weights are frozen (no gradients are kept for them).
/// </summary>
public sealed class LoadedStage : IDisposable
{
    private readonly List<Module> modules;

    private LoadedStage(StageRecord record, IDenoiser denoiser, List<Module> modules)
    {
        Record = record;
        Denoiser = denoiser;
        this.modules = modules;
    }

    public StageRecord Record { get; }

    /// <summary>What to sample from: the base denoiser plus the stage's classifier stack, evaluated in cache-sized slices.</summary>
    public IDenoiser Denoiser { get; }

    /// <summary>
    /// Checks, without building the networks, what <see cref="Load"/> would refuse: data of other shapes, a model file
    /// missing or damaged. Workflows call it before they create anything for a new stage.
    /// </summary>
    public static void Check(RunFolder run, Experiment experiment, StageRecord record)
    {
        run.LoadManifest().Data?.EnsureMatches(experiment.Data, experiment.Config, run.Root);
        foreach (var file in record.Classifiers.Select(c => c.Weights).Prepend(record.Denoiser))
        {
            var path = run.VerifiedModelPath(file);
            if (!File.Exists(path)) throw new GenNegException($"model file '{path}' is missing; the run folder is incomplete");
        }
    }

    public static LoadedStage Load(RunFolder run, Experiment experiment, StageRecord record)
    {
        run.LoadManifest().Data?.EnsureMatches(experiment.Data, experiment.Config, run.Root);
        var models = experiment.Models;
        var baseDenoiser = models.LoadDenoiser(run.VerifiedModelPath(record.Denoiser), experiment.Config.Seed);
        var modules = new List<Module> { baseDenoiser };
        var classifiers = new List<INoiseConditionedClassifier>();
        var cleanSigma = models.Formalism.CleanSigma;
        foreach (var entry in record.Classifiers)
        {
            var classifier = models.LoadClassifier(run.VerifiedModelPath(entry.Weights), entry.Seed, entry.Head);
            modules.Add(classifier);
            classifiers.Add(entry.TimeIndependent ? new DenoisedInputClassifier(baseDenoiser, classifier, cleanSigma) : classifier);
        }
        foreach (var module in modules)
            foreach (var parameter in module.parameters())
                parameter.requires_grad = false;
        IDenoiser denoiser = classifiers.Count == 0 ? baseDenoiser : new GuidedDenoiser(baseDenoiser, classifiers, record.GuidanceScale, record.GuidanceMaxSigma,
            experiment.Data.ElementShape.Length == 0 ? null : experiment.Data.PaddingMask);
        return new LoadedStage(record, new ChunkedDenoiser(denoiser), modules);
    }

    /// <summary>
    /// Median milliseconds of one sampler step of each stage (see <see cref="StepLatency"/>), all loaded together and
    /// timed in turns so the figures compare like with like.
    /// </summary>
    public static double[] TimeSamplerSteps(RunFolder run, Experiment experiment, IReadOnlyList<StageRecord> records, int batchSize)
    {
        var stages = new List<LoadedStage>();
        try
        {
            foreach (var record in records) stages.Add(Load(run, experiment, record));
            return StepLatency.MedianMilliseconds(stages.Select(s => s.Denoiser).ToList(), StepLatency.Inputs.From(experiment.Data), batchSize);
        }
        finally
        {
            foreach (var stage in stages) stage.Dispose();
        }
    }

    /// <summary>Weights the stage evaluates per sampler step: base network plus every classifier.</summary>
    public long ParameterCount => modules.Sum(m => m.parameters().Sum(p => p.numel()));

    public void Dispose()
    {
        foreach (var module in modules) module.Dispose();
    }
}
