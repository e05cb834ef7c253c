using GenNeg.Domains.Traffic.Shapes;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Overlay;
using NetTopologySuite.Operation.OverlayNG;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// A road layout in its own frame (junction or road centre at the origin) before it is rotated and shifted into a
/// map window: road sections, extra surfaces (a roundabout's disc), islands (a roundabout's centre) and extra lanes.
/// </summary>
public sealed class RoadLayout(MapKind kind, double kerbRadius)
{
    public MapKind Kind { get; } = kind;

    /// <summary>Radius of the kerb fillets where roads meet (a morphological closing of the road surfaces); 0 for none.</summary>
    public double KerbRadius { get; } = kerbRadius;

    public List<RoadSection> Sections { get; } = [];

    public List<Geometry> ExtraSurfaces { get; } = [];

    public List<Geometry> Islands { get; } = [];

    public List<Lane> ExtraLanes { get; } = [];

    /// <summary>The drivable area: the union of the surfaces, closed by the kerb radius, less medians and islands.</summary>
    public Geometry DrivableArea(GeometryFactory factory)
    {
        // OverlayNG with its snapping fallback: the plain overlay trips over near-parallel edges where strips meet.
        var surface = SafeOverlay.Union(Sections.Select(s => (Geometry)s.Surface(factory)).Concat(ExtraSurfaces).ToList());
        if (KerbRadius > 0) surface = surface.Buffer(KerbRadius).Buffer(-KerbRadius);
        var holes = Sections.Select(s => s.Median(factory)).OfType<Geometry>().Concat(Islands).ToList();
        return holes.Count == 0 ? surface : SafeOverlay.Overlay(surface, SafeOverlay.Union(holes), SpatialFunction.Difference);
    }

    public IEnumerable<Lane> Lanes() => Sections.SelectMany(s => s.Lanes()).Concat(ExtraLanes);
}

public enum MapKind
{
    Straight,
    Curve,
    TJunction,
    Crossroads,
    Roundabout,
}
