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
}
