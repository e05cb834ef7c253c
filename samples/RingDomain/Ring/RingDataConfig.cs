using GenNeg.Configuration;

namespace RingDomain.Ring;

/// <summary>
/// The ring data set (data.ring.*): 2-D points near a circle, at angles outside a forbidden gap centred on angle 0
/// (the positive x axis). The oracle calls a point valid when its angle lies outside the gap.
/// </summary>
public sealed record RingDataConfig : ICheckedSection
{
    /// <summary>Radius of the circle.</summary>
    [ValidRange(Min = 0, MinExclusive = true)]
    public double Radius { get; init; } = 2;

    /// <summary>Standard deviation of each point's distance from the circle.</summary>
    [ValidRange(Min = 0)]
    public double Thickness { get; init; } = 0.1;

    /// <summary>Width of the forbidden gap in degrees, centred on angle 0: no training point lies in it.</summary>
    [ValidRange(Min = 0, Max = 360, MaxExclusive = true, Unit = "degrees")]
    public double GapDegrees { get; init; } = 60;

    public void Check(string section)
    {
        if (Thickness >= Radius)
            throw ConfigKey.Error(ConfigKey.In(section, "thickness"), $"({Thickness}) must be below {section}.radius ({Radius}), or the ring fills its centre");
    }
}
