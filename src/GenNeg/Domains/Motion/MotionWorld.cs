using GenNeg.Domains.Traffic.Scenes;
using static TorchSharp.torch;

namespace GenNeg.Domains.Motion;

/// <summary>
/// What the motion oracle, pictures and distance need beside the samples (<see cref="Data.DataSplit.World"/>): the
/// per-coordinate standardisation of the model's space (fitted on the training frames), the action names (index = the
/// one-hot position of the "action" condition), the joints per frame, the frame rate and the floor tolerance, and the
/// scales of the per-frame features the distribution distance compares.
/// </summary>
public sealed record MotionWorld(FeatureScaling Scaling, IReadOnlyList<string> Actions, int Joints, double Fps, double FloorTolerance, int DistanceFrames, FeatureScaling DistanceScaling)
{
    /// <summary>Positions in metres [B, F, J * 3] from the model's space.</summary>
    public Tensor ToMetres(Tensor samples) => Scaling.Denormalise(samples);

    /// <summary>
    /// Per-frame features in metres, [B, F, 2 J * 3]: each joint relative to the pelvis's floor point (x, z of the pelvis
    /// removed, y kept, so height above the floor counts), and each joint's velocity in m/s (central differences inside,
    /// one-sided at the ends).
    /// </summary>
    public Tensor FrameFeatures(Tensor metres)
    {
        using var scope = NewDisposeScope();
        var joints = metres.reshape(metres.shape[0], metres.shape[1], Joints, 3);
        var rootFloor = joints.narrow(2, 0, 1) * tensor(new float[] { 1, 0, 1 }, device: metres.device).to(metres.dtype);
        var pose = (joints - rootFloor).flatten(2);
        var frames = metres.shape[1];
        var step = (metres.narrow(1, 1, frames - 1) - metres.narrow(1, 0, frames - 1)) * Fps;   // [B, F - 1, D]
        var inner = (step.narrow(1, 0, frames - 2) + step.narrow(1, 1, frames - 2)) / 2;
        var velocity = cat([step.narrow(1, 0, 1), inner, step.narrow(1, frames - 2, 1)], 1);
        return cat([pose, velocity], 2).MoveToOuterDisposeScope();
    }
}
