using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Traffic.Export;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Pictures;
using GenNeg.Domains.Traffic.Realism;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic;

/// <summary>
/// Traffic scenes (the paper's Section 4.2 on procedural maps): samples [N, A, 7] normalised per feature, conditions
/// "map" (uint8 [N, 1, H, W], the map's road coverage at data.traffic.raster_resolution, 255 = road) and "map_index"
/// (int64 [N]); one label per vehicle. Its <see cref="TrafficWorld"/> holds the maps and the feature scaling.
/// </summary>
public sealed class TrafficDataSet : IDataSet, IRealismFeatures
{
    public const string DataSetName = "traffic";
    public const string MapKey = "map";

    public string Name => DataSetName;

    public Type ConfigType => typeof(TrafficDataConfig);

    public DataSplit Load(DataConfig config)
    {
        EnsureFits(config);
        var traffic = config.OptionsAs<TrafficDataConfig>();
        var maps = MapGenerator.Generate(traffic, "train", 0, traffic.TrainMaps, config.Seed)
            .Concat(MapGenerator.Generate(traffic, "validation", traffic.TrainMaps, traffic.ValidationMaps, config.ValidationSeed))
            .ToArray();
        var (trainMetres, trainMaps) = SceneGenerator.Generate(maps[..traffic.TrainMaps], config.TrainSize, traffic, config.Seed);
        var (validationMetres, validationMaps) = SceneGenerator.Generate(maps[traffic.TrainMaps..], config.ValidationSize, traffic, config.ValidationSeed);
        var world = new TrafficWorld(traffic, maps, FeatureScaling.Fit(trainMetres));
        using var rasters = stack(maps.Select(m => tensor(m.ConditionRaster).reshape(1, m.ConditionFrame.Size, m.ConditionFrame.Size)).ToArray());
        var split = new DataSplit(world.Scaling.Normalise(trainMetres), world.Scaling.Normalise(validationMetres),
            SceneCondition(rasters, trainMaps), SceneCondition(rasters, validationMaps), [traffic.Agents], world);
        trainMetres.Dispose();
        validationMetres.Dispose();
        return split;
    }

    /// <summary>
    /// Scene i lies on map i mod maps, so maps beyond the scene count would be made and never used; then the scenes'
    /// features (as numbers, as a tensor, normalised), their map rasters and indices, and each map's two rasters twice
    /// (its own and the stacked copy) must fit.
    /// </summary>
    public void EnsureFits(DataConfig config)
    {
        var traffic = config.OptionsAs<TrafficDataConfig>();
        var splits = new[] { ("train_maps", traffic.TrainMaps, "train_size", config.TrainSize), ("validation_maps", traffic.ValidationMaps, "validation_size", config.ValidationSize) };
        foreach (var (key, maps, sizeKey, scenes) in splits)
        {
            if (maps > scenes)
                throw new GenNegException($"config key 'data.traffic.{key}' ({maps:N0}) exceeds data.{sizeKey} ({scenes:N0}): scene i lies on map i mod maps, " +
                    $"so the maps past the {scenes:N0}th would never be used; lower data.traffic.{key}");
        }
        var conditionSide = new MapFrame(traffic.Window / 2, traffic.RasterResolution).Size;
        var oracleSide = new MapFrame(traffic.Window / 2, traffic.OracleResolution).Size;
        double conditionPixels = (double)conditionSide * conditionSide, oraclePixels = (double)oracleSide * oracleSide;
        double featureBytes = 3.0 * 4 * traffic.Agents * TrafficFeatures.Count;
        var sceneCount = (double)config.TrainSize + config.ValidationSize;
        var mapCount = (double)traffic.TrainMaps + traffic.ValidationMaps;
        // Measured (data preview, 50,000 and 200,000 scenes on 5 maps): about 7.9 KB per scene of the quick config's 5.1 KB
        // of features and raster, from the generator's arrays and the raster rows gathered per scene; hence the factors.
        var sceneBytes = sceneCount * (2 * featureBytes + 1.5 * conditionPixels + 16);
        var mapBytes = mapCount * 2 * (conditionPixels + oraclePixels);
        var sizeKeyOfLarger = config.TrainSize >= config.ValidationSize ? "data.train_size" : "data.validation_size";
        var remedy = sceneBytes >= mapBytes
            ? conditionPixels > featureBytes ? $"lower {sizeKeyOfLarger} or raise data.traffic.raster_resolution" : $"lower {sizeKeyOfLarger}"
            : $"lower data.traffic.{(traffic.TrainMaps >= traffic.ValidationMaps ? "train_maps" : "validation_maps")} or raise data.traffic.{(oraclePixels >= conditionPixels ? "oracle" : "raster")}_resolution";
        Runtime.MemoryBudget.EnsureFits(sceneBytes + mapBytes,
            $"the traffic data set ({config.TrainSize:N0} + {config.ValidationSize:N0} scenes with a {conditionSide} x {conditionSide} map raster each, {mapCount:N0} maps)", remedy);
        // Memory aside (a very large machine), one split's features must fit in one array.
        foreach (var (_, _, sizeKey, scenes) in splits)
        {
            if ((long)scenes * traffic.Agents * TrafficFeatures.Count > Array.MaxLength)
                throw new GenNegException($"config key 'data.{sizeKey}' ({scenes:N0}) times data.traffic.agents ({traffic.Agents}) times {TrafficFeatures.Count} features " +
                    $"exceeds the {Array.MaxLength:N0} numbers an array holds; lower data.{sizeKey}");
        }
    }

