namespace GenNeg.Domains.Traffic.Realism;

/// <summary>
/// Line segments bucketed in square cells, for the nearest segment to a point: cells are searched ring by ring outwards
/// until no farther ring can hold a nearer segment. A map's road edges and lane centrelines are a few hundred segments,
/// and every vehicle of every evaluated scene asks once, so a scan of them all would dominate the evaluation.
/// </summary>
internal sealed class SegmentGrid
{
    private const double CellSize = 4;

    private readonly (double Ax, double Ay, double Bx, double By)[] segments;
    private readonly double minX, minY;
    private readonly int columns, rows;
    private readonly int[][] cells;

    public SegmentGrid(IReadOnlyList<(double Ax, double Ay, double Bx, double By)> segments)
    {
        if (segments.Count == 0) throw new ArgumentException("a grid needs at least one segment", nameof(segments));
        this.segments = [.. segments];
        minX = segments.Min(s => Math.Min(s.Ax, s.Bx));
        minY = segments.Min(s => Math.Min(s.Ay, s.By));
        columns = (int)Math.Floor((segments.Max(s => Math.Max(s.Ax, s.Bx)) - minX) / CellSize) + 1;
        rows = (int)Math.Floor((segments.Max(s => Math.Max(s.Ay, s.By)) - minY) / CellSize) + 1;
        var buckets = new List<int>[columns * rows];
        for (var k = 0; k < this.segments.Length; k++)
        {
            var (ax, ay, bx, by) = this.segments[k];
            // Every cell the segment's bounding box touches: a superset of the cells it crosses, which is all the search needs.
            for (var column = Column(Math.Min(ax, bx)); column <= Column(Math.Max(ax, bx)); column++)
                for (var row = Row(Math.Min(ay, by)); row <= Row(Math.Max(ay, by)); row++)
                    (buckets[row * columns + column] ??= []).Add(k);
        }
        cells = buckets.Select(b => b?.ToArray() ?? []).ToArray();
    }

    public int Count => segments.Length;

    /// <summary>The segment nearest (x, y), its squared distance, and the nearest point's share of the way from its start.</summary>
    public (int Segment, double SquaredDistance, double T) Nearest(double x, double y)
    {
        // The search starts from the grid cell nearest the point: a point outside the grid is at least as far from every
        // cell as its projection onto the grid, which lies in that cell, so the rings' bounds below hold for it too
        // (and a point a model put kilometres away costs no more than one inside).
        var (column, row) = (Column(x), Row(y));
        var (best, bestSquared, bestT) = (-1, double.PositiveInfinity, 0.0);
        // Rings beyond this one around the start cell lie outside the grid.
        var lastRing = Math.Max(Math.Max(column, columns - 1 - column), Math.Max(row, rows - 1 - row));
        for (var ring = 0; ring <= lastRing; ring++)
        {
            // Cells of ring r are at least (r - 1) cells away from any point of the start cell.
            var reach = Math.Max(0, ring - 1) * CellSize;
            if (best >= 0 && bestSquared <= reach * reach) break;
            for (var r = row - ring; r <= row + ring; r++)
            {
                if (r < 0 || r >= rows) continue;
                var onEdge = r == row - ring || r == row + ring;
                for (var c = column - ring; c <= column + ring; c += onEdge || ring == 0 ? 1 : 2 * ring)
                {
                    if (c < 0 || c >= columns) continue;
                    foreach (var k in cells[r * columns + c])
                    {
                        var (ax, ay, bx, by) = segments[k];
                        var squared = Segments.SquaredDistance(x, y, ax, ay, bx, by, out var t);
                        if (squared < bestSquared || (squared == bestSquared && k < best)) (best, bestSquared, bestT) = (k, squared, t);
                    }
                }
            }
        }
        return (best, bestSquared, bestT);
    }

    private int Column(double x) => (int)Math.Clamp(Math.Floor((x - minX) / CellSize), 0, columns - 1);

    private int Row(double y) => (int)Math.Clamp(Math.Floor((y - minY) / CellSize), 0, rows - 1);
}
