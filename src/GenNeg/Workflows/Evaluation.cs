using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
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

/// <summary>
/// A stage's figures, as written to metrics.json (snake_case keys). infraction_rate is the share of samples with any
/// invalid element; element_infraction_rate the share of invalid elements (absent when the oracle labels whole samples);
/// infractions_by_reason both shares per named reason. elbo is the formalism's likelihood figure per held-out example,
/// named by likelihood (higher is better): EDM's ELBO in nats (<see cref="VeElbo"/>) or DDPM's r-ELBO
/// (<see cref="ReweightedElbo"/>); mmd is the unbiased MMD^2 of the data set's distance features (by default the flattened samples) with its standard error (see
/// <see cref="Mmd"/>); exact_nll, when evaluate.likelihood is exact, the NLL from the probability-flow ODE
/// (<see cref="ProbabilityFlowLikelihood"/>); realism, when the data set has realism features (<see cref="IRealismFeatures"/>),
/// the Wasserstein-1 distance per feature between held-out data and the samples (<see cref="RealismDistances"/>).
/// </summary>
public sealed record StageMetrics(
    string Stage,
    int Classifiers,
    long Parameters,
    double InfractionRate,
    double Mmd,
    double Elbo,
    double ElboStandardError,
    long Samples,
    int SamplingSteps,
    double SamplingSeconds,
    double Seconds,
    string Likelihood = "ELBO",
    double? ElementInfractionRate = null,
    IReadOnlyDictionary<string, ReasonRates>? InfractionsByReason = null,
    double MmdStandardError = 0,
    NllEstimate? ExactNll = null,
    IReadOnlyDictionary<string, double>? Realism = null)
{
    /// <summary>The figures in one line, as the commands print them.</summary>
    public string Summary =>
        $"infraction rate {InfractionRate:P3}{ElementPart}{ReasonPart}, MMD {Mmd:G3} ± {MmdStandardError:G2}, {Likelihood} {Elbo:F3}" +
        (ExactNll is { } nll ? $", NLL {nll.Nats:F3} ± {nll.StandardError:F3} nats{NllSpread(nll)} ({nll.BitsPerDimension:F3} bits/dim, {nll.EvaluationsPerExample:F0} evaluations)" : "");

    private static string NllSpread(NllEstimate nll) =>
        nll.MedianNats is { } median && nll.WorstNats is { } worst ? $" (median {median:F3}, worst {worst:F1})" : "";

    private string ElementPart => ElementInfractionRate is { } rate ? $" ({rate:P3} of elements)" : "";

    private string ReasonPart => InfractionsByReason is { Count: > 0 } reasons
        ? " [" + string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value.Samples:P3}")) + "]"
        : "";
}

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

    /// <summary>Evaluation samples kept for pictures and the CSV: at most this many, and at most this many bytes.</summary>
    private const int MaxSavedSamples = 20_000;
    private const long MaxSavedBytes = 64L << 20;

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

        var metrics = Measure(run, experiment, stage, drawn, sampler.Steps, generator, samplingSeconds, clock, 0, cancellation, exactLikelihood);
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
        Stopwatch clock, double earlierSeconds, CancellationToken cancellation, bool exactLikelihood = true)
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
        var staging = StageSamples(run, experiment, record, drawn);
        try
        {
            var exact = exactLikelihood && config.Evaluate.Likelihood == LikelihoodModes.Exact ? ExactNll(experiment, stage.Denoiser, cancellation) : null;
            var metrics = new StageMetrics(record.Name, record.Classifiers.Count, stage.ParameterCount, infraction.Samples, mmd.Value, elbo.Nats, elbo.StandardError,
                samples, samplingSteps, samplingSeconds, clock.Elapsed.TotalSeconds + earlierSeconds, likelihood.Name, infraction.Elements,
                infraction.Reasons.Count > 0 ? infraction.Reasons : null, mmd.StandardError, exact, realism);
            run.RecordMetrics(record.Name, metrics);
            CommitSamples(run, record, staging);
            return metrics;
        }
        finally
        {
            RemoveStaging(staging);
        }
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
        if (!Recorded(run).TryGetValue(record.Name, out var recorded)) return null;
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
        var settings = new OdeSettings(e.OdeSolver == OdeSettings.AdaptiveSolver, e.OdeSteps, e.OdeRelativeTolerance, e.OdeAbsoluteTolerance,
            e.HutchinsonAboveDimension, e.HutchinsonProbes);
        using var generator = new Generator((ulong)(config.Seed + 2 * SeedOffset));
        using var points = data.Validation[..(int)Math.Min(e.LikelihoodSamples, data.Validation.shape[0])];
        return new ProbabilityFlowLikelihood(experiment.Models.Formalism.FlowSpan, settings).Estimate(denoiser, points, generator, cancellation);
    }

    /// <summary>The figures recorded in a run's metrics.json, by stage name.</summary>
    public static IReadOnlyDictionary<string, StageMetrics> Recorded(RunFolder run)
    {
        try
        {
            return run.LoadMetrics()
                .Where(entry => entry.Value is JsonObject)
                .ToDictionary(entry => entry.Key, entry => entry.Value.Deserialize<StageMetrics>(RunManifest.Json)!);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new GenNegException($"'{run.MetricsPath}' is not a valid metrics file: {e.Message}; delete it and run evaluate again");
        }
    }

    /// <summary>Where a stage's evaluation samples are kept for people (the data set's CSV), relative to the run folder.</summary>
    public static string SamplesFile(string stage) => $"{stage}/evaluation-samples.csv";

    /// <summary>Where they are kept for the report's pictures (samples and conditions), relative to the run folder.</summary>
    public static string SamplesTensorFile(string stage) => $"{stage}/evaluation-samples.bin";

    /// <summary>Where new evaluation samples wait, inside the stage's folder, until the figures are recorded.</summary>
    private static string StagingFolder(string stage) => $"{stage}/.evaluation-new";

    /// <summary>Writes the evaluation samples to the staging folder (emptied first); returns its full path.</summary>
    private static string StageSamples(RunFolder run, Experiment experiment, StageRecord record, DrawnSamples drawn)
    {
        var staging = run.PathOf(StagingFolder(record.Name));
        RemoveStaging(staging);
        try
        {
            Directory.CreateDirectory(staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GenNegException($"cannot write '{staging}': {e.Message}");
        }
        SaveSamples(experiment, record, drawn, staging);
        return staging;
    }

    /// <summary>Moves the staged samples over the stage's previous ones.</summary>
    private static void CommitSamples(RunFolder run, StageRecord record, string staging)
    {
        foreach (var file in Directory.EnumerateFiles(staging))
        {
            var target = run.PathOf(Path.Combine(record.Name, Path.GetFileName(file)));
            try
            {
                File.Move(file, target, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new GenNegException($"cannot write '{target}': {e.Message}");
            }
        }
    }

    private static void RemoveStaging(string staging)
    {
        try
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next evaluation of the stage, which empties it first.
        }
    }

    private static void SaveSamples(Experiment experiment, StageRecord record, DrawnSamples drawn, string folder)
    {
        using var scope = NewDisposeScope();
        var count = drawn.Samples.shape[0];
        var bytesPerSample = drawn.Samples[0].numel() * drawn.Samples.element_size()
            + drawn.Condition.Entries.Sum(e => e.Value[0].numel() * e.Value.element_size());
        var keep = (int)Math.Min(Math.Min(count, MaxSavedSamples), Math.Max(1, MaxSavedBytes / Math.Max(1, bytesPerSample)));
        var kept = new DrawnSamples(drawn.Samples[..keep].cpu(), drawn.Condition.Slice(0, keep).To(CPU));
        var verdict = experiment.Oracle.Judge(kept.Samples, kept.Condition);
        experiment.DataSet.WriteSamples(experiment.Data, IDataSet.Same("evaluation", kept.Samples.shape[0]), kept.Samples, kept.Condition, verdict,
            Path.Combine(folder, Path.GetFileName(SamplesFile(record.Name))));
        AtomicFile.Write(Path.Combine(folder, Path.GetFileName(SamplesTensorFile(record.Name))), stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            new LabelledSamples(kept.Samples, kept.Condition, verdict.Valid).Save(writer);
        });
    }

    /// <summary>A stage's saved evaluation samples and their conditions (on the CPU), or null when there are none.</summary>
    public static DrawnSamples? LoadSavedSamples(RunFolder run, string stage)
    {
        var path = run.PathOf(SamplesTensorFile(stage));
        if (!File.Exists(path)) return null;
        using var reader = new BinaryReader(File.OpenRead(path));
        using var saved = LabelledSamples.Load(reader, CPU);
        return new DrawnSamples(saved.Samples.alias(), saved.Condition.Map(t => t.alias()));
    }
}
