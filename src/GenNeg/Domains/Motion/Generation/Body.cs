using System.Numerics;

namespace GenNeg.Domains.Motion.Generation;

/// <summary>
/// One figure's proportions, as fractions of its standing height (after anthropometric tables, rounded), and the
/// kinematics that turn a pose description into the 22 joint positions: two-link inverse kinematics for the legs, so
/// the feet go exactly where the motion puts them.
/// </summary>
public sealed class Body(float height)
{
    public float HipHalfWidth => 0.05f * height;
    public float Thigh => 0.245f * height;
    public float Shin => 0.245f * height;
    /// <summary>Height of the ankle joint above the floor with the foot flat on it.</summary>
    public float AnkleHeight => 0.045f * height;
    /// <summary>Height of the foot (toe-base) joint above the floor with the foot flat on it: the lowest joint of a standing figure.</summary>
    public float FootHeight => 0.012f * height;
    public float FootLength => 0.1f * height;
    public float UpperArm => 0.17f * height;
    public float Forearm => 0.15f * height;
    /// <summary>Pelvis height standing straight.</summary>
    public float StandingPelvis => AnkleHeight + Thigh + Shin;
    public float LegLength => Thigh + Shin;

    /// <summary>
    /// Joint positions [22] in metres for a pose: the pelvis position, heading (radians about +y; 0 faces +z), the
    /// ankles' world positions, the torso's forward lean and each arm's shoulder angle (forward from hanging, radians),
    /// elbow bend and sideways raise.
    /// </summary>
    public Vector3[] Pose(in PoseSpec spec)
    {
        var joints = new Vector3[Skeleton.JointCount];
        var forward = Rotate(spec.Heading, new Vector3(0, 0, 1));
        var left = Rotate(spec.Heading, new Vector3(1, 0, 0));
        var up = Vector3.UnitY;
        var spine = Vector3.Normalize(up * MathF.Cos(spec.Lean) + forward * MathF.Sin(spec.Lean));

        joints[Skeleton.Pelvis] = spec.Pelvis;
        joints[Skeleton.Spine1] = spec.Pelvis + spine * (0.06f * height);
        joints[Skeleton.Spine2] = joints[Skeleton.Spine1] + spine * (0.07f * height);
        joints[Skeleton.Spine3] = joints[Skeleton.Spine2] + spine * (0.03f * height);
        joints[Skeleton.Neck] = joints[Skeleton.Spine3] + spine * (0.12f * height);
        joints[Skeleton.Head] = joints[Skeleton.Neck] + spine * (0.06f * height);

        Leg(joints, spec.Pelvis + left * HipHalfWidth, spec.LeftAnkle, forward, Skeleton.LeftHip, Skeleton.LeftKnee, Skeleton.LeftAnkle, Skeleton.LeftFoot);
        Leg(joints, spec.Pelvis - left * HipHalfWidth, spec.RightAnkle, forward, Skeleton.RightHip, Skeleton.RightKnee, Skeleton.RightAnkle, Skeleton.RightFoot);

        var chest = joints[Skeleton.Spine3];
        Arm(joints, chest, spine, forward, left, spec.LeftArm, Skeleton.LeftCollar, Skeleton.LeftShoulder, Skeleton.LeftElbow, Skeleton.LeftWrist);
        Arm(joints, chest, spine, forward, -left, spec.RightArm, Skeleton.RightCollar, Skeleton.RightShoulder, Skeleton.RightElbow, Skeleton.RightWrist);
        return joints;
    }

    /// <summary>Rotation about +y by <paramref name="heading"/>.</summary>
    public static Vector3 Rotate(float heading, Vector3 v) =>
        new(v.X * MathF.Cos(heading) + v.Z * MathF.Sin(heading), v.Y, -v.X * MathF.Sin(heading) + v.Z * MathF.Cos(heading));

    private void Leg(Vector3[] joints, Vector3 hip, Vector3 ankleTarget, Vector3 forward, int hipIndex, int kneeIndex, int ankleIndex, int footIndex)
    {
        joints[hipIndex] = hip;
        var reach = ankleTarget - hip;
        var distance = reach.Length();
        // Out of reach: the ankle moves toward the hip (upward, so never into the floor) until the leg is just straight.
        var maxReach = 0.999f * LegLength;
        var ankle = distance > maxReach ? hip + reach * (maxReach / distance) : ankleTarget;
        distance = MathF.Min(distance, maxReach);
        var along = Vector3.Normalize(ankle - hip);
        var a = (Thigh * Thigh - Shin * Shin + distance * distance) / (2 * distance);
        var bend = MathF.Sqrt(MathF.Max(Thigh * Thigh - a * a, 0));
        // Knees bend forward: the part of the facing direction perpendicular to the leg.
        var kneeDirection = forward - Vector3.Dot(forward, along) * along;
        kneeDirection = kneeDirection.LengthSquared() < 1e-8f ? forward : Vector3.Normalize(kneeDirection);
        joints[kneeIndex] = hip + along * a + kneeDirection * bend;
        joints[ankleIndex] = ankle;
        // The foot stays flat: its joint lies ahead of the ankle, (ankle height - foot height) lower.
        joints[footIndex] = ankle + forward * FootLength - Vector3.UnitY * (AnkleHeight - FootHeight);
    }

    private void Arm(Vector3[] joints, Vector3 chest, Vector3 spine, Vector3 forward, Vector3 outward, ArmSpec arm,
        int collarIndex, int shoulderIndex, int elbowIndex, int wristIndex)
    {
        joints[collarIndex] = chest + spine * (0.07f * height) + outward * (0.04f * height);
        var shoulder = chest + spine * (0.08f * height) + outward * (0.1f * height);
        joints[shoulderIndex] = shoulder;
        var down = -spine;
        var upper = Direction(down, forward, outward, arm.Swing, arm.Raise);
        var elbow = shoulder + upper * UpperArm;
        var lower = Direction(down, forward, outward, arm.Swing + arm.Bend, arm.Raise);
        joints[elbowIndex] = elbow;
        joints[wristIndex] = elbow + lower * Forearm;
    }

    /// <summary>Hanging down, turned forward by <paramref name="swing"/>, then outward by <paramref name="raise"/>.</summary>
    private static Vector3 Direction(Vector3 down, Vector3 forward, Vector3 outward, float swing, float raise)
    {
        var sagittal = down * MathF.Cos(swing) + forward * MathF.Sin(swing);
        return Vector3.Normalize(sagittal * MathF.Cos(raise) + outward * MathF.Sin(raise));
    }
}

/// <summary>One arm: shoulder swing forward from hanging, elbow bend (added to the swing for the forearm) and sideways raise, radians.</summary>
public readonly record struct ArmSpec(float Swing, float Bend, float Raise);

/// <summary>What <see cref="Body.Pose"/> needs for one frame.</summary>
public readonly record struct PoseSpec(Vector3 Pelvis, float Heading, Vector3 LeftAnkle, Vector3 RightAnkle, float Lean, ArmSpec LeftArm, ArmSpec RightArm);
