using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Domains.Motion;

/// <summary>
/// What the motion oracle, pictures and distance need beside the samples (<see cref="Data.DataSplit.World"/>): the
/// model's coordinates (<see cref="ToModel"/>) with their per-coordinate standardisation (fitted on the training
/// frames), the action names (index = the one-hot position of the "action" condition), the joints per frame, the frame
/// rate and the floor tolerance, and the scales of the per-frame features the distribution distance compares.
/// </summary>
public sealed record MotionWorld(FeatureScaling Scaling, IReadOnlyList<string> Actions, int Joints, double Fps, double FloorTolerance, int DistanceFrames, FeatureScaling DistanceScaling) : Data.IRealUnits
{
    /// <summary>Joint positions in metres [B, F, J * 3].</summary>
    public Tensor ToRealUnits(Tensor samples) => ToMetres(samples);

    /// <summary>
    /// The model's coordinates of positions in metres [B, F, J * 3]: the pelvis (joint 0) as it is, every other joint's
    /// x and z relative to the pelvis's (its height y kept), then standardised. Global coordinates would make the body
    /// a small difference of large numbers: a run covers metres while the joints sit centimetres apart, so an error of
    /// 0.1 standard deviations bent the limbs by 15 cm.
    /// </summary>
    public Tensor ToModel(Tensor metres)
    {
        using var scope = NewDisposeScope();
        return Scaling.Normalise(RootRelative(metres, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>Positions in metres [B, F, J * 3] from the model's space (the inverse of <see cref="ToModel"/>).</summary>
    public Tensor ToMetres(Tensor samples)
    {
        using var scope = NewDisposeScope();
        return RootRelative(Scaling.Denormalise(samples), +1).MoveToOuterDisposeScope();
    }

    /// <summary>Adds (sign +1) or subtracts (-1) the pelvis's floor point (x, z) to every joint but the pelvis.</summary>
    public static Tensor RootRelative(Tensor positions, int sign)
    {
        using var scope = NewDisposeScope();
        var joints = positions.reshape(positions.shape[0], positions.shape[1], -1, 3);
        var others = joints.narrow(2, 1, joints.shape[2] - 1) + sign * PelvisFloorPoint(joints);
        return cat([joints.narrow(2, 0, 1), others], 2).reshape(positions.shape).MoveToOuterDisposeScope();
    }

    /// <summary>The pelvis's (joint 0's) point on the floor, [B, F, 1, 3] with y = 0, of joints [B, F, J, 3].</summary>
    private static Tensor PelvisFloorPoint(Tensor joints) =>
        joints.narrow(2, 0, 1) * tensor(new float[] { 1, 0, 1 }, device: joints.device).to(joints.dtype);

    /// <summary>
    /// Per-frame features in metres, [B, F, 2 J * 3]: each joint relative to the pelvis's floor point (x, z of the pelvis
    /// removed, y kept, so height above the floor counts), and each joint's velocity in m/s (central differences inside,
    /// one-sided at the ends).
    /// </summary>
    public Tensor FrameFeatures(Tensor metres)
    {
        using var scope = NewDisposeScope();
        var joints = metres.reshape(metres.shape[0], metres.shape[1], Joints, 3);
        var pose = (joints - PelvisFloorPoint(joints)).flatten(2);
        var frames = metres.shape[1];
        var step = (metres.narrow(1, 1, frames - 1) - metres.narrow(1, 0, frames - 1)) * Fps;   // [B, F - 1, D]
        var inner = (step.narrow(1, 0, frames - 2) + step.narrow(1, 1, frames - 2)) / 2;
        var velocity = cat([step.narrow(1, 0, 1), inner, step.narrow(1, frames - 2, 1)], 1);
        return cat([pose, velocity], 2).MoveToOuterDisposeScope();
    }
}