    public byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title)
    {
        var world = WorldOf(data);
        using var metres = world.Scaling.Denormalise(samples.cpu());
        return TrafficFigure.RenderPng(world, metres, condition[TrafficOracle.MapIndexKey].cpu(), verdict, title, agentMask: world.ElementMask(condition));
    }

    /// <summary>The scenes as CSV (every map as maps.geojson in the same folder).</summary>
    public string ExportFileName => "scenes.csv";

    public void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path)
    {
        var world = WorldOf(data);
        using var metres = world.Scaling.Denormalise(samples.cpu());
        // As for flat samples (SampleCsv): an infinity or NaN in a CSV would pass for a measurement downstream.
        using (var finite = metres.isfinite().flatten(1).all(1))
        {
            var bad = Array.IndexOf(finite.data<bool>().ToArray(), false);
            if (bad >= 0) throw new GenNegException($"scene {bad:N0} is not finite; the model has probably diverged; nothing was written to '{path}'");
        }
        TrafficSceneCsv.Write(path, TrafficSceneCsv.Rows(splits, metres, condition[TrafficOracle.MapIndexKey], verdict, world.ElementMask(condition)));
        TrafficMapGeoJson.Write(MapsPathBeside(path), world.Maps);
    }

    /// <summary>The per-vehicle distributions of <see cref="TrafficRealism"/>.</summary>
    public IReadOnlyList<RealismFeature> RealismFeatures(DataSplit data, Tensor samples, Condition condition)
    {
        var world = WorldOf(data);
        using var metres = world.Scaling.Denormalise(samples.detach().cpu());
        var features = TrafficRealism.Of(world.Maps, metres, condition[TrafficOracle.MapIndexKey], condition.TryGet(TrafficOracle.AgentMaskKey, out var mask) ? mask : null);
        // Maps read from files carry no lanes: the lane features would be empty, so they are left out rather than compared.
        return world.Maps.Any(m => m.Lanes.Count > 0) ? features
            : features.Where(f => f.Name is not (TrafficRealism.LaneHeading or TrafficRealism.VehiclesPerLane)).ToArray();
    }

    public static string MapsPathBeside(string scenesPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(scenesPath))!, "maps.geojson");

    private static Condition SceneCondition(Tensor rasters, long[] mapIndex)
    {
        var index = tensor(mapIndex);
        return new Condition([new(MapKey, rasters.index_select(0, index)), new(TrafficOracle.MapIndexKey, index)]);
    }

    private static TrafficWorld WorldOf(DataSplit data) =>
        data.World as TrafficWorld ?? throw new GenNegException("these samples are not traffic scenes (data.name is not traffic)");
}
