using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Oracles;

/// <summary>
/// Infraction rates of a verdict, overall and per named reason: <see cref="PerSample"/> is the fraction of samples with
/// at least one infracting element (a scene with any colliding vehicle; the rates of the paper's Table 1, in %), and
/// <see cref="PerElement"/> the fraction of elements that infract (vehicles). For per-sample verdicts the two agree.
/// </summary>
public sealed record VerdictRate(string Reason, double PerSample, double PerElement, long Samples, long Elements)
{
    /// <summary>The name of the overall rate: an element infracts for any reason.</summary>
    public const string Overall = "infraction";

    /// <summary>The overall rate first, then one per reason in the verdict's order.</summary>
    /// <param name="elementMask">[B, *E], false for padding (no element): elements are counted among the real ones only; null when all are real</param>
    public static IReadOnlyList<VerdictRate> Of(OracleVerdict verdict, Tensor? elementMask = null)
    {
        using var scope = NewDisposeScope();
        using var invalid = verdict.Valid.logical_not();
        var real = verdict.PerElement ? elementMask?.to(ScalarType.Bool).to(invalid.device) : null;
        return verdict.Infractions.Select(r => Rate(r.Key, r.Value, real)).Prepend(Rate(Overall, invalid, real)).ToArray();
    }

    private static VerdictRate Rate(string reason, Tensor infracting, Tensor? real)
    {
        if (real is not null) infracting = infracting.logical_and(real);
        var samples = infracting.shape[0];
        var elements = real is null ? infracting.numel() : real.sum().item<long>();
        var perSample = (infracting.ndim == 1 ? infracting : infracting.flatten(1).any(1)).to(ScalarType.Float64).sum().item<double>();
        var perElement = infracting.to(ScalarType.Float64).sum().item<double>();
        return new VerdictRate(reason, samples == 0 ? 0 : perSample / samples, elements == 0 ? 0 : perElement / elements, samples, elements);
    }
}
