using GenNeg.Data;
using GenNeg.Domains.Traffic;
using GenNeg.Domains.Traffic.Oracle;
using GenNeg.Domains.Traffic.Scenes;
using static TorchSharp.torch;

namespace GenNeg.Tests.Traffic;

/// <summary>The traffic oracle on hand-built scenes over a road |y| &lt; 8 with a median |y| &lt; 0.5 for |x| &lt; 20.</summary>
public class TrafficOracleTests
{
    private readonly TrafficWorld world = TrafficTestWorlds.MedianRoad();

    /// <summary>(x, y, length, width, heading in degrees): a vehicle far from the others at rest.</summary>
    private static float[] Vehicle(double x, double y, double length = 4, double width = 2, double degrees = 0) =>
        [(float)x, (float)y, (float)length, (float)width, (float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180), 5];

    private (bool[] Collision, bool[] Offroad, bool[] Valid) Judge(params float[][] vehicles) => Judge(null, vehicles);

    private (bool[] Collision, bool[] Offroad, bool[] Valid) Judge(bool[]? present, params float[][] vehicles)
    {
        using var scope = NewDisposeScope();
        var scene = tensor(vehicles.SelectMany(v => v).ToArray()).reshape(1, vehicles.Length, 7);
        var mask = present is null ? null : tensor(present).reshape(1, -1);
        var verdict = new TrafficOracle(world).JudgeMetres(scene, tensor(new long[] { 0 }), mask);
        return (Flags(verdict.Infractions[TrafficOracle.Collision]), Flags(verdict.Infractions[TrafficOracle.Offroad]), Flags(verdict.Valid));
    }

    private static bool[] Flags(Tensor flags) => flags.flatten().data<bool>().ToArray();

    // Centres at y = 4 (lanes clear of the median and edge) unless the case is about them.

    [Fact]
    public void IdenticalBoxesCollide() =>
        Assert.Equal([true, true], Judge(Vehicle(0, 4), Vehicle(0, 4)).Collision);

    [Fact]
    public void BoxesTouchingEdgeToEdgeDoNotCollideButOneMillimetreMoreDoes()
    {
        Assert.Equal([false, false], Judge(Vehicle(0, 4), Vehicle(4, 4)).Collision);
        Assert.Equal([false, false], Judge(Vehicle(0, 4), Vehicle(0, 6)).Collision);
        Assert.Equal([true, true], Judge(Vehicle(0, 4), Vehicle(3.99, 4)).Collision);
    }

    [Fact]
    public void BoxesTouchingCornerToCornerDoNotCollide() =>
        Assert.Equal([false, false], Judge(Vehicle(0, 3), Vehicle(4, 5)).Collision);

    [Fact]
    public void BoxRotated45DegreesWithItsCornerInsideAnothersCornerCollides()
    {
        // A 2 x 2 diamond (45 degrees) whose lower-left edge x + y = 8.2 - sqrt(2) cuts 0.15 m past the first box's corner (2, 5);
        // no corner of either box lies inside the other.
        Assert.Equal([true, true], Judge(Vehicle(0, 4), Vehicle(2.9, 5.3, 2, 2, 45)).Collision);
    }

    [Fact]
    public void SeparatedBoxesWhoseAxisAlignedBoundsOverlapDoNotCollide()
    {
        // The diamond moved out to x + y = 8.6: 0.13 m clear of the corner (2, 5), its bounds [1.59, 4.41] x [4.19, 7.01] still
        // overlap the first box's [-2, 2] x [3, 5]; only the diamond's own axes separate them.
        Assert.Equal([false, false], Judge(Vehicle(0, 4), Vehicle(3.0, 5.6, 2, 2, 45)).Collision);
        // Two long parallel boxes along the diagonal, 1.1 m apart side to side.
        Assert.Equal([false, false], Judge(Vehicle(-2, 4, 10, 1, 45), Vehicle(-2 + 1.5, 4 - 1.5, 10, 1, 45)).Collision);
    }

    [Fact]
    public void CollisionIsSymmetricAndOnlyTheOverlappingPairIsFlagged() =>
        Assert.Equal([true, true, false], Judge(Vehicle(0, 4), Vehicle(1, 4.5, 4, 2, 30), Vehicle(10, 4)).Collision);

    [Fact]
    public void VehicleStraddlingTheRoadEdgeIsOffroad()
    {
        Assert.Equal([true], Judge(Vehicle(0, 7.5)).Offroad);
        Assert.Equal([false], Judge(Vehicle(0, 6.5)).Offroad);
    }

    [Fact]
    public void VehicleInsideOrAcrossTheMedianIsOffroad()
    {
        Assert.Equal([true], Judge(Vehicle(0, 0, 4, 0.8)).Offroad);
        // Across the median: all four corners are on the carriageways, only the midpoints of the long sides are on the median.
        Assert.Equal([true], Judge(Vehicle(0, 0, 4.6, 1.8, 90)).Offroad);
        // Beyond the median's end the same box is on the road.
        Assert.Equal([false], Judge(Vehicle(25, 0, 4.6, 1.8, 90)).Offroad);
    }

