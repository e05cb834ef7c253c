using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Traffic.Export;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Pictures;
using GenNeg.Domains.Traffic.Scenes;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Domains.Traffic;

/// <summary>
/// Traffic scenes (the paper's Section 4.2 on procedural maps): samples [N, A, 7] normalised per feature, conditions
/// "map" (uint8 [N, 1, H, W], the map's road coverage at data.traffic.raster_resolution, 255 = road) and "map_index"
/// (int64 [N]); one label per vehicle. Its <see cref="TrafficWorld"/> holds the maps and the feature scaling.
/// </summary>
public sealed class TrafficDataSet : IDataSet
{
    public const string DataSetName = "traffic";
    public const string MapKey = "map";

    public string Name => DataSetName;

    public Type ConfigType => typeof(TrafficDataConfig);

    public DataSplit Load(DataConfig config)
    {
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

    public byte[] RenderSamples(DataSplit data, Tensor samples, Condition condition, OracleVerdict verdict, string title)
    {
        var world = WorldOf(data);
        using var metres = world.Scaling.Denormalise(samples.cpu());
        return TrafficFigure.RenderPng(world, metres, condition[TrafficOracle.MapIndexKey].cpu(), verdict, title);
    }

    /// <summary>The scenes as CSV (every map as maps.geojson in the same folder).</summary>
    public string ExportFileName => "scenes.csv";

    public void WriteSamples(DataSplit data, IReadOnlyList<string> splits, Tensor samples, Condition condition, OracleVerdict verdict, string path)
    {
        var world = WorldOf(data);
        using var metres = world.Scaling.Denormalise(samples.cpu());
        TrafficSceneCsv.Write(path, TrafficSceneCsv.Rows(splits, metres, condition[TrafficOracle.MapIndexKey], verdict));
        TrafficMapGeoJson.Write(MapsPathBeside(path), world.Maps);
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
