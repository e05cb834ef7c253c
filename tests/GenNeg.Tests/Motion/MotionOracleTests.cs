using GenNeg.Configuration;
using GenNeg.Domains.Motion;
using GenNeg.Domains.Motion.Generation;
using GenNeg.Domains.Motion.Oracle;
using static TorchSharp.torch;

namespace GenNeg.Tests.Motion;

/// <summary>The ground-penetration oracle on hand-built poses, and the generated data against it.</summary>
public class MotionOracleTests
{
    private const double Tolerance = 0.0005;

    /// <summary>A standing figure of height 1.75 m at the origin, its frames [frames, 22 * 3] in metres.</summary>
    private static float[] Standing(int frames = 3)
    {
        var body = new Body(1.75f);
        var ankle = System.Numerics.Vector3.UnitY * body.AnkleHeight;
        var left = System.Numerics.Vector3.UnitX * body.HipHalfWidth;
        var pose = body.Pose(new PoseSpec(System.Numerics.Vector3.UnitY * body.StandingPelvis * 0.98f, 0, ankle + left, ankle - left, 0, default, default));
        return Enumerable.Range(0, frames).SelectMany(_ => pose.SelectMany(p => new[] { p.X, p.Y, p.Z })).ToArray();
    }

    private static bool[] FrameValid(float[] frames, int count)
    {
        using var metres = tensor(frames).reshape(1, count, Skeleton.JointCount * 3);
        var verdict = GroundPenetrationOracle.JudgeMetres(metres, Skeleton.JointCount, Tolerance);
        Assert.Equal([1L, count], verdict.Valid.shape);
        var valid = verdict.Valid.reshape(-1).data<bool>().ToArray();
        var reason = verdict.Infractions[GroundPenetrationOracle.Reason].reshape(-1).data<bool>().ToArray();
        Assert.Equal(valid.Select(v => !v), reason);
        return valid;
    }

    private static void SetHeight(float[] frames, int frame, int joint, float y) => frames[(frame * Skeleton.JointCount + joint) * 3 + 1] = y;

    [Fact]
    public void A_foot_exactly_on_the_floor_is_valid_and_one_millimetre_below_penetrates_that_frame_only()
    {
        var frames = Standing();
        SetHeight(frames, 0, Skeleton.LeftFoot, 0f);
        SetHeight(frames, 1, Skeleton.LeftFoot, -0.001f);
        SetHeight(frames, 2, Skeleton.RightFoot, -0.0004f);   // within the 0.5 mm tolerance
        Assert.Equal([true, false, true], FrameValid(frames, 3));
    }

    [Fact]
    public void A_hand_below_the_floor_during_a_crouch_penetrates()
    {
        var random = new Random(3);
        var crouch = ProceduralMotions.Sequence(MotionActions.Crouch, 32, 0.05f, random);
        var deepest = Enumerable.Range(0, 32).MinBy(f => crouch[f][Skeleton.Pelvis].Y);
        var frames = crouch.SelectMany(pose => pose.SelectMany(p => new[] { p.X, p.Y, p.Z })).ToArray();
        Assert.All(FrameValid(frames, 32), Assert.True);
        SetHeight(frames, deepest, Skeleton.RightWrist, -0.03f);
        var valid = FrameValid(frames, 32);
        Assert.Equal(Enumerable.Range(0, 32).Select(f => f != deepest), valid);
    }

    [Fact]
    public void The_oracle_reads_standardised_samples_through_the_worlds_scaling()
    {
        var config = TestConfig.Parse("data: { name: motion, train_size: 10, validation_size: 5 }\nevaluate: { mmd_samples: 5 }\noracle: ground_penetration");
        using var data = new MotionDataSet().Load(config.Data);
        var world = (MotionWorld)data.World!;
        var oracle = new GroundPenetrationOracle(world);
        var verdict = oracle.Judge(data.Train, data.TrainCondition);
        Assert.Equal([10L, 32], verdict.Valid.shape);
        Assert.True(verdict.Valid.all().item<bool>());
        // Push every joint of sample 0, frame 5 one centimetre below the floor, in metres, and back to the model's space.
        using var metres = world.ToMetres(data.Train);
        metres[0, 5].index_put_(tensor(-0.01f), TensorIndex.Slice(1, null, 3));
        using var moved = world.ToModel(metres);
        var moved_verdict = oracle.Judge(moved, data.TrainCondition);
        Assert.Equal(1, moved_verdict.Valid.logical_not().sum().item<long>());
        Assert.False(moved_verdict.Valid[0, 5].item<bool>());
        Assert.Throws<GenNegException>(() => oracle.Judge(zeros(2, 32, 7), data.TrainCondition));
    }

    [Fact]
    public void The_generated_training_set_has_no_penetrating_frame_and_feet_touch_the_floor()
    {
        var (positions, actions) = ProceduralMotions.Generate(500, 32, 20, seed: 1);
        using var metres = tensor(positions).reshape(500, 32, Skeleton.JointCount * 3);
        var verdict = GroundPenetrationOracle.JudgeMetres(metres, Skeleton.JointCount, 0);   // not even the tolerance
        Assert.True(verdict.Valid.all().item<bool>());
        var heights = metres.reshape(500, 32, Skeleton.JointCount, 3).select(3, 1);
        var lowest = heights.amin([1, 2]);
        // Every motion touches the floor: its lowest joint (a foot in stance) rests 1.2 % of the figure's height above y = 0.
        Assert.True(lowest.ge(0.018f).all().item<bool>());
        Assert.True(lowest.le(0.023f).all().item<bool>());
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)(i % MotionActions.Names.Length)), actions);
    }

    [Fact]
    public void Walking_feet_rest_in_place_during_stance()
    {
        var walk = ProceduralMotions.Sequence(MotionActions.Walk, 40, 0.05f, new Random(7));
        // Frames where the left foot is at its stance height: between consecutive ones, it does not slide.
        var stance = Enumerable.Range(0, 40).Where(f => walk[f][Skeleton.LeftFoot].Y < walk.Min(p => p[Skeleton.LeftFoot].Y) + 1e-4f).ToArray();
        Assert.True(stance.Length >= 4);
        for (var k = 1; k < stance.Length; k++)
            if (stance[k] == stance[k - 1] + 1)
                Assert.True(System.Numerics.Vector3.Distance(walk[stance[k]][Skeleton.LeftFoot], walk[stance[k - 1]][Skeleton.LeftFoot]) < 0.01f);
    }
}
