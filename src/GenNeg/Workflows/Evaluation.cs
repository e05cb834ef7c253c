using System.Diagnostics;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Metrics;
using GenNeg.Runs;
using GenNeg.Runtime;
using GenNeg.Sampling;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <param name="RunPath">the run folder</param>
/// <param name="Stage">stage to evaluate; null for the newest</param>
/// <param name="Samples">samples for the infraction rate; null for evaluate.samples</param>
/// <param name="Likelihood">bound or exact (adds the probability-flow NLL); null for evaluate.likelihood</param>
/// <param name="Device">device to compute on; null for the config's</param>
public sealed record EvaluationRequest(string RunPath, string? Stage = null, long? Samples = null, string? Likelihood = null, string? Device = null);

/// <summary>Measures a stage (infraction rates, MMD, ELBO) and records the figures in metrics.json.</summary>
public sealed class Evaluation
{
    /// <summary>Evaluation draws from its own stream, so its figures do not depend on what ran before.</summary>
    internal const long SeedOffset = 1_000_003;

    private readonly ILogger<Evaluation> logger;
    private readonly Registries registries;

    public Evaluation(ILogger<Evaluation> logger, Registries registries)
    {
        this.logger = logger;
        this.registries = registries;
    }

    public StageMetrics Run(EvaluationRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        var (run, stage, config, samples) = Resolve(request, registries);
        using var experiment = Experiment.Open(config, registries);
        return Evaluate(run, experiment, stage, samples, progress, cancellation);
    }

    /// <summary>The run, stage, config (with the request's device and likelihood) and sample count a request names.</summary>
    internal static (RunFolder Run, StageRecord Stage, GenNegConfig Config, long Samples) Resolve(EvaluationRequest request, Registries registries)
    {
        var run = RunFolder.Open(request.RunPath);
        var stage = run.Stage(request.Stage);
        var config = run.ConfigOf(stage, registries.ConfigSchema);
        if (request.Device is { } device) config = config with { Device = device };
        if (request.Likelihood is { } likelihood)
        {
            config = config with { Evaluate = config.Evaluate with { Likelihood = likelihood } };
            Configuration.ConfigValidator.Validate(config);
        }
        var samples = request.Samples ?? config.Evaluate.Samples;
        if (samples < 1) throw new GenNegException($"the number of samples must be at least 1, got {samples}");
        return (run, stage, config, samples);
    }

    /// <summary>
    /// Evaluates <paramref name="record"/> under the experiment's oracle, data and sampler. Samples are drawn under
    /// conditions from the held-out split (unseen maps), the likelihood figure is measured on held-out data.
    /// </summary>
    /// <param name="exactLikelihood">
    /// whether evaluate.likelihood: exact applies here: the probability-flow NLL costs minutes for a guided stack, so the
    /// stages that iterate, distill and rescale add on their way get the bound only; evaluate and the end of a pipeline
    /// (<see cref="AddExactLikelihood"/>) add the NLL
    /// </param>
    public StageMetrics Evaluate(RunFolder run, Experiment experiment, StageRecord record, long samples, IWorkflowProgress? progress,
        CancellationToken cancellation, bool exactLikelihood = true)
    {
        if (samples < 1) throw new GenNegException($"the number of samples must be at least 1, got {samples}");
        // Every sample is kept until it is measured: refuse before hours of sampling what could never be held.
        MemoryBudget.EnsureSamplesFit(samples, experiment.Data.SampleShape, experiment.Data.ValidationCondition, "--samples (or evaluate.samples)");
        var clock = Stopwatch.StartNew();
        var memory = PeakMemory.StartPhase();
        var config = experiment.Config;
        var data = experiment.Data;
        using var stage = LoadedStage.Load(run, experiment, record);
        using var generator = experiment.NewGenerator(config.Seed + SeedOffset);
        var sampler = experiment.Models.Formalism.CreateSampler(config.Sampler);

        var samplingClock = Stopwatch.StartNew();
        using var drawn = BatchedSampling.Draw(sampler, stage.Denoiser, samples, data.SampleShape, data.ValidationCondition, config.Sampler.BatchSize,
            generator, (progress ?? IWorkflowProgress.None).Sampling($"evaluate {record.Name}"), cancellation);
        DeviceSelection.Synchronize(experiment.Device);
        var samplingSeconds = samplingClock.Elapsed.TotalSeconds;

        var metrics = Measure(run, experiment, stage, drawn, sampler.Steps, generator, samplingSeconds, clock, 0, cancellation, exactLikelihood, memory);
        logger.LogInformation("Stage {Stage}: {Summary}", metrics.Stage, metrics.Summary);
        return metrics;
    }

