using GenNeg.Domains.Traffic.Maps;
using ScottPlot;

namespace GenNeg.Domains.Traffic.Pictures;

/// <summary>A heat map of infractions per square metre per scene over a map's road outline, on a colour scale shared between panels.</summary>
public static class HeatMapPanel
{
    public static Plot Create(RoadMap map, double[,] density, double scaleMaximum, string title, bool colourBar)
    {
        var plot = new Plot();
        var half = map.OracleFrame.Half;
        RoadDrawing.AddSurface(plot, map);
        plot.Axes.SetLimits(-half, half, -half, half);
        plot.Title(title, 13);
        plot.HideGrid();
        if (scaleMaximum <= 0)
        {
            RoadDrawing.AddOutline(plot, map, VehicleColours.RoadEdge);
            plot.Add.Annotation("no infractions");
            return plot;
        }
        // Empty cells stay transparent so the road shows through.
        var shown = (double[,])density.Clone();
        for (var r = 0; r < shown.GetLength(0); r++)
            for (var c = 0; c < shown.GetLength(1); c++)
                if (shown[r, c] <= 0) shown[r, c] = double.NaN;
        var empty = shown.Cast<double>().All(double.IsNaN);
        // ScottPlot needs a finite value somewhere in a heat map; a panel with no infraction of its kind (while the other
        // panel has some) gets a hidden one-cell map that carries the shared colour scale for the colour bar.
        var heat = plot.Add.Heatmap(empty ? new[,] { { scaleMaximum } } : shown);
        heat.IsVisible = !empty;
        heat.Colormap = new ScottPlot.Colormaps.Turbo();
        heat.Extent = new CoordinateRect(-half, half, -half, half);
        heat.ManualRange = new ScottPlot.Range(0, scaleMaximum);
        heat.NaNCellColor = Colors.Transparent;
        if (empty) plot.Add.Annotation("none of this kind");
        RoadDrawing.AddOutline(plot, map, VehicleColours.RoadEdge);
        if (colourBar)
        {
            var bar = plot.Add.ColorBar(heat);
            bar.Label = "infracting vehicles per m\u00b2 per scene";
        }
        return plot;
    }
}
