using GenNeg.Configuration;

namespace GenNeg.Domains.Traffic;

/// <summary>
/// The traffic data set (data.traffic.*): procedural road maps in a square window and scenes of vehicles placed on
/// their lanes. data.train_size and data.validation_size count scenes; scene i of a split lies on map i mod maps.
/// Training and held-out scenes lie on disjoint maps, each split's maps and scenes drawn from that split's seed.
/// </summary>
public sealed record TrafficDataConfig : ICheckedSection
{
    /// <summary>Road maps the training scenes are spread over.</summary>
    [ValidRange(Min = 1)]
    public int TrainMaps { get; init; } = 40;
    /// <summary>Road maps of the held-out scenes (none shared with training).</summary>
    [ValidRange(Min = 1)]
    public int ValidationMaps { get; init; } = 10;
    /// <summary>Vehicles per scene (the paper: 12; the maps hold no more than 24).</summary>
    [ValidRange(Min = 1, Max = 24)]
    public int Agents { get; init; } = 12;
    /// <summary>Side of the square map window in metres (centred on the origin).</summary>
    [ValidRange(Min = 32, Max = 256)]
    public double Window { get; init; } = 64;
    /// <summary>Metres per pixel of the map raster every scene carries as the model's condition (uint8, 255 = road).</summary>
    [ValidRange(Min = 0.05, Max = 4)]
    public double RasterResolution { get; init; } = 0.5;
    /// <summary>Metres per pixel of the fine raster the offroad test reads (see TrafficOracle).</summary>
    [ValidRange(Min = 0.02, Max = 0.25)]
    public double OracleResolution { get; init; } = 0.125;
    /// <summary>
    /// Clearance in metres every generated vehicle keeps from the road edge and from other vehicles' boxes; at least
    /// 1.5 oracle pixels, so that the oracle never flags a generated vehicle.
    /// </summary>
    [ValidRange(Max = 2)]
    public double Clearance { get; init; } = 0.3;
    /// <summary>Probability that a placement step starts a queue of stopped vehicles rather than one free-flowing vehicle.</summary>
    [ValidRange(Min = 0, Max = 1)]
    public double QueueProbability { get; init; } = 0.6;
    /// <summary>
    /// Shortest bumper gap in metres between queued vehicles (drawn uniformly up to <see cref="QueueGapMax"/>). Stopped
    /// cars keep about 1.5-2.5 m in car-following models and in logged traffic; worlds before this key drew 0.5-2.5 m.
    /// </summary>
    [ValidRange(Min = 0, Max = 10)]
    public double QueueGapMin { get; init; } = 1.5;
    /// <summary>Longest bumper gap in metres between queued vehicles.</summary>
    [ValidRange(Min = 0, Max = 10)]
    public double QueueGapMax { get; init; } = 2.5;

    public void Check(string section)
    {
        new ValidRangeAttribute { Min = OracleResolution * 1.5, Max = 2 }.Check(ConfigKey.In(section, "clearance"), Clearance);
        if (QueueGapMax < QueueGapMin)
            throw ConfigKey.Error(ConfigKey.In(section, "queue_gap_max"), $"must be at least queue_gap_min ({ConfigKey.Format(QueueGapMin)}), got {ConfigKey.Format(QueueGapMax)}");
    }
}
