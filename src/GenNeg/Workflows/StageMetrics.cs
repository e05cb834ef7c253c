using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Data;
using GenNeg.Metrics;
using GenNeg.Runs;

namespace GenNeg.Workflows;

/// <summary>
/// A stage's figures, as written to metrics.json (snake_case keys). infraction_rate is the share of samples with any
/// invalid element; element_infraction_rate the share of invalid elements (absent when the oracle labels whole samples);
/// infractions_by_reason both shares per named reason. elbo is the formalism's likelihood figure per held-out example,
/// named by likelihood (higher is better): EDM's ELBO in nats (<see cref="VeElbo"/>) or DDPM's r-ELBO
/// (<see cref="ReweightedElbo"/>); mmd is the unbiased MMD^2 of the data set's distance features (by default the flattened samples) with its standard error (see
/// <see cref="Mmd"/>); exact_nll, when evaluate.likelihood is exact, the NLL from the probability-flow ODE
/// (<see cref="ProbabilityFlowLikelihood"/>); realism, when the data set has realism features (<see cref="IRealismFeatures"/>),
/// the Wasserstein-1 distance per feature between held-out data and the samples (<see cref="RealismDistances"/>);
/// peak_memory_bytes, the most memory resident at once while the evaluation ran (<see cref="Runtime.PeakMemory"/>), where measured.
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
    IReadOnlyDictionary<string, double>? Realism = null,
    long? PeakMemoryBytes = null)
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
}
