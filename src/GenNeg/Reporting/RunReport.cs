using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Runs;
using GenNeg.Workflows;

namespace GenNeg.Reporting;

/// <summary>One stage in the report.</summary>
public sealed record ReportRow(
    string Stage,
    int Classifiers,
    long Parameters,
    double InfractionRate,
    double Mmd,
    double Elbo,
    double ElboStandardError,
    double StepLatencyMs,
    long? ParallelSamplesForOneValid,
    double ExpectedRunsPerValid,
    double MmdStandardError = 0,
    Metrics.NllEstimate? ExactNll = null);

/// <summary>The report's content: every evaluated stage, in the order the run made them.</summary>
/// <param name="Likelihood">what the Elbo column holds: ELBO (EDM, nats) or r-ELBO (DDPM)</param>
public sealed record RunReportData(double Delta, int LatencyBatchSize, string Likelihood, IReadOnlyList<ReportRow> Rows)
{
    /// <summary>Column and axis title of the likelihood figure.</summary>
    public string LikelihoodTitle => Likelihood == "ELBO" ? "ELBO (nats per example)" : $"{Likelihood} per example";
}

/// <summary>
/// report.md and report.json in the run folder, with PNGs in report/: a scatter per stage (infractions in red, the
/// paper's Figure 3) and infraction rate, MMD and ELBO against stage (Figure 4). Built from metrics.json and each
/// stage's saved evaluation samples, so it needs no sampling and can be rebuilt at any time.
/// </summary>
public static class RunReport
{
    public const string MarkdownFile = "report.md";
    public const string JsonFile = "report.json";
    public const string FigureFolder = "report";
    public const string MetricsFigure = "report/metrics.png";

    /// <summary>
    /// Collects every evaluated stage's figures and times one sampler step of each, all in one measurement so the
    /// latencies compare like with like.
    /// </summary>
    public static RunReportData Build(RunFolder run, GenNegConfig config)
    {
        var metrics = Evaluation.Recorded(run);
        var evaluated = run.LoadManifest().Stages.Where(stage => metrics.ContainsKey(stage.Name)).Select(stage => metrics[stage.Name]).ToList();
        if (evaluated.Count == 0) throw new GenNegException($"run folder '{run.Root}' has no evaluated stage to report; run evaluate first");

        using var data = Datasets.Load(config.Data);
        var latencies = LoadedStage.TimeSamplerSteps(run, config, evaluated.Select(m => run.Stage(m.Stage)).ToList(), data.Dimension,
            config.Report.LatencyBatchSize);
        var delta = config.Report.Delta;
        var rows = evaluated.Select((m, i) => new ReportRow(m.Stage, m.Classifiers, m.Parameters, m.InfractionRate, m.Mmd, m.Elbo, m.ElboStandardError,
            latencies[i], DeploymentArithmetic.ParallelSamplesForOneValid(m.InfractionRate, delta), DeploymentArithmetic.ExpectedRunsPerValid(m.InfractionRate),
            m.MmdStandardError, m.ExactNll));
        return new RunReportData(delta, config.Report.LatencyBatchSize, evaluated[^1].Likelihood, rows.ToList());
    }

    /// <summary>Writes report.md, report.json and the figures; returns the Markdown.</summary>
    public static string Write(RunFolder run, RunReportData report)
    {
        run.EnsureFolder(FigureFolder);
        var scatters = new List<string>();
        foreach (var row in report.Rows)
        {
            var samples = run.PathOf(Evaluation.SamplesFile(row.Stage));
            if (!File.Exists(samples)) continue;
            var figure = $"{FigureFolder}/{row.Stage}.png";
            AtomicFile.WriteAllBytes(run.PathOf(figure), SampleScatterPlot.RenderPng(SampleCsv.ReadPoints(samples), row.Stage));
            scatters.Add(figure);
        }
        AtomicFile.WriteAllBytes(run.PathOf(MetricsFigure), StageMetricsPlot.RenderPng(report.Rows, report.LikelihoodTitle));
        AtomicFile.WriteAllText(run.PathOf(JsonFile), JsonSerializer.Serialize(report, RunManifest.Json));
        var markdown = Markdown(report, scatters);
        AtomicFile.WriteAllText(run.PathOf(MarkdownFile), markdown);
        return markdown;
    }

    private static string Markdown(RunReportData report, IReadOnlyList<string> scatters)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Gen-neG run report").AppendLine();
        var withNll = report.Rows.Any(r => r.ExactNll is not null);
        text.AppendLine(c, $"| stage | classifiers | parameters | infraction rate | MMD | {report.LikelihoodTitle} |{(withNll ? " exact NLL (nats per example) |" : "")} step latency (ms) | parallel samples for one valid | runs per valid |");
        text.AppendLine($"|---|---:|---:|---:|---:|---:|{(withNll ? "---:|" : "")}---:|---:|---:|");
        foreach (var r in report.Rows)
        {
            var nll = !withNll ? "" : r.ExactNll is { } e ? $" {e.Nats:F3} ± {e.StandardError:F3} |" : " |";
            text.AppendLine(c, $"| {r.Stage} | {r.Classifiers} | {r.Parameters:N0} | {r.InfractionRate * 100:F3} % | {r.Mmd:0.000000} ± {r.MmdStandardError:0.000000} | " +
                               $"{r.Elbo:F3} ± {r.ElboStandardError:F3} |{nll} {r.StepLatencyMs:F2} | {(r.ParallelSamplesForOneValid?.ToString("N0", c) ?? "never")} | {r.ExpectedRunsPerValid:F4} |");
        }
        text.AppendLine();
        text.AppendLine(c, $"- Parallel samples for one valid: the smallest n with (infraction rate)^n <= delta = {report.Delta:G3}, i.e. ceil(log delta / log eps).");
        text.AppendLine("- Runs per valid: expected sampler runs per valid sample in a rejection loop, 1 / (1 - eps).");
        text.AppendLine(report.Likelihood == "ELBO"
            ? "- MMD: unbiased MMD^2 against held-out data ± its standard error (0 on average for a perfect model); ELBO: continuous-time ELBO per held-out example (higher is better)."
            : "- MMD: unbiased MMD^2 against held-out data ± its standard error (0 on average for a perfect model); r-ELBO: minus the diffusion loss with uniform weighting over t, per held-out example (higher is better).");
        if (withNll)
            text.AppendLine("- Exact NLL: negative log-likelihood of held-out examples from the probability-flow ODE (lower is better; -ELBO bounds the stochastic sampler's NLL, which equals this one only for an exact score), ± its standard error over examples.");
        text.AppendLine(c, $"- Step latency: median wall time of one sampler step (two denoiser evaluations) at batch {report.LatencyBatchSize}, all stages timed in turns when this report was made.").AppendLine();
        text.AppendLine(c, $"![metrics by stage]({MetricsFigure})").AppendLine();
        foreach (var figure in scatters) text.AppendLine(c, $"![{Path.GetFileNameWithoutExtension(figure)}]({figure})");
        return text.ToString();
    }
}
