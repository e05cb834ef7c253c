using System.Globalization;
using GenNeg.Runs;
using GenNeg.Workflows;
using ScottPlot;

namespace GenNeg.Reporting;

/// <summary>
/// One evaluated stage of one run, under a label of the user's: a row of a comparison across runs (variants of a
/// config, say), read from the run's metrics.json.
/// </summary>
public sealed record ComparedStage(string Label, StageMetrics Metrics)
{
    /// <summary>
    /// Reads "LABEL=RUN" or "LABEL=RUN:STAGE" (the newest evaluated stage when no stage is named; the run folder's name
    /// when no label is given).
    /// </summary>
    public static ComparedStage Parse(string entry)
    {
        var equals = entry.IndexOf('=');
        var (label, rest) = equals > 0 ? (entry[..equals], entry[(equals + 1)..]) : (null, entry);
        var colon = rest.LastIndexOf(':');
        var (path, stage) = colon > 0 && !Directory.Exists(rest) ? (rest[..colon], rest[(colon + 1)..]) : (rest, null);
        var run = RunFolder.Open(path);
        var recorded = StageMetrics.Recorded(run);
        label ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(run.Root));
        if (stage is null)
        {
            var evaluated = run.LoadManifest().Stages.Select(s => s.Name).Where(recorded.ContainsKey).ToList();
            if (evaluated.Count == 0) throw new GenNegException($"run folder '{path}' has no evaluated stage; run evaluate first");
            return new ComparedStage(label, recorded[evaluated[^1]]);
        }
        return recorded.TryGetValue(stage, out var metrics)
            ? new ComparedStage(label, metrics)
            : throw new GenNegException($"run folder '{path}' has no figures for stage '{stage}'; evaluated: {(recorded.Count == 0 ? "none" : string.Join(", ", recorded.Keys))}");
    }
}

/// <summary>Evaluated stages of several runs side by side: a Markdown table and a picture.</summary>
public static class StageComparison
{
    /// <summary>The infraction reasons any row names, in the order first met.</summary>
    public static IReadOnlyList<string> Reasons(IReadOnlyList<ComparedStage> rows) =>
        rows.SelectMany(r => r.Metrics.InfractionsByReason?.Keys ?? []).Distinct().ToList();

    public static string Markdown(IReadOnlyList<ComparedStage> rows)
    {
        var c = CultureInfo.InvariantCulture;
        var reasons = Reasons(rows);
        var likelihoods = rows.Select(r => r.Metrics.Likelihood).Distinct().ToList();
        var header = new List<string> { "run", "stage", "infraction rate", "elements" };
        header.AddRange(reasons);
        header.AddRange(["MMD", likelihoods.Count == 1 ? likelihoods[0] : "ELBO or r-ELBO", "samples"]);
        var lines = new List<string>
        {
            "| " + string.Join(" | ", header) + " |",
            "|---|---|" + string.Concat(Enumerable.Repeat("---:|", header.Count - 2)),
        };
        foreach (var (label, m) in rows)
        {
            var cells = new List<string>
            {
                label, m.Stage, Percent(m.InfractionRate), m.ElementInfractionRate is { } e ? Percent(e) : "-",
            };
            cells.AddRange(reasons.Select(reason => m.InfractionsByReason is { } by && by.TryGetValue(reason, out var rates) ? Percent(rates.Samples) : "-"));
            cells.AddRange([
                string.Create(c, $"{m.Mmd:0.00000} ± {m.MmdStandardError:0.00000}"),
                string.Create(c, $"{m.Elbo:F3} ± {m.ElboStandardError:F3}"),
                m.Samples.ToString("N0", c),
            ]);
            lines.Add("| " + string.Join(" | ", cells) + " |");
        }
        return string.Join('\n', lines) + '\n';

        string Percent(double share) => string.Create(c, $"{share * 100:F2} %");
    }

    /// <summary>
    /// Left: the share of samples with an infraction, overall and per reason, a group of bars per run; right: the
    /// likelihood figure with its standard error.
    /// </summary>
    public static byte[] RenderPng(IReadOnlyList<ComparedStage> rows, int height = 480)
    {
        var width = Math.Max(1000, 260 * rows.Count);   // room for each entry's label under its group
        var multiplot = new Multiplot();
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.AddPlots(2);
        var (rates, likelihood) = (multiplot.GetPlot(0), multiplot.GetPlot(1));
        var series = new List<(string Name, Func<StageMetrics, double?> Value)> { ("any infraction", m => m.InfractionRate) };
        series.AddRange(Reasons(rows).Select(reason => (reason, (Func<StageMetrics, double?>)(m =>
            m.InfractionsByReason is { } by && by.TryGetValue(reason, out var r) ? r.Samples : null))));
        var palette = new ScottPlot.Palettes.Category10();
        var groupWidth = series.Count + 1.0;
        for (var s = 0; s < series.Count; s++)
        {
            var bars = rows.Select((row, i) => (i, value: series[s].Value(row.Metrics)))
                .Where(b => b.value is not null)
                .Select(b => new Bar { Position = b.i * groupWidth + s, Value = b.value!.Value * 100, FillColor = palette.GetColor(s) })
                .ToList();
            rates.Add.Bars(bars);
            rates.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = palette.GetColor(s) });
        }
        rates.Axes.Bottom.SetTicks(rows.Select((_, i) => i * groupWidth + (series.Count - 1) / 2.0).ToArray(), rows.Select(r => r.Label).ToArray());
        rates.Axes.SetLimitsY(0, 100);
        rates.Title("scenes with an infraction (%)");
        rates.ShowLegend(Alignment.UpperRight);

        var positions = rows.Select((_, i) => (double)i).ToArray();
        var errors = likelihood.Add.ErrorBar(positions, rows.Select(r => r.Metrics.Elbo).ToArray(), rows.Select(r => r.Metrics.ElboStandardError).ToArray());
        errors.Color = Color.FromHex("#2ca02c");
        var points = likelihood.Add.ScatterPoints(positions, rows.Select(r => r.Metrics.Elbo).ToArray());
        points.Color = Color.FromHex("#2ca02c");
        points.MarkerSize = 9;
        likelihood.Axes.Bottom.SetTicks(positions, rows.Select(r => r.Label).ToArray());
        likelihood.Axes.Margins(0.15, 0.2);   // room for the outer labels
        likelihood.Title(string.Join(" or ", rows.Select(r => r.Metrics.Likelihood).Distinct()) + " per held-out example (higher is better)");
        return multiplot.Render(width, height).GetImageBytes(ImageFormat.Png);
    }
}
