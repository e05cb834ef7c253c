using ScottPlot;

namespace GenNeg.Domains.Traffic.Pictures;

/// <summary>How a vehicle is drawn: valid vehicles in green, colliding in amber, offroad in red, both in purple (as in the paper's Figure 1).</summary>
public enum VehicleStatus
{
    Valid,
    Collision,
    Offroad,
    Both,
}

public static class VehicleColours
{
    public static readonly Color Road = Color.FromHex("#a9a9a9");
    public static readonly Color OffRoad = Color.FromHex("#e8eedf");
    public static readonly Color RoadEdge = Color.FromHex("#4d4d4d");

    public static Color Of(VehicleStatus status) => status switch
    {
        VehicleStatus.Valid => Color.FromHex("#2ca02c"),
        VehicleStatus.Collision => Color.FromHex("#f2b705"),
        VehicleStatus.Offroad => Color.FromHex("#d62728"),
        _ => Color.FromHex("#8e44ad"),
    };

    public static VehicleStatus StatusOf(bool collision, bool offroad) =>
        (collision, offroad) switch
        {
            (false, false) => VehicleStatus.Valid,
            (true, false) => VehicleStatus.Collision,
            (false, true) => VehicleStatus.Offroad,
            _ => VehicleStatus.Both,
        };
}
