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
    /// <param name="elementMask">[B, *E], false for padding: element rates count real elements only; null when every element is real</param>
    public static InfractionRates Compute(IOracle oracle, Tensor samples, Condition condition, Tensor? elementMask = null)
    {
        using var scope = NewDisposeScope();
        var verdict = oracle.Judge(samples, condition);
        return Of(verdict, elementMask);
    }

    /// <param name="elementMask">[B, *E], false for padding (never infracting): element rates count real elements only; null when every element is real</param>
    public static InfractionRates Of(OracleVerdict verdict, Tensor? elementMask = null)
    {
        using var scope = NewDisposeScope();
        static double Mean(Tensor flags) => flags.to(ScalarType.Float64).mean().cpu().item<double>();
        var real = verdict.PerElement ? elementMask?.to(ScalarType.Bool).to(verdict.Valid.device) : null;
        // Over real elements: padding's flags are left out of both the count and the total.
        double ElementMean(Tensor flags) => real is null ? Mean(flags) : flags.logical_and(real).to(ScalarType.Float64).sum().cpu().item<double>() / Math.Max(1, real.sum().cpu().item<long>());
        var samples = 1.0 - Mean(verdict.SampleValid());
        double? elements = !verdict.PerElement ? null : real is null ? 1.0 - Mean(verdict.Valid) : ElementMean(verdict.Valid.logical_not());
        var reasons = verdict.Infractions.ToDictionary(
            entry => entry.Key,
            entry => new ReasonRates(Mean(verdict.PerElement ? entry.Value.flatten(1).any(1) : entry.Value), ElementMean(entry.Value)));
        return new InfractionRates(samples, elements, reasons);
    }
}
