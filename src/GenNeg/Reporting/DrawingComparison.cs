using GenNeg.Guidance;
using GenNeg.Runs;
using GenNeg.Workflows;
using ScottPlot;

namespace GenNeg.Reporting;

/// <summary>
/// How each Gen-neG iteration of a run drew its classifier's data, beside the stage's evaluated figures: one row per
/// genneg-K stage (K = the classifiers in its stack), from manifest.json and metrics.json.
/// </summary>
/// <param name="PositiveEss">effective sample size of the valid class (sequential importance sampling only)</param>
/// <param name="InfractionRate">the stage's evaluated infraction rate (null: not evaluated)</param>
/// <param name="Likelihood">its evaluated ELBO (EDM) or r-ELBO (DDPM) per held-out example</param>
public sealed record IterationDrawing(
    int Iteration, string Stage, string Method, double Alpha, long Drawn, long TrainPositives, long TrainNegatives, double DrawSeconds,
    double TrainSeconds, double? PositiveEss, double? NegativeEss, double? InfractionRate, double? Mmd, double? Likelihood)
{
    public static IReadOnlyList<IterationDrawing> Read(RunFolder run)
    {
        var metrics = StageMetrics.Recorded(run);
        return run.LoadManifest().Stages
            .Where(stage => stage.Name.StartsWith(GenNegIteration.StagePrefix, StringComparison.Ordinal) && stage.Classifiers.Count > 0)
            .Select(stage =>
            {
                var newest = stage.Classifiers[^1];
                var evaluated = metrics.TryGetValue(stage.Name, out var m) ? m : null;
                var method = newest.Importance is { } sis ? $"sis from {sis.Proposal} ({sis.Sampler}, {sis.Steps} steps)" : DrawMethods.Standard;
                return new IterationDrawing(stage.Classifiers.Count, stage.Name, method, newest.Alpha, newest.Drawn, newest.TrainPositives,
                    newest.TrainNegatives, newest.DrawSeconds, newest.TrainSeconds, newest.Importance?.PositiveEss, newest.Importance?.NegativeEss,
                    evaluated?.InfractionRate, evaluated?.Mmd, evaluated?.Elbo);
            })
            .OrderBy(row => row.Iteration)
            .ToList();
    }

    /// <summary>The row as a Markdown table line (see <see cref="MarkdownHeader"/>).</summary>
    public string MarkdownRow(string run) =>
        $"| {run} | {Iteration} | {Method} | {Drawn:N0} | {TrainPositives:N0} + {TrainNegatives:N0} | {Ess(PositiveEss)} / {Ess(NegativeEss)} | " +
        $"{Alpha:F4} | {DrawSeconds:F0} | {TrainSeconds:F0} | {(InfractionRate is { } rate ? rate.ToString("P3") : "-")} | {(Mmd is { } mmd ? mmd.ToString("G3") : "-")} | {(Likelihood is { } elbo ? elbo.ToString("F3") : "-")} |";

    public const string MarkdownHeader =
        "| run | iteration | drawing | draws | kept (valid + invalid) | ESS (valid / invalid) | alpha | drawing (s) | classifier training (s) | infraction rate | MMD | ELBO or r-ELBO |\n" +
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    private static string Ess(double? ess) => ess is { } value ? value.ToString("N0") : "-";
}

/// <summary>
/// Time and infraction rate against iteration, one colour per run (e.g. standard drawing against SIS): the drawing time
/// solid, the drawing plus the classifier's training dashed (what a method saves drawing it may spend training).
/// </summary>
public static class DrawingComparisonPlot
{
    public static byte[] RenderPng(IReadOnlyList<(string Label, IReadOnlyList<IterationDrawing> Rows)> runs, int width = 1100, int height = 420)
    {
        var multiplot = new Multiplot();
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.AddPlots(2);
        var (time, rate) = (multiplot.GetPlot(0), multiplot.GetPlot(1));
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < runs.Count; i++)
        {
            var (label, rows) = runs[i];
            var color = palette.GetColor(i);
            var iterations = rows.Select(r => (double)r.Iteration).ToArray();
            Line(time, iterations, rows.Select(r => r.DrawSeconds).ToArray(), $"{label}: drawing", color);
            Line(time, iterations, rows.Select(r => r.DrawSeconds + r.TrainSeconds).ToArray(), $"{label}: drawing + training", color, LinePattern.Dashed);
            var evaluated = rows.Where(r => r.InfractionRate is not null).ToArray();
            Line(rate, evaluated.Select(r => (double)r.Iteration).ToArray(), evaluated.Select(r => r.InfractionRate!.Value * 100).ToArray(), label, color);
        }
        Axes(time, "time per iteration (s)", runs, Alignment.UpperLeft);
        Axes(rate, "infraction rate after the iteration (%)", runs, Alignment.UpperRight);
        return multiplot.Render(width, height).GetImageBytes(ImageFormat.Png);
    }

    private static void Line(Plot plot, double[] iterations, double[] values, string label, Color color, LinePattern? pattern = null)
    {
        if (iterations.Length == 0) return;
        var line = plot.Add.Scatter(iterations, values);
        line.Color = color;
        line.LinePattern = pattern ?? LinePattern.Solid;
        line.MarkerSize = 8;
        line.LineWidth = 2;
        line.LegendText = label;
    }

    private static void Axes(Plot plot, string title, IReadOnlyList<(string Label, IReadOnlyList<IterationDrawing> Rows)> runs, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel("Gen-neG iteration (classifiers in the stack)");
        var iterations = runs.SelectMany(r => r.Rows).Select(r => r.Iteration).Distinct().Order().Select(k => (double)k).ToArray();
        if (iterations.Length > 0) plot.Axes.Bottom.SetTicks(iterations, iterations.Select(k => k.ToString("F0")).ToArray());
        plot.Axes.Margins(0.1, 0.15);
        plot.Axes.AutoScale();
        var limits = plot.Axes.GetLimits();
        plot.Axes.SetLimitsY(0, Math.Max(limits.Top, 1e-9) * 1.1);   // from zero, so growth reads as growth
        plot.ShowLegend(legend);
    }
}
