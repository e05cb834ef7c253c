using GenNeg.Data;
using GenNeg.Oracles;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Maps;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Realism;
using GenNeg.Domains.Traffic.Scenes;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Distance;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>The generated traffic data: valid, shaped for the model, reproducible, and dense enough to be hard.</summary>
[Collection(SmallTrafficData.Collection)]
public class TrafficDataTests(SmallTrafficData small)
{
    private OracleVerdict Judge(Tensor samples, Condition condition) => new TrafficOracle(small.World).Judge(samples, condition);

    [Fact]
    public void GeneratedTrainingAndHeldOutScenesHaveNoInfractions()
    {
        var train = Judge(small.Data.Train, small.Data.TrainCondition);
        var validation = Judge(small.Data.Validation, small.Data.ValidationCondition);
        Assert.Equal(0, train.Valid.logical_not().sum().item<long>());
        Assert.Equal(0, validation.Valid.logical_not().sum().item<long>());
    }

    [Fact]
    public void SamplesAreNormalisedScenesWithTheirMapsAsConditions()
    {
        var data = small.Data;
        Assert.Equal([300, 12, 7], data.Train.shape);
        Assert.Equal([100, 12, 7], data.Validation.shape);
        Assert.Equal([12], data.ElementShape);
        Assert.Equal([300, 1, 128, 128], data.TrainCondition[TrafficDataSet.MapKey].shape);
        Assert.Equal(ScalarType.Byte, data.TrainCondition[TrafficDataSet.MapKey].dtype);
        Assert.Equal(ScalarType.Int64, data.TrainCondition[TrafficOracle.MapIndexKey].dtype);
        var flat = data.Train.reshape(-1, 7);
        Assert.All(flat.mean([0]).data<float>().ToArray(), m => Assert.InRange(m, -1e-4, 1e-4));
        Assert.All(flat.std([0]).data<float>().ToArray(), s => Assert.InRange(s, 0.999, 1.001));
        // Scene i lies on training map i mod 10, its condition is that map's raster.
        var index = data.TrainCondition[TrafficOracle.MapIndexKey].data<long>().ToArray();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)(i % 10)), index);
        Assert.Equal(small.World.Maps[7].ConditionRaster, data.TrainCondition[TrafficDataSet.MapKey][17].flatten().data<byte>().ToArray());
    }

    [Fact]
    public void SplitsLieOnDisjointMapsOfEveryKindAndLoadingAgainGivesTheSameData()
    {
        var validationMaps = small.Data.ValidationCondition[TrafficOracle.MapIndexKey].data<long>().ToArray();
        Assert.All(validationMaps, m => Assert.InRange(m, 10, 14));
        Assert.Equal(Enum.GetValues<MapKind>().Order(), small.World.Maps.Take(10).Select(m => m.Kind).Distinct().Order());
        Assert.Equal(Enum.GetValues<MapKind>().Order(), small.World.Maps.Skip(10).Select(m => m.Kind).Distinct().Order());
        Assert.All(small.World.Maps, m => Assert.Equal(m.Index < 10 ? "train" : "validation", m.Split));

        using var again = new TrafficDataSet().Load(small.Config.Data);
        Assert.True(again.Train.eq(small.Data.Train).all().item<bool>());
        Assert.True(again.Validation.eq(small.Data.Validation).all().item<bool>());
        var world = (TrafficWorld)again.World!;
        Assert.All(world.Maps, m => Assert.True(m.DrivableArea.EqualsExact(small.World.Maps[m.Index].DrivableArea)));

        using var otherSeed = new TrafficDataSet().Load(small.Config.Data with { Seed = 99 });
        Assert.False(otherSeed.Train.eq(small.Data.Train).all().item<bool>());
    }

    [Fact]
    public void A_curve_whose_window_cut_defeats_the_robust_overlay_still_gives_a_valid_map()
    {
        // Map 105 of the training seed 1 (configs/traffic.yaml's 400 training maps): OverlayNGRobust throws "Ring edge
        // missing" cutting this curve to the window; the repaired, snap-rounded overlay must give a usable map.
        var config = TrafficTestWorlds.SmallConfig().Data.OptionsAs<TrafficDataConfig>();
        var map = MapGenerator.Create(config, "train", 105, MapKind.Curve, new Random(Seeds.Mix(1, 105, 7919)));
        Assert.True(map.DrivableArea.IsValid);
        var window = config.Window * config.Window;
        Assert.InRange(map.DrivableArea.Area, 0.05 * window, window);
        // The oracle's raster covers the same share of the window as the polygon, within the edge pixels' error.
        var roadShare = map.RoadPixels.CountSet() / (double)map.RoadPixels.Pixels;
        Assert.Equal(map.DrivableArea.Area / window, roadShare, 0.01);
    }

    [Fact]
    public void RoadRasterAgreesWithTheExactPolygonsAwayFromTheEdge()
    {
        var random = new Random(5);
        var factory = TrafficTestWorlds.Factory;
        var (compared, disagreements) = (0, 0);
        foreach (var map in small.World.Maps)
        {
            var boundary = new IndexedFacetDistance(map.DrivableArea.Boundary);
            var area = NetTopologySuite.Geometries.Prepared.PreparedGeometryFactory.Prepare(map.DrivableArea);
            for (var k = 0; k < 2000; k++)
            {
                var point = factory.CreatePoint(new Coordinate(64 * random.NextDouble() - 32, 64 * random.NextDouble() - 32));
                // Half the diagonal of a 1/8 m pixel is 0.088 m: beyond that the pixel's centre is on the same side.
                if (boundary.Distance(point) <= 0.1) continue;
                compared++;
                if (map.IsRoad(point.X, point.Y) != area.Contains(point)) disagreements++;
            }
        }
        Assert.True(compared > 25_000, $"{compared} points compared");
        Assert.Equal(0, disagreements);
    }

    [Fact]
    public void BitRasterKeepsOneBitPerPixelOfARowMajorImage()
    {
        // A 3 x 3 image whose rows start 4 bytes apart (the 4th byte of each row is padding, never read).
        byte[] image = [255, 0, 7, 9, 0, 0, 0, 9, 0, 1, 255, 9];
        var raster = BitRaster.FromImage(3, image, rowStride: 4);
        Assert.Equal([true, false, true, false, false, false, false, true, true], Enumerable.Range(0, 9).Select(p => raster[p]));
        Assert.Equal(4, raster.CountSet());
        Assert.Equal(2, raster.Bytes);
    }

    [Fact]
    public void TheOraclesRoadRasterOfADefaultMapFitsIn40Kilobytes()
    {
        var config = new TrafficDataConfig();
        var map = MapGenerator.FromArea(config, 0, "train", MapKind.Straight, TrafficTestWorlds.Rectangle(-32, 32, -4, 4), []);
        Assert.Equal(512 * 512, map.RoadPixels.Pixels);
        Assert.Equal(512 * 512 / 8, map.RoadPixels.Bytes);
        // The road |y| < 4 across the whole window: 64 of the 512 rows.
        Assert.Equal(64 * 512, map.RoadPixels.CountSet());
    }

    [Fact]
    public void RastersAreStoredTopRowFirstLikeImages()
    {
        // Road only in the upper right quarter of the window.
        var config = new TrafficDataConfig();
        var map = MapGenerator.FromArea(config, 0, "train", MapKind.Straight, TrafficTestWorlds.Rectangle(0, 32, 0, 32), []);
        var size = map.ConditionFrame.Size;
        Assert.Equal(255, map.ConditionRaster[0 * size + size - 1]);
        Assert.Equal(0, map.ConditionRaster[(size - 1) * size + size - 1]);
        Assert.Equal(0, map.ConditionRaster[0]);
        Assert.True(map.IsRoad(31.9, 31.9) && map.IsRoad(0.01, 0.01));
        Assert.False(map.IsRoad(-0.01, 0.01) || map.IsRoad(0.01, -0.01) || map.IsRoad(32.5, 10));
    }

    [Fact]
    public void ConditionRasterCoversTheRoadArea()
    {
        foreach (var map in small.World.Maps)
        {
            var pixelArea = map.ConditionFrame.Resolution * map.ConditionFrame.Resolution;
            var covered = map.ConditionRaster.Sum(v => v / 255.0) * pixelArea;
            Assert.InRange(covered, 0.99 * map.DrivableArea.Area, 1.01 * map.DrivableArea.Area);
        }
    }

    [Fact]
    public void ScenesAreDenseQueuesAndFreeFlow()
    {
        using var metres = small.World.Scaling.Denormalise(small.Data.Train);
        var speed = metres[.., .., TrafficFeatures.Speed];
        Assert.InRange(speed.eq(0).to(ScalarType.Float32).mean().item<float>(), 0.1, 0.6);
        Assert.InRange((speed > 6).to(ScalarType.Float32).mean().item<float>(), 0.1, 0.9);
        var centres = metres[.., .., ..2];
        var distance = cdist(centres, centres) + 1e3 * eye(12).unsqueeze(0);
        var nearest = distance.amin([2]);
        // Half the vehicles have a neighbour centre within 7 m: about a car length plus a bumper gap under 2 m.
        Assert.True(nearest.median().item<float>() < 7, $"median distance to the nearest vehicle {nearest.median().item<float>()} m");
        Assert.InRange(metres[.., .., TrafficFeatures.Length].min().item<float>(), 3.8f, 3.81f);
        Assert.InRange(metres[.., .., TrafficFeatures.Width].max().item<float>(), 2.0f, 2.1f);
    }

    [Fact]
    public void QueuesKeepTheConfiguredBumperGaps()
    {
        // Queues only, on the training maps: how often a vehicle has a neighbour closer than 1 m, with the gaps of
        // stopped traffic (1.5-2.5 m, the default) and with the tighter gaps of earlier worlds (0.5-2.5 m).
        double ShareUnderOneMetre(TrafficDataConfig config)
        {
            var maps = small.World.Maps.Take(10).ToArray();
            var (metres, mapIndex) = SceneGenerator.Generate(maps, 200, config, seed: 5);
            using var index = tensor(mapIndex);
            var gaps = TrafficRealism.Of(maps, metres, index).Single(f => f.Name == TrafficRealism.NearestGap).Values;
            metres.Dispose();
            return gaps.Count(g => g < 1) / (double)gaps.Length;
        }
        var queues = new TrafficDataConfig { TrainMaps = 10, ValidationMaps = 5, QueueProbability = 1 };
        var real = ShareUnderOneMetre(queues);
        var tight = ShareUnderOneMetre(queues with { QueueGapMin = 0.5 });
        Assert.True(tight > 0.25, $"{tight:P1} of vehicles under 1 m from a neighbour with 0.5-2.5 m gaps");
        Assert.True(real < 0.05, $"{real:P1} of vehicles under 1 m from a neighbour with 1.5-2.5 m gaps");
    }

    [Fact]
    public void JitteredScenesCollideAndGoOffroadExactlyWhereThePolygonsSay()
    {
        using var scope = NewDisposeScope();
        var (jittered, mapIndex) = TrafficJitter.Apply(small, seed: 3);
        var verdict = new TrafficOracle(small.World).JudgeMetres(jittered, mapIndex);
        var collision = verdict.Infractions[TrafficOracle.Collision].data<bool>().ToArray();
        var offroad = verdict.Infractions[TrafficOracle.Offroad].data<bool>().ToArray();
        var independent = IndependentVerdict.Compute(small.World, jittered, mapIndex);

        var collisionChecked = Enumerable.Range(0, collision.Length).Where(k => !independent.CollisionAmbiguous[k]).ToArray();
        var offroadChecked = Enumerable.Range(0, offroad.Length).Where(k => !independent.OffroadAmbiguous[k]).ToArray();
        Assert.True(collisionChecked.Length > 0.97 * collision.Length && offroadChecked.Length > 0.9 * offroad.Length,
            $"{collisionChecked.Length} and {offroadChecked.Length} of {collision.Length} vehicles compared");
        Assert.True(collisionChecked.Count(k => collision[k]) >= 50, "few collisions");
        Assert.True(offroadChecked.Count(k => offroad[k]) >= 50, "few offroad vehicles");
        Assert.Equal(collisionChecked.Select(k => independent.Collision[k]), collisionChecked.Select(k => collision[k]));
        Assert.Equal(offroadChecked.Select(k => independent.Offroad[k]), offroadChecked.Select(k => offroad[k]));
    }
}