    [Fact]
    public void VehicleOffTheMapIsOffroad()
    {
        Assert.Equal([true], Judge(Vehicle(100, 4)).Offroad);
        Assert.Equal([true], Judge(Vehicle(31, 4)).Offroad);
    }

    [Fact]
    public void PaddingNeverInfractsAndIsNeverHit()
    {
        var (collision, offroad, valid) = Judge([true, false], Vehicle(0, 4), Vehicle(0, 0));
        Assert.Equal([false, false], collision);
        Assert.Equal([false, false], offroad);
        Assert.Equal([true, true], valid);
    }

    [Fact]
    public void DegenerateBoxesAreThinBoxesAndNonUnitHeadingsAreDirections()
    {
        // Zero width and negative length are 0.1 m: such a box collides only with what it crosses.
        Assert.Equal([false, false], Judge(Vehicle(0, 4), Vehicle(0, 5.2, 4, 0)).Collision);
        Assert.Equal([true, true], Judge(Vehicle(0, 4), Vehicle(0, 4.9, 4, 0)).Collision);
        Assert.Equal([false, false], Judge(Vehicle(0, 4), Vehicle(2.2, 4, -3, 2)).Collision);
        // Heading (2, 0) is heading 0; (0, 0) is heading 0 too: a 6 m box along x ends at x = 3, overlapping a box from 2.9.
        float[] stretched = [0, 4, 6, 2, 2, 0, 5];
        float[] zero = [0, 4, 6, 2, 0, 0, 5];
        Assert.Equal([true, true], Judge(stretched, Vehicle(4.9, 4)).Collision);
        Assert.Equal([true, true], Judge(zero, Vehicle(4.9, 4)).Collision);
        Assert.Equal([false, false], Judge(zero, Vehicle(5.1, 4)).Collision);
    }

    [Fact]
    public void NonFiniteVehicleIsOffroadAndHitsNothing()
    {
        float[] broken = [float.NaN, 4, 4, 2, 1, 0, 5];
        var (collision, offroad, valid) = Judge(broken, Vehicle(0, 4));
        Assert.Equal([false, false], collision);
        Assert.Equal([true, false], offroad);
        Assert.Equal([false, true], valid);
    }

    [Fact]
    public void JudgeReadsNormalisedSamplesAndTheirMaps()
    {
        var scaling = new FeatureScaling([1f, -2f, 4f, 2f, 0f, 0f, 5f], [10f, 5f, 0.5f, 0.2f, 0.7f, 0.7f, 3f]);
        var scaled = new TrafficWorld(world.Config, world.Maps, scaling);
        using var metres = tensor(Vehicle(0, 4).Concat(Vehicle(1, 4)).Concat(Vehicle(0, 7.5)).ToArray()).reshape(1, 3, 7);
        using var normalised = scaling.Normalise(metres);
        var verdict = new TrafficOracle(scaled).Judge(normalised, Condition.Of(TrafficOracle.MapIndexKey, tensor(new long[] { 0 })));
        Assert.Equal([true, true, false], Flags(verdict.Infractions[TrafficOracle.Collision]));
        Assert.Equal([false, false, true], Flags(verdict.Infractions[TrafficOracle.Offroad]));
        Assert.Equal([1, 3], verdict.Valid.shape);
        Assert.False(verdict.SampleValid().item<bool>());
    }

    [Fact]
    public void WithoutTheMapsTheOracleSaysWhatItNeeds()
    {
        var oracle = new TrafficOracle(world);
        using var scene = zeros(2, 12, 7);
        Assert.Contains("maps", Assert.Throws<GenNegException>(() => oracle.IsValid(scene)).Message);
        Assert.Contains("map_index", Assert.Throws<GenNegException>(() => oracle.Judge(scene, Condition.None)).Message);
        Assert.Contains("outside", Assert.Throws<GenNegException>(() => oracle.Judge(scene, Condition.Of("map_index", tensor(new long[] { 0, 3 })))).Message);
        Assert.Contains("[B, A, 7]", Assert.Throws<GenNegException>(() => oracle.Judge(zeros(2, 7), Condition.Of("map_index", tensor(new long[] { 0, 0 })))).Message);
    }

    [Fact]
    public void RegistryBuildsTheOracleOnlyForTrafficData()
    {
        var registries = Registries.CreateDefault();
        using var checkerboard = registries.DataSets.Resolve("checkerboard").Load(new Configuration.DataConfig { TrainSize = 10, ValidationSize = 10 });
        Assert.Contains("data.name: traffic", Assert.Throws<GenNegException>(() => registries.Oracles.Resolve("traffic", checkerboard)).Message);
    }
}
