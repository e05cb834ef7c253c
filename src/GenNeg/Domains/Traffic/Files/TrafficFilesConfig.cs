using GenNeg.Configuration;

namespace GenNeg.Domains.Traffic.Files;

/// <summary>
/// Traffic scenes read from files (data.traffic_files.*), in the format <c>genneg data export</c> writes for traffic:
/// scenes.csv with one row per vehicle (split, scene, map, agent, x, y, length, width, heading, speed; other columns
/// such as collision and offroad are ignored) and maps.geojson with one feature per map (property map, drivable area as
/// a (Multi)Polygon in the scenes' metric frame). Scenes of split train train, those of split validation are held out;
/// data.train_size is not used. Relative paths are taken from the folder genneg runs in.
/// </summary>
public sealed record TrafficFilesConfig : ICheckedSection
{
    public const string Crop = "crop", Drop = "drop", Keep = "keep";
    public static readonly string[] CrowdedChoices = [Crop, Drop];
    public static readonly string[] InfractingChoices = [Keep, Drop];

    /// <summary>The scenes, a CSV file with one row per vehicle (the columns of data export's scenes.csv).</summary>
    public string Scenes { get; init; } = "";
    /// <summary>The maps, a GeoJSON FeatureCollection; empty for maps.geojson beside the scenes file.</summary>
    public string Maps { get; init; } = "";
    /// <summary>Side of the square map window in metres (centred on the origin); map areas beyond it are cut off.</summary>
    [ValidRange(Min = 32, Max = 256)]
    public double Window { get; init; } = 64;
    /// <summary>Metres per pixel of the map raster every scene carries as the model's condition (uint8, 255 = road).</summary>
    [ValidRange(Min = 0.05, Max = 4)]
    public double RasterResolution { get; init; } = 0.5;
    /// <summary>Metres per pixel of the fine raster the offroad test reads (see TrafficOracle).</summary>
    [ValidRange(Min = 0.02, Max = 0.25)]
    public double OracleResolution { get; init; } = 0.125;
    /// <summary>Vehicles per sample: scenes with fewer are padded (the condition's agent_mask marks the real ones).</summary>
    [ValidRange(Min = 1, Max = 64)]
    public int MaxAgents { get; init; } = 12;
    /// <summary>Scenes with more than max_agents vehicles: crop (keep the max_agents nearest the window's centre) or drop the scene.</summary>
    public string CrowdedScenes { get; init; } = Crop;
    /// <summary>Scenes the traffic oracle already flags (a collision or a vehicle off the road) as read: keep or drop them.</summary>
    public string InfractingScenes { get; init; } = Keep;

    public void Check(string section)
    {
        if (string.IsNullOrWhiteSpace(Scenes)) throw ConfigKey.Error(ConfigKey.In(section, "scenes"), "must name a CSV file of scenes (one row per vehicle)");
        ConfigKey.OneOf(ConfigKey.In(section, "crowded_scenes"), CrowdedScenes, CrowdedChoices);
        ConfigKey.OneOf(ConfigKey.In(section, "infracting_scenes"), InfractingScenes, InfractingChoices);
    }

    /// <summary>The built-in data set's settings these files share (the world's maps and rasters are made with them).</summary>
    public TrafficDataConfig AsTraffic() => new()
    {
        Window = Window, RasterResolution = RasterResolution, OracleResolution = OracleResolution, Agents = MaxAgents,
        // The world's config is read for the window and resolutions only; the rest stays at its defaults.
        Clearance = Math.Max(new TrafficDataConfig().Clearance, OracleResolution * 1.5),
    };
}
