using GenNeg.Data;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Domains.Traffic.Shapes;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Realism;

/// <summary>
/// The per-vehicle distributions traffic-simulation papers compare generated scenes on, from scenes in metres:
/// <list type="bullet">
/// <item><c>nearest_gap</c> (m): the <see cref="BoxGap"/> from a vehicle's box to the nearest other box of its scene
/// (none for a vehicle alone);</item>
/// <item><c>road_edge_distance</c> (m): the signed distance of the vehicle's centre to the edge of the drivable area,
/// positive on the road (the window's border is no edge);</item>
/// <item><c>lane_heading</c> (rad): the vehicle's heading less the direction of travel of the nearest lane centreline
/// at its nearest point, wrapped to [-pi, pi];</item>
/// <item><c>speed</c> (m/s): the speed feature;</item>
/// <item><c>vehicles_per_lane</c>: per scene and lane of its map, how many vehicles have that lane nearest (zeros included).</item>
/// </list>
/// Vehicles are read as the oracle reads them (<see cref="VehicleBoxes"/>): sides below 0.1 m count as 0.1 m, the
/// heading is the angle of (cos, sin); vehicles with a non-finite feature, or masked out, are left out.
/// </summary>
public static class TrafficRealism
{
    public const string NearestGap = "nearest_gap", RoadEdgeDistance = "road_edge_distance", LaneHeading = "lane_heading",
        Speed = "speed", VehiclesPerLane = "vehicles_per_lane";

    /// <summary>The features of scenes [B, A, 7] in metres on maps <paramref name="mapIndex"/> [B] of <paramref name="maps"/>.</summary>
    /// <param name="present">[B, A] false where there is no vehicle; null when every vehicle is present</param>
    public static IReadOnlyList<RealismFeature> Of(IReadOnlyList<RoadMap> maps, Tensor metres, Tensor mapIndex, Tensor? present = null)
    {
        var (scenes, agents) = ((int)metres.shape[0], (int)metres.shape[1]);
        using var cpu = metres.detach().cpu().to(ScalarType.Float32).contiguous();
        var values = cpu.data<float>().ToArray();
        using var mapsCpu = mapIndex.cpu().to(ScalarType.Int64);
        var sceneMaps = mapsCpu.data<long>().ToArray();
        bool[]? mask = null;
        if (present is not null)
        {
            using var presentCpu = present.cpu().to(ScalarType.Bool).contiguous();
            mask = presentCpu.data<bool>().ToArray();
        }
        var indices = new Dictionary<long, MapRealismIndex>();
        var (gaps, edges, headings, speeds, perLane) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        var boxes = new List<OrientedBox>(agents);
        for (var scene = 0; scene < scenes; scene++)
        {
            if (!indices.TryGetValue(sceneMaps[scene], out var index)) indices[sceneMaps[scene]] = index = new MapRealismIndex(maps[(int)sceneMaps[scene]]);
            var laneCounts = new int[maps[(int)sceneMaps[scene]].Lanes.Count];
            boxes.Clear();
            for (var agent = 0; agent < agents; agent++)
            {
                if (mask is not null && !mask[scene * agents + agent]) continue;
                var features = values.AsSpan((scene * agents + agent) * TrafficFeatures.Count, TrafficFeatures.Count);
                var finite = true;
                foreach (var f in features) finite &= float.IsFinite(f);
                if (!finite) continue;
                var box = Box(features);
                boxes.Add(box);
                speeds.Add(features[TrafficFeatures.Speed]);
                if (index.SignedEdgeDistance(box.X, box.Y) is { } edge) edges.Add(edge);
                if (index.NearestLane(box.X, box.Y) is { } lane)
                {
                    headings.Add(Math.IEEERemainder(box.Heading - lane.Heading, 2 * Math.PI));
                    laneCounts[lane.Lane]++;
                }
            }
            if (boxes.Count > 1) gaps.AddRange(NearestGaps(boxes));
            foreach (var count in laneCounts) perLane.Add(count);
        }
        return
        [
            new(NearestGap, "m", [.. gaps]), new(RoadEdgeDistance, "m", [.. edges]), new(LaneHeading, "rad", [.. headings]),
            new(Speed, "m/s", [.. speeds]), new(VehiclesPerLane, "", [.. perLane]),
        ];
    }

    /// <summary>
    /// Each box's gap to its nearest other box. A pair is measured only when it could beat the nearer of both boxes'
    /// best so far: the gap is at least the centres' distance less both half-diagonals.
    /// </summary>
    private static double[] NearestGaps(List<OrientedBox> boxes)
    {
        var nearest = Enumerable.Repeat(double.PositiveInfinity, boxes.Count).ToArray();
        var reach = boxes.Select(b => Math.Sqrt(b.Length * b.Length + b.Width * b.Width) / 2).ToArray();
        for (var i = 0; i < boxes.Count; i++)
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var bound = Math.Sqrt(Math.Pow(boxes[i].X - boxes[j].X, 2) + Math.Pow(boxes[i].Y - boxes[j].Y, 2)) - reach[i] - reach[j];
                if (bound >= Math.Max(nearest[i], nearest[j])) continue;
                var gap = BoxGap.Between(boxes[i], boxes[j]);
                nearest[i] = Math.Min(nearest[i], gap);
                nearest[j] = Math.Min(nearest[j], gap);
            }
        return nearest;
    }

    /// <summary>The vehicle's box as the oracle reads it.</summary>
    private static OrientedBox Box(ReadOnlySpan<float> features)
    {
        var (c, s) = ((double)features[TrafficFeatures.Cos], (double)features[TrafficFeatures.Sin]);
        var heading = c * c + s * s < 1e-12 ? 0 : Math.Atan2(s, c);
        return new OrientedBox(features[TrafficFeatures.X], features[TrafficFeatures.Y],
            Math.Max(features[TrafficFeatures.Length], VehicleBoxes.MinimumDimension), Math.Max(features[TrafficFeatures.Width], VehicleBoxes.MinimumDimension), heading);
    }
}
