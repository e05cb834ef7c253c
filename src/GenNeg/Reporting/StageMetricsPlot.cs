using ScottPlot;

namespace GenNeg.Reporting;

/// <summary>Infraction rate, MMD and ELBO (or r-ELBO) against stage, side by side (the paper's Figure 4).</summary>
public static class StageMetricsPlot
{
    public static byte[] RenderPng(IReadOnlyList<ReportRow> rows, string likelihoodTitle, int width = 1500, int height = 450)
    {
        var multiplot = new Multiplot();
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.AddPlots(3);
        var positions = Enumerable.Range(0, rows.Count).Select(i => (double)i).ToArray();
        var labels = rows.Select(r => r.Stage).ToArray();
        Panel(multiplot.GetPlot(0), positions, labels, rows.Select(r => r.InfractionRate * 100).ToArray(), "infraction rate (%)", Color.FromHex("#d62728"), fromZero: true);
        Panel(multiplot.GetPlot(1), positions, labels, rows.Select(r => r.Mmd).ToArray(), "MMD² to held-out data", Color.FromHex("#1f77b4"), fromZero: true);
        Panel(multiplot.GetPlot(2), positions, labels, rows.Select(r => r.Elbo).ToArray(), likelihoodTitle, Color.FromHex("#2ca02c"), fromZero: false);
        return multiplot.Render(width, height).GetImageBytes(ImageFormat.Png);
    }

    /// <param name="fromZero">start the axis at 0, so small changes of a small quantity are not magnified</param>
    private static void Panel(Plot plot, double[] positions, string[] labels, double[] values, string title, Color color, bool fromZero)
    {
        var line = plot.Add.Scatter(positions, values);
        line.Color = color;
        line.MarkerSize = 8;
        line.LineWidth = 2;
        plot.Title(title);
        plot.Axes.Bottom.SetTicks(positions, labels);
        plot.Axes.Margins(0.1, 0.15);
        if (fromZero) plot.Axes.SetLimitsY(0, Math.Max(values.Max(), 1e-12) * 1.15);
    }
}
