using GenNeg.Data;

namespace GenNeg.Metrics;

/// <summary>
/// Where a realism feature's values lie: the least, the 5, 25, 50, 75 and 95 % quantiles (linear interpolation between
/// order statistics, numpy's default) and the greatest, over <paramref name="Count"/> values.
/// </summary>
public sealed record FeatureQuantiles(string Name, string Unit, long Count, double Min, double[] Quantiles, double Max)
{
    public static readonly double[] Levels = [0.05, 0.25, 0.5, 0.75, 0.95];

    /// <summary>The summary of <paramref name="feature"/>; null when it has no values.</summary>
    public static FeatureQuantiles? Of(RealismFeature feature)
    {
        if (feature.Values.Length == 0) return null;
        var sorted = feature.Values.Order().ToArray();
        return new FeatureQuantiles(feature.Name, feature.Unit, sorted.Length, sorted[0], Levels.Select(level => At(sorted, level)).ToArray(), sorted[^1]);
    }

    /// <summary>The <paramref name="level"/> quantile of ascending <paramref name="sorted"/>, interpolated between neighbours.</summary>
    public static double At(double[] sorted, double level)
    {
        var position = level * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
