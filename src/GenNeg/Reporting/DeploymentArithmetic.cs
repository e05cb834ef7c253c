namespace GenNeg.Reporting;

/// <summary>What an infraction rate costs at deployment (the paper's Section 1 and Appendix D.1).</summary>
public static class DeploymentArithmetic
{
    /// <summary>
    /// Samples to draw in one parallel batch so that at least one is valid with probability 1 - delta:
    /// the smallest n with eps^n &lt;= delta, n = ceil(log delta / log eps). Null when eps = 1 (no n suffices).
    /// </summary>
    public static long? ParallelSamplesForOneValid(double infractionRate, double delta)
    {
        if (delta <= 0 || delta >= 1) throw new ArgumentOutOfRangeException(nameof(delta), "delta must be in (0, 1)");
        if (infractionRate <= 0) return 1;
        if (infractionRate >= 1) return null;
        return Math.Max(1, (long)Math.Ceiling(Math.Log(delta) / Math.Log(infractionRate) - 1e-12));
    }

    /// <summary>Expected sampler runs per valid sample in a rejection loop: 1 / (1 - eps). Null when eps = 1 (never).</summary>
    public static double? ExpectedRunsPerValid(double infractionRate) =>
        infractionRate >= 1 ? null : 1 / (1 - infractionRate);

    /// <summary>
    /// What each classifier of a stack adds to a sampler step, in steps of the model it guides: (step - base step) /
    /// (classifiers x base step), the paper's reading of its Table 4 (about 1.7x per classifier on traffic scenes).
    /// </summary>
    public static double ClassifierStepCost(double stepMs, double baseStepMs, int classifiers)
    {
        if (classifiers < 1) throw new ArgumentOutOfRangeException(nameof(classifiers), "a stack has at least one classifier");
        return (stepMs - baseStepMs) / (classifiers * baseStepMs);
    }
}
