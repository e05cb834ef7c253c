namespace GenNeg.Metrics;

/// <summary>Medians of timings (the upper middle value for an even count).</summary>
public static class Medians
{
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("no values to take the median of", nameof(values));
        return sorted[sorted.Count / 2];
    }
}
