namespace GenNeg.Domains.Motion;

/// <summary>
/// The 22-joint skeleton of SMPL as HumanML3D's new_joints orders it (so users' HumanML3D sequences and the generated
/// ones share joint indices): a parent per joint for drawing bones; left joints have +x when the body faces +z.
/// </summary>
public static class Skeleton
{
    public const int JointCount = 22;

    public static readonly string[] JointNames =
    [
        "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle", "right_ankle",
        "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head", "left_shoulder",
        "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    ];

    /// <summary>Parent of each joint (-1 for the pelvis, the root).</summary>
    public static readonly int[] Parents = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19];

    public const int Pelvis = 0, LeftHip = 1, RightHip = 2, Spine1 = 3, LeftKnee = 4, RightKnee = 5, Spine2 = 6,
        LeftAnkle = 7, RightAnkle = 8, Spine3 = 9, LeftFoot = 10, RightFoot = 11, Neck = 12, LeftCollar = 13,
        RightCollar = 14, Head = 15, LeftShoulder = 16, RightShoulder = 17, LeftElbow = 18, RightElbow = 19,
        LeftWrist = 20, RightWrist = 21;

    /// <summary>Bones (child, parent) for a skeleton of <paramref name="joints"/> joints; none when it is not this one.</summary>
    public static IEnumerable<(int Child, int Parent)> BonesOf(int joints) => joints == JointCount
        ? Enumerable.Range(1, JointCount - 1).Select(j => (j, Parents[j]))
        : [];
}
