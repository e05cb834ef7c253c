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

    /// <summary>Raster lookup of points x, y [B, ...] on the maps mapIndex [B]: true where road.</summary>
    public static Tensor OnRoad(Tensor x, Tensor y, Tensor mapIndex, TrafficWorld world)
    {
        using var scope = NewDisposeScope();
        var frame = world.OracleFrame;
        var column = ((x + frame.Half) / frame.Resolution).floor();
        var row = ((frame.Half - y) / frame.Resolution).floor();
        var inside = (column >= 0).logical_and(column < frame.Size).logical_and(row >= 0).logical_and(row < frame.Size);
        var pixel = (row.clamp(0, frame.Size - 1) * frame.Size + column.clamp(0, frame.Size - 1)).to(ScalarType.Int64);
        var road = world.RoadPixelsOn(x.device);
        var maps = mapIndex.to(x.device).reshape([-1, .. Enumerable.Repeat(1L, (int)x.ndim - 1)]).expand(x.shape);
        var flat = road.flatten()[maps.flatten() * road.shape[1] + pixel.flatten()].reshape(x.shape);
        return flat.logical_and(inside).MoveToOuterDisposeScope();
    }
}
