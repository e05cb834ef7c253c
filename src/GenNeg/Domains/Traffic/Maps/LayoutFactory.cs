using GenNeg.Domains.Traffic.Shapes;
using NetTopologySuite.Geometries;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// Random road layouts of each <see cref="MapKind"/>, sized after public procedural generators (MetaDrive's blocks,
/// highway-env's lanes): lanes 3.2-3.8 m wide, 1-3 per direction, curves of radius 25-60 m, kerb radii 4-9 m,
/// roundabouts of 1-2 ring lanes. Roads reach 60 m from the origin so they cross any window position.
/// </summary>
public static class LayoutFactory
{
    private const double Reach = 60;

    public static RoadLayout Create(MapKind kind, Random random, GeometryFactory factory) => kind switch
    {
        MapKind.Straight => Straight(random),
        MapKind.Curve => Curve(random),
        MapKind.TJunction => Junction(random, MapKind.TJunction, [0, Math.PI, Math.PI / 2]),
        MapKind.Crossroads => Junction(random, MapKind.Crossroads, [0, Math.PI, Math.PI / 2, -Math.PI / 2]),
        MapKind.Roundabout => Roundabout(random, factory),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static RoadLayout Straight(Random random)
    {
        var layout = new RoadLayout(MapKind.Straight, kerbRadius: 0);
        var lanes = Pick(random, [1, 2, 2, 3]);
        layout.Sections.Add(new RoadSection(Centreline.Straight(-Reach, 0, 0, 2 * Reach), lanes, LaneWidth(random),
            MedianWidth(random, 0.5), Uniform(random, 11, 16)));
        return layout;
    }

    private static RoadLayout Curve(Random random)
    {
        var layout = new RoadLayout(MapKind.Curve, kerbRadius: 0);
        var radius = Uniform(random, 25, 60);
        var halfSweep = Math.Min(Reach / radius, 0.8 * Math.PI);
        // Lateral acceleration of about 3 m/s^2 at the limit.
        var speedLimit = Math.Clamp(Math.Sqrt(3 * radius), 7, 14);
        layout.Sections.Add(new RoadSection(Centreline.Arc(0, radius, radius, -Math.PI / 2 - halfSweep, 2 * halfSweep),
            Pick(random, [1, 2, 2]), LaneWidth(random), MedianWidth(random, 0.4), speedLimit));
        return layout;
    }

    /// <summary>Arms leaving the origin at <paramref name="headings"/>; the first two form the main road, the rest the side road.</summary>
    private static RoadLayout Junction(Random random, MapKind kind, double[] headings)
    {
        var layout = new RoadLayout(kind, Uniform(random, 4, 9));
        var (mainLanes, sideLanes) = (Pick(random, [1, 2, 3]), Pick(random, [1, 1, 2]));
        var (mainWidth, sideWidth) = (LaneWidth(random), LaneWidth(random));
        var (mainMedian, sideMedian) = (MedianWidth(random, 0.4), MedianWidth(random, 0.3));
        var mainHalf = mainMedian / 2 + mainLanes * mainWidth;
        var sideHalf = sideMedian / 2 + sideLanes * sideWidth;
        for (var i = 0; i < headings.Length; i++)
        {
            var main = i < 2;
            var path = Centreline.Straight(0, 0, headings[i], Reach);
            layout.Sections.Add(new RoadSection(path, main ? mainLanes : sideLanes, main ? mainWidth : sideWidth,
                main ? mainMedian : sideMedian, Uniform(random, 8, 13))
            {
                // Stop lines 1 m clear of the crossing road's kerb line.
                JunctionClearance = (main ? sideHalf : mainHalf) + 1,
                MedianSetback = layout.KerbRadius / 2,
            });
        }
        return layout;
    }

    private static RoadLayout Roundabout(Random random, GeometryFactory factory)
    {
        var layout = new RoadLayout(MapKind.Roundabout, Uniform(random, 4, 8));
        var ringLanes = Pick(random, [1, 2]);
        var ringWidth = LaneWidth(random);
        var island = Uniform(random, 7, 14);
        var outer = island + ringLanes * ringWidth;
        layout.ExtraSurfaces.Add(factory.CreatePoint(new Coordinate(0, 0)).Buffer(outer, 32));
        layout.Islands.Add(factory.CreatePoint(new Coordinate(0, 0)).Buffer(island, 32));
        for (var k = 0; k < ringLanes; k++)
            layout.ExtraLanes.Add(new Lane(Centreline.Arc(0, 0, island + (k + 0.5) * ringWidth, 0, 2 * Math.PI), EndsAtJunction: false, SpeedLimit: 7));
        var arms = Pick(random, [3, 4, 4]);
        var (armLanes, armWidth) = (Pick(random, [1, 1, 2]), LaneWidth(random));
        var splitter = MedianWidth(random, 0.6);
        for (var i = 0; i < arms; i++)
        {
            var heading = 2 * Math.PI * i / arms + Uniform(random, -0.15, 0.15);
            layout.Sections.Add(new RoadSection(Centreline.Straight(0, 0, heading, Reach), armLanes, armWidth, splitter, Uniform(random, 8, 12))
            {
                JunctionClearance = outer + 0.5,
                MedianSetback = 1,
            });
        }
        return layout;
    }

    private static double LaneWidth(Random random) => Uniform(random, 3.2, 3.8);

    /// <summary>A median 1-3 m wide with probability <paramref name="probability"/>, else none (0).</summary>
    private static double MedianWidth(Random random, double probability) =>
        random.NextDouble() < probability ? Uniform(random, 1, 3) : 0;

    private static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();

    private static int Pick(Random random, int[] choices) => choices[random.Next(choices.Length)];
}
