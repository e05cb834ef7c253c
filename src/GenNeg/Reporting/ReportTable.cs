using System.Globalization;

namespace GenNeg.Reporting;

/// <summary>The report's stage table and notes as text, shared by report.md and report.html.</summary>
public static class ReportTable
{
    public static IReadOnlyList<string> Headers(RunReportData report) =>
        ["stage", "classifiers", "parameters", "infraction rate", "MMD", report.LikelihoodTitle, "step latency (ms)", "parallel samples for one valid", "runs per valid"];

    public static IReadOnlyList<string> Cells(ReportRow r)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            r.Stage, r.Classifiers.ToString(c), r.Parameters.ToString("N0", c), string.Create(c, $"{r.InfractionRate * 100:F3} %"), r.Mmd.ToString("0.000000", c),
            string.Create(c, $"{r.Elbo:F3} ± {r.ElboStandardError:F3}"), r.StepLatencyMs.ToString("F2", c), r.ParallelSamplesForOneValid?.ToString("N0", c) ?? "never",
            r.ExpectedRunsPerValid.ToString("F4", c),
        ];
    }

    /// <summary>What the columns mean, one sentence each.</summary>
    public static IReadOnlyList<string> Notes(RunReportData report)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            string.Create(c, $"Parallel samples for one valid: the smallest n with (infraction rate)^n <= delta = {report.Delta:G3}, i.e. ceil(log delta / log eps)."),
            "Runs per valid: expected sampler runs per valid sample in a rejection loop, 1 / (1 - eps).",
            report.Likelihood == "ELBO"
                ? "MMD: biased MMD^2 against held-out data; ELBO: continuous-time ELBO per held-out example (higher is better)."
                : "MMD: biased MMD^2 against held-out data; r-ELBO: minus the diffusion loss with uniform weighting over t, per held-out example (higher is better).",
            string.Create(c, $"Step latency: median wall time of one sampler step (two denoiser evaluations) at batch {report.LatencyBatchSize}, all stages timed in turns when this report was made."),
        ];
    }
}
