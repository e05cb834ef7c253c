using GenNeg.Configuration;
using GenNeg.Domains.Motion;
using GenNeg.Metrics;
using static TorchSharp.torch;

namespace GenNeg.Tests.Motion;

/// <summary>The motion data set's shapes, condition, distance features and config checks.</summary>
public class MotionDataTests
{
    private static GenNegConfig Config(params string[] overrides) => ConfigLoader.Parse(
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
    [InlineData("data.motion.mmd_frames_per_sample=17", "config key 'data.motion.mmd_frames_per_sample' must be in [1, data.motion.frames = 16], got 17")]
    public void Motion_keys_are_checked_at_load(string assignment, string message) =>
        Assert.Equal(message, Assert.Throws<GenNegException>(() => Config(assignment)).Message);
}
