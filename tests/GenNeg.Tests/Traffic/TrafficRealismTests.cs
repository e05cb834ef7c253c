using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Realism;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Domains.Traffic.Shapes;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>The realism features on hand-made scenes whose answers are known.</summary>
public class TrafficRealismTests
{
    [Theory]
    // 4 x 2 boxes heading along x: one behind the other (bumpers 2 m apart), abreast (sides 1 m apart), overlapping by 1 m.
    [InlineData(6, 0, 0, 2.0)]
    [InlineData(0, 3, 0, 1.0)]
    [InlineData(3, 0, 0, -1.0)]
    // Diagonal: the nearest corners (2, 1) and (4, 3) are sqrt 8 apart (more than the 2 m along either axis).
    [InlineData(6, 4, 0, 2.8284271247461903)]
    // The second box turned across: it spans x in [4, 6], 2 m past the first box's front at x = 2.
    [InlineData(5, 0, Math.PI / 2, 2.0)]
    public void The_gap_between_two_boxes_is_their_distance_or_minus_their_overlap(double x, double y, double heading, double expected)
    {
        var first = new OrientedBox(0, 0, 4, 2, 0);
        var second = new OrientedBox(x, y, 4, 2, heading);
        Assert.Equal(expected, BoxGap.Between(first, second), 9);
        Assert.Equal(expected, BoxGap.Between(second, first), 9);
    }

    /// <summary>A straight road |y| &lt; 8 across the window; lane A at y = 2 eastwards, lane B at y = -2 westwards.</summary>
    private static RoadMap StraightRoad() => MapGenerator.FromArea(new TrafficDataConfig(), 0, "validation", MapKind.Straight,
        TrafficTestWorlds.Rectangle(-32, 32, -8, 8), [new Lane(Centreline.Straight(-30, 2, 0, 60), false, 14), new Lane(Centreline.Straight(30, -2, Math.PI, 60), false, 14)]);

    private static Tensor Scene(params (double X, double Y, double Heading, double Speed)[] vehicles) => tensor(vehicles
        .SelectMany(v => new[] { (float)v.X, (float)v.Y, 4f, 2f, (float)Math.Cos(v.Heading), (float)Math.Sin(v.Heading), (float)v.Speed }).ToArray())
        .reshape(1, vehicles.Length, TrafficFeatures.Count);

    private static double[] Values(IReadOnlyList<GenNeg.Data.RealismFeature> features, string name) => features.Single(f => f.Name == name).Values;

    [Fact]
    public void Each_feature_of_a_hand_made_scene_has_its_known_value()
    {
        using var scene = Scene((0, 2.3, 0.2, 5), (6, 2, 0, 3), (31.5, -2, -3.0, 0), (0, 10, 0, 1));
        using var mapIndex = tensor(new long[] { 0 });
        var features = TrafficRealism.Of([StraightRoad()], scene, mapIndex);

        Assert.Equal([TrafficRealism.NearestGap, TrafficRealism.RoadEdgeDistance, TrafficRealism.LaneHeading, TrafficRealism.Speed, TrafficRealism.VehiclesPerLane],
            features.Select(f => f.Name));
        // The first two are one behind the other, a little under 2 m apart bumper to bumper (the first turned by 0.2
        // rad brings its front right corner nearer); the third is about 21.5 m past the second's rear.
        var gaps = Values(features, TrafficRealism.NearestGap);
        OrientedBox first = new(0, 2.3, 4, 2, 0.2), second = new(6, 2, 4, 2, 0), third = new(31.5, -2, 4, 2, -3.0), fourth = new(0, 10, 4, 2, 0);
        Assert.Equal(BoxGap.Between(first, second), gaps[0], 5);
        Assert.InRange(gaps[0], 1.5, 2.0);
        Assert.Equal(gaps[0], gaps[1], 9);
        Assert.Equal(BoxGap.Between(third, second), gaps[2], 5);
        Assert.InRange(gaps[2], 21.4, 21.6);
        Assert.Equal(Math.Min(BoxGap.Between(fourth, first), BoxGap.Between(fourth, second)), gaps[3], 5);
        // The road's edges are |y| = 8; the window's border (0.5 m from the third vehicle) is no edge; the fourth is
        // 2 m off the road.
        Assert.Equal([8 - 2.3, 6, 6, -2], Values(features, TrafficRealism.RoadEdgeDistance).Select(v => Math.Round(v, 5)));
        // The third heads -3 rad on lane B (heading pi): -3 - pi wraps to pi - 3.
        Assert.Equal([0.2, 0, Math.Round(Math.PI - 3, 6), 0], Values(features, TrafficRealism.LaneHeading).Select(v => Math.Round(v, 6)));
        Assert.Equal([5.0, 3, 0, 1], Values(features, TrafficRealism.Speed));
        // Lane A holds the first, second and fourth (nearest at y = 2), lane B the third.
        Assert.Equal([3.0, 1], Values(features, TrafficRealism.VehiclesPerLane));
    }

    [Fact]
    public void Masked_and_non_finite_vehicles_are_left_out_and_a_lone_vehicle_has_no_gap()
    {
        using var scene = Scene((0, 2, 0, 5), (6, 2, 0, 3), (float.NaN, 0, 0, 0));
        using var mapIndex = tensor(new long[] { 0 });
        using var present = tensor(new[] { true, false, true }).reshape(1, 3);
        var features = TrafficRealism.Of([StraightRoad()], scene, mapIndex, present);
        Assert.Empty(Values(features, TrafficRealism.NearestGap));
        Assert.Equal([5.0], Values(features, TrafficRealism.Speed));
        Assert.Equal([1.0, 0], Values(features, TrafficRealism.VehiclesPerLane));
    }

    [Fact]
    public void A_vehicle_far_outside_the_window_is_measured_from_the_nearest_edge_and_lane()
    {
        // What a diverged model may put out: the nearest edge is y = 8 near the window's east end, the nearest lane
        // point lane A's end (30, 2) seen from straight north of it.
        using var scene = Scene((30, 1e7, Math.PI / 2, 0));
        using var mapIndex = tensor(new long[] { 0 });
        var features = TrafficRealism.Of([StraightRoad()], scene, mapIndex);
        Assert.Equal(-(1e7 - 8), Values(features, TrafficRealism.RoadEdgeDistance).Single(), 3);
        Assert.Equal(Math.PI / 2, Values(features, TrafficRealism.LaneHeading).Single(), 6);
        Assert.Equal([1.0, 0], Values(features, TrafficRealism.VehiclesPerLane));
    }

    [Fact]
    public void The_segment_grid_finds_the_segment_a_scan_of_all_of_them_finds()
    {
        // Every map kind's lanes, points inside, near and far outside the window.
        var maps = MapGenerator.Generate(new TrafficDataConfig(), "validation", 0, 5, 3);
        var random = new Random(4);
        foreach (var map in maps)
        {
            var segments = map.Lanes.SelectMany(l => l.Path.Points.Zip(l.Path.Points.Skip(1), (a, b) => (a.X, a.Y, b.X, b.Y))).ToArray();
            var grid = new SegmentGrid(segments);
            for (var k = 0; k < 300; k++)
            {
                var scale = k % 10 == 0 ? 500 : 40;
                var (x, y) = (scale * (2 * random.NextDouble() - 1), scale * (2 * random.NextDouble() - 1));
                var scanned = segments.Min(s => Segments.SquaredDistance(x, y, s.Item1, s.Item2, s.Item3, s.Item4, out _));
                Assert.Equal(scanned, grid.Nearest(x, y).SquaredDistance, 9);
            }
        }
    }
}
