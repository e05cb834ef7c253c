using GenNeg.Domains.Traffic.Shapes;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Operation.Overlay;
using NetTopologySuite.Operation.OverlayNG;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// Procedural road maps: a layout of each kind in turn (so every split of five or more maps has all five), rotated at
/// random and shifted by up to <see cref="MaximumShift"/> metres, then cut to the window.
/// </summary>
public static class MapGenerator
{
    public const double MaximumShift = 6;

    /// <summary>Lanes keep this far inside the window so a vehicle on them can still fit.</summary>
    private const double LaneInset = 1.5;

    /// <summary>Shorter pieces of lane left by the window are dropped.</summary>
    private const double MinimumLaneLength = 10;

    private static readonly GeometryFactory Factory = new();

    public static IReadOnlyList<RoadMap> Generate(TrafficDataConfig config, string split, int firstIndex, int count, long seed)
    {
        var kinds = Enum.GetValues<MapKind>();
        var offset = new Random(Seeds.Mix(seed, -1, 7919)).Next(kinds.Length);
        // One generator per map, seeded by (split seed, map), so maps come out the same on any number of threads.
        var maps = new RoadMap[count];
        Parallel.For(0, count, i => maps[i] = Create(config, split, firstIndex + i, kinds[(offset + i) % kinds.Length], new Random(Seeds.Mix(seed, i, 7919))));
        return maps;
    }

    public static RoadMap Create(TrafficDataConfig config, string split, int index, MapKind kind, Random random)
    {
        var layout = LayoutFactory.Create(kind, random, Factory);
        var rotation = 2 * Math.PI * random.NextDouble();
        var (dx, dy) = (MaximumShift * (2 * random.NextDouble() - 1), MaximumShift * (2 * random.NextDouble() - 1));
        var half = config.Window / 2;
        var transform = AffineTransformation.RotationInstance(rotation).Translate(dx, dy);
        var area = SafeOverlay.Overlay(transform.Transform(layout.DrivableArea(Factory)), Window(half), SpatialFunction.Intersection);
        var lanes = layout.Lanes()
            .Select(lane => (lane, path: lane.Path.Transform(rotation, dx, dy)
                .LongestRun((x, y) => Math.Abs(x) < half - LaneInset && Math.Abs(y) < half - LaneInset)))
            .Where(l => l.path is not null && l.path.Length >= MinimumLaneLength)
            .Select(l => l.lane with { Path = l.path! })
            .ToArray();
        return FromArea(config, index, split, kind, area, lanes);
    }

    /// <summary>A map of a given drivable area (in the window frame) and lanes, with its two rasters.</summary>
    public static RoadMap FromArea(TrafficDataConfig config, int index, string split, MapKind kind, Geometry area, IReadOnlyList<Lane> lanes)
    {
        var oracleFrame = new MapFrame(config.Window / 2, config.OracleResolution);
        var conditionFrame = new MapFrame(config.Window / 2, config.RasterResolution);
        return new RoadMap(index, split, kind, area, lanes,
            oracleFrame, MapRaster.RasteriseBits(area, oracleFrame),
            conditionFrame, MapRaster.Rasterise(area, conditionFrame, antialias: true));
    }

    private static Polygon Window(double half) => Factory.CreatePolygon(
    [
        new Coordinate(-half, -half), new Coordinate(half, -half), new Coordinate(half, half), new Coordinate(-half, half), new Coordinate(-half, -half),
    ]);
}
