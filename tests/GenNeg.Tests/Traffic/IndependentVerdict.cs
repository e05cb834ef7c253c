using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Scenes;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Distance;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>
/// Collision and offroad computed a different way from the oracle, with NetTopologySuite: vehicles as polygons, a
/// collision where two intersect with positive area, offroad where a corner or edge midpoint is outside the exact
/// drivable polygons or the window. Cases within numerical reach of the oracle's tolerances are flagged ambiguous:
/// intersection areas under 0.005 m^2 (a 1 mm penetration along a 5 m edge), probe points within 0.1 m of a road edge.
/// </summary>
internal sealed record IndependentVerdict(bool[] Collision, bool[] Offroad, bool[] CollisionAmbiguous, bool[] OffroadAmbiguous)
{
    public static IndependentVerdict Compute(TrafficWorld world, Tensor metres, Tensor mapIndex)
    {
        var factory = TrafficTestWorlds.Factory;
        var (scenes, agents) = ((int)metres.shape[0], (int)metres.shape[1]);
        var features = metres.contiguous().to(ScalarType.Float32).data<float>().ToArray();
        var maps = mapIndex.data<long>().ToArray();
        var total = scenes * agents;
        var edges = world.Maps.Select(m => new IndexedFacetDistance(m.DrivableArea.Boundary)).ToArray();
        var areas = world.Maps.Select(m => NetTopologySuite.Geometries.Prepared.PreparedGeometryFactory.Prepare(m.DrivableArea)).ToArray();
        var (collision, offroad, collisionAmbiguous, offroadAmbiguous) = (new bool[total], new bool[total], new bool[total], new bool[total]);
        for (var scene = 0; scene < scenes; scene++)
        {
            var map = world.Maps[(int)maps[scene]];
            var half = map.OracleFrame.Half;
            var boxes = Enumerable.Range(0, agents)
                .Select(a => TrafficFeatures.Read(features.AsSpan((scene * agents + a) * 7, 7)).Box).ToArray();
            var polygons = boxes.Select(b => factory.CreatePolygon(b.Corners().Append(b.Corners()[0]).Select(c => new Coordinate(c.X, c.Y)).ToArray())).ToArray();
            for (var i = 0; i < agents; i++)
            {
                var k = scene * agents + i;
                for (var j = 0; j < agents; j++)
                {
                    if (i == j || !polygons[i].Intersects(polygons[j])) continue;
                    var area = polygons[i].Intersection(polygons[j]).Area;
                    if (area > 0.005) collision[k] = true;
                    else collisionAmbiguous[k] = true;
                }
                foreach (var (x, y) in boxes[i].ProbePoints())
                {
                    var point = factory.CreatePoint(new Coordinate(x, y));
                    var insideWindow = x > -half + 0.1 && x < half - 0.1 && y > -half + 0.1 && y < half - 0.1;
                    var outsideWindow = x < -half - 0.1 || x > half + 0.1 || y < -half - 0.1 || y > half + 0.1;
                    if (!insideWindow && !outsideWindow) offroadAmbiguous[k] = true;
                    else if (outsideWindow) offroad[k] = true;
                    else if (edges[map.Index].Distance(point) <= 0.1) offroadAmbiguous[k] = true;
                    else if (!areas[map.Index].Contains(point)) offroad[k] = true;
                }
                if (collision[k]) collisionAmbiguous[k] = false;
                if (offroad[k]) offroadAmbiguous[k] = false;
            }
        }
        return new IndependentVerdict(collision, offroad, collisionAmbiguous, offroadAmbiguous);
    }
}
