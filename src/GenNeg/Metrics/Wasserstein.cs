namespace GenNeg.Metrics;

/// <summary>
/// The Wasserstein-1 distance between two 1-D empirical distributions, W1 = the integral of |F1(x) - F2(x)| over x,
/// with F1, F2 the empirical CDFs. Both CDFs are steps that change only at the samples, so one walk over the sorted
/// merge of both samples gives it exactly; the sizes may differ.
/// </summary>
public static class Wasserstein
{
    public static double Distance(IReadOnlyCollection<double> first, IReadOnlyCollection<double> second)
    {
        var a = Sorted(first, nameof(first));
        var b = Sorted(second, nameof(second));
        var (i, j) = (0, 0);
        var x = Math.Min(a[0], b[0]);
        var total = 0.0;
        while (i < a.Length || j < b.Length)
        {
            var next = Math.Min(i < a.Length ? a[i] : double.PositiveInfinity, j < b.Length ? b[j] : double.PositiveInfinity);
            // Between x and next both CDFs are flat at i / n and j / m.
            total += Math.Abs((double)i / a.Length - (double)j / b.Length) * (next - x);
            x = next;
            while (i < a.Length && a[i] == next) i++;
            while (j < b.Length && b[j] == next) j++;
        }
        return total;
    }

    private static double[] Sorted(IReadOnlyCollection<double> values, string name)
    {
        if (values.Count == 0) throw new ArgumentException("an empirical distribution needs at least one value", name);
        var sorted = values.ToArray();
        if (!sorted.All(double.IsFinite)) throw new ArgumentException("the values must be finite", name);
        Array.Sort(sorted);
        return sorted;
    }
}
