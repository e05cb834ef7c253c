using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>Per realism feature of a data set (<see cref="IRealismFeatures"/>), the W1 distance between held-out data and samples.</summary>
public static class RealismDistances
{
    /// <summary>
    /// W1 per feature name, in the data set's order, for samples [B, *S] drawn under <paramref name="condition"/>
    /// against the whole held-out split; a feature without values on either side is left out.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Measure(IRealismFeatures features, DataSplit data, Tensor samples, Condition condition) =>
        Compare(features.RealismFeatures(data, data.Validation, data.ValidationCondition), features.RealismFeatures(data, samples, condition));

    public static IReadOnlyDictionary<string, double> Compare(IReadOnlyList<RealismFeature> heldOut, IReadOnlyList<RealismFeature> samples)
    {
        var distances = new Dictionary<string, double>();
        foreach (var reference in heldOut)
        {
            var drawn = samples.FirstOrDefault(f => f.Name == reference.Name);
            if (drawn is null || drawn.Values.Length == 0 || reference.Values.Length == 0) continue;
            distances[reference.Name] = Wasserstein.Distance(reference.Values, drawn.Values);
        }
        return distances;
    }
}
