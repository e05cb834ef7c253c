using GenNeg.Domains.Traffic.Maps;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace GenNeg.Domains.Traffic.Realism;

/// <summary>
/// One map's road edge and lanes, indexed for the realism features: the signed distance of a point to the edge of the
/// drivable area, and the lane whose centreline is nearest with the direction of travel there.
/// </summary>
public sealed class MapRealismIndex
{
    private static readonly GeometryFactory Factory = new();

    private readonly IndexedPointInAreaLocator area;
    private readonly RoadMap map;
    private readonly SegmentGrid? edges;
    private readonly SegmentGrid? lanes;
    /// <summary>Per lane segment, its lane and its two ends' directions of travel.</summary>
    private readonly (int Lane, double StartHeading, double EndHeading)[] laneSegments;

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
        var boundary = SafeOverlay.Overlay(map.DrivableArea.Boundary, window, NetTopologySuite.Operation.Overlay.SpatialFunction.Intersection);
        var edgeSegments = new List<(double, double, double, double)>();
        for (var i = 0; i < boundary.NumGeometries; i++)
        {
            if (boundary.GetGeometryN(i) is not LineString line) continue;
            var points = line.Coordinates;
            for (var k = 0; k + 1 < points.Length; k++) edgeSegments.Add((points[k].X, points[k].Y, points[k + 1].X, points[k + 1].Y));
        }
        edges = edgeSegments.Count > 0 ? new SegmentGrid(edgeSegments) : null;
        var laneParts = new List<(double, double, double, double)>();
        var tags = new List<(int, double, double)>();
        for (var l = 0; l < map.Lanes.Count; l++)
        {
            var points = map.Lanes[l].Path.Points;
            for (var k = 0; k + 1 < points.Count; k++)
            {
                laneParts.Add((points[k].X, points[k].Y, points[k + 1].X, points[k + 1].Y));
                tags.Add((l, points[k].Heading, points[k + 1].Heading));
            }
        }
        lanes = laneParts.Count > 0 ? new SegmentGrid(laneParts) : null;
        laneSegments = [.. tags];
    }

    /// <summary>
    /// Distance in metres from (x, y) to the road edge: positive on the road, negative off it; null when the map's road
    /// has no edge inside the window.
    /// </summary>
    public double? SignedEdgeDistance(double x, double y)
    {
        if (edges is null) return null;
        var distance = Math.Sqrt(edges.Nearest(x, y).SquaredDistance);
        // A point farther from the edge than half a pixel's diagonal is on the side of its pixel's centre, which the
        // fine raster holds; only points nearer ask the exact polygon (the slower test).
        var onRoad = distance > 0.75 * map.OracleFrame.Resolution ? map.IsRoad(x, y) : area.Locate(new Coordinate(x, y)) != Location.Exterior;
        return onRoad ? distance : -distance;
    }

    /// <summary>The lane (index into the map's lanes) nearest (x, y) and its direction of travel at the nearest point; null when the map has no lanes.</summary>
    public (int Lane, double Heading)? NearestLane(double x, double y)
    {
        if (lanes is null) return null;
        var (segment, _, t) = lanes.Nearest(x, y);
        var (lane, start, end) = laneSegments[segment];
        return (lane, start + t * Math.IEEERemainder(end - start, 2 * Math.PI));
    }
}
