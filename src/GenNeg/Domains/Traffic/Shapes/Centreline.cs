namespace GenNeg.Domains.Traffic.Shapes;

/// <summary>
/// A smooth path sampled densely (straights, arcs, circles), with headings: the spine of a road or a lane.
/// Offsets to the side follow the normal, so a lane at lateral offset d of a road is <c>road.Offset(d)</c>.
/// </summary>
public sealed class Centreline
{
    /// <summary>Spacing of the samples in metres: fine enough that chords of the tightest curve stay within millimetres of the arc.</summary>
    public const double Spacing = 0.5;

    public Centreline(IReadOnlyList<PathPoint> points)
    {
        if (points.Count < 2) throw new ArgumentException("a centreline needs at least 2 points", nameof(points));
        Points = points;
    }

    public IReadOnlyList<PathPoint> Points { get; }

    public double Length => Points[^1].Distance;

    public static Centreline Straight(double x0, double y0, double heading, double length)
    {
        var steps = Math.Max(1, (int)Math.Ceiling(length / Spacing));
        var (c, s) = (Math.Cos(heading), Math.Sin(heading));
        return new(Enumerable.Range(0, steps + 1).Select(i => i * length / steps)
            .Select(d => new PathPoint(x0 + d * c, y0 + d * s, heading, d)).ToArray());
    }

    /// <summary>An arc about (cx, cy) of <paramref name="radius"/> from angle <paramref name="start"/> sweeping <paramref name="sweep"/> radians (positive: counter-clockwise).</summary>
    public static Centreline Arc(double cx, double cy, double radius, double start, double sweep)
    {
        var length = radius * Math.Abs(sweep);
        var steps = Math.Max(2, (int)Math.Ceiling(length / Spacing));
        var turn = Math.Sign(sweep) * Math.PI / 2;
        return new(Enumerable.Range(0, steps + 1).Select(i =>
        {
            var angle = start + sweep * i / steps;
            return new PathPoint(cx + radius * Math.Cos(angle), cy + radius * Math.Sin(angle), angle + turn, length * i / steps);
        }).ToArray());
    }

    /// <summary>The path shifted <paramref name="offset"/> metres to the left of the direction of travel (negative: right).</summary>
    public Centreline Offset(double offset) => new(Recount(Points.Select(p =>
        new PathPoint(p.X - offset * Math.Sin(p.Heading), p.Y + offset * Math.Cos(p.Heading), p.Heading, 0))));

    /// <summary>The same path travelled the other way.</summary>
    public Centreline Reversed() => new(Recount(Points.Reverse().Select(p => p with { Heading = p.Heading + Math.PI })));

    /// <summary>The part from arc length <paramref name="from"/> to <paramref name="to"/> (clamped to the path).</summary>
    public Centreline Between(double from, double to)
    {
        var start = Math.Max(0, from);
        var end = Math.Min(Length, to);
        if (end - start < Spacing) throw new ArgumentException($"the part [{from}, {to}] of a {Length:F1} m path is too short");
        var inside = Points.Where(p => p.Distance > start && p.Distance < end);
        return new(Recount(inside.Prepend(At(start)).Append(At(end))));
    }

    /// <summary>The longest run of consecutive points that <paramref name="keep"/> accepts, or null when none has 2 points.</summary>
    public Centreline? LongestRun(Func<double, double, bool> keep)
    {
        var best = new List<PathPoint>();
        var current = new List<PathPoint>();
        foreach (var point in Points)
        {
            if (keep(point.X, point.Y))
            {
                current.Add(point);
                if (current.Count > best.Count) best = [.. current];
            }
            else current.Clear();
        }
        return best.Count < 2 ? null : new(Recount(best));
    }

    /// <summary>Position and heading at arc length <paramref name="distance"/> (linear between samples).</summary>
    public PathPoint At(double distance)
    {
        var d = Math.Clamp(distance, 0, Length);
        var low = 0;
        var high = Points.Count - 1;
        while (high - low > 1)
        {
            var middle = (low + high) / 2;
            if (Points[middle].Distance <= d) low = middle; else high = middle;
        }
        var (a, b) = (Points[low], Points[high]);
        var t = b.Distance > a.Distance ? (d - a.Distance) / (b.Distance - a.Distance) : 0;
        var turn = Math.IEEERemainder(b.Heading - a.Heading, 2 * Math.PI);
        return new PathPoint(a.X + t * (b.X - a.X), a.Y + t * (b.Y - a.Y), a.Heading + t * turn, d);
    }

    /// <summary>The path moved by a rotation about the origin and then a translation.</summary>
    public Centreline Transform(double rotation, double dx, double dy)
    {
        var (c, s) = (Math.Cos(rotation), Math.Sin(rotation));
        return new(Points.Select(p => new PathPoint(c * p.X - s * p.Y + dx, s * p.X + c * p.Y + dy, p.Heading + rotation, p.Distance)).ToArray());
    }

    private static PathPoint[] Recount(IEnumerable<PathPoint> points)
    {
        var list = points.ToArray();
        var distance = 0.0;
        for (var i = 0; i < list.Length; i++)
        {
            if (i > 0) distance += Math.Sqrt(Math.Pow(list[i].X - list[i - 1].X, 2) + Math.Pow(list[i].Y - list[i - 1].Y, 2));
            list[i] = list[i] with { Distance = distance };
        }
        return list;
    }
}
