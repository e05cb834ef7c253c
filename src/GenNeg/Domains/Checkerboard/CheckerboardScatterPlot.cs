using ScottPlot;

namespace GenNeg.Domains.Checkerboard;

/// <summary>
/// A scatter of 2-D samples with the oracle's verdict in colour (the paper's Figure 3): valid points in blue,
/// infractions in red and drawn on top so that rare ones stay visible.
/// </summary>
public static class CheckerboardScatterPlot
{
    public static byte[] RenderPng(IReadOnlyList<(double X, double Y, bool Valid)> points, string title, int size = 800)
    {
        var plot = new Plot();
        AddSeries(plot, points.Where(p => p.Valid).ToArray(), Color.FromHex("#1f77b4").WithAlpha(0.5), 2, "valid");
        AddSeries(plot, points.Where(p => !p.Valid).ToArray(), Color.FromHex("#d62728"), 4, "infraction");
        var infractions = points.Count(p => !p.Valid);
        plot.Title($"{title}\n{points.Count:N0} samples, {infractions:N0} infractions ({100.0 * infractions / Math.Max(points.Count, 1):F2} %)");
        plot.Axes.SetLimits(-5, 5, -5, 5);
        plot.Axes.SquareUnits();
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(size, size, ImageFormat.Png);
    }

    private static void AddSeries(Plot plot, (double X, double Y, bool Valid)[] points, Color color, float markerSize, string label)
    {
        if (points.Length == 0) return;
        var series = plot.Add.ScatterPoints(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
        series.Color = color;
        series.MarkerSize = markerSize;
        series.LegendText = $"{label} ({points.Length:N0})";
    }
}
