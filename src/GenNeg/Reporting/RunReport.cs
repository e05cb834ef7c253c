using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Reporting.TensorBoard;
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
    double ExpectedRunsPerValid);

/// <summary>The report's content: every evaluated stage, in the order the run made them.</summary>
/// <param name="Likelihood">what the Elbo column holds: ELBO (EDM, nats) or r-ELBO (DDPM)</param>
public sealed record RunReportData(double Delta, int LatencyBatchSize, string Likelihood, IReadOnlyList<ReportRow> Rows)
{
    /// <summary>Column and axis title of the likelihood figure.</summary>
    public string LikelihoodTitle => Likelihood == "ELBO" ? "ELBO (nats per example)" : $"{Likelihood} per example";
}

/// <summary>
/// report.md, report.html and report.json in the run folder, with PNGs in report/: a scatter per stage (infractions in red, the
/// paper's Figure 3) and infraction rate, MMD and ELBO against stage (Figure 4). Built from metrics.json and each
/// stage's saved evaluation samples, so it needs no sampling and can be rebuilt at any time.
/// </summary>
public static class RunReport
{
    public const string MarkdownFile = "report.md";
    public const string JsonFile = "report.json";
    /// <summary>The same report as one self-contained page (pictures embedded), for a browser.</summary>
    public const string HtmlFile = "report.html";
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
            latencies[i], DeploymentArithmetic.ParallelSamplesForOneValid(m.InfractionRate, delta), DeploymentArithmetic.ExpectedRunsPerValid(m.InfractionRate)));
        return new RunReportData(delta, config.Report.LatencyBatchSize, evaluated[^1].Likelihood, rows.ToList());
    }

    /// <summary>Writes report.md, report.html, report.json, the figures and (unless turned off) their TensorBoard copy; returns the Markdown.</summary>
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
        var figures = new[] { MetricsFigure }.Concat(scatters).Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(run.PathOf(f)))).ToList();
        AtomicFile.WriteAllText(run.PathOf(HtmlFile), RunReportHtml.Render(report, figures, File.ReadAllText(run.ConfigPath)));
        if (run.LoadConfig().Tensorboard.Enabled)
            TensorBoardStageSummary.Write(run, report, scatters.ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => f), MetricsFigure);
        return markdown;
    }

    private static string Markdown(RunReportData report, IReadOnlyList<string> scatters)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Gen-neG run report").AppendLine();
        text.AppendLine(c, $"| {string.Join(" | ", ReportTable.Headers(report))} |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in report.Rows) text.AppendLine(c, $"| {string.Join(" | ", ReportTable.Cells(r))} |");
        text.AppendLine();
        foreach (var note in ReportTable.Notes(report)) text.AppendLine(c, $"- {note}");
        text.AppendLine();
        text.AppendLine(c, $"![metrics by stage]({MetricsFigure})").AppendLine();
        foreach (var figure in scatters) text.AppendLine(c, $"![{Path.GetFileNameWithoutExtension(figure)}]({figure})");
        return text.ToString();
    }
}
