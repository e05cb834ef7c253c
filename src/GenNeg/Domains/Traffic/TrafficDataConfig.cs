namespace GenNeg.Domains.Traffic;

/// <summary>
/// The traffic data set (data.traffic.*): procedural road maps in a square window and scenes of vehicles placed on
/// their lanes. data.train_size and data.validation_size count scenes; scene i of a split lies on map i mod maps.
/// Training and held-out scenes lie on disjoint maps, each split's maps and scenes drawn from that split's seed.
/// </summary>
public sealed record TrafficDataConfig
{
    /// <summary>Road maps the training scenes are spread over.</summary>
    public int TrainMaps { get; init; } = 40;
    /// <summary>Road maps of the held-out scenes (none shared with training).</summary>
    public int ValidationMaps { get; init; } = 10;
    /// <summary>Vehicles per scene (the paper: 12).</summary>
    public int Agents { get; init; } = 12;
    /// <summary>Side of the square map window in metres (centred on the origin).</summary>
    public double Window { get; init; } = 64;
    /// <summary>Metres per pixel of the map raster every scene carries as the model's condition (uint8, 255 = road).</summary>
    public double RasterResolution { get; init; } = 0.5;
    /// <summary>Metres per pixel of the fine raster the offroad test reads (see TrafficOracle).</summary>
    public double OracleResolution { get; init; } = 0.125;
    /// <summary>Clearance in metres every generated vehicle keeps from the road edge and from other vehicles' boxes.</summary>
    public double Clearance { get; init; } = 0.3;
    /// <summary>Probability that a placement step starts a queue of stopped vehicles rather than one free-flowing vehicle.</summary>
    public double QueueProbability { get; init; } = 0.6;
}
