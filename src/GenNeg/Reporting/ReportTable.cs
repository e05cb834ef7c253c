using System.Globalization;

namespace GenNeg.Reporting;

/// <summary>The report's stage table and notes as text, shared by report.md and report.html.</summary>
public static class ReportTable
{
    /// <summary>Whether any stage has an exact NLL (the column is shown only then).</summary>
    public static bool WithNll(RunReportData report) => report.Rows.Any(r => r.ExactNll is not null);

    public static IReadOnlyList<string> Headers(RunReportData report) =>
    [
        "stage", "classifiers", "parameters", "infraction rate", "MMD", report.LikelihoodTitle,
        .. WithNll(report) ? new[] { "exact NLL (nats per example)" } : [],
        "step latency (ms)", "step cost per classifier", "parallel samples for one valid", "runs per valid",
    ];

    /// <summary>The Markdown alignment row for <see cref="Headers"/>.</summary>
    public static string Alignment(RunReportData report) => "|---|" + string.Concat(Enumerable.Repeat("---:|", Headers(report).Count - 1));

    public static IReadOnlyList<string> Cells(ReportRow r, bool withNll)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            r.Stage, r.Classifiers.ToString(c), r.Parameters.ToString("N0", c), string.Create(c, $"{r.InfractionRate * 100:F3} %"),
            string.Create(c, $"{r.Mmd:0.000000} ± {r.MmdStandardError:0.000000}"),
            string.Create(c, $"{r.Elbo:F3} ± {r.ElboStandardError:F3}"),
            .. withNll ? new[] { r.ExactNll is { } e ? NllCell(e, c) : "" } : [],
            r.StepLatencyMs.ToString("F2", c), r.ClassifierStepCost is { } cost ? string.Create(c, $"{cost:F2}x") : "", r.ParallelSamplesForOneValid?.ToString("N0", c) ?? "never",
            r.ExpectedRunsPerValid?.ToString("F4", c) ?? "never",
        ];
    }

    private static string NllCell(Metrics.NllEstimate e, CultureInfo c) =>
        string.Create(c, $"{e.Nats:F3} ± {e.StandardError:F3}") + (e.MedianNats is { } median ? string.Create(c, $" (median {median:F3})") : "");

    /// <summary>What the columns mean, one sentence each.</summary>
    public static IReadOnlyList<string> Notes(RunReportData report)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            string.Create(c, $"Parallel samples for one valid: the smallest n with (infraction rate)^n <= delta = {report.Delta:G3}, i.e. ceil(log delta / log eps)."),
            "Runs per valid: expected sampler runs per valid sample in a rejection loop, 1 / (1 - eps).",
            report.Likelihood == "ELBO"
                ? "MMD: unbiased MMD^2 of the samples' distance features (the flattened samples unless the data set defines its own) against held-out data ± its standard error (0 on average for a perfect model); ELBO: continuous-time ELBO per held-out example (higher is better)."
                : "MMD: unbiased MMD^2 of the samples' distance features (the flattened samples unless the data set defines its own) against held-out data ± its standard error (0 on average for a perfect model); r-ELBO: minus the diffusion loss with uniform weighting over t, per held-out example (higher is better).",
            .. WithNll(report)
                ? new[] { "Exact NLL: negative log-likelihood of held-out examples from the probability-flow ODE (lower is better; -ELBO bounds the stochastic sampler's NLL, which equals this one only for an exact score), ± its standard error over examples, and the median example's." }
                : [],
            string.Create(c, $"Step latency: median wall time of one sampler step (two denoiser evaluations) at batch {report.LatencyBatchSize}, all stages timed in turns when this report was made."),
            "Step cost per classifier: what each classifier of a stack adds to that step, in steps of the same model unguided: (step - base step) / (classifiers x base step), as the paper reads its Table 4.",
        ];
    }

    /// <summary>The realism features any stage has W1 distances for, in the order first recorded.</summary>
    public static IReadOnlyList<string> RealismFeatures(RunReportData report) =>
        report.Rows.SelectMany(r => r.Realism?.Keys ?? []).Distinct().ToList();

    /// <summary>The realism table's header: the stage, then one W1 column per feature.</summary>
    public static IReadOnlyList<string> RealismHeaders(RunReportData report) => ["stage", .. RealismFeatures(report).Select(f => $"W1 {f}")];

    /// <summary>The rows of the realism table: each stage with realism figures, its W1 per feature ("-" where it has none).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> RealismRows(RunReportData report)
    {
        var c = CultureInfo.InvariantCulture;
        var features = RealismFeatures(report);
        return report.Rows.Where(r => r.Realism is not null)
            .Select(r => (IReadOnlyList<string>)[r.Stage, .. features.Select(f => r.Realism!.TryGetValue(f, out var w) ? w.ToString("G4", c) : "-")])
            .ToList();
    }

    /// <summary>
    /// Per feature, one line: how each later stage moves its W1 relative to the first stage with realism figures (the
    /// baseline), as a percentage of the baseline's W1 (negative: closer to held-out data).
    /// </summary>
    public static IReadOnlyList<string> RealismChanges(RunReportData report)
    {
        var c = CultureInfo.InvariantCulture;
        var rows = report.Rows.Where(r => r.Realism is not null).ToList();
        if (rows.Count == 0) return [];
        var baseline = rows[0];
        var lines = new List<string>();
        foreach (var feature in RealismFeatures(report))
        {
            if (!baseline.Realism!.TryGetValue(feature, out var reference)) continue;
            var moves = rows.Skip(1).Where(r => r.Realism!.ContainsKey(feature)).Select(r =>
            {
                var w = r.Realism![feature];
                return reference > 0 ? string.Create(c, $"{r.Stage} {(w - reference) / reference * 100:+0.0;-0.0;0.0} %") : string.Create(c, $"{r.Stage} {w - reference:+0.###;-0.###;0} (absolute)");
            }).ToList();
            lines.Add(string.Create(c, $"W1 {feature} relative to {baseline.Stage} ({reference:G4}): ") + (moves.Count > 0 ? string.Join(", ", moves) : "no other stage"));
        }
        return lines;
    }

    /// <summary>The phases any stage has a peak memory for, in the order first recorded, the evaluation last.</summary>
    public static IReadOnlyList<string> MemoryPhases(RunReportData report) =>
        report.Rows.SelectMany(r => r.PeakMemory?.Keys ?? []).Distinct().OrderBy(p => p == RunReport.EvaluatePhase).ToList();

    /// <summary>The memory table's header: the stage, then one column per phase.</summary>
    public static IReadOnlyList<string> MemoryHeaders(RunReportData report) => ["stage", .. MemoryPhases(report).Select(p => $"{p.Replace('_', ' ')} (GB)")];

    /// <summary>The rows of the memory table: each stage with measured phases, its peak per phase in GB ("-" where it has none).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> MemoryRows(RunReportData report)
    {
        var c = CultureInfo.InvariantCulture;
        var phases = MemoryPhases(report);
        return report.Rows.Where(r => r.PeakMemory is { Count: > 0 })
            .Select(r => (IReadOnlyList<string>)[r.Stage, .. phases.Select(p => r.PeakMemory!.TryGetValue(p, out var bytes) ? (bytes / 1e9).ToString("F2", c) : "-")])
            .ToList();
    }

    /// <summary>What the memory table holds, in one sentence.</summary>
    public const string MemoryNote =
        "Peak memory: the most memory resident at once in the process while each phase that made the stage ran, and while it was evaluated (measured by the operating system, data included; for a resumed phase, the peak since it resumed).";

    /// <summary>What the realism table holds, in one sentence.</summary>
    public const string RealismNote =
        "Realism: the Wasserstein-1 distance (integral of |F_data - F_samples|, in the feature's unit) between the distribution of each per-element feature over held-out data and over the stage's evaluation samples (lower is closer; the data set defines the features).";
}
