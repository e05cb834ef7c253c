using GenNeg.Data;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Domains.Motion.Oracle;

/// <summary>
/// The motion oracle (the paper's Section 4.3): a frame penetrates the ground when any joint's height is below
/// -data.motion.floor_tolerance metres (the floor is y = 0); one label per frame, and a motion is valid iff none of its
/// frames penetrates. Samples are [B, F, J * 3] in the model's standardised space; the class condition is not read.
/// </summary>
public sealed class GroundPenetrationOracle(MotionWorld world) : IOracle
{
    public const string OracleName = "ground_penetration";
    public const string Reason = "ground_penetration";

    public string Name => OracleName;

    public Tensor IsValid(Tensor samples) => Judge(samples, Condition.None).SampleValid();

    public OracleVerdict Judge(Tensor samples, Condition condition)
    {
        if (samples.ndim != 3 || samples.shape[2] != world.Joints * 3)
            throw new GenNegException($"the ground-penetration oracle takes motions [B, frames, {world.Joints * 3}], got shape [{string.Join(", ", samples.shape)}]");
        using var scope = NewDisposeScope();
        return JudgeMetres(world.ToMetres(samples.detach()), world.Joints, world.FloorTolerance).MoveToOuterDisposeScope();
    }

    /// <summary>The verdict on motions already in metres [B, F, J * 3] (the tests' and the loaders' entry).</summary>
    public static OracleVerdict JudgeMetres(Tensor metres, int joints, double tolerance)
    {
        using var scope = NewDisposeScope();
        var heights = metres.reshape(metres.shape[0], metres.shape[1], joints, 3).select(3, 1);   // [B, F, J]
        var penetrating = heights.amin(2).lt(-tolerance);                                           // [B, F]
        return new OracleVerdict(penetrating.logical_not(), new Dictionary<string, Tensor> { [Reason] = penetrating }).MoveToOuterDisposeScope();
    }
}
