namespace GenNeg.Domains.Traffic.Shapes;

/// <summary>
/// A vehicle's footprint: centre (x, y) in metres, length along the heading, width across it, heading in radians
/// (counter-clockwise from +x). The unit vectors u = (cos h, sin h) (forward) and v = (-sin h, cos h) (left) span it.
/// </summary>
public readonly record struct OrientedBox(double X, double Y, double Length, double Width, double Heading)
{
    /// <summary>Offsets (along u in half-lengths, along v in half-widths) of the offroad probe points: 4 corners, then 4 edge midpoints.</summary>
    public static readonly (int Along, int Across)[] ProbeOffsets =
        [(1, 1), (-1, 1), (-1, -1), (1, -1), (1, 0), (0, 1), (-1, 0), (0, -1)];

    /// <summary>The same box grown by <paramref name="margin"/> metres on every side.</summary>
    public OrientedBox Inflate(double margin) => this with { Length = Length + 2 * margin, Width = Width + 2 * margin };

    /// <summary>The point at <paramref name="along"/> half-lengths forward and <paramref name="across"/> half-widths left of the centre.</summary>
    public (double X, double Y) PointAt(double along, double across)
    {
        var (c, s) = (Math.Cos(Heading), Math.Sin(Heading));
        var forward = along * Length / 2;
        var left = across * Width / 2;
        return (X + forward * c - left * s, Y + forward * s + left * c);
    }

    /// <summary>Corners counter-clockwise from the front left: front left, rear left, rear right, front right.</summary>
    public (double X, double Y)[] Corners() => Points(ProbeOffsets[..4]);

    /// <summary>The 4 corners and 4 edge midpoints the offroad test looks at.</summary>
    public (double X, double Y)[] ProbePoints() => Points(ProbeOffsets);

    private (double X, double Y)[] Points((int Along, int Across)[] offsets)
    {
        var points = new (double X, double Y)[offsets.Length];
        for (var k = 0; k < offsets.Length; k++) points[k] = PointAt(offsets[k].Along, offsets[k].Across);
        return points;
    }

    /// <summary>Points along the whole outline, at most <paramref name="spacing"/> metres apart.</summary>
    public IEnumerable<(double X, double Y)> Outline(double spacing)
    {
        var corners = Corners();
        for (var k = 0; k < 4; k++)
        {
            var (a, b) = (corners[k], corners[(k + 1) % 4]);
            var steps = Math.Max(1, (int)Math.Ceiling(Math.Sqrt((b.X - a.X) * (b.X - a.X) + (b.Y - a.Y) * (b.Y - a.Y)) / spacing));
            for (var i = 0; i < steps; i++)
                yield return (a.X + (b.X - a.X) * i / steps, a.Y + (b.Y - a.Y) * i / steps);
        }
    }

    /// <summary>
    /// Separating-axis test (the boxes' own 4 axes suffice for rectangles): the boxes overlap by more than
    /// <paramref name="tolerance"/> metres of penetration. The scene generator's scalar twin of the oracle's batched test.
    /// </summary>
    public bool Overlaps(OrientedBox other, double tolerance = 0) => Penetration(other) > tolerance;

    /// <summary>
    /// The penetration depth of the two boxes when positive (the least overlap along the 4 box axes); otherwise minus
    /// the gap along the best separating axis.
    /// </summary>
    public double Penetration(OrientedBox other)
    {
        var (ci, si, cj, sj) = (Math.Cos(Heading), Math.Sin(Heading), Math.Cos(other.Heading), Math.Sin(other.Heading));
        var (dx, dy) = (other.X - X, other.Y - Y);
        var cosDiff = Math.Abs(ci * cj + si * sj);
        var sinDiff = Math.Abs(si * cj - ci * sj);
        var (ai, bi, aj, bj) = (Length / 2, Width / 2, other.Length / 2, other.Width / 2);
        return Math.Min(
            Math.Min(ai + aj * cosDiff + bj * sinDiff - Math.Abs(dx * ci + dy * si), bi + aj * sinDiff + bj * cosDiff - Math.Abs(-dx * si + dy * ci)),
            Math.Min(aj + ai * cosDiff + bi * sinDiff - Math.Abs(dx * cj + dy * sj), bj + ai * sinDiff + bi * cosDiff - Math.Abs(-dx * sj + dy * cj)));
    }
}
