using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Operation.Overlay;
using NetTopologySuite.Operation.OverlayNG;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// Polygon overlays that do not fail on the near-degenerate rings buffered and rotated road shapes sometimes have.
/// OverlayNGRobust decides almost every map; when even it throws (NTS "Ring edge missing"), the inputs are repaired with
/// GeometryFixer and overlaid with snap-rounding at a micrometre, which cannot fail and moves no vertex more than that.
/// Maps the first attempt decides stay bit-identical.
/// </summary>
public static class SafeOverlay
{
    private static readonly PrecisionModel Micrometre = new(1e6);

    public static Geometry Overlay(Geometry a, Geometry b, SpatialFunction operation)
    {
        try
        {
            return OverlayNGRobust.Overlay(a, b, operation);
        }
        catch (TopologyException)
        {
            return OverlayNG.Overlay(GeometryFixer.Fix(a), GeometryFixer.Fix(b), operation, Micrometre);
        }
    }

    public static Geometry Union(IReadOnlyList<Geometry> parts)
    {
        try
        {
            return OverlayNGRobust.Union(parts);
        }
        catch (TopologyException)
        {
            var fixedParts = parts.Select(p => GeometryFixer.Fix(p)).ToList();
            return fixedParts.Skip(1).Aggregate(fixedParts[0], (union, part) => OverlayNG.Overlay(union, part, SpatialFunction.Union, Micrometre));
        }
    }
}
