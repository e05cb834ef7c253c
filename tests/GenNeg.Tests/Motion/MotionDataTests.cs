using GenNeg.Configuration;
using GenNeg.Domains.Motion;
using GenNeg.Metrics;
using static TorchSharp.torch;

namespace GenNeg.Tests.Motion;

/// <summary>The motion data set's shapes, condition, distance features and config checks.</summary>
public class MotionDataTests
{
    private static GenNegConfig Config(params string[] overrides) => TestConfig.Parse(
        "data: { name: motion, train_size: 200, validation_size: 200, motion: { frames: 16 } }\nevaluate: { mmd_samples: 200 }\noracle: ground_penetration", overrides);

    [Fact]
    public void Loads_standardised_sequences_with_one_hot_actions_and_per_frame_labels()
    {
        using var data = new MotionDataSet().Load(Config().Data);
        Assert.Equal([200L, 16, 66], data.Train.shape);
        Assert.Equal([16L], data.ElementShape);
        var actions = data.TrainCondition[MotionDataSet.ActionKey];
        Assert.Equal([200L, 5], actions.shape);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)(i % 5)), MotionDataSet.ActionsOf(data.TrainCondition));
        // Standardised per coordinate over the training frames.
        var flat = data.Train.reshape(-1, 66);
        Assert.True(flat.mean([0]).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void The_models_coordinates_are_the_joints_relative_to_the_pelvis_floor_point_and_map_back_to_metres()
    {
        // Two joints: the pelvis at (3, 1, -2), a foot at (3.1, 0.02, -1.9): the foot becomes (0.1, 0.02, 0.1), the pelvis stays.
        using var metres = tensor(new float[] { 3, 1, -2, 3.1f, 0.02f, -1.9f }).reshape(1, 1, 6);
        using var relative = MotionWorld.RootRelative(metres, -1);
        Assert.Equal(new[] { 3, 1, -2, 0.1f, 0.02f, 0.1f }, relative.data<float>().ToArray(), new FloatTolerance(1e-6f));
        using var back = MotionWorld.RootRelative(relative, +1);
        Assert.Equal(metres.data<float>().ToArray(), back.data<float>().ToArray(), new FloatTolerance(1e-6f));

        using var data = new MotionDataSet().Load(Config().Data);
        var world = (MotionWorld)data.World!;
        using var roundTrip = world.ToModel(world.ToMetres(data.Validation));
        Assert.True((roundTrip - data.Validation).abs().max().item<float>() < 1e-4f);
        // The walks and runs travel metres, yet every joint stays within a body's reach of its pelvis's floor point.
        using var joints = world.ToMetres(data.Train).reshape(200, 16, 22, 3);
        var pelvisTravel = (joints[.., -1, 0] - joints[.., 0, 0]).norm(1).max().item<float>();
        using var local = MotionWorld.RootRelative(world.ToMetres(data.Train), -1).reshape(200, 16, 22, 3);
        var reach = local[.., .., 1..].index_select(3, tensor(new long[] { 0, 2 })).abs().max().item<float>();
        Assert.True(pelvisTravel > 2 && reach < 1.2f, $"pelvis travels up to {pelvisTravel} m, joints reach {reach} m");
    }

    [Fact]
    public void The_distance_compares_per_frame_poses_and_velocities_and_tells_noise_from_data()
    {
        var dataSet = new MotionDataSet();
        using var data = dataSet.Load(Config("data.motion.mmd_frames_per_sample=2").Data);
        var train = dataSet.DistanceFeatures(data, data.Train);
        var validation = dataSet.DistanceFeatures(data, data.Validation);
        Assert.Equal([400L, 132], train.shape);
        using var generator = new Generator(1);
        var jittered = dataSet.DistanceFeatures(data, data.Validation + 0.3 * randn(data.Validation.shape, generator: generator));
        var bandwidths = new[] { 4.0, 8, 16, 32 };
        var same = Mmd.Estimate(train, validation, bandwidths).Value;
        var off = Mmd.Estimate(train, jittered, bandwidths).Value;
        Assert.True(off > 5 * Math.Abs(same), $"held-out {same}, jittered {off}");
    }

    [Theory]
    [InlineData("data.motion.frames=1", "config key 'data.motion.frames' must be in [2, 1024], got 1")]
    [InlineData("data.motion.floor_tolerance=-0.01", "config key 'data.motion.floor_tolerance' must be in [0, 0.1] metres, got -0.01")]
    [InlineData("data.motion.mmd_frames_per_sample=17", "config key 'data.motion.mmd_frames_per_sample' must be in [1, 16], got 17")]
    public void Motion_keys_are_checked_at_load(string assignment, string message) =>
        Assert.Equal(message, Assert.Throws<GenNegException>(() => Config(assignment)).Message);
}
