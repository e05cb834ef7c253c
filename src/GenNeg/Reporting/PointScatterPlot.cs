using ScottPlot;

namespace GenNeg.Reporting;

/// <summary>
/// 2-D points coloured by the oracle's verdict: valid points in blue, invalid ones in red and drawn on top so that
/// rare ones stay visible (the paper's Figure 3 style), for data sets whose samples are, or start with, two numbers.
/// </summary>
public static class PointScatterPlot
{
    public static byte[] RenderPng(IReadOnlyList<(double X, double Y, bool Valid)> points, string title, string invalidLabel = "infraction", int size = 700)
    {
        var plot = new Plot();
        foreach (var (valid, color, markerSize, label) in new[] { (true, Color.FromHex("#1f77b4"), 2f, "valid"), (false, Color.FromHex("#d62728"), 4f, invalidLabel) })
        {
            var chosen = points.Where(p => p.Valid == valid).ToArray();
            if (chosen.Length == 0) continue;
            var series = plot.Add.ScatterPoints(chosen.Select(p => p.X).ToArray(), chosen.Select(p => p.Y).ToArray());
            series.Color = color;
            series.MarkerSize = markerSize;
            series.LegendText = $"{label} ({chosen.Length:N0})";
        }
        plot.Title(title);
        plot.Axes.SquareUnits();
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(size, size, ImageFormat.Png);
    }
}
