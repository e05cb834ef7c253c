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
        var heat = plot.Add.Heatmap(shown);
        heat.Colormap = new ScottPlot.Colormaps.Turbo();
        heat.Extent = new CoordinateRect(-half, half, -half, half);
        heat.ManualRange = new ScottPlot.Range(0, scaleMaximum);
        heat.NaNCellColor = Colors.Transparent;
        RoadDrawing.AddOutline(plot, map, VehicleColours.RoadEdge);
        if (colourBar)
        {
            var bar = plot.Add.ColorBar(heat);
            bar.Label = "infracting vehicles per m\u00b2 per scene";
        }
        return plot;
    }
}
