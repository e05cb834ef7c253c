using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Metrics;
using GenNeg.Oracles;
using GenNeg.Reporting;
using GenNeg.Runs;
using GenNeg.Sampling;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace GenNeg.Workflows;

/// <summary>
/// A stage's figures, as written to metrics.json (snake_case keys). elbo is the formalism's likelihood figure per
/// held-out example, named by likelihood (higher is better): EDM's ELBO in nats (<see cref="VeElbo"/>) or DDPM's r-ELBO
/// (<see cref="ReweightedElbo"/>); mmd is the unbiased MMD^2 with its standard error (see <see cref="Mmd"/>); exact_nll,
/// when evaluate.likelihood is exact, the NLL from the probability-flow ODE (<see cref="ProbabilityFlowLikelihood"/>).
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
    double MmdStandardError = 0,
    NllEstimate? ExactNll = null)
{
    /// <summary>The figures in one line, as the commands print them.</summary>
    public string Summary => $"infraction rate {InfractionRate:P3}, MMD {Mmd:G3} ± {MmdStandardError:G2}, {Likelihood} {Elbo:F3}" +
        (ExactNll is { } nll ? $", NLL {nll.Nats:F3} ± {nll.StandardError:F3} nats ({nll.BitsPerDimension:F3} bits/dim, {nll.EvaluationsPerExample:F0} evaluations)" : "");
}

/// <param name="RunPath">the run folder</param>
/// <param name="Stage">stage to evaluate; null for the newest</param>
/// <param name="Samples">samples for the infraction rate; null for evaluate.samples</param>
/// <param name="Likelihood">bound or exact (adds the probability-flow NLL); null for evaluate.likelihood</param>
public sealed record EvaluationRequest(string RunPath, string? Stage = null, long? Samples = null, string? Likelihood = null);

/// <summary>Measures a stage (infraction rate, MMD, ELBO) and records the figures in metrics.json.</summary>
public sealed class Evaluation
{
    /// <summary>Evaluation draws from its own stream, so its figures do not depend on what ran before.</summary>
    private const long SeedOffset = 1_000_003;

    private readonly ILogger<Evaluation> logger;
    private readonly OracleRegistry oracles;

    public Evaluation(ILogger<Evaluation> logger, OracleRegistry oracles)
    {
        this.logger = logger;
        this.oracles = oracles;
    }

    public StageMetrics Run(EvaluationRequest request, IWorkflowProgress? progress = null, CancellationToken cancellation = default)
    {
        var run = RunFolder.Open(request.RunPath);
        var stage = run.Stage(request.Stage);
        var config = run.ConfigOf(stage);
        if (request.Likelihood is { } likelihood)
        {
            config = config with { Evaluate = config.Evaluate with { Likelihood = likelihood } };
            Configuration.ConfigValidator.Validate(config);
        }
        var samples = request.Samples ?? config.Evaluate.Samples;
        return Evaluate(run, config, stage, samples, progress, cancellation);
    }

    /// <summary>Evaluates <paramref name="record"/> under <paramref name="config"/>'s oracle, data and sampler.</summary>
    public StageMetrics Evaluate(RunFolder run, GenNegConfig config, StageRecord record, long samples, IWorkflowProgress? progress, CancellationToken cancellation)
    {
        if (samples < 1) throw new GenNegException($"the number of samples must be at least 1, got {samples}");
        var clock = Stopwatch.StartNew();
        var oracle = oracles.Resolve(config.Oracle);
        using var data = Datasets.Load(config.Data);
        using var stage = LoadedStage.Load(run, config, record, data.Dimension);
        using var generator = new Generator((ulong)(config.Seed + SeedOffset));
        var formalism = ModelFactory.Formalism(config.Model);
        var sampler = formalism.CreateSampler(config.Sampler);

        var samplingClock = Stopwatch.StartNew();
        using var drawn = BatchedSampling.Draw(sampler, stage.Denoiser, samples, data.Dimension, config.Sampler.BatchSize, generator,
            (progress ?? IWorkflowProgress.None).Sampling($"evaluate {record.Name}"), cancellation);
        var samplingSeconds = samplingClock.Elapsed.TotalSeconds;

        var infraction = InfractionRate.Compute(oracle, drawn);
        var mmdCount = Math.Min(config.Evaluate.MmdSamples, samples);
        var mmd = Mmd.Estimate(drawn[..(int)mmdCount], data.Validation[..(int)mmdCount], config.Evaluate.MmdBandwidths);
        var likelihood = formalism.CreateLikelihood(config.Evaluate.ElboNoiseDraws);
        var elbo = likelihood.Estimate(stage.Denoiser, data.Validation, generator);
        SaveSamples(run, record, oracle, drawn);
        var exact = config.Evaluate.Likelihood == "exact" ? ExactNll(config, formalism, stage.Denoiser, data.Validation, cancellation) : null;

        var metrics = new StageMetrics(record.Name, record.Classifiers.Count, stage.ParameterCount, infraction, mmd.Value, elbo.Nats, elbo.StandardError,
            samples, sampler.Steps, samplingSeconds, clock.Elapsed.TotalSeconds, likelihood.Name, mmd.StandardError, exact);
        run.RecordMetrics(record.Name, metrics);
        logger.LogInformation("Stage {Stage}: {Summary}", metrics.Stage, metrics.Summary);
        return metrics;
    }

    /// <summary>The probability-flow NLL of the first evaluate.likelihood_samples held-out points, with probes of its own seed.</summary>
    private static NllEstimate ExactNll(GenNegConfig config, IDiffusionFormalism formalism, IDenoiser denoiser, Tensor heldOut, CancellationToken cancellation)
    {
        var e = config.Evaluate;
        var settings = new OdeSettings(e.OdeSolver == "adaptive", e.OdeSteps, e.OdeRelativeTolerance, e.OdeAbsoluteTolerance,
            e.HutchinsonAboveDimension, e.HutchinsonProbes);
        using var generator = new Generator((ulong)(config.Seed + 2 * SeedOffset));
        using var points = heldOut[..(int)Math.Min(e.LikelihoodSamples, heldOut.shape[0])];
        return new ProbabilityFlowLikelihood(formalism.FlowSpan, settings).Estimate(denoiser, points, generator, cancellation);
    }

    /// <summary>The figures recorded in a run's metrics.json, by stage name.</summary>
    public static IReadOnlyDictionary<string, StageMetrics> Recorded(RunFolder run) =>
        run.LoadMetrics()
            .Where(entry => entry.Value is JsonObject)
            .ToDictionary(entry => entry.Key, entry => entry.Value.Deserialize<StageMetrics>(RunManifest.Json)!);

    /// <summary>Where a stage's evaluation samples are kept (for the report's scatter plots), relative to the run folder.</summary>
    public static string SamplesFile(string stage) => $"{stage}/evaluation-samples.csv";

    private static void SaveSamples(RunFolder run, StageRecord record, IOracle oracle, Tensor drawn)
    {
        using var kept = drawn[..(int)Math.Min(drawn.shape[0], MaxSavedSamples)];
        using var valid = oracle.IsValid(kept);
        run.EnsureFolder(record.Name);
        SampleCsv.Write(run.PathOf(SamplesFile(record.Name)), kept, valid.data<bool>().ToArray());
    }

    private const int MaxSavedSamples = 20_000;
}