    /// <summary>
    /// The figures of drawn evaluation samples (infraction rates, MMD), the likelihood figures of held-out data with
    /// <paramref name="generator"/>'s noise, the samples kept for pictures, and all of it recorded in metrics.json.
    /// </summary>
    /// <param name="clock">running since the evaluation started here; Seconds is its time plus <paramref name="earlierSeconds"/></param>
    internal static StageMetrics Measure(
        RunFolder run, Experiment experiment, LoadedStage stage, DrawnSamples drawn, int samplingSteps, Generator generator, double samplingSeconds,
        Stopwatch clock, double earlierSeconds, CancellationToken cancellation, bool exactLikelihood = true, PeakMemory? memory = null)
    {
        var config = experiment.Config;
        var data = experiment.Data;
        var oracle = experiment.Oracle;
        var record = stage.Record;
        var formalism = experiment.Models.Formalism;
        var samples = drawn.Samples.shape[0];
        var infraction = InfractionRates.Compute(oracle, drawn.Samples, drawn.Condition, data.PaddingMask(drawn.Condition));
        var mmdCount = Math.Min(config.Evaluate.MmdSamples, samples);
        // MMD compares the data set's distance features: by default flattened samples, one point in R^(prod S) each.
        using var generatedPoints = experiment.DataSet.DistanceFeatures(data, MmdSamples(data, drawn.Samples, drawn.Condition, mmdCount));
        using var heldOutPoints = experiment.DataSet.DistanceFeatures(data, MmdSamples(data, data.Validation, data.ValidationCondition, mmdCount));
        var mmd = Mmd.Estimate(generatedPoints, heldOutPoints, config.Evaluate.MmdBandwidths);
        var realism = experiment.DataSet is IRealismFeatures features ? RealismDistances.Measure(features, data, drawn.Samples, drawn.Condition) : null;
        var likelihood = formalism.CreateLikelihood(config.Evaluate.ElboNoiseDraws);
        // On padded data the bound counts the real elements only (null mask: every number, as always).
        var elbo = likelihood.Estimate(stage.Denoiser, data.Validation, data.ValidationCondition, generator, data.PaddingMask(data.ValidationCondition));
        // The samples are written beside the stage's folder first and moved in only once metrics.json holds the new
        // figures: a failed write of either leaves the previous samples with the previous figures.
        using var staged = EvaluationSamples.Stage(run, experiment, record, drawn);
        var exact = exactLikelihood && config.Evaluate.Likelihood == LikelihoodModes.Exact ? ExactNll(experiment, stage.Denoiser, cancellation) : null;
        var metrics = new StageMetrics(record.Name, record.Classifiers.Count, stage.ParameterCount, infraction.Samples, mmd.Value, elbo.Nats, elbo.StandardError,
            samples, samplingSteps, samplingSeconds, clock.Elapsed.TotalSeconds + earlierSeconds, likelihood.Name, infraction.Elements,
            infraction.Reasons.Count > 0 ? infraction.Reasons : null, mmd.StandardError, exact, realism, memory?.PeakBytes);
        run.RecordMetrics(record.Name, metrics);
        staged.Commit();
        return metrics;
    }

    /// <summary>
    /// The first <paramref name="count"/> samples as the MMD compares them. On padded data their padded rows are set to
    /// zero, on the generated and the held-out side alike: an absent element is one fixed point, so whatever values the
    /// sampler left in padded rows cannot move the kernel, and two scenes differ only by their real elements (and by
    /// which elements are real). Without padding the samples as they are.
    /// </summary>
    internal static Tensor MmdSamples(DataSplit data, Tensor samples, Condition condition, long count)
    {
        var first = samples[..(int)count];
        var mask = data.PaddingMask(condition);
        if (mask is null) return first;
        using var scope = NewDisposeScope();
        return ElementMasks.ZeroPadding(first, mask[..(int)count]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds the probability-flow NLL to a stage's recorded figures when evaluate.likelihood is exact and they lack it;
    /// the other figures stay as recorded. Returns the figures, or null when the stage has none recorded yet.
    /// </summary>
    public StageMetrics? AddExactLikelihood(RunFolder run, Experiment experiment, StageRecord record, CancellationToken cancellation)
    {
        if (!StageMetrics.Recorded(run).TryGetValue(record.Name, out var recorded)) return null;
        if (experiment.Config.Evaluate.Likelihood != LikelihoodModes.Exact || recorded.ExactNll is not null) return recorded;
        var clock = Stopwatch.StartNew();
        using var stage = LoadedStage.Load(run, experiment, record);
        var nll = ExactNll(experiment, stage.Denoiser, cancellation);
        var metrics = recorded with { ExactNll = nll, Seconds = recorded.Seconds + clock.Elapsed.TotalSeconds };
        run.RecordMetrics(record.Name, metrics);
        logger.LogInformation("Stage {Stage}: {Summary}", metrics.Stage, metrics.Summary);
        return metrics;
    }

    /// <summary>The probability-flow NLL of the first evaluate.likelihood_samples held-out points, with probes of its own seed.</summary>
    /// <remarks>
    /// The probability-flow solver works on unconditional samples [N, D] on the CPU; other data or devices are refused
    /// in one line rather than measured wrongly.
    /// </remarks>
    private static NllEstimate ExactNll(Experiment experiment, IDenoiser denoiser, CancellationToken cancellation)
    {
        var config = experiment.Config;
        var data = experiment.Data;
        if (data.IsConditional || data.SampleShape.Length != 1)
            throw new GenNegException("evaluate.likelihood: exact supports unconditional samples [N, D] only; set evaluate.likelihood to bound for this data set");
        if (experiment.Device.type != DeviceType.CPU)
            throw new GenNegException("evaluate.likelihood: exact runs on the CPU only; add --device cpu");
        var e = config.Evaluate;
        var solver = new DormandPrinceSettings(e.OdeSolver == OdeSettings.AdaptiveSolver, e.OdeSteps, e.OdeRelativeTolerance, e.OdeAbsoluteTolerance);
        var settings = new OdeSettings(solver, e.HutchinsonAboveDimension, e.HutchinsonProbes);
        using var generator = new Generator((ulong)(config.Seed + 2 * SeedOffset));
        using var points = data.Validation[..(int)Math.Min(e.LikelihoodSamples, data.Validation.shape[0])];
        return new ProbabilityFlowLikelihood(experiment.Models.Formalism.FlowSpan, settings).Estimate(denoiser, points, generator, cancellation);
    }
}
