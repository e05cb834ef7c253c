using GenNeg.Domains.Traffic.Shapes;

namespace GenNeg.Domains.Traffic.Realism;

/// <summary>
/// The gap between two vehicle footprints: the Euclidean distance between the boxes (the shortest segment from any
/// point of one to any point of the other: bumper to bumper for a queue, side to side for vehicles abreast) when they
/// are apart; minus their penetration depth when they overlap (<see cref="OrientedBox.Penetration"/>), so the gap is
/// continuous and negative exactly for the oracle's collisions (beyond its tolerance).
/// </summary>
public static class BoxGap
{
    public static double Between(OrientedBox a, OrientedBox b)
    {
        var penetration = a.Penetration(b);
        if (penetration > 0) return -penetration;
        // Disjoint convex polygons: the closest pair of points includes a corner of one of them.
        var (cornersA, cornersB) = (a.Corners(), b.Corners());
        return Math.Sqrt(Math.Min(CornersToEdges(cornersA, cornersB), CornersToEdges(cornersB, cornersA)));
    }

    /// <summary>The least squared distance from a corner of <paramref name="corners"/> to an edge of the box <paramref name="box"/>.</summary>
    private static double CornersToEdges((double X, double Y)[] corners, (double X, double Y)[] box)
    {
        var best = double.PositiveInfinity;
        foreach (var p in corners)
            for (var k = 0; k < 4; k++)
                best = Math.Min(best, Segments.SquaredDistance(p.X, p.Y, box[k].X, box[k].Y, box[(k + 1) % 4].X, box[(k + 1) % 4].Y, out _));
        return best;
    }
}

/// <summary>Point-to-segment geometry.</summary>
internal static class Segments
{
    /// <summary>The squared distance from (px, py) to the segment a-b; <paramref name="t"/> the closest point's share of the way from a to b.</summary>
    public static double SquaredDistance(double px, double py, double ax, double ay, double bx, double by, out double t)
    {
        var (ux, uy) = (bx - ax, by - ay);
        var lengthSquared = ux * ux + uy * uy;
        t = lengthSquared > 0 ? Math.Clamp(((px - ax) * ux + (py - ay) * uy) / lengthSquared, 0, 1) : 0;
        var (dx, dy) = (ax + t * ux - px, ay + t * uy - py);
        return dx * dx + dy * dy;
    }
}
