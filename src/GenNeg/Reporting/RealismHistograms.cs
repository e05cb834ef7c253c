using System.Globalization;
using GenNeg.Data;
using GenNeg.Metrics;
using ScottPlot;

namespace GenNeg.Reporting;

/// <summary>
/// One small histogram per realism feature (<see cref="IRealismFeatures"/>): held-out data as grey bars, a stage's
/// samples as a red step line over them, both as shares of their own count so different sizes compare; the W1
/// distance in each title.
/// </summary>
public static class RealismHistograms
{
    private const int Bins = 40;
    private const int Columns = 3;

    /// <param name="distances">the recorded W1 per feature; a feature missing there is measured on the values drawn</param>
    public static byte[] RenderPng(IReadOnlyList<RealismFeature> heldOut, IReadOnlyList<RealismFeature> samples, IReadOnlyDictionary<string, double>? distances,
        string stage, int panelWidth = 420, int panelHeight = 300)
    {
        var panels = heldOut.Where(f => f.Values.Length > 0 && samples.Any(s => s.Name == f.Name && s.Values.Length > 0)).ToList();
        var multiplot = new Multiplot();
        var rows = Math.Max(1, (panels.Count + Columns - 1) / Columns);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, Columns);
        multiplot.AddPlots(rows * Columns);
        for (var i = 0; i < panels.Count; i++)
        {
            var reference = panels[i];
            var drawn = samples.First(s => s.Name == reference.Name);
            var w1 = distances is not null && distances.TryGetValue(reference.Name, out var recorded) ? recorded : Wasserstein.Distance(reference.Values, drawn.Values);
            Panel(multiplot.GetPlot(i), reference, drawn, w1, stage, legend: i == 0);
        }
        for (var i = panels.Count; i < rows * Columns; i++) { multiplot.GetPlot(i).Layout.Frameless(); multiplot.GetPlot(i).HideGrid(); }
        return multiplot.Render(Columns * panelWidth, rows * panelHeight).GetImageBytes(ImageFormat.Png);
    }

    private static void Panel(Plot plot, RealismFeature heldOut, RealismFeature samples, double w1, string stage, bool legend)
    {
        var edges = Edges(heldOut.Values, samples.Values);
        var reference = Shares(heldOut.Values, edges);
        var drawn = Shares(samples.Values, edges);
        var width = edges[1] - edges[0];
        var bars = plot.Add.Bars(Enumerable.Range(0, reference.Length).Select(k => edges[k] + width / 2).ToArray(), reference);
        foreach (var bar in bars.Bars)
        {
            bar.Size = width;
            bar.FillColor = Color.FromHex("#9e9e9e").WithAlpha(0.7);
            bar.LineWidth = 0;
        }
        bars.LegendText = string.Create(CultureInfo.InvariantCulture, $"held-out data ({heldOut.Values.Length:N0})");
        var step = plot.Add.ScatterLine(edges, [.. drawn, drawn[^1]]);
        step.ConnectStyle = ConnectStyle.StepHorizontal;
        step.Color = Color.FromHex("#d62728");
        step.LineWidth = 2;
        step.LegendText = string.Create(CultureInfo.InvariantCulture, $"{stage} ({samples.Values.Length:N0})");
        var unit = heldOut.Unit.Length > 0 ? $" ({heldOut.Unit})" : "";
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{heldOut.Name}{unit}: W1 {w1:G3}"), size: 13);
        plot.Axes.Left.Label.Text = "share";
        plot.Axes.Margins(0.02, 0.05);
        if (legend) plot.ShowLegend(Alignment.UpperRight); else plot.HideLegend();
    }

    /// <summary>
    /// Common bin edges from the lower 0.5 % to the upper 99.5 % of either set (values beyond count in the end bins,
    /// so a diverged sample does not squeeze the rest into one bin); unit bins centred on the integers for counts.
    /// </summary>
    internal static double[] Edges(double[] first, double[] second)
    {
        var (low, high) = (Math.Min(Quantile(first, 0.005), Quantile(second, 0.005)), Math.Max(Quantile(first, 0.995), Quantile(second, 0.995)));
        if (first.Concat(second).All(v => v == Math.Round(v)) && high - low < 200)
            return Enumerable.Range(0, (int)(high - low) + 2).Select(k => low - 0.5 + k).ToArray();
        if (high <= low) (low, high) = (low - 0.5, high + 0.5);
        return Enumerable.Range(0, Bins + 1).Select(k => low + (high - low) * k / Bins).ToArray();
    }

    /// <summary>The share of <paramref name="values"/> in each bin, values outside the edges counted in the end bins.</summary>
    internal static double[] Shares(double[] values, double[] edges)
    {
        var bins = edges.Length - 1;
        var counts = new double[bins];
        var width = edges[1] - edges[0];
        foreach (var v in values) counts[(int)Math.Clamp(Math.Floor((v - edges[0]) / width), 0, bins - 1)]++;
        for (var k = 0; k < bins; k++) counts[k] /= values.Length;
        return counts;
    }

    private static double Quantile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Clamp(Math.Round(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }
}
