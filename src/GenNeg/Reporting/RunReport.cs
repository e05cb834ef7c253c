using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Metrics;
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
    double? ExpectedRunsPerValid,
    double? ElementInfractionRate = null,
    IReadOnlyDictionary<string, ReasonRates>? InfractionsByReason = null,
    double MmdStandardError = 0,
    Metrics.NllEstimate? ExactNll = null,
    double? ClassifierStepCost = null,
    IReadOnlyDictionary<string, double>? Realism = null,
    IReadOnlyDictionary<string, long>? PeakMemory = null);

/// <summary>The report's content: every evaluated stage, in the order the run made them.</summary>
/// <param name="Likelihood">what the Elbo column holds: ELBO (EDM, nats) or r-ELBO (DDPM)</param>
public sealed record RunReportData(double Delta, int LatencyBatchSize, string Likelihood, IReadOnlyList<ReportRow> Rows)
{
    /// <summary>Column and axis title of the likelihood figure.</summary>
    public string LikelihoodTitle => Likelihood == "ELBO" ? "ELBO (nats per example)" : $"{Likelihood} per example";
}

/// <summary>
/// report.md, report.html and report.json in the run folder, with PNGs in report/: a scatter per stage (infractions in red, the
/// paper's Figure 3), infraction rate, MMD and ELBO against stage (Figure 4) and, for data sets with realism features,
/// per stage the histograms of each feature for held-out data and the stage's samples. Built from metrics.json and each
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
    public static RunReportData Build(RunFolder run, GenNegConfig config, Registries registries)
    {
        var metrics = StageMetrics.Recorded(run);
        var evaluated = run.LoadManifest().Stages.Where(stage => metrics.ContainsKey(stage.Name)).Select(stage => metrics[stage.Name]).ToList();
        if (evaluated.Count == 0) throw new GenNegException($"run folder '{run.Root}' has no evaluated stage to report; run evaluate first");

        using var experiment = Experiment.Open(config, registries);
        var records = evaluated.Select(m => run.Stage(m.Stage)).ToList();
        var latencies = LoadedStage.TimeSamplerSteps(run, experiment, records, config.Report.LatencyBatchSize);
        var delta = config.Report.Delta;
        var rows = evaluated.Select((m, i) => new ReportRow(m.Stage, m.Classifiers, m.Parameters, m.InfractionRate, m.Mmd, m.Elbo, m.ElboStandardError,
            latencies[i], DeploymentArithmetic.ParallelSamplesForOneValid(m.InfractionRate, delta), DeploymentArithmetic.ExpectedRunsPerValid(m.InfractionRate),
            m.ElementInfractionRate, m.InfractionsByReason, m.MmdStandardError, m.ExactNll, ClassifierStepCost(records, latencies, i), m.Realism,
            WithEvaluation(records[i].PeakMemory, m.PeakMemoryBytes)));
        return new RunReportData(delta, config.Report.LatencyBatchSize, evaluated[^1].Likelihood, rows.ToList());
    }

    /// <summary>The phases that made a stage, then its evaluation, each with its measured peak (null when none was measured).</summary>
    private static IReadOnlyDictionary<string, long>? WithEvaluation(IReadOnlyDictionary<string, long>? making, long? evaluation)
    {
        if (evaluation is null) return making;
        return new Dictionary<string, long>(making ?? new Dictionary<string, long>()) { [EvaluatePhase] = evaluation.Value };
    }

    /// <summary>The report's name for the evaluation's peak memory beside the making phases'.</summary>
    public const string EvaluatePhase = "evaluate";

    /// <summary>Stage i's cost per classifier against the reported stage with the same denoiser and no classifier, if any.</summary>
    private static double? ClassifierStepCost(IReadOnlyList<StageRecord> stages, IReadOnlyList<double> latencies, int i)
    {
        if (stages[i].Classifiers.Count == 0) return null;
        var plain = Enumerable.Range(0, stages.Count).FirstOrDefault(j => stages[j].Classifiers.Count == 0 && stages[j].Denoiser == stages[i].Denoiser, -1);
        return plain < 0 ? null : DeploymentArithmetic.ClassifierStepCost(latencies[i], latencies[plain], stages[i].Classifiers.Count);
    }

    /// <summary>
    /// Writes report.md, report.html, report.json, the figures and (unless turned off) their TensorBoard copy; returns the
    /// Markdown. Each stage's picture is the data set's own (checkerboard: a scatter), drawn from the stage's saved
    /// evaluation samples as labelled by the oracle now.
    /// </summary>
    public static string Write(RunFolder run, RunReportData report, GenNegConfig config, Registries registries)
    {
        FiniteFigures.Check(report, "report");
        run.EnsureFolder(FigureFolder);
        var scatters = new List<string>();
        var realismFigures = new List<string>();
        using (var experiment = Experiment.Open(config with { Device = "cpu" }, registries))
        {
            var realism = experiment.DataSet as IRealismFeatures;
            var heldOut = realism?.RealismFeatures(experiment.Data, experiment.Data.Validation, experiment.Data.ValidationCondition);
            foreach (var row in report.Rows)
            {
                using var saved = EvaluationSamples.Load(run, row.Stage);
                if (saved is null) continue;
                var verdict = experiment.Oracle.Judge(saved.Samples, saved.Condition);
                var figure = $"{FigureFolder}/{row.Stage}.png";
                AtomicFile.WriteAllBytes(run.PathOf(figure), experiment.DataSet.RenderSamples(experiment.Data, saved.Samples, saved.Condition, verdict, row.Stage));
                scatters.Add(figure);
                if (realism is null || heldOut is null) continue;
                var histograms = RealismFigure(row.Stage);
                AtomicFile.WriteAllBytes(run.PathOf(histograms),
                    RealismHistograms.RenderPng(heldOut, realism.RealismFeatures(experiment.Data, saved.Samples, saved.Condition), row.Realism, row.Stage));
                realismFigures.Add(histograms);
            }
        }
        AtomicFile.WriteAllBytes(run.PathOf(MetricsFigure), StageMetricsPlot.RenderPng(report.Rows, report.LikelihoodTitle));
        AtomicFile.WriteAllText(run.PathOf(JsonFile), JsonSerializer.Serialize(report, RunManifest.Json));
        var markdown = Markdown(report, scatters, realismFigures);
        AtomicFile.WriteAllText(run.PathOf(MarkdownFile), markdown);
        static List<(string, byte[])> Pictures(RunFolder run, IEnumerable<string> files) =>
            files.Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(run.PathOf(f)))).ToList();
        AtomicFile.WriteAllText(run.PathOf(HtmlFile),
            RunReportHtml.Render(report, Pictures(run, scatters.Prepend(MetricsFigure)), File.ReadAllText(run.ConfigPath), Pictures(run, realismFigures)));
        if (config.Tensorboard.Enabled)
            TensorBoardStageSummary.Write(run, report, scatters.ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => f), MetricsFigure);
        return markdown;
    }

    /// <summary>Per-element and per-reason infraction rates, when the oracle gives them (each as % of samples / % of elements).</summary>
    private static void AppendBreakdown(StringBuilder text, IReadOnlyList<ReportRow> rows)
    {
        var reasons = rows.SelectMany(r => r.InfractionsByReason?.Keys ?? []).Distinct().Order(StringComparer.Ordinal).ToList();
        if (reasons.Count == 0 && rows.All(r => r.ElementInfractionRate is null)) return;
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("Infractions by element and reason (% of samples with any such element / % of elements):").AppendLine();
        text.AppendLine("| stage | any reason | " + string.Join(" | ", reasons) + " |");
        text.AppendLine("|---|---:|" + string.Concat(reasons.Select(_ => "---:|")));
        static string Pair(double samples, double? elements) =>
            string.Create(CultureInfo.InvariantCulture, $"{samples * 100:F3} % / {(elements is { } e ? $"{e * 100:F3} %" : "-")}");
        foreach (var r in rows)
        {
            var cells = reasons.Select(reason => r.InfractionsByReason is { } map && map.TryGetValue(reason, out var rates) ? Pair(rates.Samples, rates.Elements) : "-");
            text.AppendLine(c, $"| {MarkdownText(r.Stage)} | {Pair(r.InfractionRate, r.ElementInfractionRate)} | {string.Join(" | ", cells)} |");
        }
        text.AppendLine();
    }

    /// <summary>Where a stage's realism histograms are drawn, relative to the run folder.</summary>
    public static string RealismFigure(string stage) => $"{FigureFolder}/{stage}-realism.png";

    /// <summary>The W1 per realism feature and stage, with how each stage moves it from the baseline, when any stage has them.</summary>
    private static void AppendRealism(StringBuilder text, RunReportData report)
    {
        var rows = ReportTable.RealismRows(report);
        if (rows.Count == 0) return;
        var c = CultureInfo.InvariantCulture;
        AppendTable(text, ReportTable.RealismNote, ReportTable.RealismHeaders(report), rows);
        foreach (var line in ReportTable.RealismChanges(report)) text.AppendLine(c, $"- {MarkdownText(line)}");
        text.AppendLine();
    }

    /// <summary>The measured peak memory of each phase that made each stage, when any stage has it.</summary>
    private static void AppendMemory(StringBuilder text, RunReportData report)
    {
        var rows = ReportTable.MemoryRows(report);
        if (rows.Count > 0) AppendTable(text, ReportTable.MemoryNote, ReportTable.MemoryHeaders(report), rows);
    }

    /// <summary>A note, then a table whose first column is text and the others numbers, each cell escaped.</summary>
    private static void AppendTable(StringBuilder text, string note, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(note).AppendLine();
        text.AppendLine(c, $"| {string.Join(" | ", headers.Select(MarkdownText))} |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", headers.Count - 1)));
        foreach (var row in rows) text.AppendLine(c, $"| {string.Join(" | ", row.Select(MarkdownText))} |");
        text.AppendLine();
    }

    private static string Markdown(RunReportData report, IReadOnlyList<string> scatters, IReadOnlyList<string> realismFigures)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Gen-neG run report").AppendLine();
        text.AppendLine(c, $"| {string.Join(" | ", ReportTable.Headers(report))} |");
        text.AppendLine(ReportTable.Alignment(report));
        foreach (var r in report.Rows) text.AppendLine(c, $"| {string.Join(" | ", ReportTable.Cells(r, ReportTable.WithNll(report)).Select(MarkdownText))} |");
        text.AppendLine();
        AppendBreakdown(text, report.Rows);
        AppendRealism(text, report);
        AppendMemory(text, report);
        foreach (var note in ReportTable.Notes(report)) text.AppendLine(c, $"- {note}");
        text.AppendLine();
        text.AppendLine(c, $"![metrics by stage]({MetricsFigure})").AppendLine();
        foreach (var figure in scatters)
            text.AppendLine(c, $"![{MarkdownText(Path.GetFileNameWithoutExtension(figure))}]({string.Join('/', figure.Split('/').Select(Uri.EscapeDataString))})");
        if (realismFigures.Count > 0) text.AppendLine();
        foreach (var figure in realismFigures)
            text.AppendLine(c, $"![{MarkdownText(Path.GetFileNameWithoutExtension(figure))}]({string.Join('/', figure.Split('/').Select(Uri.EscapeDataString))})");
        return text.ToString();
    }

    /// <summary>
    /// Text shown as itself in Markdown: stage names come from the run's files, and Markdown passes raw HTML through to
    /// renderers that may run it, so markup characters are escaped (HTML as entities, the rest with a backslash).
    /// </summary>
    public static string MarkdownText(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            switch (ch)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '|' or '#' or '!': escaped.Append('\\').Append(ch); break;
                case '\n' or '\r': escaped.Append(' '); break;
                default: escaped.Append(ch); break;
            }
        }
        return escaped.ToString();
    }
}
