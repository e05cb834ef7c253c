using GenNeg.Domains.Traffic.Shapes;
using GenNeg.Domains.Traffic.Maps;

namespace GenNeg.Domains.Traffic.Scenes;

/// <summary>
/// Places the vehicles of one scene along a map's lanes: queues of stopped or creeping vehicles back from a stop line
/// (or from a random point of a lane without one: a jam) with bumper gaps drawn uniformly from data.traffic.queue_gap_min to queue_gap_max, and free-flowing single
/// vehicles elsewhere. Each vehicle heads along its lane with a little noise and is kept only if its box, grown by the
/// clearance, stays on the road raster and clear of every placed box grown the same way: so the oracle, which
/// tests the bare boxes, finds no infraction in generated scenes.
/// </summary>
public sealed class ScenePlacer(TrafficDataConfig config)
{
    private const int AttemptsPerScene = 400;

    /// <summary>Spacing of the points checked along the grown box's outline: under the narrowest median (1 m).</summary>
    private const double OutlineSpacing = 0.5;

    /// <summary>The scene's vehicles, or null when the attempts ran out before all were placed.</summary>
    public Vehicle[]? TryPlace(RoadMap map, Random random)
    {
        var placed = new List<Vehicle>(config.Agents);
        var weights = map.Lanes.Select(l => l.Path.Length * (l.EndsAtJunction ? 3 : 1)).ToArray();
        for (var attempt = 0; attempt < AttemptsPerScene && placed.Count < config.Agents; attempt++)
        {
            var lane = PickLane(map.Lanes, weights, random);
            if (random.NextDouble() < config.QueueProbability) PlaceQueue(map, lane, placed, random);
            else PlaceFreeFlowing(map, lane, placed, random);
        }
        return placed.Count == config.Agents ? placed.ToArray() : null;
    }

    private void PlaceQueue(RoadMap map, Lane lane, List<Vehicle> placed, Random random)
    {
        var front = lane.EndsAtJunction
            ? lane.Path.Length - 0.5 - 2 * random.NextDouble()
            : lane.Path.Length * (0.3 + 0.7 * random.NextDouble());
        var queueLength = 2 + random.Next(4);
        for (var k = 0; k < queueLength && placed.Count < config.Agents; k++)
        {
            var (length, width) = VehicleSizes.Draw(random);
            var centre = front - length / 2;
            if (centre < length / 2) return;
            var speed = k == 0 ? 0 : 1.5 * random.NextDouble();
            if (!TryAdd(map, Candidate(lane, centre, length, width, speed, random), placed)) return;
            front = centre - length / 2 - (config.QueueGapMin + (config.QueueGapMax - config.QueueGapMin) * random.NextDouble());
        }
    }

    private void PlaceFreeFlowing(RoadMap map, Lane lane, List<Vehicle> placed, Random random)
    {
        var (length, width) = VehicleSizes.Draw(random);
        var speed = lane.SpeedLimit * (0.6 + 0.4 * random.NextDouble());
        TryAdd(map, Candidate(lane, lane.Path.Length * random.NextDouble(), length, width, speed, random), placed);
    }

    private static Vehicle Candidate(Lane lane, double distance, double length, double width, double speed, Random random)
    {
        var point = lane.Path.At(distance);
        var lateral = Gaussian.Clipped(random, 0.15, 0.3);
        var heading = point.Heading + Gaussian.Clipped(random, 0.03, 0.08);
        var box = new OrientedBox(point.X - lateral * Math.Sin(point.Heading), point.Y + lateral * Math.Cos(point.Heading), length, width, heading);
        return new Vehicle(box, speed);
    }

    private bool TryAdd(RoadMap map, Vehicle candidate, List<Vehicle> placed)
    {
        var grown = candidate.Box.Inflate(config.Clearance);
        if (!candidate.Box.ProbePoints().All(p => map.IsRoad(p.X, p.Y))) return false;
        if (!grown.Outline(OutlineSpacing).All(p => map.IsRoad(p.X, p.Y))) return false;
        // Both boxes grown by half the clearance: bare boxes end at least the clearance apart.
        var halfGrown = candidate.Box.Inflate(config.Clearance / 2);
        if (placed.Any(other => halfGrown.Overlaps(other.Box.Inflate(config.Clearance / 2)))) return false;
        placed.Add(candidate);
        return true;
    }

    /// <summary>A lane with probability proportional to its length, lanes ending at a junction counted three times (queues form there).</summary>
    private static Lane PickLane(IReadOnlyList<Lane> lanes, double[] weights, Random random)
    {
        var target = random.NextDouble() * weights.Sum();
        for (var i = 0; i < lanes.Count; i++)
        {
            target -= weights[i];
            if (target <= 0) return lanes[i];
        }
        return lanes[^1];
    }
}
