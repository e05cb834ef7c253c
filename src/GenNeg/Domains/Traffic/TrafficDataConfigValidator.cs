namespace GenNeg.Domains.Traffic;

/// <summary>Range checks of data.traffic.*, each failure naming its key.</summary>
public static class TrafficDataConfigValidator
{
    public static void Validate(TrafficDataConfig c)
    {
        AtLeast("data.traffic.train_maps", c.TrainMaps, 1);
        AtLeast("data.traffic.validation_maps", c.ValidationMaps, 1);
        AtLeast("data.traffic.agents", c.Agents, 1);
        if (c.Agents > 24) throw new GenNegException($"config key 'data.traffic.agents' must be at most 24 (the maps hold no more), got {c.Agents}");
        InRange("data.traffic.window", c.Window, 32, 256);
        InRange("data.traffic.raster_resolution", c.RasterResolution, 0.05, 4);
        InRange("data.traffic.oracle_resolution", c.OracleResolution, 0.02, 0.25);
        InRange("data.traffic.clearance", c.Clearance, c.OracleResolution * 1.5, 2);
        InRange("data.traffic.queue_probability", c.QueueProbability, 0, 1);
    }

    private static void AtLeast(string key, int value, int minimum)
    {
        if (value < minimum) throw new GenNegException($"config key '{key}' must be at least {minimum}, got {value}");
    }

    private static void InRange(string key, double value, double low, double high)
    {
        if (!(value >= low && value <= high)) throw new GenNegException($"config key '{key}' must be in [{low}, {high}], got {value}");
    }
}
