using GenNeg.Domains.Traffic.Shapes;
using NetTopologySuite.Geometries;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// A two-way road along a centreline: <see cref="LanesPerDirection"/> lanes of <see cref="LaneWidth"/> each side of an
/// optional median, right-hand traffic (forward lanes to the right of the centreline). A junction arm starts at the
/// junction's centre: its lanes start <see cref="JunctionClearance"/> metres out, inbound lanes stop there, and its
/// median keeps a further <see cref="MedianSetback"/> metres clear so that turning traffic can cross.
/// </summary>
public sealed record RoadSection(Centreline Path, int LanesPerDirection, double LaneWidth, double MedianWidth, double SpeedLimit)
{
    /// <summary>For a junction arm: arc length at which its lanes start (the stop line); 0 for a free road.</summary>
    public double JunctionClearance { get; init; }

    public double MedianSetback { get; init; } = 2;

    public bool IsJunctionArm => JunctionClearance > 0;

    public double HalfWidth => MedianWidth / 2 + LanesPerDirection * LaneWidth;

    public Polygon Surface(GeometryFactory factory) => Strip(factory, Path, HalfWidth);

    /// <summary>The median island, or null when the road has none.</summary>
    public Polygon? Median(GeometryFactory factory)
    {
        if (MedianWidth <= 0) return null;
        var start = IsJunctionArm ? JunctionClearance + MedianSetback : 0;
        return Strip(factory, Path.Between(start, Path.Length), MedianWidth / 2);
    }

    public IEnumerable<Lane> Lanes()
    {
        var lanePath = IsJunctionArm ? Path.Between(JunctionClearance, Path.Length) : Path;
        for (var k = 0; k < LanesPerDirection; k++)
        {
            var offset = MedianWidth / 2 + (k + 0.5) * LaneWidth;
            yield return new Lane(lanePath.Offset(-offset), EndsAtJunction: false, SpeedLimit);
            yield return new Lane(lanePath.Offset(offset).Reversed(), EndsAtJunction: IsJunctionArm, SpeedLimit);
        }
    }

    /// <summary>The band of half-width <paramref name="halfWidth"/> about <paramref name="path"/>, with flat ends.</summary>
    public static Polygon Strip(GeometryFactory factory, Centreline path, double halfWidth)
    {
        var right = path.Offset(-halfWidth).Points;
        var left = path.Offset(halfWidth).Points;
        var ring = right.Concat(left.Reverse()).Select(p => new Coordinate(p.X, p.Y)).ToList();
        ring.Add(ring[0]);
        return factory.CreatePolygon(ring.ToArray());
    }
}
