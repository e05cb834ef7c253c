using GenNeg.Domains.Traffic.Maps;
using NetTopologySuite.Geometries;
using ScottPlot;

namespace GenNeg.Domains.Traffic.Pictures;

/// <summary>A map's road surface on a ScottPlot plot in metres: off-road shaded, road filled, medians and islands shaded again.</summary>
public static class RoadDrawing
{
    public static void AddSurface(Plot plot, RoadMap map)
    {
        var half = map.OracleFrame.Half;
        plot.DataBackground.Color = VehicleColours.OffRoad;
        foreach (var polygon in Polygons(map.DrivableArea))
        {
            Fill(plot, polygon.ExteriorRing, VehicleColours.Road);
            foreach (var hole in polygon.InteriorRings) Fill(plot, hole, VehicleColours.OffRoad);
        }
        plot.Axes.SetLimits(-half, half, -half, half);
        plot.Axes.SquareUnits();
    }

    /// <summary>The road edges as lines (for drawing over a heat map).</summary>
    public static void AddOutline(Plot plot, RoadMap map, Color colour)
    {
        foreach (var ring in Polygons(map.DrivableArea).SelectMany(p => p.InteriorRings.Prepend(p.ExteriorRing)))
        {
            var line = plot.Add.ScatterLine(ring.Coordinates.Select(c => c.X).ToArray(), ring.Coordinates.Select(c => c.Y).ToArray());
            line.Color = colour;
            line.LineWidth = 1.5f;
        }
    }

    private static IEnumerable<Polygon> Polygons(Geometry area) =>
        Enumerable.Range(0, area.NumGeometries).Select(area.GetGeometryN).OfType<Polygon>();

    private static void Fill(Plot plot, LineString ring, Color colour)
    {
        var shape = plot.Add.Polygon(ring.Coordinates.Select(c => new ScottPlot.Coordinates(c.X, c.Y)).ToArray());
        shape.FillColor = colour;
        shape.LineWidth = 0;
    }
}
