using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Files;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>The traffic_files data set: scenes and maps in data export's format, read back as the built-in data set gives them.</summary>
[Collection(SmallTrafficData.Collection)]
public class TrafficFilesTests(SmallTrafficData small)
{
    /// <summary>Both splits of the small data set exported as data export writes them.</summary>
    private string Export(TempFolder folder)
    {
        using var scope = NewDisposeScope();
        var data = small.Data;
        var samples = cat([data.Train, data.Validation], 0);
        var condition = new Condition([new(TrafficOracle.MapIndexKey, cat([data.TrainCondition[TrafficOracle.MapIndexKey], data.ValidationCondition[TrafficOracle.MapIndexKey]], 0))]);
        var verdict = new TrafficOracle(small.World).Judge(samples, condition);
        var path = folder.Combine("scenes.csv");
        var splits = IDataSet.Same("train", data.Train.shape[0]).Concat(IDataSet.Same("validation", data.Validation.shape[0])).ToArray();
        new TrafficDataSet().WriteSamples(data, splits, samples, condition, verdict, path);
        return path;
    }

    private static DataConfig Config(string scenes, int validationSize = 100, TrafficFilesConfig? options = null) => new()
    {
        Name = TrafficFilesDataSet.DataSetName,
        TrainSize = 1,
        ValidationSize = validationSize,
        Options = (options ?? new TrafficFilesConfig()) with { Scenes = scenes },
    };

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void Exported_scenes_load_back_as_the_same_tensors_conditions_and_labels()
    {
        using var folder = new TempFolder();
        var scenes = Export(folder);
        var dataSet = new TrafficFilesDataSet();
        using var loaded = dataSet.Load(Config(scenes));
        using var scope = NewDisposeScope();
        var world = (TrafficWorld)loaded.World!;

        Assert.Equal(small.Data.Train.shape, loaded.Train.shape);
        Assert.Equal(small.Data.Validation.shape, loaded.Validation.shape);
        // The heading goes through its angle and back, so cos and sin may differ in the last bit.
        Assert.True(allclose(small.Data.Train, loaded.Train, rtol: 0, atol: 1e-5), "training scenes differ");
        Assert.True(allclose(small.Data.Validation, loaded.Validation, rtol: 0, atol: 1e-5), "held-out scenes differ");
        for (var f = 0; f < 7; f++)
        {
            Assert.Equal(small.World.Scaling.Mean[f], world.Scaling.Mean[f], 1e-4);
            Assert.Equal(small.World.Scaling.Std[f], world.Scaling.Std[f], 1e-4);
        }
        foreach (var (builtIn, read) in new[] { (small.Data.TrainCondition, loaded.TrainCondition), (small.Data.ValidationCondition, loaded.ValidationCondition) })
        {
            Assert.False(read.TryGet(TrafficOracle.AgentMaskKey, out _));
            Assert.True(builtIn[TrafficOracle.MapIndexKey].eq(read[TrafficOracle.MapIndexKey]).all().item<bool>());
            Assert.Equal(builtIn[TrafficDataSet.MapKey].shape, read[TrafficDataSet.MapKey].shape);
            Assert.True(builtIn[TrafficDataSet.MapKey].eq(read[TrafficDataSet.MapKey]).all().item<bool>(), "map rasters differ");
        }
        Assert.Equal(small.World.Maps.Count, world.Maps.Count);
        foreach (var (a, b) in small.World.Maps.Zip(world.Maps))
            Assert.Equal((a.Index, a.Split, a.Kind, a.RoadPixels.CountSet()), (b.Index, b.Split, b.Kind, b.RoadPixels.CountSet()));

        var builtInVerdict = new TrafficOracle(small.World).Judge(small.Data.Validation, small.Data.ValidationCondition);
        var readVerdict = new TrafficOracle(world).Judge(loaded.Validation, loaded.ValidationCondition);
        Assert.True(builtInVerdict.Valid.eq(readVerdict.Valid).all().item<bool>());
        Assert.Equal(0, dataSet.LastSummary!.Padded);
        Assert.Equal(400, dataSet.LastSummary.TrainScenes + dataSet.LastSummary.ValidationScenes);

        // The pictures and the realism features work on loaded scenes; without lanes the lane features are left out.
        var firstEight = loaded.ValidationCondition.Slice(0, 8);
        var picture = dataSet.RenderSamples(loaded, loaded.Validation[..8], firstEight, new TrafficOracle(world).Judge(loaded.Validation[..8], firstEight), "read");
        Assert.True(picture.Length > 1000);
        var features = dataSet.RealismFeatures(loaded, loaded.Validation, loaded.ValidationCondition).Select(f => f.Name).ToArray();
        Assert.Equal(["nearest_gap", "road_edge_distance", "speed"], features);
    }
}
