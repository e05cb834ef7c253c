using GenNeg.Data;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>The share of one reason's infractions: of samples with any element infracting for it, and of elements.</summary>
public sealed record ReasonRates(double Samples, double Elements);

/// <summary>
/// How often the oracle rejects: <see cref="Samples"/>, the fraction of samples with any invalid element (the
/// infraction rate of the paper's tables); <see cref="Elements"/>, the fraction of elements that are invalid (null when
/// the oracle labels whole samples); and both per named reason.
/// </summary>
public sealed record InfractionRates(double Samples, double? Elements, IReadOnlyDictionary<string, ReasonRates> Reasons)
{
    public static InfractionRates Compute(IOracle oracle, Tensor samples, Condition condition)
    {
        using var scope = NewDisposeScope();
        var verdict = oracle.Judge(samples, condition);
        return Of(verdict);
    }

    public static InfractionRates Of(OracleVerdict verdict)
    {
        using var scope = NewDisposeScope();
        static double Mean(Tensor flags) => flags.to(ScalarType.Float64).mean().cpu().item<double>();
        var samples = 1.0 - Mean(verdict.SampleValid());
        double? elements = verdict.PerElement ? 1.0 - Mean(verdict.Valid) : null;
        var reasons = verdict.Infractions.ToDictionary(
            entry => entry.Key,
            entry => new ReasonRates(Mean(verdict.PerElement ? entry.Value.flatten(1).any(1) : entry.Value), Mean(entry.Value)));
        return new InfractionRates(samples, elements, reasons);
    }
}
