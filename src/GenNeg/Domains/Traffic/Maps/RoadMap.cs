using NetTopologySuite.Geometries;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// One map: its drivable area in the window's metric frame (exact polygons), its lanes clipped to the window, and two
/// rasters of the area: <see cref="RoadPixels"/> (fine, centre-sampled, a bit per pixel; the offroad test reads it) and
/// <see cref="ConditionRaster"/> (coarse coverage, what a model is conditioned on).
/// </summary>
public sealed record RoadMap(int Index, string Split, MapKind Kind, Geometry DrivableArea, IReadOnlyList<Lane> Lanes,
    MapFrame OracleFrame, BitRaster RoadPixels, MapFrame ConditionFrame, byte[] ConditionRaster)
{
    /// <summary>Whether (x, y) is road by the fine raster; outside the window nothing is.</summary>
    public bool IsRoad(double x, double y)
    {
        var pixel = OracleFrame.PixelIndex(x, y);
        return pixel >= 0 && RoadPixels[pixel];
    }
}
