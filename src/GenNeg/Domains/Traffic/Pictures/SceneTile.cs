using GenNeg.Domains.Traffic.Shapes;
using GenNeg.Domains.Traffic.Maps;
using ScottPlot;

namespace GenNeg.Domains.Traffic.Pictures;

/// <summary>One scene on its map (a tile of the paper's Figure 1): vehicles as oriented boxes coloured by status, a white line from the centre to the front.</summary>
public static class SceneTile
{
    public static Plot Create(RoadMap map, IReadOnlyList<(OrientedBox Box, VehicleStatus Status)> vehicles, string title)
    {
        var plot = new Plot();
        RoadDrawing.AddSurface(plot, map);
        foreach (var (box, status) in vehicles)
        {
            var shape = plot.Add.Polygon(box.Corners().Select(c => new Coordinates(c.X, c.Y)).ToArray());
            shape.FillColor = VehicleColours.Of(status).WithAlpha(status == VehicleStatus.Valid ? 0.9 : 0.75);
            shape.LineColor = Colors.Black;
            shape.LineWidth = 1;
            var front = box.PointAt(1, 0);
            var mark = plot.Add.Line(box.X, box.Y, front.X, front.Y);
            mark.Color = Colors.White;
            mark.LineWidth = 1.5f;
        }
        plot.Title(title, 12);
        plot.HideGrid();
        return plot;
    }

    public static LegendItem[] Legend() => Enum.GetValues<VehicleStatus>()
        .Select(s => new LegendItem { LabelText = s.ToString().ToLowerInvariant(), FillColor = VehicleColours.Of(s) })
        .ToArray();
}
