using GenNeg.Domains.Traffic.Maps;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Distance;

namespace GenNeg.Domains.Traffic.Realism;

/// <summary>
/// One map's road edge and lanes, indexed for the realism features: the signed distance of a point to the edge of the
/// drivable area, and the lane whose centreline is nearest with the direction of travel there.
/// </summary>
public sealed class MapRealismIndex
{
    private static readonly GeometryFactory Factory = new();

    private readonly IndexedFacetDistance? edge;
    private readonly IndexedPointInAreaLocator area;
    private readonly RoadMap map;
    /// <summary>Per lane its bounding box (min x, min y, max x, max y), to skip lanes farther than the best so far.</summary>
    private readonly (double MinX, double MinY, double MaxX, double MaxY)[] laneBounds;

    public MapRealismIndex(RoadMap map)
    {
        this.map = map;
        area = new IndexedPointInAreaLocator(map.DrivableArea);
        // The area is cut to the window, but the window's border is no road edge: the road goes on beyond it. The
        // boundary is kept only strictly inside the window (a millimetre in), which drops the cut and nothing else.
        var inner = map.OracleFrame.Half - 1e-3;
        var window = Factory.CreatePolygon(
        [
            new Coordinate(-inner, -inner), new Coordinate(inner, -inner), new Coordinate(inner, inner), new Coordinate(-inner, inner), new Coordinate(-inner, -inner),
        ]);
        var edges = SafeOverlay.Overlay(map.DrivableArea.Boundary, window, NetTopologySuite.Operation.Overlay.SpatialFunction.Intersection);
        edge = edges.IsEmpty ? null : new IndexedFacetDistance(edges);
        laneBounds = map.Lanes.Select(l => (l.Path.Points.Min(p => p.X), l.Path.Points.Min(p => p.Y), l.Path.Points.Max(p => p.X), l.Path.Points.Max(p => p.Y))).ToArray();
    }

    /// <summary>
    /// Distance in metres from (x, y) to the road edge: positive on the road, negative off it; null when the map's road
    /// has no edge inside the window.
    /// </summary>
    public double? SignedEdgeDistance(double x, double y)
    {
        if (edge is null) return null;
        var point = new Coordinate(x, y);
        var distance = edge.Distance(Factory.CreatePoint(point));
        return area.Locate(point) == Location.Exterior ? -distance : distance;
    }

    /// <summary>The lane (index into the map's lanes) nearest (x, y) and its direction of travel at the nearest point; null when the map has no lanes.</summary>
    public (int Lane, double Heading)? NearestLane(double x, double y)
    {
        var (bestLane, bestHeading, best) = (-1, 0.0, double.PositiveInfinity);
        for (var l = 0; l < map.Lanes.Count; l++)
        {
            var bounds = laneBounds[l];
            var (dx, dy) = (Math.Max(0, Math.Max(bounds.MinX - x, x - bounds.MaxX)), Math.Max(0, Math.Max(bounds.MinY - y, y - bounds.MaxY)));
            if (dx * dx + dy * dy >= best) continue;
            var points = map.Lanes[l].Path.Points;
            for (var k = 0; k + 1 < points.Count; k++)
            {
                var (a, b) = (points[k], points[k + 1]);
                var squared = Segments.SquaredDistance(x, y, a.X, a.Y, b.X, b.Y, out var t);
                if (squared >= best) continue;
                best = squared;
                bestLane = l;
                bestHeading = a.Heading + t * Math.IEEERemainder(b.Heading - a.Heading, 2 * Math.PI);
            }
        }
        return bestLane < 0 ? null : (bestLane, bestHeading);
    }
}
