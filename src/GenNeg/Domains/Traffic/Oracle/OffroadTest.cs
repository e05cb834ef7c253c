using GenNeg.Domains.Traffic.Shapes;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic.Oracle;

/// <summary>
/// Which vehicles leave the drivable area: a vehicle is offroad iff any of its 4 corners or 4 edge midpoints lies
/// outside the road (the midpoints catch a thin median under the box, which corners alone miss), or outside the map
/// window, where nothing is road. The fine raster decides (centre-sampled at data.traffic.oracle_resolution, 1/8 m by
/// default), so a point within half a pixel diagonal of the road edge may be judged either way; the scene generator
/// keeps data.traffic.clearance (0.3 m) from the edge, more than that, and a test checks raster and exact polygons agree
/// farther from the edge.
/// </summary>
public static class OffroadTest
{
    private static readonly (double Along, double Across)[] ProbeOffsets = OrientedBox.ProbeOffsets.Select(o => ((double)o.Along, (double)o.Across)).ToArray();

    public static Tensor Offroad(VehicleBoxes boxes, Tensor mapIndex, TrafficWorld world)
    {
        using var scope = NewDisposeScope();
        var (x, y) = boxes.PointsAt(ProbeOffsets);
        var onRoad = OnRoad(x, y, mapIndex, world);
        return onRoad.all(2).logical_and(boxes.Finite).logical_not().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Raster lookup of points x, y [B, ...] on the maps mapIndex [B]: true where road. The maps' bit rasters live on
    /// the host, so the points are read there (a few per vehicle: cheap next to the model) and the flags go back to
    /// the points' device.
    /// </summary>
    public static Tensor OnRoad(Tensor x, Tensor y, Tensor mapIndex, TrafficWorld world)
    {
        var frame = world.OracleFrame;
        // float32 arithmetic, as the points are: a point on a pixel edge falls in the same pixel on every device.
        var (half, resolution, size) = ((float)frame.Half, (float)frame.Resolution, frame.Size);
        var xs = HostFloats(x);
        var ys = HostFloats(y);
        using var mapsOnHost = mapIndex.to(ScalarType.Int64).cpu();
        var maps = mapsOnHost.data<long>().ToArray();
        var perSample = x.shape[0] == 0 ? 1 : xs.Length / x.shape[0];
        var road = new bool[xs.Length];
        for (var i = 0; i < xs.Length; i++)
        {
            var column = MathF.Floor((xs[i] + half) / resolution);
            var row = MathF.Floor((half - ys[i]) / resolution);
            // Comparisons are false for NaN, so a non-finite point is never road.
            if (!(column >= 0 && column < size && row >= 0 && row < size)) continue;
            road[i] = world.Maps[(int)maps[i / perSample]].RoadPixels[(int)row * size + (int)column];
        }
        return tensor(road, device: x.device).reshape(x.shape);
    }

    private static float[] HostFloats(Tensor values)
    {
        using var host = values.detach().to(ScalarType.Float32).cpu().contiguous();
        return host.data<float>().ToArray();
    }
}
