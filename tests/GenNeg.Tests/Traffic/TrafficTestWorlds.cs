using GenNeg.Data;
using GenNeg.Configuration;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Scenes;
using NetTopologySuite.Geometries;

namespace GenNeg.Tests.Traffic;

/// <summary>Worlds for the traffic tests: one hand-built map, and a small generated data set shared by a test class.</summary>
internal static class TrafficTestWorlds
{
    public static readonly GeometryFactory Factory = new();

    /// <summary>The columns of a scenes file, as data export writes them.</summary>
    public const string SceneFileHeader = "split,scene,map,agent,x,y,length,width,heading,speed";

    /// <summary>A maps file of one map, the road |y| &lt; 8 across the 64 m window.</summary>
    public const string StraightRoadGeoJson = """
        {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"map":0},
        "geometry":{"type":"Polygon","coordinates":[[[-32,-8],[32,-8],[32,8],[-32,8],[-32,-8]]]}}]}
        """;

    /// <summary>A road |y| &lt; 8 across the whole window with a 1 m median |y| &lt; 0.5 for |x| &lt; 20.</summary>
    public static TrafficWorld MedianRoad()
    {
        var config = new TrafficDataConfig();
        var area = Rectangle(-32, 32, -8, 8).Difference(Rectangle(-20, 20, -0.5, 0.5));
        var map = MapGenerator.FromArea(config, 0, "train", MapKind.Straight, area, []);
        return new TrafficWorld(config, [map], new FeatureScaling(new float[7], Enumerable.Repeat(1f, 7).ToArray()));
    }

    /// <summary>
    /// Two scenes of three vehicle rows, random maps, the first scene with two vehicles and the second with one (the
    /// agent mask), and a small DDPM agent transformer built for them.
    /// </summary>
    public static (DataSplit Data, GenNeg.Workflows.ModelBuilder Builder) PaddedScenesModel(TorchSharp.torch.Generator generator)
    {
        var maps = (TorchSharp.torch.rand([2, 1, 32, 32], generator: generator) * 255).to(TorchSharp.torch.ScalarType.Byte);
        var mask = TorchSharp.torch.tensor(new[] { true, true, false, true, false, false }).reshape(2, 3);
        var condition = new Condition([new(TrafficDataSet.MapKey, maps), new(GenNeg.Domains.Traffic.Oracle.TrafficOracle.AgentMaskKey, mask)]);
        var data = new DataSplit(TorchSharp.torch.randn([2, 3, 7], generator: generator), TorchSharp.torch.randn([2, 3, 7], generator: generator),
            condition, condition.Map(t => t.clone()), elementShape: [3]);
        var model = new ModelConfig { Backbone = "agent_transformer", Hidden = 16, Heads = 2, Blocks = 2, TimeEmbedding = 8, Formalism = "ddpm", Timesteps = 20 };
        return (data, new GenNeg.Workflows.ModelBuilder(model, data, Registries.CreateDefault().Backbones, TorchSharp.torch.CPU));
    }

    public static Polygon Rectangle(double left, double right, double bottom, double top) => Factory.CreatePolygon(
    [
        new Coordinate(left, bottom), new Coordinate(right, bottom), new Coordinate(right, top), new Coordinate(left, top), new Coordinate(left, bottom),
    ]);

    /// <summary>A small traffic config: every map kind in both splits, a few hundred scenes.</summary>
    public static GenNegConfig SmallConfig(int trainScenes = 300, int validationScenes = 100) => new()
    {
        Oracle = "traffic",
        Data = new DataConfig
        {
            Name = "traffic",
            TrainSize = trainScenes,
            ValidationSize = validationScenes,
            Seed = 11,
            ValidationSeed = 12,
            Options = new TrafficDataConfig { TrainMaps = 10, ValidationMaps = 5 },
        },
    };
}

/// <summary>The small data set, generated once for the test classes of its collection.</summary>
public sealed class SmallTrafficData : IDisposable
{
    public const string Collection = "small traffic data";

    public SmallTrafficData()
    {
        Config = TrafficTestWorlds.SmallConfig();
        Data = new TrafficDataSet().Load(Config.Data);
    }

    public GenNegConfig Config { get; }

    public GenNeg.Data.DataSplit Data { get; }

    public TrafficWorld World => (TrafficWorld)Data.World!;

    public void Dispose() => Data.Dispose();
}

[CollectionDefinition(SmallTrafficData.Collection)]
public sealed class SmallTrafficDataCollection : ICollectionFixture<SmallTrafficData>;
